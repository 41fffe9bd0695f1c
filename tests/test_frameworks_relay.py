"""The official SDK, an OpenAI Agents SDK realtime session and pipecat's realtime service
through one relay at once, none holding an API key (the relay's client token instead; the relay
holds the key), against the local server: each session recorded apart in one record, and each
session's part of it read by ``rt-fast stats`` as a log of its own. The frameworks are the
``frameworks`` extra (``tox -e frameworks``); everything on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI

from rt_fast import relay, server

with warnings.catch_warnings():  # pipecat imports the standard library's deprecated audioop
    warnings.simplefilter("ignore", DeprecationWarning)
    pytest.importorskip(
        "pipecat", reason="pipecat-ai is in the frameworks extra: tox -e frameworks"
    )
    from agents.realtime import RealtimeAgent, RealtimeRunner
    from pipecat.frames.frames import EndFrame, ErrorFrame, LLMRunFrame
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineWorker
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
    from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService
    from pipecat.workers.runner import WorkerRunner

    from tests.test_frameworks_pipecat import Sink

TOKEN = "client-token-7"


async def _sdk(base: str) -> str:
    client = AsyncOpenAI(api_key=TOKEN, websocket_base_url=f"{base}/v1")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.response.create()
        async for event in conn:
            if event.type == "response.output_audio_transcript.done":
                return event.transcript
    raise AssertionError("the SDK's session ended without a transcript")


async def _agents(base: str) -> list[str]:
    runner = RealtimeRunner(RealtimeAgent(name="assistant", instructions="Be brief."))
    config = {"api_key": TOKEN, "url": f"{base}/v1/realtime?model=gpt-realtime"}
    session = await runner.run(model_config=config)  # type: ignore[arg-type]
    types: list[str] = []
    async with session:
        await session.send_message("hello")
        async for event in session:
            types.append(event.type)
            if event.type in ("agent_end", "error") or len(types) > 2000:
                break
    return types


async def _pipecat(base: str) -> list[Any]:
    llm = OpenAIRealtimeLLMService(api_key=TOKEN, base_url=f"{base}/v1/realtime")
    context = LLMContext()
    pair, sink = LLMContextAggregatorPair(context), Sink()
    worker = PipelineWorker(Pipeline([pair.user(), llm, sink, pair.assistant()]))
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    running = asyncio.ensure_future(runner.run())
    await worker.queue_frames([LLMRunFrame()])
    await sink.until_turns(1)
    await worker.queue_frame(EndFrame())
    await running
    assert sink.count(ErrorFrame) == 0
    return [m.get("content") for m in context.get_messages() if m.get("role") == "assistant"]


def test_three_frameworks_through_one_relay_holding_the_key(tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    closed: list[relay.Session] = []

    async def main(upstream: str) -> Any:
        with record.open("ab") as log:
            async with await relay.relay(upstream, api_key="sk-relay", client_token=TOKEN,
                                         record=log, on_close=closed.append) as running:  # fmt: skip
                base = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}"
                return await asyncio.gather(_sdk(base), _agents(base), _pipecat(base))

    with server.running() as background:  # each response says "OK."
        said, types, pipecat_said = asyncio.run(asyncio.wait_for(main(background.url), 60))
    assert said == "OK." and pipecat_said == ["OK."]
    assert "agent_end" in types and "error" not in types
    assert background.received.types().count("response.create") == 3

    sessions: dict[str, list[bytes]] = {}
    for line in record.read_bytes().splitlines():
        read = relay.read_record_line(line)
        assert read is not None
        sessions.setdefault(read.session, []).append(line)
    assert len(closed) == 3 and {s.id for s in closed} == set(sessions)
    for session in closed:  # each session's lines a log of its own, as rt-fast stats reads it
        part = tmp_path / f"{session.id}.jsonl"
        part.write_bytes(b"\n".join(sessions[session.id]) + b"\n")
        done = subprocess.run([sys.executable, "-m", "rt_fast", "stats", "--json", str(part)],
                              capture_output=True, check=True)  # fmt: skip
        stats = json.loads(done.stdout)
        assert stats["rejected"] == 0 and stats["decoded"] == len(sessions[session.id])
        assert stats["by_type"]["response.done"] == stats["responses"] == stats["sessions"] == 1
        assert stats["usage"]["total_tokens"] == session.usage["total_tokens"] > 0
