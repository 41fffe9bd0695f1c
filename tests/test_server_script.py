"""Scripts: what the local server's "model" says, turn by turn (text, calls, errors, closes,
delays), and the official SDK's sync client holding a session with a tool round trip."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from openai import AsyncOpenAI, OpenAI
from websockets.exceptions import ConnectionClosed

import rt_fast
from rt_fast import ga, server
from tests.server_helpers import Reader, checked, run, types


def test_a_function_call_waits_for_its_output_and_the_next_response_create() -> None:
    """A call ends its response; the server says nothing until asked again; the call's output
    item joins the conversation after the call."""
    script = server.Script().call("get_weather", {"city": "Paris"}, call_id="call_1").say("Sunny.")

    async def session(client: AsyncOpenAI, received: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            frames = await read.until("rate_limits.updated")
            assert types(frames) == [
                "response.created", "response.output_item.added", "conversation.item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "conversation.item.done", "response.output_item.done", "response.done",
                "rate_limits.updated"]  # fmt: skip
            call = frames[-2]["response"]["output"][0]
            assert (call["name"], call["call_id"]) == ("get_weather", "call_1")
            assert json.loads(call["arguments"]) == {"city": "Paris"}
            await conn.conversation.item.create(item={"type": "function_call_output",
                                                      "call_id": "call_1", "output": "sunny"})  # fmt: skip
            added = await read.next()
            assert added["previous_item_id"] == call["id"]
            await read.next()
            await conn.response.create()
            reply = await read.until("rate_limits.updated")
            assert reply[-2]["response"]["output"][0]["content"][0]["transcript"] == "Sunny."
            assert received.types().count("response.create") == 2

    run(session, script)


def test_error_close_and_delay_turns() -> None:
    """An error turn is the API's error event (its code, the asking event's id); a delay holds
    the output back; a close turn closes the connection with its code and reason."""
    script = (server.Script().error("Rate limit reached", code="rate_limit_exceeded")
              .say("late", delay=0.4).close(4000, "scripted"))  # fmt: skip

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create(event_id="ev_1")
            error = (await read.next())["error"]
            assert (error["code"], error["event_id"]) == ("rate_limit_exceeded", "ev_1")
            await conn.response.create()
            assert (await read.next())["type"] == "response.created"
            started = time.monotonic()
            await read.next()
            assert time.monotonic() - started >= 0.35
            await read.until("rate_limits.updated")
            await conn.response.create()
            with pytest.raises(ConnectionClosed) as closed:
                await read.next()
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "scripted")

    run(session, script)


def test_a_script_run_out_says_ok_or_errors() -> None:
    """Past its turns a script answers "OK." (its otherwise), or with otherwise=None an error."""

    async def strict(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            error = (await read.next())["error"]
            assert "no more turns" in error["message"]

    run(strict, server.Script(otherwise=None))

    async def lenient(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            done = (await read.until("response.done"))[-1]["response"]
            assert done["output"][0]["content"][0]["transcript"] == "OK."

    run(lenient)


def test_several_outputs_in_one_response() -> None:
    """A few words, then a call: two output items, indexed 0 and 1, in one response."""
    script = server.Script().respond(server.Say("One moment."), server.Call("hang_up"))

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            read = Reader(conn)
            await read.next()
            await conn.response.create()
            output = (await read.until("response.done"))[-1]["response"]["output"]
            assert [o["type"] for o in output] == ["message", "function_call"]
            assert output[1]["arguments"] == "{}"

    run(session, script)


def test_a_recorded_response_can_be_cancelled() -> None:
    """A replayed response stops at a cancel, and ends with its response.done, cancelled."""
    sample = server.Recording.load()
    short = sample.responses[2]
    delta = rt_fast.encode_audio(ga.ResponseOutputAudioDeltaEvent, bytes(96_000),
                                 event_id="event_d", response_id="resp_slow", item_id="item_1",
                                 output_index=0, content_index=0)  # fmt: skip
    recording = server.Recording(sample.created, None, ((short[0], delta, *short[1:]),))

    async def session(client: AsyncOpenAI, _: server.Received) -> None:
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await conn.recv_bytes()
            await conn.response.create()
            assert checked(await conn.recv_bytes())["type"] == "response.created"
            await conn.response.cancel()
            frames = [checked(await asyncio.wait_for(conn.recv_bytes(), 10)) for _ in range(2)]
            assert [f["type"] for f in frames] == ["response.output_audio.delta", "response.done"]
            assert frames[1]["response"]["status"] == "cancelled"
            assert frames[1]["response"]["status_details"]["reason"] == "client_cancelled"

    run(session, recording, pace="realtime")


def test_the_sync_sdk_client_holds_a_session_with_a_tool_round_trip() -> None:
    """The official sync client, on a server running on its own thread (server.running)."""
    script = server.Script().call("lookup", {"id": 7}).say("Found it.")
    with server.running(script) as background:
        client = OpenAI(api_key="sk-any", websocket_base_url=background.base_url)
        with client.realtime.connect(model="gpt-realtime") as conn:
            assert conn.recv().type == "session.created"
            conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
            assert conn.recv().type == "session.updated"
            conn.response.create()
            events = [conn.recv() for _ in range(9)]
            call = events[-2]
            assert call.type == "response.done" and call.response.output is not None
            call_id = call.response.output[0].call_id  # type: ignore[union-attr]
            conn.conversation.item.create(item={"type": "function_call_output",
                                                "call_id": call_id, "output": "{}"})  # fmt: skip
            assert [conn.recv().type for _ in range(2)] == ["conversation.item.added",
                                                            "conversation.item.done"]  # fmt: skip
            conn.response.create()
            text = ""
            for _ in range(100):
                event = conn.recv()
                if event.type == "response.output_text.done":
                    text = event.text
                if event.type == "response.done":
                    break
            assert text == "Found it."
        assert background.received.types()[:2] == ["session.update", "response.create"]
