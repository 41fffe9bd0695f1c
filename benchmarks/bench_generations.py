"""Decoding comparable frames of each generation: beta and translation against GA.

Measures ``rt_fast.decode_server_event`` on the same payload in the shape of each generation
(a 17 KB audio delta, a transcript delta, a ``response.done``), with ``protocol`` set to the
frame's generation, and with ``protocol="auto"`` (which must find the generation first). The
generations share the codec, so their times should be within a few percent of each other.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast._traffic import session_frames


def _dump(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _frames() -> dict[str, dict[str, bytes]]:
    server = [json.loads(f) for d, f in session_frames(seed=3, turns=1) if d == "server"]
    by_type = {frame["type"]: frame for frame in server}
    ids = {
        k: by_type["response.output_audio.delta"][k] for k in ("event_id", "response_id", "item_id")
    }
    audio = base64.b64encode(bytes(12_700)).decode()
    positions = {"output_index": 0, "content_index": 0}
    ga_done = by_type["response.done"]
    response = dict(ga_done["response"])
    beta_response = {
        **{k: response[k] for k in ("object", "id", "status", "status_details")},
        "output": [{**item, "object": "realtime.item"} for item in response["output"]],
        "conversation_id": response["conversation_id"],
        "modalities": ["audio", "text"],
        "voice": "alloy",
        "output_audio_format": "pcm16",
        "temperature": 0.8,
        "max_output_tokens": "inf",
        "usage": response["usage"],
        "metadata": None,
    }
    translation = {"event_id": ids["event_id"], "elapsed_ms": 1520}
    return {
        "audio-delta-17KB": {
            "ga": _dump(
                {"type": "response.output_audio.delta", **ids, **positions, "delta": audio}
            ),
            "beta": _dump({"type": "response.audio.delta", **ids, **positions, "delta": audio}),
            "translation": _dump(
                {
                    "type": "session.output_audio.delta",
                    **translation,
                    "delta": audio,
                    "sample_rate": 24000,
                    "channels": 1,
                    "format": "pcm16",
                }
            ),
        },
        "transcript-delta": {
            "ga": _dump(
                {
                    "type": "response.output_audio_transcript.delta",
                    **ids,
                    **positions,
                    "delta": "Hello ",
                    "obfuscation": "x1y2z3",
                }
            ),
            "beta": _dump(
                {"type": "response.audio_transcript.delta", **ids, **positions, "delta": "Hello "}
            ),
            "translation": _dump(
                {"type": "session.output_transcript.delta", **translation, "delta": "Hello "}
            ),
        },
        "response.done": {
            "ga": _dump(ga_done),
            "beta": _dump(
                {"type": "response.done", "event_id": ids["event_id"], "response": beta_response}
            ),
        },
    }


FRAMES = _frames()
CASES = [
    pytest.param(kind, generation, protocol, id=f"{kind}-{generation}-{protocol}")
    for kind, by_generation in FRAMES.items()
    for generation in by_generation
    for protocol in (generation, "auto")
]


@pytest.mark.parametrize(("kind", "generation", "protocol"), CASES)
def test_decode_generation(timed: Any, kind: str, generation: str, protocol: str) -> None:
    """Decode a frame of one generation, told its generation or left to detect it."""
    data = FRAMES[kind][generation]
    expected = json.loads(data)

    def decode(frame: bytes) -> Any:
        return rt_fast.decode_server_event(frame, protocol)

    def correct(event: Any) -> bool:
        module = type(event).__module__.split(".")[1]
        return module == generation and msgspec.to_builtins(event) == expected

    timed(f"{generation} ({protocol})", f"generations: {kind}", decode, data, correct)
