"""A seeded generator of realistic GA session traffic, both directions, wire-exact.

Frames are compact JSON with ``type`` first, keys in the order the API sends them, ids in
the API's formats, and audio as base64 of 24 kHz mono PCM16. A session is: ``session.created``,
the client's ``session.update`` with a full configuration (instructions, tools, audio formats,
transcription, noise reduction, turn detection, voice) and its ``session.updated``; then turns,
each answered by the assistant with ~25 transcript deltas and ~40 audio deltas (2.4-24 KB of PCM
each) closed by ``response.done`` with full usage and ``rate_limits.updated``.

The microphone streams through the whole session, as voice clients do: a 64 ms append (~4.1 KB
of base64) for every 64 ms of the session's clock, while the user speaks, while the model's
audio plays (each delta advances the clock by its length) and in the pauses between, so about 3
in 4 frames of a session are appends, as in recorded two-sided sessions. A client either gives
every append an ``event_id`` or none (by default, sessions of odd seeds do).

Turns cycle through four kinds, as users behave:

0. spoken, ended by server VAD: ``speech_started``, ``speech_stopped``, ``committed``, the user
   item and its transcription deltas;
1. spoken, sent with a tap: the same appends, then the client's ``input_audio_buffer.commit``
   and, after the server's ``committed`` and the item, its ``response.create``;
2. spoken, then a function call: the model calls a tool, the client sends
   ``conversation.item.create`` with the output and ``response.create``, and the model answers;
3. typed: the client's ``conversation.item.create`` of an ``input_text`` message and its
   ``response.create``.

The same seed gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator
from typing import Any

__all__ = ["Frame", "session_frames"]

Frame = tuple[str, bytes]
"""(direction, frame): direction is ``"server"`` or ``"client"``."""

_ALNUM = string.ascii_letters + string.digits
_WORDS = (
    "sure I can help with that your order ships tomorrow and the tracking number will"
    " arrive by email is there anything else you would like to know about the account today thanks"
).split()
_INSTRUCTIONS = (
    "You are a friendly support agent for an online store. Speak briefly and clearly. "
    "Confirm order numbers digit by digit. Use the tools to look up orders and refunds."
)
_TOOLS = [
    {
        "type": "function",
        "name": "lookup_order",
        "description": "Look up an order by its number.",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string", "description": "The order number"}},
            "required": ["order_id"],
            "additionalProperties": False,
        },
    },
    {
        "type": "function",
        "name": "issue_refund",
        "description": "Refund an order, fully or in part.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string"},
                "amount": {"type": "number", "minimum": 0},
            },
            "required": ["order_id"],
        },
    },
]
_PCM = {"type": "audio/pcm", "rate": 24000}
_DEFAULT_INSTRUCTIONS = (
    "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human,"
    " but remember that you aren't a human and that you can't do human things in the real world."
)
_DEFAULT_AUDIO = {
    "input": {
        "format": _PCM,
        "transcription": None,
        "noise_reduction": None,
        "turn_detection": {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 200,
            "idle_timeout_ms": None,
            "create_response": True,
            "interrupt_response": True,
        },
    },
    "output": {"format": _PCM, "voice": "alloy", "speed": 1.0},
}
_CONFIGURED = ("type", "model", "output_modalities", "instructions", "tools", "tool_choice",
               "max_output_tokens", "truncation", "audio")  # fmt: skip
_TYPED = (
    "What is the status of my last order?",
    "Can you change the delivery address to my office?",
    "Please repeat the tracking number slowly.",
)
_BYTES_PER_MS = 48  # 24 kHz, 16-bit mono
_CHUNK_MS = 64  # what the microphone sends in one append
_QUIET = bytes(range(4)) * 64  # a byte -> a sample's low byte when nobody speaks


def _dump(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class _Session:
    """State of one generated session: its random source, ids and clock."""

    def __init__(self, seed: int, event_ids: bool) -> None:
        self.rng = random.Random(seed)
        self.event_ids = event_ids
        self.audio_ms = 0  # the input audio buffer's clock, as the server counts it
        self.clock_ms = 0  # the session's time: how much audio the microphone has to send
        self.mic_ms = 0  # how much it has sent
        self.previous_item: str | None = None
        self.current_response = ""
        self.conversation_id = self.id("conv_")

    def id(self, prefix: str, n: int = 21) -> str:
        return prefix + "".join(self.rng.choices(_ALNUM, k=n))

    def event(self, type: str, **fields: Any) -> Frame:
        return "server", _dump({"type": type, "event_id": self.id("event_"), **fields})

    def audio(self, ms: int, quiet: bool = False) -> str:
        """Base64 of ``ms`` of PCM16: loud noise, or (``quiet``) a quiet room, samples 0-3."""
        if not quiet:
            return base64.b64encode(self.rng.randbytes(ms * _BYTES_PER_MS)).decode()
        pcm = bytearray(ms * _BYTES_PER_MS)
        pcm[0::2] = self.rng.randbytes(len(pcm) // 2).translate(_QUIET)
        return base64.b64encode(pcm).decode()

    def microphone(self, ms: int = 0, speech_ms: int = 0) -> Iterator[Frame]:
        """The session's clock moved ``ms`` on; the appends the microphone sent meanwhile, the
        last ``speech_ms`` of them loud (the user speaking), the others quiet."""
        self.clock_ms += ms
        speech_from = self.clock_ms - speech_ms
        while self.mic_ms + _CHUNK_MS <= self.clock_ms:
            quiet = self.mic_ms + _CHUNK_MS <= speech_from
            self.mic_ms += _CHUNK_MS
            audio = self.audio(_CHUNK_MS, quiet)
            append = {"type": "input_audio_buffer.append", "audio": audio}
            if self.event_ids:
                append = {"type": append["type"], "event_id": self.id("event_"), **append}
            yield "client", _dump(append)

    def words(self, n: int) -> list[str]:
        return [self.rng.choice(_WORDS) for _ in range(n)]

    def session(self, session_id: str, expires_at: int) -> dict[str, Any]:
        return {
            "type": "realtime",
            "object": "realtime.session",
            "id": session_id,
            "model": "gpt-realtime",
            "output_modalities": ["audio"],
            "instructions": _INSTRUCTIONS,
            "tools": _TOOLS,
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": None,
            "truncation": "auto",
            "prompt": None,
            "expires_at": expires_at,
            "audio": {
                "input": {
                    "format": _PCM,
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "noise_reduction": {"type": "near_field"},
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.5,
                        "prefix_padding_ms": 300,
                        "silence_duration_ms": 500,
                        "idle_timeout_ms": None,
                        "create_response": True,
                        "interrupt_response": True,
                    },
                },
                "output": {"format": _PCM, "voice": "marin", "speed": 1.0},
            },
            "include": None,
        }


def _setup(s: _Session) -> Iterator[Frame]:
    session_id, expires_at = s.id("sess_"), 1_760_000_000 + s.rng.randrange(10**6)
    session = s.session(session_id, expires_at)
    yield s.event("session.created", session={**session, "instructions": _DEFAULT_INSTRUCTIONS,
                                              "tools": [], "audio": _DEFAULT_AUDIO})  # fmt: skip
    update = {key: session[key] for key in _CONFIGURED}
    yield "client", _dump({"type": "session.update", "session": update})
    yield s.event("session.updated", session=session)


def _user_turn(s: _Session, tapped: bool = False) -> Iterator[Frame]:
    pause_ms, speech_ms = s.rng.randrange(800, 3000), s.rng.randrange(1200, 4000)
    item_id = s.id("item_")
    yield from s.microphone(pause_ms + speech_ms, speech_ms)
    start = s.audio_ms + pause_ms
    s.audio_ms = start + speech_ms
    yield s.event("input_audio_buffer.speech_started", audio_start_ms=start, item_id=item_id)
    if tapped:
        yield "client", _dump({"type": "input_audio_buffer.commit"})
    else:
        yield s.event("input_audio_buffer.speech_stopped", audio_end_ms=s.audio_ms,
                      item_id=item_id)  # fmt: skip
    yield s.event("input_audio_buffer.committed", previous_item_id=s.previous_item, item_id=item_id)
    content = [{"type": "input_audio", "transcript": None}]
    item = {"id": item_id, "type": "message", "status": "completed", "role": "user"}
    yield s.event("conversation.item.added", previous_item_id=s.previous_item,
                  item={**item, "content": content})  # fmt: skip
    words = s.words(s.rng.randrange(4, 12))
    for word in words:
        yield s.event("conversation.item.input_audio_transcription.delta", item_id=item_id,
                      content_index=0, delta=word + " ", obfuscation=s.id("", 8))  # fmt: skip
    transcript = " ".join(words)
    details = {"text_tokens": 0, "audio_tokens": 30}
    usage = {"type": "tokens", "total_tokens": 40, "input_tokens": 30,
             "input_token_details": details, "output_tokens": 10}  # fmt: skip
    yield s.event("conversation.item.input_audio_transcription.completed", item_id=item_id,
                  content_index=0, transcript=transcript, usage=usage)  # fmt: skip
    content = [{"type": "input_audio", "transcript": transcript}]
    yield s.event("conversation.item.done", previous_item_id=s.previous_item,
                  item={**item, "content": content})  # fmt: skip
    s.previous_item = item_id
    if tapped:
        yield "client", _dump({"type": "response.create"})


def _typed_turn(s: _Session) -> Iterator[Frame]:
    yield from s.microphone(s.rng.randrange(2000, 6000))  # the user types; the mic hears it
    content = [{"type": "input_text", "text": s.rng.choice(_TYPED)}]
    message = {"type": "message", "role": "user", "content": content}
    yield "client", _dump({"type": "conversation.item.create", "item": message})
    item_id = s.id("item_")
    item = {"id": item_id, "type": "message", "status": "completed", "role": "user",
            "content": content}  # fmt: skip
    yield s.event("conversation.item.added", previous_item_id=s.previous_item, item=item)
    yield s.event("conversation.item.done", previous_item_id=s.previous_item, item=item)
    s.previous_item = item_id
    response = {"output_modalities": ["audio"]}
    yield "client", _dump({"type": "response.create", "response": response})


def _response(s: _Session, status: str, output: list[Any], usage: Any) -> dict[str, Any]:
    return {
        "object": "realtime.response",
        "id": s.current_response,
        "status": status,
        "status_details": None,
        "output": output,
        "conversation_id": s.conversation_id,
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": {"output": {"format": _PCM, "voice": "marin"}},
        "usage": usage,
        "metadata": None,
    }


def _usage(s: _Session, audio_out: int, text_out: int) -> dict[str, Any]:
    cached = s.rng.randrange(0, 1024, 64)
    text_in, audio_in = s.rng.randrange(300, 900), s.rng.randrange(50, 400)
    return {
        "total_tokens": text_in + audio_in + audio_out + text_out,
        "input_tokens": text_in + audio_in,
        "output_tokens": audio_out + text_out,
        "input_token_details": {
            "text_tokens": text_in,
            "audio_tokens": audio_in,
            "image_tokens": 0,
            "cached_tokens": cached,
            "cached_tokens_details": {"text_tokens": cached, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


def _answer(s: _Session) -> Iterator[Frame]:
    resp, item_id = s.current_response, s.id("item_")
    ids = {"response_id": resp, "item_id": item_id, "output_index": 0, "content_index": 0}
    item = {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant"}
    yield s.event("response.output_item.added", response_id=resp, output_index=0,
                  item={**item, "content": []})  # fmt: skip
    yield s.event("conversation.item.added", previous_item_id=s.previous_item,
                  item={**item, "content": []})  # fmt: skip
    yield s.event("response.content_part.added", **ids, part={"type": "audio", "transcript": ""})
    words = s.words(s.rng.randrange(20, 30))
    audio_deltas = s.rng.randrange(36, 44)
    for i in range(max(audio_deltas, len(words))):
        if i < len(words):
            yield s.event("response.output_audio_transcript.delta", **ids,
                          delta=words[i] + " ", obfuscation=s.id("", 10))  # fmt: skip
        if i < audio_deltas:
            pcm_ms = s.rng.randrange(50, 501)  # 2.4-24 KB of PCM
            yield s.event("response.output_audio.delta", **ids, delta=s.audio(pcm_ms))
            yield from s.microphone(pcm_ms)  # it plays; the microphone goes on
    transcript = " ".join(words)
    yield s.event("response.output_audio.done", **ids)
    yield s.event("response.output_audio_transcript.done", **ids, transcript=transcript)
    part = {"type": "audio", "transcript": transcript}
    yield s.event("response.content_part.done", **ids, part=part)
    done = {**item, "status": "completed",
            "content": [{"type": "output_audio", "transcript": transcript}]}  # fmt: skip
    yield s.event("response.output_item.done", response_id=resp, output_index=0, item=done)
    yield s.event("conversation.item.done", previous_item_id=s.previous_item, item=done)
    s.previous_item = item_id
    usage = _usage(s, audio_deltas * 12, len(words) * 2)
    yield s.event("response.done", response=_response(s, "completed", [done], usage))


def _function_call(s: _Session) -> Iterator[Frame]:
    resp, item_id, call_id = s.current_response, s.id("item_"), s.id("call_", 16)
    arguments = json.dumps({"order_id": str(s.rng.randrange(10**7, 10**8))})
    ids = {"response_id": resp, "item_id": item_id, "output_index": 0, "call_id": call_id}
    item = {"id": item_id, "type": "function_call", "status": "in_progress",
            "name": "lookup_order", "call_id": call_id, "arguments": ""}  # fmt: skip
    yield s.event("response.output_item.added", response_id=resp, output_index=0, item=item)
    yield s.event("conversation.item.added", previous_item_id=s.previous_item, item=item)
    for start in range(0, len(arguments), 6):
        yield s.event("response.function_call_arguments.delta", **ids,
                      delta=arguments[start : start + 6], obfuscation=s.id("", 6))  # fmt: skip
    yield s.event("response.function_call_arguments.done", **ids, name="lookup_order",
                  arguments=arguments)  # fmt: skip
    done = {**item, "status": "completed", "arguments": arguments}
    yield s.event("response.output_item.done", response_id=resp, output_index=0, item=done)
    yield s.event("conversation.item.done", previous_item_id=s.previous_item, item=done)
    s.previous_item = item_id
    yield s.event("response.done", response=_response(s, "completed", [done], _usage(s, 0, 20)))
    yield from s.microphone(s.rng.randrange(200, 1200))  # the tool runs
    output = json.dumps({"status": "shipped", "eta": "tomorrow"})
    result = {"type": "function_call_output", "call_id": call_id, "output": output}
    yield "client", _dump({"type": "conversation.item.create", "item": result})
    output_id = s.id("item_")
    created = {"id": output_id, "type": "function_call_output", "call_id": call_id,
               "output": output}  # fmt: skip
    yield s.event("conversation.item.added", previous_item_id=s.previous_item, item=created)
    yield s.event("conversation.item.done", previous_item_id=s.previous_item, item=created)
    s.previous_item = output_id
    yield "client", _dump({"type": "response.create"})


def _turn(s: _Session, number: int) -> Iterator[Frame]:
    kind = number % 4
    yield from _typed_turn(s) if kind == 3 else _user_turn(s, tapped=kind == 1)
    calls_tool = kind == 2
    for step in (_function_call, _answer) if calls_tool else (_answer,):
        s.current_response = s.id("resp_")
        yield s.event("response.created", response=_response(s, "in_progress", [], None))
        yield from step(s)
        limits = [{"name": "tokens", "limit": 40000, "remaining": s.rng.randrange(30000, 40000),
                   "reset_seconds": round(s.rng.uniform(0.1, 9.0), 3)}]  # fmt: skip
        yield s.event("rate_limits.updated", rate_limits=limits)


def session_frames(seed: int = 0, turns: int = 4, event_ids: bool | None = None) -> Iterator[Frame]:
    """Yield the frames of one realistic GA session, in the order they cross the socket; the
    client's appends carry an ``event_id`` if ``event_ids`` (by default, for an odd seed)."""
    s = _Session(seed, seed % 2 == 1 if event_ids is None else event_ids)
    yield from _setup(s)
    for number in range(turns):
        yield from _turn(s, number)
