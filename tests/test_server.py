"""The local Realtime server: a real websockets server on 127.0.0.1, the official SDK's client."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import rt_fast
from rt_fast import ga, server
from rt_fast._traffic import session_frames
from tests.conftest import serving

RECORDING = server.Recording.load()


def _run(test: Callable[[int], Awaitable[None]], recording: server.Recording = RECORDING) -> None:
    """Run ``test(port)`` against a server on a free port of 127.0.0.1."""

    async def main() -> None:
        async with await server.serve(recording) as running:
            await asyncio.wait_for(test(running.sockets[0].getsockname()[1]), 60)

    asyncio.run(main())


def _sdk(port: int) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="sk-any", websocket_base_url=f"ws://127.0.0.1:{port}/v1")


def test_the_recording_holds_the_samples_responses() -> None:
    """Each response runs from response.created to response.done (then its rate limits)."""
    assert len(RECORDING.responses) == 4
    for response in RECORDING.responses:
        types = [rt_fast.peek_type(frame) for frame in response]
        assert types[0] == "response.created"
        assert types.index("response.done") == len(types) - 1 - types.count("rate_limits.updated")
    assert rt_fast.peek_type(RECORDING.created) == "session.created"


def test_the_sdk_client_holds_a_session_and_gets_the_recorded_bytes() -> None:
    """The official client, unmodified: session.created, session.updated, then every frame of
    the recorded responses in turn, byte-identical, parsed by the SDK's own models."""

    async def session(port: int) -> None:
        async with _sdk(port).realtime.connect(model="gpt-realtime") as conn:
            assert (await conn.recv()).type == "session.created"
            await conn.session.update(session={"type": "realtime", "instructions": "be brief"})
            assert (await conn.recv()).type == "session.updated"
            for recorded in RECORDING.responses[:2]:
                await conn.response.create()
                got = [await conn.recv_bytes() for _ in recorded]
                assert got == list(recorded)
                assert conn.parse_event(got[-1]).type in ("response.done", "rate_limits.updated")

    _run(session)


def test_audio_is_committed_and_cleared_as_the_api_does() -> None:
    """A commit of 200 ms of silence is acknowledged with a new user item (added and done);
    a clear is acknowledged; a commit of less than 100 ms gets the API's error."""

    async def session(port: int) -> None:
        async with _sdk(port).realtime.connect(model="gpt-realtime") as conn:
            await conn.recv()
            await conn.input_audio_buffer.append(audio=base64.b64encode(bytes(9600)).decode())
            await conn.input_audio_buffer.commit()
            committed = await conn.recv()
            assert committed.type == "input_audio_buffer.committed"
            assert committed.item_id.startswith("item_")
            added, done = await conn.recv(), await conn.recv()
            assert (added.type, done.type) == ("conversation.item.added", "conversation.item.done")
            assert added.item.id == done.item.id == committed.item_id
            await conn.input_audio_buffer.append(audio="AAAA")
            await conn.input_audio_buffer.clear()
            assert (await conn.recv()).type == "input_audio_buffer.cleared"
            await conn.input_audio_buffer.commit()
            error = await conn.recv()
            assert error.type == "error" and error.error.code == "input_audio_buffer_commit_empty"

    _run(session)


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("{not json", "malformed"),
        ('{"type":"session.update","session":{"type":"realtime","audio":7}}', "$.session.audio"),
        ('{"type":"brand.new.event"}', "unknown client event type 'brand.new.event'"),
        (b"\x00\x01", "binary frames are not accepted"),
    ],
)
def test_a_bad_frame_gets_an_error_event_and_the_session_goes_on(frame: Any, says: str) -> None:
    """The API's error event, naming the fault; the connection stays open and still answers."""

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime?model=x") as ws:
            await ws.recv()
            await ws.send(frame)
            error = rt_fast.decode_server_event(await ws.recv(decode=False))
            assert isinstance(error, ga.ErrorEvent)
            assert says in error.error.message or says == error.error.param
            await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
            assert rt_fast.peek_type(await ws.recv(decode=False)) == "session.updated"

    _run(session)


def test_other_paths_are_not_found() -> None:
    async def session(port: int) -> None:
        with pytest.raises(InvalidStatus) as info:
            async with connect(f"ws://127.0.0.1:{port}/v1/chat"):
                pass
        assert info.value.response.status_code == 404

    _run(session)


def test_a_log_without_session_updated_answers_with_the_created_session(tmp_path: Path) -> None:
    """A replayed log of its own (gzip here): its frames, and a session.updated made from its
    session.created when it recorded none."""
    frames = [f for _, f in session_frames(seed=3, turns=2) if b'"session.updated"' not in f[:40]]
    log = tmp_path / "log.jsonl.gz"
    log.write_bytes(gzip.compress(b"\n".join(frames) + b"\n"))
    recording = server.Recording.load(str(log))
    assert recording.updated is None and recording.responses

    async def session(port: int) -> None:
        async with _sdk(port).realtime.connect(model="gpt-realtime") as conn:
            created = json.loads(await conn.recv_bytes())
            await conn.session.update(session={"type": "realtime"})
            updated = json.loads(await conn.recv_bytes())
            assert updated["type"] == "session.updated"
            assert updated["session"] == created["session"]
            await conn.response.create()
            # the whole response: a client that leaves mid-response stops reading, and its
            # websockets then waits out close_timeout (10 s) for a close stuck behind frames
            assert [await conn.recv_bytes() for _ in recording.responses[0]] == list(
                recording.responses[0]
            )

    _run(session, recording)


def test_the_command_serves_until_stopped() -> None:
    """``rt-fast serve --port 0`` says where it listens; a client holds a session there."""
    with serving("serve") as port:

        async def session() -> None:
            async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
                assert await ws.recv(decode=False) == RECORDING.created

        asyncio.run(asyncio.wait_for(session(), 60))


def _beta_created() -> bytes:
    golden = Path(__file__).parent / "data" / "golden" / "beta.jsonl"
    records = (json.loads(line) for line in golden.read_text().splitlines())
    frame = next(r["frame"] for r in records if r["name"] == "session.created")
    return json.dumps(frame).encode()


GA_FRAMES = [f for _, f in session_frames(seed=3, turns=2)]


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ([_beta_created(), *GA_FRAMES[1:]], "line 1: the session.created is not a GA one"),
        ([*GA_FRAMES[:2], b"{not json", *GA_FRAMES[2:]], "line 3: JSON is malformed"),
        ([*GA_FRAMES[:2], b"[1, 2]", *GA_FRAMES[2:]], "line 3: "),
        ([f for f in GA_FRAMES if b'"session.created"' not in f[:40]], "no session.created"),
        ([], "no session.created"),
        ([b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"], "line 1: "),
        (GA_FRAMES[:1], "no response to play"),
        ([f for f in GA_FRAMES if b'"response.done"' not in f[:40]], "no response to play"),
    ],
    ids=[
        "beta",
        "bad line",
        "not an object",
        "no session.created",
        "empty",
        "not text",
        "no response",
        "no response.done",
    ],
)
def test_a_log_the_server_cannot_play_is_refused_at_load(
    tmp_path: Path, lines: list[bytes], says: str
) -> None:
    """A ValueError (a DecodeError for a bad line) in one line naming the log and the line,
    before any client connects: never a session that dies at its first session.update."""
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(ValueError) as info:
        server.Recording.load(str(log))
    message = str(info.value)
    assert says in message and str(log) in message and "\n" not in message, message


def _delta(seconds: float) -> bytes:
    """A GA audio delta of ``seconds`` of PCM16 at 24 kHz."""
    return rt_fast.encode_audio(ga.ResponseOutputAudioDeltaEvent, bytes(int(48_000 * seconds)),
                                event_id="event_d", response_id="resp_slow", item_id="item_1",
                                output_index=0, content_index=0)  # fmt: skip


def test_response_create_while_one_plays_is_refused_as_the_api_does() -> None:
    """One response plays at a time: another asked meanwhile gets the API's error naming the
    response in progress, and the session goes on (the next is taken once it is done)."""
    sample = RECORDING.responses[2]  # short: response.created .. response.done
    slow_created = sample[0].replace(b'"id":"resp_', b'"id":"resp_slow', 1)
    slow = (slow_created, _delta(1.0), *sample[1:])
    recording = server.Recording(RECORDING.created, RECORDING.updated, (slow, sample))

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            for _ in range(3):
                await ws.send('{"type":"response.create"}')
            got = [await ws.recv(decode=False) for _ in range(len(slow) + 2)]
            errors = [rt_fast.decode_server_event(f) for f in got if b'"type":"error"' in f[:20]]
            assert [f for f in got if b'"type":"error"' not in f[:20]] == list(slow)
            created = rt_fast.decode_server_event(slow_created)
            assert isinstance(created, ga.ResponseCreatedEvent)
            assert len(errors) == 2
            for error in errors:
                assert isinstance(error, ga.ErrorEvent)
                assert error.error.code == "conversation_already_has_active_response"
                assert error.error.message == (
                    f"Conversation already has an active response in progress: {created.response.id}. "
                    "Wait until the response is finished before creating a new one."
                )
            await ws.send('{"type":"response.create"}')  # none plays now: taken
            assert [await ws.recv(decode=False) for _ in sample] == list(sample)

    async def main() -> None:
        async with await server.serve(recording, pace="realtime") as running:
            await asyncio.wait_for(session(running.sockets[0].getsockname()[1]), 60)

    asyncio.run(main())


def test_a_flood_of_unread_response_creates_keeps_the_server_flat() -> None:
    """A client writes up to 200,000 response.create frames (26 bytes each) as fast as its
    socket takes them and reads nothing: the server's memory stays flat (once a response
    fills the socket it stops reading), and it serves the next client."""
    frame = b'{"type":"response.create"}'
    raw = bytes([0x81, 0x80 | len(frame)]) + bytes(4) + frame  # a masked text frame, zero key

    async def session(port: int) -> None:
        ws = await connect(f"ws://127.0.0.1:{port}/v1/realtime")
        await ws.recv()
        tracemalloc.start()
        sent, deadline = 0, time.monotonic() + 3
        try:
            while sent < 200_000 and time.monotonic() < deadline:
                if ws.transport.get_write_buffer_size():  # the socket is full: no more
                    break
                ws.transport.write(raw * 10_000)
                sent += 10_000
                await asyncio.sleep(0.01)
            await asyncio.sleep(1)  # for the server to read what it will
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            ws.transport.abort()
        assert sent >= 20_000, sent
        assert peak < 8 * 1024 * 1024, (peak, sent)
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as other:
            assert await other.recv(decode=False) == RECORDING.created

    _run(session)


def test_a_recording_without_responses_answers_response_create_with_an_error() -> None:
    """A Recording made by hand with no response: response.create gets the API's error event,
    never silence, and the session goes on."""
    empty = server.Recording(RECORDING.created, RECORDING.updated, ())

    async def session(port: int) -> None:
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await ws.recv()
            await ws.send('{"type":"response.create"}')
            error = rt_fast.decode_server_event(await ws.recv(decode=False))
            assert isinstance(error, ga.ErrorEvent)
            assert error.error.message == "the recording holds no response to play"
            await ws.send('{"type":"session.update","session":{"type":"realtime"}}')
            assert rt_fast.peek_type(await ws.recv(decode=False)) == "session.updated"

    _run(session, empty)


SERVE_STDIN = [sys.executable, "-m", "rt_fast", "serve", "--replay", "-", "--port", "0"]


def test_the_command_plays_a_log_from_standard_input() -> None:
    """``--replay -`` reads the log (gzip here) from standard input, as every command does."""
    log = gzip.compress(b"".join(frame + b"\n" for frame in GA_FRAMES))
    with subprocess.Popen(SERVE_STDIN, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as process:
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(log)
            process.stdin.close()
            line = process.stdout.readline().decode()
            assert line.startswith("rt-fast serve: ws://127.0.0.1:"), line
            assert "responses from standard input" in line, line
            port = int(line.split(":")[3].split("/")[0])

            async def session() -> None:
                async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
                    assert await ws.recv(decode=False) == GA_FRAMES[0]

            asyncio.run(asyncio.wait_for(session(), 60))
        finally:
            process.terminate()


def test_a_log_from_standard_input_it_cannot_play_is_one_line_naming_it() -> None:
    """Named as every command names standard input, ``<stdin>``; exit status 2."""
    done = subprocess.run(SERVE_STDIN, input=GA_FRAMES[0] + b"\n", capture_output=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout) == (2, b"")
    said = done.stderr.decode()
    assert said.startswith("rt-fast: <stdin>: no response to play") and said.count("\n") == 1
