"""A relay (the ``ws`` extra): client <-> rt_fast <-> upstream Realtime server, bytes unchanged.

Each frame's bytes are forwarded as they came, in order, unless a handler replaces or drops
them. Handlers are registered per direction and per event type, or a glob of types
(``"response.*"``); a frame is routed by ``rt_fast.peek_type`` and decoded only when a
handler wants its type: a handler is called with the typed event and the frame's bytes and
returns the bytes to forward (the same, others) or None to drop the frame. Each handler of a
type gets the frame the one before returned, and that frame's event.

What cannot be typed depends on who sent it:

* from the client, a frame ``peek_type`` refuses (not a JSON object with a string ``type``, or
  one that repeats ``type`` so that readers could route it apart), one a handler wants that
  does not decode, and a binary frame are never forwarded: the client gets an ``error`` event;
* from the upstream, every frame is forwarded (a binary one as binary): where one cannot be
  typed for the handlers of its type, they are skipped and ``on_decode_error(frame, error)``
  hears why. The relay never sends the upstream anything the client did not send.

Connections. The upstream's URL is ``upstream`` with the client's query parameters added to
its own, which win (a key or a version set there stays); the client's ``Authorization`` header
is passed on. A client never learns the upstream's URL or address: if it cannot be opened, the
client's close says ``upstream unreachable`` (or ``upstream refused: HTTP 401``). A close on
either side closes the other with the same code and reason, or with none where none came (a
browser's ``ws.close()``); a connection that ends without a close (a reset, a vanished peer)
closes the other with 1011, ``upstream connection lost`` or ``client connection lost``.

Memory. Each direction awaits its send before its next receive, and the relay's sockets stop
reading while more than one received frame waits (websockets' ``max_queue``: 1 here, not its
16, with which a stalled reader let one client make the relay hold 22 frames, 350 MiB): a side
that stops reading holds the other back. Per connection and direction the relay then holds at
most two frames waiting, the one being forwarded and websockets' framed copy of it, and under
512 KiB besides (the rest of one socket read, the write buffer's 32 KiB): 64.5 MiB at the
16 MiB frame limit, under 1 MiB when the frames are a session's 17 KB audio deltas. Types are
matched to handlers by a table built once from the types rt_fast knows, others as they come:
nothing a peer sends is kept after its frame is forwarded.

Record. ``record`` gets one line per frame either side received, in order: each frame
forwarded (as forwarded, after the handlers) and each ``error`` event the relay sent a client;
frames refused, dropped or binary are not written. The bytes are unchanged but for a raw CR or
LF, each written as a tab: outside strings all three are JSON whitespace, inside a string all
three are invalid JSON, so the line means what the frame meant and stays one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close, CloseCode

from ._audio import peek_type
from ._codec import GENERATIONS, decode_client_event, decode_server_event
from ._errors import DecodeError
from .ws import error_frame, socket_options

__all__ = ["Handler", "OnDecodeError", "relay", "run"]

Handler = Callable[[Any, bytes], "bytes | None"]
"""``handler(event, frame) -> frame to forward, or None to drop it``."""

OnDecodeError = Callable[[bytes, DecodeError], None]
"""``on_decode_error(frame, error)``: an upstream frame forwarded without its handlers."""

_Socket = ServerConnection | ClientConnection

_log = logging.getLogger(__name__)
_MAX_QUEUE = 1  # frames a relay's socket lets wait before it stops reading: see Memory
_ONE_LINE = bytes.maketrans(b"\r\n", b"\t\t")  # see the module: Record


class _Router:
    """One direction's handlers, and what it does with a frame it cannot type: with
    ``on_error`` None it refuses it (``DecodeError``), else it tells ``on_error`` and forwards."""

    def __init__(self, handlers: Mapping[str, Handler], decode: Callable[[bytes], Any],
                 known: Iterable[str], on_error: OnDecodeError | None) -> None:  # fmt: skip
        self.handlers, self.decode, self.on_error = dict(handlers), decode, on_error
        self.reads = bool(self.handlers) or on_error is None  # else every frame goes unread
        self.table = {tag: self.match(tag) for tag in known}  # built once, never grows

    def match(self, tag: str) -> tuple[Handler, ...]:
        return tuple(h for glob, h in self.handlers.items() if fnmatch.fnmatchcase(tag, glob))

    def route(self, frame: bytes) -> bytes | None:
        """The frame to forward, or None to drop it (``DecodeError``: refuse it)."""
        if not self.reads:
            return frame
        try:
            handlers = self.wanted(peek_type(frame))
        except DecodeError as exc:
            return self.untyped(frame, exc)
        return self.handle(frame, handlers) if handlers else frame

    def wanted(self, tag: str) -> tuple[Handler, ...]:
        found = self.table.get(tag)
        return self.match(tag) if found is None else found

    def handle(self, frame: bytes, handlers: tuple[Handler, ...]) -> bytes | None:
        """Each handler in turn, with the event of the frame the one before returned."""
        typed: tuple[bytes | None, Any] = (None, None)
        for handler in handlers:
            if typed[0] is not frame:
                try:
                    typed = (frame, self.decode(frame))
                except DecodeError as exc:
                    return self.untyped(frame, exc)
            result = handler(typed[1], frame)
            if result is None:
                return None
            frame = result
        return frame

    def untyped(self, frame: bytes, exc: DecodeError) -> bytes:
        if self.on_error is None:
            raise exc
        self.on_error(frame, exc)
        return frame

    def binary(self, frame: bytes) -> bytes:
        """A binary frame to forward, or ``DecodeError`` (the API speaks text frames only)."""
        if self.on_error is None:
            raise DecodeError("binary frames are not relayed")
        return frame


def _write(record: IO[bytes] | None, frame: bytes) -> None:
    """A frame as one line of ``record`` (see the module)."""
    if record is not None:
        one_line = b"\n" in frame or b"\r" in frame
        record.write((frame.translate(_ONE_LINE) if one_line else frame) + b"\n")


async def _refuse(source: _Socket, exc: DecodeError, record: IO[bytes] | None) -> None:
    reply = error_frame(f"rt_fast relay: {exc}", exc.path, "event_rtfast_relay")
    _write(record, reply)
    await source.send(reply, text=True)


def _received(message: str | bytes) -> tuple[bytes, bool]:
    """A message's bytes, and whether it came as text (websockets checked its UTF-8)."""
    return (message.encode(), True) if isinstance(message, str) else (message, False)


async def _mirror(close: Close | None, sink: _Socket, lost: str) -> None:
    """Close ``sink`` as the other side closed (see the module)."""
    if close is None:
        await sink.close(CloseCode.INTERNAL_ERROR, lost)
    elif close.code == CloseCode.NO_STATUS_RCVD:  # websockets sends a close without a code
        await sink.close(None)  # type: ignore[arg-type]  # for None, not its annotation's int
    else:
        await sink.close(close.code, close.reason)


async def _pump(source: _Socket, sink: _Socket, router: _Router, record: IO[bytes] | None,
                lost: str) -> None:  # fmt: skip
    """Forward ``source``'s frames to ``sink`` until either closes; then close the other alike.
    (No frame stays referenced here while the next is awaited.)"""
    try:
        while True:
            await _forward(*_received(await source.recv()), source, sink, router, record)
    except ConnectionClosed as closed:
        await _mirror(closed.rcvd, sink, lost)


async def _forward(frame: bytes, text: bool, source: _Socket, sink: _Socket, router: _Router,
                   record: IO[bytes] | None) -> None:  # fmt: skip
    """One frame: refused (an error event to ``source``), dropped, or sent to ``sink``."""
    try:
        forwarded = router.route(frame) if text else router.binary(frame)
    except DecodeError as exc:
        await _refuse(source, exc, record)
        return
    if forwarded is not None:
        if text:
            _write(record, forwarded)
        await sink.send(forwarded, text=text)


def _upstream_url(upstream: str, path: str) -> str:
    """``upstream`` with the query parameters of the client's ``path`` after its own, which win."""
    parts = urlsplit(upstream)
    own = parse_qsl(parts.query, keep_blank_values=True)
    taken = {key for key, _ in own}
    theirs = parse_qsl(urlsplit(path).query, keep_blank_values=True)
    query = urlencode(own + [(key, value) for key, value in theirs if key not in taken])
    return urlunsplit(parts._replace(query=query))


def _unreachable(exc: Exception) -> str:
    """What a client is told when the upstream cannot be opened: never its URL or address (nor
    in the log, where the exception's text may hold the URL and its key)."""
    _log.warning("rt_fast relay: upstream unreachable: %s", type(exc).__name__)
    if isinstance(exc, InvalidStatus):
        return f"upstream refused: HTTP {exc.response.status_code}"
    return "upstream unreachable"


def _tags(direction: str) -> set[str]:
    return {tag for generation in GENERATIONS.values() for tag in getattr(generation, direction)}


async def relay(
    upstream: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: Mapping[str, Handler] | None = None,
    server: Mapping[str, Handler] | None = None,
    on_decode_error: OnDecodeError | None = None,
    record: IO[bytes] | None = None,
    **options: Any,
) -> Server:
    """Start a relay to ``upstream`` (``wss://api.openai.com/v1/realtime``, a local server):
    ``async with await relay(...) as running``. ``client`` and ``server`` map type globs to
    the handlers of the frames each side sends; ``on_decode_error`` hears of each upstream frame
    forwarded without its handlers because it cannot be typed; ``record`` is a binary file
    (see the module). ``options`` go to both websockets connections (``max_queue`` is 1 unless
    given: see the module's Memory)."""
    options = socket_options({"max_queue": _MAX_QUEUE, **options})
    tell = on_decode_error or (lambda frame, error: None)
    from_client = _Router(client or {}, decode_client_event, _tags("CLIENT_EVENTS"), None)
    from_server = _Router(server or {}, decode_server_event, _tags("SERVER_EVENTS"), tell)

    async def handler(downstream: ServerConnection) -> None:
        request = downstream.request
        assert request is not None  # a handler runs after the handshake
        headers = {k: v for k, v in request.headers.raw_items() if k.lower() == "authorization"}
        url = _upstream_url(upstream, request.path)
        try:
            up = await connect(url, additional_headers=headers, **options)
        except Exception as exc:  # refused, unreachable, a bad URL: see _unreachable
            await downstream.close(CloseCode.INTERNAL_ERROR, _unreachable(exc))
            return
        async with up:
            await asyncio.gather(
                _pump(downstream, up, from_client, record, "client connection lost"),
                _pump(up, downstream, from_server, record, "upstream connection lost"),
            )

    return await serve(handler, host, port, **options)


def run(upstream: str, *, host: str, port: int, record: str | None) -> None:
    """Relay until interrupted (``rt-fast relay``), saying where on standard output."""

    async def forever(log: IO[bytes] | None) -> None:
        async with await relay(upstream, host=host, port=port, record=log) as running:
            bound, at = running.sockets[0].getsockname()[:2]
            print(f"rt-fast relay: ws://{bound}:{at} -> {upstream}; Ctrl-C stops", flush=True)
            await running.serve_forever()

    with contextlib.ExitStack() as stack:
        log = stack.enter_context(open(record, "ab", buffering=0)) if record else None
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(forever(log))
