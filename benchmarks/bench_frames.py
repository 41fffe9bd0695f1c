"""Decoding frame sets of a realistic session: rt_fast against the stdlib and every peer.

Each benchmark decodes one frame set of ``data.FRAME_SETS`` (a generated GA session: single
frames, the small server frames, the audio deltas, the session and response objects, the whole
stream both directions, the same as one JSONL log, and a GPT-Live session both directions,
decoded by each implementation's Live models) with one implementation of
``data.IMPLS``, and is timed per call on the whole set. Before timing, the output is turned
back into plain JSON data and compared with ``json.loads`` of every frame: rt_fast must be
exact; a peer that loses or changes data, or cannot decode the set, is left out of the group
with the reason recorded (``conftest.exclude``). ``extra_info["bytes"]`` is the set's size,
for MB/s.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import data
from benchmarks.conftest import exclude


@pytest.mark.parametrize("impl", data.IMPLS)
@pytest.mark.parametrize("name", data.FRAME_SETS)
def test_decode(timed: Any, name: str, impl: str) -> None:
    """Decode one frame set with one implementation."""
    fs = data.FRAME_SETS[name]
    codec = data.load(impl)
    if isinstance(codec, str):
        exclude(impl, fs.group, codec)
    prepared = data.prepare(codec, fs)
    if isinstance(prepared, str):
        exclude(impl, fs.group, prepared)
    func, arg = prepared

    def correct(output: list[Any]) -> bool | str:
        return data.check(codec, fs, output)

    timing = data.decode_dropping if func is data.decode_each else None  # a log stays a list
    timed(impl, fs.group, func, arg, correct, size=fs.size, ours=data.IMPLS[impl].ours,
          timing=timing)  # fmt: skip
