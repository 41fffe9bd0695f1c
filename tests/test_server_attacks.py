"""The local server under input a client should not send: every frame answered, the session
going on, memory bounded; and scripts that cannot be played refused when written."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import connect

from rt_fast import server
from rt_fast._state import MAX_BYTES, MAX_ITEMS, Conversation
from tests.server_helpers import Reader, b64, checked, run, silence, tone

ODD_UPDATES = [
    {"audio": None},
    {"audio": {"input": None, "output": None}},
    {"audio": {"input": {"format": None, "turn_detection": {"type": "server_vad",
     "silence_duration_ms": 0, "prefix_padding_ms": 0, "threshold": 0, "create_response": False}},
     "output": {"format": None}}},
    {"audio": {"input": {"turn_detection": {"silence_duration_ms": -5, "threshold": 99}}}},
    {"output_modalities": None, "max_output_tokens": None, "tools": None},
]  # fmt: skip


@pytest.mark.parametrize("update", ODD_UPDATES, ids=range(len(ODD_UPDATES)))
def test_odd_sessions_are_answered_and_the_session_goes_on(update: dict[str, object]) -> None:
    """Nulls where objects go, zero or negative settings: session.updated, then appends, a
    commit and a response, every frame valid by the SDK's models."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime", **update})  # type: ignore[typeddict-item]
            assert (await read.next())["type"] == "session.updated"
            await conn.input_audio_buffer.append(audio=b64(tone(300) + silence(300)))
            await conn.input_audio_buffer.append(audio="!!!!", event_id="ev_bad")
            await conn.input_audio_buffer.commit()
            await conn.response.create(response={"audio": {"output": None}})  # type: ignore[typeddict-item]
            frames = await read.until("rate_limits.updated")
            bad = [f["error"] for f in frames if f["type"] == "error"]
            assert {"code": "invalid_value", "event_id": "ev_bad"}.items() <= bad[0].items()

    run(session, server.Script(otherwise=server.Say("fine")))


def test_a_turn_detection_without_a_type_is_server_vads() -> None:
    """{"silence_duration_ms": 200} alone (decoded as a variant of session.update's class)
    changes server VAD's silence: speech stops 200 ms after the tone."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime", "audio": {"input": {
                "turn_detection": {"silence_duration_ms": 200}}}})  # type: ignore[typeddict-item]  # fmt: skip
            turns = (await read.next())["session"]["audio"]["input"]["turn_detection"]
            assert (turns["type"], turns["silence_duration_ms"]) == ("server_vad", 200)
            await conn.input_audio_buffer.append(audio=b64(tone(600) + silence(300)))
            stopped = (await read.until("input_audio_buffer.speech_stopped"))[-1]
            assert stopped["audio_end_ms"] == 800

    run(session)


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (lambda s: s.close(1005), ValueError),
        (lambda s: s.close(2999), ValueError),
        (lambda s: s.close(4000, "x" * 124), ValueError),
        (lambda s: s.call("f", {"when": object()}), TypeError),
    ],
    ids=["reserved code", "unassigned code", "long reason", "arguments not JSON"],
)
def test_a_turn_that_cannot_be_played_is_refused_when_written(write: object, error: type) -> None:
    with pytest.raises(error):
        write(server.Script())  # type: ignore[operator]


def test_a_conversation_forgets_its_oldest_items_past_its_bounds() -> None:
    """At most MAX_ITEMS items and MAX_BYTES of them: the oldest go first."""
    conversation = Conversation()
    for number in range(MAX_ITEMS + 10):
        conversation.add({"id": f"i{number}", "type": "message"})
    assert len(conversation.order) == MAX_ITEMS and conversation.order[0] == "i10"
    big = {"type": "message", "content": [{"type": "input_text", "text": "x" * (MAX_BYTES // 3)}]}
    for number in range(4):
        conversation.add({**big, "id": f"big{number}"})
    assert conversation.size <= MAX_BYTES and "big0" not in conversation and "big3" in conversation


def test_big_appends_under_vad_keep_memory_to_a_few_frames() -> None:
    """Six appends of 10.8 MiB (8 MiB of PCM each, 3 minutes of speech and silence): each
    turn answered as it comes, the server holding a few frames' worth, never the audio."""
    frame = json.dumps({"type": "input_audio_buffer.append",
                        "audio": b64(tone(1000) + silence(174_000))})  # fmt: skip
    no_response = {"type": "session.update", "session": {"type": "realtime", "audio": {
        "input": {"turn_detection": {"type": "server_vad", "create_response": False}}}}}  # fmt: skip

    async def main() -> None:
        async with await server.serve(server.Script()) as running:
            port = running.sockets[0].getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}/v1/realtime", max_size=None) as ws:
                await ws.recv()
                await ws.send(json.dumps(no_response))
                await ws.recv()
                tracemalloc.start()
                started = time.monotonic()
                try:
                    for _ in range(6):
                        await ws.send(frame)
                    said = [checked(await asyncio.wait_for(ws.recv(), 30))["type"]
                            for _ in range(6 * 5)]  # fmt: skip
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                assert said.count("input_audio_buffer.committed") == 6, said
                assert peak < 100 * 1024 * 1024, peak
                assert time.monotonic() - started < 30

    asyncio.run(main())


def test_received_keeps_the_newest_frames_within_its_bounds() -> None:
    """Past MAX_FRAMES or MAX_BYTES, the oldest frames go first."""
    received = server.Received()
    for number in range(server.Received.MAX_FRAMES + 5):
        received.add(b'{"type":"response.create","event_id":"%d"}' % number)
    frames = received.frames
    assert len(frames) == server.Received.MAX_FRAMES and frames[0].endswith(b'"5"}')
    for _ in range(5):
        received.add(b"x" * (server.Received.MAX_BYTES // 4))
    assert sum(map(len, received.frames)) <= server.Received.MAX_BYTES
