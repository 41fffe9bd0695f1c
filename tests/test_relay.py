"""The relay, between real websockets peers on 127.0.0.1: the official SDK's client, the local
Realtime server, and small upstreams that show what reached them."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import rt_fast
from rt_fast import beta, ga, relay, server, translation
from tests.conftest import acked

RECORDING = server.Recording.load()


def _frame(line: bytes) -> bytes:
    """The frame of a record's line."""
    read = relay.read_record_line(line)
    assert read is not None
    return read.frame


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


def _through_relay(
    test: Callable[[int], Awaitable[None]],
    upstream: Callable[[ServerConnection], Awaitable[None]] | None = None,
    **options: Any,
) -> None:
    """Run ``test(relay port)`` with a relay to ``upstream`` (the local server by default)."""

    async def main() -> None:
        if upstream is None:
            up = await server.serve(RECORDING)
        else:
            up = await serve(upstream, "127.0.0.1", 0)
        async with up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(url, **options) as running:
                await asyncio.wait_for(test(_port(running)), 60)

    asyncio.run(main())


def test_the_sdk_client_through_the_relay_gets_the_servers_bytes() -> None:
    """A whole session through the relay: every frame the server sent reaches the SDK's
    client byte-identical, and the record holds both directions in order."""
    record = io.BytesIO()

    async def session(port: int) -> None:
        client = AsyncOpenAI(api_key="sk-any", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            assert await conn.recv_bytes() == RECORDING.created
            for recorded in RECORDING.responses:
                await conn.response.create()
                assert [await conn.recv_bytes() for _ in recorded] == list(recorded)

    _through_relay(session, record=record)
    lines = [_frame(line) for line in record.getvalue().splitlines()]
    server_lines = [line for line in lines if rt_fast.peek_type(line) != "response.create"]
    assert server_lines == [RECORDING.created, *(f for r in RECORDING.responses for f in r)]
    assert sum(rt_fast.peek_type(line) == "response.create" for line in lines) == 4


async def _echo(connection: ServerConnection) -> None:
    """An upstream that says what reached it: its path, its Authorization, then each frame."""
    request = connection.request
    assert request is not None
    hello = {"type": "hello", "path": request.path, "auth": request.headers.get("Authorization")}
    await connection.send(json.dumps(hello))
    async for message in connection:
        await connection.send(json.dumps({"type": "echo", "frame": message}))


def test_query_and_authorization_reach_the_upstream_and_frames_cross_unchanged() -> None:
    async def session(port: int) -> None:
        headers = {"Authorization": "Bearer sk-secret"}
        url = f"ws://127.0.0.1:{port}/v1/realtime?model=gpt-realtime"
        async with connect(url, additional_headers=headers) as ws:
            hello = json.loads(await ws.recv())
            assert hello["path"] == "/v1/realtime?model=gpt-realtime"
            assert hello["auth"] == "Bearer sk-secret"
            frame = '{"type":"conversation.item.create",  "item":{"type":"message"}}'
            await ws.send(frame)
            assert json.loads(await ws.recv())["frame"] == frame  # spaces and all

    _through_relay(session, _echo)


def test_handlers_see_typed_events_replace_and_drop_frames() -> None:
    """A policy: drop session.update from clients, count response.done usage from servers."""
    seen: list[Any] = []

    def drop(event: Any, frame: bytes) -> None:
        assert isinstance(event, ga.SessionUpdateEvent)
        return None

    def usage(event: Any, frame: bytes) -> bytes:
        assert isinstance(event, ga.ResponseDoneEvent)
        seen.append(event.response.usage)
        return frame

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
            await ws.send('{"type":"response.create"}')
            frames = []
            while not frames or rt_fast.peek_type(frames[-1]) != "rate_limits.updated":
                frames.append(await ws.recv(decode=False))
            assert "session.updated" not in map(rt_fast.peek_type, frames)  # never sent on
            assert frames == list(RECORDING.responses[0])

    _through_relay(session, client={"session.*": drop}, server={"response.done": usage})
    assert len(seen) == 1 and seen[0].total_tokens > 0


def test_a_frame_that_could_route_two_ways_is_refused_not_forwarded() -> None:
    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            await ws.send('{"type":"response.cancel","type":"response.create"}')
            await ws.send(b'{"type":"response.create"}')  # binary: not relayed either
            for _ in range(2):
                error = rt_fast.decode_server_event(await ws.recv(decode=False))
                assert isinstance(error, ga.ErrorEvent) and "rt_fast relay" in error.error.message
            await ws.send('{"type":"x"}')
            assert json.loads(await ws.recv())["frame"] == '{"type":"x"}'  # only this one

    _through_relay(session, _echo)


def test_close_codes_cross_both_ways() -> None:
    async def closes(connection: ServerConnection) -> None:
        await connection.send('{"type":"hello"}')
        await connection.close(4000, "upstream says bye")

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            try:
                await ws.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                assert (closed.rcvd.code, closed.rcvd.reason) == (4000, "upstream says bye")
            else:
                raise AssertionError("the relay did not close")

    _through_relay(session, closes)


def test_the_command_relays_and_records(tmp_path: Path) -> None:
    """``rt-fast relay --upstream URL --port 0 --record LOG`` in front of ``rt-fast serve``."""
    log = tmp_path / "session.jsonl"

    async def main() -> None:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            command = [sys.executable, "-m", "rt_fast", "relay", "--upstream", upstream,
                       "--port", "0", "--record", str(log)]  # fmt: skip
            process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
            try:
                assert process.stdout is not None
                line = (await process.stdout.readline()).decode()
                assert line.startswith("rt-fast relay: ws://127.0.0.1:"), line
                port = int(line.split(":")[3].split(" ")[0])
                async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
                    assert await ws.recv(decode=False) == RECORDING.created
            finally:
                process.terminate()
                await process.wait()

    asyncio.run(asyncio.wait_for(main(), 60))
    [line] = log.read_bytes().splitlines()
    assert _frame(line) == RECORDING.created


# A response.done whose output holds an item type newer than the models: it cannot be typed.
NEWER = (b'{"type":"response.done","event_id":"event_1","response":{"id":"resp_1","object":'
         b'"realtime.response","status":"completed","output":[{"type":"web_search_call",'
         b'"id":"ws_1"}]}}')  # fmt: skip


def test_upstream_frames_no_handler_can_type_are_forwarded_and_nothing_goes_up() -> None:
    """The README's ``log_usage`` against an upstream that sends what no model types (a newer
    item, not JSON, binary): the client gets each frame as it came, ``on_decode_error`` says
    why, and the upstream receives only what the client sent."""
    reached: list[str | bytes] = []
    usage: list[Any] = []
    refused: list[tuple[bytes, rt_fast.DecodeError]] = []

    async def upstream(connection: ServerConnection) -> None:
        for frame in (NEWER, b"not json", b'{"type":"a","type":"b"}'):
            await connection.send(frame, text=True)
        await connection.send(b"\x00\x01")  # binary
        async for message in connection:
            reached.append(message)
            await connection.send('{"type":"ack"}')

    def log_usage(event: ga.ResponseDoneEvent, frame: bytes) -> bytes:
        usage.append(event.response.usage)
        return frame

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            assert await ws.recv(decode=False) == NEWER
            assert await ws.recv(decode=False) == b"not json"
            assert await ws.recv(decode=False) == b'{"type":"a","type":"b"}'
            assert await ws.recv() == b"\x00\x01"  # binary stays binary
            await ws.send('{"type":"response.create"}')
            assert await ws.recv() == '{"type":"ack"}'

    _through_relay(session, upstream, server={"response.*": log_usage, "a": log_usage},
                   on_decode_error=lambda frame, error: refused.append((frame, error)))  # fmt: skip
    assert reached == ['{"type":"response.create"}']
    assert usage == []
    assert [frame for frame, _ in refused] == [NEWER, b"not json", b'{"type":"a","type":"b"}']
    assert "web_search_call" in str(refused[0][1])


def test_each_chained_handler_gets_the_event_of_the_frame_it_is_given() -> None:
    """The first handler replaces the frame; the second sees the replacement, typed."""
    seen: list[tuple[Any, Any]] = []
    reached: list[str | bytes] = []
    neutral = b'{"type":"response.create","response":{"instructions":null}}'

    def neuter(event: ga.ResponseCreateEvent, frame: bytes) -> bytes:
        return neutral

    def check(event: ga.ResponseCreateEvent, frame: bytes) -> bytes:
        assert event.response is not msgspec.UNSET
        seen.append((event.response.instructions, json.loads(frame)["response"]["instructions"]))
        return frame

    async def upstream(connection: ServerConnection) -> None:
        async for message in connection:
            reached.append(message)
            await connection.send('{"type":"ack"}')

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.send('{"type":"response.create","response":{"instructions":"evil"}}')
            await ws.recv()

    _through_relay(session, upstream, client={"response.*": neuter, "response.create": check})
    assert seen == [(None, None)]
    assert reached == [neutral.decode()]


# -- what a client may send: what the decoder takes, and no server event ------------------------

# Frames whose type leads but that the decoder refuses: trailing bytes, a raw CR and a raw NUL
# inside strings, a field of the wrong type.
MALFORMED = [
    '{"type":"response.create"}GARBAGE',
    '{"type":"response.create","x":"a\rb"}',
    '{"type":"response.create","event_id":"a\x00"}',
    '{"type":"response.create","response":5}',
]
# Well-formed server events of each generation: no client sends them.
SERVER_TYPES = [
    RECORDING.created,
    RECORDING.responses[0][-2],  # response.done
    RECORDING.responses[0][0],  # response.created
    b'{"type":"session.input_transcript.delta","event_id":"e1","delta":"hola"}',  # translation's
    b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i",'
    b'"output_index":0,"content_index":0,"delta":"AAAA"}',  # beta's
]


def _refused(reply: bytes) -> str:
    """The message of the relay's ``error`` event ``reply``."""
    error = rt_fast.decode_server_event(reply)
    assert isinstance(error, ga.ErrorEvent) and "rt_fast relay" in error.error.message, reply
    return error.error.message


def test_a_client_frame_the_decoder_refuses_is_neither_forwarded_nor_recorded() -> None:
    """Routing equals decoding: a frame whose type leads is refused as the decoder refuses it,
    without a handler too (its type once made it forwarded, and its record line one that
    ``rt-fast stats`` rejects); the session goes on."""
    record = io.BytesIO()
    reached: list[str | bytes] = []

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            for frame in MALFORMED:
                await ws.send(frame)
                _refused(await ws.recv(decode=False))
            await ws.send('{"type":"response.create"}')
            assert await ws.recv() == '{"type":"ack"}'

    _through_relay(session, lambda connection: acked(connection, reached), record=record)
    assert reached == ['{"type":"response.create"}']
    frames = [_frame(line) for line in record.getvalue().splitlines()]
    assert len(frames) == len(MALFORMED) + 2
    for frame in frames:  # every line a frame the decoders take
        rt_fast.decode_server_event(frame) if rt_fast.peek_type(frame) != "response.create" else (
            rt_fast.decode_client_event(frame)
        )


def test_a_client_may_not_send_a_server_event_and_its_record_holds_none() -> None:
    """A client's ``response.done`` (or any type only servers send, of any generation) is
    refused: forwarded, it was a record line ``rt-fast stats`` counted and ``serve --replay``
    played. A type no generation has is still forwarded (forward compatibility)."""
    record = io.BytesIO()
    reached: list[str | bytes] = []

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            for frame in SERVER_TYPES:
                await ws.send(frame, text=True)
                assert "server event" in _refused(await ws.recv(decode=False))
            await ws.send('{"type":"response.newer_thing","x":1}')
            assert await ws.recv() == '{"type":"ack"}'

    _through_relay(session, lambda connection: acked(connection, reached), record=record)
    assert reached == ['{"type":"response.newer_thing","x":1}']
    lines = [_frame(line) for line in record.getvalue().splitlines()]
    assert [rt_fast.peek_type(line) for line in lines] == [*["error"] * 5, "response.newer_thing",
                                                           "ack"]  # fmt: skip


def test_client_frames_of_every_generation_reach_handlers_decoded_as_theirs() -> None:
    """Client frames decode with ``protocol="auto"``: a beta ``session.update`` (a session
    without ``type``, which GA refuses) is forwarded and typed as beta's, a GA one as GA's, a
    translation append as translation's; the handlers of one type get the one event."""
    seen: list[Any] = []
    reached: list[str | bytes] = []
    frames = ['{"type":"session.update","session":{"modalities":["text"]}}',
              '{"type":"session.update","session":{"type":"realtime"}}',
              '{"type":"session.input_audio_buffer.append","audio":"AAAA"}']  # fmt: skip

    def saw(event: Any, frame: bytes) -> bytes:
        seen.append(event)
        return frame

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            for frame in frames:
                await ws.send(frame)
                assert await ws.recv() == '{"type":"ack"}'

    _through_relay(session, lambda connection: acked(connection, reached),
                   client={"session.*": saw, "session.update": saw})  # fmt: skip
    assert reached == frames
    assert [type(event) for event in seen[::2]] == [beta.SessionUpdateEvent,
        ga.SessionUpdateEvent, translation.SessionInputAudioBufferAppendEvent]  # fmt: skip
    assert seen[0] is seen[1] and seen[2] is seen[3]


def test_each_error_reply_has_an_event_id_of_its_own() -> None:
    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()  # hello
            ids = set()
            for _ in range(3):
                await ws.send("not json")
                ids.add(json.loads(await ws.recv())["event_id"])
            assert len(ids) == 3, ids

    _through_relay(session, _echo)
