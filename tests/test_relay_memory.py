"""The relay's memory under floods (tracemalloc, 127.0.0.1, bounded loops): frame types of any
size leave nothing behind, and a peer that stops reading holds the relay to a few frames per
direction, whichever side floods. Peers that misbehave are raw sockets, whose own buffers are
known: a flooding writer holds at most one frame (asyncio's write buffer)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import hashlib
import socket
import struct
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from rt_fast import relay, ws

MiB = 1024 * 1024
MAX = ws.socket_options({})["max_size"]  # the largest frame every rt_fast socket reads


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _keep(event: Any, frame: bytes) -> bytes:
    return frame


def _traced(main: Callable[[], Awaitable[int]], seconds: float) -> int:
    """``main()``'s answer, run within ``seconds`` with tracemalloc tracing allocations."""
    tracemalloc.start()
    try:
        return asyncio.run(asyncio.wait_for(main(), seconds))
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "handlers",
    [{}, {"client": {"*": _keep}, "server": {"*": _keep}}, {"server": {"session.*": _keep}}],
    ids=["no handler", "every type", "a glob"],
)
def test_frame_types_of_any_size_leave_nothing_behind(handlers: dict[str, Any]) -> None:
    """40 frames each way whose types are 1 MiB long: once the client has left, the relay holds
    none of them (a cache of types once kept the last 1024, of any size, handlers or not)."""

    async def echo(connection: ServerConnection) -> None:
        async for message in connection:
            await connection.send(message)

    async def main() -> int:
        async with await serve(echo, "127.0.0.1", 0, max_size=None) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url, **handlers) as running:
                before = tracemalloc.get_traced_memory()[0]
                url = f"ws://127.0.0.1:{_port(running)}/v1/realtime"
                async with connect(url, max_size=None) as client:
                    for n in range(40):
                        frame = f'{{"type":"session.{n}{"a" * MiB}"}}'
                        await client.send(frame)
                        assert await client.recv() == frame
                    del frame
                return await _settled(before)

    held = _traced(main, 30)
    assert held < MiB, held / MiB


async def _settled(before: int) -> int:
    """The memory traced above ``before`` once the relay's side of a session has ended: less
    than 1 MiB, or what is left after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        if held < MiB or time.monotonic() > deadline:
            return held
        await asyncio.sleep(0.05)


# -- a stalled peer -------------------------------------------------------------------------------

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REQUEST = (b"GET /v1/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")  # fmt: skip


def _text_frame(size: int, masked: bool) -> bytes:
    """A text frame of ``size`` bytes of JSON (a client's masked, by a key of zeros)."""
    payload = b'{"type":"x","a":"' + b"A" * (size - 20) + b'"}'
    header = b"\x81" + bytes([0x80 * masked | 127]) + struct.pack("!Q", len(payload))
    return header + b"\0\0\0\0" * masked + payload


async def _accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The server's side of a websocket handshake, by hand."""
    request = await reader.readuntil(b"\r\n\r\n")
    key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))  # fmt: skip
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")  # fmt: skip


async def _flood(writer: asyncio.StreamWriter, frame: bytes, sent: list[int]) -> None:
    """Write ``frame`` again and again (at most 40 times), counting each the socket took."""
    for _ in range(40):
        writer.write(frame)
        await writer.drain()
        sent.append(len(frame))


async def _until_stalled(sent: list[int]) -> None:
    """Wait until frames went out, then none for half a second (at most 20 s)."""
    deadline, count = time.monotonic() + 20, -1
    while (count != len(sent) or not sent) and time.monotonic() < deadline:
        count = len(sent)
        await asyncio.sleep(0.5)


def _vanish(peer: asyncio.StreamWriter) -> None:
    """Reset the connection (a closed socket with nothing unread would only send a FIN, which
    a relay that has stopped reading that socket sees only once its close times out)."""
    peer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                              struct.pack("ii", 1, 0))  # fmt: skip
    peer.transport.abort()


@pytest.mark.parametrize("flooding", ["client", "upstream"])
def test_a_peer_that_stops_reading_holds_the_relay_to_a_few_frames(flooding: str) -> None:
    """Frames of the largest size flood one way, and the other side reads nothing: the relay
    stops reading the flood once it holds a few frames (before, it took some twenty, 330 MiB).
    Held: at most two frames waiting (``max_queue``), the one being forwarded and websockets'
    framed copy of it; and the flooding writer's own one frame."""
    sent: list[int] = []
    peers: list[asyncio.StreamWriter] = []
    frames = {masked: _text_frame(MAX, masked) for masked in (False, True)}  # before tracing

    async def flood(writer: asyncio.StreamWriter, masked: bool) -> None:
        with contextlib.suppress(ConnectionError):  # until it vanishes
            await _flood(writer, frames[masked], sent)

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer)
        await _accept(reader, writer)
        if flooding == "upstream":
            await flood(writer, masked=False)
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()  # reading nothing

    async def main() -> int:
        async with await asyncio.start_server(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url) as running:
                reader, writer = await asyncio.open_connection("127.0.0.1", _port(running))
                peers.append(writer)
                writer.write(REQUEST)
                await reader.readuntil(b"\r\n\r\n")
                if flooding == "client":
                    flooded = asyncio.create_task(flood(writer, masked=True))
                await _until_stalled(sent)
                held = tracemalloc.get_traced_memory()[0]
                for peer in peers:  # both ends vanish: the relay's session ends at once
                    _vanish(peer)
                if flooding == "client":
                    await flooded
                return held

    held = _traced(main, 40)
    assert 0 < len(sent) < 40, len(sent)
    assert held < 5 * MAX + 4 * MiB, (held / MiB, len(sent))


PING = bytes([0x89, 0x80 | 125]) + bytes(4) + b"P" * 125  # masked (zero key), 125 bytes


def test_a_ping_flood_from_a_client_that_never_reads_keeps_the_relay_flat() -> None:
    """Up to 24 MiB of pings, never reading a pong: the relay stops reading the client while
    its write buffer is full (``ws.server_options``), so the pongs do not pile up (they once
    did: 300 MB of pings, 290 MB more held)."""
    pings = PING * 8000  # 1 MiB
    written: list[int] = []

    async def upstream(connection: ServerConnection) -> None:
        await connection.wait_closed()

    async def main() -> int:
        async with await serve(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url) as running:
                reader, writer = await asyncio.open_connection("127.0.0.1", _port(running))
                writer.write(REQUEST)
                await reader.readuntil(b"\r\n\r\n")
                writer.transport.pause_reading()  # never reads a pong
                held = tracemalloc.get_traced_memory()[0]
                with contextlib.suppress(ConnectionError):
                    await _write_until_refused(writer, pings, 24, written)
                held = tracemalloc.get_traced_memory()[0] - held
                held -= writer.transport.get_write_buffer_size()  # this side's, not the relay's
                _vanish(writer)
                return held

    held = _traced(main, 40)
    assert held < 4 * MiB, (held / MiB, sum(written) / MiB)


async def _write_until_refused(writer: asyncio.StreamWriter, frames: bytes, count: int,
                               written: list[int]) -> None:  # fmt: skip
    """Write ``frames`` up to ``count`` times, for at most 5 s, until the socket has taken
    nothing for 0.5 s (the relay stopped reading); then wait 0.5 s for the relay to read what
    it will."""
    deadline = time.monotonic() + 5
    while len(written) < count and time.monotonic() < deadline:
        if writer.transport.get_write_buffer_size():
            await asyncio.sleep(0.5)
            if writer.transport.get_write_buffer_size():
                break
        writer.write(frames)
        written.append(len(frames))
        await asyncio.sleep(0)
    await asyncio.sleep(0.5)


def test_a_ping_flood_from_an_upstream_that_never_reads_keeps_the_relay_flat() -> None:
    """The same from the upstream: the relay stops reading it while its write buffer to it is
    full (an upstream's 100 MB of pings once left 200 MB of pongs in the relay)."""
    pings = (bytes([0x89, 125]) + b"P" * 125) * 8000  # 1 MiB of a server's pings, unmasked
    written: list[int] = []

    async def main() -> int:
        result: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _accept(reader, writer)
            writer.transport.pause_reading()  # never reads a pong
            held = tracemalloc.get_traced_memory()[0]
            with contextlib.suppress(ConnectionError):
                await _write_until_refused(writer, pings, 24, written)
            held = tracemalloc.get_traced_memory()[0] - held
            result.set_result(held - writer.transport.get_write_buffer_size())
            _vanish(writer)

        async with await asyncio.start_server(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with (
                await relay.relay(url) as running,
                connect(f"ws://127.0.0.1:{_port(running)}/v1/realtime"),
            ):
                return await result

    held = _traced(main, 40)
    assert held < 4 * MiB, (held / MiB, sum(written) / MiB)
