"""A relay (the ``ws`` extra): client <-> rt_fast <-> upstream Realtime server, bytes unchanged,
that a gateway can deploy: the upstream key stays on the relay, clients are checked at the
handshake, each session is seen, limits hold.

Keys. ``relay(upstream, api_key=...)`` (``rt-fast relay --api-key-env NAME``) or
``upstream_headers=`` (Azure's ``api-key``) give the relay the upstream credential; then no
client credential reaches the upstream. Without one (and without ``authenticate``) the relay
passes the client's ``Authorization`` on, as a plain proxy.

GPT-Live. A client at ``/v1/live/sessions`` is a Live session, relayed to the upstream's
Live endpoint (the upstream URL's ``/realtime`` ending as ``/live/sessions``): its frames are
read as Live's both ways (its handlers get ``rt_fast.live`` events), the relay's own replies
are Live's ``error`` events, and keys, client checks, records and metrics are as for Realtime.
``Session.protocol`` says which (``"ga"``, ``"live"``). Live's model is asked in the client's
``session.start``, not the URL: with ``models``, one outside them is refused there (an
``error``, not forwarded).

Handshake (``rt_fast._handshake``, before the upgrade): only the API's paths are served (404);
``authenticate(request)`` (sync or async; ``client_token=``/``--client-token-env`` checks one
shared token) gets the path, query, headers, peer and the client's token (bearer, or the
browser's ``openai-insecure-api-key.<token>`` subprotocol beside ``realtime``, negotiated back
as the API does) and returns the session's context or raises ``Refused`` (401/403); a
``?model=`` outside ``models`` is 403; a relay at ``Limits.sessions`` answers 503. Headers reach
the upstream by an allowlist (``forward_headers``); the client's query joins the upstream's.

Sessions. Each has a ``Session``: ``id`` (its own, 16 hex digits), ``peer``, ``request``,
``context``, per-direction ``frames`` and ``bytes`` counts, ``usage`` summed from each
``response.done``. Handlers are registered per direction and type glob (``"response.*"``):
``handler(event, frame)`` or ``handler(event, frame, session)``, sync or ``async``, returning
the frame to forward (the same or another: ``bytes``, ``str``, ``bytearray``, ``memoryview``)
or None to drop it; each handler of a type gets the frame the one before returned and its
event. ``on_open(session)`` runs before the first frame is relayed, ``on_close(session)`` once
both sides closed (sync or async); ``session.send_to_client(...)`` and
``session.send_to_upstream(...)`` send the relay's own frames (an event, or a frame the decoders
take: the upstream gets only client events), e.g. the gateway's ``session.update`` on open.

What each side may send: a client frame is forwarded only if the decoder takes it as a client
event of some generation (``_protocol.client_event``: a frame it refuses, a binary frame, a
type only servers send are answered with an ``error`` event whose ``event_id`` is the relay's,
and not forwarded); a well-formed frame of a type no generation has is forwarded. Every upstream
frame is forwarded (a binary one as binary), typed only for its handlers and for usage: where
one cannot be typed, its handlers are skipped and ``on_decode_error(frame, error)`` hears why.
The relay never sends the upstream anything the client did not send but its own injections.

Failure. A handler, hook or ``on_decode_error`` that raises, or a handler that returns anything
else, ends its session at once: the client gets an ``error`` event (``server_error``) and both
sides a 1011 close (``relay handler failed``), logged once on ``rt_fast.relay`` without a
traceback; the other sessions go on. Such a close waits up to 1 s for each peer's, reading and
dropping what still comes, then cuts the connection.

Limits (``Limits``, each with a default and a flag of ``rt-fast relay``): sessions open at once
(refused at the handshake, 503), idle seconds (no frame either way: both sides closed 1001,
``relay idle timeout``), session seconds (the client gets the API's ``session_expired`` error,
then both close 1001), and per direction the largest frame (websockets closes 1009 past it).

Connections. A client never learns the upstream's URL or address: if it cannot be opened, the
client's close says ``upstream unreachable`` (or ``upstream refused: HTTP 401``). A close on
either side closes the other with the same code and reason, or with none where none came; a
connection that ends without a close closes the other with 1011 (``upstream connection lost``,
``client connection lost``).

Speed and memory. A whole text frame is forwarded inside the callback of the connection that
received it (``rt_fast._forward``): typed, handled and written to the other side's websockets
protocol, no task woken for it. A frame that must wait (binary, fragmented, refused, given to
an ``async`` handler, or while the other side's write buffer is over its limit) goes through
websockets' queue to its direction's task, and the frames after it queue behind it: each
direction keeps its order. A connection stops reading while the other side's write buffer is
over its limit (until it drains) and while more than one received frame waits in its queue
(websockets' ``max_queue``: 1, not its 16): per connection and direction the relay holds at
most two frames waiting and under 512 KiB besides, 64.5 MiB at the 16 MiB frame limit. A
client is read only while the relay can write to it (as ``ws.server_options``); a peer that
pings and leaves over 1 MiB of pongs unread is cut (``_forward.PONGS_OWED``). Handler
tables are built once from the types rt_fast knows, others matched as they come; metrics label
only known types: nothing a peer sends is kept.

Record. ``record`` (a binary file, best unbuffered) gets one line per frame as it is
forwarded (a frame an ``async`` handler holds, and those queued behind it, when they go), as
``record_line`` writes it: the frame's arrival time (µs since the epoch), its
direction (``client``: a client event; ``server``: a server event), the session's id, and the
frame's bytes last, as forwarded (after the handlers). The relay's own frames (its ``error``
replies, injections) carry ``"origin":"relay"``. Frames refused, dropped or binary are not
written. A line is written whole or not at all: where a write fails or falls short (a full disk),
the file is truncated back to where the line began and recording stops, with one warning; the
sessions go on. ``run`` appends, never into a compressed file, and starts on a new line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from . import _record
from ._forward import EVENT_IDS, RelayClient, RelayServer, Side, Socket
from ._handshake import (
    FORWARDED,
    PATHS,
    ClientRequest,
    Gate,
    Refused,
    client_request,
    own_headers,
    protocol_of,
    select_subprotocol,
    token_check,
)
from ._limits import LIMITS
from ._metrics import Tally, serve_metrics
from ._protocol import client_event, server_error, text_frame
from ._record_file import RecordFile, appending
from ._routes import (
    CLIENT,
    DECODES,
    KNOWN,
    SERVER,
    TOKEN_KINDS,
    FromServer,
    Handler,
    HandlerFailed,
    OnDecodeError,
    Router,
    call,
    name_of,
)
from .ws import server_options, socket_options

__all__ = [
    "FORWARDED",
    "PATHS",
    "ClientRequest",
    "Handler",
    "Hook",
    "Limits",
    "OnDecodeError",
    "Refused",
    "Session",
    "RecordLine",
    "Tally",
    "read_record_line",
    "record_line",
    "relay",
    "run",
    "serve_metrics",
]

Hook = Callable[["Session"], Any]
"""``on_open(session)`` / ``on_close(session)``: a session hook, sync or async."""

_log = logging.getLogger(__name__)
_MAX_QUEUE = 1  # frames a relay's socket lets wait before it stops reading: see Speed and memory
_FAILED = "relay handler failed"  # the close reason when a handler failed
_CLOSE_WAIT = 1.0  # seconds such a close waits for each peer's before cutting it off


def record_line(
    time_us: int, direction: str, session: str, frame: bytes, origin: str | None = None
) -> bytes:
    """One line of a relay's record, and its newline.

    The line is ``{"time_us":<int>,"direction":"client"|"server","session":"<id>"
    [,"origin":"relay"],"frame":<the frame's bytes>}``; a raw CR or LF in the frame is written
    as a tab (JSON whitespace outside strings, invalid inside them), so the line stays one,
    and a frame that is not one JSON value as ``"text":<a JSON string of its text>`` in place
    of ``"frame"``, so that no frame can forge the line's members for a JSON reader (rt_fast's
    readers read that text as the frame).
    Every log reader (``read_log``, ``rt-fast stats``, ``rt_fast.dask``) reads such lines.

    Args:
        time_us: When the frame arrived, in microseconds since the epoch.
        direction: ``"client"`` (a client event) or ``"server"`` (a server event).
        session: The session's id; no quote or backslash.
        frame: The frame's bytes (a JSON object).
        origin: ``"relay"`` for the relay's own frames, else None.

    Returns:
        The line, ending with ``\\n``.

    Raises:
        ValueError: ``session`` holds a quote or backslash.

    Examples:
        >>> rt_fast.relay.record_line(1, "client", "0123456789abcdef", b'{"type":"x"}')
        b'{"time_us":1,"direction":"client","session":"0123456789abcdef","frame":{"type":"x"}}\\n'
    """
    return _record.record_line(time_us, direction, session, frame, origin) + b"\n"


class RecordLine(NamedTuple):
    """A line of a relay's record, read back by ``read_record_line``.

    Attributes:
        time_us: When the frame arrived, in microseconds since the epoch.
        direction: ``"client"`` (a client event) or ``"server"`` (a server event).
        session: The session's id (16 hex digits).
        origin: ``"relay"`` for the relay's own frames (its error replies, injections), else
            None.
        frame: The frame's bytes, as forwarded.
    """

    time_us: int
    direction: str
    session: str
    origin: str | None
    frame: bytes


def read_record_line(line: bytes) -> RecordLine | None:
    """Read back a line ``record_line`` wrote.

    Args:
        line: The line, its newline optional.

    Returns:
        Its fields and frame, or None for a line that is not a record's (a plain frame a
        line).

    Raises:
        DecodeError: The line starts as a record's and is not one.

    Examples:
        >>> line = rt_fast.relay.record_line(1, "client", "0123456789abcdef", b'{"type":"x"}')
        >>> rt_fast.relay.read_record_line(line).frame
        b'{"type":"x"}'
    """
    line = line.rstrip(b"\r\n")
    found = _record.unwrap(line, 0, len(line))
    if found is None:
        return None
    head, start, stop, text = found
    frame = _record.frame_in(line, start, stop, text)
    return RecordLine(head.time_us, head.direction, head.session, head.origin, frame)


@dataclass(frozen=True)
class Limits:
    """What one relay allows (see the module); each has an ``rt-fast relay`` flag.

    Attributes:
        sessions: Sessions open at once; one more is refused at the handshake (503).
        idle_seconds: Seconds without a frame either way before a session is closed (1001).
        session_seconds: Seconds a session may last (the API's sessions last up to 60
            minutes); then the client gets the API's ``session_expired`` error.
        client_frame_bytes: The largest frame a client may send (the API's audio appends
            reach 15 MiB); websockets closes 1009 past it.
        server_frame_bytes: The largest frame the upstream may send.

    Raises:
        ValueError: A limit is not positive.
    """

    sessions: int = LIMITS["sessions"]
    idle_seconds: float = LIMITS["idle_seconds"]
    session_seconds: float = LIMITS["session_seconds"]
    client_frame_bytes: int = LIMITS["client_frame_bytes"]
    server_frame_bytes: int = LIMITS["server_frame_bytes"]

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, not {value!r}")


class Session:
    """One client's session through the relay (see the module).

    Handlers and hooks get it; the relay makes one per client that passes the handshake.

    Args:
        request: The client's handshake.
        context: What ``authenticate`` returned for it.

    Attributes:
        id: The session's own id, 16 hex digits (a record's ``session``).
        request: The client's handshake (``ClientRequest``).
        context: What ``authenticate`` returned (None without it).
        peer: The client's address.
        frames: Frames relayed, by direction (``"client"``, ``"server"``).
        bytes: Bytes relayed, by direction.
        usage: Tokens summed from each ``response.done`` (``input_tokens``,
            ``output_tokens``, ``total_tokens``).
    """

    def __init__(self, request: ClientRequest, context: Any) -> None:
        self.id = secrets.token_hex(8)
        self.request, self.context, self.peer = request, context, request.peer
        self.protocol = protocol_of(request.path)
        self.frames = {CLIENT: 0, SERVER: 0}
        self.bytes = {CLIENT: 0, SERVER: 0}
        self.usage = dict.fromkeys(TOKEN_KINDS, 0)
        self.started = self.last = time.monotonic()
        self.sockets: dict[str, Socket] = {}  # by the direction of the frames sent on it
        self.record = RecordFile(None)

    async def send_to_client(self, event: Any) -> None:
        """Send the client an event, or a frame as it is, recorded as the relay's own.

        Args:
            event: A model, or a frame (``str``, or a buffer holding its UTF-8).

        Raises:
            DecodeError: The decoders would refuse the frame: nothing is sent.
            websockets.exceptions.ConnectionClosed: The client's connection is closed.
        """
        await self._send(SERVER, text_frame(event))

    async def send_to_upstream(self, event: Any) -> None:
        """Send the upstream a client event, recorded as the relay's own.

        Args:
            event: A client event, or a frame the decoder takes as one.

        Raises:
            DecodeError: The frame is not a client event of any generation: nothing is sent.
            websockets.exceptions.ConnectionClosed: The upstream connection is closed.
        """
        frame = text_frame(event)
        frame = frame.encode() if isinstance(frame, str) else bytes(frame)
        client_event(frame, DECODES[self.protocol][CLIENT])
        await self._send(CLIENT, frame)

    async def _send(self, direction: str, frame: bytes | bytearray | str) -> None:
        data = frame.encode() if isinstance(frame, str) else bytes(frame)
        self.record.write(direction, self.id, data, time.time_ns(), "relay")
        await self.sockets[direction].send(data, text=True)

    def __repr__(self) -> str:
        return f"<rt_fast.relay.Session {self.id} from {self.peer}>"


async def _end(connection: Socket, reply: bytes | None, code: int, reason: str) -> None:
    """Send ``reply``, if any, and close, reading and dropping what still comes so that the
    peer's close can arrive; after ``_CLOSE_WAIT`` seconds, cut the connection off."""

    async def closing() -> None:
        with contextlib.suppress(ConnectionClosed):
            if reply is not None:
                await connection.send(reply, text=True)
            await connection.close(code, reason)

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


async def _watch(session: Session, limits: Limits) -> tuple[bytes | None, str]:
    """Wait until ``session`` is idle too long or lasts too long: the reply and close reason."""
    expires = session.started + limits.session_seconds
    while True:
        idle_ends = session.last + limits.idle_seconds
        now = time.monotonic()
        if now >= expires:
            message = f"Your session hit the maximum duration of {limits.session_seconds:g} s."
            reply = server_error(message, next(EVENT_IDS), "session_expired",
                                 protocol=session.protocol)  # fmt: skip
            return reply, "relay session limit"
        if now >= idle_ends:
            return None, "relay idle timeout"
        await asyncio.sleep(min(expires, idle_ends) - now)


@dataclass(frozen=True)
class _Hooks:
    on_open: Hook | None
    on_close: Hook | None


class _Relay:
    """A relay's rules and state: the handshake, each session's run."""

    def __init__(
        self,
        gate: Gate,
        routers: dict[str, tuple[Router, Router]],
        record: RecordFile,
        hooks: _Hooks,
        limits: Limits,
        tally: Tally,
    ) -> None:
        self.gate, self.routers, self.record = gate, routers, record
        self.hooks, self.limits, self.tally = hooks, limits, tally
        self.admitted: dict[ServerConnection, tuple[ClientRequest, Any]] = {}
        self.upstream_options: dict[str, Any] = {}

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Admit a client (see the module: Handshake), or refuse it before the upgrade."""
        asked = client_request(request.path, request.headers, connection.remote_address)
        refused = self.gate.refusal(asked)
        context = None
        if refused is None:
            try:
                context = await self.gate.context(asked)
            except Refused as exc:
                refused = exc.status, exc.reason
            except Exception as exc:
                _log.error("rt_fast relay: authenticate raised %r; the client is refused", exc)
                refused = 500, "authentication failed"
        refused = refused or self.gate.model_refusal(asked) or self.capacity()
        if refused is not None:
            return self.refuse(connection, *refused)
        self.admitted[connection] = (asked, context)
        task = asyncio.current_task()  # websockets' task for this connection, handshake to end
        assert task is not None
        task.add_done_callback(lambda _: self.admitted.pop(connection, None))
        return None

    def capacity(self) -> tuple[int, str] | None:
        if len(self.admitted) >= self.limits.sessions:
            return 503, "too many sessions; try again later"
        return None

    def refuse(self, connection: ServerConnection, status: int, reason: str) -> Response:
        self.tally.refused(status)
        response = connection.respond(status, f"{reason}\n")
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def handle(self, downstream: ServerConnection) -> None:
        assert isinstance(downstream, RelayServer)  # serve's create_connection
        request, context = self.admitted[downstream]
        session = Session(request, context)
        try:
            opened = await self.connected(session, downstream)
        finally:
            self.admitted.pop(downstream, None)  # its place is free before on_close runs
        if opened:
            await self.closed(session)

    async def connected(self, session: Session, downstream: RelayServer) -> bool:
        """Run ``session`` to its end; whether its upstream could be opened."""
        headers = self.gate.upstream_headers(session.request)
        try:
            up: RelayClient = await connect(  # type: ignore[assignment]
                self.gate.url(session.request),
                additional_headers=headers,
                create_connection=RelayClient,
                **self.upstream_options,
            )
        except Exception as exc:  # refused, unreachable, a bad URL: see _unreachable
            await _end(downstream, None, CloseCode.INTERNAL_ERROR, _unreachable(exc))
            return False
        session.sockets.update({CLIENT: up, SERVER: downstream})
        session.record = self.record
        async with up:
            self.tally.sessions_open += 1
            self.tally.sessions_total += 1
            try:
                await self.run(session, downstream, up)
            finally:
                self.tally.sessions_open -= 1
        return True

    async def run(self, session: Session, client: RelayServer, up: RelayClient) -> None:
        """Both directions until both close, a limit ends the session or a handler fails."""
        routers = self.routers[session.protocol]
        client.side = Side(client, up, routers[0], session, self.tally)
        up.side = Side(up, client, routers[1], session, self.tally)
        sides = (client.side, up.side)
        try:
            await self.hook(self.hooks.on_open, session)
        except HandlerFailed as refused:
            await self.fail(session, client, up, refused)
            return
        tasks = (
            asyncio.ensure_future(sides[0].pump("client connection lost")),
            asyncio.ensure_future(sides[1].pump("upstream connection lost")),
        )
        pumps, watch = asyncio.gather(*tasks), asyncio.ensure_future(_watch(session, self.limits))
        try:
            await asyncio.wait((pumps, watch), return_when=asyncio.FIRST_COMPLETED)
            for connection in (client, up):  # nothing more goes the direct way
                connection.detach()
            limited = not pumps.done()
            failed = None if limited else pumps.exception()
            for task in tasks:  # the other still reads where one failed
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if limited and not pumps.cancelled():
                pumps.exception()  # retrieved: a pump that failed while it was cancelled
            await self.ended(session, client, up, failed, watch if limited else None)
        finally:
            for connection in (client, up):
                connection.detach()
            for future in (*tasks, watch):
                future.cancel()

    async def ended(
        self,
        session: Session,
        client: RelayServer,
        up: RelayClient,
        failed: BaseException | None,
        watch: asyncio.Future[tuple[bytes | None, str]] | None,
    ) -> None:
        """Close what a limit (``watch``, done) or a failed handler ended; a session both peers
        closed is done."""
        if isinstance(failed, HandlerFailed):
            await self.fail(session, client, up, failed)
        elif failed is not None:
            raise failed
        if watch is None:
            return
        reply, reason = watch.result()
        if reply is not None:
            self.record.write(SERVER, session.id, reply, time.time_ns(), "relay")
        await asyncio.gather(
            _end(client, reply, CloseCode.GOING_AWAY, reason),
            _end(up, None, CloseCode.GOING_AWAY, reason),
        )

    async def fail(
        self,
        session: Session,
        client: RelayServer,
        up: RelayClient,
        failed: HandlerFailed,
    ) -> None:
        """End a session whose handler failed: logged once, the client told, both closed."""
        self.tally.handler_errors += 1
        _log.error("rt_fast relay: %s; its session %s is closed (1011)", failed, session.id)
        reply = server_error("rt_fast relay: a handler failed; the session ends", next(EVENT_IDS),
                             protocol=session.protocol)  # fmt: skip
        self.record.write(SERVER, session.id, reply, time.time_ns(), "relay")
        await asyncio.gather(
            _end(client, reply, CloseCode.INTERNAL_ERROR, _FAILED),
            _end(up, None, CloseCode.INTERNAL_ERROR, _FAILED),
        )

    async def hook(self, hook: Hook | None, session: Session) -> None:
        """``hook(session)``, given ``Limits.idle_seconds`` at most; ``HandlerFailed`` where it
        raises or takes longer (a hook that never returns would hold its session forever)."""
        if hook is None:
            return
        try:
            await asyncio.wait_for(call(hook, session), self.limits.idle_seconds)
        except asyncio.TimeoutError:
            took = f"the hook {name_of(hook)} took over {self.limits.idle_seconds:g} s"
            raise HandlerFailed(took) from None

    async def closed(self, session: Session) -> None:
        try:
            await self.hook(self.hooks.on_close, session)
        except HandlerFailed as failed:
            self.tally.handler_errors += 1
            _log.error("rt_fast relay: on_close of session %s: %s", session.id, failed)


def _subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    chosen = select_subprotocol(offered)
    return None if chosen is None else Subprotocol(chosen)


def _unreachable(exc: Exception) -> str:
    """What a client is told when the upstream cannot be opened: never its URL or address (nor
    in the log, where the exception's text may hold the URL and its key)."""
    _log.warning("rt_fast relay: upstream unreachable: %s", type(exc).__name__)
    if isinstance(exc, InvalidStatus):
        return f"upstream refused: HTTP {exc.response.status_code}"
    return "upstream unreachable"


def _authenticate(
    authenticate: Callable[[ClientRequest], Any] | None, client_token: str | None
) -> Callable[[ClientRequest], Any] | None:
    if authenticate is not None and client_token is not None:
        raise ValueError("give authenticate or client_token, not both")
    return token_check(client_token) if client_token is not None else authenticate


async def relay(
    upstream: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: Mapping[str, Handler] | None = None,
    server: Mapping[str, Handler] | None = None,
    on_decode_error: OnDecodeError | None = None,
    record: IO[bytes] | None = None,
    api_key: str | None = None,
    upstream_headers: Mapping[str, str] | None = None,
    authenticate: Callable[[ClientRequest], Any] | None = None,
    client_token: str | None = None,
    forward_headers: Iterable[str] = FORWARDED,
    models: Iterable[str] | None = None,
    paths: Iterable[str] = PATHS,
    on_open: Hook | None = None,
    on_close: Hook | None = None,
    limits: Limits | None = None,
    tally: Tally | None = None,
    **options: Any,
) -> Server:
    """Start a relay to ``upstream`` on this event loop: ``async with await relay(...)``.

    The relay serves until the returned server is closed (leaving the ``async with`` block);
    ``await server.serve_forever()`` keeps it running.

    Args:
        upstream: The Realtime endpoint to relay to (``wss://api.openai.com/v1/realtime``,
            a local server); the client's query joins its own.
        host: The address to listen on.
        port: The port to listen on; 0 picks a free one
            (``server.sockets[0].getsockname()[1]``).
        client: Type globs (``"response.*"``) -> handlers of the frames clients send.
        server: Type globs -> handlers of the frames the upstream sends.
        on_decode_error: Hears of each upstream frame forwarded without its handlers, as it
            could not be typed.
        record: A binary file (best unbuffered) that gets one line per frame
            (``record_line``).
        api_key: The relay's upstream credential (``Authorization: Bearer``); then no client
            credential reaches the upstream.
        upstream_headers: Headers sent upstream (Azure's ``api-key``); a credential among
            them acts as ``api_key`` does.
        authenticate: Checks each client's handshake (``ClientRequest``), sync or async:
            returns the session's ``context``, or raises ``Refused``.
        client_token: One shared token clients must present (bearer, or the browser's
            subprotocol), instead of ``authenticate``.
        forward_headers: The client headers that reach the upstream (lower-case names).
        models: The models clients may ask for, in the URL's ``?model=`` (403 else) or in a
            ``session.update``'s or Live's ``session.start``'s session (the API's
            ``error`` else, the frame not forwarded); None: any.
        paths: The paths served (404 else).
        on_open: Runs before a session's first frame is relayed (sync or async).
        on_close: Runs once both sides of a session closed (sync or async).
        limits: What the relay allows; None: ``Limits()``.
        tally: Counts to add to (``serve_metrics`` serves them); None: counted nowhere.
        **options: Passed to both websockets connections.

    Returns:
        The running websockets server.

    Raises:
        ValueError: Both ``authenticate`` and ``client_token`` are given, or a key is
            empty.
        OSError: The address cannot be listened on.

    Examples:
        A relay that holds the upstream key, in front of the local server; a client connects
        to the relay as it would to the API. To keep a relay running, ``await
        server.serve_forever()`` inside the ``async with`` block (``rt-fast relay`` does).

        >>> import asyncio
        >>> async def through_relay(upstream):
        ...     async with await rt_fast.relay.relay(upstream, api_key="sk-relay") as server:
        ...         port = server.sockets[0].getsockname()[1]
        ...         url = f"ws://127.0.0.1:{port}/v1/realtime"
        ...         async with await rt_fast.ws.connect(url) as client:
        ...             return (await client.recv()).type
        >>> with rt_fast.server.running() as upstream:
        ...     asyncio.run(asyncio.wait_for(through_relay(upstream.url), 30))
        'session.created'
    """
    limits = limits or Limits()
    gate = Gate(
        upstream,
        own_headers(api_key, upstream_headers),
        _authenticate(authenticate, client_token),
        frozenset(h.lower() for h in forward_headers),
        None if models is None else frozenset(models),
        frozenset(paths),
    )
    tell = on_decode_error or (lambda frame, error: None)
    routers: dict[str, tuple[Router, Router]] = {
        protocol: (
            Router(client or {}, tell, protocol, gate.models),
            FromServer(server or {}, tell, protocol),
        )
        for protocol in DECODES
    }
    state = _Relay(
        gate, routers, RecordFile(record), _Hooks(on_open, on_close), limits, tally or Tally(())
    )
    shared = socket_options({"max_queue": _MAX_QUEUE, **options})
    state.upstream_options = {
        **shared,
        "max_size": options.get("max_size", limits.server_frame_bytes),
    }
    downstream = server_options(
        {
            **shared,
            "max_size": options.get("max_size", limits.client_frame_bytes),
            "create_connection": RelayServer,
        }
    )
    return await serve(
        state.handle,
        host,
        port,
        process_request=state.process_request,
        select_subprotocol=_subprotocol,
        **downstream,
    )


def _shown(url: str) -> str:
    """``url`` as ``run`` prints it: without its query, fragment and user, where keys go."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))


def run(
    upstream: str,
    *,
    host: str,
    port: int,
    record: str | None,
    metrics_port: int | None = None,
    **settings: Any,
) -> None:
    """Relay until interrupted (``rt-fast relay``), saying where on standard output.

    Args:
        upstream: The Realtime endpoint to relay to.
        host: The address to listen on.
        port: The port to listen on; 0 picks a free one.
        record: A path to append the record to (never a compressed log); None: no record.
        metrics_port: Serve Prometheus metrics on this port (the ``metrics`` extra); None:
            none.
        **settings: Passed to ``relay`` (``api_key``, ``client_token``, ``limits``, ...).

    Raises:
        ValueError: ``record`` is a compressed log, or ``relay`` refuses the settings.
        OSError: An address or the record cannot be opened.
        ModuleNotFoundError: ``metrics_port`` without ``prometheus_client``.
    """
    tally = Tally(KNOWN[CLIENT] | KNOWN[SERVER])

    async def forever(log: IO[bytes] | None, metrics: str) -> None:
        async with await relay(
            upstream, host=host, port=port, record=log, tally=tally, **settings
        ) as running:
            bound, at = running.sockets[0].getsockname()[:2]
            shown = f"ws://{bound}:{at} -> {_shown(upstream)}{metrics}"
            print(f"rt-fast relay: {shown}; Ctrl-C stops", flush=True)
            await running.serve_forever()

    with contextlib.ExitStack() as stack:
        log = stack.enter_context(appending(record)) if record else None
        metrics = ""
        if metrics_port is not None:
            try:
                exporter, bound = serve_metrics(tally, metrics_port, host)
            except OSError as exc:
                raise OSError(exc.errno, f"metrics port {metrics_port}: {exc.strerror}") from exc
            stack.callback(exporter)
            metrics = f"; metrics at http://{host}:{bound}/metrics"
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(forever(log, metrics))
