"""Real-time sessions one core carries through ``rt-fast relay``: the relay's own CPU, as a
process of its own, while N sessions talk through it.

``python -m benchmarks.relay_sessions [N ...]`` starts ``rt-fast serve --pace realtime`` (the
bundled sample's responses, audio deltas spaced by the audio they carry) and ``rt-fast relay``
in front of it, each a process, then opens N sessions from this process: each sends 64 ms of
24 kHz PCM16 (an ``input_audio_buffer.append`` of 3,072 bytes of audio) every 64 ms and a
``response.create`` every 5 s, and reads everything the relay sends. After 3 s of warm-up, the
relay's CPU (user + system, from ``/proc``) over 10 s gives its share of a core, its CPU a
session-second, and the sessions a core would carry at that cost. The load generator shares
the machine's cores: where it falls behind (fewer appends sent than due), the line says so.
Linux only (``/proc``); every socket on 127.0.0.1; every loop bounded by the run's seconds.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

from websockets.asyncio.client import connect

import rt_fast
from rt_fast import ga

CHUNK = b"\x00\x01" * 1536  # 64 ms of PCM16 at 24 kHz
APPEND = rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, CHUNK)
CREATE = b'{"type":"response.create"}'
EVERY, RESPONSE_EVERY = 0.064, 5.0
WARM, MEASURED = 3.0, 10.0


def _started(*args: str) -> tuple[subprocess.Popen[str], str]:
    """An ``rt-fast`` command started, and the URL its first line gives."""
    command = [sys.executable, "-m", "rt_fast", *args, "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    url = next(word for word in line.split() if word.startswith("ws://"))
    return process, url.rstrip(";").removesuffix("/v1/realtime")


def _cpu(pid: int) -> float:
    """Seconds of CPU ``pid`` has used (user + system)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _session(url: str, ends: float, counts: dict[str, int]) -> None:
    async with connect(url, max_size=None, compression=None) as ws:

        async def read() -> None:
            async for _ in ws:
                counts["received"] += 1

        reader = asyncio.ensure_future(read())
        start = time.monotonic()
        sent, next_response = 0, start
        while (now := time.monotonic()) < ends:
            if now >= next_response:
                await ws.send(CREATE, text=True)
                next_response += RESPONSE_EVERY
            await ws.send(APPEND, text=True)
            sent += 1
            counts["sent"] += 1
            await asyncio.sleep(max(0.0, start + sent * EVERY - time.monotonic()))
        counts["due"] += int((ends - start) / EVERY)
        reader.cancel()


async def _load(url: str, sessions: int, relay_pid: int) -> dict[str, Any]:
    counts = {"sent": 0, "received": 0, "due": 0}
    ends = time.monotonic() + WARM + MEASURED
    running = asyncio.gather(*(_session(url, ends, counts) for _ in range(sessions)))
    await asyncio.sleep(WARM)
    cpu, wall = _cpu(relay_pid), time.monotonic()
    await asyncio.sleep(MEASURED)
    cpu, wall = _cpu(relay_pid) - cpu, time.monotonic() - wall
    await running
    return {"cpu": cpu, "wall": wall, **counts}


def measure(sessions: int) -> str:
    """One line: ``sessions`` through a fresh relay, its CPU and what that makes a core carry."""
    upstream, upstream_url = _started("serve", "--pace", "realtime")
    relay, relay_url = _started(
        "relay", "--upstream", f"{upstream_url}/v1/realtime", "--max-sessions", str(sessions)
    )
    try:
        got = asyncio.run(_load(f"{relay_url}/v1/realtime", sessions, relay.pid))
    finally:
        for process in (relay, upstream):
            process.terminate()
            process.wait(10)
    share = got["cpu"] / got["wall"]
    per = got["cpu"] / (got["wall"] * sessions)  # CPU seconds a session-second
    behind = ""
    if got["sent"] < 0.95 * got["due"]:
        behind = f" (the load fell behind: {got['sent']} appends of {got['due']} due)"
    return (f"{sessions:4d} sessions: relay {share:6.1%} of a core, {per * 1e3:5.2f} ms of CPU a "
            f"session-second, ~{1 / per:,.0f} sessions a core{behind}")  # fmt: skip


if __name__ == "__main__":
    for n in map(int, sys.argv[1:] or ["50", "150"]):
        print(measure(n), flush=True)
