"""Shared fixtures: the corpora beside the checkout, and a generated GA session."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from rt_fast._traffic import session_frames

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RT_FAST_SHARED", ROOT.parent / "shared"))
REAL = SHARED / "corpus" / "real"
JSONTESTSUITE = SHARED / "corpus" / "jsontestsuite" / "test_parsing"


def require(path: Path) -> Path:
    """``path``, or a skip saying the shared corpus is not beside this checkout."""
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (set RT_FAST_SHARED to the shared/ folder)")
    return path


def recorded() -> list[tuple[bytes, dict[str, Any]]]:
    """The recorded real frames with their provenance, or [] when the corpus is absent."""
    if not REAL.exists():
        return []
    frames = (REAL / "recorded.jsonl").read_bytes().splitlines()
    provenance = (REAL / "recorded.provenance.jsonl").read_text().splitlines()
    return [(frame, json.loads(p)) for frame, p in zip(frames, provenance, strict=False)]


@pytest.fixture(scope="session")
def ga_session() -> list[tuple[str, bytes]]:
    """A generated GA session of four turns (server and client frames, in order)."""
    return list(session_frames(seed=7, turns=4))


@contextlib.contextmanager
def serving(*args: str) -> Iterator[int]:
    """``rt-fast ARGS --port 0`` in a process of its own until the block ends: the port it says
    it listens on (its first line, ``rt-fast serve: ws://127.0.0.1:PORT...``)."""
    command = [sys.executable, "-m", "rt_fast", *args, "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith(f"rt-fast {args[0]}: ws://127.0.0.1:"), line
            yield int(line.split(":")[3].split("/")[0].split(" ")[0])
        finally:
            process.terminate()
            process.wait()


async def acked(connection: Any, reached: list[str | bytes]) -> None:
    """An upstream (a websockets server handler) that notes each frame reaching it and answers
    it with an ``ack``, until a close of any code."""
    with contextlib.suppress(ConnectionClosed):
        async for message in connection:
            reached.append(message)
            await connection.send('{"type":"ack"}')


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A ``distributed.Client`` of a ``LocalCluster`` of ``workers`` single-threaded worker
    processes, for one test module. distributed's one offload thread outlives its clusters
    and is shut down after (the tests after these fork log workers, which rt_fast does only
    where no other thread runs), so a module after another one's cluster starts a new one."""
    from concurrent.futures import ThreadPoolExecutor

    import dask
    import distributed

    if distributed.utils._offload_executor._shutdown:  # an earlier module's cluster's
        distributed.utils._offload_executor = ThreadPoolExecutor(1, "Dask-Offload")
    # No event-loop profiler (a thread of the scheduler, in this process, on Pythons but 3.11).
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                 dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client
    distributed.utils._offload_executor.shutdown(wait=True)
    for thread in threading.enumerate():  # a worker's queue watcher ends a moment after it
        if thread is not threading.main_thread():
            thread.join(timeout=10)
    assert threading.active_count() == 1, threading.enumerate()
