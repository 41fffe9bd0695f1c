"""Whole processes on a big log: ``rt-fast stats --jobs 1`` and ``--jobs 2`` against a plain loop.

Generates a session log of hundreds of MB in the temporary folder (``rt_fast._traffic``: GA
sessions, both directions, mostly audio), then runs, in one go and interleaved over rounds:

* ``rt-fast stats --jobs 1 LOG`` and ``rt-fast stats --jobs 2 LOG``;
* a plain Python loop of ``orjson.loads`` per line over the same file (``for line in file``)
  answering what ``stats`` is asked here: frames by type, and the tokens of every
  ``response.done``;
* the same loop in two forked processes, each over half the file: what two cores give plain
  per-line decoding on this machine at this moment, the yardstick for ``--jobs 2``;
* DuckDB (``read_json``, newline-delimited, the two columns the questions need) on one and on
  two threads, and Polars (``scan_ndjson`` with the same schema, on every core), answering
  the same (``--no-peers`` leaves them out; they need the ``bench`` extra);
* ``rt-fast report --jobs 1 LOG`` and ``--jobs 2``: sessions, turns and their metrics, held to
  at most 1.5x ``rt-fast stats`` with the same jobs (``--no-report`` leaves them out);
* optionally (``--json-loop``) the same loop with ``json.loads``;
* optionally (``--dask``) ``rt-fast stats --scheduler local LOG``: a ``LocalCluster`` of one
  worker process a core, started by the command, which reports its start-up time apart
  (``seconds.cluster``) from the run once it is up (``seconds.elapsed``).

The order of the commands reverses every other round. For each it reports the wall time (the
best and median of the rounds), MB/s of log, CPU time (user + system, workers included;
steadier than wall time on a shared machine), and peak resident memory: of the largest single
process (``wait4``), and of the whole process tree (worker processes included), sampled every
10 ms from ``/proc``. Then the speed-ups (orjson loop over ``--jobs 1``, ``--jobs 1`` over
``--jobs 2``) as the median of each round's ratio, and as the ratio of the best times. Every
command must succeed and the stats must count every line, or there is no number.

    python benchmarks/logs_whole_process.py --size-mb 500 --rounds 3
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import rt_fast
from rt_fast._traffic import session_frames

# Each answers the two questions (frames by type, total tokens of response.done) and prints its
# line count, which every command must agree on.
LOOP = """
import collections, sys, {module}
types, tokens = collections.Counter(), 0
with open(sys.argv[1], "rb") as file:
    for line in file:
        frame = {module}.loads(line)
        types[frame["type"]] += 1
        if frame["type"] == "response.done":
            tokens += frame["response"]["usage"]["total_tokens"]
print(sum(types.values()))
"""

DUCKDB = """
import sys, duckdb
db = duckdb.connect()
db.execute("SET threads = {threads}")
rows = db.execute(
    "SELECT type, count(*), sum(CAST(json_extract(response, '$.usage.total_tokens') AS BIGINT))"
    " FROM read_json(?, format = 'newline_delimited', maximum_object_size = 67108864,"
    " columns = {{'type': 'VARCHAR', 'response': 'JSON'}}) GROUP BY type",
    [sys.argv[1]],
).fetchall()
print(sum(count for _, count, _ in rows))
"""

POLARS = """
import sys, polars as pl
schema = {"type": pl.Utf8, "response": pl.Struct({"usage": pl.Struct({"total_tokens": pl.Int64})})}
frames = pl.scan_ndjson(sys.argv[1], schema=schema)
by_type = frames.group_by("type").agg(
    pl.len().alias("frames"), pl.col("response").struct.field("usage").struct.field("total_tokens").sum()
).collect()
print(by_type["frames"].sum())
"""

LOOP_HALVES = """
import collections, os, sys, {module}
types, tokens = collections.Counter(), 0
path = sys.argv[1]
with open(path, "rb") as file:
    size = file.seek(0, 2)
    file.seek(size // 2)
    file.readline()
    cut = file.tell()
counts = os.pipe()
pids = []
for start, end in ((0, cut), (cut, size)):
    pid = os.fork()
    if pid == 0:
        lines, left = 0, end - start
        with open(path, "rb") as file:
            file.seek(start)
            for line in file:
                if left <= 0:
                    break
                frame = {module}.loads(line)
                types[frame["type"]] += 1
                if frame["type"] == "response.done":
                    tokens += frame["response"]["usage"]["total_tokens"]
                lines, left = lines + 1, left - len(line)
        os.write(counts[1], b"%d\\n" % lines)
        os._exit(0)
    pids.append(pid)
os.close(counts[1])
for pid in pids:
    os.waitpid(pid, 0)
print(sum(map(int, os.fdopen(counts[0]).read().split())))
"""


def generate(path: Path, size: int) -> int:
    """Write sessions to ``path`` until it holds ``size`` bytes; returns the line count."""
    lines = written = seed = 0
    with path.open("wb") as file:
        while written < size:
            for _, frame in session_frames(seed=seed, turns=8):
                file.write(frame + b"\n")
                written, lines = written + len(frame) + 1, lines + 1
            seed += 1
    return lines


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants, from /proc. It follows each process's
    ``children`` lists, not all of /proc: a sample then costs ~0.1 ms, where a scan of every
    process cost ~3 ms, a fifth of a core taken from the command measured every 10 ms."""
    total, pending = 0, [pid]
    while pending:
        proc = f"/proc/{pending.pop()}"
        try:
            total += int(Path(f"{proc}/statm").read_text().split()[1]) * _PAGE
            for task in os.listdir(f"{proc}/task"):
                pending += map(int, Path(f"{proc}/task/{task}/children").read_text().split())
        except (OSError, ValueError, IndexError):  # it ended meanwhile
            continue
    return total


_PAGE = os.sysconf("SC_PAGE_SIZE")


def run(command: list[str]) -> tuple[float, float, int, int, str]:
    """(wall seconds, CPU seconds, peak RSS of one process, peak RSS of the tree, stdout) of a
    command; CPU is user + system time of the process and the workers it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = process.stdout.read() if process.stdout else b""
    err = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss * 1024, peak[0], out.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=500, help="log size (default: 500)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default: 3)")
    parser.add_argument("--json-loop", action="store_true", help="also time a json.loads loop")
    parser.add_argument("--dask", action="store_true", help="also stats on a LocalCluster")
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--no-peers", action="store_true", help="leave DuckDB and Polars out")
    parser.add_argument("--no-report", action="store_true", help="leave rt-fast report out")
    args = parser.parse_args()
    missing = [m for m in _needed(args) if importlib.util.find_spec(m) is None]
    if missing:  # said before a log of hundreds of MB is written, not after
        raise SystemExit(f"needs {', '.join(missing)}: pip install -e '.[bench]'")
    path = Path(tempfile.gettempdir()) / f"rt_fast_bench_{args.size_mb}mb.jsonl"
    try:
        _measure(args, path)
    finally:  # whatever happens: a failed command, Ctrl-C
        if not args.keep:
            path.unlink(missing_ok=True)


def _needed(args: argparse.Namespace) -> list[str]:
    """The modules the commands asked for import: orjson always, the peers unless left out."""
    return ["orjson"] + ([] if args.no_peers else ["duckdb", "polars"])


def _measure(args: argparse.Namespace, path: Path) -> None:
    if not path.exists() or path.stat().st_size < args.size_mb * 1e6:
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, int(args.size_mb * 1e6))
    size = path.stat().st_size
    # As an installed package has it: pip writes rt_fast's bytecode at install time, while a
    # source checkout under PYTHONDONTWRITEBYTECODE would compile it again in every process.
    compileall.compile_dir(Path(rt_fast.__file__).parent, quiet=1)
    python = sys.executable
    stats = [python, "-m", "rt_fast", "stats", "--json"]
    loop, halves = (code.format(module="orjson") for code in (LOOP, LOOP_HALVES))
    commands = {
        "rt-fast stats --jobs 1": [*stats, "--jobs", "1", str(path)],
        "rt-fast stats --jobs 2": [*stats, "--jobs", "2", str(path)],
        "orjson.loads loop": [python, "-c", loop, str(path)],
        "orjson.loads loop, 2 processes": [python, "-c", halves, str(path)],
    }
    if not args.no_report:
        for jobs in ("1", "2"):
            commands[f"rt-fast report --jobs {jobs}"] = [
                python, "-m", "rt_fast", "report", "--json", "--jobs", jobs, str(path)]  # fmt: skip
    if not args.no_peers:
        for threads in (1, 2):
            code = DUCKDB.format(threads=threads)
            commands[f"DuckDB read_json, {threads} thread{'s' * (threads > 1)}"] = [
                python, "-c", code, str(path)]  # fmt: skip
        commands["Polars scan_ndjson"] = [python, "-c", POLARS, str(path)]
    if args.json_loop:
        commands["json.loads loop"] = [python, "-c", LOOP.format(module="json"), str(path)]
    dask = "rt-fast stats --scheduler local"
    if args.dask:
        commands[dask] = [*stats, "--scheduler", "local", str(path)]
    results: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in commands}
    lines, reports, clusters = set(), {}, []
    for round_ in range(args.rounds):  # every other round in reverse: neither order is favoured
        order = list(commands.items())
        for name, command in order if round_ % 2 == 0 else order[::-1]:
            seconds, cpu, rss, tree, out = run(command)
            results[name].append((seconds, cpu, rss, tree))
            report = json.loads(out) if name.startswith("rt-fast") else None
            lines.add(report["lines"] - report["blank"] if report else int(out))
            if report:
                timing = report.pop("seconds")
                report.pop("jobs")
                reports[name.split()[1], json.dumps(report, sort_keys=True)] = name
            if name == dask:
                clusters.append((timing["cluster"], timing["elapsed"]))
    if len(lines) != 1:
        raise SystemExit(f"the commands disagree on the number of lines: {sorted(lines)}")
    if len(reports) != len({command for command, _ in reports}):  # one answer a command
        raise SystemExit(f"the answers differ between {sorted(set(reports.values()))}")
    print(f"log: {path}, {size / 1e6:.0f} MB, {lines.pop()} lines; {args.rounds} rounds; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")  # fmt: skip
    print("| command | wall s, best | wall s, median | MB/s (best) | CPU s, best | "
          "peak RSS, one process | peak RSS, tree |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        best, median = min(r[0] for r in runs), statistics.median(r[0] for r in runs)
        cpu, rss, tree = min(r[1] for r in runs), max(r[2] for r in runs), max(r[3] for r in runs)
        print(f"| {name} | {best:.2f} | {median:.2f} | {size / 1e6 / best:.0f} | {cpu:.2f} | "
              f"{rss / 1e6:.0f} MB | {tree / 1e6:.0f} MB |")  # fmt: skip
    # Runs next to each other in time share the machine's mood: their ratio is steadier.
    pairs = [("orjson.loads loop", "rt-fast stats --jobs 1"),
             ("rt-fast stats --jobs 1", "rt-fast stats --jobs 2"),
             ("orjson.loads loop", "orjson.loads loop, 2 processes")]  # fmt: skip
    if not args.no_report:
        pairs += [("rt-fast report --jobs 1", "rt-fast stats --jobs 1"),
                  ("rt-fast report --jobs 2", "rt-fast stats --jobs 2")]  # fmt: skip
    if not args.no_peers:
        pairs += [("DuckDB read_json, 1 thread", "rt-fast stats --jobs 1"),
                  ("DuckDB read_json, 2 threads", "rt-fast stats --jobs 2"),
                  ("Polars scan_ndjson", "rt-fast stats --jobs 2")]  # fmt: skip
    for a, b in pairs:
        ratios = [x[0] / y[0] for x, y in zip(results[a], results[b], strict=True)]
        print(f"{a} / {b}: median of the rounds' ratios {statistics.median(ratios):.2f}x, "
              f"of the best times {min(r[0] for r in results[a]) / min(r[0] for r in results[b]):.2f}x")  # fmt: skip
    if clusters:
        up, elapsed = zip(*clusters, strict=True)
        one = [r[0] for r in results["rt-fast stats --jobs 1"]]
        ratios = [a / b for a, b in zip(one, elapsed, strict=True)]
        print(f"{dask}: the same stats; cluster start-up {min(up):.2f} s at best (median "
              f"{statistics.median(up):.2f} s), then the run {min(elapsed):.2f} s (median "
              f"{statistics.median(elapsed):.2f} s): --jobs 1 / the run once the cluster is up: "
              f"median of the rounds' ratios {statistics.median(ratios):.2f}x, of the best times "
              f"{min(one) / min(elapsed):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
