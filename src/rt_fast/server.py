"""A local Realtime server (the ``ws`` extra: ``websockets``) that answers as the API does.

For tests, demos and gateway development: it answers at ``/v1/realtime`` as the official SDK's
clients call it (``AsyncOpenAI(websocket_base_url="ws://127.0.0.1:PORT/v1")``), takes any API
key, and keeps each connection's session as the GA API does. What the "model" says comes from a
``Script`` (text, audio, function calls, errors, closes, delays: ``rt_fast.server.Script``) or
a ``Recording`` of a session log, replayed response by response, bytes unchanged.

The API's answers (its documented event flow and the recorded corpus; where the API's answer
is not known, it says so here):

* on connect, ``session.created`` (the recording's, bytes unchanged; or a new session with a
  fresh id, the ``model`` of the URL's query, server VAD on PCM16 at 24 kHz, voice ``alloy``);
* ``session.update`` -> ``session.updated`` holding the merged session (``rt_fast._state``);
* ``conversation.item.create`` -> ``conversation.item.added`` and ``.done`` (an id assigned if
  the item had none, after ``previous_item_id``); ``.retrieve`` -> ``.retrieved``, ``.delete``
  -> ``.deleted``, ``.truncate`` -> ``.truncated``; an id that is not in the conversation gets
  an ``error`` (code ``item_retrieve_invalid_item_id``, as clients expect it, and the same
  pattern for the others: their codes and the wording are not known);
* ``input_audio_buffer.append``: under turn detection (``server_vad``, ``semantic_vad``) the
  audio's energy starts and stops speech (``rt_fast._vad``): ``speech_started``,
  ``speech_stopped`` after the configured silence, ``committed``, the user item's
  ``conversation.item.added`` and ``.done``, the input transcription (the script's ``hear``)
  when the session transcribes, then the response when ``create_response`` is on; speech that
  starts while a response plays cancels it when ``interrupt_response`` is on (``turn_detected``);
* ``input_audio_buffer.commit`` -> the same from ``committed`` on, without the response; less
  than 100 ms of audio gets the API's ``input_audio_buffer_commit_empty``; ``.clear`` ->
  ``.cleared``;
* ``response.create`` -> the script's next turn: ``metadata`` echoed in ``response.created``
  and ``.done``, ``conversation: "none"`` kept out of the conversation, ``output_modalities``
  (text only: text events, no audio), then ``rate_limits.updated``; one response at a time:
  another while one is active gets the API's ``conversation_already_has_active_response``;
* ``response.cancel`` -> the active response ends with ``response.done``, status
  ``cancelled`` (``client_cancelled``), no more of its frames (whether the API also closes
  the item in progress with ``.done`` events is not known: it is only listed as
  ``incomplete``); with none active, the API's ``response_cancel_not_active``;
* ``output_audio_buffer.clear`` is taken silently (the API answers it on WebRTC only);
* a frame rt_fast cannot decode as a GA client event (not JSON, a wrong field, an unknown type,
  a binary frame) -> the API's ``error`` event naming the fault; the connection stays open.

Ids (session, conversation, item, response, call, event) are fresh for each connection, shaped
as the API's; a recording's frames keep theirs. ``Recording.load`` refuses a log it cannot play
(a beta or missing ``session.created``, no response, a line that does not decode) with a
``ValueError`` in one line naming the log and line, before any client connects.

``protocol="live"`` (``rt-fast serve --protocol live``) serves GPT-Live instead, at
``PATHS["live"]`` (``/v1/live/sessions``, as ``client.live.connect()`` calls it): the flow of
``rt_fast._live_session``, from the same scripts (``Call`` refused: Live cannot say one) and
from Live logs. A server speaks one protocol; the other's path is 404.

``pace="realtime"`` spaces a response's audio deltas by the audio they carry, ``"fast"`` (the
default) sends them as fast as the client reads; each frame yields to the reader, so a cancel
lands between two frames. A slow reader holds the sender back (websockets' write buffer), it
does not grow memory; nor does a client that floods requests without reading, as the session
stops reading while it cannot answer.

Memory. A session holds at most three of a client's frames: the one it answers and two
waiting (websockets' ``max_queue``: 1), 48 MiB a connection at the 16 MiB frame limit; of its
audio, a 10 ms frame (the audio itself is counted, never kept); of its conversation, the
bounds of ``rt_fast._state``. What it writes waits in websockets' write buffer (32 KiB), and
it reads a client only while it can write to it (``rt_fast.ws.BoundedServerConnection``): a
client must read while it sends, as the SDK's clients do. ``Received`` keeps what clients sent,
its newest 100,000 frames and of them the newest 64 MiB.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

import msgspec
from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as _serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from . import ga
from ._audio import audio_payload, peek_type
from ._decoders import decode_server_event
from ._errors import DecodeError
from ._live_session import LiveSession, check
from ._models import UnknownEvent
from ._protocol import client_event, error_frame
from ._received import Received
from ._recording import Recording
from ._script import (
    Call,
    Close,
    Fail,
    Ids,
    Replay,
    Reply,
    Respond,
    Say,
    Script,  # fmt: skip
)
from ._state import TURN_DEFAULTS, Conversation, default_session, dig, updated
from ._vad import RATES, SEMANTIC_SILENCE_MS, Detector, Speech
from .ws import server_options

__all__ = [
    "PATH",
    "PATHS",
    "Background",
    "Call",
    "Close",
    "Fail",
    "Received",
    "Recording",
    "Replay",
    "Respond",
    "Say",
    "Script",
    "run",
    "running",
    "serve",
]

PATH = "/v1/realtime"
"""Where the server answers, as the SDK's clients call it (a query string may follow)."""

PATHS = {"ga": PATH, "live": "/v1/live/sessions"}
"""Where the server of each protocol answers."""

_Json = dict[str, Any]

_NO_RESPONSE = "the recording holds no response to play"
_NO_TURN = "the script has no more turns (Script(otherwise=None))"
# The API's codes and messages, as the recorded corpus shows them (item_not_found's: unknown).
_BUSY = (
    "conversation_already_has_active_response",
    "Conversation already has an active "
    "response in progress: {}. Wait until the response is finished before creating a new one.",
)
_NOT_ACTIVE = ("response_cancel_not_active", "Cancellation failed: no active response found")
_EMPTY = (
    "input_audio_buffer_commit_empty",
    "Error committing input audio buffer: buffer too "
    "small. Expected at least 100ms of audio, but buffer only has {:.2f}ms of audio.",
)
# An unknown item's: clients match retrieve's code (pipecat does); the others follow its pattern.
_NOT_FOUND = "Conversation item with id '{}' not found."
_UNKNOWN_ITEM = {
    "conversation.item.create": "item_create_invalid_previous_item_id",
    "conversation.item.retrieve": "item_retrieve_invalid_item_id",
    "conversation.item.delete": "item_delete_invalid_item_id",
    "conversation.item.truncate": "item_truncate_invalid_item_id",
}
_TAKEN = ("item_already_exists", "Conversation item with id '{}' already exists.")
_BAD_AUDIO = ("invalid_value", "Invalid 'audio': not valid base64.")  # fmt: skip
_MIN_COMMIT_MS = 100
_VAD_DEFAULTS = {**TURN_DEFAULTS["server_vad"], "eagerness": "auto"}


@dataclass(frozen=True)
class _Refusal:
    """Why a received frame cannot be taken: the ``error`` event's message and param."""

    message: str
    param: str | None


def _read(message: str | bytes) -> Any:
    """A received frame as a GA client event, or the ``_Refusal`` the API would answer: read by
    the one frame handler every socket shares (``_protocol``)."""
    try:
        event = client_event(message, "ga", text=not isinstance(message, bytes))
    except DecodeError as exc:
        return _Refusal(str(exc), exc.path)
    if isinstance(event, UnknownEvent):
        return _Refusal(f"unknown client event type {event.type!r}", "$.type")
    return event


def _given(value: Any) -> Any:
    """A field's value, ``None`` for an absent one."""
    return None if value is msgspec.UNSET else value


def _data(value: Any) -> _Json:
    """A decoded object as JSON data (absent fields left out), ``{}`` for an absent one."""
    return {} if value is msgspec.UNSET else dict(msgspec.to_builtins(value))


@dataclass
class _Active:
    """The response playing, and whether (and why) it was asked to stop."""

    id: str
    reason: str | None = None
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason
        self.stopped.set()

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (at least a yield to the reader), less if stopped."""
        if seconds <= 0 or self.stopped.is_set():
            await asyncio.sleep(0)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stopped.wait(), seconds)


class _Session:
    """One client's connection: the protocol of the module."""

    def __init__(self, source: Script | Recording, connection: ServerConnection, pace: str,
                 received: Received | None) -> None:  # fmt: skip
        self.connection, self.pace, self.received = connection, pace, received
        self.source, self.ids = source, Ids()
        self.next_turn = source.next_turn if isinstance(source, Script) else source.turns()
        self.conversation, self.conversation_id = Conversation(), self.ids("conv")
        self.active: _Active | None = None
        self.playing: asyncio.Future[None] | None = None  # the last response's task
        self.tasks: set[asyncio.Future[None]] = set()
        self.buffered = 0  # bytes appended since the buffer was last committed or cleared
        self.speech_item: str | None = None  # the user item that speech in progress becomes
        if isinstance(source, Recording):
            self.created = source.created
            self.session: _Json = json.loads(source.created)["session"]
        else:
            self.session = default_session(self.ids("sess"), _model(connection))
            self.created = self.encode("session.created", session=self.session)
        self.detector = self.new_detector(0)

    async def run(self) -> None:
        await self.connection.send(self.created, text=True)
        try:
            async for message in self.connection:
                if self.received is not None:
                    self.received.add(message.encode() if isinstance(message, str) else message)
                event = _read(message)
                if isinstance(event, _Refusal):
                    await self.send(error_frame(event.message, event.param, self.ids("event")))
                else:
                    await _HANDLERS.get(event.type, _Session.ignore)(self, event)
        except ConnectionClosed:
            pass
        finally:
            for task in list(self.tasks):
                task.cancel()

    # -- sending

    def encode(self, tag: str, **fields: Any) -> bytes:
        return msgspec.json.encode({"type": tag, "event_id": self.ids("event"), **fields})

    async def emit(self, tag: str, **fields: Any) -> None:
        await self.send(self.encode(tag, **fields))

    async def send_json(self, frame: _Json) -> None:
        await self.send(msgspec.json.encode(frame))

    async def send(self, frame: bytes) -> None:
        with contextlib.suppress(ConnectionClosed):  # the receive loop ends the session
            await self.connection.send(frame, text=True)

    async def error(self, fault: tuple[str, str], *args: Any, client: Any = None,
                    param: str | None = None) -> None:  # fmt: skip
        code, message = fault
        await self.emit("error", error={"type": "invalid_request_error", "code": code,
                                        "message": message.format(*args), "param": param,
                                        "event_id": _given(client)})  # fmt: skip

    def spawn(self, work: Awaitable[None]) -> asyncio.Future[None]:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # -- the session

    async def ignore(self, event: Any) -> None:
        """A client event the API answers only elsewhere (``output_audio_buffer.clear``)."""

    async def update(self, event: ga.SessionUpdateEvent) -> None:
        self.session = updated(self.session, _data(event.session))
        self.detector = self.new_detector(self.detector.elapsed_ms)
        await self.emit("session.updated", session=self.session)

    def turn_detection(self) -> _Json | None:
        turns = dig(self.session, "audio", "input", "turn_detection")
        return turns if isinstance(turns, dict) else None

    def input_format(self) -> str:
        fmt = dig(self.session, "audio", "input", "format", "type")
        return fmt if fmt in RATES else "audio/pcm"

    def new_detector(self, elapsed_ms: int) -> Detector:
        turns = self.turn_detection() or {}
        setting = {**_VAD_DEFAULTS, **{k: v for k, v in turns.items() if v is not None}}
        silence = setting["silence_duration_ms"]
        if turns.get("type") == "semantic_vad":
            silence = SEMANTIC_SILENCE_MS.get(setting["eagerness"], 500)
        return Detector(self.input_format(), setting["threshold"], setting["prefix_padding_ms"],
                        silence, elapsed_ms)  # fmt: skip

    # -- input audio

    async def append(self, event: ga.InputAudioBufferAppendEvent) -> None:
        try:
            audio = base64.b64decode(event.audio, validate=True)
        except binascii.Error:
            await self.error(_BAD_AUDIO, client=event.event_id, param="audio")
            return
        self.buffered += len(audio)
        if self.turn_detection() is None:
            return
        for change in self.detector.feed(audio):
            await self.speech(change)

    async def speech(self, change: Speech) -> None:
        if change.started:
            self.speech_item = self.ids("item")
            await self.emit("input_audio_buffer.speech_started", audio_start_ms=change.ms,
                            item_id=self.speech_item)  # fmt: skip
            if (self.turn_detection() or {}).get("interrupt_response"):
                self.stop("turn_detected")
            return
        await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=change.ms,
                        item_id=self.speech_item or self.ids("item"))  # fmt: skip
        await self.commit_buffer(auto=True)

    def buffered_ms(self) -> float:
        rate, width = RATES[self.input_format()]
        return self.buffered * 1000 / (rate * width)

    async def commit(self, event: ga.InputAudioBufferCommitEvent) -> None:
        ms = self.buffered_ms()
        if ms < _MIN_COMMIT_MS:
            await self.error(_EMPTY, ms, client=event.event_id)
            return
        await self.commit_buffer(auto=False)

    async def commit_buffer(self, *, auto: bool) -> None:
        """The buffer becomes a user item (transcribed if asked); under turn detection with
        ``create_response``, a response follows."""
        seconds = self.buffered_ms() / 1000
        item_id, self.speech_item, self.buffered = self.speech_item or self.ids("item"), None, 0
        self.detector.reset()
        item = {"id": item_id, "type": "message", "status": "completed", "role": "user",
                "content": [{"type": "input_audio", "transcript": None}]}  # fmt: skip
        previous = self.conversation.add(item)
        await self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        await self.emit("conversation.item.added", previous_item_id=previous, item=item)
        await self.emit("conversation.item.done", previous_item_id=previous, item=item)
        if dig(self.session, "audio", "input", "transcription"):
            await self.transcribe(item, seconds)
        turns = self.turn_detection()
        if auto and turns is not None and turns.get("create_response") and self.active is None:
            await self.start({}, None)

    async def transcribe(self, item: _Json, seconds: float) -> None:
        heard = self.source.next_transcript() if isinstance(self.source, Script) else "..."
        at = {"item_id": item["id"], "content_index": 0}
        await self.emit("conversation.item.input_audio_transcription.delta", **at, delta=heard)
        usage = {"type": "duration", "seconds": round(seconds, 3)}
        await self.emit("conversation.item.input_audio_transcription.completed", **at,
                        transcript=heard, usage=usage)  # fmt: skip
        item["content"][0]["transcript"] = heard
        if item["id"] in self.conversation:
            self.conversation.replace(item)

    async def clear(self, event: ga.InputAudioBufferClearEvent) -> None:
        self.buffered, self.speech_item = 0, None
        self.detector.reset()
        await self.emit("input_audio_buffer.cleared")

    # -- conversation items

    async def item_create(self, event: ga.ConversationItemCreateEvent) -> None:
        item = _data(event.item)
        item.setdefault("id", self.ids("item"))
        if item.get("type") in ("message", "function_call", "function_call_output"):
            item.setdefault("status", "completed")
        if item["id"] in self.conversation:
            await self.error(_TAKEN, item["id"], client=event.event_id, param="item.id")
            return
        try:
            previous = self.conversation.add(item, _given(event.previous_item_id))
        except KeyError as exc:
            fault = (_UNKNOWN_ITEM[event.type], _NOT_FOUND)
            await self.error(fault, exc.args[0], client=event.event_id, param="previous_item_id")
            return
        await self.emit("conversation.item.added", previous_item_id=previous, item=item)
        await self.emit("conversation.item.done", previous_item_id=previous, item=item)

    async def found(self, event: Any) -> bool:
        """Whether the event's ``item_id`` is in the conversation (if not, the error said so)."""
        if event.item_id in self.conversation:
            return True
        fault = (_UNKNOWN_ITEM[event.type], _NOT_FOUND)
        await self.error(fault, event.item_id, client=event.event_id, param="item_id")
        return False

    async def item_retrieve(self, event: ga.ConversationItemRetrieveEvent) -> None:
        if await self.found(event):
            await self.emit("conversation.item.retrieved",
                            item=self.conversation.get(event.item_id))  # fmt: skip

    async def item_delete(self, event: ga.ConversationItemDeleteEvent) -> None:
        if await self.found(event):
            self.conversation.delete(event.item_id)
            await self.emit("conversation.item.deleted", item_id=event.item_id)

    async def item_truncate(self, event: ga.ConversationItemTruncateEvent) -> None:
        if await self.found(event):
            await self.emit("conversation.item.truncated", item_id=event.item_id,
                            content_index=event.content_index,
                            audio_end_ms=event.audio_end_ms)  # fmt: skip

    # -- responses

    async def create(self, event: ga.ResponseCreateEvent) -> None:
        if self.active is not None:
            await self.error(_BUSY, self.active.id, client=event.event_id)
            return
        await self.start(_data(event.response), event.event_id)

    async def start(self, params: _Json, client: Any) -> None:
        """Play the script's next turn for a response asked with ``params``."""
        turn = self.next_turn()
        if turn is None:
            message = _NO_RESPONSE if isinstance(self.source, Recording) else _NO_TURN
            await self.send(error_frame(message, None, self.ids("event")))
        elif isinstance(turn, Respond):
            in_conversation = params.get("conversation", "auto") != "none"
            reply = Reply(turn.outputs, params, self.session, self.ids,
                          self.add_output if in_conversation else None,
                          self.conversation_id)  # fmt: skip
            active = _Active(reply.id)
            self.begin(active, self.play(reply, active, turn.delay))
        elif isinstance(turn, Replay):
            active = _Active(_response_id(turn.frames))
            self.begin(active, self.replay(turn, active))
        else:
            self.spawn(self.act(turn, client))

    def begin(self, active: _Active, work: Awaitable[None]) -> None:
        """Make ``active`` the active response, played by ``work`` once the one before it (a
        cancelled one, sending its last frames) has ended: responses never interleave."""
        before, self.active = self.playing, active

        async def in_turn() -> None:
            if before is not None:
                await asyncio.wait([before])
            await work

        self.playing = self.spawn(in_turn())

    def stop(self, reason: str) -> None:
        """Cancel the active response: it sends its ``response.done`` and no more."""
        if self.active is not None:
            self.active.stop(reason)
            self.active = None

    def add_output(self, item: _Json) -> str | None:
        return self.conversation.add(item)

    async def play(self, reply: Reply, active: _Active, delay: float) -> None:
        try:
            await self.play_reply(reply, active, delay)
        finally:  # whatever ended it, the session takes the next response
            if self.active is active:
                self.active = None

    async def play_reply(self, reply: Reply, active: _Active, delay: float) -> None:
        await self.send_json(reply.created())
        await active.pause(delay)
        for frame, seconds in reply.frames():
            if active.stopped.is_set():
                break
            await self.send_json(frame)
            await active.pause(seconds if self.pace == "realtime" else 0)
        status = "completed" if active.reason is None else "cancelled"
        if self.active is active:  # before response.done: a client may ask for the next at once
            self.active = None
        for frame in reply.done(status, active.reason):
            await self.send_json(frame)

    async def replay(self, turn: Replay, active: _Active) -> None:
        (*frames,) = turn.frames
        for frame in frames:
            if active.stopped.is_set():
                break
            if peek_type(frame) == "response.done" and self.active is active:
                self.active = None
            await self.send(frame)
            audio = peek_type(frame) == "response.output_audio.delta" and self.pace == "realtime"
            await active.pause(len(audio_payload(frame)) * 3 / 4 / 48_000 if audio else 0)
        if active.stopped.is_set():
            await self.send_json(_cancelled(frames[0], active.reason, self.ids("event")))

    async def act(self, turn: Fail | Close, client: Any) -> None:
        await asyncio.sleep(turn.delay)
        if isinstance(turn, Fail):
            await self.emit("error", error={"type": turn.type, "code": turn.code,
                                            "message": turn.message, "param": None,
                                            "event_id": _given(client)})  # fmt: skip
        else:
            await self.connection.close(turn.code, turn.reason)

    async def cancel(self, event: ga.ResponseCancelEvent) -> None:
        asked = _given(event.response_id)
        if self.active is None or asked not in (None, self.active.id):
            await self.error(_NOT_ACTIVE, client=event.event_id)
            return
        self.stop("client_cancelled")


# Keyed by the wire tag: a decoded event may be a variant (a subclass) of its tag's class.
_HANDLERS: dict[str, Callable[[_Session, Any], Awaitable[None]]] = {
    "session.update": _Session.update,
    "input_audio_buffer.append": _Session.append,
    "input_audio_buffer.commit": _Session.commit,
    "input_audio_buffer.clear": _Session.clear,
    "conversation.item.create": _Session.item_create,
    "conversation.item.retrieve": _Session.item_retrieve,
    "conversation.item.delete": _Session.item_delete,
    "conversation.item.truncate": _Session.item_truncate,
    "response.create": _Session.create,
    "response.cancel": _Session.cancel,
}


def _model(connection: ServerConnection) -> str:
    """The model the client asked for in its URL's query (``gpt-realtime`` if none)."""
    path = connection.request.path if connection.request else ""
    return parse_qs(path.partition("?")[2]).get("model", ["gpt-realtime"])[0]


def _response_id(frames: tuple[bytes, ...]) -> str:
    """The id of a recorded response, from its ``response.created``."""
    with contextlib.suppress(DecodeError, IndexError):
        created = decode_server_event(frames[0])
        if isinstance(created, ga.ResponseCreatedEvent) and isinstance(created.response.id, str):
            return created.response.id
    return "resp_unknown"


def _cancelled(created: bytes, reason: str | None, event_id: str) -> _Json:
    """The ``response.done`` of a recorded response cancelled mid-way (its output dropped)."""
    response = json.loads(created).get("response", {})
    details = {"type": "cancelled", "reason": reason}
    response = {**response, "status": "cancelled", "status_details": details, "output": []}
    return {"type": "response.done", "event_id": event_id, "response": response}


def _path_check(path: str) -> Callable[[ServerConnection, Request], Response | None]:
    """A handshake check refusing any path but ``path`` (404), as the API does."""

    def check_path(connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0].rstrip("/") != path:
            said = f"no Realtime endpoint at {request.path}: this server answers at {path}\n"
            return connection.respond(HTTPStatus.NOT_FOUND, said)
        return None

    return check_path


_SESSIONS: dict[str, Any] = {"ga": _Session, "live": LiveSession}


def _playable(script: Script | Recording | None, protocol: str) -> Script | Recording:
    """What a server of ``protocol`` plays (the bundled sample, GA's, by default);
    ``ValueError`` for an unknown protocol or what it cannot play."""
    if protocol not in PATHS:
        raise ValueError(f"unknown protocol {protocol!r}; expected 'ga' or 'live'")
    if script is None:
        return Recording.load() if protocol == "ga" else Script()
    if protocol == "live":
        check(script)
    elif isinstance(script, Recording) and script.protocol != "ga":
        raise ValueError("a Live recording is played by a Live server: protocol='live'")
    return script


async def serve(
    script: Script | Recording | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    pace: str = "fast",
    received: Received | None = None,
    protocol: str = "ga",
    **options: Any,
) -> Server:
    """Start the server on this event loop: ``async with await serve(...) as server``.

    Args:
        script: What the model says: a ``Script`` or a ``Recording``; None: the bundled
            sample recording (GA), an empty ``Script`` (Live).
        host: The address to listen on.
        port: The port to listen on; 0 picks a free one
            (``server.sockets[0].getsockname()[1]``).
        pace: ``"fast"`` (responses as fast as the client reads) or ``"realtime"`` (audio
            deltas spaced by the audio they carry).
        received: Keeps what clients send, if given.
        protocol: ``"ga"`` or ``"live"``: what the server speaks, at ``PATHS[protocol]``.
        **options: Passed to websockets' ``serve``; by default frames up to 16 MiB are read,
            uncompressed, as the API sends them.

    Returns:
        The running websockets server.

    Raises:
        ValueError: ``pace`` or ``protocol`` is not one of the above, or the script is one
            the protocol cannot play (a Live server: a ``Call``, a GA recording; a GA one: a
            Live recording).
        OSError: The address cannot be listened on.
    """
    if pace not in ("fast", "realtime"):
        raise ValueError(f"unknown pace {pace!r}; expected 'fast' or 'realtime'")
    played, session = _playable(script, protocol), _SESSIONS[protocol]

    async def handler(connection: ServerConnection) -> None:
        await session(played, connection, pace, received).run()

    return await _serve(handler, host, port, process_request=_path_check(PATHS[protocol]),
                        **server_options(options))  # fmt: skip


class Background:
    """A server running on a thread of its own, made by ``running``.

    Args:
        script: What the model says.
        pace: ``"fast"`` or ``"realtime"`` (see ``serve``).
        protocol: ``"ga"`` or ``"live"`` (see ``serve``).

    Attributes:
        script: What the model says; a test may add turns while it runs.
        pace: ``"fast"`` or ``"realtime"``.
        received: What clients sent (``Received``).
        port: The port it listens on (0 until started).
    """

    def __init__(self, script: Script | Recording, pace: str, protocol: str = "ga") -> None:
        self.script, self.pace, self.protocol = script, pace, protocol
        self.received = Received(protocol)
        self.port = 0
        self._ready, self._error = threading.Event(), None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="rt-fast-serve", daemon=True)

    @property
    def base_url(self) -> str:
        """What the official SDK takes as ``websocket_base_url``."""
        return f"ws://127.0.0.1:{self.port}/v1"

    @property
    def url(self) -> str:
        """The endpoint (Realtime's, or Live's), for clients that take a whole URL."""
        return f"ws://127.0.0.1:{self.port}{PATHS[self.protocol]}"

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            running = await serve(self.script, pace=self.pace, received=self.received,
                                  protocol=self.protocol)  # fmt: skip
        except BaseException as exc:  # an address it cannot listen on: said in start()
            self._error = exc  # type: ignore[assignment]
            self._ready.set()
            return
        async with running:
            self.port = running.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def start(self, timeout: float = 30) -> Background:
        """Start the server's thread and wait until it listens.

        Args:
            timeout: Seconds to wait.

        Returns:
            The server, started.

        Raises:
            TimeoutError: It did not start in time.
            OSError: It cannot listen.
        """
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the server did not start in {timeout} s")
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout: float = 30) -> None:
        """Close every connection (1001, going away) and the server; wait for the thread.

        Args:
            timeout: Seconds to wait for the thread.
        """
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop ended already
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)


@contextlib.contextmanager
def running(
    script: Script | Recording | None = None, *, pace: str = "fast", protocol: str = "ga"
) -> Iterator[Background]:
    """Run a server on a free port of 127.0.0.1, on a thread of its own, while the block runs.

    For sync code and for any event loop alike (``rt_fast.pytest_plugin``'s fixtures use it).
    Leaving the block closes every connection and the server.

    Args:
        script: What the model says; None: an empty ``Script`` (each response says "OK.").
        pace: ``"fast"`` or ``"realtime"`` (see ``serve``).
        protocol: ``"ga"`` or ``"live"`` (see ``serve``).

    Yields:
        The running server: its ``url``, ``base_url``, ``script`` and ``received``.

    Raises:
        ValueError: As for ``serve``, before the thread starts.

    Examples:
        The official SDK's clients take ``base_url`` as their ``websocket_base_url``;
        ``rt_fast.ws`` takes ``url``:

        >>> script = rt_fast.server.Script().say("Hi!")
        >>> with rt_fast.server.running(script) as server:
        ...     with rt_fast.ws.connect_sync(server.url) as connection:
        ...         connection.send(rt_fast.ga.ResponseCreateEvent())
        ...         for _ in range(100):  # up to the response's end
        ...             event = connection.recv(timeout=30)
        ...             if event.type == "response.output_audio_transcript.done":
        ...                 print(event.transcript)
        ...             if event.type == "response.done":
        ...                 break
        Hi!
    """
    if pace not in ("fast", "realtime"):
        raise ValueError(f"unknown pace {pace!r}; expected 'fast' or 'realtime'")
    played = _playable(Script() if script is None else script, protocol)
    background = Background(played, pace, protocol).start()
    try:
        yield background
    finally:
        background.stop()


def run(recording: Script | Recording, *, host: str, port: int, pace: str, label: str,
        protocol: str = "ga") -> None:  # fmt: skip
    """Serve until interrupted (``rt-fast serve``), saying where on standard output.

    Args:
        recording: What the model says.
        host: The address to listen on.
        port: The port to listen on; 0 picks a free one.
        pace: ``"fast"`` or ``"realtime"`` (see ``serve``).
        label: What the line on standard output says the responses come from.
        protocol: ``"ga"`` or ``"live"`` (see ``serve``).

    Raises:
        ValueError: As for ``serve``, before anything listens.
        OSError: The address cannot be listened on.
    """
    played = _playable(recording, protocol)  # ValueError before anything listens

    async def forever() -> None:
        async with await serve(played, host=host, port=port, pace=pace,
                               protocol=protocol) as running:  # fmt: skip
            bound, at = running.sockets[0].getsockname()[:2]
            kind = "responses" if protocol == "ga" else "turns"
            what = (f"{len(recording.responses)} {kind} from {label}"
                    if isinstance(recording, Recording) else label)  # fmt: skip
            where = f"ws://{bound}:{at}{PATHS[protocol]}"
            print(f"rt-fast serve: {where} ({what}); Ctrl-C stops", flush=True)
            await running.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())
