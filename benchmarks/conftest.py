"""Benchmark fixtures: the garbage collector frozen while timing, and correctness gates.

An implementation whose output is wrong, or that cannot decode a frame set at all, gets no
number: ``timed`` fails the test for rt_fast itself and, for a peer, skips it and records why.
The reasons land in pytest-benchmark's JSON (``--benchmark-json``) under ``"excluded"``, which
``render.py`` prints under each table, so nothing is left out silently.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

EXCLUDED: list[dict[str, str]] = []


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


def exclude(impl: str, group: str, reason: str) -> None:
    """Leave ``impl`` out of ``group`` (a skip), recording the reason for the rendered tables."""
    EXCLUDED.append({"group": group, "impl": impl, "reason": reason})
    pytest.skip(f"{impl}: {reason}")


@pytest.fixture
def timed(benchmark: Any) -> Callable[..., Any]:
    """Check an implementation's output against the reference, then time it.

    ``timed(impl_name, group, func, arg, correct, size=None, ours=True)``: ``correct(func(arg))``
    must be ``True`` (or a string saying what is wrong) before any timing. A wrong result fails
    the test when ``ours``, and otherwise excludes the implementation from the group with that
    reason. ``timing``, where given, is what is timed instead: the same work as ``func``, its
    results dropped (``data.decode_dropping``). ``extra_info`` records the implementation,
    that its output was checked, and the bytes one call decodes (``size``, for MB/s).
    """

    def run(impl: str, group: str, func: Callable[[Any], Any], arg: Any,
            correct: Callable[[Any], bool | str], size: int | None = None,
            ours: bool = True, timing: Callable[[Any], Any] | None = None) -> Any:  # fmt: skip
        benchmark.group = group
        benchmark.extra_info["impl"] = impl
        verdict = correct(func(arg))
        ok = verdict is True
        benchmark.extra_info["correct"] = ok
        if size is not None:
            benchmark.extra_info["bytes"] = size
        if not ok:
            reason = verdict if isinstance(verdict, str) else "wrong result"
            assert not ours, f"{impl} gave a wrong result for {group}: {reason}"
            exclude(impl, group, f"incorrect: {reason}")
        return benchmark(func if timing is None else timing, arg)

    return run


def pytest_benchmark_update_json(config: Any, benchmarks: Any, output_json: dict[str, Any]) -> None:
    """Add the excluded implementations, with their reasons, to the saved results."""
    output_json["excluded"] = EXCLUDED
