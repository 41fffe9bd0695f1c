"""The local server's answers to a GA session, as the API's documented event flow and the
recorded corpus show them; every frame it sends is checked against the official SDK's models."""

from __future__ import annotations

import base64
import struct
import time
from typing import Any

import pytest
from openai import AsyncOpenAI

from rt_fast import server
from tests.server_helpers import Reader, b64, run, silence, tone, types

REPLY = [
    "response.created",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
    "rate_limits.updated",
]


def test_session_update_answers_with_the_merged_session() -> None:
    """Asked for voice cedar, PCMU in and out, semantic VAD and one tool, session.updated holds
    them and keeps every field not given; null turns turn detection off."""
    update = {
        "type": "realtime",
        "id": "sess_mine",
        "instructions": "be brief",
        "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}],
        "audio": {
            "input": {"format": {"type": "audio/pcmu"}, "turn_detection": {"type": "semantic_vad"}},
            "output": {"voice": "cedar", "format": {"type": "audio/pcmu"}},
        },
    }

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime-mini") as conn:
            read = Reader(conn)
            created = (await read.next())["session"]
            assert created["model"] == "gpt-realtime-mini" and created["id"].startswith("sess_")
            await conn.session.update(session=update)  # type: ignore[arg-type]
            got = (await read.next())["session"]
            assert got["audio"]["output"] == {"format": {"type": "audio/pcmu"}, "voice": "cedar",
                                              "speed": 1.0}  # fmt: skip
            assert got["audio"]["input"]["format"] == {"type": "audio/pcmu"}
            assert got["audio"]["input"]["turn_detection"] == {
                "type": "semantic_vad", "eagerness": "auto", "create_response": True,
                "interrupt_response": True}  # fmt: skip
            assert got["tools"] == update["tools"] and got["instructions"] == "be brief"
            assert got["id"] == created["id"]  # read-only, whatever the update says
            assert {k: v for k, v in got.items() if k not in update} == {
                k: v for k, v in created.items() if k not in update}  # fmt: skip
            await conn.session.update(session={"type": "realtime",
                                               "audio": {"input": {"turn_detection": None}}})  # fmt: skip
            again = (await read.next())["session"]
            assert again["audio"]["input"]["turn_detection"] is None
            assert again["audio"]["output"]["voice"] == "cedar"

    run(session)


@pytest.mark.parametrize(
    ("fmt", "per_ms"), [("audio/pcm", 48), ("audio/pcmu", 8), ("audio/pcma", 8)]
)
def test_a_reply_is_audio_of_its_length_in_the_sessions_format(fmt: str, per_ms: int) -> None:
    """The reply's events in the API's order, its audio 1.25 s long in the output format."""
    script = server.Script().say("Hello there", audio_ms=1250)

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime",
                                               "audio": {"output": {"format": {"type": fmt}}}})  # type: ignore[typeddict-item]  # fmt: skip
            await read.next()
            await conn.response.create()
            frames = await read.until("rate_limits.updated")
            assert types(frames) == REPLY
            audio = b"".join(base64.b64decode(f["delta"]) for f in frames
                             if f["type"] == "response.output_audio.delta")  # fmt: skip
            assert len(audio) == 1250 * per_ms
            done = frames[-2]["response"]
            assert done["status"] == "completed"
            assert done["audio"]["output"]["format"]["type"] == fmt
            assert done["output"][0]["content"] == [{"type": "output_audio",
                                                     "transcript": "Hello there"}]  # fmt: skip

    run(session, script)


def test_conversation_items_are_added_retrieved_truncated_deleted() -> None:
    """Ids assigned where missing, previous_item_id honoured (and "root"), unknown ids get an
    error naming the client's event."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            text = {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            }
            await conn.conversation.item.create(item=text)  # type: ignore[arg-type]
            added, done = await read.next(), await read.next()
            assert (added["type"], done["type"]) == (
                "conversation.item.added",
                "conversation.item.done",
            )
            first = added["item"]["id"]
            assert first.startswith("item_") and added["previous_item_id"] is None
            await conn.conversation.item.create(
                item={**text, "id": "mine"}, previous_item_id="root"
            )  # type: ignore[arg-type]
            assert (await read.next())["previous_item_id"] is None
            await read.next()
            await conn.conversation.item.create(
                item={**text, "id": "third"}, previous_item_id="mine"
            )  # type: ignore[arg-type]
            assert (await read.next())["previous_item_id"] == "mine"
            await read.next()
            await conn.conversation.item.retrieve(item_id=first)
            assert (await read.next())["item"]["id"] == first
            await conn.conversation.item.truncate(item_id=first, content_index=0, audio_end_ms=300)
            truncated = await read.next()
            assert (truncated["type"], truncated["audio_end_ms"]) == (
                "conversation.item.truncated",
                300,
            )
            await conn.conversation.item.delete(item_id=first)
            assert await read.next() == {**(read.seen[-1]), "type": "conversation.item.deleted",
                                         "item_id": first}  # fmt: skip
            for ask in ("retrieve", "delete"):
                await getattr(conn.conversation.item, ask)(item_id=first, event_id=f"ev_{ask}")
                error = (await read.next())["error"]
                assert (error["event_id"], error["param"]) == (f"ev_{ask}", "item_id")
                assert error["code"] == f"item_{ask}_invalid_item_id"
                assert first in error["message"]
            await conn.conversation.item.create(item=text, previous_item_id="nowhere")  # type: ignore[arg-type]
            assert (await read.next())["error"]["param"] == "previous_item_id"

    run(session)


async def _speak(conn: Any, fmt_silence: bytes = b"", speech: bytes = b"") -> None:
    """600 ms of speech then 700 ms of silence, in 100 ms appends, as a microphone sends."""
    audio = (speech or tone(600)) + (fmt_silence or silence(700))
    step = len(audio) // 13
    for start in range(0, len(audio), step):
        await conn.input_audio_buffer.append(audio=b64(audio[start : start + step]))


def test_server_vad_turns_speech_into_a_committed_transcribed_item_and_a_response() -> None:
    """Speech starts with the tone (less the prefix padding), stops after 500 ms of silence,
    is committed as a user item, transcribed (the script's hear) and answered."""
    script = server.Script().say("Hi!").hear("what time is it")

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime", "audio": {"input": {
                "transcription": {"model": "gpt-4o-transcribe"}}}})  # fmt: skip
            await read.next()
            await _speak(conn)
            frames = await read.until("rate_limits.updated")
            assert types(frames)[:7] == [
                "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                "input_audio_buffer.committed", "conversation.item.added",
                "conversation.item.done", "conversation.item.input_audio_transcription.delta",
                "conversation.item.input_audio_transcription.completed"]  # fmt: skip
            assert types(frames)[7:] == REPLY[:4] + REPLY[5:]  # "Hi!": one word
            started, stopped, committed = frames[:3]
            assert (started["audio_start_ms"], stopped["audio_end_ms"]) == (0, 1100)
            assert started["item_id"] == stopped["item_id"] == committed["item_id"]
            assert frames[6]["transcript"] == "what time is it"
            assert frames[6]["usage"] == {"type": "duration", "seconds": 1.1}
            user = frames[3]["item"]
            assert (user["role"], user["content"][0]["type"]) == ("user", "input_audio")
            reply_added = frames[9]
            assert reply_added["previous_item_id"] == user["id"]

    run(session, script)


def _ulaw(pcm: bytes) -> bytes:
    """PCM16 as G.711 mu-law, by the encoder's definition (the test's own audio)."""
    out = bytearray()
    for (sample,) in struct.iter_unpack("<h", pcm):
        magnitude = min(abs(sample), 32635) + 0x84
        exponent = max(0, min(7, magnitude.bit_length() - 8))
        mantissa = (magnitude >> (exponent + 3)) & 0x0F
        out.append(~((0x80 if sample < 0 else 0) | (exponent << 4) | mantissa) & 0xFF)
    return bytes(out)


def test_g711_speech_is_detected_and_create_response_off_means_no_response() -> None:
    """mu-law audio (8 kHz) is read as mu-law; without create_response no response follows."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime", "audio": {"input": {
                "format": {"type": "audio/pcmu"},
                "turn_detection": {"type": "server_vad", "create_response": False}}}})  # fmt: skip
            await read.next()
            await _speak(conn, b"\xff" * 8 * 700, _ulaw(tone(600, rate=8000)))
            frames = await read.until("conversation.item.done")
            assert types(frames) == [
                "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                "input_audio_buffer.committed", "conversation.item.added",
                "conversation.item.done"]  # fmt: skip
            assert frames[1]["audio_end_ms"] == 1100
            await conn.conversation.item.retrieve(item_id="none", event_id="ev_next")
            assert (await read.next())["type"] == "error"  # and no response before it

    run(session)


def test_without_turn_detection_the_client_commits_and_asks() -> None:
    """No speech events without turn detection; a commit makes the item, no response."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime",
                                               "audio": {"input": {"turn_detection": None}}})  # fmt: skip
            await read.next()
            await _speak(conn)
            await conn.input_audio_buffer.commit()
            frames = await read.until("conversation.item.done")
            assert types(frames) == ["input_audio_buffer.committed", "conversation.item.added",
                                     "conversation.item.done"]  # fmt: skip
            await conn.response.create()
            assert types(await read.until("rate_limits.updated"))[0] == "response.created"

    run(session)


def test_response_create_echoes_metadata_keeps_out_of_band_out_and_speaks_text_only() -> None:
    """metadata in response.created and .done; conversation "none": no conversation events,
    no conversation id; output_modalities ["text"]: text events, no audio."""
    script = server.Script().say("one two").say("three")

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create(response={"metadata": {"client_event_id": "abc"},
                                                 "conversation": "none",
                                                 "output_modalities": ["text"]})  # fmt: skip
            frames = await read.until("rate_limits.updated")
            assert types(frames) == [
                "response.created", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.done", "rate_limits.updated"]  # fmt: skip
            for response in (frames[0]["response"], frames[-2]["response"]):
                assert response["metadata"] == {"client_event_id": "abc"}
                assert response["conversation_id"] is None
                assert response["output_modalities"] == ["text"]
            await conn.response.create(response={"instructions": "shout"})
            again = await read.until("rate_limits.updated")
            assert again[0]["response"]["metadata"] is None
            assert again[0]["response"]["conversation_id"].startswith("conv_")

    run(session, script)


def test_response_cancel_ends_the_response_as_cancelled_and_without_more_audio() -> None:
    """Mid-response (at its own pace): response.done cancelled (client_cancelled), the item in
    progress incomplete, no audio after it; with none active, the API's error."""
    script = server.Script().say("a long reply", audio_ms=5_000)

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            await read.until("response.output_audio.delta")
            started = time.monotonic()
            await conn.response.cancel()
            frames = await read.until("rate_limits.updated")
            assert time.monotonic() - started < 2
            done = frames[-2]["response"]
            assert (done["status"], done["status_details"]) == (
                "cancelled", {"type": "cancelled", "reason": "client_cancelled"})  # fmt: skip
            assert [item["status"] for item in done["output"]] == ["incomplete"]
            await conn.response.cancel(event_id="ev_cancel")
            error = (await read.next())["error"]
            assert (error["code"], error["event_id"]) == ("response_cancel_not_active", "ev_cancel")
            assert error["message"] == "Cancellation failed: no active response found"

    run(session, script, pace="realtime")


def test_speech_while_a_response_plays_interrupts_it() -> None:
    """Server VAD's interrupt_response: speech_started cancels the response (turn_detected),
    then the speech is committed and answered."""
    script = server.Script().say("a long reply", audio_ms=10_000).say("Yes?")

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            await read.until("response.output_audio.delta")
            await _speak(conn)
            frames = await read.until("response.done")
            assert frames[-1]["response"]["status_details"]["reason"] == "turn_detected"
            assert "input_audio_buffer.speech_started" in types(frames)
            frames = await read.until("response.done")
            assert frames[-1]["response"]["output"][0]["content"][0]["transcript"] == "Yes?"

    run(session, script, pace="realtime")


def test_ids_are_fresh_for_each_connection() -> None:
    """Two connections: no session, conversation, item, response or event id in common."""

    async def ids(client: AsyncOpenAI) -> set[str]:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            await read.until("rate_limits.updated")
        found: set[str] = set()
        for frame in read.seen:
            found |= {v for v in _strings(frame) if v.split("_")[0] in _ID_PREFIXES}
        return found

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        first, second = await ids(client), await ids(client)
        assert len(first) > 10 and not first & second

    run(session)


_ID_PREFIXES = {"sess", "conv", "item", "resp", "event"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_semantic_vad_waits_by_its_eagerness_and_padding_moves_the_start() -> None:
    """semantic_vad at high eagerness ends a turn after 250 ms of silence; speech that starts
    500 ms in is reported from 200 ms, less the 300 ms of prefix padding."""

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.session.update(session={"type": "realtime", "audio": {"input": {
                "turn_detection": {"type": "semantic_vad", "eagerness": "high",
                                   "create_response": False}}}})  # fmt: skip
            await read.next()
            await conn.input_audio_buffer.append(audio=b64(silence(500) + tone(600) + silence(400)))
            started, stopped = await read.next(), await read.next()
            assert (started["audio_start_ms"], stopped["audio_end_ms"]) == (200, 1350)
            await read.until("conversation.item.done")

    run(session)
