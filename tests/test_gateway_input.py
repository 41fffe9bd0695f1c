"""What peers can send a gateway: each bad frame has a defined outcome, the relay and its other
connections keep running, and a long session loses nothing and keeps memory flat."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import rt_fast
from rt_fast import ga, relay, server

RECORDING = server.Recording.load()
DEEP = '{"type":"session.update","session":' + "[" * 100_000 + "]" * 100_000 + "}"


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


async def _echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(json.dumps({"type": "echo", "size": len(message)}))


def _with_relay(test: Callable[[str], Awaitable[None]], **options: Any) -> None:
    async def main() -> None:
        async with await serve(_echo, "127.0.0.1", 0, max_size=None) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(upstream, **options) as running:
                url = f"ws://127.0.0.1:{_port(running)}/v1/realtime"
                await asyncio.wait_for(test(url), 60)
                await _still_relays(url)  # whatever happened, a new client is served

    asyncio.run(main())


async def _still_relays(url: str) -> None:
    async with connect(url) as ws:
        await ws.send('{"type":"ping"}')
        assert json.loads(await ws.recv())["type"] == "echo"


async def _closed_with(ws: Any) -> int:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await ws.recv()
    closed = info.value.rcvd or info.value.sent  # the peer's close, else the one we sent
    assert closed is not None
    return int(closed.code)


def test_invalid_utf8_in_a_text_frame_closes_that_connection_with_1007() -> None:
    async def peer(url: str) -> None:
        async with connect(url) as ws:
            await ws.send(b'{"type":"x","a":"\xff"}', text=True)
            assert await _closed_with(ws) == 1007

    _with_relay(peer)


def test_a_frame_over_the_size_limit_closes_that_connection_with_1009() -> None:
    async def peer(url: str) -> None:
        async with connect(url, max_size=None) as ws:
            await ws.send('{"type":"x","a":"' + "A" * 5000 + '"}')
            assert await _closed_with(ws) == 1009

    _with_relay(peer, max_size=4096)


def test_a_frame_nested_100000_deep_is_refused_never_a_crash() -> None:
    """Every client frame is decoded before it is forwarded: too deep for this thread (see
    api.md), it is refused with an error event, with a handler for its type or without, and
    the connection goes on."""

    async def refused(url: str) -> None:
        async with connect(url, max_size=None) as ws:
            await ws.send(DEEP)
            error = rt_fast.decode_server_event(await ws.recv(decode=False))
            assert isinstance(error, ga.ErrorEvent)
            assert "nest" in error.error.message
            await ws.send('{"type":"ping"}')
            assert json.loads(await ws.recv())["type"] == "echo"

    _with_relay(refused)
    _with_relay(refused, client={"session.update": lambda event, frame: frame})


def test_the_local_server_answers_a_deep_frame_with_an_error_event() -> None:
    async def main() -> None:
        running = await server.serve(RECORDING)
        async with running, connect(f"ws://127.0.0.1:{_port(running)}/v1/realtime") as ws:
            await ws.recv()
            await ws.send(DEEP)
            error = rt_fast.decode_server_event(await ws.recv(decode=False))
            assert isinstance(error, ga.ErrorEvent) and "nest" in error.error.message

    asyncio.run(asyncio.wait_for(main(), 60))


def test_a_peer_that_vanishes_mid_frame_ends_only_its_own_session() -> None:
    async def peer(url: str) -> None:
        ws = await connect(url)
        await ws.send('{"type":"ping"}')
        await ws.recv()
        ws.transport.write(b"\x81\x7e\x10\x00" + b"{" * 100)  # a frame header promising 4 KB
        ws.transport.abort()  # and gone

    _with_relay(peer)


def test_a_long_session_loses_nothing_and_keeps_memory_flat() -> None:
    """Tens of thousands of frames (over 200 MB) from the local server through the relay to a
    client: every one arrives, in order, byte-identical, in bounded time and memory."""
    responses = 400

    async def main() -> None:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            running = await relay.relay(upstream)
            async with running, connect(f"ws://127.0.0.1:{_port(running)}/v1/realtime") as ws:
                assert await ws.recv(decode=False) == RECORDING.created
                tracemalloc.start()
                frames = crossed = 0
                for n in range(responses):
                    recorded = RECORDING.responses[n % len(RECORDING.responses)]
                    await ws.send('{"type":"response.create"}')
                    for expected in recorded:
                        assert await ws.recv(decode=False) == expected
                        frames, crossed = frames + 1, crossed + len(expected)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                assert frames > 20_000 and crossed > 200_000_000
                assert peak < 64 * 1024 * 1024, (peak, crossed)

    asyncio.run(asyncio.wait_for(main(), 240))


def test_a_client_that_stops_reading_holds_the_server_back() -> None:
    """Back-pressure: while the client reads nothing, the relay stops reading the upstream,
    so the ~40 MB of one long response do not pile up in memory; once it reads, every frame
    arrives."""
    first = RECORDING.responses[0]
    audio = [f for f in first if rt_fast.peek_type(f) == "response.output_audio.delta"]
    long = (first[0], *audio * (40_000_000 // sum(map(len, audio))), *first[1:])
    recording = server.Recording(RECORDING.created, None, (long,))

    async def main() -> None:
        async with await server.serve(recording) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            running = await relay.relay(upstream)
            async with running, connect(f"ws://127.0.0.1:{_port(running)}/v1/realtime") as ws:
                await ws.recv(decode=False)
                tracemalloc.start()
                await ws.send('{"type":"response.create"}')
                await asyncio.sleep(2)  # the client reads nothing meanwhile
                held = tracemalloc.get_traced_memory()[0]
                tracemalloc.stop()
                assert held < sum(map(len, long)) / 4, (held, sum(map(len, long)))
                for frame in long:
                    assert await ws.recv(decode=False) == frame

    asyncio.run(asyncio.wait_for(main(), 120))
