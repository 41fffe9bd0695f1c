"""How the relay moves one direction's frames (``rt_fast.relay``: Speed and memory): a whole
text frame is routed and written to the other socket inside the callback of the connection
that received it, with no task woken per frame; a frame that must wait takes the queued way.

The direct way. When websockets' connection has read a frame (``process_event``, called from
``data_received``) and the direction is ready, ``Side.now`` types it, runs its handlers and
writes the frame to the other side's protocol (``send_text``, then its ``data_to_send`` to the
transport): websockets' sans-I/O ``Protocol`` frames it, as its ``send`` would.

The queued way. A frame goes to websockets' queue (its ``Assembler``) and the direction's
``Side.pump`` task, which receives and forwards it as a plain websockets relay would, when:
it is binary, fragmented or not UTF-8; the other side cannot take it now (its write buffer is
over its limit, or it is not open); the client's frame is refused (its error reply is sent the
queued way); or a handler (or ``on_decode_error``) returned an awaitable, an ``async`` one's
coroutine: the rest of that frame's handling is the pump's (``Side.carry``). Order holds: once
a frame is queued, the frames after it queue behind it until the pump has taken them all, and
the frames that arrive before the session runs (``on_open``) are queued.

Back-pressure. Each connection stops reading while anything holds it (``Relayed.hold``): its
queue over websockets' ``max_queue``, the other side's write buffer over its limit after a
direct write (released when it drains), and for a client its own write buffer over its limit
(``bounded``, as ``ws.BoundedServerConnection``: the relay's refusals and pongs to it wait
there). A connection reads again once nothing holds it. The upstream is read on while its
write buffer is full, so that its close is read, and a closing upstream is never waited on: a
peer that pings while that buffer stays full is cut once it owes ``PONGS_OWED`` of pongs
(holding its reading at a ping instead once stalled a healthy session: the upstream's reply
waited on the relay, whose writes waited on the upstream).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import State

from ._errors import DecodeError
from ._metrics import Tally
from ._protocol import EventIds, refusal
from ._routes import SERVER, Forwarded, HandlerFailed, Later, Router, told, usage

__all__ = ["EVENT_IDS", "RelayClient", "RelayServer", "Side", "Socket"]

EVENT_IDS = EventIds("event_rtfast_relay")  # the relay's own frames, each its own event_id
PONGS_OWED = 1024 * 1024
"""Pongs a peer may leave unread in a full write buffer: past it, the peer pings and does not
read (a keepalive pings every few seconds), and its connection is cut."""
_log = logging.getLogger("rt_fast.relay")
_DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


class _Relayed:
    """What the relay's connections add to websockets' (a mixin over its asyncio connection):
    the direct way for the frames they receive, and reading held by reasons (see the module).
    """

    side: Side | None = None  # the direction whose frames this connection receives, if relayed
    bounded = False  # whether it stops reading while its own write buffer is over its limit
    owed = 0  # bytes of pongs written since its write buffer went over its limit
    waiting = 0  # messages in its queue not yet taken (by the pump, once there is a side)
    fragmented = False  # a fragmented message is arriving into its queue
    transport: asyncio.Transport
    recv_messages: Any
    paused: bool

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.holds: set[str] = set()
        self.held: _Relayed | None = None  # the source held while this one's writes wait
        self.arrivals: deque[int] = deque()  # when each message waiting in its queue arrived
        self.recv_messages.pause = partial(self.hold, "queue")
        self.recv_messages.resume = partial(self.release, "queue")

    def hold(self, reason: str) -> None:
        """Stop reading, for ``reason``, until it is released."""
        if not self.holds:
            self.transport.pause_reading()
        self.holds.add(reason)

    def release(self, reason: str) -> None:
        """Read again, unless another reason still holds the connection."""
        if reason in self.holds:
            self.holds.remove(reason)
            if not self.holds:
                self.transport.resume_reading()

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self.bounded:
            self.hold("writing")

    def resume_writing(self) -> None:
        super().resume_writing()  # type: ignore[misc]
        self.release("writing")
        self.owed = 0
        self.drained()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)  # type: ignore[misc]
        self.drained()  # its writes wait no more: the source may read (a close, at least)

    def detach(self) -> None:
        """Relay no more (the session ends): frames go to the queue, and the source held while
        this connection's writes waited reads again, so that its close can be read."""
        self.side = None
        self.drained()

    def drained(self) -> None:
        """Read the source held while this connection's writes waited."""
        held, self.held = self.held, None
        if held is not None:
            held.release("sink")

    def process_event(self, event: Any) -> None:
        side = self.side
        if (  # a frame: the handshake's events come before a side is set
            side is not None
            and event.opcode is Opcode.TEXT
            and event.fin
            and side.ready
            and side.now(event.data if event.data.__class__ is bytes else bytes(event.data))
        ):
            return
        if isinstance(event, Frame):
            if event.opcode in _DATA:  # queued: counted for ``ready``
                self.fragmented = not event.fin
                if event.fin:
                    self.waiting += 1
                    self.arrivals.append(time.time_ns())
            elif event.opcode is Opcode.PING and self.paused:  # its pong waits in a full buffer
                self.owed += len(event.data) + 6
                if self.owed > PONGS_OWED:
                    _log.warning("rt_fast relay: a peer sent pings for over %d bytes of pongs "
                                 "it does not read; its connection is cut", PONGS_OWED)  # fmt: skip
                    self.transport.abort()
        super().process_event(event)  # type: ignore[misc]


class RelayServer(_Relayed, ServerConnection):
    """The relay's connection to a client: read only while it can be written to (the relay's
    own replies to it, refusals and pongs, wait in its buffer)."""

    bounded = True


class RelayClient(_Relayed, ClientConnection):
    """The relay's connection to the upstream: read on while its write buffer is full (the
    frames forwarded to it hold their source instead), so that its close is read; an upstream
    that pings and never reads once grew the relay by every pong, and is now cut
    (``PONGS_OWED``)."""


Socket = RelayServer | RelayClient


@dataclass
class Side:
    """One direction of a session: where its frames come from and go, and who sees them."""

    source: Socket
    sink: Socket
    router: Router
    session: Any  # the relay's Session
    tally: Tally
    busy: bool = True  # the pump is not running yet, or is forwarding a frame
    carry: Later | None = field(default=None, repr=False)  # the rest of a queued frame's handling

    @property
    def ready(self) -> bool:
        """Whether a frame may go the direct way: none waits before it."""
        return not (self.busy or self.source.waiting or self.source.fragmented)

    def now(self, frame: bytes) -> bool:
        """Forward a text frame the direct way (see the module); False where it must be queued,
        having done nothing, or with the rest of its handling in ``carry``."""
        sink = self.sink
        if (
            sink.paused
            or sink.protocol.state is not State.OPEN
            or sink.transport.is_closing()  # lost: its loss is read the queued way
            or not _utf8(frame)
        ):
            return False
        arrived = time.time_ns()
        try:
            tag, event, handlers = self.router.take(frame, True)
        except DecodeError:  # refused, the queued way
            return False
        self.session.last = time.monotonic()
        try:
            forwarded = self.handled(frame, event, handlers)
        except HandlerFailed as failed:
            self.carry = _raise(failed)
            return False
        if forwarded is None:
            return True
        if not isinstance(forwarded, bytes):  # a handler's awaitable: the pump awaits it
            self.carry = self.finish(forwarded, tag, arrived)
            return False
        self.counted(tag, forwarded, True, arrived)
        sink.protocol.send_text(forwarded)
        sink.send_data()
        if sink.paused:  # over its limit: no more from the source until it drains
            self.source.hold("sink")
            sink.held = self.source
        self.tally.took(self.router.direction, time.time_ns() - arrived)
        return True

    async def pump(self, lost: str) -> None:
        """Forward the queued frames until ``source`` closes; then close ``sink`` alike. Where
        ``sink`` closes first, read ``source`` on, dropping its frames, until it closes: the
        close the other direction mirrors to it is read, not waited for until websockets'
        timeout behind frames no one reads. No frame stays referenced here while the next is
        awaited."""
        self.busy, sink_open = False, True
        try:
            while True:
                frame, text = _received(await self.source.recv())
                self.source.waiting -= 1
                arrivals = self.source.arrivals
                arrived = arrivals.popleft() if arrivals else time.time_ns()
                if not sink_open:
                    continue
                self.busy = True  # nothing goes directly while this one is forwarded
                carry, self.carry = self.carry, None
                try:
                    await (carry or self.forward(frame, text, arrived))
                except ConnectionClosed:  # the sink's, or the source's (a refusal's reply):
                    sink_open = self.sink.protocol.state is State.OPEN  # its frames still go
                self.busy = not sink_open  # nor ever again once the sink has closed
                del frame, carry  # nothing held while the next frame is awaited
        except ConnectionClosed as closed:
            await _mirror(closed.rcvd, self.sink, lost)
        finally:
            if self.carry is not None:  # never awaited: the session ended first
                self.carry.close()

    def handled(self, frame: bytes, event: Any, handlers: tuple[Any, ...]) -> Forwarded:
        """What the handlers make of ``frame`` (``Router.handle``); an upstream frame that
        cannot be typed, ``on_decode_error`` told first (see ``FromServer.take``)."""
        router = self.router
        if event.__class__ is DecodeError and router.handlers:
            return told(router.on_error, frame, event)
        return router.handle(frame, handlers, event, self.session) if handlers else frame

    async def forward(self, frame: bytes, text: bool, arrived: int) -> None:
        """One frame the queued way: refused (an error event to ``source``), dropped, or sent
        to ``sink``."""
        self.session.last = time.monotonic()
        try:
            tag, event, handlers = self.router.take(frame, text)
        except DecodeError as exc:
            await self.refuse(exc, arrived)
            return
        forwarded = self.handled(frame, event, handlers)
        await self.send(await forwarded if isinstance(forwarded, Coroutine) else forwarded,
                        tag, text, arrived)  # fmt: skip

    async def finish(self, later: Later, tag: str, arrived: int) -> None:
        """The rest of a text frame's handling begun the direct way."""
        await self.send(await later, tag, True, arrived)

    async def send(self, forwarded: bytes | None, tag: str, text: bool, arrived: int) -> None:
        """Send the frame, then count and record it: a frame ``sink`` closed before it took is
        neither."""
        if forwarded is None:
            return
        await self.sink.send(forwarded, text=text)
        self.counted(tag, forwarded, text, arrived)
        self.tally.took(self.router.direction, time.time_ns() - arrived)

    def counted(self, tag: str, forwarded: bytes, text: bool, arrived: int) -> None:
        """A frame about to be forwarded: its usage, counts and record line."""
        session, direction = self.session, self.router.direction
        if tag == "response.done":
            self.used(usage(forwarded))
        session.frames[direction] += 1
        session.bytes[direction] += len(forwarded)
        self.tally.frame(direction, tag, len(forwarded))
        if text:
            session.record.write(direction, session.id, forwarded, arrived)

    def used(self, usage: dict[str, int]) -> None:
        for kind, count in usage.items():
            self.session.usage[kind] += count
        self.tally.used(usage)

    async def refuse(self, exc: DecodeError, arrived: int) -> None:
        """Answer a refused frame with an ``error`` event, unless its sender is closing (a
        send to it would wait for its close, behind the frames it sent before)."""
        self.tally.refused_frames[self.router.direction] += 1
        if self.source.protocol.state is not State.OPEN:
            return
        reply = refusal(exc, next(EVENT_IDS), "rt_fast relay: ", protocol=self.session.protocol)
        self.session.record.write(SERVER, self.session.id, reply, arrived, "relay")
        await self.source.send(reply, text=True)


def _utf8(frame: bytes) -> bool:
    """Whether a text frame is UTF-8, as websockets' ``recv`` requires (it fails the connection,
    1007, on one that is not: the queued way keeps that)."""
    if frame.isascii():
        return True
    try:
        frame.decode()
    except UnicodeDecodeError:
        return False
    return True


async def _raise(failed: HandlerFailed) -> None:
    raise failed


def _received(message: str | bytes) -> tuple[bytes, bool]:
    """A message's bytes, and whether it came as text (websockets checked its UTF-8)."""
    return (message.encode(), True) if isinstance(message, str) else (message, False)


async def _mirror(close: Close | None, sink: Socket, lost: str) -> None:
    """Close ``sink`` as the other side closed (see ``rt_fast.relay``: Connections)."""
    if close is None:
        await sink.close(CloseCode.INTERNAL_ERROR, lost)
    elif close.code == CloseCode.NO_STATUS_RCVD:  # websockets sends a close without a code
        await sink.close(None)  # type: ignore[arg-type]  # for None, not its annotation's int
    else:
        await sink.close(close.code, close.reason)
