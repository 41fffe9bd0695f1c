"""rt_fast.ws: typed Realtime connections, asyncio and sync, against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve as serve_sync

import rt_fast
from rt_fast import ga, server, ws
from rt_fast._stats import SHOWN

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
            assert isinstance(await conn.recv(), ga.ConversationItemAddedEvent)  # the user item
            assert isinstance(await conn.recv(), ga.ConversationItemDoneEvent)
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
        conn.send_audio(bytes(4800))  # 100 ms: the least the API commits
        conn.send(ga.InputAudioBufferCommitEvent())
        assert isinstance(conn.recv(10), ga.InputAudioBufferCommittedEvent)
        assert isinstance(conn.recv(10), ga.ConversationItemAddedEvent)  # the user item
        assert isinstance(conn.recv(10), ga.ConversationItemDoneEvent)
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


@pytest.fixture
def peer_thread() -> Iterator[Callable[[Callable[[Any], None]], str]]:
    """Start a websockets sync server running a given handler in threads of its own."""
    started: list[tuple[Any, threading.Thread]] = []

    def start(handler: Callable[[Any], None]) -> str:
        running = serve_sync(handler, "127.0.0.1", 0)
        thread = threading.Thread(target=running.serve_forever)
        thread.start()
        started.append((running, thread))
        return f"ws://127.0.0.1:{running.socket.getsockname()[1]}/v1/realtime"

    yield start
    for running, thread in started:
        running.shutdown()
        thread.join(30)


def _echo(connection: Any) -> None:
    """Send each frame back as it came, a text frame (``decode=False`` keeps its bytes)."""
    for message in connection:
        connection.send(message, text=True)


FRAME = b'{"type":"response.create","response":{"instructions":"be brief"}}'
BUFFERS = [
    bytearray(FRAME),
    memoryview(FRAME),
    memoryview(bytearray(FRAME)),
    memoryview(b"  " + FRAME + b"  ")[2:-2],  # part of other memory: copied once, as decode does
]


def test_a_buffer_is_sent_as_the_frame_it_holds(peer_thread: Any) -> None:
    """bytearray and memoryview are frames, as bytes are, never encoded as a JSON string."""
    url = peer_thread(_echo)

    async def session(url: str) -> None:
        async with await ws.connect(url) as conn:
            for frame in BUFFERS:
                await conn.send(frame)
                assert await conn.recv(decode=False) == FRAME

    asyncio.run(asyncio.wait_for(session(url), 60))
    with ws.connect_sync(url) as conn:
        for frame in BUFFERS:
            conn.send(frame)
            assert conn.recv(10, decode=False) == FRAME


def test_a_strided_view_is_refused_as_decode_refuses_it(peer_thread: Any) -> None:
    """A view decode cannot read as one run of bytes is a DecodeError, and nothing is sent."""
    url = peer_thread(_echo)
    strided = memoryview(FRAME + FRAME)[::2]

    async def session(url: str) -> None:
        async with await ws.connect(url) as conn:
            with pytest.raises(rt_fast.DecodeError, match="contiguous"):
                await conn.send(strided)
            await conn.send(FRAME)
            assert await conn.recv(decode=False) == FRAME

    asyncio.run(asyncio.wait_for(session(url), 60))
    with ws.connect_sync(url) as conn:
        with pytest.raises(rt_fast.DecodeError, match="contiguous"):
            conn.send(strided)
        conn.send(FRAME)
        assert conn.recv(10, decode=False) == FRAME


def _bad_frames(count: int, every: float) -> Callable[[Any], None]:
    """A peer that sends ``count`` frames that do not decode, one each ``every`` seconds."""

    def handler(connection: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            for n in range(count):
                connection.send(f'{{"type":"session.created","n":{n},')
                time.sleep(every)

    return handler


def test_the_sync_timeout_is_a_deadline_over_rejected_frames(peer_thread: Any) -> None:
    """recv(timeout=1.0) gives up 1 s after it was called, however many bad frames came."""
    url = peer_thread(_bad_frames(40, 0.1))
    with ws.connect_sync(url) as conn:
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            conn.recv(timeout=1.0)
        took = time.monotonic() - began
        assert 1.0 <= took < 1.5, took
        assert conn.rejected_count >= 5


def test_rejected_keeps_the_first_frames_and_counts_them_all() -> None:
    """The first SHOWN bad frames are kept whole, every one is counted and handed over."""
    handed: list[ws.Rejected] = []
    frames = [f'{{"type":"session.created","n":{n},'.encode() for n in range(25)]

    async def peer(connection: ServerConnection) -> None:
        for frame in frames:
            await connection.send(frame, text=True)
        await connection.close()

    async def session(url: str) -> None:
        conn = await ws.connect(url, on_reject=handed.append)
        assert [event async for event in conn] == []
        assert [r.frame for r in conn.rejected] == frames[:SHOWN]
        assert conn.rejected_count == len(frames)

    _against(session, peer)
    assert [r.frame for r in handed] == frames


def test_a_flood_of_big_bad_frames_keeps_a_connection_flat() -> None:
    """300 bad frames of 1 MiB each: the connection holds the first few, not all of them."""
    bad = b'{"type":"session.created","pad":"' + b"A" * (1024 * 1024)
    count = 300

    async def peer(connection: ServerConnection) -> None:
        for _ in range(count):
            await connection.send(bad, text=True)
        await connection.close()

    async def session(url: str) -> None:
        conn = await ws.connect(url, max_queue=4)
        tracemalloc.start()
        try:
            assert [event async for event in conn] == []
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert conn.rejected_count == count
        assert held < (SHOWN + 4) * len(bad), held  # the frames kept, freed as each is dropped
        assert peak < 48 * len(bad), peak

    _against(session, peer)


NOT_TEXT = [
    (b'{"type":"response.create","metadata":{"k":"\xff"}}', "invalid UTF-8 at byte 43"),
    (bytearray(b'{"type":"x","a":"\xc3"}'), "invalid UTF-8"),
    (memoryview(b' {"type":"x","a":"\xed\xa0\x80"} ')[1:-1], "invalid UTF-8"),
    ('{"type":"response.create","metadata":{"k":"\udc80"}}', "lone surrogate U+DC80"),
    ('{"type":"x","a":"' + "A" * (16 * 1024 * 1024) + '"}', "over the limit"),
]


@pytest.mark.parametrize(("frame", "says"), NOT_TEXT, ids=["bytes", "bytearray", "view", "str",
                                                            "size"])  # fmt: skip
def test_a_frame_the_decoders_would_refuse_is_not_sent(
    peer_thread: Any, frame: Any, says: str
) -> None:
    """Not UTF-8, a lone surrogate, over 16 MiB: a DecodeError, as the decoders give; nothing
    goes out (the peer would close 1007, or websockets fail), and the connection goes on."""
    url = peer_thread(_echo)

    async def session(url: str) -> None:
        async with await ws.connect(url) as conn:
            with pytest.raises(rt_fast.DecodeError, match=re.escape(says)):
                await conn.send(frame)
            await conn.send(FRAME)
            assert await conn.recv(decode=False) == FRAME

    asyncio.run(asyncio.wait_for(session(url), 60))
    with ws.connect_sync(url) as conn:
        with pytest.raises(rt_fast.DecodeError, match=re.escape(says)):
            conn.send(frame)
        conn.send(FRAME)
        assert conn.recv(10, decode=False) == FRAME
