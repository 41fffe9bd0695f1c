"""``rt-fast relay`` as an operator runs it: the key and the client token from the environment,
Prometheus metrics on ``--metrics-port`` (sessions, frames and bytes by direction and type,
refused handshakes, tokens from ``response.done``, the added latency), the official SDK's client
through it, in front of ``rt-fast serve``; and the counts' Prometheus text itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from rt_fast import relay, server
from rt_fast._metrics import Tally, serve_metrics
from tests.conftest import serving

RECORDING = server.Recording.load()


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=10) as response:  # 127.0.0.1 only
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@contextlib.contextmanager
def _relay_process(upstream: str, log: Path) -> Iterator[tuple[str, str]]:
    env = {**os.environ, "RT_TEST_KEY": "sk-upstream", "RT_TEST_TOKEN": "tok-1"}
    argv = [sys.executable, "-m", "rt_fast", "relay", "--upstream", upstream, "--port", "0",
            "--metrics-port", "0", "--api-key-env", "RT_TEST_KEY", "--client-token-env",
            "RT_TEST_TOKEN", "--record", str(log)]  # fmt: skip
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("rt-fast relay: ws://127.0.0.1:") and "sk-upstream" not in line
            yield line.split(" ")[2], line.split("metrics at ")[1].split(";")[0]
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_the_command_serves_metrics_of_an_sdk_session(tmp_path: Path) -> None:
    log = tmp_path / "record.jsonl"

    async def session(base: str) -> None:
        with pytest.raises(InvalidStatus):
            async with connect(f"{base}/v1/realtime"):
                pass
        client = AsyncOpenAI(api_key="tok-1", websocket_base_url=f"{base}/v1")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            assert await conn.recv_bytes() == RECORDING.created
            await conn.response.create()
            assert [await conn.recv_bytes() for _ in RECORDING.responses[0]] == list(
                RECORDING.responses[0]
            )

    with serving("serve") as port:
        upstream = f"ws://127.0.0.1:{port}/v1/realtime"
        with _relay_process(upstream, log) as (base, metrics):
            asyncio.run(asyncio.wait_for(session(base), 60))
            samples = _samples(metrics)
    p = "rt_fast_relay_"
    assert samples[(f"{p}sessions_total", ())] == 1
    assert samples[(f"{p}handshakes_refused_total", (("status", "401"),))] == 1
    client_create = (("direction", "client"), ("type", "response.create"))
    assert samples[(f"{p}frames_total", client_create)] == 1
    deltas = sum(b'"response.output_audio.delta"' in f for f in RECORDING.responses[0])
    audio = (("direction", "server"), ("type", "response.output_audio.delta"))
    assert samples[(f"{p}frames_total", audio)] == deltas
    assert samples[(f"{p}tokens_total", (("kind", "total_tokens"),))] > 0
    frames = 1 + 1 + len(RECORDING.responses[0])  # session.created, the create, the response
    latency = sum(samples[(f"{p}added_latency_seconds_count", (("direction", d),))]
                  for d in ("client", "server"))  # fmt: skip
    assert latency == frames
    lines = [relay.read_record_line(line) for line in log.read_bytes().splitlines()]
    sessions = {line.session for line in lines if line is not None}
    assert len(lines) == frames and len(sessions) == 1


def test_unknown_types_are_one_label_and_scrapes_read_a_tally_in_use() -> None:
    tally = Tally({"response.create"})
    for index in range(1000):  # a client inventing types cannot grow the label set
        tally.frame("client", f"x.{index}", 10)
    tally.frame("client", "response.create", 5)
    tally.took("server", 30_000)
    tally.refused(401)
    exporter, port = serve_metrics(tally, 0)
    try:
        samples = _samples(f"http://127.0.0.1:{port}/metrics")
    finally:
        exporter()
    names: Any = {
        (name, labels) for name, labels in samples if name == "rt_fast_relay_frames_total"
    }
    assert names == {
        ("rt_fast_relay_frames_total", (("direction", "client"), ("type", "unknown"))),
        ("rt_fast_relay_frames_total", (("direction", "client"), ("type", "response.create"))),
    }
    bucket = (("direction", "server"), ("le", "5e-05"))
    assert samples[("rt_fast_relay_added_latency_seconds_bucket", bucket)] == 1
