"""livekit-plugins-openai's RealtimeSession against the local server, in its default
configuration: generate_reply answered by a function call, its output given back through
update_chat_ctx, a spoken reply, then a spoken user turn (server VAD) answered on its own;
no warning logged. The frameworks are the ``frameworks`` extra (``tox -e frameworks``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from rt_fast import server
from tests.server_helpers import silence, tone

pytest.importorskip("livekit.plugins.openai", reason="livekit-plugins-openai is in the "
                    "frameworks extra: tox -e frameworks")  # fmt: skip

from livekit import rtc
from livekit.agents import llm
from livekit.plugins.openai.realtime import RealtimeModel


@llm.function_tool
async def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def _read(generation: Any) -> tuple[list[Any], str]:
    """A generation's function calls and its messages' text (its audio read to the end)."""
    calls = [call async for call in generation.function_stream]
    text = ""
    async for message in generation.message_stream:
        text += "".join([chunk async for chunk in message.text_stream])
        _ = [frame async for frame in message.audio_stream]
    return calls, text


async def _session(background: server.Background) -> None:
    model = RealtimeModel(api_key="sk-test", base_url=background.base_url)
    session = model.session()
    generations: asyncio.Queue[Any] = asyncio.Queue()
    session.on("generation_created", generations.put_nowait)
    try:
        await session.update_tools([get_weather])
        calls, _ = await _read(await session.generate_reply())
        assert [(c.name, c.arguments) for c in calls] == [("get_weather", '{"city":"Paris"}')]
        context = session.chat_ctx.copy()
        context.add_message(role="user", content="and tomorrow?")
        context.items.append(llm.FunctionCallOutput(call_id=calls[0].call_id, name="get_weather",
                                                    output="sunny", is_error=False))  # fmt: skip
        await session.update_chat_ctx(context)
        _, said = await _read(await session.generate_reply(instructions="be brief"))
        assert said == "Sunny in Paris."
        pcm = tone(600) + silence(800)
        for start in range(0, len(pcm), 960):  # 20 ms frames, as a room's track gives them
            samples = pcm[start : start + 960]
            session.push_audio(rtc.AudioFrame(samples, 24_000, 1, len(samples) // 2))
        for _ in range(10):  # the generations of the replies above come first
            spoken = await asyncio.wait_for(generations.get(), 10)
            if spoken.user_initiated is False:
                break
        _, said = await _read(spoken)
        assert said == "Goodbye."
        kinds = [(i.type, getattr(i, "role", None)) for i in session.chat_ctx.items]
        assert kinds[:4] == [("function_call", None), ("message", "user"),
                             ("function_call_output", None), ("message", "assistant")]  # fmt: skip
    finally:
        await session.aclose()
        await model.aclose()


def test_a_realtime_session_generates_replies_and_updates_its_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = server.Script().call("get_weather", {"city": "Paris"}).say("Sunny in Paris.")
    script.say("Goodbye.")
    with caplog.at_level(logging.WARNING), server.running(script) as background:
        asyncio.run(asyncio.wait_for(_session(background), 60))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
