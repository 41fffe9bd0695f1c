"""The official SDK's ``client.live.connect()`` against a websockets server that speaks through
rt_fast's Live models: what the SDK sends decodes exactly, what rt_fast encodes the SDK parses.

The server here is the test's own (a real ``websockets`` server on 127.0.0.1): it decodes each
client frame with ``decode_client_event(protocol="live")`` and answers with frames made by
``rt_fast.encode`` and ``encode_audio`` from ``rt_fast.live`` models. Both the async and the
sync client hold a whole session: ``session.start``, input audio, ``session.close``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("websockets", reason="the ws extra (pip install 'rt-fast[ws]') runs these")
openai = pytest.importorskip("openai")

from websockets.asyncio.server import ServerConnection, serve  # noqa: E402

import rt_fast  # noqa: E402
from rt_fast import live  # noqa: E402

PCM = bytes(range(256)) * 30
TIMEOUT = 20


def _resource(config: live.SessionConfig) -> live.SessionResource:
    fields = {f: getattr(config, f) for f in config.__struct_fields__}
    return live.SessionResource(**fields, id="live_test_1", expires_at=1_760_000_000,
                                status="active")  # fmt: skip


async def _session(ws: ServerConnection, seen: list[Any]) -> None:
    """One Live session: every client frame decoded by rt_fast, answers encoded by it."""
    usage = 0.0
    async for message in ws:
        event = rt_fast.decode_client_event(message, protocol="live")
        seen.append((message, event))
        if isinstance(event, live.SessionStartEvent):
            started = live.SessionStartedEvent(event_id="ev_1", session=_resource(event.session))
            await ws.send(rt_fast.encode(started).decode())
        elif isinstance(event, live.SessionInputAudioAppendEvent):
            usage += 0.25
            delta = rt_fast.encode_audio(live.SessionOutputAudioDeltaEvent, PCM, start_ms=0,
                                         end_ms=160)  # fmt: skip
            transcript = live.SessionOutputTranscriptDeltaEvent(
                event_id="ev_2", delta="hello", start_ms=0, end_ms=160
            )
            report = live.SessionUsageUpdatedEvent(event_id="ev_3",
                                                   usage=live.SessionUsage(seconds=usage))  # fmt: skip
            for frame in (delta, rt_fast.encode(transcript), rt_fast.encode(report)):
                await ws.send(frame.decode())
        elif isinstance(event, live.SessionCloseEvent):
            start = next(e for _, e in seen if isinstance(e, live.SessionStartEvent))
            closed = live.SessionClosedEvent(
                event_id="ev_4",
                reason="close_requested",
                session=_resource(start.session),
                usage=live.SessionUsage(seconds=usage),
            )
            await ws.send(rt_fast.encode(closed).decode())
            return


CONFIG = {
    "model": "gpt-live-1",
    "audio": {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}},
    "instructions": "Be brief.",
    "delegation": {"type": "client", "acknowledgement_delay_ms": 500},
}


async def _async_client(url: str) -> list[Any]:
    client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=url)
    got = []
    async with client.live.connect() as connection:
        await connection.send({"type": "session.start", "session": CONFIG})
        got.append(await connection.recv())
        await connection.send({"type": "session.input_audio.append", "audio": "AAABAAIA"})
        for _ in range(3):
            got.append(await connection.recv())
        await connection.send({"type": "session.close"})
        got.append(await connection.recv())
    return got


def _sync_client(url: str) -> list[Any]:
    client = openai.OpenAI(api_key="sk-test", websocket_base_url=url)
    got = []
    with client.live.connect() as connection:
        connection.send({"type": "session.start", "session": CONFIG})
        got.append(connection.recv())
        connection.send({"type": "session.input_audio.append", "audio": "AAABAAIA"})
        got += [connection.recv() for _ in range(3)]
        connection.send({"type": "session.close"})
        got.append(connection.recv())
    return got


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_sdk_live_session_through_rt_fast_models(kind: str) -> None:
    """The SDK's Live client holds a session with a server speaking rt_fast's models."""

    async def main() -> tuple[list[Any], list[Any]]:
        seen: list[Any] = []
        async with serve(lambda ws: _session(ws, seen), "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            url = f"ws://127.0.0.1:{port}/v1"
            run = _async_client(url) if kind == "async" else asyncio.to_thread(_sync_client, url)
            got = await asyncio.wait_for(run, TIMEOUT)
        return seen, got

    seen, got = asyncio.run(main())
    sent = [type(event).__name__ for _, event in seen]
    assert sent == ["SessionStartEvent", "SessionInputAudioAppendEvent", "SessionCloseEvent"]
    for message, event in seen:  # what the SDK sent, read exactly
        assert json.loads(rt_fast.encode(event)) == json.loads(message)
    assert seen[0][1].session.delegation == live.ClientDelegation(acknowledgement_delay_ms=500)
    types = [event.type for event in got]
    assert types == ["session.started", "session.output_audio.delta",
                     "session.output_transcript.delta", "session.usage.updated",
                     "session.closed"]  # fmt: skip
    assert got[0].session.id == "live_test_1" and got[0].session.model == "gpt-live-1"
    assert rt_fast.decode_pcm(got[1].to_json(indent=None).encode()) == PCM
    assert got[4].usage.seconds == 0.25 and got[4].reason == "close_requested"
