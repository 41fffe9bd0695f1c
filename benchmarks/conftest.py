"""Benchmark fixtures: the garbage collector frozen while timing, and correctness gates."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def frozen_gc() -> Iterator[None]:
    """Collect, freeze and disable the GC for the duration of each benchmark."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@pytest.fixture
def timed(benchmark: Any) -> Callable[..., Any]:
    """Check an implementation's output against the reference, then time it.

    ``timed(impl_name, group, func, arg, correct)``: ``correct(func(arg))`` must be true before
    any timing; a wrong result fails the test and gets no number. ``extra_info`` records the
    implementation and that its output was checked.
    """

    def run(impl: str, group: str, func: Callable[[Any], Any], arg: Any,
            correct: Callable[[Any], bool]) -> Any:  # fmt: skip
        benchmark.group = group
        benchmark.extra_info["impl"] = impl
        ok = bool(correct(func(arg)))
        benchmark.extra_info["correct"] = ok
        assert ok, f"{impl} gave a wrong result for {group}; it gets no number"
        return benchmark(func, arg)

    return run
