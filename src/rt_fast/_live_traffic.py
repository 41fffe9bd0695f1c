"""A seeded generator of GPT-Live session traffic, both directions, wire-exact.

Frames are compact JSON with ``type`` first. A session is: the client's ``session.start`` (a
Responses delegation with a function tool, a decision trigger, PCM16 at 24 kHz, a voice) and
the server's ``session.started``; then turns. In each turn the microphone streams
``session.input_audio.append`` (64 ms a frame, no ``event_id``, as clients send it), the server
sends the input transcript's deltas, then the output transcript's and audio's deltas (the audio
without ``event_id``, each with its ``start_ms`` and ``end_ms``), and a
``session.usage.updated`` with the session's *cumulative* seconds; every other turn delegates a
lookup to the Responses model (``session.delegation.created`` and ``response.event`` frames
ending in ``response.completed`` with its token usage) and a trigger's ``decision.event``.
The client ends with ``session.close``; the server's ``session.closed`` carries the final
usage. The same seed gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator
from typing import Any

__all__ = ["live_session_frames"]

Frame = tuple[str, bytes]
_ALNUM = string.ascii_letters + string.digits
_CHUNK_MS = 64
_BYTES_PER_MS = 48  # PCM16 at 24 kHz
_WORDS = "yes the order left the warehouse this morning and should arrive on friday".split()
_QUESTION = {
    "type": "predicate",
    "name": "wants_refund",
    "instructions": "Does the caller ask for a refund?",
}
_CONFIG = {
    "model": "gpt-live-1",
    "audio": {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}},
    "instructions": "You are a friendly support agent. Speak briefly.",
    "delegation": {
        "type": "responses",
        "responses": {
            "model": "gpt-5",
            "tools": [{"type": "function", "name": "lookup_order", "parameters": {}}],
        },
    },
    "triggers": [
        {
            "type": "decisions",
            "event_type": "session.input_transcript.delta",
            "decisions": {"questions": [_QUESTION]},
        }
    ],
}


def _dump(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class _Live:
    """State of one generated session: its random source, ids and clock."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ms = 0  # the session's clock
        self.session = {
            **_CONFIG,
            "id": self.id("live_"),
            "expires_at": 1_760_000_000 + self.rng.randrange(10**6),
            "status": "active",
        }

    def id(self, prefix: str, n: int = 21) -> str:
        return prefix + "".join(self.rng.choices(_ALNUM, k=n))

    def event(self, type: str, **fields: Any) -> Frame:
        return "server", _dump({"type": type, "event_id": self.id("event_"), **fields})

    def audio(self, ms: int) -> str:
        return base64.b64encode(self.rng.randbytes(ms * _BYTES_PER_MS)).decode()

    def usage(self) -> dict[str, Any]:
        seconds = round(self.ms / 1000, 3)
        return {"seconds": seconds, "active_seconds": int(seconds), "paused_seconds": 0}


def _turn(s: _Live, number: int) -> Iterator[Frame]:
    speech_ms = s.rng.randrange(10, 40) * _CHUNK_MS
    for _ in range(speech_ms // _CHUNK_MS):
        yield "client", _dump({"type": "session.input_audio.append", "audio": s.audio(_CHUNK_MS)})
    start = s.ms
    s.ms += speech_ms
    for word in s.rng.choices(_WORDS, k=6):
        yield s.event("session.input_transcript.delta", delta=word + " ", start_ms=start,
                      end_ms=s.ms)  # fmt: skip
    if number % 2:
        yield from _delegate(s)
    for word in s.rng.choices(_WORDS, k=8):
        yield s.event("session.output_transcript.delta", delta=word + " ", start_ms=s.ms,
                      end_ms=s.ms + 300)  # fmt: skip
        for _ in range(3):
            ms = s.rng.randrange(5, 20) * 10
            delta = {"type": "session.output_audio.delta", "delta": s.audio(ms),
                     "start_ms": s.ms, "end_ms": s.ms + ms}  # fmt: skip
            s.ms += ms
            yield "server", _dump(delta)
    yield s.event("session.usage.updated", usage=s.usage(),
                  context_window={"usage_ratio": round(s.rng.random(), 4)})  # fmt: skip


def _delegate(s: _Live) -> Iterator[Frame]:
    delegation_id, response_id = s.id("dlg_"), s.id("resp_")
    delegation = {"id": delegation_id, "target": "responses", "type": "delegation",
                  "response_id": response_id}  # fmt: skip
    yield s.event("session.delegation.created", delegation=delegation, offset_ms=s.ms)
    tokens = {"input_tokens": s.rng.randrange(200, 900), "output_tokens": s.rng.randrange(9, 90)}
    usage = {**tokens, "total_tokens": sum(tokens.values()),
             "input_tokens_details": {"cached_tokens": 0},
             "output_tokens_details": {"reasoning_tokens": 0}}  # fmt: skip
    response = {"id": response_id, "object": "response", "status": "in_progress"}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": response},
        {"type": "response.output_text.delta", "sequence_number": 1, "delta": "shipped"},
        {"type": "response.completed", "sequence_number": 2,
         "response": {**response, "status": "completed", "usage": usage}},
    ]  # fmt: skip
    for event in events:
        yield s.event("response.event", event=event, delegation_id=delegation_id)
    answer = {"type": "predicate", "name": "wants_refund", "probability": 0.125}
    decision_usage = {
        "input_tokens": 120,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
        "output_tokens": 1,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 121,
    }
    decision = {"answers": [answer], "model": "gpt-5-mini", "usage": decision_usage}
    yield s.event("decision.event", event={"type": "decision.completed", "decision": decision},
                  trigger_id=s.id("trg_"))  # fmt: skip


def live_session_frames(seed: int = 0, turns: int = 4) -> Iterator[Frame]:
    """The frames of one generated Live session, in order, as (direction, frame bytes)."""
    s = _Live(seed)
    yield "client", _dump({"type": "session.start", "session": _CONFIG})
    yield s.event("session.started", session=s.session)
    for number in range(turns):
        yield from _turn(s, number)
    yield "client", _dump({"type": "session.close"})
    yield s.event("session.closed", reason="close_requested", session=s.session, usage=s.usage())
