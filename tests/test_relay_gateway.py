"""The relay as a gateway deploys it: the upstream key held by the relay, clients checked at the
handshake (token, subprotocol, path, model, session cap), headers by an allowlist, sessions seen
by handlers and hooks, frames injected, limits (idle, length, frame size) and records of many
sessions in one file. Real websockets peers and the official SDK's client on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus

import rt_fast
from rt_fast import ga, relay, server
from tests.conftest import ROOT, acked

RECORDING = server.Recording.load()
KEY, TOKEN = "sk-upstream-secret", "client-token-1"


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _gateway(
    test: Callable[[str], Awaitable[None]],
    upstream: Callable[[ServerConnection], Awaitable[None]] | None = None,
    **options: Any,
) -> None:
    """Run ``test(relay base URL)`` with a relay to ``upstream`` (the local server by default)."""

    async def main() -> None:
        up = await (
            server.serve(RECORDING) if upstream is None else serve(upstream, "127.0.0.1", 0)
        )
        async with up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url, **options) as running:
                await asyncio.wait_for(test(f"ws://127.0.0.1:{_port(running)}"), 60)

    asyncio.run(main())


async def _told(connection: ServerConnection) -> None:
    """An upstream that says what reached it: path, headers, subprotocol; then acks frames."""
    request = connection.request
    assert request is not None
    headers = {k.lower(): v for k, v in request.headers.raw_items()}
    await connection.send(json.dumps({"type": "told", "path": request.path, "headers": headers}))
    await acked(connection, [])


async def _refused_with(url: str, **options: Any) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, **options):
            pass
    return int(refused.value.response.status_code)


# -- keys and clients at the handshake -----------------------------------------------------------


def test_the_sdk_with_no_key_of_its_own_holds_a_session_through_a_relay_holding_one() -> None:
    """The SDK presents the relay's client token, not an API key; the upstream gets the relay's
    key alone, and every server frame reaches the SDK unchanged."""
    seen: list[str | None] = []

    async def upstream(connection: ServerConnection) -> None:
        assert connection.request is not None
        seen.append(connection.request.headers.get("Authorization"))
        await server_handler(connection)

    async def session(base: str) -> None:
        client = AsyncOpenAI(api_key=TOKEN, websocket_base_url=f"{base}/v1")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            assert await conn.recv_bytes() == RECORDING.created
            await conn.response.create()
            assert [await conn.recv_bytes() for _ in RECORDING.responses[0]] == list(
                RECORDING.responses[0]
            )

    _gateway(session, upstream, api_key=KEY, client_token=TOKEN)
    assert seen == [f"Bearer {KEY}"]


async def _pipe(source: Any, sink: Any) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for message in source:
            await sink.send(message)


async def server_handler(connection: ServerConnection) -> None:
    """The local server's session, as an upstream handler of a test's own."""
    async with await server.serve(RECORDING) as local:
        inner = await connect(f"ws://127.0.0.1:{_port(local)}/v1/realtime")
        async with inner:
            pipes = [asyncio.ensure_future(_pipe(inner, connection)),
                     asyncio.ensure_future(_pipe(connection, inner))]  # fmt: skip
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            for pipe in pipes:
                pipe.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)


def test_a_wrong_or_missing_client_token_is_refused_401_before_the_upgrade() -> None:
    reached: list[int] = []

    async def upstream(connection: ServerConnection) -> None:
        reached.append(1)
        await connection.close()

    async def session(base: str) -> None:
        url = f"{base}/v1/realtime"
        assert await _refused_with(url) == 401
        wrong = {"Authorization": "Bearer client-token-2"}
        assert await _refused_with(url, additional_headers=wrong) == 401
        sub = ["realtime", "openai-insecure-api-key.nope"]
        assert await _refused_with(url, subprotocols=sub) == 401
        client = AsyncOpenAI(api_key="sk-wrong", websocket_base_url=f"{base}/v1")
        with pytest.raises(Exception, match="401"):
            async with client.realtime.connect(model="gpt-realtime"):
                pass

    _gateway(session, upstream, api_key=KEY, client_token=TOKEN)
    assert reached == []  # no upstream connection for a refused client


def test_a_browsers_subprotocol_token_is_checked_negotiated_and_never_forwarded() -> None:
    async def session(base: str) -> None:
        sub = ["realtime", f"openai-insecure-api-key.{TOKEN}"]
        async with connect(f"{base}/v1/realtime", subprotocols=sub) as ws:  # type: ignore[arg-type]
            assert ws.subprotocol == "realtime"
            told = json.loads(await ws.recv())
        assert told["headers"]["authorization"] == f"Bearer {KEY}"
        assert "sec-websocket-protocol" not in told["headers"]
        assert TOKEN not in json.dumps(told)

    _gateway(session, _told, api_key=KEY, client_token=TOKEN)


def test_headers_reach_the_upstream_by_an_allowlist_and_the_query_is_merged() -> None:
    async def session(base: str) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}", "OpenAI-Organization": "org-1",
                   "OpenAI-Project": "proj-1", "X-Request-Id": "req-1", "X-Other": "no",
                   "Cookie": "a=b"}  # fmt: skip
        url = f"{base}/v1/realtime?model=gpt-realtime&model=other&x=1&api-key=sk-client"
        async with connect(url, additional_headers=headers) as ws:
            told = json.loads(await ws.recv())
        got = told["headers"]
        assert got["x-request-id"] == "req-1" and got["authorization"] == f"Bearer {KEY}"
        assert "x-other" not in got and "cookie" not in got
        # the relay's key bills the relay's own organization and project, never the client's
        assert got["openai-project"] == "proj-relay" and "openai-organization" not in got
        assert told["path"] == "/v1/realtime?model=gpt-realtime&x=1"

    _gateway(session, _told, api_key=KEY, client_token=TOKEN,
             upstream_headers={"OpenAI-Project": "proj-relay"})  # fmt: skip


def test_a_pass_through_relay_forwards_the_clients_authorization_and_its_scopes() -> None:
    async def session(base: str) -> None:
        headers = {"Authorization": "Bearer sk-client", "OpenAI-Organization": "org-1",
                   "OpenAI-Project": "proj-1"}  # fmt: skip
        async with connect(f"{base}/v1/realtime", additional_headers=headers) as ws:
            told = json.loads(await ws.recv())
        got = told["headers"]
        assert got["authorization"] == "Bearer sk-client"
        assert (got["openai-organization"], got["openai-project"]) == ("org-1", "proj-1")

    _gateway(session, _told)


def test_only_the_apis_paths_and_allowed_models_are_served() -> None:
    async def session(base: str) -> None:
        assert await _refused_with(f"{base}/") == 404
        assert await _refused_with(f"{base}/v1/realtimex") == 404
        assert await _refused_with(f"{base}/v1/realtime?model=gpt-4o") == 403
        both = f"{base}/v1/realtime?model=gpt-realtime&model=gpt-4o"
        assert await _refused_with(both) == 403
        async with connect(f"{base}/v1/realtime?model=gpt-realtime") as ws:
            assert json.loads(await ws.recv())["type"] == "told"
        async with connect(f"{base}/openai/realtime") as ws:  # Azure's path
            assert json.loads(await ws.recv())["type"] == "told"

    _gateway(session, _told, models=["gpt-realtime"])


def test_a_session_update_asking_for_a_model_outside_the_allowlist_is_refused() -> None:
    """The allowlist holds for the model a ``session.update`` asks for, not only the URL's: the
    client gets the API's ``error`` and the upstream never sees the frame; an update naming an
    allowed model, or none, is forwarded."""

    def update(model: str | None) -> str:
        session: dict[str, Any] = {"type": "realtime", "instructions": "Be brief."}
        if model is not None:
            session["model"] = model
        return json.dumps({"type": "session.update", "session": session})

    async def run() -> tuple[list[Any], list[str]]:
        received = server.Received()
        async with await server.serve(RECORDING, received=received) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(upstream, models=["gpt-realtime"]) as running:
                url = f"ws://127.0.0.1:{_port(running)}/v1/realtime?model=gpt-realtime"
                async with connect(url) as socket:
                    assert json.loads(await socket.recv())["type"] == "session.created"
                    got = []
                    for model in ("gpt-4o-realtime-preview", "gpt-realtime", None):
                        await socket.send(update(model))
                        got.append(json.loads(await asyncio.wait_for(socket.recv(), 30)))
        return got, received.types()

    refused, allowed, unnamed = (got := asyncio.run(run()))[0]
    assert refused["type"] == "error" and refused["error"]["param"] == "$.session.model"
    assert "model not allowed: gpt-4o-realtime-preview" in refused["error"]["message"]
    assert allowed["type"] == unnamed["type"] == "session.updated"
    assert got[1] == ["session.update", "session.update"]


def test_authenticate_async_gives_the_session_its_context_or_refuses() -> None:
    contexts: list[Any] = []

    async def authenticate(request: relay.ClientRequest) -> dict[str, str]:
        await asyncio.sleep(0)
        if request.token == "banned":
            raise relay.Refused(403, "banned")
        if request.token != TOKEN:
            raise relay.Refused()
        return {"user": "u1", "peer": request.peer[0]}

    async def hello(event: Any, frame: bytes, session: relay.Session) -> bytes:
        contexts.append((session.context, session.id, session.peer[0]))
        return frame

    async def session(base: str) -> None:
        url = f"{base}/v1/realtime"
        banned = {"Authorization": "Bearer banned"}
        assert await _refused_with(url, additional_headers=banned) == 403
        async with connect(url, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
            await ws.recv()
            await ws.send('{"type":"input_audio_buffer.clear"}')
            assert json.loads(await ws.recv()) == {"type": "ack"}

    _gateway(session, _told, authenticate=authenticate, client={"*": hello})
    [(context, session_id, peer)] = contexts
    assert context == {"user": "u1", "peer": "127.0.0.1"} and peer == "127.0.0.1"
    assert len(session_id) == 16 and '"' not in session_id


def test_an_authenticate_that_fails_refuses_500_and_the_relay_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def authenticate(request: relay.ClientRequest) -> None:
        raise RuntimeError("the user store is down")

    async def session(base: str) -> None:
        assert await _refused_with(f"{base}/v1/realtime") == 500

    _gateway(session, _told, authenticate=authenticate)
    assert any("user store is down" in r.getMessage() for r in caplog.records)
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("rt_fast"))


def test_sessions_over_the_cap_are_refused_503_and_a_place_frees_on_close() -> None:
    ended: list[asyncio.Event] = []

    def on_close(session: relay.Session) -> None:
        ended[0].set()

    async def session(base: str) -> None:
        ended.append(asyncio.Event())
        url = f"{base}/v1/realtime"
        async with connect(url) as ws:
            await ws.recv()
            assert await _refused_with(url) == 503
        await asyncio.wait_for(ended[0].wait(), 10)
        async with connect(url) as ws:
            assert json.loads(await ws.recv())["type"] == "told"

    _gateway(session, _told, limits=relay.Limits(sessions=1), on_close=on_close)


# -- sessions: handlers, hooks, injection, usage -------------------------------------------------


def test_hooks_inject_a_gateway_session_update_and_sessions_sum_their_usage() -> None:
    """``on_open`` sends the gateway's own ``session.update``; an async client handler drops the
    client's (so instructions cannot be changed); ``response.done`` usage is summed; counts per
    direction; ``on_close`` sees the ended session."""
    ended: list[relay.Session] = []
    record = io.BytesIO()
    gateway_update = ga.SessionUpdateEvent(
        session=ga.RealtimeSessionCreateRequest(instructions="Be brief.")
    )

    async def on_open(session: relay.Session) -> None:
        await session.send_to_upstream(gateway_update)

    async def drop(event: Any, frame: bytes, session: relay.Session) -> None:
        await asyncio.sleep(0)
        return None

    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            assert await ws.recv(decode=False) == RECORDING.created
            assert rt_fast.peek_type(await ws.recv(decode=False)) == "session.updated"
            await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
            await ws.send('{"type":"response.create"}')
            frames = [await ws.recv(decode=False) for _ in RECORDING.responses[0]]
            assert frames == list(RECORDING.responses[0])

    _gateway(
        session, client={"session.update": drop}, on_open=on_open, on_close=ended.append,
        record=record,
    )  # fmt: skip
    [done] = ended
    usage = json.loads(RECORDING.responses[0][-2])["response"]["usage"]
    assert done.usage["total_tokens"] == usage["total_tokens"] > 0
    assert done.usage["output_tokens"] == usage["output_tokens"]
    assert done.frames == {"client": 1, "server": 1 + 1 + len(RECORDING.responses[0])}
    lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
    injected = [line for line in lines if line and line.origin == "relay"]
    assert [(line.direction, line.frame) for line in injected] == [
        ("client", rt_fast.encode(gateway_update))
    ]


def test_an_injection_the_decoder_refuses_is_not_sent() -> None:
    failures: list[Exception] = []

    async def on_open(session: relay.Session) -> None:
        for bad in (b'{"type":"response.done","response":{}}', b"not json", "\ud800"):
            try:
                await session.send_to_upstream(bad)
            except rt_fast.DecodeError as exc:
                failures.append(exc)

    reached: list[str | bytes] = []

    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            await ws.send('{"type":"input_audio_buffer.clear"}')
            assert await ws.recv() == '{"type":"ack"}'

    _gateway(session, lambda c: acked(c, reached), on_open=on_open)
    assert len(failures) == 3
    assert reached == ['{"type":"input_audio_buffer.clear"}']


def test_an_async_handler_that_raises_ends_its_session_alone() -> None:
    async def boom(event: Any, frame: bytes) -> bytes:
        await asyncio.sleep(0)
        if b"boom" in frame:
            raise RuntimeError("boom")
        return frame

    async def session(base: str) -> None:
        url = f"{base}/v1/realtime"
        async with connect(url) as calm, connect(url) as failing:
            await failing.send('{"type":"conversation.item.delete","item_id":"boom"}')
            last = b""
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    last = await failing.recv(decode=False)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
            error = rt_fast.decode_server_event(last)
            assert isinstance(error, ga.ErrorEvent) and error.error.type == "server_error"
            await calm.send('{"type":"input_audio_buffer.clear"}')
            assert await calm.recv() == '{"type":"ack"}'

    _gateway(session, lambda c: acked(c, []), client={"*": boom})


# -- limits ----------------------------------------------------------------------------------------


def test_an_idle_session_is_closed_on_both_sides() -> None:
    upstream_closes: list[int | None] = []

    async def upstream(connection: ServerConnection) -> None:
        await connection.wait_closed()
        upstream_closes.append(connection.close_code)

    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                1001,
                "relay idle timeout",
            )

    _gateway(session, upstream, limits=relay.Limits(idle_seconds=0.3))
    assert upstream_closes == [1001]


def test_a_session_past_its_length_gets_the_apis_error_and_is_closed() -> None:
    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            frames = []
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(1_000_000):  # busy, never idle (and _gateway bounds the time)
                    await ws.send('{"type":"input_audio_buffer.clear"}')
                    frames.append(await ws.recv(decode=False))
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
            error = rt_fast.decode_server_event(frames[-1])
            assert isinstance(error, ga.ErrorEvent) and error.error.code == "session_expired"

    _gateway(session, lambda c: acked(c, []), limits=relay.Limits(session_seconds=0.3))


@pytest.mark.parametrize("side", ["client", "server"])
def test_a_frame_over_its_directions_limit_closes_1009(side: str) -> None:
    big = '{"type":"input_audio_buffer.append","audio":"' + "A" * 4000 + '"}'

    async def upstream(connection: ServerConnection) -> None:
        await connection.send(big if side == "server" else '{"type":"hello"}')
        await acked(connection, [])

    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            if side == "client":
                await ws.recv()
                await ws.send(big)
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(3):
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code in (1009, 1011)

    limits = relay.Limits(client_frame_bytes=1000, server_frame_bytes=1000)
    _gateway(session, upstream, limits=limits)


# -- records of many sessions ----------------------------------------------------------------------


def test_two_sessions_in_one_record_are_told_apart() -> None:
    record = io.BytesIO()

    async def one(url: str, tag: str) -> None:
        async with connect(url) as ws:
            await ws.recv()
            for _ in range(5):
                await ws.send(json.dumps({"type": "conversation.item.delete", "item_id": tag}))
                await ws.recv()

    async def session(base: str) -> None:
        url = f"{base}/v1/realtime"
        await asyncio.gather(one(url, "a"), one(url, "b"))

    _gateway(session, _told, record=record)
    lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
    by_session: dict[str, set[str]] = {}
    for line in lines:
        assert line is not None
        if line.direction == "client":
            by_session.setdefault(line.session, set()).add(json.loads(line.frame)["item_id"])
    assert sorted(map(sorted, by_session.values())) == [["a"], ["b"]]


# -- the relay guide's gateway -------------------------------------------------------------------


def _guides_gateway() -> dict[str, Any]:
    """What the relay guide's gateway defines (its users, hooks and handler), without the part
    that runs it: the test below runs it against a recording, checking more."""
    guide = (ROOT / "docs" / "relay.md").read_text(encoding="utf-8")
    section = guide[guide.index("A gateway that fixes the instructions") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    names: dict[str, Any] = {"__name__": "gateway"}
    exec(compile(match.group(1).split("\nwith server.running(")[0], "docs/relay.md", "exec"), names)
    return names


def test_the_guides_gateway_fixes_the_session_and_bills() -> None:
    """The relay guide's gateway in front of a recorded upstream: a wrong token is refused, the
    gateway's ``session.update`` goes first, the client's is dropped, the user is billed the
    usage of the response."""
    gateway = _guides_gateway()
    token = next(iter(gateway["USERS"]))

    async def main() -> None:
        async with await server.serve(RECORDING) as up:
            running = await relay.relay(
                f"ws://127.0.0.1:{_port(up)}/v1/realtime", port=0, api_key=KEY,
                authenticate=gateway["authenticate"],
                client={"session.update": gateway["no_session_changes"]},
                on_open=gateway["on_open"], on_close=gateway["on_close"],
            )  # fmt: skip
            async with running:
                base = f"ws://127.0.0.1:{_port(running)}/v1/realtime"
                assert await _refused_with(base) == 401
                auth = {"Authorization": f"Bearer {token}"}
                async with connect(base, additional_headers=auth) as ws:
                    assert await ws.recv(decode=False) == RECORDING.created
                    assert rt_fast.peek_type(await ws.recv(decode=False)) == "session.updated"
                    await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
                    await ws.send('{"type":"response.create"}')
                    frames = [await ws.recv(decode=False) for _ in RECORDING.responses[0]]
                    assert frames == list(RECORDING.responses[0])  # no second session.updated

    asyncio.run(asyncio.wait_for(main(), 60))
    usage = json.loads(RECORDING.responses[0][-2])["response"]["usage"]
    assert gateway["BILLED"] == {gateway["USERS"][token]: usage["total_tokens"]}


# -- what an outsider tries ----------------------------------------------------------------------


def test_handshakes_that_fail_after_admission_leave_no_place_taken() -> None:
    """Plain HTTP requests (no upgrade) on the API's path pass the checks, then fail the
    handshake: each once kept a place, so a relay of one session would refuse everyone."""

    async def session(base: str) -> None:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /v1/realtime HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await reader.readline()).startswith(b"HTTP/1.1 4")
            writer.close()
            await writer.wait_closed()
        async with connect(f"{base}/v1/realtime") as ws:
            assert json.loads(await ws.recv())["type"] == "told"

    _gateway(session, _told, limits=relay.Limits(sessions=1))


@pytest.mark.parametrize("target", ["//[", "//[::1/v1/realtime", "/v1/realtime/../x", "*"])
def test_odd_request_targets_are_404_without_a_traceback(
    target: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``//[`` made ``urlsplit`` raise inside ``process_request``: a 500 and a traceback."""

    async def session(base: str) -> None:
        port = int(base.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())  # fmt: skip
        assert (await reader.readline()).startswith(b"HTTP/1.1 404")
        writer.close()
        await writer.wait_closed()

    _gateway(session, _told)
    assert not any(r.exc_info for r in caplog.records)


def test_two_authorization_headers_are_no_credential_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def session(base: str) -> None:
        headers = [("Authorization", f"Bearer {TOKEN}"), ("Authorization", "Bearer other")]
        assert await _refused_with(f"{base}/v1/realtime", additional_headers=headers) == 401

    _gateway(session, _told, client_token=TOKEN)
    assert not any(r.exc_info for r in caplog.records)


def test_a_refusal_must_be_a_4xx() -> None:
    with pytest.raises(ValueError, match="4xx"):
        relay.Refused(200)


def test_an_on_open_that_never_returns_ends_its_session_at_the_idle_limit() -> None:
    async def on_open(session: relay.Session) -> None:
        await asyncio.Event().wait()

    async def session(base: str) -> None:
        async with connect(f"{base}/v1/realtime") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011

    _gateway(session, _told, on_open=on_open, limits=relay.Limits(idle_seconds=0.3))
