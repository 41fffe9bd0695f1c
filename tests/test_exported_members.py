"""The public surface: ``__all__`` of rt_fast and its generation modules, sorted and complete."""

from __future__ import annotations

import re

import msgspec

import rt_fast
from rt_fast import ga


def test_all_is_sorted_and_complete() -> None:
    """rt_fast.__all__ is sorted and lists every public name the package defines."""
    public = {name for name in vars(rt_fast) if not name.startswith("_")} - {"ga"}
    assert rt_fast.__all__ == sorted(rt_fast.__all__)
    assert public | {"ga", "__version__"} == set(rt_fast.__all__)


def test_generation_exports_every_model() -> None:
    """rt_fast.ga exports every Struct defined in its modules, and nothing private."""
    structs = {
        name
        for module in (ga.client, ga.items, ga.responses, ga.server, ga.session)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert structs <= set(ga.__all__)
    assert len(ga.__all__) == len(set(ga.__all__))
    assert all(hasattr(ga, name) for name in ga.__all__)


def _class_name(tag: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", tag)) + "Event"


def test_event_names_derive_from_tags() -> None:
    """Every event class is its wire tag in CamelCase plus Event, as the contract says."""
    for table in (ga.SERVER_EVENTS, ga.CLIENT_EVENTS):
        for tag, cls in table.items():
            assert cls.__name__ == _class_name(tag)
            assert getattr(ga, cls.__name__) is cls


def test_event_counts() -> None:
    """GA has 46 server events and 11 client events, with disjoint tags."""
    assert (len(ga.SERVER_EVENTS), len(ga.CLIENT_EVENTS)) == (46, 11)
    assert not set(ga.SERVER_EVENTS) & set(ga.CLIENT_EVENTS)


def test_every_model_is_a_frozen_struct() -> None:
    """Every exported model is a frozen msgspec Struct."""
    for name in ga.__all__:
        value = getattr(ga, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            assert value.__struct_config__.frozen, name
