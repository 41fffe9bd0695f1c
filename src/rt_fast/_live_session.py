"""A GPT-Live session as the local server holds it (``rt_fast.server.serve(protocol="live")``,
``rt-fast serve --protocol live``), at ``/v1/live/sessions`` as the SDK's
``client.live.connect()`` calls it.

The flow, as the SDK's types and docstrings describe it (where Live's own answer is not known,
it says so here):

* the client speaks first: ``session.start`` -> ``session.started`` holding the session (the
  config it sent, a fresh ``id``, ``status`` ``active``, ``expires_at`` an hour on (an
  assumption), PCM16 at 24 kHz and the voice ``marin`` where the config gave none or
  ``null``); of a recording, its ``session.started``, bytes unchanged. A rate Live does not
  take (PCM at 16 or 24 kHz, G.711 at 8 kHz) gets an ``error`` (``invalid_value``), and no
  session. Any other frame first, or a second ``session.start``, gets an ``error`` (codes
  ``session_not_started``, ``session_already_started``: rt_fast's; Live's are not published);
* ``session.update`` -> ``session.updated`` with the whole session, its ``delegation`` and
  ``triggers`` (what ``session.update`` may change) updated where given: a setting omitted
  (or null) keeps its value, ``triggers`` given are replaced whole; a delegation of another
  type than the session's (omitted or null: ``client``) gets an ``error`` (``invalid_value``:
  its type cannot change);
* ``session.input_audio.append``: the audio's energy starts and stops speech
  (``rt_fast._vad``, at its defaults: Live has no turn detection settings); once speech stops,
  the server sends what it heard (``session.input_transcript.delta``: the script's ``hear``,
  over the speech's milliseconds), then the script's next turn: the reply's words as
  ``session.output_transcript.delta`` and its audio (silence in the session's format, 100 ms a
  delta) as ``session.output_audio.delta`` (no ``event_id``, as Live sends it), each with its
  ``start_ms`` and ``end_ms`` in the session, then ``session.usage.updated`` with the session's
  cumulative seconds. Speech that starts while the model speaks stops it. Muted
  (``session.input_audio.mute``, answered ``.muted``; ``.unmute``, ``.unmuted``), the audio is
  not heard. Audio that is not base64 gets an ``error`` (``invalid_value``, param ``audio``);
* ``session.output_audio.fixture.play`` -> ``.fixture.playing`` and ``.fixture.played``;
  ``session.instructions.append``, ``.thinking.append``, ``.commentary.append`` ->
  their ``.appended`` at the session's time; ``decision.item.create`` and ``.delete`` ->
  ``.created`` (the item stored: a fresh ``item_`` id where it had none) and ``.deleted``.
  Delegation (``response.create``, ``response.item.create``, ``decision.create``) and telephony
  (``transport.dtmf.send``) are not played: an ``error`` (``unsupported``) says so;
* ``session.close`` -> ``session.closed`` (``close_requested``, the session, its usage), then
  the server closes the connection (1000); frames the client sent behind it are not answered;
* ``pace="realtime"`` spaces the output audio deltas by the audio they carry (a recording's
  too), ``"fast"`` sends them as fast as the client reads;
* a frame rt_fast cannot decode as a Live client event (not JSON, a wrong field, a type Live
  does not have, GA's among them, a binary frame) -> Live's ``error`` event naming the fault
  (``rt_fast._protocol``); the connection stays open.

Each answer names the client frame it answers (``client_event_id``) where that had an
``event_id``. A script's turns play as Live can say them: ``Say`` and ``Respond`` of them,
``Fail`` (Live's ``error``), ``Close``; a function call (``Call``) cannot be said (Live
delegates work instead), and ``check`` refuses a script holding one before any client
connects. A recording's turn plays its frames, bytes unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import msgspec
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ._audio import audio_payload, peek_type
from ._errors import DecodeError
from ._models import UnknownEvent
from ._protocol import client_event, error_frame
from ._recording import Recording
from ._script import Call, Close, Fail, Ids, Replay, Respond, Say, Script, Turn, audio_chunks, words
from ._state import dig
from ._vad import RATES, Detector, Speech

__all__ = ["LiveSession", "check"]

Json = dict[str, Any]

_DEFAULT_AUDIO = {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}}
_EXPIRES_S = 3600
_NOT_STARTED = ("session_not_started", "Send session.start first.")
_STARTED = ("session_already_started", "The session has started already.")
_BAD_AUDIO = ("invalid_value", "Invalid 'audio': not valid base64.")
_BAD_RATE = ("invalid_value", "Invalid 'session.audio.format.rate': {} takes {}.")
_LIVE_RATES = {"audio/pcm": (16_000, 24_000), "audio/pcmu": (8_000,), "audio/pcma": (8_000,)}
"""The sample rates Live takes of each format (the SDK's ``AudioFormat``)."""
_FIXED_TYPE = ("invalid_value", "Invalid 'session.delegation.type': the delegation type cannot "
               "change ({} to {}).")  # fmt: skip
_UNSUPPORTED = ("unsupported", "rt_fast's local server does not play {!r}.")
_NO_TURN = ("server_error", "the script has no more turns (Script(otherwise=None))")
_CALL = ("server_error", "the script's turn holds a function call (Call), which GPT-Live "
         "cannot say")  # fmt: skip
_ACKS = {  # a command -> its answer
    "session.input_audio.mute": "session.input_audio.muted",
    "session.input_audio.unmute": "session.input_audio.unmuted",
    "session.instructions.append": "session.instructions.appended",
    "session.thinking.append": "session.thinking.appended",
    "session.commentary.append": "session.commentary.appended",
}


def check(source: Script | Recording) -> None:
    """``ValueError`` for what a Live session cannot play: a GA recording, a function call."""
    if isinstance(source, Recording):
        if source.protocol != "live":
            raise ValueError("a GA recording cannot be played as GPT-Live: give a Live log "
                             "(one that opens with session.started)")  # fmt: skip
        return
    for number, turn in enumerate((*source.queued(), source.otherwise), 1):
        if isinstance(turn, Respond) and any(isinstance(o, Call) for o in turn.outputs):
            which = "otherwise" if number > len(source) else f"turn {number}"
            raise ValueError(f"the script's {which} holds a function call (Call), which "
                             "GPT-Live cannot say: Live delegates work instead")  # fmt: skip


def _live(event: Any) -> Any:
    """A received frame as a Live client event, or the ``DecodeError`` that refuses it."""
    if isinstance(event, UnknownEvent):
        return DecodeError(f"unknown client event type {event.type!r}", path="$.type")
    return event


def _given(value: Any) -> Any:
    return None if value is msgspec.UNSET else value


def _merged(old: Any, new: Any) -> Any:
    """``new`` over ``old``, objects key by key: the settings ``new`` omits (or gives as null)
    keep their values (a list, such as ``triggers``, is replaced whole)."""
    if new is None:
        return old
    if isinstance(old, dict) and isinstance(new, dict):
        given = {key: _merged(old.get(key), value) for key, value in new.items()}
        return {**old, **{key: value for key, value in given.items() if value is not None}}
    return new


def _owner(session: Json) -> str:
    """Who a session's delegated work goes to (omitted or null: the client)."""
    delegation = session.get("delegation")
    return str(delegation.get("type")) if isinstance(delegation, dict) else "client"


class LiveSession:
    """One client's Live connection: the flow of the module."""

    def __init__(self, source: Script | Recording, connection: ServerConnection, pace: str,
                 received: Any) -> None:  # fmt: skip
        self.connection, self.pace, self.received = connection, pace, received
        self.source, self.ids = source, Ids()
        self.next_turn = source.next_turn if isinstance(source, Script) else source.turns()
        self.session: Json | None = None
        self.heard_ms = 0  # the session's clock: the input audio heard so far
        self.spoken_ms = 0  # where the model's audio ends
        self.speech_ms = 0  # where the speech in progress started
        self.muted = False
        self.detector = Detector()
        self.speaking: asyncio.Event | None = None  # set to stop the reply playing
        self.tasks: set[asyncio.Future[None]] = set()
        self.closing: asyncio.Future[None] | None = None  # the close session.close asked
        self.ended = False  # session.closed was sent: nothing follows it

    async def run(self) -> None:
        try:
            async for message in self.connection:
                if self.received is not None:
                    self.received.add(message.encode() if isinstance(message, str) else message)
                if not self.ended:  # after session.close, frames are read, not answered
                    await self.take(message)
        except ConnectionClosed:
            pass
        finally:
            for task in list(self.tasks):
                task.cancel()
            if self.closing is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self.closing

    async def take(self, message: str | bytes) -> None:
        try:
            event = _live(client_event(message, "live", text=not isinstance(message, bytes)))
        except DecodeError as exc:
            event = exc
        if isinstance(event, DecodeError):
            await self.send(error_frame(str(event), event.path, self.ids("event"),
                                        protocol="live"))  # fmt: skip
            return
        if self.session is None and event.type != "session.start":
            await self.error(_NOT_STARTED, client=event.event_id)
            return
        await _HANDLERS.get(event.type, LiveSession.unsupported)(self, event)

    # -- sending

    async def send(self, frame: bytes, *, last: bool = False) -> None:
        """Send ``frame``, unless the session ended (a reply still playing, a script's
        ``Fail``, would otherwise follow ``session.closed``); ``last`` ends it."""
        if self.ended:
            return
        self.ended = last
        with contextlib.suppress(ConnectionClosed):  # the receive loop ends the session
            await self.connection.send(frame, text=True)

    async def emit(self, tag: str, client: Any = None, *, last: bool = False,
                   **fields: Any) -> None:  # fmt: skip
        answer = {} if _given(client) is None else {"client_event_id": client}
        frame = {"type": tag, "event_id": self.ids("event"), **answer, **fields}
        await self.send(msgspec.json.encode(frame), last=last)

    async def error(self, fault: tuple[str, str], *args: Any, client: Any = None,
                    param: str | None = None) -> None:  # fmt: skip
        code, message = fault
        await self.send(error_frame(message.format(*args), param, self.ids("event"), code,
                                    protocol="live", client=_given(client)))  # fmt: skip

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- the session

    async def start(self, event: Any) -> None:
        if self.session is not None:
            await self.error(_STARTED, client=event.event_id)
            return
        asked = dig(msgspec.to_builtins(event.session), "audio", "format") or {}
        rates = _LIVE_RATES.get(str(asked.get("type")), ())
        if asked and asked.get("rate") not in rates:
            await self.error(_BAD_RATE, asked.get("type"), " or ".join(map(str, rates)),
                             client=event.event_id, param="session.audio.format.rate")  # fmt: skip
            return
        if isinstance(self.source, Recording):
            self.session = msgspec.json.decode(self.source.created)["session"]
            await self.send(self.source.created)
        else:
            config = msgspec.to_builtins(event.session)
            self.session = {**config, "id": self.ids("live"), "status": "active",
                            "expires_at": int(time.time()) + _EXPIRES_S,
                            "audio": _merged(_DEFAULT_AUDIO, config.get("audio"))}  # fmt: skip
            await self.emit("session.started", event.event_id, session=self.session)
        fmt = self.format()
        self.detector = Detector(fmt["type"], rate=fmt.get("rate", 0))

    def format(self) -> Json:
        """The session's audio format (PCM16 at 24 kHz where it names none Live takes)."""
        audio = self.session.get("audio") if self.session else None
        fmt = audio.get("format") if isinstance(audio, dict) else None
        known = isinstance(fmt, dict) and fmt.get("type") in RATES
        return fmt if known else _DEFAULT_AUDIO["format"]  # type: ignore[return-value]

    async def update(self, event: Any) -> None:
        assert self.session is not None
        change = {k: v for k, v in msgspec.to_builtins(event.session).items() if v is not None}
        was, asked = _owner(self.session), _owner(change) if "delegation" in change else None
        if asked not in (None, was):
            await self.error(_FIXED_TYPE, was, asked, client=event.event_id,
                             param="session.delegation.type")  # fmt: skip
            return
        self.session = _merged(self.session, change)
        await self.emit("session.updated", event.event_id, session=self.session)

    async def close(self, event: Any) -> None:
        self.stop()
        await self.emit("session.closed", event.event_id, last=True, reason="close_requested",
                        session=self.session, usage=self.usage())  # fmt: skip
        # Closed beside the receive loop, which goes on reading: awaited in it, a frame the
        # client sent behind session.close would fill the one-frame queue, and the client's
        # answer to the close could not be read until close_timeout ran out.
        self.closing = asyncio.ensure_future(self.connection.close(1000))

    def usage(self) -> Json:
        return {"seconds": round(max(self.heard_ms, self.spoken_ms) / 1000, 3)}

    async def unsupported(self, event: Any) -> None:
        await self.error(_UNSUPPORTED, event.type, client=event.event_id, param="type")

    # -- input audio

    async def append(self, event: Any) -> None:
        try:
            audio = base64.b64decode(event.audio, validate=True)
        except binascii.Error:
            await self.error(_BAD_AUDIO, client=event.event_id, param="audio")
            return
        if self.muted:
            return
        for change in self.detector.feed(audio):
            await self.speech(change)
        self.heard_ms = self.detector.elapsed_ms

    async def speech(self, change: Speech) -> None:
        if change.started:
            self.speech_ms = change.ms
            self.stop()  # the user speaks over the model: it stops
            return
        self.heard_ms = change.ms
        self.detector.reset()
        turn = self.next_turn()
        if isinstance(turn, Replay):
            self.play(lambda stopped: self.replay(turn, stopped))
            return
        heard = self.source.next_transcript() if isinstance(self.source, Script) else "..."
        await self.emit("session.input_transcript.delta", delta=heard, start_ms=self.speech_ms,
                        end_ms=change.ms)  # fmt: skip
        self.play(lambda stopped: self.reply(turn, stopped))

    async def mute(self, event: Any) -> None:
        self.muted = event.type == "session.input_audio.mute"
        await self.emit(_ACKS[event.type], event.event_id)

    # -- what the model says

    def stop(self) -> None:
        if self.speaking is not None:
            self.speaking.set()
            self.speaking = None

    def play(self, work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Play ``work``, given the event that stops it (it may be set before work starts)."""
        self.stop()
        self.speaking = asyncio.Event()
        self.spawn(work(self.speaking))

    async def pause(self, stopped: asyncio.Event, seconds: float) -> None:
        if seconds <= 0 or self.pace != "realtime":
            await asyncio.sleep(0)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stopped.wait(), seconds)

    async def reply(self, turn: Turn | None, stopped: asyncio.Event) -> None:
        if turn is None:
            await self.error(_NO_TURN)
        elif isinstance(turn, Respond) and any(isinstance(o, Call) for o in turn.outputs):
            await self.error(_CALL)  # one added once the server ran: check saw the others
        elif isinstance(turn, Respond):
            await self.pause(stopped, turn.delay)
            for frame, seconds in self.said(turn):
                if stopped.is_set():
                    break
                await self.send(msgspec.json.encode(frame))
                await self.pause(stopped, seconds)
            await self.emit("session.usage.updated", usage=self.usage())
        elif isinstance(turn, Fail):
            await asyncio.sleep(turn.delay)
            await self.send(error_frame(turn.message, None, self.ids("event"), turn.code,
                                        protocol="live"))  # fmt: skip
        elif isinstance(turn, Close):
            await asyncio.sleep(turn.delay)
            await self.connection.close(turn.code, turn.reason)

    def said(self, turn: Respond) -> Iterator[tuple[Json, float]]:
        """A turn's frames: each ``Say``'s words, then its audio, on the session's clock."""
        fmt = self.format()
        for say in turn.outputs:
            assert isinstance(say, Say)
            parts = words(say.text)
            chunks = audio_chunks(fmt["type"], say, fmt.get("rate", 0))
            ms = sum(round(seconds * 1000) for _, seconds in chunks)
            start = max(self.heard_ms, self.spoken_ms)
            step = ms // max(len(parts), 1)
            for number, word in enumerate(parts):
                at = start + number * step
                yield {"type": "session.output_transcript.delta", "event_id": self.ids("event"),
                       "delta": word, "start_ms": at, "end_ms": at + step}, 0.0  # fmt: skip
            for chunk, seconds in chunks:
                end = start + round(seconds * 1000)
                yield {"type": "session.output_audio.delta", "delta": chunk, "start_ms": start,
                       "end_ms": end}, seconds  # fmt: skip
                start = self.spoken_ms = end

    async def replay(self, turn: Replay, stopped: asyncio.Event) -> None:
        fmt = self.format()
        rate, width = RATES[fmt["type"]]
        per_second = (fmt.get("rate") or rate) * width
        self.spoken_ms = max(self.heard_ms, self.spoken_ms)
        for frame in turn.frames:
            if stopped.is_set():
                break
            await self.send(frame)
            audio = peek_type(frame) == "session.output_audio.delta"
            seconds = len(audio_payload(frame)) * 3 / 4 / per_second if audio else 0
            self.spoken_ms += round(seconds * 1000)  # the session's clock, not the log's
            await self.pause(stopped, seconds)

    # -- the rest of Live's commands

    async def fixture(self, event: Any) -> None:
        try:
            base64.b64decode(event.audio, validate=True)
        except binascii.Error:
            await self.error(_BAD_AUDIO, client=event.event_id, param="audio")
            return
        await self.emit("session.output_audio.fixture.playing", event.event_id)
        await self.emit("session.output_audio.fixture.played", event.event_id)

    async def appended(self, event: Any) -> None:
        at = max(self.heard_ms, self.spoken_ms)
        await self.emit(_ACKS[event.type], event.event_id, start_ms=at, end_ms=at)

    async def item_create(self, event: Any) -> None:
        item = msgspec.to_builtins(event.item)
        if not item.get("id"):  # a stored item has one: where the client gave none, a fresh one
            item["id"] = self.ids("item")
        await self.emit("decision.item.created", event.event_id, item=item)

    async def item_delete(self, event: Any) -> None:
        await self.emit("decision.item.deleted", event.event_id, item_id=event.item_id)


_HANDLERS: dict[str, Callable[[LiveSession, Any], Awaitable[None]]] = {
    "session.start": LiveSession.start,
    "session.update": LiveSession.update,
    "session.close": LiveSession.close,
    "session.input_audio.append": LiveSession.append,
    "session.input_audio.mute": LiveSession.mute,
    "session.input_audio.unmute": LiveSession.mute,
    "session.output_audio.fixture.play": LiveSession.fixture,
    "session.instructions.append": LiveSession.appended,
    "session.thinking.append": LiveSession.appended,
    "session.commentary.append": LiveSession.appended,
    "decision.item.create": LiveSession.item_create,
    "decision.item.delete": LiveSession.item_delete,
}
