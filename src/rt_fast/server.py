"""A local Realtime server (the ``ws`` extra: ``websockets``) that plays a recorded session.

For tests, demos and gateway development: it answers at ``/v1/realtime`` as the official SDK's
clients call it (``AsyncOpenAI(websocket_base_url="ws://127.0.0.1:PORT/v1")``), takes any API
key, and speaks the protocol a GA session uses:

* on connect, the recording's ``session.created``;
* ``session.update`` -> the recording's ``session.updated`` (or, if it has none, one holding
  the ``session.created`` session);
* ``input_audio_buffer.commit`` -> ``input_audio_buffer.committed``, ``.clear`` -> ``.cleared``;
  appends are taken silently, as the API takes them;
* ``response.create`` -> the recording's next response, its server frames from
  ``response.created`` to ``response.done`` (and the ``rate_limits.updated`` after it), bytes
  unchanged, one response at a time in the order asked; after the last the first comes again
  (a ``Recording`` made with no response answers each with an ``error`` event instead).
  While one plays, up to ``QUEUED`` (64) more wait their turn (a count, not a task each); one
  more is answered as the API answers any while a response is active, with the ``error``
  ``conversation_already_has_active_response`` naming the response in progress;
* a frame rt_fast cannot decode as a GA client event (not JSON, a wrong field, an unknown type,
  a binary frame) -> the API's ``error`` event naming the fault; the connection stays open.

Every frame it sends is a text frame of the recording's bytes, or ``rt_fast.encode`` of an
event. It plays GA sessions: ``Recording.load`` refuses a log whose ``session.created`` (or
``session.updated``) is not GA's (a beta log), one without ``session.created``, one without a
response to play (none from ``response.created`` to ``response.done``), and one with a line
that does not decode, with a ``ValueError`` (``DecodeError`` for a bad line) in one line naming
the log (and the line), before any client connects.

``pace="realtime"`` spaces each response's audio deltas by the audio they carry (PCM16 at
24 kHz), ``"fast"`` (the default) sends them as fast as the client reads: a slow reader holds
the sender back (websockets' write buffer), it does not grow memory; nor does a client that
floods requests without reading, as the session stops reading while it cannot answer.

Memory. A session holds at most three of a client's frames: the one it answers and two
waiting (websockets' ``max_queue``: 1 here, as the relay's, not its 16, with which a client
that stopped reading and sent 15 MiB frames made the server hold 17 of them, 255 MiB): 48 MiB
a connection at the 16 MiB frame limit, a few KiB when the frames are requests. What it
writes waits in websockets' write buffer: up to its limit (32 KiB), and beyond it the last
frame each of its senders wrote (the response playing, the answers) and the pongs to one
socket read (asyncio's: 256 KiB of pings). It reads a client only while it can write to it
(``rt_fast.ws.BoundedServerConnection``): a client that pings and never reads cannot grow it
with pongs (300 MB of pings grew the server by 288 MB before). A client must read while it
sends, as the SDK's clients do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as _serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from . import beta, ga, translation
from ._audio import audio_payload, peek_type
from ._codec import decode, decode_client_event, decode_server_event, encode
from ._errors import DecodeError
from ._jsonl import LogBatch, map_log
from ._models import UnknownEvent
from ._sources import Source, logs_of
from .ws import error_frame, server_options

__all__ = ["PATH", "QUEUED", "Recording", "run", "serve"]

PATH = "/v1/realtime"
"""Where the server answers, as the SDK's clients call it (a query string may follow)."""

_CLIENT_TAGS = frozenset(itertools.chain(ga.CLIENT_EVENTS, beta.CLIENT_EVENTS,
                                         translation.CLIENT_EVENTS))  # fmt: skip
_PCM_RATE = 48_000  # bytes a second of PCM16 at 24 kHz, the API's default output
_SESSIONS = {"session.created": ga.SessionCreatedEvent, "session.updated": ga.SessionUpdatedEvent}
_BUSY_CODE = "conversation_already_has_active_response"  # the API's, as it words it:
_BUSY = ("Conversation already has an active response in progress: {}. Wait until the response "
         "is finished before creating a new one.")  # fmt: skip

_NO_RESPONSE = "the recording holds no response to play"

QUEUED = 64
"""``response.create`` requests a session holds while a response plays (the API holds none)."""


def _server_frames(batch: LogBatch) -> list[tuple[str, bytes, int]]:
    """The (type, bytes, line number) of a chunk's server frames (run where it was decoded)."""
    frames = []
    for line, number in zip(batch.raw_lines(), batch.numbers(), strict=True):
        tag = peek_type(line)
        if tag not in _CLIENT_TAGS:
            frames.append((tag, line, number))
    return frames


def _session_frame(name: str, tag: str, frames: list[tuple[str, bytes, int]]) -> bytes | None:
    """The log's first ``tag`` frame (``session.created``, ``.updated``), if GA's, else
    ``ValueError`` naming its line."""
    raw, number = next(((raw, n) for t, raw, n in frames if t == tag), (None, 0))
    if raw is not None:
        try:
            decode(raw, type=_SESSIONS[tag])
        except DecodeError as exc:
            raise ValueError(f"{name}, line {number}: the {tag} is not a GA one ({exc}); "
                             "rt-fast serve plays GA sessions") from None  # fmt: skip
    return raw


@dataclass(frozen=True)
class Recording:
    """The frames a server plays, taken from a session log (``Recording.load``)."""

    created: bytes
    updated: bytes | None
    responses: tuple[tuple[bytes, ...], ...]
    _ids: Iterator[int] = field(default_factory=itertools.count, compare=False)

    @classmethod
    def load(cls, log: Source | None = None) -> Recording:
        """The recording of a log (plain, gzip or zstd; the bundled sample by default): its
        first ``session.created`` and ``session.updated``, and every response."""
        if log is None:
            sample = resources.files("rt_fast").joinpath("data").joinpath("sample_session.jsonl.gz")
            with sample.open("rb") as opened:
                return cls.load(opened)
        frames = [frame for chunk in map_log(log, _server_frames) for frame in chunk]
        name = logs_of(log)[0].name
        created = _session_frame(name, "session.created", frames)
        if created is None:
            raise ValueError(f"{name}: no session.created frame to play")
        updated = _session_frame(name, "session.updated", frames)
        responses = tuple(_responses((t, raw) for t, raw, _ in frames))
        if not responses:
            raise ValueError(f"{name}: no response to play (none runs from response.created "
                             "to response.done)")  # fmt: skip
        return cls(created, updated, responses)

    def event_id(self) -> str:
        """A fresh ``event_id`` for a frame the server makes."""
        return f"event_rtfast{next(self._ids):08d}"


def _responses(frames: Iterable[tuple[str, bytes]]) -> Iterator[tuple[bytes, ...]]:
    """Each ``response.created`` .. ``response.done`` run of frames, with the
    ``rate_limits.updated`` frames right after it."""
    current: list[bytes] | None = None
    done: list[bytes] | None = None
    for tag, raw in frames:
        if done is not None:
            if tag == "rate_limits.updated":
                done.append(raw)
                continue
            yield tuple(done)
            done = None
        if tag == "response.created":
            current = [raw]
        elif current is not None:
            current.append(raw)
            if tag == "response.done":
                done, current = current, None
    if done is not None:
        yield tuple(done)


class _Session:
    """One client's connection: the protocol above."""

    def __init__(self, recording: Recording, connection: ServerConnection, pace: str) -> None:
        self.recording, self.connection, self.pace = recording, connection, pace
        self.responses = itertools.cycle(recording.responses)
        self.items = itertools.count()
        self.player: asyncio.Task[None] | None = None  # plays the active response, then the queued
        self.active: tuple[bytes, ...] = ()  # the response it plays
        self.queued = 0  # requests waiting their turn

    async def run(self) -> None:
        await self.connection.send(self.recording.created, text=True)
        try:
            async for message in self.connection:
                await self.answer(message)
        except ConnectionClosed:
            pass
        finally:
            if self.player is not None:
                self.player.cancel()

    async def answer(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            await self.error("binary frames are not accepted: send JSON text frames", None)
            return
        try:
            event = decode_client_event(message)
        except DecodeError as exc:
            await self.error(str(exc), exc.path)
            return
        match event:
            case ga.SessionUpdateEvent():
                await self.send(self.recording.updated or self.updated())
            case ga.InputAudioBufferCommitEvent():
                item = f"item_rtfast{next(self.items):08d}"
                await self.send(encode(ga.InputAudioBufferCommittedEvent(
                    event_id=self.recording.event_id(), item_id=item)))  # fmt: skip
            case ga.InputAudioBufferClearEvent():
                await self.send(encode(ga.InputAudioBufferClearedEvent(
                    event_id=self.recording.event_id())))  # fmt: skip
            case ga.ResponseCreateEvent():
                await self.create()
            case UnknownEvent(type=tag):
                await self.error(f"unknown client event type {tag!r}", "$.type")
            case _:  # the rest (conversation items, cancels, appends) is taken silently
                pass

    def updated(self) -> bytes:
        """A ``session.updated`` holding the recording's ``session.created`` session."""
        created = decode_server_event(self.recording.created)
        if not isinstance(created, ga.SessionCreatedEvent):
            raise ValueError("the recording's session.created is not a GA session.created")
        updated = ga.SessionUpdatedEvent(event_id=self.recording.event_id(),
                                         session=created.session)  # fmt: skip
        return encode(updated)

    async def create(self) -> None:
        """Play the next response, or queue the request while one plays (up to ``QUEUED``),
        or refuse it as the API does: one response at a time, in the order asked."""
        if not self.recording.responses:  # a Recording made by hand: say so, never hang
            await self.error(_NO_RESPONSE, None)
        elif self.player is None:
            self.active = next(self.responses)
            self.player = asyncio.create_task(self.play_queued())
        elif self.queued < QUEUED:
            self.queued += 1
        else:
            busy = _BUSY.format(_response_id(self.active))
            await self.send(error_frame(busy, None, self.recording.event_id(), _BUSY_CODE))

    async def play_queued(self) -> None:
        try:
            await self.play(self.active)
            while self.queued:
                self.queued -= 1
                self.active = next(self.responses)
                await self.play(self.active)
        finally:
            self.player = None

    async def play(self, frames: tuple[bytes, ...]) -> None:
        for frame in frames:
            await self.send(frame)
            if self.pace == "realtime" and peek_type(frame) == "response.output_audio.delta":
                await asyncio.sleep(len(audio_payload(frame)) * 3 / 4 / _PCM_RATE)

    async def error(self, message: str, param: str | None) -> None:
        await self.send(error_frame(message, param, self.recording.event_id()))

    async def send(self, frame: bytes) -> None:
        with contextlib.suppress(ConnectionClosed):  # the receive loop ends the session
            await self.connection.send(frame, text=True)


def _response_id(frames: tuple[bytes, ...]) -> str:
    """The id of a recorded response, from its ``response.created``."""
    with contextlib.suppress(DecodeError, IndexError):
        created = decode_server_event(frames[0])
        if isinstance(created, ga.ResponseCreatedEvent) and isinstance(created.response.id, str):
            return created.response.id
    return "resp_unknown"


def _check_path(connection: ServerConnection, request: Request) -> Response | None:
    """Refuse any path but ``PATH`` (404), as the API does."""
    if request.path.split("?", 1)[0].rstrip("/") != PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, f"no Realtime endpoint at {request.path}\n")
    return None


async def serve(
    recording: Recording | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    pace: str = "fast",
    **options: Any,
) -> Server:
    """Start the server (``async with await serve(...) as server``); ``port=0`` picks a free
    one (``server.sockets[0].getsockname()[1]``). ``options`` go to ``websockets``' ``serve``;
    by default frames up to 16 MiB are read, uncompressed, as the API sends them."""
    if pace not in ("fast", "realtime"):
        raise ValueError(f"unknown pace {pace!r}; expected 'fast' or 'realtime'")
    played = Recording.load() if recording is None else recording

    async def handler(connection: ServerConnection) -> None:
        await _Session(played, connection, pace).run()

    return await _serve(handler, host, port, process_request=_check_path,
                        **server_options(options))  # fmt: skip


def run(recording: Recording, *, host: str, port: int, pace: str, label: str) -> None:
    """Serve until interrupted (``rt-fast serve``), saying where on standard output."""

    async def forever() -> None:
        async with await serve(recording, host=host, port=port, pace=pace) as running:
            bound, at = running.sockets[0].getsockname()[:2]
            print(f"rt-fast serve: ws://{bound}:{at}{PATH} ({len(recording.responses)} "
                  f"responses from {label}); Ctrl-C stops", flush=True)  # fmt: skip
            await running.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())
