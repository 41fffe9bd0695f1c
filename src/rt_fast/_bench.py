"""``rt-fast bench``: rt_fast against ``json.loads`` and the peers installed, on generated traffic.

A quick, self-contained version of the benchmark suite (``benchmarks/``) for any machine: it
generates a realistic GA session (``rt_fast._traffic``), splits it into frame sets (small
frames, audio deltas, session/response objects, the whole stream, the stream as a JSONL log),
checks that every implementation's output equals ``json.loads`` of every frame, then times them
interleaved: each round times every (set, implementation) pair once, in a shuffled order, so
a burst of noise on a shared machine hits every contestant alike; the median round counts.

Peers are used when installed and skipped, saying so, when not: ``orjson.loads`` (untyped
dicts) and the official SDK's pydantic models (``openai``, validated against a union
discriminated on ``type``).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from . import ga
from ._codec import Decoder
from ._traffic import session_frames

__all__ = ["command", "run"]

SEED, TURNS = 2026, 4
AUDIO = ("response.output_audio.delta", "input_audio_buffer.append")
OBJECTS = ("session.created", "session.updated", "response.created", "response.done")
BASELINE = "rt_fast"


@dataclass(frozen=True)
class _Set:
    name: str
    frames: list[bytes]
    bulk: bool = False

    @property
    def size(self) -> int:
        return sum(map(len, self.frames)) + (len(self.frames) if self.bulk else 0)


@dataclass(frozen=True)
class _Impl:
    one: Callable[[bytes], Any]  # a frame of either direction
    lines: Callable[[bytes], list[Any]]  # a JSONL log
    to_builtins: Callable[[Any], Any]


def _sets(turns: int) -> list[_Set]:
    frames = [frame for _, frame in session_frames(seed=SEED, turns=turns)]
    types = [json.loads(frame)["type"] for frame in frames]

    def select(keep: Callable[[str], bool]) -> list[bytes]:
        return [frame for frame, type_ in zip(frames, types, strict=True) if keep(type_)]

    return [
        _Set("small frames", select(lambda t: t not in AUDIO and t not in OBJECTS)),
        _Set("audio frames", select(lambda t: t in AUDIO)),
        _Set("session/response objects", select(lambda t: t in OBJECTS)),
        _Set("whole stream", frames),
        _Set("JSONL log (bulk)", frames, bulk=True),
    ]


def _per_line(one: Callable[[bytes], Any]) -> Callable[[bytes], list[Any]]:
    return lambda log: [one(line) for line in log.splitlines()]


def _rt_fast() -> _Impl:
    decoder: Decoder[Any] = Decoder(ga.Event)
    return _Impl(decoder.decode, decoder.decode_lines, msgspec.to_builtins)


def _json() -> _Impl:
    return _Impl(json.loads, _per_line(json.loads), lambda obj: obj)


def _orjson() -> _Impl:
    import orjson

    return _Impl(orjson.loads, _per_line(orjson.loads), lambda obj: obj)


def _pydantic() -> _Impl:
    import typing

    import pydantic
    from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

    # The SDK's unions carry their discriminator as openai's own PropertyInfo, which pydantic
    # does not read: validated as they are, they are tried member by member (~20x slower).
    aliases = (RealtimeServerEvent, RealtimeClientEvent)
    members = sum((typing.get_args(typing.get_args(alias)[0]) for alias in aliases), ())
    union: Any = typing.Union[members]
    tagged: Any = typing.Annotated[union, pydantic.Field(discriminator="type")]
    validate = pydantic.TypeAdapter(tagged).validate_json

    def dump(model: Any) -> Any:
        return model.model_dump(mode="json", exclude_unset=True, by_alias=True, warnings=False)

    return _Impl(validate, _per_line(validate), dump)


_IMPLS: dict[str, tuple[str, Callable[[], _Impl]]] = {
    # name: (what it returns, loader)
    "rt_fast": ("typed, validated msgspec Structs", _rt_fast),
    "json.loads": ("untyped dicts (stdlib)", _json),
    "orjson.loads": ("untyped dicts", _orjson),
    "openai pydantic": ("the SDK's pydantic models, validated", _pydantic),
}


def _load() -> tuple[dict[str, _Impl], dict[str, str]]:
    """The implementations available here, and why the others are not."""
    loaded, skipped = {}, {}
    for name, (_, load) in _IMPLS.items():
        try:
            loaded[name] = load()
        except ImportError as exc:
            skipped[name] = f"not installed ({exc.name})"
    return loaded, skipped


def _call(impl: _Impl, fs: _Set) -> Callable[[], list[Any]]:
    if fs.bulk:
        log, lines = b"".join(frame + b"\n" for frame in fs.frames), impl.lines
        return lambda: lines(log)
    one, frames = impl.one, fs.frames
    return lambda: [one(frame) for frame in frames]


def _correct(impl: _Impl, fs: _Set, output: list[Any]) -> bool:
    return len(output) == len(fs.frames) and all(
        impl.to_builtins(obj) == json.loads(frame)
        for obj, frame in zip(output, fs.frames, strict=True)
    )


def _calibrate(work: Callable[[], Any], target: float) -> int:
    """How many calls of ``work`` take about ``target`` seconds (at least one)."""
    start = time.perf_counter()
    work()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(target / once))


def _time(work: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        work()
    return (time.perf_counter() - start) / number


class _Progress:
    """A one-line progress indication on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"\rrt-fast bench: {message:<60}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled:
            print("\r" + " " * 76 + "\r", end="", file=sys.stderr, flush=True)


def _prepare(impls: dict[str, _Impl], sets: list[_Set], progress: _Progress) -> dict[Any, Any]:
    """(set, impl) -> call, for the pairs whose output is correct; wrong ones are dropped."""
    calls = {}
    for fs in sets:
        for name, impl in impls.items():
            progress(f"checking {name} on {fs.name}")
            call = _call(impl, fs)
            if _correct(impl, fs, call()):
                calls[fs.name, name] = call
    return calls


def _rounds(calls: dict[Any, Any], budget: float, progress: _Progress) -> dict[Any, list[float]]:
    """Interleaved timing: each round times every pair once, in a fresh random order."""
    slot = budget / 12 / max(len(calls), 1)  # aim at ~12 rounds within the budget
    numbers = {key: _calibrate(call, slot) for key, call in calls.items()}
    times: dict[Any, list[float]] = {key: [] for key in calls}
    order, rng = list(calls), random.Random(0)
    deadline, rounds = time.perf_counter() + budget, 0
    while rounds < 3 or (time.perf_counter() < deadline and rounds < 50):
        rng.shuffle(order)
        for key in order:
            times[key].append(_time(calls[key], numbers[key]))
        rounds += 1
        progress(f"round {rounds}, {max(0.0, deadline - time.perf_counter()):.0f} s left")
    return times


def _row(size: int, runs: list[float], base: float | None) -> dict[str, Any]:
    median = statistics.median(runs)
    return {"median_s": median, "mb_per_s": size / median / 1e6,
            "relative": median / base if base else None, "rounds": len(runs)}  # fmt: skip


def _report(sets: list[_Set], impls: dict[str, _Impl], skipped: dict[str, str],
            times: dict[Any, list[float]]) -> dict[str, Any]:  # fmt: skip
    results: dict[str, Any] = {}
    for fs in sets:
        rows = {name: times[fs.name, name] for name in impls if (fs.name, name) in times}
        base = statistics.median(rows[BASELINE]) if BASELINE in rows else None
        results[fs.name] = {
            "frames": len(fs.frames),
            "bytes": fs.size,
            "results": {name: _row(fs.size, runs, base) for name, runs in rows.items()},
            "incorrect": [name for name in impls if (fs.name, name) not in times],
        }
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "msgspec": msgspec.__version__,
        "implementations": {name: _IMPLS[name][0] for name in impls},
        "skipped": skipped,
        "sets": results,
    }


def run(budget: float = 30.0, progress: bool | None = None, turns: int = TURNS) -> dict[str, Any]:
    """Check and time every implementation available on every frame set, in ``budget`` s.

    The garbage collector is frozen and disabled while timing, as in the benchmark suite.
    """
    bar = _Progress(progress)
    bar("generating traffic")
    sets = _sets(turns)
    bar("loading implementations")
    impls, skipped = _load()
    calls = _prepare(impls, sets, bar)
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        times = _rounds(calls, budget, bar)
    finally:
        gc.enable()
        gc.unfreeze()
        bar.done()
    return _report(sets, impls, skipped, times)


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def _print(report: dict[str, Any]) -> None:
    print(f"Python {report['python']}, msgspec {report['msgspec']}, {report['platform']}")
    for name, why in report["skipped"].items():
        print(f"skipped {name}: {why}")
    for set_name, fs in report["sets"].items():
        print(f"\n{set_name}: {fs['frames']} frames, {fs['bytes'] / 1e6:.2f} MB")
        print(f"  {'implementation':<18}{'median':>12}{'MB/s':>10}  vs rt_fast")
        for name, row in fs["results"].items():
            rel = row["relative"]
            ratio = f"{rel:.2f}x" if rel is not None else "-"
            print(f"  {name:<18}{_duration(row['median_s']):>12}{row['mb_per_s']:>10.0f}  {ratio}")
        for name in fs["incorrect"]:
            print(f"  {name:<18}  wrong output: no number")
    print("\nmedian of interleaved rounds; 'vs rt_fast' is time relative to rt_fast (lower is "
          "faster). Shared machines are noisy: compare ratios, and rerun.")  # fmt: skip


def command(args: argparse.Namespace) -> int:
    """``rt-fast bench`` (its options are defined in ``_cli``)."""
    report = run(budget=5.0 if args.quick else args.budget)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print(report)
    return 0
