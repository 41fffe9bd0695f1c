"""Decoding one server frame: rt_fast against the stdlib ``json`` and ``orjson``.

Measures the time to turn one frame's bytes into Python objects for three frames of a
generated GA session: a small VAD event, a ``response.done`` with usage and output, and a
17 KB ``response.output_audio.delta``. rt_fast returns typed, validated Structs; ``json`` and
``orjson`` return untyped dicts. ``msgspec (bare)`` is the same union decoded by a plain msgspec
Decoder: the difference from rt_fast is what rt_fast's wrapper (protocol table, unknown-type
fallback) costs on known frames.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import msgspec
import orjson
import pytest

import rt_fast
from rt_fast import ga
from rt_fast._traffic import session_frames


def _frames() -> dict[str, bytes]:
    frames = [f for d, f in session_frames(seed=1, turns=2) if d == "server"]
    by_type = {json.loads(f)["type"]: f for f in reversed(frames)}
    delta = json.loads(by_type["response.output_audio.delta"])
    delta["delta"] = base64.b64encode(bytes(12_700)).decode()  # ~17 KB frame
    audio = json.dumps(delta, separators=(",", ":")).encode()
    return {
        "small": by_type["input_audio_buffer.speech_started"],
        "response.done": by_type["response.done"],
        "audio-17KB": audio,
    }


FRAMES = _frames()
_bare = msgspec.json.Decoder(ga.ServerEvent)
_reused = rt_fast.Decoder(ga.ServerEvent)

IMPLS: dict[str, tuple[Callable[[bytes], Any], bool]] = {
    # name: (decode function, returns typed objects)
    "rt_fast.decode_server_event": (rt_fast.decode_server_event, True),
    "rt_fast.Decoder": (_reused.decode, True),
    "msgspec.bare": (_bare.decode, True),
    "json.loads": (json.loads, False),
    "orjson.loads": (orjson.loads, False),
}


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("frame", FRAMES)
def test_decode_frame(timed: Any, frame: str, impl: str) -> None:
    """Decode one frame of each kind with each implementation."""
    data = FRAMES[frame]
    expected = json.loads(data)
    func, typed = IMPLS[impl]

    def correct(out: Any) -> bool:
        return (msgspec.to_builtins(out) if typed else out) == expected

    timed(impl, f"decode {frame} ({len(data)} B)", func, data, correct)
