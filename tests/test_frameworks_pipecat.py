"""pipecat's OpenAIRealtimeLLMService against the local server, in its default configuration
(server VAD): a greeting, then two user turns from the audio frames the test pushes, the first
answered by a function call pipecat runs, then a reply. The frameworks are the ``frameworks``
extra (``tox -e frameworks``)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from rt_fast import server
from tests.server_helpers import silence, tone

with warnings.catch_warnings():  # pipecat imports the standard library's deprecated audioop
    warnings.simplefilter("ignore", DeprecationWarning)
    pytest.importorskip(
        "pipecat", reason="pipecat-ai is in the frameworks extra: tox -e frameworks"
    )

    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
    from pipecat.frames.frames import (
        EndFrame,
        ErrorFrame,
        Frame,
        InputAudioRawFrame,
        LLMContextAssistantTurnFrame,
        LLMRunFrame,
        TTSAudioRawFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineWorker
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
    from pipecat.services.llm_service import FunctionCallParams
    from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService
    from pipecat.workers.runner import WorkerRunner


class Sink(FrameProcessor):  # type: ignore[misc]
    """Keeps every frame passing by; counts the assistant's finished turns."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []
        self.turns = asyncio.Condition()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        self.frames.append(frame)
        if isinstance(frame, LLMContextAssistantTurnFrame):
            async with self.turns:
                self.turns.notify_all()
        await self.push_frame(frame, direction)

    def count(self, kind: type) -> int:
        return sum(isinstance(f, kind) for f in self.frames)

    async def until_turns(self, count: int) -> None:
        async with self.turns:
            await self.turns.wait_for(lambda: self.count(LLMContextAssistantTurnFrame) >= count)


async def _speak(worker: PipelineWorker, pcm: bytes) -> None:
    """PCM16 at 24 kHz in 20 ms frames, at the pace a transport hands a microphone's on (all at
    once, the server's answer would race pipecat's own handling of the speech's start)."""
    for start in range(0, len(pcm), 960):
        frame = InputAudioRawFrame(
            audio=pcm[start : start + 960], sample_rate=24_000, num_channels=1
        )
        await worker.queue_frame(frame)
        await asyncio.sleep(0.02)


def test_the_realtime_service_holds_two_spoken_turns_and_a_function_call() -> None:
    script = server.Script().say("Hello, how can I help?").call("get_weather", {"city": "Paris"})
    script.say("Sunny in Paris.").say("Goodbye.")
    calls: list[Any] = []

    async def get_weather(params: FunctionCallParams) -> None:
        calls.append(params.arguments)
        await params.result_callback({"weather": "sunny"})

    async def main(background: server.Background) -> None:
        llm = OpenAIRealtimeLLMService(api_key="sk-test", base_url=background.url)
        llm.register_function("get_weather", get_weather)
        weather = FunctionSchema(name="get_weather", description="The weather in a city.",
                                 properties={"city": {"type": "string"}}, required=["city"])  # fmt: skip
        context = LLMContext(tools=ToolsSchema(standard_tools=[weather]))
        pair, sink = LLMContextAggregatorPair(context), Sink()
        worker = PipelineWorker(Pipeline([pair.user(), llm, sink, pair.assistant()]))
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        running = asyncio.ensure_future(runner.run())
        await worker.queue_frames([LLMRunFrame()])
        await sink.until_turns(1)  # the greeting
        await _speak(worker, tone(600) + silence(800))
        await sink.until_turns(2)  # the call, its result, the reply
        await _speak(worker, tone(400) + silence(800))
        await sink.until_turns(3)
        await worker.queue_frame(EndFrame())
        await running
        assert calls == [{"city": "Paris"}] and sink.count(ErrorFrame) == 0
        assert sink.count(TTSAudioRawFrame) > 0
        said = [m.get("content") for m in context.get_messages() if m.get("role") == "assistant"]
        assert said == ["Hello, how can I help?", None, "Sunny in Paris.", "Goodbye."]
        assert any(m.get("role") == "tool" for m in context.get_messages())
        assert background.received.types().count("response.create") == 2  # greeting, after the call

    with server.running(script) as background:
        asyncio.run(asyncio.wait_for(main(background), 60))
