"""rt_fast.dask on a real cluster: a ``LocalCluster`` of two worker processes, started once,
reading logs from disk and from fsspec's ``memory://`` file system (the stand-in for object
storage: every worker process holds the same files, put there by a worker plugin, as every
node of a cluster sees the same bucket). Every answer is compared with the one-machine reader
and the command line on the same logs, under every Dask scheduler (sync, threads, processes,
distributed); an export replaces a dataset only once the new one is whole."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import dask.config
import fsspec
import msgspec
import pyarrow.parquet as pq
import pytest
import zstandard
from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

import rt_fast
from rt_fast import _decoders
from rt_fast import dask as rt_dask
from rt_fast._cli import main
from rt_fast._jsonl import Rejected, read_log
from tests.conftest import local_cluster

SAMPLE = resources.files("rt_fast").joinpath("data/sample_session.jsonl.gz").read_bytes()
PLAIN = gzip.decompress(SAMPLE)
LINES = PLAIN.splitlines(keepends=True)
# Bad lines, blank lines and a CRLF among good ones, at places a small block cuts around.
MESSY = b"".join(
    [*LINES[:3], b'{"type": broken\n', b"\n", b"  \r\n", LINES[3].replace(b"\n", b"\r\n"),
     *LINES[4:50], b"not json at all\n", *LINES[50:], b'{"type":"response.done"}']
)  # fmt: skip
LAST = len(LINES) + 5  # MESSY's last line: the sample's, two bad and two blank ones before it


def _store(files: dict[str, bytes]) -> None:
    memory = fsspec.filesystem("memory")
    for path, data in files.items():
        memory.pipe(path, data)


def _files_under(folder: str) -> dict[str, bytes]:
    memory = fsspec.filesystem("memory")
    return {path: memory.cat(path) for path in memory.find(folder)}


class _Bucket(WorkerPlugin):
    """Puts files into a worker's ``memory://`` file system when it starts (restarts too)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def setup(self, worker: Any) -> None:
        _store(self.files)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with local_cluster(2) as client:
        yield client


@pytest.fixture(scope="module")
def bucket(client: Client) -> dict[str, bytes]:
    """Logs in ``memory://bucket/``, in every worker and here."""
    files = {
        "/bucket/day1/messy.jsonl": MESSY,
        "/bucket/day1/sample.jsonl.gz": SAMPLE,
        "/bucket/day2/sample.jsonl.zst": zstandard.ZstdCompressor().compress(PLAIN),
    }
    client.register_plugin(_Bucket(files), name="bucket")
    _store(files)
    return files


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The same logs on disk."""
    folder = tmp_path_factory.mktemp("logs")
    zstd = zstandard.ZstdCompressor().compress(PLAIN)
    names = {"messy.jsonl": MESSY, "sample.jsonl.gz": SAMPLE, "sample.jsonl.zst": zstd}
    for name, data in names.items():
        (folder / name).write_bytes(data)
    return [str(folder / name) for name in names]


def _cli_stats(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    status = main(["stats", "--json", *argv])
    return status, json.loads(capsys.readouterr().out)


def _timeless(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in ("seconds", "jobs")}


@pytest.mark.parametrize("blocksize", [20_000, 300_000, rt_dask.BLOCKSIZE])
def test_stats_is_what_the_command_line_gives(
    client: Client, logs: list[str], capsys: pytest.CaptureFixture[str], blocksize: int
) -> None:
    status, expected = _cli_stats(capsys, *logs)
    report = rt_dask.stats(logs, client, blocksize=blocksize)
    assert status == 1 and _timeless(report) == _timeless(expected)
    assert report["jobs"] == 2  # the cluster's worker threads
    assert report["decoded"] + report["rejected"] == report["lines"] == len(LINES) * 3 + 3
    assert [(r["line"], r["excerpt"][:9]) for r in report["first_rejected"]] == [
        (4, '{"type": '), (54, "not json "), (LAST, '{"type":"')]  # fmt: skip


@pytest.mark.parametrize("blocksize", [40_000, 300_000])
def test_report_is_what_the_command_line_gives(
    client: Client,
    logs: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    blocksize: int,
) -> None:
    """Sessions that span pieces (records of two interleaved sessions, a plain log) split as
    one process splits them."""
    from tests.test_sessions import _plain, _records

    records = tmp_path / "records.jsonl"
    records.write_bytes(_records("a") + _records("b") + _records("a") + _plain())
    paths = [str(records), *logs]
    capsys.readouterr()
    status = main(["report", "--json", *paths])
    expected = json.loads(capsys.readouterr().out)
    report = rt_dask.report(paths, client, blocksize=blocksize)
    assert status == 1 and _timeless(report) == _timeless(expected)
    assert report["times"] and [s["session"] for s in report["sessions"][:3]] == [
        "a", "b", "log 1 session 1"]  # fmt: skip
    assert report["sessions"][0]["turn_count"] == 6  # the session went on after "b"
    assert report["sessions"][0]["turns"][2]["tools"][0]["round_trip_ms"] == 2100


def test_stats_of_object_storage_urls_and_globs(
    client: Client, bucket: dict[str, bytes], logs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    report = rt_dask.stats("memory://bucket/*/*", client, blocksize=100_000)
    _, local = _cli_stats(capsys, *logs)
    urls = [f"memory:/{path}" for path in sorted(bucket)]
    assert report["logs"] == urls
    assert [r["log"] for r in report["first_rejected"]] == [urls[0]] * 3
    for rejected in local["first_rejected"]:
        rejected["log"] = urls[0]
    assert _timeless({**report, "logs": None}) == _timeless({**local, "logs": None})


def test_blocks_smaller_than_lines(client: Client, tmp_path: Path) -> None:
    """Blocks shorter than most lines: many tasks have no line of their own; each line is
    still read once, numbered as in the file."""
    log = tmp_path / "small.jsonl"
    small = [line for line in MESSY.splitlines(keepends=True) if len(line) < 300]
    log.write_bytes(b"".join([*small[:20], b"{bad\n", b"\n", *small[20:40]]))
    items = rt_dask.read_logs(str(log), blocksize=97).compute(scheduler=client)
    with read_log(str(log), errors="report") as reader:
        frames = list(reader)
    assert [i for i in items if not isinstance(i, Rejected)] == frames
    assert [i.line for i in items if isinstance(i, Rejected)] == [r.line for r in reader.rejected]


def test_read_logs_keeps_every_line_in_its_place(client: Client, bucket: dict[str, bytes]) -> None:
    url = "memory://bucket/day1/messy.jsonl"
    bag = rt_dask.read_logs([url], blocksize=50_000)
    assert bag.npartitions == -(-len(MESSY) // 50_000)
    items = bag.compute(scheduler=client)
    expected: list[Any] = []  # each line read alone, by the one-machine reader
    for number, line in enumerate(MESSY.splitlines(keepends=True), 1):
        with read_log(io.BytesIO(line), errors="report") as reader:
            expected += list(reader)
        expected += [msgspec.structs.replace(r, log=url, line=number) for r in reader.rejected]
    assert items == expected
    assert [(i, r.line) for i, r in enumerate(items) if isinstance(r, Rejected)] == [
        (3, 4),
        (51, 54),
        (LAST - 3, LAST),
    ]


def test_read_logs_raise_names_the_files_first_bad_line(
    client: Client, bucket: dict[str, bytes]
) -> None:
    """Every piece after the first bad line fails with that line's error: the pieces after it
    cannot be numbered (the lines after a bad one are not read)."""
    bag = rt_dask.read_logs("memory://bucket/day1/messy.jsonl", errors="raise", blocksize=20_000)
    assert bag.npartitions > 100
    for _ in range(2):
        with pytest.raises(rt_fast.DecodeError) as caught:
            bag.compute(scheduler=client)
        assert caught.value.line == 4
        assert str(caught.value).startswith("memory://bucket/day1/messy.jsonl, line 4: JSON")


def test_read_logs_gives_typed_frames_to_work_on(client: Client, bucket: dict[str, bytes]) -> None:
    bag = rt_dask.read_logs("memory://bucket/day1/sample.jsonl.gz")
    deltas = bag.filter(lambda f: isinstance(f, rt_fast.ga.ResponseOutputAudioDeltaEvent))
    seconds = deltas.map(lambda f: len(rt_fast.decode_pcm(rt_fast.encode(f))) / 48000).sum()
    expected = sum(
        len(rt_fast.decode_pcm(line)) / 48000
        for line in LINES
        if b'"response.output_audio.delta"' in line[:40]
    )
    assert seconds.compute(scheduler=client) == pytest.approx(expected) and expected > 0


def test_camel_case_logs(client: Client, tmp_path: Path) -> None:
    """Frames of generated variant classes (camelCase keys) come back from the workers as the
    classes this process has."""
    with read_log(io.BytesIO(b"".join(LINES[:60]))) as reader:
        camel = b"".join(rt_fast.encode(f, naming="camel") + b"\n" for f in reader)
    log = tmp_path / "camel.jsonl"
    log.write_bytes(camel)
    items = rt_dask.read_logs(str(log), naming="camel", blocksize=20_000).compute(scheduler=client)
    local = list(read_log(str(log), naming="camel"))
    assert [type(i) for i in items] == [type(f) for f in local] and items == local


def test_to_parquet_writes_the_rows_of_export(
    client: Client, bucket: dict[str, bytes], logs: list[str], tmp_path: Path
) -> None:
    """The workers write into a folder they share with this process (as they would a bucket:
    ``memory://`` is each process's own)."""
    out = str(tmp_path / "exported")
    written = rt_dask.to_parquet("memory://bucket/*/*", out, client, blocksize=500_000)
    assert main(["export", "-o", str(tmp_path / "one.parquet"), *logs]) == 1
    local = pq.read_table(tmp_path / "one.parquet").to_pylist()
    assert sorted(os.listdir(out)) == [os.path.basename(f) for f in written.files]
    rows = pq.read_table(out)
    names = dict(zip(logs, [f"memory:/{p}" for p in sorted(bucket)], strict=True))
    for row in local:
        row["log"] = names[row["log"]]
    key = lambda row: (row["log"], row["line"])  # noqa: E731
    assert sorted(rows.to_pylist(), key=key) == sorted(local, key=key)
    assert written.files == sorted(written.files)  # in log order, named by task
    assert all(re.fullmatch(rf"{out}/part-\d{{5}}\.parquet", f) for f in written.files)
    assert len(written.files) == -(-len(MESSY) // 500_000) + 2  # a file a task with lines
    assert (written.lines, written.decoded, written.blank) == (
        len(LINES) * 3 + 3,
        len(LINES) * 3,
        2,
    )
    assert [(r.log, r.line) for r in written.rejected] == [
        (names[logs[0]], 4),
        (names[logs[0]], 54),
        (names[logs[0]], LAST),
    ]


def test_to_parquet_replaces_an_earlier_dataset(
    client: Client, logs: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "dataset"
    first = rt_dask.to_parquet(logs[0], str(out), client, blocksize=100_000)
    second = rt_dask.to_parquet(logs[0], str(out), client, blocksize=1_000_000)
    assert len(first.files) > len(second.files) == len(list(out.iterdir()))
    assert pq.read_table(out).num_rows == second.decoded == first.decoded == len(LINES)


def _tree(folder: Path) -> dict[str, bytes | None]:
    """What is under ``folder``, by its path in it: a file's bytes, a folder's None."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
            for p in folder.rglob("*")}  # fmt: skip


def test_to_parquet_keeps_the_old_dataset_until_the_new_one_is_whole(
    client: Client, logs: list[str], tmp_path: Path
) -> None:
    """A new export that fails, before or while its tasks run, leaves the old dataset as it
    was and nothing of its own; a first export that fails leaves no folder."""
    out = tmp_path / "dataset"
    rt_dask.to_parquet(logs[0], str(out), client, blocksize=100_000)
    before = _tree(out)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(SAMPLE[: len(SAMPLE) // 2])  # a worker fails on it, the others write
    failing = {
        str(tmp_path / "nowhere" / "*.jsonl"): FileNotFoundError,  # a glob that matches nothing
        str(tmp_path / "no such log.jsonl"): FileNotFoundError,
    }
    for paths, error in [*failing.items(), ([logs[0], str(cut)], OSError)]:
        with pytest.raises(error):
            rt_dask.to_parquet(paths, str(out), client, blocksize=300_000)
        assert _tree(out) == before
    with pytest.raises(OSError, match="truncated"):
        rt_dask.to_parquet([logs[0], str(cut)], str(tmp_path / "new"), client, blocksize=300_000)
    assert not (tmp_path / "new").exists()
    with pytest.raises(OSError):  # a dataset where a file is
        rt_dask.to_parquet(logs[0], str(cut / "dataset"), client)
    assert cut.read_bytes() == SAMPLE[: len(SAMPLE) // 2]


def test_to_parquet_into_memory_on_threads(logs: list[str], tmp_path: Path) -> None:
    """In one process, ``memory://`` is storage every task shares: a failed export there
    leaves the old dataset too, and no part of its own, though other tasks were writing."""
    memory = fsspec.filesystem("memory")
    cut = "memory://cut/cut.jsonl.gz"
    memory.pipe(cut, SAMPLE[: len(SAMPLE) // 2])
    with _threads():
        first = rt_dask.to_parquet(logs[0], "memory://threads/out", blocksize=100_000)
        before = _files_under("/threads/out")
        assert sorted(before) == [f.removeprefix("memory:/") for f in first.files]
        for _ in range(2):
            with pytest.raises(OSError, match="truncated"):
                rt_dask.to_parquet([cut, logs[0]], "memory://threads/out", blocksize=300_000)
            time.sleep(0.2)  # what a task still running would write, it has written
            assert _files_under("/threads/out") == before


def test_to_parquet_refuses_storage_the_workers_do_not_share(
    client: Client, logs: list[str]
) -> None:
    """Workers of other processes write into their own ``memory://``, where this process sees
    nothing: the export says so and keeps what was there."""
    memory = fsspec.filesystem("memory")
    memory.pipe("/unshared/out/part-00000.parquet", b"old")
    with pytest.raises(FileNotFoundError, match="share"):
        rt_dask.to_parquet(logs[0], "memory://unshared/out", client, blocksize=1_000_000)
    assert _files_under("/unshared/out") == {"/unshared/out/part-00000.parquet": b"old"}


def test_a_worker_killed_mid_run_changes_no_count(
    client: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL a worker while it decodes: its nanny starts another, the scheduler runs its
    tasks again (those it had finished too, as their results died with it); nothing is
    counted twice, nothing lost."""
    log = tmp_path / "big.jsonl"
    log.write_bytes(MESSY * 12)
    _, expected = _cli_stats(capsys, str(log))
    pids = client.run(os.getpid)
    result: dict[str, Any] = {}
    run = threading.Thread(target=lambda: result.update(
        rt_dask.stats(str(log), client, blocksize=256 * 1024)))  # fmt: skip
    run.start()
    deadline, victim = time.monotonic() + 60, None
    while victim is None and time.monotonic() < deadline and run.is_alive():
        busy = [worker for worker, keys in client.processing().items() if keys]
        victim = busy[0] if busy else None
        time.sleep(0.005)
    assert victim is not None, "the run ended before a worker could be killed"
    os.kill(pids[victim], signal.SIGKILL)
    run.join(120)
    assert _timeless(result) == _timeless(expected)
    client.wait_for_workers(2, timeout=60)
    assert set(client.run(os.getpid).values()) != set(pids.values())


def test_the_command_line_on_a_cluster(
    client: Client, logs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address: str = client.scheduler_info()["address"]
    _, local = _cli_stats(capsys, *logs)
    status, remote = _cli_stats(capsys, "--scheduler", address, *logs)
    assert status == 1 and _timeless(remote) == _timeless(local) and remote["jobs"] == 2
    assert remote["seconds"]["cluster"] >= 0
    out = tmp_path / "dataset"
    assert main(["export", "--scheduler", address, "-o", str(out), *logs]) == 1
    assert "line 54" in capsys.readouterr().err
    assert pq.read_table(out).num_rows == len(LINES) * 3


def test_the_command_line_refuses_what_a_cluster_cannot_do(
    client: Client, logs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    address: str = client.scheduler_info()["address"]
    assert main(["stats", "--scheduler", address]) == 2
    assert "bundled sample is on this machine only" in capsys.readouterr().err
    assert main(["stats", "--scheduler", address, "--compare", logs[0]]) == 2
    assert "--compare" in capsys.readouterr().err
    assert main(["stats", "--scheduler", address, "-"]) == 2
    assert "standard input" in capsys.readouterr().err


def test_the_command_line_says_a_clusters_failure_in_one_line(
    client: Client, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A log a worker cannot read, an address that is no scheduler: one line, exit 2, and no
    worker's log of the task's traceback (the workers' output is captured too: they are
    children of this process)."""
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(SAMPLE[: len(SAMPLE) // 2])
    address: str = client.scheduler_info()["address"]
    for argv in ([address, str(cut)], ["ucx://127.0.0.1:9", str(cut)]):
        assert main(["stats", "--scheduler", *argv]) == 2
        err = capfd.readouterr().err
        assert err.startswith("rt-fast: ") and err.count("\n") == 1, err


def test_scheduler_local_starts_a_cluster_of_its_own(
    client: Client, logs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """As a user runs it: a command of its own starts (and stops) its own cluster."""
    command = [sys.executable, "-m", "rt_fast", "stats", "--json", "--scheduler", "local"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    status, report = done.returncode, json.loads(done.stdout)
    assert status == 0 and report["lines"] == len(LINES) and report["jobs"] >= 1
    assert report["seconds"]["cluster"] > 0
    address: str = client.scheduler_info()["address"]
    assert main(["stats", "--scheduler", address, logs[1]]) == 0
    out = capsys.readouterr().out
    assert (
        f"{len(LINES)} frames" in out and "on a Dask cluster of 2 worker threads, started in" in out
    )


def test_a_name_with_wildcards_that_exists_is_that_file(client: Client, tmp_path: Path) -> None:
    log = tmp_path / "day[1].jsonl"
    log.write_bytes(b"".join(LINES[:5]))
    assert rt_dask.stats(str(log), client)["lines"] == 5


def test_paths_that_name_nothing(client: Client) -> None:
    with pytest.raises(FileNotFoundError):
        rt_dask.stats("memory://nowhere/*.jsonl", client)
    with pytest.raises(FileNotFoundError):
        rt_dask.stats("/no/such/log.jsonl", client)
    with pytest.raises(ValueError, match="blocksize"):
        rt_dask.read_logs("memory://bucket/day1/messy.jsonl", blocksize=0)


# -- every scheduler, every file system ---------------------------------------------------------


RACY_FRAMES = [line for line in LINES if len(line) < 2000] * 3


def _racy() -> bytes:
    """A log that ``RACY_BLOCK`` cuts into dozens of pieces: the sample's frames under 2 kB
    three times over, with a bad line among every 50 of them and a blank one among every 70."""
    lines = []
    for number, line in enumerate(RACY_FRAMES):
        lines.append(line)
        lines += [b'{"type": bad %d\n' % number] if number % 50 == 7 else []
        lines += [b"\n"] if number % 70 == 3 else []
    return b"".join(lines)


RACY = _racy()
RACY_BLOCK = 4_000
RACY_URL = "memory://racy/racy.jsonl"


@pytest.fixture(scope="module")
def racy(client: Client, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The racy log on disk, and in ``memory://`` here and in every worker of the cluster."""
    path = tmp_path_factory.mktemp("racy") / "racy.jsonl"
    path.write_bytes(RACY)
    files = {RACY_URL.removeprefix("memory:/"): RACY}
    client.register_plugin(_Bucket(files), name="racy")
    _store(files)
    return {"local": str(path), "memory": RACY_URL}


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessPoolExecutor]:
    """Two spawned processes for Dask's ``processes`` scheduler, each with the racy log in its
    own ``memory://`` (which is a process's own), as the cluster's workers have it."""
    files = {RACY_URL.removeprefix("memory:/"): RACY}
    spawn = multiprocessing.get_context("spawn")
    memory = fsspec.filesystem("memory")
    with ProcessPoolExecutor(2, spawn, initializer=memory.pipe, initargs=(files,)) as pool:
        yield pool


@contextmanager
def _switching_often() -> Iterator[None]:
    """Threads take turns every microsecond, not every 5 ms: a race shows in a small log."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@contextmanager
def _threads(workers: int = 4) -> Iterator[ThreadPoolExecutor]:
    """Dask's threaded scheduler on a pool of its own (shut down on leaving), switching often."""
    with (
        ThreadPoolExecutor(workers) as pool,
        dask.config.set(scheduler="threads", pool=pool),
        _switching_often(),
    ):
        yield pool


@contextmanager
def _scheduler(name: str, client: Client, processes: ProcessPoolExecutor) -> Iterator[Any]:
    """A block under Dask's scheduler ``name``; gives the ``client`` argument to pass."""
    blocks: dict[str, Callable[[], AbstractContextManager[Any]]] = {
        "sync": lambda: dask.config.set(scheduler="sync"),
        "threads": _threads,
        "processes": lambda: dask.config.set(scheduler="processes", pool=processes),
        "distributed": contextlib.nullcontext,
    }
    with blocks[name]():
        yield client if name == "distributed" else None


def _computed(bag: Any, client: Client | None) -> list[Any]:
    return bag.compute(scheduler=client) if client is not None else bag.compute()


def _expected(racy: dict[str, str], name: str, capsys: pytest.CaptureFixture[str]) -> Any:
    """What the command line and ``read_log`` give for the racy log, named ``name``."""
    _, report = _cli_stats(capsys, racy["local"])
    shown = [{**rejected, "log": name} for rejected in report["first_rejected"]]
    with read_log(racy["local"], errors="report") as reader:
        frames = list(reader)
    rejected = [msgspec.structs.replace(r, log=name) for r in reader.rejected]
    return {**report, "logs": [name], "first_rejected": shown}, frames, rejected


@pytest.mark.parametrize("where", ["local", "memory"])
@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes", "distributed"])
def test_every_scheduler_gives_the_command_lines_answer(
    client: Client,
    racy: dict[str, str],
    processes: ProcessPoolExecutor,
    capsys: pytest.CaptureFixture[str],
    scheduler: str,
    where: str,
) -> None:
    """``stats``, ``read_logs`` and ``errors="raise"`` give the one-machine answers, whatever
    runs the tasks, wherever the log is (the threads, which race, three times)."""
    name = racy[where]
    report, frames, rejected = _expected(racy, name, capsys)
    numbers = range(len(RACY_FRAMES))
    bad, blank = sum(n % 50 == 7 for n in numbers), sum(n % 70 == 3 for n in numbers)
    assert len(rejected) == bad > 5 and report["blank"] == blank > 5
    with _scheduler(scheduler, client, processes) as on:
        for _ in range(3 if scheduler == "threads" else 1):
            assert _timeless(rt_dask.stats(name, on, blocksize=RACY_BLOCK)) == _timeless(report)
            items = _computed(rt_dask.read_logs(name, blocksize=RACY_BLOCK), on)
            assert [i for i in items if not isinstance(i, Rejected)] == frames
            assert [i for i in items if isinstance(i, Rejected)] == rejected
            with pytest.raises(rt_fast.DecodeError) as caught:
                _computed(rt_dask.read_logs(name, errors="raise", blocksize=RACY_BLOCK), on)
            assert caught.value.line == rejected[0].line
            assert str(caught.value).startswith(f"{name}, line {rejected[0].line}: JSON")


def test_jobs_are_the_clusters_that_ran(
    client: Client, racy: dict[str, str], processes: ProcessPoolExecutor
) -> None:
    """``jobs`` counts a cluster's threads when one ran the tasks, not when a client merely
    exists while another scheduler ran them."""
    threads = sum(client.nthreads().values())  # 2, unless a worker is starting again
    for scheduler, jobs in [("distributed", threads), ("sync", None), ("threads", None)]:
        with _scheduler(scheduler, client, processes) as on:
            assert rt_dask.stats(racy["local"], on, blocksize=50_000)["jobs"] == jobs


def test_two_computations_at_once_in_one_process(
    racy: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two bags of one ``memory://`` log, cut differently, computed at once by two threads of
    this process on one pool: each gets every line in its place."""
    _, frames, rejected = _expected(racy, RACY_URL, capsys)
    bags = [rt_dask.read_logs(RACY_URL, blocksize=size) for size in (RACY_BLOCK, 3_000)]
    with _threads() as pool, ThreadPoolExecutor(2) as callers:
        for _ in range(2):
            runs = [callers.submit(bag.compute, scheduler="threads", pool=pool) for bag in bags]
            for run in runs:
                items = run.result(timeout=60)
                assert [i for i in items if not isinstance(i, Rejected)] == frames
                assert [i for i in items if isinstance(i, Rejected)] == rejected


def test_threads_asking_at_once_get_one_decoder() -> None:
    """The log reader makes its decoders once a process: the threads that ask at once for one
    not made yet (a threaded scheduler's first tasks) all get the same."""
    _decoders._log_decoder.cache_clear()
    ready = threading.Barrier(4)

    def made(_: int) -> object:
        ready.wait(10)
        return _decoders.log_decoder("auto", "camel")

    with ThreadPoolExecutor(4) as pool, _switching_often():
        decoders = list(pool.map(made, range(4)))
    assert all(decoder is decoders[0] for decoder in decoders)
