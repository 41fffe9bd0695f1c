"""What the input guard costs: rt_fast's decoders beside a bare msgspec decoder and the guard alone.

Frames: the single ``vad``, ``response.done`` and ``audio-delta`` (~17 KB) frames of
``data.FRAME_SETS``, plus the same audio frame with its keys reordered (``type`` last), which
the audio fast path declines: it measures the generic path, where the guard scans all 17 KB.
Implementations: ``decode_server_event`` and ``Decoder.decode`` (guard included), a bare
``msgspec.json.Decoder`` of the same union (no guard, no wrapper), and ``rt_fast._guard.check``
alone. The guard's share of a decode is its own time over the decoder's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

import rt_fast
from benchmarks import data
from rt_fast import ga
from rt_fast._guard import check


def _frames() -> dict[str, bytes]:
    frames = {name: data.FRAME_SETS[name].frames[0][1] for name in ("vad", "response.done")}
    audio = data.FRAME_SETS["audio-delta"].frames[0][1]
    fields = json.loads(audio)
    reordered = {**{k: v for k, v in fields.items() if k != "type"}, "type": fields["type"]}
    frames["audio-delta"] = audio
    frames["audio-delta-reordered"] = json.dumps(reordered, separators=(",", ":")).encode()
    return frames


FRAMES = _frames()
_decoder = rt_fast.Decoder(ga.ServerEvent)
_bare = msgspec.json.Decoder(ga.ServerEvent)

IMPLS: dict[str, tuple[Callable[[bytes], Any], bool]] = {
    # name: (function, returns the decoded event)
    "rt_fast.decode_server_event": (rt_fast.decode_server_event, True),
    "rt_fast.Decoder": (_decoder.decode, True),
    "msgspec.Decoder": (_bare.decode, True),
    "guard.check": (check, False),
}


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("frame", FRAMES)
def test_guard_cost(timed: Any, frame: str, impl: str) -> None:
    """Decode (or only guard) one frame with one implementation."""
    arg = FRAMES[frame]
    func, decodes = IMPLS[impl]
    expected = json.loads(arg)

    def correct(out: Any) -> bool:
        return msgspec.to_builtins(out) == expected if decodes else out is None

    timed(impl, f"guard {frame} ({len(arg)} B)", func, arg, correct, size=len(arg))
