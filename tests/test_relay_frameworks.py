"""Frameworks through one relay at once: the official SDK's client and an OpenAI Agents SDK
realtime session, each with no API key of its own (the relay's client token instead), against
the local Realtime server behind a relay holding the key; each session recorded apart in one
record, told apart by its session id. Everything on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from agents.realtime import RealtimeAgent, RealtimeRunner
from openai import AsyncOpenAI

import rt_fast
from rt_fast import relay, server

RECORDING = server.Recording.load()
TOKEN = "client-token-1"


async def _sdk(base: str) -> int:
    client = AsyncOpenAI(api_key=TOKEN, websocket_base_url=f"{base}/v1")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        assert await conn.recv_bytes() == RECORDING.created
        await conn.response.create()
        frames = [await conn.recv_bytes() for _ in RECORDING.responses[0]]
        assert frames == list(RECORDING.responses[0])
    return len(frames)


async def _agents(base: str) -> list[str]:
    runner = RealtimeRunner(RealtimeAgent(name="assistant", instructions="Be brief."))
    url = f"{base}/v1/realtime?model=gpt-realtime"
    session = await runner.run(model_config={"api_key": TOKEN, "url": url})
    types: list[str] = []
    async with session:
        await session.send_message("hello")
        async for event in session:
            types.append(event.type)
            if event.type in ("agent_end", "error") or len(types) > 2000:
                break
    return types


def test_the_sdk_and_the_agents_sdk_hold_sessions_through_one_relay_at_once() -> None:
    record = io.BytesIO()
    opened: list[relay.Session] = []

    async def main() -> Any:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{up.sockets[0].getsockname()[1]}/v1/realtime"
            async with await relay.relay(upstream, api_key="sk-relay", client_token=TOKEN,
                                         record=record, on_close=opened.append) as running:  # fmt: skip
                base = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}"
                return await asyncio.gather(_sdk(base), _agents(base))

    _, types = asyncio.run(asyncio.wait_for(main(), 60))
    assert "agent_end" in types and "error" not in types
    lines = [relay.read_record_line(line) for line in record.getvalue().splitlines()]
    sessions: dict[str, list[bytes]] = {}
    for line in lines:
        assert line is not None
        sessions.setdefault(line.session, []).append(line.frame)
    assert len(sessions) == 2 and {s.id for s in opened} == set(sessions)
    for frames in sessions.values():  # each a session of its own, every frame decodable
        assert RECORDING.created in frames
        for frame in frames:
            tag = rt_fast.peek_type(frame)
            decode = rt_fast.decode_client_event if tag in rt_fast.ga.CLIENT_EVENTS else (
                rt_fast.decode_server_event)  # fmt: skip
            decode(frame)
    assert all(session.usage["total_tokens"] > 0 for session in opened)
