"""Decoding a JSONL log in bulk: rt_fast's reader against per-line loops of ``orjson`` and ``json``.

Measures turning a whole newline-delimited log, held in memory, into Python objects: one frame
a line, both directions, from the seeded traffic generator. Two logs: a generated GA session
(mostly audio, a few MB) and its frames under 2 KB only (text, VAD, items: many small lines).

* ``rt_fast.read_log``: the streaming reader (chunks, exact lines, typed frames, ``"auto"``).
* ``rt_fast.Decoder.decode_lines``: msgspec's one-call bulk path, for scale. It is not exact
  (it takes two frames on one line, or a frame broken over two lines, as valid), which is why
  the reader decodes line by line; the difference between the two is what exactness costs.
* ``orjson.loads`` and ``json.loads``: a plain Python loop over the log's lines (untyped dicts).

Each output must equal ``json.loads`` of every line before it is timed (typed frames through
``msgspec.to_builtins``). ``benchmarks/logs_whole_process.py`` measures whole processes on a
log of hundreds of MB instead, with worker processes.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from typing import Any

import msgspec
import orjson
import pytest

import rt_fast
from rt_fast import ga
from rt_fast._jsonl import read_log
from rt_fast._traffic import session_frames


@functools.cache
def _logs() -> dict[str, bytes]:
    frames = [frame for seed in (1, 2) for _, frame in session_frames(seed=seed, turns=3)]
    small = [frame for seed in range(3, 9) for _, frame in session_frames(seed=seed, turns=6)]
    return {
        "session": b"".join(frame + b"\n" for frame in frames),
        "text-frames": b"".join(frame + b"\n" for frame in small if len(frame) < 2048),
    }


_lines_decoder = rt_fast.Decoder(ga.Event)


def _read_log(data: bytes) -> list[Any]:
    return list(read_log(io.BytesIO(data)))


def _orjson_loop(data: bytes) -> list[Any]:
    return [orjson.loads(line) for line in io.BytesIO(data)]


def _json_loop(data: bytes) -> list[Any]:
    return [json.loads(line) for line in io.BytesIO(data)]


IMPLS: dict[str, tuple[Callable[[bytes], list[Any]], bool]] = {
    # name: (decode a whole log, returns typed objects)
    "rt_fast.read_log": (_read_log, True),
    "rt_fast.Decoder.decode_lines": (_lines_decoder.decode_lines, True),
    "orjson.loads-loop": (_orjson_loop, False),
    "json.loads-loop": (_json_loop, False),
}


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("log", ["session", "text-frames"])
def test_decode_log(timed: Any, benchmark: Any, log: str, impl: str) -> None:
    """Decode every line of an in-memory log with each implementation."""
    data = _logs()[log]
    expected = [json.loads(line) for line in data.splitlines()]
    func, typed = IMPLS[impl]

    def correct(out: list[Any]) -> bool:
        return [msgspec.to_builtins(f) if typed else f for f in out] == expected

    benchmark.extra_info["bytes"] = len(data)
    timed(
        impl, f"log: {log} ({len(data) / 1e6:.1f} MB, {len(expected)} lines)", func, data, correct
    )
