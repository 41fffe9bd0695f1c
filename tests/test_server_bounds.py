"""What a client that stops reading can make the local server hold: its frames waiting to be
answered (websockets' ``max_queue``), the pongs to its pings (the write buffer). A real server
on 127.0.0.1; the client writes raw frames to its socket, so that only the server buffers."""

from __future__ import annotations

import asyncio
import struct
import time
import tracemalloc
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect

from rt_fast import server

RECORDING = server.Recording.load()
MIB = 1024 * 1024
PING = bytes([0x89, 0x80 | 125]) + bytes(4) + b"P" * 125  # masked (zero key), 125 bytes


def _masked_text(payload: bytes) -> bytes:
    """A client's text frame (zero mask key: the payload as it is) of a 64-bit length."""
    return bytes([0x81, 0x80 | 127]) + struct.pack("!Q", len(payload)) + bytes(4) + payload


def _run(test: Callable[[ClientConnection], Awaitable[None]]) -> None:
    """Run ``test(client)`` with a client that read session.created, asked for 30 responses
    and reads no more: the server's answers fill the socket and its write buffer. The client
    is aborted at the end, whatever happened (else the server's close would wait on it)."""

    async def main() -> None:
        async with await server.serve(RECORDING) as running:
            port = running.sockets[0].getsockname()[1]
            ws = await connect(f"ws://127.0.0.1:{port}/v1/realtime", max_size=None)
            try:
                await ws.recv()
                ws.transport.pause_reading()
                for _ in range(30):
                    await ws.send('{"type":"response.create"}')
                await asyncio.sleep(0.5)
                await asyncio.wait_for(test(ws), 60)
            finally:
                ws.transport.abort()

    asyncio.run(main())


async def _write_until_refused(ws: ClientConnection, frames: bytes, budget: int) -> int:
    """Write ``frames`` to the socket until ``budget`` bytes went out, 3 s passed, or the
    socket took nothing for 0.5 s (the server stopped reading); the bytes written."""
    written, deadline = 0, time.monotonic() + 3
    while written < budget and time.monotonic() < deadline:
        if ws.transport.get_write_buffer_size():
            await asyncio.sleep(0.5)
            if ws.transport.get_write_buffer_size():
                break
        ws.transport.write(frames)
        written += len(frames)
        await asyncio.sleep(0)
    await asyncio.sleep(0.5)  # for the server to read what it will
    return written


async def _until(ws: ClientConnection, tag: bytes) -> None:
    """Read (as a client must while it sends) until a frame of type ``tag`` comes."""
    while tag not in (await ws.recv(decode=False))[:40]:
        pass  # the responses asked for; websockets reads the pongs and drops them


def test_a_client_that_stops_reading_cannot_make_the_server_hold_its_big_frames() -> None:
    """1 MiB frames from a client whose answers wait: the server holds a few, not 16 (the
    default max_queue); it holds the answered frame and at most two waiting (max_queue 1)."""
    pad = b"A" * MIB
    big = _masked_text(b'{"type":"session.update","session":{"type":"realtime"},"p":"%s"}' % pad)

    async def session(ws: ClientConnection) -> None:
        tracemalloc.start()
        try:
            await _write_until_refused(ws, big, 40 * len(big))
            held = tracemalloc.get_traced_memory()[0] - ws.transport.get_write_buffer_size()
        finally:
            tracemalloc.stop()
        assert held < 6 * len(big), held / MIB

    _run(session)


def test_a_ping_flood_from_a_client_that_never_reads_keeps_the_server_flat() -> None:
    """24 MiB of pings, never reading a pong: the server stops reading while its write buffer
    is full, so the pongs do not pile up; once the client reads, the session goes on."""
    pings = PING * 8000  # 1 MiB

    async def session(ws: ClientConnection) -> None:
        tracemalloc.start()
        try:
            written = await _write_until_refused(ws, pings, 24 * len(pings))
            held = tracemalloc.get_traced_memory()[0] - ws.transport.get_write_buffer_size()
        finally:
            tracemalloc.stop()
        assert held < 4 * MIB, (held / MIB, written / MIB)
        ws.transport.resume_reading()  # pongs and responses flow, the pings are all read
        reading = asyncio.create_task(_until(ws, b'"input_audio_buffer.cleared"'))
        await ws.send('{"type":"input_audio_buffer.clear"}')  # behind the pings not yet read
        await reading
        await ws.close()

    _run(session)
