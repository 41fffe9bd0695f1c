"""A relay (the ``ws`` extra): client <-> rt_fast <-> upstream Realtime server, bytes unchanged.

Each frame's bytes are forwarded as they came, in order, unless a handler replaces or drops
them. Handlers are registered per direction and per event type, or a glob of types
(``"response.*"``); a frame is routed by ``rt_fast.peek_type`` and decoded, once, only when a
handler wants its type: a handler is called with the typed event and the frame's bytes and
returns the bytes to forward (the same, others) or None to drop the frame. A frame
``peek_type`` refuses (not a JSON object with a string ``type``, or one that repeats ``type``
so that readers could route it apart) is never forwarded: its sender gets an ``error`` event.

The client's path query (``?model=...``) and ``Authorization`` header reach the upstream; a
close on either side closes the other with the same code and reason; each direction awaits
its send before the next receive, so a slow reader holds back its sender instead of growing
memory. ``record`` writes every frame either side sent, bytes unchanged and in order, one a
line: a JSONL log ``rt-fast stats`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import functools
from collections.abc import Callable, Mapping
from typing import IO, Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ._audio import peek_type
from ._codec import decode_client_event, decode_server_event
from ._errors import DecodeError
from .ws import error_frame, socket_options

__all__ = ["Handler", "relay", "run"]

Handler = Callable[[Any, bytes], "bytes | None"]
"""``handler(event, frame) -> frame to forward, or None to drop it``."""


class _Router:
    """The handlers of one direction, by the types their globs match (resolved once a type)."""

    def __init__(self, handlers: Mapping[str, Handler], decode: Callable[[bytes], Any]) -> None:
        self.handlers, self.decode = dict(handlers), decode

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one router a relay, a bounded set of types
    def wanted(self, tag: str) -> tuple[Handler, ...]:
        return tuple(h for glob, h in self.handlers.items() if fnmatch.fnmatchcase(tag, glob))

    def route(self, frame: bytes) -> bytes | None:
        """The frame to forward (``DecodeError`` if it must not be: see the module)."""
        handlers = self.wanted(peek_type(frame))
        if handlers:
            event = self.decode(frame)
            for handler in handlers:
                result = handler(event, frame)
                if result is None:
                    return None
                frame = result
        return frame


def _refusal(exc: DecodeError) -> bytes:
    return error_frame(f"rt_fast relay: {exc}", exc.path, "event_rtfast_relay")


async def _pump(
    source: ServerConnection | ClientConnection,
    sink: ServerConnection | ClientConnection,
    router: _Router,
    record: IO[bytes] | None,
) -> None:
    """Forward ``source``'s frames to ``sink`` until either closes; then close the other alike."""
    try:
        while True:
            message = await source.recv()  # a text frame's UTF-8 checked by websockets
            if isinstance(message, bytes):  # the API speaks text frames only
                await source.send(_refusal(DecodeError("binary frames are not relayed")), text=True)
                continue
            frame = message.encode()
            if record is not None:
                record.write(frame + b"\n")
            try:
                forwarded = router.route(frame)
            except DecodeError as exc:
                await source.send(_refusal(exc), text=True)
                continue
            if forwarded is not None:
                await sink.send(forwarded, text=True)
    except ConnectionClosed as closed:
        got = closed.rcvd
        with contextlib.suppress(ConnectionClosed):
            if got is None:
                await sink.close()
            else:
                await sink.close(got.code, got.reason)


async def relay(
    upstream: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: Mapping[str, Handler] | None = None,
    server: Mapping[str, Handler] | None = None,
    record: IO[bytes] | None = None,
    **options: Any,
) -> Server:
    """Start a relay to ``upstream`` (``wss://api.openai.com/v1/realtime``, a local server):
    ``async with await relay(...) as running``. ``client`` and ``server`` map type globs to
    the handlers of the frames each side sends; ``record`` is a binary file (see the module).
    ``options`` go to both websockets connections."""
    options = socket_options(options)
    from_client = _Router(client or {}, decode_client_event)
    from_server = _Router(server or {}, decode_server_event)

    async def handler(downstream: ServerConnection) -> None:
        request = downstream.request
        assert request is not None  # a handler runs after the handshake
        query = request.path.partition("?")[2]
        url = f"{upstream}?{query}" if query else upstream
        headers = {k: v for k, v in request.headers.raw_items() if k.lower() == "authorization"}
        try:
            up = await connect(url, additional_headers=headers, **options)
        except Exception as exc:  # refused, unreachable, a bad URL: the client is told why
            await downstream.close(1011, f"upstream unreachable: {exc}"[:120])
            return
        async with up:
            await asyncio.gather(_pump(downstream, up, from_client, record),
                                 _pump(up, downstream, from_server, record))  # fmt: skip

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
