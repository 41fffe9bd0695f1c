"""How the relay moves frames (``rt_fast._forward``): whole text frames go the direct way, in
the receiving connection's callback, and the frames that must wait (binary, fragmented, not
UTF-8, given to an ``async`` handler, arriving before ``on_open`` returned) take the queued way,
each direction's order kept across both; a handler's failure on either way ends the session.
Real websockets peers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import random
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from rt_fast import relay

SEED = random.randrange(2**32)
DOWN = 300  # frames each way
END = b'{"type":"rate_limits.updated","rate_limits":[]}'  # the upstream's last frame
DELTA = b'{"type":"response.output_%s.delta","event_id":"e","response_id":"r","item_id":"i",' \
        b'"output_index":0,"content_index":0,"delta":"%d"}'  # fmt: skip
CALLS: list[int] = []  # handler calls


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _run(test: Callable[[str], Awaitable[None]],
         upstream: Callable[[ServerConnection], Awaitable[None]], **options: Any) -> None:  # fmt: skip
    async def main() -> None:
        async with serve(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url, **options) as running:
                await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}/v1/realtime"), 60)

    asyncio.run(main())


def _mixed(rng: random.Random) -> list[tuple[str, bytes | list[bytes]]]:
    """Upstream frames of every way: text (audio deltas, text deltas), binary, fragmented."""
    frames: list[tuple[str, bytes | list[bytes]]] = []
    for i in range(DOWN):
        kind = rng.choice(["audio", "audio", "text", "binary", "fragmented"])
        if kind == "audio":
            frame = DELTA % (b"audio", i)
        elif kind == "binary":
            frame = b"\x00binary %d" % i
        else:
            frame = DELTA % (b"text", i)
        if kind == "fragmented":
            cut = rng.randrange(1, len(frame))
            frames.append((kind, [frame[:cut], frame[cut:]]))
        else:
            frames.append((kind, frame))
    return frames


async def _send(connection: ServerConnection, kind: str, frame: bytes | list[bytes]) -> None:
    if isinstance(frame, list):

        async def parts() -> Any:
            for part in frame:
                yield part.decode()

        await connection.send(parts())
    else:
        await connection.send(frame, text=kind != "binary")


def _whole(kind: str, frame: bytes | list[bytes]) -> bytes | str:
    """The message a client receives for a frame sent as ``kind``."""
    data = b"".join(frame) if isinstance(frame, list) else frame
    return data if kind == "binary" else data.decode()


def _same(event: Any, frame: bytes) -> bytes:
    CALLS.append(1)
    return frame


async def _sleepy(event: Any, frame: bytes) -> bytes:
    CALLS.append(1)
    await asyncio.sleep(random.choice([0, 0, 0.001]))
    return frame


def _later(event: Any, frame: bytes) -> Any:
    """A sync handler that returns an awaitable: the relay awaits it."""
    return _sleepy(event, frame)


@pytest.mark.parametrize(
    "handlers",
    [
        {},
        {"response.output_audio.delta": _same},
        {"response.output_text.delta": _sleepy},
        {"response.output_audio.delta": _later, "response.*": _same},
        {"response.*": _sleepy, "response.output_*": _same},
    ],
    ids=["none", "sync", "async", "sync returning an awaitable", "sync after async"],
)
def test_server_frames_of_every_way_arrive_in_order(handlers: dict[str, Any]) -> None:
    """Text, binary and fragmented frames, some to async handlers, arrive whole and in order."""
    rng = random.Random(SEED)
    print("seed", SEED)
    frames = _mixed(rng)
    CALLS.clear()

    async def upstream(connection: ServerConnection) -> None:
        for kind, frame in frames:
            await _send(connection, kind, frame)
        await connection.send(END, text=True)
        await connection.wait_closed()

    async def session(url: str) -> None:
        async with connect(url) as ws:
            got = []
            while (message := await ws.recv()) != END.decode():
                got.append(message)
            assert got == [_whole(kind, frame) for kind, frame in frames]

    _run(session, upstream, server=handlers)
    assert bool(CALLS) == bool(handlers)


@pytest.mark.parametrize(
    "handlers",
    [{}, {"input_audio_buffer.append": _sleepy}, {"*": _later}],
    ids=["none", "async", "sync returning an awaitable"],
)
def test_client_frames_arrive_in_order_with_refusals_answered_in_turn(
    handlers: dict[str, Any],
) -> None:
    """Appends, commits and frames the relay refuses (binary, not JSON): the upstream gets the
    good ones in order, the client an error for each refused one."""
    rng = random.Random(SEED)
    print("seed", SEED)
    sent: list[bytes | str] = []
    for i in range(DOWN):
        kind = rng.choice(["append", "append", "commit", "binary", "bad"])
        if kind == "append":
            sent.append(f'{{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"{i}"}}')
        elif kind == "commit":
            sent.append(f'{{"type":"input_audio_buffer.commit","event_id":"{i}"}}')
        else:
            sent.append(b"\x00%d" % i if kind == "binary" else f"not json {i}")
    reached: list[str | bytes] = []

    async def upstream(connection: ServerConnection) -> None:
        async for message in connection:
            reached.append(message)
            if json.loads(message).get("type") == "session.update":
                await connection.send(END, text=True)

    async def session(url: str) -> None:
        async with connect(url) as ws:
            for message in sent:
                await ws.send(message)
            await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
            errors = 0
            while (message := await ws.recv()) != END.decode():
                assert json.loads(message)["type"] == "error"
                errors += 1
            assert errors == sum(1 for m in sent if isinstance(m, bytes) or m.startswith("not"))

    _run(session, upstream, client=handlers)
    good = [m for m in sent if isinstance(m, str) and not m.startswith("not")]
    assert reached[:-1] == good


def test_frames_that_arrive_before_on_open_returned_keep_their_order() -> None:
    """The upstream's first frames wait in its queue while ``on_open`` runs; those after them
    queue behind them, none overtakes."""
    frames = [DELTA % (b"audio", i) for i in range(DOWN)]

    async def upstream(connection: ServerConnection) -> None:
        for frame in frames:
            await connection.send(frame, text=True)
            if frame is frames[10]:
                await asyncio.sleep(0.3)  # on_open still running: these wait, the next too
        await connection.send(END, text=True)
        await connection.wait_closed()

    async def on_open(session: relay.Session) -> None:
        await asyncio.sleep(0.2)

    async def session(url: str) -> None:
        async with connect(url) as ws:
            got = []
            while (message := await ws.recv(decode=False)) != END:
                got.append(message)
            assert got == frames

    _run(session, upstream, on_open=on_open)


def test_upstream_text_that_is_not_utf8_never_reaches_the_client() -> None:
    """websockets fails such a connection (1007); the relay forwards nothing of it and closes
    the client (1011, ``upstream connection lost``)."""

    async def upstream(connection: ServerConnection) -> None:
        await asyncio.sleep(0.1)  # the session runs: the frame would go the direct way
        await connection.send(b'{"type":"response.output_text.delta","delta":"\xff"}', text=True)
        await connection.wait_closed()

    async def session(url: str) -> None:
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1011

    _run(session, upstream)


def test_a_handler_that_fails_on_a_frame_going_the_direct_way_ends_the_session() -> None:
    """A sync handler raising inside the receiving connection's callback: the client gets the
    relay's error and a 1011 close, within a second, though no frame follows."""

    def fails(event: Any, frame: bytes) -> bytes:
        raise RuntimeError("no")

    async def upstream(connection: ServerConnection) -> None:
        await asyncio.sleep(0.1)  # the session runs: the frame goes the direct way
        await connection.send(DELTA % (b"audio", 1), text=True)
        await connection.wait_closed()

    async def session(url: str) -> None:
        async with connect(url) as ws:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 1))
            assert reply["type"] == "error"
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 1)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011

    _run(session, upstream, server={"response.output_audio.delta": fails})


APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'


async def _flood_until_closed(url: str, frames: int) -> float:
    """Send ``frames`` appends (or as many as the relay takes before it closes), then wait for
    the close: the seconds from the first frame to the connection's end."""
    started = asyncio.get_running_loop().time()
    async with connect(url) as ws:
        with contextlib.suppress(ConnectionClosed):
            for _ in range(frames):
                await ws.send(APPEND, text=True)
        await ws.wait_closed()
    return asyncio.get_running_loop().time() - started


def test_an_upstream_that_closes_mid_flood_closes_the_client_at_once() -> None:
    """The upstream closes while the client floods: the client's close reply is read at once.
    It once waited websockets' 10 s close timeout: the client's pump had stopped at the failed
    forward, and the frames queued behind the reply were never read."""

    async def upstream(connection: ServerConnection) -> None:
        for _ in range(10):
            await connection.recv()
        reading = asyncio.ensure_future(_read_out(connection))  # the relay's close comes last
        await connection.close(4000, "enough")
        await reading

    async def test(url: str) -> None:
        assert await _flood_until_closed(url, 20_000) < 3

    _run(test, upstream)


def test_an_upstream_that_refuses_closes_a_flooding_client_at_once() -> None:
    """The upstream answers the handshake 401 while the client sends: the client's close comes
    at once, as ``upstream refused`` says; it once came after 10 s, behind unread frames."""

    async def refuse(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(401, "no\n")

    async def test(url: str) -> None:
        assert await _flood_until_closed(url, 5_000) < 3

    async def main() -> None:
        async with serve(_never, "127.0.0.1", 0, process_request=refuse) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url) as running:
                await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}/v1/realtime"), 60)

    asyncio.run(main())


async def _read_out(connection: ServerConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await connection.recv()


async def _never(connection: ServerConnection) -> None:
    await connection.wait_closed()  # pragma: no cover - the handshake is refused


def test_an_upstream_reset_mid_flood_writes_nothing_more_to_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The upstream resets its connection while the client floods small frames: the relay
    stops writing to it and the client is closed at once. The direct way once wrote on into
    the lost transport, frame after frame of the data already read: ~1,700 asyncio warnings
    ('socket.send() raised exception.') a reset, each frame counted as forwarded."""

    async def upstream(connection: ServerConnection) -> None:
        for _ in range(3000):
            await connection.recv()
        sock = connection.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.transport.abort()

    async def test(url: str) -> None:
        assert await _flood_until_closed(url, 30_000) < 3

    with caplog.at_level(logging.WARNING):
        _run(test, upstream)
    assert "socket.send() raised exception" not in caplog.text


def test_the_record_and_metrics_count_what_a_closing_client_received() -> None:
    """The upstream floods; the client reads a while, then closes, reading on to the end: the
    record and the frame counts hold exactly the frames it got. The queued way once counted
    and recorded a frame before sending it, which the closing client then never got."""
    delta = DELTA % (b"audio", 0)

    async def upstream(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await connection.recv()
            for _ in range(200_000):
                await connection.send(delta, text=True)

    for _ in range(3):
        record, tally = io.BytesIO(), relay.Tally(())
        received = 0

        async def test(url: str) -> None:
            nonlocal received
            async with connect(url, max_queue=4) as ws:
                await ws.send(APPEND, text=True)
                while received < 5000:
                    await ws.recv()
                    received += 1
                await asyncio.sleep(0.2)  # the relay's frames to it wait, queued
                ws.protocol.send_close(1000, "bye")  # the close, not waiting for the reply
                ws.send_data()
                with contextlib.suppress(ConnectionClosed):
                    while True:
                        await ws.recv()
                        received += 1
            await asyncio.sleep(0.2)

        _run(test, upstream, record=record, tally=tally)
        lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
        assert sum(line.direction == "server" for line in lines if line) == received
        assert sum(tally.frames["server"].values()) == received


def test_a_frame_queued_behind_an_async_handler_is_recorded_with_its_arrival_time() -> None:
    """A frame waiting while an ``async`` handler holds the one before it is written when it
    goes, with the time it arrived: it once carried the time it was taken from the queue,
    0.3 s late."""
    record = io.BytesIO()

    async def slow(event: Any, frame: bytes) -> bytes:
        await asyncio.sleep(0.3)
        return frame

    async def upstream(connection: ServerConnection) -> None:
        await _read_out(connection)

    async def test(url: str) -> None:
        async with connect(url) as ws:
            await ws.send('{"type":"conversation.item.delete","item_id":"x"}')
            await ws.send('{"type":"response.create"}')
            await asyncio.sleep(0.6)

    _run(test, upstream, client={"conversation.item.delete": slow}, record=record)
    lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
    held, queued = (line.time_us for line in lines if line)
    assert queued - held < 100_000, (queued - held) / 1e6


def test_an_upstream_that_pings_while_it_answers_big_never_stalls_the_session() -> None:
    """A healthy upstream with keepalive pings, answering each client frame with a reply much
    larger, while the client sends on and reads everything: every reply arrives. Holding the
    upstream's reading at a ping that met a full write buffer once stalled such a session for
    good: the upstream's reply waited on the relay, whose writes waited on the upstream."""
    frames, reply = 200, b"A" * 4_000_000
    answered: list[int] = []

    async def upstream(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _ in connection:
                answered.append(1)
                await connection.send(DELTA.replace(b'"%d"', b'"' + reply + b'"'), text=True)

    async def test(url: str) -> None:
        async with connect(url, max_size=None) as ws:
            received = 0

            async def read() -> None:
                nonlocal received
                while received < frames:
                    await ws.recv()
                    received += 1

            reading = asyncio.ensure_future(read())
            frame = b'{"type":"input_audio_buffer.append","audio":"' + b"A" * 200_000 + b'"}'
            for _ in range(frames):
                await asyncio.wait_for(ws.send(frame, text=True), 10)
            await asyncio.wait_for(reading, 20)
            assert received == frames

    async def main() -> None:
        async with serve(upstream, "127.0.0.1", 0, max_size=None, max_queue=1,
                         ping_interval=0.05, ping_timeout=None) as up:  # fmt: skip
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url) as running:
                await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}/v1/realtime"), 60)

    asyncio.run(main())
    assert len(answered) == frames


def test_frames_after_a_refused_one_reach_the_upstream_when_the_client_closes_at_once() -> None:
    """The client sends a frame the relay refuses, two appends and its close, without waiting:
    the appends reach the upstream and its close comes at once. The refusal's reply once waited
    for the closing client's end behind the unread appends, 10 s, and the appends were then
    dropped as if the upstream had closed."""
    reached: list[str | bytes] = []
    closed: list[float] = []

    async def upstream(connection: ServerConnection) -> None:
        started = asyncio.get_running_loop().time()
        await _read_into(connection, reached)
        closed.append(asyncio.get_running_loop().time() - started)

    async def test(url: str) -> None:
        async with connect(url) as ws:
            await asyncio.sleep(0.2)  # the session runs
            await ws.send('{"type":"not json')
            await ws.send(APPEND, text=True)
            await ws.send(APPEND, text=True)
        await asyncio.sleep(0.5)

    _run(test, upstream)
    assert reached == [APPEND.decode()] * 2
    assert closed and closed[0] < 2


async def _read_into(connection: ServerConnection, into: list[str | bytes]) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for message in connection:
            into.append(message)
