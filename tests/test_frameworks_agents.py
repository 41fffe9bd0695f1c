"""openai-agents' RealtimeRunner against the local server, in its default configuration
(semantic VAD): audio in, a tool call run by the agent, replies out, the history complete.
The frameworks are the ``frameworks`` extra (``tox -e frameworks``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rt_fast import server
from tests.server_helpers import silence, tone

pytest.importorskip("agents", reason="openai-agents is in the frameworks extra: tox -e frameworks")

from agents import function_tool
from agents.realtime import RealtimeAgent, RealtimeRunner


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def _until_turn_ends(session: Any, events: list[Any]) -> None:
    """Read the session's events until the agent's turn ends (at most 5,000 events)."""
    async for event in session:
        events.append(event)
        if event.type == "agent_end" or len(events) > 5_000:
            return


def test_a_realtime_runner_holds_a_spoken_session_with_a_tool_call() -> None:
    """Two spoken user turns under the runner's default semantic VAD: the first is answered
    by a tool call the agent runs, then a spoken reply; the second by a reply. The history
    holds both user turns (transcribed), the call with its output and both replies."""
    script = server.Script().call("get_weather", {"city": "Paris"})
    script.say("It is sunny in Paris.").say("Goodbye.").hear("weather in Paris?", "thanks")

    async def main(background: server.Background) -> None:
        agent = RealtimeAgent(name="Assistant", instructions="Be brief.", tools=[get_weather])
        config = {"url": f"{background.url}?model=gpt-realtime", "api_key": "sk-test"}
        session = await RealtimeRunner(agent).run(model_config=config)  # type: ignore[arg-type]
        events: list[Any] = []
        async with session:
            await session.send_audio(tone(600) + silence(800))
            await _until_turn_ends(session, events)  # the call: the agent runs the tool
            await _until_turn_ends(session, events)  # the reply to its output
            await session.send_audio(tone(400) + silence(800))
            await _until_turn_ends(session, events)
        history = next(e.history for e in reversed(events) if e.type == "history_updated")
        kinds = [e.type for e in events]
        assert "error" not in kinds and kinds.count("audio_end") == 2
        tool_end = next(e for e in events if e.type == "tool_end")
        assert tool_end.output == "sunny in Paris"
        users = [i for i in history if i.type == "message" and i.role == "user"]
        assert [u.content[0].transcript for u in users] == ["weather in Paris?", "thanks"]
        (call,) = [i for i in history if i.type == "function_call"]
        assert (call.name, call.output) == ("get_weather", "sunny in Paris")
        replies = [i for i in history if i.type == "message" and i.role == "assistant"]
        assert [r.content[0].transcript for r in replies] == ["It is sunny in Paris.", "Goodbye."]
        assert background.received.types().count("response.create") == 1  # after the tool

    with server.running(script) as background:
        asyncio.run(asyncio.wait_for(main(background), 60))
