"""rt_fast.ws.BoundedServerConnection, the server side of rt_fast's gateways: it reads a
client only while it can write to it. A real websockets server on 127.0.0.1 running it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import tracemalloc

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from rt_fast import ws

MIB = 1024 * 1024
PINGS = (bytes([0x89, 0x80 | 125]) + bytes(4) + b"P" * 125) * 8000  # 1 MiB of masked pings
SENT = 40  # 1 MiB frames the server sends a client that does not read


async def _flood(connection: ServerConnection, wait: float) -> None:
    """After ``wait`` s, send ``SENT`` frames of 1 MiB while reading what the client sends."""
    await asyncio.sleep(wait)
    sender = asyncio.create_task(_send_big(connection))
    await asyncio.sleep(0.5)  # its writes pause: the client does not read
    with contextlib.suppress(ConnectionClosed):
        async for _ in connection:  # frames that waited, then none: the client pings
            pass
    sender.cancel()


async def _send_big(connection: ServerConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        for _ in range(SENT):
            await connection.send("A" * MIB)


async def _pinged(client: ClientConnection) -> int:
    """Write up to 24 MiB of pings within 3 s, until the socket takes nothing for 0.5 s; the
    bytes the server holds then (traced, the client's own unsent bytes left out)."""
    tracemalloc.start()
    try:
        deadline = time.monotonic() + 3
        for _ in range(24):
            if client.transport.get_write_buffer_size():
                await asyncio.sleep(0.5)
            if client.transport.get_write_buffer_size() or time.monotonic() > deadline:
                break
            client.transport.write(PINGS)
            await asyncio.sleep(0)
        await asyncio.sleep(0.5)
        return tracemalloc.get_traced_memory()[0] - client.transport.get_write_buffer_size()
    finally:
        tracemalloc.stop()


async def _session(client: ClientConnection, waiting: int, wait: float) -> int:
    """The client's part: ``waiting`` frames, no reading, pings; then it reads all it was sent.
    What the server held under the pings."""
    for _ in range(waiting):
        await client.send('{"type":"x"}')
    client.transport.pause_reading()
    await asyncio.sleep(wait + 0.7)
    held = await _pinged(client)
    if held < 4 * MIB:
        client.transport.resume_reading()
        assert [len(await client.recv()) for _ in range(SENT)] == [MIB] * SENT
        await client.close()
    return held


def _held_under_ping_flood(waiting: int, wait: float) -> int:
    """What the server holds when a client sends ``waiting`` frames, stops reading and, once
    the server sends and reads again, floods it with pings; the session then ends cleanly."""

    async def main() -> int:
        handler = functools.partial(_flood, wait=wait)
        async with serve(handler, "127.0.0.1", 0, **ws.server_options({})) as running:
            port = running.sockets[0].getsockname()[1]
            client = await connect(f"ws://127.0.0.1:{port}", max_size=None)
            try:
                return await _session(client, waiting, wait)
            finally:
                client.transport.abort()  # else the server's close would wait on it

    return asyncio.run(asyncio.wait_for(main(), 60))


def test_a_client_that_pings_and_never_reads_stops_being_read() -> None:
    """The server's writes wait on the client: it reads no more, so the pongs do not pile up."""
    held = _held_under_ping_flood(waiting=0, wait=0)
    assert held < 4 * MIB, held / MIB


def test_reading_stays_paused_when_the_queue_drains_while_writes_wait() -> None:
    """The client's frames filled the queue (max_queue 1), which stopped reading; the server
    takes them while its writes wait: reading stays paused until they flow."""
    held = _held_under_ping_flood(waiting=3, wait=0.5)
    assert held < 4 * MIB, held / MIB


def test_the_server_options_take_the_bounded_connection_unless_told_otherwise() -> None:
    assert ws.server_options({})["create_connection"] is ws.BoundedServerConnection
    assert ws.server_options({"max_queue": 4})["max_queue"] == 4
    assert ws.server_options({"create_connection": ServerConnection})["create_connection"] is (
        ServerConnection
    )
