"""A relay (the ``ws`` extra): client <-> rt_fast <-> upstream Realtime server, bytes unchanged.

Each frame's bytes are forwarded as they came, in order, unless a handler replaces or drops
them. Handlers are registered per direction and per event type, or a glob of types
(``"response.*"``): a handler is called with the typed event and the frame's bytes and returns
the frame to forward (the same or another: ``bytes``, ``str``, sent UTF-8 encoded, or a
``bytearray`` or ``memoryview``, sent as its bytes) or None to drop it. Each handler of a type
gets the frame the one before returned, and that frame's event (decoded again only where it is
another frame); the frame the last one returns is forwarded as it is, the handler's to vouch for.

What each side may send:

* from the client, a frame is forwarded only if the decoder takes it: every client frame is
  decoded (``decode_client_event(frame, "auto")``: GA frames as GA's, a beta or translation
  client's as its own) before anything else, and its handlers get that event, so routing equals
  decoding. A frame the decoder refuses (not JSON, bytes after it, a raw control character in a
  string, a field of the wrong type, ``type`` repeated), a binary frame, and a frame whose type
  is a server event's of some generation and a client event's of none (``response.done``,
  ``session.created``: the API answers those with an error too) are never forwarded: the client
  gets an ``error`` event, whose ``event_id`` is the relay's next. A well-formed frame of a type
  no generation has is forwarded (forward compatibility). Refusing server types is what keeps a
  bare record honest until records say who sent each line: no client can write a line that
  ``rt-fast stats`` counts as usage or that ``rt-fast serve --replay`` plays;
* from the upstream, every frame is forwarded (a binary one as binary), routed by
  ``rt_fast.peek_type`` and decoded only where a handler wants its type: where one cannot be
  typed, its handlers are skipped and ``on_decode_error(frame, error)`` hears why. The relay
  never sends the upstream anything the client did not send.

A handler (or ``on_decode_error``) that raises, or returns anything else, ends its session at
once: the client gets an ``error`` event (``server_error``) and both sides a 1011 close
(``relay handler failed``), the failure is logged once, at error level on ``rt_fast.relay``,
without a traceback, and the other sessions go on. While such a close waits for its peer's, the
relay reads and drops what the peer still sends (a peer's close would otherwise wait behind a
frame nobody reads: see Memory); a peer that has not closed within 1 s is cut off.

Connections. The upstream's URL is ``upstream`` with the client's query parameters added to
its own, which win (a key or a version set there stays); the client's ``Authorization`` header
is passed on. A client never learns the upstream's URL or address: if it cannot be opened, the
client's close says ``upstream unreachable`` (or ``upstream refused: HTTP 401``); ``run`` prints
it without its query or user. A close on either side closes the other with the same code and
reason, or with none where none came (a browser's ``ws.close()``); a connection that ends
without a close (a reset, a vanished peer) closes the other with 1011, ``upstream connection
lost`` or ``client connection lost``.

Memory. Each direction awaits its send before its next receive, and the relay's sockets stop
reading while more than one received frame waits (websockets' ``max_queue``: 1 here, not its
16, with which a stalled reader let one client make the relay hold 22 frames, 350 MiB): a side
that stops reading holds the other back. Per connection and direction the relay then holds at
most two frames waiting, the one being forwarded and websockets' framed copy of it, and under
512 KiB besides (the rest of one socket read, the write buffer's 32 KiB): 64.5 MiB at the
16 MiB frame limit, under 1 MiB when the frames are a session's 17 KB audio deltas. A client
is read only while the relay can write to it (``ws.server_options``): one that pings and never
reads the pongs holds the relay to its write buffer (websockets answers each ping). A frame's
event lives only while it is decoded and its handlers run, never while a frame is sent (an audio
event holds its payload as a ``str``: the frame's size again, for that while). Types are
matched to handlers by a table built once from the types rt_fast knows, others as they come:
nothing a peer sends is kept after its frame is forwarded.

Record. ``record`` gets one line per frame either side received, in order: each frame
forwarded (as forwarded, after the handlers) and each ``error`` event the relay sent a client;
frames refused, dropped or binary are not written. The bytes are unchanged but for a raw CR or
LF, each written as a tab: outside strings all three are JSON whitespace, and inside a string a
raw CR or LF is invalid JSON, as a tab is (the decoder refuses it in a client frame; an upstream
frame, or a handler's, that holds one is written as invalid as it came), so the line means what
the frame meant and stays one line. A line is written whole or not at all: where a write fails
or falls short (a full disk, a file size limit), the file is truncated back to where the line
began (if it can be: a file, not a pipe; opened unbuffered, as ``run`` opens it) and recording
stops, with one warning on ``rt_fast.relay`` naming the file and the error; the sessions go on.
``run`` (``rt-fast relay --record LOG``) appends to LOG, never into a compressed one (gzip or
zstd, told by its magic bytes: plain lines after them would make it unreadable), which is a
``ValueError`` before the relay starts; where LOG holds something without a final newline, it
first gets one, so that its last line stays its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fnmatch
import itertools
import logging
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close, CloseCode

from . import ga
from ._audio import peek_type
from ._codec import GENERATIONS, decode_client_event, decode_server_event, encode
from ._errors import DecodeError
from ._sources import decompressor
from .ws import error_frame, server_options, socket_options

__all__ = ["Handler", "OnDecodeError", "relay", "run"]

Handler = Callable[[Any, bytes], "bytes | str | bytearray | memoryview | None"]
"""``handler(event, frame) -> frame to forward, or None to drop it``."""

OnDecodeError = Callable[[bytes, DecodeError], None]
"""``on_decode_error(frame, error)``: an upstream frame forwarded without its handlers."""

_Socket = ServerConnection | ClientConnection

_log = logging.getLogger(__name__)
_MAX_QUEUE = 1  # frames a relay's socket lets wait before it stops reading: see Memory
_ONE_LINE = bytes.maketrans(b"\r\n", b"\t\t")  # see the module: Record
_FAILED = "relay handler failed"  # the close reason when a handler failed
_CLOSE_WAIT = 1.0  # seconds such a close waits for each peer's before cutting it off
_event_ids = itertools.count(1)  # the relay's error events, each its own event_id
_AS_FRAME: dict[type, Callable[[Any], bytes]] = {  # what else a handler may return: its bytes
    str: str.encode,
    bytearray: bytes,
    memoryview: bytes,
}


def _tags(direction: str) -> set[str]:
    return {tag for generation in GENERATIONS.values() for tag in getattr(generation, direction)}


_SERVER_ONLY = frozenset(_tags("SERVER_EVENTS") - _tags("CLIENT_EVENTS"))  # see the module


class _HandlerFailed(Exception):
    """A handler raised, or returned no frame: its session ends (see the module)."""


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _call(handler: Callable[..., Any], *args: Any) -> Any:
    """``handler(*args)``; whatever it raises is ``_HandlerFailed``."""
    try:
        return handler(*args)
    except Exception as exc:
        raise _HandlerFailed(f"the handler {_name(handler)} raised {exc!r}") from exc


def _frame_of(handler: Handler, returned: Any) -> bytes:
    """The bytes of a frame ``handler`` returned, not as ``bytes`` (see the module); anything
    else is ``_HandlerFailed``."""
    convert = _AS_FRAME.get(type(returned))
    try:
        if convert is not None:
            return convert(returned)
    except UnicodeError as exc:  # a str holding a lone surrogate
        raise _HandlerFailed(f"the handler {_name(handler)} returned {exc}") from exc
    kind = type(returned).__name__
    raise _HandlerFailed(f"the handler {_name(handler)} returned {kind}, not a frame or None")


def _client_event(frame: bytes) -> Any:
    """A client frame's event, as the decoder gives it (any generation); ``DecodeError`` where it
    refuses the frame, and for a type only servers send (see the module)."""
    event = decode_client_event(frame, "auto")
    if event.type in _SERVER_ONLY:
        raise DecodeError(f"{event.type!r} is a server event type: a client cannot send it",
                          path="$.type")  # fmt: skip
    return event


class _Router:
    """One direction's handlers: a table by type, built once from the types rt_fast knows
    (others are matched as they come, never kept), and how the direction types a frame."""

    def __init__(self, handlers: Mapping[str, Handler], known: Iterable[str]) -> None:
        self.handlers = dict(handlers)
        self.table = {tag: self.match(tag) for tag in known}  # built once, never grows

    def match(self, tag: str) -> tuple[Handler, ...]:
        return tuple(h for glob, h in self.handlers.items() if fnmatch.fnmatchcase(tag, glob))

    def wanted(self, tag: str) -> tuple[Handler, ...]:
        found = self.table.get(tag)
        return self.match(tag) if found is None else found

    def handle(self, frame: bytes, handlers: tuple[Handler, ...],
               event: Any = None) -> bytes | None:  # fmt: skip
        """Each handler in turn, with the event of the frame the one before returned (``event``,
        where given, is ``frame``'s)."""
        typed = None if event is None else frame
        for handler in handlers:
            if typed is not frame:
                try:
                    event, typed = self.decode(frame), frame
                except DecodeError as exc:
                    return self.untyped(frame, exc)
            returned = _call(handler, event, frame)
            if returned is None:
                return None
            frame = returned if returned.__class__ is bytes else _frame_of(handler, returned)
        return frame

    def decode(self, frame: bytes) -> Any:
        raise NotImplementedError

    def untyped(self, frame: bytes, exc: DecodeError) -> bytes:
        """What becomes of a frame that cannot be typed: forwarded, or ``DecodeError``."""
        raise exc


class _FromClient(_Router):
    """Client frames: each decoded first, refused (``DecodeError``) where it cannot be taken."""

    def decode(self, frame: bytes) -> Any:
        return _client_event(frame)

    def route(self, frame: bytes) -> bytes | None:
        """The frame to forward, or None to drop it (``DecodeError``: refuse it)."""
        event = _client_event(frame)
        handlers = self.wanted(event.type)
        return self.handle(frame, handlers, event) if handlers else frame

    def binary(self, frame: bytes) -> bytes:
        raise DecodeError("binary frames are not relayed")  # the API speaks text frames only


class _FromServer(_Router):
    """Upstream frames: each forwarded, typed only for its handlers (``on_error`` told where it
    cannot be)."""

    def __init__(self, handlers: Mapping[str, Handler], known: Iterable[str],
                 on_error: OnDecodeError) -> None:  # fmt: skip
        super().__init__(handlers, known)
        self.on_error = on_error

    def decode(self, frame: bytes) -> Any:
        return decode_server_event(frame)

    def route(self, frame: bytes) -> bytes | None:
        """The frame to forward, or None to drop it."""
        if not self.handlers:
            return frame
        try:
            handlers = self.wanted(peek_type(frame))
        except DecodeError as exc:
            return self.untyped(frame, exc)
        return self.handle(frame, handlers) if handlers else frame

    def untyped(self, frame: bytes, exc: DecodeError) -> bytes:
        _call(self.on_error, frame, exc)
        return frame

    def binary(self, frame: bytes) -> bytes:
        return frame


class _Record:
    """The record's lines, each written whole or not at all; the first that cannot be written
    stops the recording (see the module: Record)."""

    def __init__(self, file: IO[bytes] | None) -> None:
        self.file = file

    def write(self, frame: bytes) -> None:
        if self.file is None:
            return
        one_line = b"\n" in frame or b"\r" in frame
        line = b"".join((frame.translate(_ONE_LINE) if one_line else frame, b"\n"))
        start = None
        try:
            start = self.file.tell() if self.file.seekable() else None
            _write_whole(self.file, line)
        except OSError as exc:
            self.stop(start, exc)

    def stop(self, start: int | None, exc: OSError) -> None:
        """Take back a line written in part, and write no more."""
        file, self.file = self.file, None
        assert file is not None
        if start is not None:
            with contextlib.suppress(OSError):
                file.truncate(start)
        name = getattr(file, "name", "the record")
        _log.warning("rt_fast relay: recording stopped: cannot write to %s: %s", name, exc)


def _write_whole(file: IO[bytes], data: bytes) -> None:
    """``data`` written whole to ``file``, or ``OSError``: a short write is retried, so that a
    file with no room left says why."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:  # 0, or None: a non-blocking file that cannot take it now
            raise BlockingIOError(errno.EAGAIN, "the file took none of the line")
        view = view[written:]


def _event_id() -> str:
    return f"event_rtfast_relay{next(_event_ids):08d}"


def _server_error(message: str) -> bytes:
    """The API's ``error`` event for a fault of the relay's own, not the client's."""
    error = ga.RealtimeError(type="server_error", message=message)
    return encode(ga.ErrorEvent(event_id=_event_id(), error=error))


async def _refuse(source: _Socket, exc: DecodeError, record: _Record) -> None:
    reply = error_frame(f"rt_fast relay: {exc}", exc.path, _event_id())
    record.write(reply)
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


async def _pump(source: _Socket, sink: _Socket, router: _FromClient | _FromServer,
                record: _Record, lost: str) -> None:  # fmt: skip
    """Forward ``source``'s frames to ``sink`` until either closes; then close the other alike
    (``_HandlerFailed``: a handler failed). No frame stays referenced here while the next is
    awaited."""
    try:
        while True:
            await _forward(*_received(await source.recv()), source, sink, router, record)
    except ConnectionClosed as closed:
        await _mirror(closed.rcvd, sink, lost)


async def _forward(frame: bytes, text: bool, source: _Socket, sink: _Socket,
                   router: _FromClient | _FromServer, record: _Record) -> None:  # fmt: skip
    """One frame: refused (an error event to ``source``), dropped, or sent to ``sink``."""
    try:
        forwarded = router.route(frame) if text else router.binary(frame)
    except DecodeError as exc:
        await _refuse(source, exc, record)
        return
    if forwarded is not None:
        if text:
            record.write(forwarded)
        await sink.send(forwarded, text=text)


async def _session(client: ServerConnection, up: ClientConnection,
                   routers: tuple[_FromClient, _FromServer], record: _Record) -> None:  # fmt: skip
    """Both directions until both close, or until a handler fails (see the module)."""
    pumps = [
        asyncio.ensure_future(_pump(client, up, routers[0], record, "client connection lost")),
        asyncio.ensure_future(_pump(up, client, routers[1], record, "upstream connection lost")),
    ]
    try:
        await asyncio.gather(*pumps)
    except _HandlerFailed as failed:
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        await _fail(client, up, failed, record)
    finally:
        for pump in pumps:  # one still running where the other raised what no rule expects
            pump.cancel()


async def _fail(client: ServerConnection, up: ClientConnection, failed: _HandlerFailed,
                record: _Record) -> None:  # fmt: skip
    """End a session whose handler failed: logged once, the client told, both sides closed."""
    _log.error("rt_fast relay: %s; its session is closed (1011)", failed)
    reply = _server_error("rt_fast relay: a handler failed; the session ends")
    record.write(reply)
    await asyncio.gather(_end(client, reply), _end(up, None))


async def _end(connection: _Socket, reply: bytes | None) -> None:
    """Send ``reply``, if any, and close with 1011, reading and dropping what still comes so that
    the peer's close can arrive; after ``_CLOSE_WAIT`` seconds, cut the connection off."""

    async def closing() -> None:
        with contextlib.suppress(ConnectionClosed):
            if reply is not None:
                await connection.send(reply, text=True)
            await connection.close(CloseCode.INTERNAL_ERROR, _FAILED)

    async def dropping() -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await connection.recv(decode=False)

    dropped = asyncio.ensure_future(dropping())
    try:
        await asyncio.wait_for(closing(), _CLOSE_WAIT)
    except asyncio.TimeoutError:
        connection.transport.abort()
    await dropped


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
    forwarded without its handlers because it cannot be typed; ``record`` is a binary file,
    best unbuffered (see the module). ``options`` go to both websockets connections
    (``max_queue`` is 1 unless given, and the client's side is ``ws.server_options``: see the
    module's Memory)."""
    options = socket_options({"max_queue": _MAX_QUEUE, **options})
    tell = on_decode_error or (lambda frame, error: None)
    routers = (_FromClient(client or {}, _tags("CLIENT_EVENTS")),
               _FromServer(server or {}, _tags("SERVER_EVENTS"), tell))  # fmt: skip
    lines = _Record(record)

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
            await _session(downstream, up, routers, lines)

    return await serve(handler, host, port, **server_options(options))


def _shown(url: str) -> str:
    """``url`` as ``run`` prints it: without its query, fragment and user, where keys go."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))


def _appending(path: str) -> IO[bytes]:
    """``path`` opened to append a record to (see the module: Record)."""
    file = open(path, "ab", buffering=0)  # noqa: SIM115 - the caller's to close
    try:
        status = os.fstat(file.fileno())
        if stat.S_ISREG(status.st_mode) and status.st_size:
            _continue(path, file)
    except BaseException:
        file.close()
        raise
    return file


def _continue(path: str, file: IO[bytes]) -> None:
    """Go on after what a record file holds: never into a compressed log, and on a new line."""
    with open(path, "rb") as old:
        if decompressor(old) is not None:
            raise ValueError(f"{path} is a compressed log (gzip or zstd): --record appends "
                             "plain lines, which would make it unreadable; record to another "
                             "file")  # fmt: skip
        old.seek(-1, os.SEEK_END)
        ended = old.read(1) == b"\n"
    if not ended:
        try:
            _write_whole(file, b"\n")
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, path) from exc


def run(upstream: str, *, host: str, port: int, record: str | None) -> None:
    """Relay until interrupted (``rt-fast relay``), saying where on standard output."""

    async def forever(log: IO[bytes] | None) -> None:
        async with await relay(upstream, host=host, port=port, record=log) as running:
            bound, at = running.sockets[0].getsockname()[:2]
            print(f"rt-fast relay: ws://{bound}:{at} -> {_shown(upstream)}; Ctrl-C stops",
                  flush=True)  # fmt: skip
            await running.serve_forever()

    with contextlib.ExitStack() as stack:
        log = stack.enter_context(_appending(record)) if record else None
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(forever(log))
