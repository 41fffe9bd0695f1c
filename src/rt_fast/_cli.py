"""The ``rt-fast`` command line: Realtime session logs (JSONL, one frame a line) in bulk.

Commands read logs plain, gzip- or zstd-compressed (``-`` is standard input) through
``rt_fast._jsonl`` and decode every line, in ``--jobs`` processes:

* ``stats``: what the logs hold (frames by type, bytes, audio seconds, tokens, sessions); with
  no LOG, the bundled sample session, timed against ``json.loads`` in the same run.
* ``validate``: exit status 0 when every line decodes, 1 when one does not.
* ``filter``: the frames of some types, as the very bytes logged.
* ``export``: one row per frame to Parquet (pyarrow), for DuckDB or Polars.

Exit status: 0 done, 1 a line was rejected (the others are still counted or written), 2 a
usage error or a log that cannot be read, 130 interrupted (Ctrl-C). Whatever stops a command
(a bad argument, a file that cannot be read or written, a log cut short, a failed start) is
one line on standard error, ``rt-fast: ...``, never a traceback.

Files written (``-o``) are never written over before they are whole, nor over a log read
(``rt_fast._outputs``).

Each command is an ``add_parser(subparsers)`` in ``_COMMANDS`` that sets ``run``, a function
of the parsed arguments returning the exit status.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import gc
import importlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, NoReturn

import msgspec

from . import _export, _stats
from ._cli_ws import add_relay, add_serve
from ._jsonl import LogBatch, LogReader, Rejected, map_log, map_log_reporting
from ._outputs import output, refuse_inputs, written
from ._sources import Source, close, logs_of, open_log
from ._version import __version__

__all__ = ["main"]

SAMPLE = "sample_session.jsonl.gz"
_PROGRESS_MIN = 32 * 1024 * 1024  # logs smaller than this get no progress bar
_RACE_MAX = 16 * 1024 * 1024  # bytes timed against json.loads
_ROW_GROUP = 65536  # rows of a Parquet row group

# -- logs and progress ------------------------------------------------------------------------


@contextmanager
def _sources(names: Sequence[str]) -> Iterator[list[Source]]:
    """The logs named on the command line (``-``: standard input); none: the bundled sample."""
    if names:
        yield [sys.stdin.buffer if name == "-" else name for name in names]
        return
    from importlib import resources  # only for the sample

    with resources.files("rt_fast").joinpath("data").joinpath(SAMPLE).open("rb") as sample:
        yield [sample]


def _label(names: Sequence[str]) -> str:
    return ", ".join(names) if names else f"bundled sample ({SAMPLE})"


def _rich_progress() -> Any:
    """``rich.progress``, or None without rich (no bar then: it is an optional extra)."""
    try:
        return importlib.import_module("rich.progress")
    except ModuleNotFoundError:
        return None


@contextmanager
def _progress(reader: LogReader[Any]) -> Iterator[Callable[[], None]]:
    """A function that moves a progress bar on a terminal (rich), for long logs; else nothing."""
    size = reader.size or 0
    progress = _rich_progress() if size >= _PROGRESS_MIN and sys.stderr.isatty() else None
    if progress is None:
        yield lambda: None
        return
    console = importlib.import_module("rich.console").Console(stderr=True)
    columns = (*progress.Progress.get_default_columns(), progress.TransferSpeedColumn())
    with progress.Progress(*columns, console=console, transient=True, auto_refresh=False) as bar:
        task, shown = bar.add_task("decoding", total=size), [0.0]

        def tick() -> None:  # no refresh thread: worker processes may be forked
            if time.monotonic() - shown[0] >= 0.1:
                bar.update(task, completed=reader.position, refresh=True)
                shown[0] = time.monotonic()

        yield tick


# -- stats ------------------------------------------------------------------------------------


def _report(
    args: argparse.Namespace, reader: LogReader[_stats.Tally], shown: list[Rejected], start: float
) -> dict[str, Any]:
    totals = _stats.Totals()
    with _progress(reader) as tick:
        for tally in reader:
            totals.add(tally)
            tick()
    return {
        "logs": [_label(args.log)] if not args.log else list(args.log),
        **_stats.summary(reader, totals, shown),
        "jobs": args.jobs,
        "seconds": {"elapsed": round(time.perf_counter() - start, 4)},
    }


def _head_bytes(source: Source, limit: int) -> bytes:
    """The first whole lines of a log, decompressed, up to ``limit`` bytes."""
    log = logs_of(source)[0]
    opened, data, size = open_log(log), bytearray(limit), 0
    try:
        while size < limit and (got := opened.stream.readinto(memoryview(data)[size:])):
            size += got
    finally:
        close(log, opened)
    return bytes(data[:size] if size < limit else data[: data.rfind(b"\n") + 1])


def _count(batch: LogBatch) -> int:
    return len(batch.frames)


def _json_loads_all(data: bytes) -> None:
    import json  # only for the race

    for line in io.BytesIO(data):
        if line.strip():
            try:  # noqa: SIM105 - suppress() would cost json.loads a context manager a line
                json.loads(line)
            except ValueError:
                pass


def _best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _race(data: bytes, protocol: str) -> dict[str, Any]:
    """rt_fast's reader against a ``json.loads`` loop on the same lines, best of 5."""

    def ours() -> int:
        return sum(map_log(io.BytesIO(data), _count, protocol=protocol, errors="report"))

    seconds = _best_of(5, ours)
    theirs = _best_of(5, lambda: _json_loads_all(data))
    return {"bytes": len(data), "frames": ours(), "rt_fast": seconds, "json.loads": theirs}


def _print_json(report: dict[str, Any]) -> None:
    print(msgspec.json.format(msgspec.json.encode(report), indent=2).decode())


def _print_live(report: dict[str, Any]) -> None:
    """The Live lines of ``rt-fast stats``: each session's last usage, delegated tokens."""
    live, delegated = report["live_usage"], report["delegated_usage"]
    if live["sessions"]:
        print(
            f"live: {len(live['sessions'])} sessions, {live['seconds']:.1f} s "
            f"(each session's last report), {live['active_seconds']} s active, "
            f"{live['paused_seconds']} s paused"
        )
    if delegated:
        print("delegated tokens: " + ", ".join(f"{k} {v}" for k, v in delegated.items()))


def _print_stats(report: dict[str, Any]) -> None:
    mb, elapsed = report["bytes"] / 1e6, report["seconds"]["elapsed"]
    cluster = report["seconds"].get("cluster")
    how = (
        f"--jobs {report['jobs']}; opening, decompressing and any worker start-up included"
        if cluster is None
        else f"on a Dask cluster of {report['jobs']} worker threads, started in {cluster:.2f} s"
    )
    print(
        f"{_shown(', '.join(report['logs']))}: {report['lines']} frames, {mb:.2f} MB of JSONL, "
        f"read, decoded and counted in {elapsed:.2f} s ({mb / max(elapsed, 1e-9):.0f} MB/s, {how})"
    )
    print(f"decoded {report['decoded']}, rejected {report['rejected']}, blank {report['blank']}")
    for rejected in report["first_rejected"]:
        print(_shown(f"  {rejected['log']}, line {rejected['line']}: {rejected['error']}"))
    audio, usage = report["audio_seconds"], report["usage"]
    print(
        f"sessions {report['sessions']}; audio {audio['client']:.1f} s from clients, "
        f"{audio['server']:.1f} s from servers; {report['responses']} responses, tokens "
        f"{usage.get('input_tokens', 0)} in, {usage.get('output_tokens', 0)} out"
    )
    _print_live(report)
    print(f"\n{'type':<56}{'frames':>8}{'MB':>9}")
    for type_, count in report["by_type"].items():
        print(f"{_shown(type_):<56}{count:>8}{report['bytes_by_type'][type_] / 1e6:>9.3f}")
    race = report["seconds"].get("race")
    if race:
        ours, theirs, per = race["rt_fast"], race["json.loads"], 1e6 / max(race["frames"], 1)
        print(
            f"\ndecoding alone, {race['bytes'] / 1e6:.1f} MB of JSONL already in memory, one "
            f"process, best of 5: rt_fast {ours * 1e3:.2f} ms "
            f"({ours * per:.2f} us/frame), json.loads {theirs * 1e3:.2f} ms ({theirs * per:.2f} "
            f"us/frame): rt_fast is {theirs / ours:.1f}x json.loads (typed objects vs plain dicts)"
        )


def _cmd_stats(args: argparse.Namespace) -> int:
    shown: list[Rejected] = []
    keep = functools.partial(_stats.keep_first, shown)
    if args.scheduler:
        report = _on_cluster(args, _cluster_stats)
        if not args.log:
            report["logs"] = [_label(args.log)]
    else:
        with _sources(args.log) as sources:
            start = time.perf_counter()
            reader = _scan(
                args, sources, _stats.tally, keep, small=True, combine=_stats.combine, measure=True
            )
            report = _report(args, reader, shown, start)
    if (args.compare or not args.log) and not args.scheduler:
        with _sources(args.log) as sources:
            data = _head_bytes(sources[0], _RACE_MAX)
        report["seconds"]["race"] = _race(data, args.protocol)
    if args.json:
        _print_json(report)
    else:
        _print_stats(report)
    return 1 if report["rejected"] else 0


# -- report -----------------------------------------------------------------------------------


def _cmd_report(args: argparse.Namespace) -> int:
    from ._prices import load_prices  # these, _figures and _sessions only for a report
    from ._report import json_text, page, terminal
    from ._report import text as report_text

    prices = load_prices(args.prices)  # a bad table stops the command before any log is read
    with ExitStack() as stack:  # an --html that cannot be written stops it too
        page_file = None
        if args.html:
            refuse_inputs(args.html, args.log)
            page_file = stack.enter_context(written(args.html))
        report = _report_of(args, prices)
        if page_file is not None:
            page_file.write(page(report).encode())
    if args.json:
        _write_all(json_text(report), sys.stdout.write)
    elif terminal(report, _shown) is None:
        print(report_text(report, _shown))
    return 1 if report["rejected"] else 0


def _write_all(pieces: Iterator[str], write: Callable[[str], object]) -> None:
    """Write ``pieces`` and a newline, a megabyte or so at a time (not a call a piece)."""
    held, size = [], 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size > 2**20:
            write("".join(held))
            held, size = [], 0
    write("".join(held) + "\n")


def _report_of(args: argparse.Namespace, prices: Any) -> dict[str, Any]:
    from . import _figures, _sessions

    if args.scheduler:
        report: dict[str, Any] = _on_cluster(args, functools.partial(_cluster_report, prices))
        report["logs"] = list(args.log) or [_label(args.log)]
        return report
    with _sources(args.log) as sources:
        start, shown = time.perf_counter(), list[Rejected]()
        keep = functools.partial(_stats.keep_first, shown)
        reader = _scan(args, sources, _sessions.trace, keep, small=True,
                       combine=_sessions.combine, measure=True)  # fmt: skip
        sessions = _sessions.Sessions()
        _consume(reader, sessions.add)
    return {
        "logs": list(args.log) or [_label(args.log)],
        **_stats.counts(reader, shown),
        **_figures.summary(sessions, prices),
        "jobs": args.jobs,
        "seconds": {"elapsed": round(time.perf_counter() - start, 4)},
    }


# -- validate ---------------------------------------------------------------------------------


def _scan(args: argparse.Namespace, sources: list[Source], function: Callable[[LogBatch], Any],
          on_reject: Callable[[Rejected], object] | None = None, small: bool = False,
          combine: Callable[[list[Any]], Any] | None = None,
          measure: bool = False) -> LogReader[Any]:  # fmt: skip
    """A reader of ``function``'s results over the logs, by the command line's options; the
    function does not use line numbers, and ``small`` results may come a whole log at once."""
    return map_log_reporting(sources, function, protocol=args.protocol, jobs=args.jobs,
                    on_reject=on_reject, numbered=False, whole=small, combine=combine,
                    measure=measure)  # fmt: skip


def _consume(reader: LogReader[Any], each: Callable[[Any], object] = lambda _: None) -> None:
    with _progress(reader) as tick:
        for value in reader:
            each(value)
            tick()


def _cmd_validate(args: argparse.Namespace) -> int:
    """Each rejected line is printed as it is found (``--json``: the first ``_LISTED`` are
    listed; with ``--jobs``, each worker's task sends back its first ``KEPT``): all are
    counted, and memory stays bounded whatever the log holds."""
    listed: list[Rejected] = []
    printed = [0]

    def on_reject(rejected: Rejected) -> None:
        if args.json:
            if len(listed) < _LISTED:
                listed.append(rejected)
        else:
            print(_shown(f"{rejected.log}, line {rejected.line}: {rejected.error}"))
            print(f"    {_shown(rejected.excerpt)}")
            printed[0] += 1

    with _sources(args.log) as sources:
        _consume(reader := _scan(args, sources, _count, on_reject, small=True, combine=sum))
    count = reader.rejected_count
    if args.json:
        report = {
            "logs": args.log,
            "lines": reader.lines,
            "decoded": reader.decoded,
            "blank": reader.blank,
            "rejected": [msgspec.to_builtins(r) for r in listed],
            "rejected_count": count,
        }
        _print_json(report)
    else:
        verdict = "all decoded" if not count else f"{count} rejected"
        if count > printed[0]:  # a worker sends back its first jsonl.KEPT, and counts the rest
            verdict += f" ({count - printed[0]} of them not listed)"
        print(f"{_shown(_label(args.log))}: {reader.lines} lines, {verdict}")
    return 1 if count else 0


_LISTED = 1000  # rejected lines validate --json lists (it counts them all)


# -- filter -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _matches(patterns: tuple[str, ...], tag: str) -> bool:
    return any(fnmatch.fnmatchcase(tag, pattern) for pattern in patterns)


def _matching(patterns: tuple[str, ...], batch: LogBatch) -> bytes:
    """The lines of the frames whose type matches, as logged, each with a newline."""
    picked = [i for i, frame in enumerate(batch.frames) if _matches(patterns, _stats.tag(frame))]
    return b"".join(line + b"\n" for line in batch.raw_lines(picked)) if picked else b""


def _report_rejected(rejected: Rejected) -> None:
    print(
        _shown(f"rt-fast: {rejected.log}, line {rejected.line}: {rejected.error}"), file=sys.stderr
    )


def _cmd_filter(args: argparse.Namespace) -> int:
    matching = functools.partial(_matching, tuple(args.type))
    refuse_inputs(args.output or "-", args.log)
    with output(args.output) as out, _sources(args.log) as sources:
        _consume(reader := _scan(args, sources, matching, _report_rejected), out.write)
    return 1 if reader.rejected_count else 0


# -- export -----------------------------------------------------------------------------------


def _cmd_export(args: argparse.Namespace) -> int:
    refuse_inputs(args.output, args.log, dataset=bool(args.scheduler))
    if args.scheduler:
        exported = _on_cluster(args, _cluster_export)
        for rejected in exported.rejected:
            _report_rejected(rejected)
        _say_written(args.output, exported.decoded, len(exported.files), len(exported.rejected))
        return 1 if exported.rejected else 0
    pa, pq = _export.pyarrow()
    pending: list[dict[str, list[Any]]] = []

    def add(columns: dict[str, list[Any]]) -> None:
        pending.append(columns)
        if sum(len(c["line"]) for c in pending) >= _ROW_GROUP:
            writer.write_table(_export.table(pa, pending))
            pending.clear()

    with (
        _sources(args.log) as sources,
        written(args.output) as out,
        pq.ParquetWriter(out, _export.schema(pa)) as writer,
    ):
        reader = map_log(sources, _export.rows, protocol=args.protocol, errors="report",
                         jobs=args.jobs, on_reject=_report_rejected)  # fmt: skip
        _consume(reader, add)
        if pending:
            writer.write_table(_export.table(pa, pending))
    _say_written(args.output, reader.decoded, 1, reader.rejected_count)
    return 1 if reader.rejected_count else 0


def _say_written(output: str, rows: int, files: int, rejected: int) -> None:
    """What an export wrote, once it is in place: a silent success reads as nothing done."""
    parts = f" in {files:,} files" if files != 1 else ""
    print(f"wrote {rows:,} rows{parts} to {_shown(output)} ({rejected:,} rejected)")


# -- on a cluster ------------------------------------------------------------------------------

_Work = Callable[[Any, argparse.Namespace, list[str], Any], Any]


def _on_cluster(args: argparse.Namespace, work: _Work) -> Any:
    """``work(rt_fast.dask, args, logs, client)`` on the cluster of ``--scheduler``; the logs
    are paths or fsspec URLs that every worker reaches (none: the bundled sample). A report
    gets the cluster's start-up time apart, as ``seconds.cluster``."""
    if "-" in args.log:
        raise OSError("standard input cannot be read on a cluster: name a file or URL")
    if not args.log and args.scheduler != "local":
        raise OSError("the bundled sample is on this machine only: name logs the workers read")
    if getattr(args, "compare", False):
        raise OSError("--compare times decoding here, not on a cluster: leave out --scheduler")
    from importlib import resources

    from . import dask as on_dask  # only with --scheduler: dask is an extra

    sample = resources.as_file(resources.files("rt_fast").joinpath("data").joinpath(SAMPLE))
    with sample as path, _one_line_errors(f"--scheduler {args.scheduler}"):
        start = time.perf_counter()
        with on_dask.cluster(args.scheduler) as client:
            up = time.perf_counter() - start
            result = work(on_dask, args, list(args.log) or [str(path)], client)
    if isinstance(result, dict):
        result["seconds"]["cluster"] = round(up, 4)
    return result


@contextmanager
def _one_line_errors(where: str) -> Iterator[None]:
    """Dask's and fsspec's own errors (a missing filesystem package, an address that is no
    scheduler) as an ``OSError`` naming ``where``: the CLI's one line, not their traceback."""
    try:
        yield
    except (OSError, ValueError):  # already the CLI's
        raise
    except Exception as exc:
        raise OSError(f"{where}: {type(exc).__name__}: {exc}") from None


def _cluster_stats(on_dask: Any, args: argparse.Namespace, logs: list[str], client: Any) -> Any:
    return on_dask.stats(logs, client, protocol=args.protocol)


def _cluster_report(
    prices: Any, on_dask: Any, args: argparse.Namespace, logs: list[str], client: Any
) -> Any:
    return on_dask.report(logs, client, protocol=args.protocol, prices=prices)


def _cluster_export(on_dask: Any, args: argparse.Namespace, logs: list[str], client: Any) -> Any:
    return on_dask.to_parquet(logs, args.output, client, protocol=args.protocol)


def _scheduler(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' for a new "
        f"LocalCluster of this machine's cores (needs rt-fast[dask]); LOGs may then be fsspec "
        f"URLs (s3://, gs://, ...) every worker can read; {what}",
    )


# -- the parser -------------------------------------------------------------------------------

_LOGS_HELP = "JSONL log: plain, .gz or .zst (told by content), or - for standard input"


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: N is 0 (one process per core) or more")
    return jobs


_BUDGET_MAX = 3600.0  # seconds of bench timing at most


def _budget(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= _BUDGET_MAX:  # NaN too
        raise argparse.ArgumentTypeError(f"{text!r}: SECONDS is over 0, at most {_BUDGET_MAX:g}")
    return seconds


def _common(parser: argparse.ArgumentParser, logs: str = "+") -> None:
    parser.add_argument("log", nargs=logs, metavar="LOG", help=_LOGS_HELP)
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="decode in N processes (0: one per core; default: 1)",
    )
    parser.add_argument(
        "--protocol",
        default="auto",
        choices=("auto", "ga", "beta", "translation", "live"),
        help="protocol generation of the frames (default: auto, per frame)",
    )


def _add_stats(commands: Any) -> None:
    stats = commands.add_parser(
        "stats",
        help="what logs hold: frames by type, bytes, audio seconds, tokens, sessions",
        description="Decode every line and count frames by type (unknown types too), bytes, "
        "audio seconds each way (from payload sizes and the session's audio formats), token "
        "usage summed from response.done, and sessions. With no LOG, the bundled sample "
        "session, timed against json.loads in the same run. --json prints logs, lines, "
        "decoded, rejected (a count), blank, first_rejected (the first few: log, line, error, "
        "excerpt), bytes (of JSONL, decompressed), by_type, bytes_by_type, audio_seconds "
        "{client, server}, responses, usage, live_usage (Live sessions' cumulative seconds: "
        "each session's last report, and their sum), delegated_usage (tokens of the "
        "Responses and decisions work Live sessions delegate), sessions, session_ids, jobs, "
        "and seconds {elapsed: "
        "reading, decompressing, decoding and counting every log, worker start-up included; "
        "race, with --compare or no LOG: {bytes, frames, rt_fast, json.loads}, the best of 5 "
        "decodes of the first 16 MB already in memory, in seconds}. Exit status 1 if a line is "
        "rejected.",
    )
    _common(stats, logs="*")
    stats.add_argument("--json", action="store_true", help="print JSON for machines")
    _scheduler(stats, "--jobs is then the cluster's, and seconds.cluster its start-up")
    stats.add_argument(
        "--compare",
        action="store_true",
        help="also time rt_fast against json.loads on the first 16 MB",
    )
    stats.set_defaults(run=_cmd_stats)


def _add_report(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="sessions and turns: latency, interruptions, tools, tokens and cost",
        description="Split the logs into sessions and turns and measure each turn: "
        "voice-to-voice latency, time to first text, response duration, audio in and out, "
        "interruptions and the audio they cut, tool round trips, errors by code; per session "
        "and overall: medians, p90 and p99, interruption rate, tokens by modality and cost. "
        "Latencies need arrival times (the relay's records, rt-fast relay --record); plain "
        "logs say unknown. Definitions: docs/report.md. With no LOG, the bundled sample. "
        "Exit status 1 if a line is rejected.",
    )
    _common(report, logs="*")
    report.add_argument("--json", action="store_true", help="print JSON for machines")
    report.add_argument("--html", metavar="FILE",
                        help="also write the report as one self-contained HTML page")  # fmt: skip
    report.add_argument("--prices", metavar="FILE",
                        help="a price table (JSON, the shape of rt_fast/data/prices.json) whose "
                        "models replace or add to the shipped prices")  # fmt: skip
    _scheduler(report, "--jobs is then the cluster's")
    report.set_defaults(run=_cmd_report)


def _add_validate(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="check that every line decodes (exit status 0) or list those that do not (1)",
        description="Decode every line; print each rejected line with its number, error and "
        "an excerpt. Exit status 0 when all decode, 1 when a line is rejected, 2 when a log "
        "cannot be read.",
    )
    _common(validate)
    validate.add_argument(
        "--json", action="store_true", help="print {lines, decoded, rejected: [{line, error}, ...]}"
    )
    validate.set_defaults(run=_cmd_validate)


def _add_filter(commands: Any) -> None:
    filter_ = commands.add_parser(
        "filter",
        help="print the frames of some types, as JSONL, bytes unchanged",
        description="Write the lines of the frames whose type matches a --type (shell-style "
        "wildcards allowed, e.g. 'response.*'), exactly as logged. Rejected lines are "
        "reported on standard error (exit status 1).",
    )
    _common(filter_)
    filter_.add_argument(
        "-t",
        "--type",
        action="append",
        required=True,
        metavar="T",
        help="a frame type to keep; repeat for more",
    )
    filter_.add_argument("-o", "--output", metavar="OUT", help="write here, not standard output")
    filter_.set_defaults(run=_cmd_filter)


def _add_export(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write one row per frame to Parquet (needs pyarrow: rt-fast[parquet])",
        description="One row per frame: " + ", ".join(_export.COLUMNS) + " (usage columns from "
        "response.done). Read it with DuckDB or Polars.",
    )
    _common(export)
    export.add_argument("--format", choices=("parquet",), default="parquet", help="parquet")
    export.add_argument(
        "-o", "--output", required=True, metavar="OUT",
        help="file to write; with --scheduler, a Parquet dataset: a folder (or URL) of files",
    )  # fmt: skip
    _scheduler(export, "OUT is then a dataset, a file a task")
    export.set_defaults(run=_cmd_export)


def _cmd_bench(args: argparse.Namespace) -> int:
    from . import _bench  # the other commands do without its imports

    return _bench.command(args)


def _add_bench(commands: Any) -> None:
    bench = commands.add_parser(
        "bench",
        help="time rt_fast against json.loads and installed peers on generated traffic",
        description="Generate a two-sided GA session in memory, check that every decoder "
        "compared (rt_fast, json.loads and, where installed, orjson and the openai SDK's "
        "pydantic models) reads every frame as json.loads does, then time each per frame set "
        "within the budget and print the medians, relative to rt_fast. A decoder that reads a "
        "frame differently gets no time. Writes no file.",
    )
    bench.add_argument("--json", action="store_true", help="print JSON for machines")
    bench.add_argument("--quick", action="store_true", help="a 5 s timing budget (--budget 5)")
    bench.add_argument("--budget", type=_budget, default=30.0, metavar="SECONDS",
                       help="seconds of timing, after the checks (default: 30; at most "
                       f"{_BUDGET_MAX:g})")  # fmt: skip
    bench.set_defaults(run=_cmd_bench)


_COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_stats,
    _add_report,
    _add_validate,
    _add_filter,
    _add_export,
    _add_bench,
    add_serve,
    add_relay,
)


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` reads it (``COLUMNS``, else standard
    output's terminal, else 80), without importing shutil (a few ms of every command)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help, as wide as the terminal (argparse makes one for every argument added,
    and importing shutil to measure the terminal would cost every command)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)


class _Parser(argparse.ArgumentParser):
    """A parser with ``_Formatter`` (argparse makes the commands' parsers of the same class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"formatter_class": _Formatter, **kwargs})

    def error(self, message: str) -> NoReturn:
        """A usage error: one line (argparse's usage is in ``--help``), exit status 2."""
        self.exit(2, f"rt-fast: {_one_line(message)} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rt-fast",
        description="Decode OpenAI Realtime session logs (JSONL, one frame a line, plain, gzip "
        "or zstd) fast and exactly. 'rt-fast COMMAND --help' tells more. Exit status: 0 done, "
        "1 a line was rejected, 2 usage error or unreadable log.",
    )
    parser.add_argument("--version", action="version", version=f"rt-fast {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in _COMMANDS:
        add_parser(commands)
    return parser


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so flushing it at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _one_line(text: str) -> str:
    return _shown(" ".join(text.splitlines()))


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def _shown(text: str) -> str:
    """Text from a log or a name as a terminal may show it: control characters escaped
    (``\\x1b``), so that a log cannot forge a line of a report or move the cursor."""
    return text.translate(_CONTROLS)


def _message(exc: BaseException) -> str:
    """An error as one line; a file's as ``name: reason``."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return _one_line(f"{exc.filename}: {exc.strerror}")
    return _one_line(str(exc) or type(exc).__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader of the output stopped early (| head): so do we
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("rt-fast: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, ModuleNotFoundError) as exc:  # DecodeError is a ValueError
        print(f"rt-fast: {_message(exc)}", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The ``rt-fast`` command: ``main``, then exit. What is left is frozen first, so that the
    interpreter's last garbage collections skip it: about 15 ms less at every exit."""
    code = main()
    gc.freeze()
    sys.exit(code)
