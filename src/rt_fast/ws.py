"""The socket layer (the ``ws`` extra): a Realtime connection whose frames are rt_fast events.

``await rt_fast.ws.connect(url, api_key=...)`` opens a client connection to a Realtime endpoint
(``wss://api.openai.com/v1/realtime?model=...``, Azure's, a local one); ``connect_sync`` is the
same on ``websockets.sync`` for threaded gateways. ``protocol`` says how received frames decode
(``"ga"``, ``"beta"``, ``"translation"``, ``"live"``, ``"auto"``) and what ``send_audio``
sends; without a ``url``, the API's endpoint of that protocol (``URLS``): GPT-Live's is
``wss://api.openai.com/v1/live/sessions``, where the client's first frame is its
``session.start`` (the model goes there, not in the URL).

``recv()`` decodes each text frame straight from the socket's bytes (websockets then skips its
UTF-8 check: rt_fast's guard does it); ``recv(decode=False)`` gives the bytes. The sync
``recv(timeout)`` gives up ``timeout`` seconds after it was called, however many frames it
rejected meanwhile (the asyncio ``recv`` takes no timeout: wrap it in ``asyncio.wait_for``).
``send()`` takes an event (encoded by ``rt_fast.encode``) or a frame, always as a text frame: a
``str``, or a buffer (``bytes``, ``bytearray``, ``memoryview``) holding the frame's bytes, read
as the decoders read one (a view of other memory is copied once). A frame goes out only if the
decoders would take it as text (rt_fast's guard: at most 16 MiB, UTF-8, no lone surrogate in a
``str``, nested no deeper than the thread could decode); else, as for a strided view, ``send``
raises ``DecodeError``, nothing is sent and the connection stays open (a peer closes 1007 on a
text frame that is not UTF-8); ``send_audio(pcm)`` sends microphone PCM as the protocol's
append (``input_audio_buffer.append``, Live's ``session.input_audio.append``), built by
``rt_fast.encode_audio`` and held to the same size limit.

A frame that does not decode never ends the receive loop unless asked: with
``errors="report"`` (the default) it is handed to ``on_reject``, counted in
``rejected_count``, and the next frame is read; ``rejected`` keeps the first ``SHOWN`` (10)
whole, as ``rt-fast stats`` keeps a log's first rejected lines, so a flood of bad frames
cannot grow memory. ``errors="raise"`` raises ``DecodeError``. A frame of a type this
version does not know is an ``UnknownEvent``, and the API's ``error`` events are events, like
any other. Frames up to 16 MiB are read (the API's reach 15 MiB), uncompressed by default: on
a recorded response permessage-deflate saves 24% of the bytes (the base64 audio that dominates
them deflates little) at 8 to 13 times the CPU (``benchmarks/bench_relay.py``).

A gateway's server side (``rt_fast.server``) takes ``server_options``: one received frame may
wait before the socket stops reading (websockets' ``max_queue``: 1, not 16), and a
``BoundedServerConnection``, which reads its client only while it can write to it. While its
write buffer is over websockets' write limit (32 KiB) it stops reading; it reads again once the
buffer drains, unless the frames waiting keep it stopped (the queue resumes it when they are
taken, and a read while writes wait stops it again). websockets answers each ping with a pong:
a client that pings and never reads fills the write buffer once and is read no more, and its
own sends wait. A client must therefore read while it sends, as the SDK's clients do (in a task
of their own); one that does neither stays connected, holding no more (websockets' keepalive
ping waits on the same buffer). Never on both ends of a connection: two peers that each stop
reading while their writes wait would wait on each other.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as _connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import ClientConnection as SyncClientConnection
from websockets.sync.client import connect as _connect_sync

from ._audio import audio_field
from ._codec import GENERATIONS, encode_audio
from ._guard import check
from ._protocol import Errors, Reader, Rejected, text_frame

__all__ = [
    "BoundedServerConnection",
    "Connection",
    "Rejected",
    "SyncConnection",
    "URLS",
    "connect",
    "connect_sync",
    "server_options",
    "socket_options",
]


URLS = {
    "ga": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
    "live": "wss://api.openai.com/v1/live/sessions",
}
"""The API's endpoint of each protocol that has one of its own: where ``connect`` goes without a
``url``."""


def _url(url: str | None, protocol: str) -> str:
    if url is not None:
        return url
    if protocol not in URLS:
        raise ValueError(f"give the url of a {protocol!r} endpoint: only "
                         f"{', '.join(map(repr, URLS))} have a default")  # fmt: skip
    return URLS[protocol]


def socket_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """websockets options for Realtime traffic, every rt_fast socket's.

    Frames up to 16 MiB (the API's reach 15 MiB), no compression (24% fewer bytes at 8x+ the
    CPU).

    Args:
        options: websockets options that win over these.

    Returns:
        The options for websockets' ``connect`` or ``serve``.

    Examples:
        >>> socket_options({"ping_interval": None})["max_size"]
        16777216
    """
    return {"max_size": 16 * 1024 * 1024, "compression": None, **options}


class BoundedServerConnection(ServerConnection):
    """A server connection that reads its client only while it can write to it.

    Use it as ``serve(..., create_connection=BoundedServerConnection)`` (``server_options``
    does); see the module for why a gateway's server side needs it. It uses what websockets'
    asyncio connection has had since 14: ``paused`` (its writes), ``recv_messages.paused``
    (the queue's), ``transport``, and asyncio's flow-control callbacks. websockets' ``serve``
    makes it, with the arguments of websockets' ``ServerConnection``.
    """

    def pause_writing(self) -> None:
        """Stop reading the client while the write buffer is over its limit."""
        super().pause_writing()
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        """Read the client again once the write buffer drains, unless frames wait."""
        super().resume_writing()
        if not self.recv_messages.paused:  # else the queue resumes reading once it drains
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        """Take the client's bytes; stop reading again if writes still wait.

        Args:
            data: The bytes the transport received.
        """
        super().data_received(data)
        if self.paused:  # writes wait, yet reading went on: the queue drained meanwhile
            self.transport.pause_reading()


def server_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """websockets ``serve`` options for a gateway's server side (see the module).

    ``socket_options``, no more than one received frame waiting before the socket stops
    reading (``max_queue`` 1, not websockets' 16: a client that sends 16 MiB frames it waits
    on would hold 16 of them), and ``BoundedServerConnection``.

    Args:
        options: websockets options that win over these.

    Returns:
        The options for websockets' ``serve``.
    """
    return socket_options({"max_queue": 1, "create_connection": BoundedServerConnection,
                           **options})  # fmt: skip


class _Frames:
    """What both connections share: how frames become events (``_protocol.Reader``) and events
    frames."""

    def __init__(self, protocol: str, errors: Errors,
                 on_reject: Callable[[Rejected], None] | None) -> None:  # fmt: skip
        self.reader = Reader(protocol, errors, on_reject)
        events = GENERATIONS.get(protocol, GENERATIONS["ga"]).CLIENT_EVENTS  # auto: GA's
        self.append = next(c for c in events.values() if audio_field(c) == "audio")
        self.event = self.reader.event

    @property
    def rejected(self) -> list[Rejected]:
        return self.reader.rejected

    @property
    def rejected_count(self) -> int:
        return self.reader.rejected_count

    frame = staticmethod(text_frame)

    def audio(self, pcm: bytes | bytearray | memoryview, **fields: Any) -> bytes:
        """The append of ``pcm``, held to the limits ``send`` keeps (``DecodeError``): a peer
        closes the connection (1009) on a frame over them."""
        frame = encode_audio(self.append, pcm, **fields)
        check(frame)
        return frame


def _headers(api_key: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(headers or {})
    if api_key is not None:
        merged.setdefault("Authorization", f"Bearer {api_key}")
    return merged


class Connection:
    """An asyncio Realtime connection, made by ``connect``.

    ``async for event in connection`` receives events until the peer closes normally;
    ``async with`` closes it on leaving.

    Args:
        socket: The websockets client connection it reads and writes.
        frames: How frames become events and events frames (made by ``connect``).

    Attributes:
        socket: The websockets client connection.
    """

    def __init__(self, socket: ClientConnection, frames: _Frames) -> None:
        self.socket, self._frames = socket, frames

    @property
    def rejected(self) -> list[Rejected]:
        """The first ``SHOWN`` (10) frames ``recv`` could not decode, with ``errors="report"``."""
        return self._frames.rejected

    @property
    def rejected_count(self) -> int:
        """How many frames ``recv`` could not decode, with ``errors="report"``."""
        return self._frames.rejected_count

    async def recv(self, *, decode: bool = True) -> Any:
        """Receive the next event; to give up after a time, wrap it in ``asyncio.wait_for``.

        Args:
            decode: Whether to decode the frame; ``False`` gives its bytes (or ``str``) as
                received.

        Returns:
            The next event (``UnknownEvent`` for a type this version does not know; the API's
            ``error`` events are events too), or the next frame with ``decode=False``.

        Raises:
            DecodeError: A frame does not decode, with ``errors="raise"``.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        while True:
            frame = await self.socket.recv(decode=False)
            if not decode:
                return frame
            ok, event = self._frames.event(frame)
            if ok:
                return event

    async def __aiter__(self) -> AsyncIterator[Any]:
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def send(self, event: Any) -> None:
        """Send an event, or a frame as it is, as a text frame.

        Args:
            event: A model (encoded by ``rt_fast.encode``), or a frame: a ``str``, or a
                ``bytes``, ``bytearray`` or ``memoryview`` holding its UTF-8.

        Raises:
            DecodeError: The decoders would refuse the frame as text (not UTF-8, a lone
                surrogate, over 16 MiB, nested too deep, a strided or released view): nothing
                is sent and the connection stays open.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        await self.socket.send(self._frames.frame(event), text=True)

    async def send_audio(self, pcm: bytes | bytearray | memoryview, **fields: Any) -> None:
        """Send microphone PCM as this protocol's append of input audio.

        GA's ``input_audio_buffer.append``, Live's ``session.input_audio.append``.

        Args:
            pcm: The audio (PCM16 or G.711 bytes, as the session's format says).
            **fields: The event's other fields (``event_id``).

        Raises:
            TypeError: A field is unknown, or ``pcm`` is not a buffer.
            DecodeError: The frame would be over 16 MiB (about 12 MiB of audio): nothing is
                sent and the connection stays open.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        await self.socket.send(self._frames.audio(pcm, **fields), text=True)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection and wait for the closing handshake.

        Args:
            code: The close code.
            reason: The close reason.
        """
        await self.socket.close(code, reason)

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def connect(
    url: str | None = None,
    *,
    api_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    protocol: str = "ga",
    errors: Errors = "report",
    on_reject: Callable[[Rejected], None] | None = None,
    **options: Any,
) -> Connection:
    """Open an asyncio Realtime connection whose frames are rt_fast events.

    Args:
        url: The endpoint: ``wss://api.openai.com/v1/realtime?model=...``, Azure's, or a
            local one (``ws://127.0.0.1:PORT/v1/realtime``); None: ``URLS[protocol]``.
        api_key: Sent as ``Authorization: Bearer <api_key>`` unless ``headers`` has one.
        headers: Extra headers of the opening handshake (Azure's ``api-key``, ...).
        protocol: The generation received frames decode by: ``"ga"``, ``"beta"``,
            ``"translation"``, ``"live"`` or ``"auto"``.
        errors: ``"report"`` (a frame that does not decode is handed to ``on_reject``,
            counted, and the next one is read) or ``"raise"`` (``recv`` raises
            ``DecodeError``).
        on_reject: Called with each ``Rejected`` frame, with ``errors="report"``.
        **options: Passed to websockets' ``connect``, over rt_fast's ``socket_options``.

    Returns:
        The open connection.

    Raises:
        ValueError: ``protocol`` or ``errors`` is not one of the above, or ``url`` is None
            for a protocol without a default endpoint.
        OSError: The endpoint cannot be reached.
        websockets.exceptions.InvalidHandshake: The server refused the handshake (an
            ``InvalidStatus`` for an HTTP status such as 401).

    Examples:
        Against the local server (``rt_fast.server``), as against the API:

        >>> import asyncio
        >>> async def first_types(url):
        ...     async with await rt_fast.ws.connect(url, api_key="sk-test") as connection:
        ...         await connection.send(rt_fast.ga.ResponseCreateEvent())
        ...         return [(await connection.recv()).type for _ in range(3)]
        >>> with rt_fast.server.running() as server:
        ...     asyncio.run(asyncio.wait_for(first_types(server.url), 30))
        ['session.created', 'response.created', 'response.output_item.added']
    """
    frames = _Frames(protocol, errors, on_reject)
    headers = _headers(api_key, headers)
    url = _url(url, protocol)
    socket = await _connect(url, additional_headers=headers, **socket_options(options))
    return Connection(socket, frames)


class SyncConnection:
    """``Connection`` on ``websockets.sync``, for threads, made by ``connect_sync``.

    ``for event in connection`` receives events until the peer closes normally; ``with``
    closes it on leaving.

    Args:
        socket: The websockets sync client connection it reads and writes.
        frames: How frames become events and events frames (made by ``connect_sync``).

    Attributes:
        socket: The websockets sync client connection.
    """

    def __init__(self, socket: SyncClientConnection, frames: _Frames) -> None:
        self.socket, self._frames = socket, frames

    @property
    def rejected(self) -> list[Rejected]:
        """The first ``SHOWN`` (10) frames ``recv`` could not decode, with ``errors="report"``."""
        return self._frames.rejected

    @property
    def rejected_count(self) -> int:
        """How many frames ``recv`` could not decode, with ``errors="report"``."""
        return self._frames.rejected_count

    def recv(self, timeout: float | None = None, *, decode: bool = True) -> Any:
        """Receive the next event.

        Args:
            timeout: Seconds to wait from the call, however many frames are rejected
                meanwhile; None waits for ever.
            decode: Whether to decode the frame; ``False`` gives its bytes (or ``str``) as
                received.

        Returns:
            The next event, or the next frame with ``decode=False``.

        Raises:
            TimeoutError: ``timeout`` seconds passed.
            DecodeError: A frame does not decode, with ``errors="raise"``.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            frame = self.socket.recv(left, decode=False)
            if not decode:
                return frame
            ok, event = self._frames.event(frame)
            if ok:
                return event

    def __iter__(self) -> Iterator[Any]:
        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    def send(self, event: Any) -> None:
        """Send an event, or a frame as it is, as a text frame (``Connection.send``, blocking).

        Args:
            event: A model, or a frame (``str``, or a buffer holding its UTF-8).

        Raises:
            DecodeError: The decoders would refuse the frame as text: nothing is sent.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        self.socket.send(self._frames.frame(event), text=True)

    def send_audio(self, pcm: bytes | bytearray | memoryview, **fields: Any) -> None:
        """Send microphone PCM as this protocol's append of input audio.

        Args:
            pcm: The audio (PCM16 or G.711 bytes, as the session's format says).
            **fields: The event's other fields (``event_id``).

        Raises:
            TypeError: A field is unknown, or ``pcm`` is not a buffer.
            DecodeError: The frame would be over 16 MiB (about 12 MiB of audio): nothing is
                sent and the connection stays open.
            websockets.exceptions.ConnectionClosed: The connection is closed.
        """
        self.socket.send(self._frames.audio(pcm, **fields), text=True)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection and wait for the closing handshake.

        Args:
            code: The close code.
            reason: The close reason.
        """
        self.socket.close(code, reason)

    def __enter__(self) -> SyncConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect_sync(
    url: str | None = None,
    *,
    api_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    protocol: str = "ga",
    errors: Errors = "report",
    on_reject: Callable[[Rejected], None] | None = None,
    **options: Any,
) -> SyncConnection:
    """Open a Realtime connection on ``websockets.sync``, for threaded gateways.

    Args:
        url: The endpoint: ``wss://api.openai.com/v1/realtime?model=...``, Azure's, or a
            local one (``ws://127.0.0.1:PORT/v1/realtime``); None: ``URLS[protocol]``.
        api_key: Sent as ``Authorization: Bearer <api_key>`` unless ``headers`` has one.
        headers: Extra headers of the opening handshake (Azure's ``api-key``, ...).
        protocol: The generation received frames decode by: ``"ga"``, ``"beta"``,
            ``"translation"``, ``"live"`` or ``"auto"``.
        errors: ``"report"`` (a frame that does not decode is handed to ``on_reject``,
            counted, and the next one is read) or ``"raise"`` (``recv`` raises
            ``DecodeError``).
        on_reject: Called with each ``Rejected`` frame, with ``errors="report"``.
        **options: Passed to websockets' ``connect``, over rt_fast's ``socket_options``.

    Returns:
        The open connection.

    Raises:
        ValueError: ``protocol`` or ``errors`` is not one of the above, or ``url`` is None
            for a protocol without a default endpoint.
        OSError: The endpoint cannot be reached.
        websockets.exceptions.InvalidHandshake: The server refused the handshake.

    Examples:
        >>> with rt_fast.server.running() as server:
        ...     with rt_fast.ws.connect_sync(server.url, api_key="sk-test") as connection:
        ...         connection.recv(timeout=30).type
        'session.created'
    """
    frames = _Frames(protocol, errors, on_reject)
    headers = _headers(api_key, headers)
    url = _url(url, protocol)
    opening = _connect_sync(url, additional_headers=headers, **socket_options(options))
    # websockets 17 wants connect() entered as a context manager (older ones return the
    # connection itself, whose __enter__ is itself): the connection closes with ours.
    socket: SyncClientConnection = opening.__enter__()  # type: ignore[assignment,unused-ignore]
    return SyncConnection(socket, frames)
