"""rt_fast.ws: typed Realtime connections, asyncio and sync, against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

import rt_fast
from rt_fast import ga, server, ws

RECORDING = server.Recording.load()


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _against(test: Callable[[str], Awaitable[None]], handler: Any = None) -> None:
    """Run ``test(url)`` against the local server (or a websockets server running ``handler``)."""

    async def main() -> None:
        running = await (server.serve(RECORDING) if handler is None
                         else serve(handler, "127.0.0.1", 0))  # fmt: skip
        async with running:
            await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}/v1/realtime"), 60)

    asyncio.run(main())


def test_a_session_in_typed_events() -> None:
    """Events in, events out: a session.update, microphone audio, a whole response."""

    async def session(url: str) -> None:
        async with await ws.connect(url, api_key="sk-any") as conn:
            assert isinstance(await conn.recv(), ga.SessionCreatedEvent)
            await conn.send(ga.SessionUpdateEvent(session=ga.RealtimeSessionCreateRequest()))
            assert isinstance(await conn.recv(), ga.SessionUpdatedEvent)
            await conn.send_audio(bytes(4800))
            await conn.send(b'{"type":"input_audio_buffer.commit"}')
            assert isinstance(await conn.recv(), ga.InputAudioBufferCommittedEvent)
            await conn.send(ga.ResponseCreateEvent())
            got = [await conn.recv(decode=False) for _ in RECORDING.responses[0]]
            assert got == list(RECORDING.responses[0])

    _against(session)


async def _quirky(connection: ServerConnection) -> None:
    """A peer that sends a bad frame, an unknown type and an error event, then closes."""
    await connection.send('{"type":"session.created",')
    await connection.send('{"type":"brand.new.event","event_id":"e1"}')
    await connection.send('{"type":"error","event_id":"e2","error":{"type":"x","message":"m"}}')
    await connection.close()


def test_no_frame_ends_the_receive_loop_unless_asked() -> None:
    """errors="report": the bad frame is kept and handed over, the loop goes on to the end."""
    handed: list[ws.Rejected] = []

    async def session(url: str) -> None:
        conn = await ws.connect(url, on_reject=handed.append)
        events = [event async for event in conn]
        assert [type(e) for e in events] == [rt_fast.UnknownEvent, ga.ErrorEvent]
        assert [r.frame for r in conn.rejected] == [b'{"type":"session.created",']
        assert "truncated" in str(conn.rejected[0].error)

    _against(session, _quirky)
    assert len(handed) == 1


def test_errors_raise_raises_decode_error() -> None:
    async def session(url: str) -> None:
        conn = await ws.connect(url, errors="raise")
        with pytest.raises(rt_fast.DecodeError, match="truncated"):
            await conn.recv()
        assert isinstance(await conn.recv(), rt_fast.UnknownEvent)

    _against(session, _quirky)


def test_unknown_errors_choice_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="errors"):
        asyncio.run(ws.connect("ws://127.0.0.1:9/", errors="ignore"))  # type: ignore[arg-type]


@pytest.fixture
def server_thread() -> Iterator[str]:
    """The local server in a thread of its own, for the sync client."""
    loop = asyncio.new_event_loop()
    started, url = threading.Event(), []
    stop = asyncio.Event()

    async def main() -> None:
        async with await server.serve(RECORDING) as running:
            url.append(f"ws://127.0.0.1:{_port(running)}/v1/realtime")
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),))
    thread.start()
    assert started.wait(30)
    try:
        yield url[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


def test_the_sync_connection_holds_a_session(server_thread: str) -> None:
    with ws.connect_sync(server_thread, api_key="sk-any") as conn:
        assert isinstance(conn.recv(10), ga.SessionCreatedEvent)
        conn.send_audio(b"\x01\x02\x03")
        conn.send(ga.InputAudioBufferCommitEvent())
        assert isinstance(conn.recv(10), ga.InputAudioBufferCommittedEvent)
        conn.send(ga.ResponseCreateEvent())
        got = [conn.recv(10, decode=False) for _ in RECORDING.responses[0]]
        assert got == list(RECORDING.responses[0])


def test_send_audio_is_the_protocols_append() -> None:
    """Each protocol's append, byte-identical to encode of the event."""
    for protocol, module in (
        ("ga", ga),
        ("beta", rt_fast.beta),
        ("translation", rt_fast.translation),
    ):
        frames = ws._Frames(protocol, "report", None)
        event = frames.append(audio=base64.b64encode(b"\x00\x01").decode())
        assert frames.append in module.CLIENT_EVENTS.values()
        assert rt_fast.encode_audio(frames.append, b"\x00\x01") == rt_fast.encode(event)
