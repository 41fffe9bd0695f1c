"""The relay's two connections: the upstream URL it builds from the client's request, what a
client is told when the upstream cannot be reached, and how a close on one side reaches the
other. Real websockets peers (and raw sockets, where a peer must misbehave) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close
from websockets.http11 import Request, Response

from rt_fast import relay
from rt_fast._cli import main

SECRET = "sk-SECRET"


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _with_upstream(
    test: Callable[[int], Awaitable[None]],
    upstream: Callable[[ServerConnection], Awaitable[None]],
    query: str = "",
    **options: Any,
) -> None:
    """Run ``test(relay port)`` with a relay to ``upstream`` at ``/v1/realtime?query``."""

    async def main() -> None:
        async with await serve(upstream, "127.0.0.1", 0, **options) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime{query}"
            async with await relay.relay(url) as running:
                await asyncio.wait_for(test(_port(running)), 30)

    asyncio.run(main())


async def _raw_session(port: int, target: str) -> list[tuple[int, bytes]]:
    """A websocket client that asks for ``target`` as written (websockets' own client would drop
    a fragment): the (opcode, payload) of each frame the relay sends, up to its close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())  # fmt: skip
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    frames: list[tuple[int, bytes]] = []
    while not frames or frames[-1][0] != 8:  # short frames only: a 7-bit length, no mask
        head = await reader.readexactly(2)
        frames.append((head[0] & 0x0F, await reader.readexactly(head[1])))
    writer.close()
    return frames


# -- the upstream URL ---------------------------------------------------------------------------


def test_the_clients_query_joins_the_upstreams_whose_own_parameters_win() -> None:
    paths: list[str] = []

    async def upstream(connection: ServerConnection) -> None:
        assert connection.request is not None
        paths.append(connection.request.path)
        await connection.send('{"type":"hello"}')
        await connection.wait_closed()

    async def session(port: int) -> None:
        url = f"ws://127.0.0.1:{port}/v1/realtime?model=gpt-realtime&api-key=sk-client"
        async with connect(url) as ws:
            await ws.recv()

    _with_upstream(session, upstream, f"?api-version=2025-04-01&api-key={SECRET}")
    assert paths == [f"/v1/realtime?api-version=2025-04-01&api-key={SECRET}&model=gpt-realtime"]


def test_a_fragment_in_the_clients_request_reaches_neither_the_upstream_nor_a_close() -> None:
    """``?#x`` once made an upstream URL websockets refused, and the close reason held it."""
    paths: list[str] = []

    async def upstream(connection: ServerConnection) -> None:
        assert connection.request is not None
        paths.append(connection.request.path)
        await connection.send('{"type":"hello"}')
        await connection.close()

    async def session(port: int) -> None:
        frames = await _raw_session(port, "/v1/realtime?#x")
        assert frames == [(1, b'{"type":"hello"}'), (8, Close(1000, "").serialize())]

    _with_upstream(session, upstream, f"?api-key={SECRET}")
    assert paths == [f"/v1/realtime?api-key={SECRET}"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("target", ["/v1/realtime", "/v1/realtime?#x"])
def test_a_client_is_never_told_the_upstream_url_or_its_address(target: str) -> None:
    """An upstream that cannot be reached: the client's close names neither its URL, nor its
    key, nor its address (the reason once held the exception's text)."""
    closed = _free_port()

    async def main() -> None:
        upstream = f"ws://127.0.0.1:{closed}/v1/realtime?api-key={SECRET}"
        async with await relay.relay(upstream) as running:
            frames = await _raw_session(_port(running), target)
        assert frames == [(8, Close(1011, "upstream unreachable").serialize())]

    asyncio.run(asyncio.wait_for(main(), 30))


def test_an_upstream_that_refuses_the_handshake_is_named_by_its_status_alone() -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(HTTPStatus.UNAUTHORIZED, f"bad key at {request.path}\n")

    async def never(connection: ServerConnection) -> None:
        raise AssertionError("the handshake was refused")

    async def main() -> None:
        async with await serve(never, "127.0.0.1", 0, process_request=refuse) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime?api-key={SECRET}"
            async with await relay.relay(upstream) as running:
                frames = await _raw_session(_port(running), "/v1/realtime")
        assert frames == [(8, Close(1011, "upstream refused: HTTP 401").serialize())]

    asyncio.run(asyncio.wait_for(main(), 30))


# -- closes ---------------------------------------------------------------------------------------


async def _until_closed(connection: ServerConnection, closes: list[Close | None]) -> None:
    """An upstream that takes frames until the relay closes it, noting the close it got."""
    try:
        async for _ in connection:
            pass
    finally:
        closes.append(connection.protocol.close_rcvd)


def test_a_close_without_a_status_code_crosses_as_one(caplog: pytest.LogCaptureFixture) -> None:
    """A browser's ``ws.close()`` sends no code (1005 on receipt): the relay closes the upstream
    the same way, and its handler does not fail trying to send 1005."""
    closes: list[Close | None] = []

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.send('{"type":"x"}')
            await ws.close(None)  # type: ignore[arg-type]  # websockets sends no code for None

    with caplog.at_level(logging.ERROR):
        _with_upstream(session, lambda connection: _until_closed(connection, closes))
    assert closes == [Close(1005, "")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_an_upstream_that_resets_reaches_the_client_as_an_error_not_a_clean_close() -> None:
    async def resets(connection: ServerConnection) -> None:
        await connection.send('{"type":"hello"}')
        connection.transport.abort()  # a TCP reset, no close frame

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.rcvd == Close(1011, "upstream connection lost")

    _with_upstream(session, resets)


def test_a_client_that_vanishes_reaches_the_upstream_as_an_error() -> None:
    closes: list[Close | None] = []

    async def session(port: int) -> None:
        ws = await connect(f"ws://127.0.0.1:{port}/v1/realtime")
        await ws.send('{"type":"x"}')
        ws.transport.abort()

    async def main() -> None:
        async def upstream(connection: ServerConnection) -> None:
            await _until_closed(connection, closes)

        async with await serve(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url) as running:
                await session(_port(running))
                while not closes:
                    await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(main(), 30))
    assert closes == [Close(1011, "client connection lost")]


# -- the command line ----------------------------------------------------------------------------


def test_the_command_says_where_it_relays_without_the_upstreams_query_or_user() -> None:
    """Its first line once held the whole URL, key included."""
    upstream = f"ws://user:pass@127.0.0.1:{_free_port()}/v1/realtime?api-key={SECRET}&x=1"
    command = [sys.executable, "-m", "rt_fast", "relay", "--upstream", upstream, "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
        finally:
            process.terminate()
    assert re.fullmatch(r"rt-fast relay: ws://127\.0\.0\.1:\d+ -> ws://127\.0\.0\.1:\d+"
                        r"/v1/realtime; Ctrl-C stops\n", line), line  # fmt: skip


@pytest.mark.parametrize("url", ["ws://a b/", "ws://example.com/v1/real time", "ws://a\tb/",
                                 "ws://exa!mple.com/", "ws://-/", "wss://a..b/"])  # fmt: skip
def test_an_upstream_url_with_whitespace_or_no_valid_host_is_refused_at_parse_time(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["relay", "--upstream", url, "--port", "70000"]) == 2  # never runs: a bad port
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a ws:// or wss:// URL with a host" in err, err


@pytest.mark.parametrize("url", ["ws://127.0.0.1:8765/v1/realtime", "ws://[::1]:80/",
                                 "wss://api.openai.com/v1/realtime?model=gpt-realtime",
                                 "ws://bücher.example/", "ws://my_service:8080/", "ws://host./"])  # fmt: skip
def test_upstream_urls_with_a_valid_host_are_taken(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each is taken: the error is the next argument's."""
    assert main(["relay", "--upstream", url, "--port", "70000"]) == 2
    assert "argument --port" in capsys.readouterr().err
