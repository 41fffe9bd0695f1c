"""The public surface: ``__all__`` of rt_fast and its generation modules, sorted and complete."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import beta, ga, translation

GENERATIONS = [ga, beta, translation]


def test_all_is_sorted_and_complete() -> None:
    """rt_fast.__all__ is sorted and lists every public name the package defines."""
    modules = {"beta", "ga", "translation"}
    extras = {"dask", "relay", "server", "ws"}  # imported on demand: each needs an extra
    extras.add("pytest_plugin")  # loaded by pytest, which rewrites the package's asserts (@py_*)
    names = {name for name in vars(rt_fast) if name.isidentifier()}
    public = {name for name in names if not name.startswith("_")} - modules - extras
    assert rt_fast.__all__ == sorted(rt_fast.__all__)
    assert public | modules | {"__version__"} == set(rt_fast.__all__)


@pytest.mark.parametrize("generation", GENERATIONS, ids=lambda m: m.__name__)
def test_generation_exports_every_model(generation: Any) -> None:
    """Each generation exports every Struct defined in its modules, and nothing private."""
    modules = [m for m in vars(generation).values() if isinstance(m, ModuleType)]
    structs = {
        name
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert structs <= set(generation.__all__)
    assert len(generation.__all__) == len(set(generation.__all__))
    assert all(hasattr(generation, name) for name in generation.__all__)


def _class_name(tag: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", tag)) + "Event"


@pytest.mark.parametrize("generation", GENERATIONS, ids=lambda m: m.__name__)
def test_event_names_derive_from_tags(generation: Any) -> None:
    """Every event class is its wire tag in CamelCase plus Event, as the contract says."""
    for table in (generation.SERVER_EVENTS, generation.CLIENT_EVENTS):
        for tag, cls in table.items():
            assert cls.__name__ == _class_name(tag)
            assert getattr(generation, cls.__name__) is cls


@pytest.mark.parametrize(
    ("generation", "counts"), [(ga, (46, 11)), (beta, (34, 12)), (translation, (7, 3))]
)
def test_event_counts(generation: Any, counts: tuple[int, int]) -> None:
    """Each generation has its number of server and client events, with disjoint tags."""
    assert (len(generation.SERVER_EVENTS), len(generation.CLIENT_EVENTS)) == counts
    assert not set(generation.SERVER_EVENTS) & set(generation.CLIENT_EVENTS)


@pytest.mark.parametrize("generation", GENERATIONS, ids=lambda m: m.__name__)
def test_every_model_is_a_frozen_struct(generation: Any) -> None:
    """Every exported model is a frozen msgspec Struct."""
    for name in generation.__all__:
        value = getattr(generation, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            assert value.__struct_config__.frozen, name
