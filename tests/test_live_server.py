"""GPT-Live over rt_fast's sockets: the local server (``serve(protocol="live")``, ``rt-fast
serve --protocol live``, the ``live_server`` fixture), the relay's ``/v1/live/sessions`` and
``rt_fast.ws.connect(protocol="live")``. The official SDK's own ``client.live.connect()``,
async and sync, holds each session, and every frame it gets must validate strictly against the
SDK's Live models; through the relay, the frames each side saw are the record's, byte for
byte. Bad input over the Live path gets Live's ``error`` events. Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import gc
import gzip
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("websockets", reason="the ws extra (pip install 'rt-fast[ws]') runs these")
openai = pytest.importorskip("openai")

from openai.types.live import ServerEvent  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosedOK  # noqa: E402

import rt_fast  # noqa: E402
from rt_fast import live, relay, server, ws  # noqa: E402
from rt_fast._cli import main  # noqa: E402
from rt_fast._live_traffic import live_session_frames  # noqa: E402

from .conftest import serving  # noqa: E402
from .server_helpers import b64, silence, tone  # noqa: E402

LIVE_EVENT: TypeAdapter[Any] = TypeAdapter(ServerEvent)
CONFIG = {"model": "gpt-live-1", "instructions": "Be brief."}
TIMEOUT = 20
SPEECH = [b64(tone(400)), b64(silence(300)), b64(silence(300))]  # 400 ms of speech, then quiet
REPLY = ["session.input_transcript.delta", *["session.output_transcript.delta"] * 3,
         *["session.output_audio.delta"] * 6,
         "session.usage.updated"]  # fmt: skip


def _script() -> server.Script:
    return server.Script().hear("where is my order").say("It ships today.", audio_ms=600)


def _checked(frame: bytes) -> dict[str, Any]:
    """A server frame as JSON data, once the SDK's Live models took it strictly."""
    LIVE_EVENT.validate_json(frame, strict=True)
    data: dict[str, Any] = json.loads(frame)
    return data


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


async def _async_session(base_url: str) -> list[bytes]:
    """A whole session by the SDK's async client: every frame it received, as bytes."""
    client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=base_url)
    got: list[bytes] = []

    async def until(tag: str) -> None:
        for _ in range(100):
            got.append(await asyncio.wait_for(connection.recv_bytes(), TIMEOUT))
            if _checked(got[-1])["type"] == tag:
                return
        raise AssertionError(f"no {tag}")

    async with client.live.connect() as connection:
        await connection.session.start(session=CONFIG, event_id="evt_start")  # type: ignore[arg-type]
        await until("session.started")
        await connection.session.update(session={"triggers": []}, event_id="evt_update")
        await until("session.updated")
        for audio in SPEECH:
            await connection.session.input_audio.append(audio=audio)
        await until("session.usage.updated")
        await connection.session.input_audio.mute(event_id="evt_mute")
        await until("session.input_audio.muted")
        await connection.session.close(event_id="evt_close")
        await until("session.closed")
        with pytest.raises(Exception):  # noqa: B017 - the server closed: any close error
            await asyncio.wait_for(connection.recv_bytes(), TIMEOUT)
    return got


def _sync_session(base_url: str) -> list[bytes]:
    """``_async_session`` by the SDK's sync client."""
    client = openai.OpenAI(api_key="sk-test", websocket_base_url=base_url)
    got: list[bytes] = []

    def until(tag: str) -> None:
        for _ in range(100):
            got.append(connection.recv_bytes())
            if _checked(got[-1])["type"] == tag:
                return
        raise AssertionError(f"no {tag}")

    with client.live.connect() as connection:
        connection.session.start(session=CONFIG, event_id="evt_start")  # type: ignore[arg-type]
        until("session.started")
        connection.session.update(session={"triggers": []}, event_id="evt_update")
        until("session.updated")
        for audio in SPEECH:
            connection.session.input_audio.append(audio=audio)
        until("session.usage.updated")
        connection.session.input_audio.mute(event_id="evt_mute")
        until("session.input_audio.muted")
        connection.session.close(event_id="evt_close")
        until("session.closed")
    return got


def _assert_session(got: list[bytes]) -> None:
    """What a Live client of ``_script`` gets, frame by frame."""
    frames = [json.loads(frame) for frame in got]
    assert [f["type"] for f in frames] == ["session.started", "session.updated", *REPLY,
                                           "session.input_audio.muted", "session.closed"]  # fmt: skip
    started, updated = frames[0], frames[1]
    assert started["client_event_id"] == "evt_start" and updated["client_event_id"] == "evt_update"
    session = started["session"]
    assert session["model"] == "gpt-live-1" and session["status"] == "active"
    assert session["id"].startswith("live_") and session["instructions"] == "Be brief."
    assert session["audio"] == {"format": {"type": "audio/pcm", "rate": 24000},
                                "output": {"voice": "marin"}}  # fmt: skip
    assert updated["session"] == {**session, "triggers": []}
    heard = frames[2]
    assert heard["delta"] == "where is my order" and heard["end_ms"] > heard["start_ms"] >= 0
    said = "".join(f["delta"] for f in frames if f["type"] == "session.output_transcript.delta")
    assert said == "It ships today."
    audio = [f for f in frames if f["type"] == "session.output_audio.delta"]
    assert all("event_id" not in f for f in audio)  # as Live sends it
    pcm = b"".join(base64.b64decode(f["delta"]) for f in audio)
    assert len(pcm) == 600 * 48 and not any(pcm)  # 600 ms of PCM16 at 24 kHz
    assert [(f["start_ms"], f["end_ms"]) for f in audio] == [
        (audio[0]["start_ms"] + 100 * n, audio[0]["start_ms"] + 100 * (n + 1)) for n in range(6)
    ]
    usage = frames[2 + len(REPLY) - 1]["usage"]["seconds"]
    closed = frames[-1]
    assert closed["reason"] == "close_requested" and closed["client_event_id"] == "evt_close"
    assert closed["session"] == updated["session"] and closed["usage"]["seconds"] >= usage > 0


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_the_sdk_holds_a_live_session_against_the_server(kind: str) -> None:
    """``client.live.connect()`` (async and sync) against ``serve(protocol="live")``."""

    async def run() -> tuple[list[bytes], list[bytes]]:
        received = server.Received("live")
        async with await server.serve(_script(), protocol="live", received=received) as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1"
            session = _async_session(url) if kind == "async" else asyncio.to_thread(
                _sync_session, url)  # fmt: skip
            return await asyncio.wait_for(session, 60), received.frames

    got, sent = asyncio.run(run())
    _assert_session(got)
    types = [type(rt_fast.decode_client_event(f, "live")).__name__ for f in sent]
    assert types == ["SessionStartEvent", "SessionUpdateEvent", *["SessionInputAudioAppendEvent"] * 3,
                     "SessionInputAudioMuteEvent", "SessionCloseEvent"]  # fmt: skip


def _records(log: Path) -> list[relay.RecordLine]:
    lines = [relay.read_record_line(line) for line in log.read_bytes().splitlines()]
    assert all(line is not None for line in lines)
    return lines  # type: ignore[return-value]


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_the_sdk_holds_a_live_session_through_the_relay(kind: str, tmp_path: Path) -> None:
    """The relay serves ``/v1/live/sessions`` to the server's Live endpoint (its upstream URL is
    the server's ``/v1/realtime``): what the client got and what the server received are the
    record's frames, byte for byte, and its handlers see Live events."""
    log, seen = tmp_path / "record.jsonl", []

    def note(event: Any, frame: bytes, session: relay.Session) -> bytes:
        seen.append((type(event), session.protocol))
        return frame

    async def run() -> tuple[list[bytes], list[bytes]]:
        received = server.Received("live")
        async with await server.serve(_script(), protocol="live", received=received) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            with log.open("ab", buffering=0) as record:
                async with await relay.relay(upstream, record=record, api_key="sk-relay",
                                             server={"session.*": note}) as running:  # fmt: skip
                    url = f"ws://127.0.0.1:{_port(running)}/v1"
                    session = _async_session(url) if kind == "async" else asyncio.to_thread(
                        _sync_session, url)  # fmt: skip
                    got = await asyncio.wait_for(session, 60)
                    await asyncio.sleep(0.1)  # the server's close reaches the relay
        return got, received.frames

    got, sent = asyncio.run(run())
    _assert_session(got)
    lines = _records(log)
    assert len({line.session for line in lines}) == 1 and all(line.origin is None for line in lines)
    assert [line.frame for line in lines if line.direction == "server"] == got
    assert [line.frame for line in lines if line.direction == "client"] == sent
    assert (live.SessionStartedEvent, "live") in seen and (live.SessionClosedEvent, "live") in seen


BAD = [
    ("not json", "invalid_event", "$"),
    ('{"type":"session.input_audio.append","audio":7}', "invalid_event", "$.audio"),
    ('{"type":"input_audio_buffer.append","audio":"AAAA"}', "invalid_event", "$.type"),  # GA's
    ('{"type":"response.cancel"}', "invalid_event", "$.type"),  # GA's
    ('{"type":"session.started","session":{}}', "invalid_event", "$.type"),  # a server's
    ('{"type":"session.input_audio.append","audio":"no base64!"}', "invalid_value", "audio"),
    ('{"type":"session.start","session":{"model":"gpt-live-1"}}', "session_already_started", None),
    ('{"type":"transport.dtmf.send","event":"1"}', "unsupported", "type"),
]


def _refused_by(url: str, before_start: bool = False) -> list[dict[str, Any]]:
    """Each ``BAD`` frame's answer from ``url`` (a text frame, ``not json`` also as binary), and
    that the session goes on after them."""

    async def run() -> list[dict[str, Any]]:
        answers = []
        async with connect(url) as socket:
            if before_start:
                await socket.send('{"type":"session.close","event_id":"evt_early"}')
                answers.append(_checked(await socket.recv(decode=False)))
            await socket.send(json.dumps({"type": "session.start", "session": CONFIG}))
            assert _checked(await socket.recv(decode=False))["type"] == "session.started"
            for frame, _, _ in [(b"not json", None, None), *BAD]:
                await socket.send(frame)
                answers.append(_checked(await socket.recv(decode=False)))
            await socket.send('{"type":"session.close"}')
            assert _checked(await socket.recv(decode=False))["type"] == "session.closed"
        return answers

    return asyncio.run(asyncio.wait_for(run(), 60))


def test_bad_input_over_the_live_path_gets_lives_errors() -> None:
    """Garbage, wrong types, GA's frames, a server's, bad audio, a second start, what the server
    does not play: each a Live ``error`` naming the fault; before the start, too; the session
    goes on. A binary frame (``not json`` sent as bytes) is refused as binary."""

    async def run() -> list[dict[str, Any]]:
        async with await server.serve(server.Script(), protocol="live") as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            return await asyncio.to_thread(_refused_by, url, True)

    answers = asyncio.run(run())
    early, binary, *rest = answers
    assert early["error"] == {"code": "session_not_started", "message": "Send session.start first.",
                              "type": "invalid_request_error",
                              "client_event_id": "evt_early"}  # fmt: skip
    assert binary["error"]["code"] == "invalid_event" and "binary" in binary["error"]["message"]
    for answer, (_, code, param) in zip(rest, BAD, strict=True):
        assert answer["type"] == "error" and answer["error"]["code"] == code, answer
        assert answer["error"].get("param") == param, answer


def test_the_relay_refuses_bad_live_frames_in_lives_shape() -> None:
    """A frame the relay refuses on the Live path gets Live's ``error`` (the relay's own); one
    it forwards (a type Live does not have) gets the upstream's."""

    async def run() -> list[dict[str, Any]]:
        async with await server.serve(server.Script(), protocol="live") as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            async with await relay.relay(upstream) as running:
                url = f"ws://127.0.0.1:{_port(running)}/v1/live/sessions"
                return await asyncio.to_thread(_refused_by, url)

    binary, garbage, wrong, ga_append, *_ = asyncio.run(run())
    for answer in (binary, garbage, wrong):
        assert answer["error"]["code"] == "invalid_event"
        assert answer["error"]["message"].startswith("rt_fast relay: ")
        assert answer["event_id"].startswith("event_rtfast_relay")
    assert not ga_append["event_id"].startswith("event_rtfast_relay")  # the server's answer
    assert "unknown client event type" in ga_append["error"]["message"]


def test_a_script_live_cannot_say_is_refused_at_load() -> None:
    """A function call, a GA recording for Live, a Live recording for GA: ``ValueError`` before
    anything listens."""
    with pytest.raises(ValueError, match="turn 2 holds a function call"):
        asyncio.run(server.serve(server.Script().say("hi").call("lookup"), protocol="live"))
    with pytest.raises(ValueError, match="otherwise holds a function call"):
        server.running(server.Script(otherwise=server.Call("f")), protocol="live").__enter__()
    with pytest.raises(ValueError, match="a GA recording cannot be played as GPT-Live"):
        server.running(server.Recording.load(), protocol="live").__enter__()
    with pytest.raises(ValueError, match="unknown protocol 'beta'"):
        asyncio.run(server.serve(protocol="beta"))
    with pytest.raises(ValueError, match="a Live recording is played by a Live server"):
        asyncio.run(server.serve(_live_recording()))


def test_a_call_added_while_the_server_runs_is_an_error_not_a_silence(live_server: Any) -> None:
    """A turn added after ``check`` ran: the client is told, the session goes on."""
    live_server.script.call("lookup").say("Found it.")

    async def run() -> list[str]:
        async with await ws.connect(live_server.url, protocol="live") as connection:
            await connection.send(live.SessionStartEvent(session=live.SessionConfig(model="m")))
            types = [(await connection.recv()).type]
            await connection.send_audio(tone(300) + silence(600))
            heard, error = await connection.recv(), await connection.recv()
            assert "function call" in error.error.message
            types += [heard.type, error.type]
            await connection.send_audio(tone(300) + silence(600))
            while types[-1] != "session.usage.updated":
                types.append((await connection.recv()).type)
        return types

    types = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    assert types[:3] == ["session.started", "session.input_transcript.delta", "error"]
    assert types[-1] == "session.usage.updated"


def _live_log() -> bytes:
    return b"".join(frame + b"\n" for _, frame in live_session_frames(3, turns=2))


def _live_recording() -> server.Recording:
    return server.Recording.load(io.BytesIO(_live_log()))


def test_a_live_log_replays_each_user_turn_bytes_unchanged() -> None:
    """A Live recording: its ``session.started`` answers the start, each user turn's server
    frames answer each speech, bytes unchanged, and the close is the server's own."""
    recording = _live_recording()
    assert recording.protocol == "live" and len(recording.responses) == 2

    async def run() -> list[bytes]:
        async with await server.serve(recording, protocol="live") as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            async with await ws.connect(url, protocol="live") as connection:
                await connection.send('{"type":"session.start","session":{"model":"m"}}')
                got = [await connection.recv(decode=False)]
                for turn in recording.responses:
                    await connection.send_audio(tone(300) + silence(600))
                    got += [await connection.recv(decode=False) for _ in turn]
                await connection.send('{"type":"session.close"}')
                got.append(await connection.recv(decode=False))
        return got

    got = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    assert got[0] == recording.created
    assert got[1:-1] == [frame for turn in recording.responses for frame in turn]
    closed = rt_fast.decode_server_event(got[-1], "live")
    assert isinstance(closed, live.SessionClosedEvent)
    assert closed.session.id == json.loads(recording.created)["session"]["id"]
    for frame in got:
        _checked(frame)


def test_ws_connects_to_live_by_its_path_and_protocol(live_server: Any) -> None:
    """``ws.connect(protocol="live")``: its default URL is Live's, ``send_audio`` sends Live's
    append, ``recv`` decodes Live's events; the sync connection alike."""
    assert ws.URLS["live"] == "wss://api.openai.com/v1/live/sessions"
    with pytest.raises(ValueError, match="give the url of a 'beta' endpoint"):
        asyncio.run(ws.connect(protocol="beta"))
    live_server.script.say("Hi.", audio_ms=100)
    with ws.connect_sync(live_server.url, protocol="live") as connection:
        connection.send(live.SessionStartEvent(session=live.SessionConfig(model="gpt-live-1")))
        assert isinstance(connection.recv(TIMEOUT), live.SessionStartedEvent)
        connection.send_audio(tone(300) + silence(600))
        events = [connection.recv(TIMEOUT) for _ in range(4)]
    assert [type(e) for e in events] == [live.SessionInputTranscriptDeltaEvent,
                                         live.SessionOutputTranscriptDeltaEvent,
                                         live.SessionOutputAudioDeltaEvent,
                                         live.SessionUsageUpdatedEvent]  # fmt: skip
    appends = live_server.received.events("session.input_audio.append")
    assert [type(e) for e in appends] == [live.SessionInputAudioAppendEvent]
    assert base64.b64decode(appends[0].audio) == tone(300) + silence(600)


def test_a_live_server_answers_only_at_lives_path() -> None:
    """A Live server's Realtime path is 404, as a GA server's Live path is."""
    with server.running(protocol="live") as live_one, server.running() as ga_one:
        for url in (f"ws://127.0.0.1:{live_one.port}/v1/realtime",
                    f"ws://127.0.0.1:{ga_one.port}/v1/live/sessions"):  # fmt: skip
            with pytest.raises(Exception, match="404") as refused:  # websockets' InvalidStatus
                asyncio.run(connect(url).__aenter__())
            body = bytes(refused.value.response.body)  # type: ignore[attr-defined]
            assert b"this server answers at /v1/" in body


@pytest.fixture
def live_log(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "live.jsonl"
    log.write_bytes(_live_log())
    yield log


def test_the_cli_serves_live_and_refuses_a_log_of_the_other_protocol(
    live_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rt-fast serve --protocol ga --replay LIVE_LOG``: one line, exit 2; a Live log's
    default protocol is Live's."""
    assert main(["serve", "--protocol", "ga", "--replay", str(live_log), "--port", "0"]) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "it is a Live session log (--protocol live plays it)" in said
    with serving("serve", "--replay", str(live_log)) as port:
        got = _sdk_start(f"ws://127.0.0.1:{port}/v1")
    assert got == _live_recording().created


def _sdk_start(base_url: str) -> bytes:
    client = openai.OpenAI(api_key="sk-test", websocket_base_url=base_url)
    with client.live.connect() as connection:
        connection.session.start(session=CONFIG)  # type: ignore[arg-type]
        return connection.recv_bytes()


def test_rt_fast_serve_protocol_live_from_a_shell() -> None:
    """The command as a user runs it, and says where it answers."""
    with serving("serve", "--protocol", "live") as port:
        started = _checked(_sdk_start(f"ws://127.0.0.1:{port}/v1"))
    assert started["type"] == "session.started" and started["session"]["model"] == "gpt-live-1"
    out = subprocess.run([sys.executable, "-m", "rt_fast", "serve", "--help"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "--protocol {ga,live}" in out


def _start_answer(url: str, start: dict[str, Any], then: list[str] | None = None) -> list[Any]:
    """The answers to a ``session.start`` (and the frames ``then``, one answer each), as SDK
    models."""

    async def run() -> list[Any]:
        async with connect(url) as socket:
            got = []
            for frame in [json.dumps(start), *(then or [])]:
                await socket.send(frame)
                got.append(LIVE_EVENT.validate_json(await socket.recv(decode=False), strict=True))
            return got

    return asyncio.run(asyncio.wait_for(run(), TIMEOUT))


@pytest.mark.parametrize("fmt", [{"type": "audio/pcm", "rate": 1},
                                 {"type": "audio/pcm", "rate": 10**9},
                                 {"type": "audio/pcmu", "rate": 24000}])  # fmt: skip
def test_a_rate_live_does_not_take_is_refused_not_a_crash(live_server: Any, fmt: Any) -> None:
    """A rate of 1 Hz divided by zero in the detector (1011, a traceback), 1 GHz asked for
    200 MB of silence a delta: both refused at the start, the session still to start."""
    start = {"type": "session.start", "session": {"model": "m", "audio": {"format": fmt}}}
    good = {**start, "session": {"model": "m", "audio": {"format": {"type": "audio/pcm",
                                                                    "rate": 16000}}}}  # fmt: skip
    refused, started = _start_answer(live_server.url, start, [json.dumps(good)])
    assert refused.type == "error" and refused.error.code == "invalid_value"
    assert refused.error.param == "session.audio.format.rate"
    assert started.type == "session.started" and started.session.audio.format.rate == 16000


def test_16_khz_audio_is_heard_and_answered_at_16_khz(live_server: Any) -> None:
    """PCM at 16 kHz: the detector reads its frames at 16 kHz, the reply's audio is 16 kHz."""
    live_server.script.say("Hi.", audio_ms=200)
    start = {"type": "session.start",
             "session": {"model": "m", "audio": {"format": {"type": "audio/pcm", "rate": 16000}}}}  # fmt: skip
    speech = tone(300, rate=16_000) + bytes(32 * 600)
    append = json.dumps({"type": "session.input_audio.append", "audio": b64(speech)})

    async def run() -> list[dict[str, Any]]:
        async with connect(live_server.url) as socket:
            await socket.send(json.dumps(start))
            await socket.recv()
            await socket.send(append)
            return [_checked(await socket.recv(decode=False)) for _ in range(5)]

    heard, said, *audio, usage = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    assert heard["type"] == "session.input_transcript.delta"
    assert (heard["start_ms"], heard["end_ms"]) == (0, 800)  # 300 ms, then 500 ms of silence
    assert said["delta"] == "Hi." and usage["type"] == "session.usage.updated"
    assert [len(base64.b64decode(a["delta"])) for a in audio] == [3_200, 3_200]  # 100 ms each


def test_the_relays_model_allowlist_holds_for_live(tmp_path: Path) -> None:
    """Live asks for its model in ``session.start``, not the URL: a relay with ``models``
    refuses another there (Live's ``error``, not forwarded) and forwards an allowed one."""

    async def run() -> list[Any]:
        received = server.Received("live")
        async with await server.serve(server.Script(), protocol="live", received=received) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            async with await relay.relay(upstream, models=["gpt-live-1"]) as running:
                url = f"ws://127.0.0.1:{_port(running)}/v1/live/sessions"
                start = {"type": "session.start", "session": {"model": "gpt-live-pricey"}}
                allowed = json.dumps({"type": "session.start", "session": CONFIG})
                got = await asyncio.to_thread(_start_answer, url, start, [allowed])
        return [*got, received.types()]

    refused, started, reached = asyncio.run(run())
    assert refused.error.message == "rt_fast relay: model not allowed: gpt-live-pricey"
    assert refused.error.param == "$.session.model" and started.type == "session.started"
    assert reached == ["session.start"]


def test_a_failed_handler_ends_a_live_session_with_lives_error() -> None:
    """A relay handler that raises on the Live path: the client gets Live's ``error``
    (``server_error``), then the 1011 close."""

    def broken(event: Any, frame: bytes) -> bytes:
        raise RuntimeError("boom")

    async def run() -> tuple[bytes, Any]:
        async with await server.serve(server.Script(), protocol="live") as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            running = await relay.relay(upstream, server={"session.started": broken})
            url = f"ws://127.0.0.1:{_port(running)}/v1/live/sessions"
            async with running, connect(url) as socket:
                await socket.send(json.dumps({"type": "session.start", "session": CONFIG}))
                reply = await socket.recv(decode=False)
                await socket.wait_closed()
                return reply, socket.close_code

    reply, code = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    error = _checked(reply)["error"]
    assert error["code"] == "server_error" and error["type"] == "server_error" and code == 1011


@pytest.mark.realtime_pace
def test_realtime_pace_spaces_live_audio_by_its_length(live_server: Any) -> None:
    """``pace="realtime"``: 600 ms of reply audio takes at least half a second to arrive."""
    live_server.script.say("One two three.", audio_ms=600)

    async def run() -> float:
        async with await ws.connect(live_server.url, protocol="live") as connection:
            await connection.send(live.SessionStartEvent(session=live.SessionConfig(model="m")))
            await connection.recv()
            await connection.send_audio(tone(300) + silence(600))
            await connection.recv()  # what it heard
            began = asyncio.get_running_loop().time()
            while (await connection.recv()).type != "session.usage.updated":
                pass
            return asyncio.get_running_loop().time() - began

    assert asyncio.run(asyncio.wait_for(run(), TIMEOUT)) >= 0.5


@pytest.mark.parametrize("audio", [None, {}, {"format": None}, {"output": None},
                                   {"format": None, "output": {"voice": "cedar"}}])  # fmt: skip
def test_an_absent_or_null_audio_config_starts_with_the_defaults(
    live_server: Any, audio: Any
) -> None:
    """``"audio": null`` raised TypeError in the session (1011, a traceback): null or absent
    members take the defaults, given ones stay, and the session runs."""
    start = {"type": "session.start", "session": {"model": "m", "audio": audio}}
    mute = json.dumps({"type": "session.input_audio.mute"})
    update = json.dumps({"type": "session.update", "session": {"triggers": []}})
    started, _, updated = _start_answer(live_server.url, start, [mute, update])
    voice = (audio or {}).get("output") or {"voice": "marin"}
    assert started.session.audio.format.rate == 24000
    assert started.session.audio.output.voice == voice["voice"]
    assert updated.type == "session.updated"


@pytest.mark.parametrize(("upstream", "path", "expected"), [
    ("wss://api.openai.com/v1/realtime?model=gpt-realtime", "/v1/live/sessions",
     "wss://api.openai.com/v1/live/sessions"),
    ("wss://api.openai.com/v1/realtime?model=gpt-realtime", "/v1/realtime",
     "wss://api.openai.com/v1/realtime?model=gpt-realtime"),
    ("ws://127.0.0.1:9/v1/live/sessions", "/v1/realtime/", "ws://127.0.0.1:9/v1/realtime"),
    ("ws://127.0.0.1:9/v1/live/sessions/", "/v1/live/sessions", "ws://127.0.0.1:9/v1/live/sessions/"),
    ("ws://127.0.0.1:9/v1", "/v1/live/sessions", "ws://127.0.0.1:9/v1/live/sessions"),
])  # fmt: skip
def test_the_path_decides_the_upstreams_endpoint(upstream: str, path: str, expected: str) -> None:
    """A Live client goes to the upstream's Live endpoint (without the Realtime URL's model),
    a Realtime client to its Realtime endpoint."""
    from websockets.datastructures import Headers

    from rt_fast._handshake import Gate, client_request

    assert Gate(upstream, {}).url(client_request(path, Headers(), None)) == expected


def test_frames_sent_behind_session_close_do_not_hold_the_close() -> None:
    """A client still streaming (audio behind its ``session.close``) sees the server's close at
    once, not after websockets' ``close_timeout``: the server closes beside its receive loop."""

    async def run() -> tuple[list[str], float]:
        async with await server.serve(server.Script(), protocol="live") as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            async with connect(url) as client:
                await client.send(json.dumps({"type": "session.start", "session": CONFIG}))
                await client.send(json.dumps({"type": "session.close"}))
                for audio in SPEECH:
                    await client.send(json.dumps({"type": "session.input_audio.append",
                                                  "audio": audio}))  # fmt: skip
                started, tags = asyncio.get_running_loop().time(), []
                with pytest.raises(ConnectionClosedOK):
                    for _ in range(10):
                        tags.append(json.loads(await asyncio.wait_for(client.recv(), 5))["type"])
                return tags, asyncio.get_running_loop().time() - started

    tags, seconds = asyncio.run(run())
    assert tags == ["session.started", "session.closed"] and seconds < 2


def _answers(frames: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The first ``count`` frames a Live server answers ``frames`` with, each validated."""

    async def run() -> list[dict[str, Any]]:
        async with await server.serve(server.Script(), protocol="live") as up:
            url = f"ws://127.0.0.1:{_port(up)}/v1/live/sessions"
            async with connect(url) as client:
                for frame in frames:
                    await client.send(json.dumps(frame))
                return [_checked(await asyncio.wait_for(client.recv(), TIMEOUT))
                        for _ in range(count)]  # fmt: skip

    return asyncio.run(run())


def test_an_update_keeps_the_settings_it_omits_and_the_delegations_type() -> None:
    """``session.update`` is sparse: a delegation's omitted settings keep their values (the
    session stays one the SDK's models take); its type cannot change; null is omitted."""
    delegation = {"type": "responses", "acknowledgement_delay_ms": 100,
                  "responses": {"model": "gpt-5", "instructions": "Look it up."}}  # fmt: skip
    update = {
        "type": "session.update",
        "session": {
            "delegation": {
                "type": "responses",
                "acknowledgement_delay_ms": 5,
                "responses": {"model": "gpt-5.1"},
            }
        },
    }
    retype = {"type": "session.update", "event_id": "evt_retype",
              "session": {"delegation": {"type": "decisions"}}}  # fmt: skip
    nulls = {"type": "session.update", "session": {"delegation": None, "triggers": None}}
    started, updated, refused, kept = _answers(
        [{"type": "session.start", "session": {**CONFIG, "delegation": delegation}},
         update, retype, nulls], 4)  # fmt: skip
    assert updated["session"]["delegation"] == {
        "type": "responses", "acknowledgement_delay_ms": 5,
        "responses": {"model": "gpt-5.1", "instructions": "Look it up."}}  # fmt: skip
    assert refused["error"]["code"] == "invalid_value"
    assert refused["error"]["param"] == "session.delegation.type"
    assert refused["client_event_id"] == "evt_retype"
    assert kept["session"] == updated["session"] != started["session"]
    _, client_owned = _answers([{"type": "session.start", "session": CONFIG},
                                {"type": "session.update", "session": {"delegation": {
                                    "type": "decisions"}}}], 2)  # fmt: skip
    assert client_owned["error"]["message"].endswith("(client to decisions).")


def test_a_created_decision_item_is_stored_with_an_id() -> None:
    """``decision.item.created`` holds the item as stored, with an id (the SDK's models need
    one): the client's where it gave one, else a fresh ``item_`` id."""
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "look_up",
            "arguments": "{}"}  # fmt: skip
    _, fresh, given = _answers(
        [{"type": "session.start", "session": CONFIG},
         *({"type": "decision.item.create", "item": item} for item in (message, call))], 3)  # fmt: skip
    assert (
        fresh["item"]["id"].startswith("item_") and fresh["item"]["content"] == message["content"]
    )
    assert given["item"] == call


@pytest.mark.parametrize("output", [{}, {"voice": None}, None])
def test_an_output_config_without_a_voice_gets_the_default_voice(output: Any) -> None:
    """The voice ``marin`` where the config names none, an ``output`` without a voice too."""
    (started,) = _answers([{"type": "session.start", "session": {**CONFIG, "audio": {
        "format": {"type": "audio/pcm", "rate": 16000}, "output": output}}}], 1)  # fmt: skip
    assert started["session"]["audio"] == {"format": {"type": "audio/pcm", "rate": 16000},
                                           "output": {"voice": "marin"}}  # fmt: skip


def test_a_log_mixing_ga_and_live_plays_one_protocols_frames() -> None:
    """A plain log of a GA session then a Live one (or the other way) plays its first session,
    cut where the other protocol's opens; a GA frame inside a Live session is refused at load,
    naming its line (played, the SDK's Live client would misread it as ``session.started``)."""
    ga_log = gzip.decompress(
        (Path(rt_fast.__file__).parent / "data" / "sample_session.jsonl.gz").read_bytes())  # fmt: skip
    played = server.Recording.load(io.BytesIO(_live_log() + ga_log))
    assert played == _live_recording()
    played = server.Recording.load(io.BytesIO(ga_log + _live_log()))
    assert played == server.Recording.load(io.BytesIO(ga_log)) and played.protocol == "ga"
    lines = _live_log().splitlines(keepends=True)
    ga_frame = next(line for line in ga_log.splitlines(keepends=True)
                    if b'"response.output_audio_transcript.delta"' in line)  # fmt: skip
    with pytest.raises(ValueError, match=r"line 3: a response\.output_audio_transcript\.delta "
                                         r"frame in a GPT-Live session"):  # fmt: skip
        server.Recording.load(io.BytesIO(b"".join([*lines[:2], ga_frame, *lines[2:]])))


def test_a_log_with_no_session_names_lives_opening_too(tmp_path: Path) -> None:
    """``rt-fast serve --protocol live --replay`` of a log without a session says what a Live
    log opens with, in one line (exit 2), as it does of GA's."""
    log = tmp_path / "empty.jsonl"
    log.write_bytes(b'{"type":"session.closed","event_id":"e","reason":"close_requested"}\n')
    result = subprocess.run([sys.executable, "-m", "rt_fast", "serve", "--protocol", "live",
                             "--replay", str(log), "--port", "0"],
                            capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "no session.created (or GPT-Live's session.started) to play"
    )


def test_send_audio_over_the_frame_limit_is_refused_and_the_session_goes_on(
    live_server: Any,
) -> None:
    """``send_audio`` of more audio than a 16 MiB frame holds raises ``DecodeError`` and sends
    nothing, as ``send`` does: sent, the server would close the connection (1009)."""
    too_much = bytes(13_000_000)

    async def run() -> str:
        async with await ws.connect(live_server.url, protocol="live") as connection:
            await connection.send(json.dumps({"type": "session.start", "session": CONFIG}))
            await connection.recv()
            with pytest.raises(rt_fast.DecodeError):
                await connection.send_audio(too_much)
            await connection.send('{"type":"session.input_audio.mute"}')
            return str((await asyncio.wait_for(connection.recv(), TIMEOUT)).type)

    assert asyncio.run(run()) == "session.input_audio.muted"
    with ws.connect_sync(live_server.url, protocol="live") as connection:
        connection.send(json.dumps({"type": "session.start", "session": CONFIG}))
        connection.recv(TIMEOUT)
        with pytest.raises(rt_fast.DecodeError):
            connection.send_audio(too_much)
        connection.send('{"type":"session.input_audio.mute"}')
        assert connection.recv(TIMEOUT).type == "session.input_audio.muted"


@pytest.mark.parametrize("pace", ["fast", "realtime"])
def test_nothing_follows_session_closed_when_it_stops_a_reply(pace: str) -> None:
    """``session.close`` while the model speaks: the reply stops and ``session.closed`` is the
    last frame (its usage report does not follow it), whether the reply had started or not (a
    reply stopped before it ran was an ``AssertionError`` in a task nobody awaited)."""
    speech = json.dumps({"type": "session.input_audio.append",
                         "audio": b64(tone(400) + silence(600))})  # fmt: skip

    async def session(port: int, wait: float) -> list[str]:
        async with connect(f"ws://127.0.0.1:{port}/v1/live/sessions") as client:
            await client.send(json.dumps({"type": "session.start", "session": CONFIG}))
            await client.recv()
            await client.send(speech)
            await asyncio.sleep(wait)
            await client.send('{"type":"session.close"}')
            tags = []
            with pytest.raises(ConnectionClosedOK):
                for _ in range(400):
                    tags.append(json.loads(await asyncio.wait_for(client.recv(), 5))["type"])
            return tags

    async def run() -> tuple[list[list[str]], list[Any]]:
        faults: list[Any] = []
        asyncio.get_running_loop().set_exception_handler(lambda _, context: faults.append(context))
        script = server.Script(otherwise=server.Say("a b c d e f", audio_ms=3_000))
        async with await server.serve(script, protocol="live", pace=pace) as up:
            got = [await session(_port(up), n / 1000) for n in range(6)]
        gc.collect()  # an exception no task awaited is reported when the task is collected
        await asyncio.sleep(0)
        return got, faults

    got, faults = asyncio.run(run())
    assert not faults
    for tags in got:
        assert tags[-1] == "session.closed" and tags.count("session.closed") == 1
