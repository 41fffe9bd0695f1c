"""The relay's handlers: what they may return (a frame as ``bytes``, ``str``, ``bytearray`` or
``memoryview``, or None), the same with a record or without, and what a handler that fails
(raises, or returns anything else) does: its session ends at once, the client told by an
``error`` event and a 1011 close, one error logged, the other sessions going on. Real websockets
peers on 127.0.0.1: the local server, and upstreams that show what reached them."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import rt_fast
from rt_fast import ga, relay, server
from tests.conftest import acked

RECORDING = server.Recording.load()
UPDATE = b'{"type":"session.update","session":{"type":"realtime"}}'


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _relaying(test: Callable[[str], Awaitable[None]],
              upstream: Callable[[ServerConnection], Awaitable[None]] | None,
              **options: Any) -> None:  # fmt: skip
    """Run ``test(relay URL)`` with a relay to ``upstream`` (the local server by default)."""

    async def main() -> None:
        up = await (server.serve(RECORDING) if upstream is None
                    else serve(upstream, "127.0.0.1", 0))  # fmt: skip
        async with up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url, **options) as running:
                await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}/v1/realtime"), 60)

    asyncio.run(main())


@pytest.mark.parametrize("recorded", [False, True], ids=["no record", "a record"])
@pytest.mark.parametrize("kind", [bytes, str, bytearray, memoryview])
def test_a_handler_may_return_the_frame_as_bytes_str_or_a_buffer(kind: type,
                                                                  recorded: bool) -> None:  # fmt: skip
    """Without a record they all worked; with one, all but ``bytes`` killed the session."""
    reached: list[str | bytes] = []
    record = io.BytesIO() if recorded else None

    def returns(event: Any, frame: bytes) -> Any:
        return frame.decode() if kind is str else kind(frame)

    async def session(url: str) -> None:
        async with connect(url) as ws:
            await ws.send(UPDATE, text=True)
            assert await ws.recv() == '{"type":"ack"}'

    _relaying(session, lambda connection: acked(connection, reached),
              client={"session.update": returns}, record=record)  # fmt: skip
    assert reached == [UPDATE.decode()]
    if record is not None:
        lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
        assert [line.frame for line in lines if line] == [UPDATE, b'{"type":"ack"}']


async def _failed(ws: ClientConnection) -> float:
    """Read ``ws`` until the relay ends it: the last frame is the relay's ``error`` event, the
    close is 1011; the seconds that took."""
    started, last = time.monotonic(), b""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            last = await ws.recv(decode=False)
    error = rt_fast.decode_server_event(last)
    assert isinstance(error, ga.ErrorEvent) and "handler" in error.error.message, last
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    return time.monotonic() - started


def _flaky(after: int) -> Callable[[Any, bytes], bytes]:
    """A handler that raises on the ``after``-th frame it is given."""
    calls: list[bytes] = []

    def handler(event: Any, frame: bytes) -> bytes:
        calls.append(frame)
        if len(calls) == after:
            raise RuntimeError("a bug in the handler")
        return frame

    return handler


def _one_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    """One record at error level or above, the relay's, naming the failure, no traceback (a
    handler that raised once made websockets print one, 'connection handler failed')."""
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["rt_fast.relay"], caplog.text
    assert "a bug in the handler" in errors[0].getMessage() and errors[0].exc_info is None


def test_an_upstream_handler_that_raises_ends_its_session_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Mid-response, with the upstream's frames waiting: the client once got nothing for
    10 s (the upstream's close waited on a socket that had stopped reading), then 1011. Another
    client's session, open meanwhile, goes on."""

    async def session(url: str) -> None:
        async with connect(url) as other, connect(url) as ws:
            await other.recv()
            await ws.recv()
            await ws.send('{"type":"response.create"}')
            assert await _failed(ws) < 3
            await other.send('{"type":"response.create"}')
            for expected in RECORDING.responses[0]:
                assert await other.recv(decode=False) == expected

    flaky = _flaky(after=5)
    with caplog.at_level(logging.WARNING):
        _relaying(session, None, server={"response.output_audio.delta": flaky})
    _one_error_logged(caplog)


def test_a_client_handler_that_raises_ends_its_session_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The frame it was given is not forwarded; the upstream is closed with 1011 too."""
    reached: list[str | bytes] = []

    async def upstream(connection: ServerConnection) -> None:
        try:
            await acked(connection, reached)
        finally:
            assert connection.close_code == 1011

    async def session(url: str) -> None:
        async with connect(url) as ws:
            await ws.send(UPDATE, text=True)
            assert await ws.recv() == '{"type":"ack"}'
            await ws.send(UPDATE, text=True)
            assert await _failed(ws) < 3

    with caplog.at_level(logging.WARNING):
        _relaying(session, upstream, client={"session.update": _flaky(after=2)})
    assert reached == [UPDATE.decode()]
    _one_error_logged(caplog)


@pytest.mark.parametrize(
    "returned",
    [42, ["a list"], "\ud800", b'{"type":"x","a":"\xff"}', bytearray(b"\xc3")],
    ids=["int", "list", "surrogate", "bytes not UTF-8", "a buffer not UTF-8"],
)
def test_a_handler_that_returns_no_frame_fails_as_one_that_raises(
    returned: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Not None, bytes, str (UTF-8 encodable) or a buffer of UTF-8 text: the session ends, one
    error logged (bytes that are not UTF-8 were once sent as a text frame, which broke the
    protocol: the client failed the connection, told nothing)."""
    reached: list[str | bytes] = []

    async def session(url: str) -> None:
        async with connect(url) as ws:
            await ws.send(UPDATE, text=True)
            assert await _failed(ws) < 3

    with caplog.at_level(logging.WARNING):
        _relaying(session, lambda connection: acked(connection, reached),
                  client={"session.update": lambda event, frame: returned})  # fmt: skip
    assert reached == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["rt_fast.relay"], caplog.text


def test_a_handler_that_raises_decode_error_sends_the_upstream_nothing() -> None:
    """A server handler's own ``DecodeError`` is its failure, not a frame to refuse: the relay
    once answered the upstream with an ``error`` event the client never sent."""
    reached: list[str | bytes] = []

    def strict(event: Any, frame: bytes) -> bytes:
        rt_fast.decode_server_event(b"not json")
        return frame

    async def upstream(connection: ServerConnection) -> None:
        await connection.send('{"type":"hello"}')
        async for message in connection:
            reached.append(message)

    async def session(url: str) -> None:
        async with connect(url) as ws:
            await _failed(ws)

    _relaying(session, upstream, server={"hello": strict})
    assert reached == []


@pytest.mark.parametrize("first", ["sync", "async"])
def test_a_handler_whose_frame_the_next_cannot_take_fails_as_one_that_raises(
    first: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two client handlers on one type, the first returning a frame that is no client event
    (``response.done``): the second cannot be given it, and that is the first's failure. It
    once escaped as the ``DecodeError`` of the decoding between them: a traceback printed,
    the client cut off without an ``error`` event or a close (the direct way), or closed 1011
    with no reason (the queued way)."""
    reached: list[str | bytes] = []

    def wrong(event: Any, frame: bytes) -> bytes:
        return b'{"type":"response.done"}'

    async def wrong_later(event: Any, frame: bytes) -> bytes:
        await asyncio.sleep(0)
        return wrong(event, frame)

    async def session(url: str) -> None:
        async with connect(url) as ws:
            await ws.send(UPDATE, text=True)
            assert await _failed(ws) < 3

    handlers = {"session.*": wrong if first == "sync" else wrong_later,
                "session.update": lambda event, frame: frame}  # fmt: skip
    with caplog.at_level(logging.WARNING):
        _relaying(session, lambda connection: acked(connection, reached), client=handlers)
    assert reached == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["rt_fast.relay"], caplog.text
    assert "not a client event" in errors[0].getMessage() and errors[0].exc_info is None
    assert "Traceback" not in caplog.text
