"""The ``rt-fast`` command line: Realtime session logs (JSONL, one frame a line) in bulk.

Commands read logs plain, gzip- or zstd-compressed (``-`` is standard input) through
``rt_fast._jsonl`` and decode every line, in ``--jobs`` processes:

* ``stats``: what the logs hold (frames by type, bytes, audio seconds, tokens, sessions); with
  no LOG, the bundled sample session, timed against ``json.loads`` in the same run.
* ``validate``: exit status 0 when every line decodes, 1 when one does not.
* ``filter``: the frames of some types, as the very bytes logged.
* ``export``: one row per frame to Parquet (pyarrow), for DuckDB or Polars.

Exit status: 0 done, 1 a line was rejected, 2 a usage error or a log that cannot be read.
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
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, NoReturn

import msgspec

from ._cli_ws import add_relay, add_serve
from ._jsonl import LogBatch, LogReader, Rejected, _map_log, map_log
from ._models import UNSET, UnknownEvent
from ._sources import Source, close, logs_of, open_log

__all__ = ["main"]

SAMPLE = "sample_session.jsonl.gz"
_PROGRESS_MIN = 32 * 1024 * 1024  # logs smaller than this get no progress bar
_RACE_MAX = 16 * 1024 * 1024  # bytes timed against json.loads
_SHOWN = 10  # rejected lines printed (and kept, by stats)
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


_tags: dict[type, str] = {}


def _tag(frame: Any) -> str:
    """A frame's wire type (its class's tag; an unknown event's own)."""
    cls = type(frame)
    tag = _tags.get(cls)
    if tag is None:
        if cls is UnknownEvent:
            return frame.type  # type: ignore[no-any-return]
        tag = _tags[cls] = cls.__struct_config__.tag
    return tag


# -- stats ------------------------------------------------------------------------------------

# Audio frames: tag -> (direction, payload field), in every generation.
_AUDIO = {
    "input_audio_buffer.append": ("client", "audio"),
    "response.output_audio.delta": ("server", "delta"),
    "response.audio.delta": ("server", "delta"),
    "session.input_audio_buffer.append": ("client", "audio"),
    "session.output_audio.delta": ("server", "delta"),
}
# Frames that announce a session's audio formats.
_SESSIONS = (
    "session.created",
    "session.updated",
    "session.update",
    "transcription_session.updated",
    "transcription_session.update",
)
# Bytes of audio a second: PCM16 at 24 kHz, G.711 at 8 kHz (GA format types, beta names).
_RATES = {
    "pcm16": 48000,
    "g711_ulaw": 8000,
    "g711_alaw": 8000,
    "audio/pcmu": 8000,
    "audio/pcma": 8000,
}
_DEFAULT_RATE = 48000
_DIRECTIONS = ("client", "server")


class _Tally:
    """The statistics of one batch, made where it was decoded. ``audio`` is bytes by direction
    and bytes a second; audio before the batch's first format announcement is under ``None``,
    for the format in force, which only the batches before know."""

    def __init__(self, by_type: Counter[str] | None = None, starts_log: bool = False) -> None:
        self.by_type: Counter[str] = Counter() if by_type is None else by_type
        self.bytes_by_type: dict[str, int] = {}
        self.audio: dict[tuple[str, int | None], int] = {}
        self.rate: dict[str, int] = {}
        self.usage: Counter[str] = Counter()
        self.responses = 0
        self.sessions: list[str] = []
        self.starts_log = starts_log


def _rate(audio_format: Any) -> int | None:
    """Bytes a second of a GA format object or a beta format name; None when unknown."""
    if isinstance(audio_format, dict):
        if audio_format.get("type") == "audio/pcm":
            return 2 * int(audio_format.get("rate") or 24000)
        audio_format = audio_format.get("type")
    return _RATES.get(audio_format) if isinstance(audio_format, str) else None


def _formats(session: dict[str, Any]) -> dict[str, int]:
    """The audio formats a session announces (GA ``audio.*.format``, beta ``*_audio_format``)."""
    audio = session.get("audio") if isinstance(session.get("audio"), dict) else {}
    found = {}
    for direction, key in (("client", "input"), ("server", "output")):
        ga_format = ((audio or {}).get(key) or {}).get("format")
        rate = _rate(ga_format if ga_format is not None else session.get(f"{key}_audio_format"))
        if rate:
            found[direction] = rate
    return found


def _flat(prefix: str, value: Any, into: Counter[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(f"{prefix}{key}.", item, into)
    elif isinstance(value, int) and not isinstance(value, bool):
        into[prefix[:-1]] += value


def _on_audio(tally: _Tally, frame: Any, tag: str, size: int | None) -> None:
    direction, name = _AUDIO[tag]
    if size is None:  # not measured: base64 is 3 bytes per 4 characters, less the padding
        payload = getattr(frame, name)
        size = len(payload) * 3 // 4 - payload.endswith("==") - payload.endswith("=")
    key = (direction, tally.rate.get(direction))
    tally.audio[key] = tally.audio.get(key, 0) + size


def _on_session(tally: _Tally, frame: Any, tag: str, _: object) -> None:
    session = msgspec.to_builtins(frame.session) if frame.session is not UNSET else None
    if isinstance(session, dict):
        tally.rate.update(_formats(session))
        if tag == "session.created" and isinstance(session.get("id"), str):
            tally.sessions.append(session["id"])


def _on_done(tally: _Tally, frame: Any, tag: str, _: object) -> None:
    tally.responses += 1
    usage = frame.response.usage  # a model in every generation (the output is not converted)
    if isinstance(usage, msgspec.Struct):
        _flat("", msgspec.to_builtins(usage), tally.usage)


_HANDLERS: dict[str, Callable[[_Tally, Any, str, Any], None]] = {
    **dict.fromkeys(_AUDIO, _on_audio),
    **dict.fromkeys(_SESSIONS, _on_session),
    "response.done": _on_done,
}


def _tally(batch: LogBatch) -> _Tally:
    """The statistics of a batch (run where it was decoded, in a worker with --jobs)."""
    tags = list(map(_tag, batch.frames))
    tally, handlers = _Tally(by_type=Counter(tags), starts_log=batch.offset == 0), _HANDLERS
    sizes = tally.bytes_by_type
    for tag, size in zip(tags, batch.sizes(), strict=True):
        sizes[tag] = sizes.get(tag, 0) + size
    pcm = batch._pcm or {}
    for index, (frame, tag) in enumerate(zip(batch.frames, tags, strict=True)):
        if tag in handlers and frame.__class__ is not UnknownEvent:  # another generation's
            handlers[tag](tally, frame, tag, pcm.get(index))
    return tally


def _combine(tallies: list[_Tally]) -> _Tally:
    """The tallies of consecutive batches of one log as one (in a worker, before they travel)."""
    whole = _Tally(starts_log=tallies[0].starts_log)
    for tally in tallies:
        whole.by_type.update(tally.by_type)
        for tag, size in tally.bytes_by_type.items():
            whole.bytes_by_type[tag] = whole.bytes_by_type.get(tag, 0) + size
        for (direction, rate), size in tally.audio.items():
            key = (direction, rate or whole.rate.get(direction))  # None: still not known
            whole.audio[key] = whole.audio.get(key, 0) + size
        whole.rate.update(tally.rate)
        whole.usage.update(tally.usage)
        whole.responses += tally.responses
        whole.sessions += tally.sessions
    return whole


class _Totals:
    """The tallies of the batches added up, in log order."""

    def __init__(self) -> None:
        self.rate = dict.fromkeys(_DIRECTIONS, _DEFAULT_RATE)
        self.by_type: Counter[str] = Counter()
        self.bytes_by_type: Counter[str] = Counter()
        self.usage: Counter[str] = Counter()
        self.audio: Counter[tuple[str, int]] = Counter()
        self.responses = 0
        self.sessions: dict[str, None] = {}

    def add(self, tally: _Tally) -> None:
        if tally.starts_log:  # formats start over
            self.rate = dict.fromkeys(_DIRECTIONS, _DEFAULT_RATE)
        for (direction, rate), size in tally.audio.items():
            self.audio[direction, rate or self.rate[direction]] += size
        self.rate.update(tally.rate)
        self.by_type.update(tally.by_type)
        self.bytes_by_type.update(tally.bytes_by_type)
        self.usage.update(tally.usage)
        self.responses += tally.responses
        self.sessions.update(dict.fromkeys(tally.sessions))

    def audio_seconds(self) -> dict[str, float]:
        seconds = dict.fromkeys(_DIRECTIONS, 0.0)
        for (direction, rate), size in self.audio.items():
            seconds[direction] += size / rate
        return {direction: round(value, 3) for direction, value in seconds.items()}


def _stats(
    args: argparse.Namespace, reader: LogReader[_Tally], shown: list[Rejected], seconds: float
) -> dict[str, Any]:
    totals = _Totals()
    with _progress(reader) as tick:
        for tally in reader:
            totals.add(tally)
            tick()
    by_type = dict(totals.by_type.most_common())
    return {
        "logs": [_label(args.log)] if not args.log else list(args.log),
        "lines": reader.lines,
        "decoded": reader.decoded,
        "rejected": reader.rejected_count,
        "blank": reader.blank,
        "first_rejected": [msgspec.to_builtins(r) for r in shown],
        "bytes": reader.bytes,
        "by_type": by_type,
        "bytes_by_type": {tag: totals.bytes_by_type[tag] for tag in by_type},
        "audio_seconds": totals.audio_seconds(),
        "responses": totals.responses,
        "usage": dict(sorted(totals.usage.items())),
        "sessions": len(totals.sessions),
        "session_ids": list(totals.sessions),
        "jobs": args.jobs,
        "seconds": {"elapsed": round(time.perf_counter() - seconds, 4)},
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


def _print_stats(report: dict[str, Any]) -> None:
    mb, elapsed = report["bytes"] / 1e6, report["seconds"]["elapsed"]
    print(
        f"{', '.join(report['logs'])}: {report['lines']} frames, {mb:.2f} MB of JSONL, read, "
        f"decoded and counted in {elapsed:.2f} s ({mb / max(elapsed, 1e-9):.0f} MB/s, "
        f"--jobs {report['jobs']}; opening, decompressing and any worker start-up included)"
    )
    print(f"decoded {report['decoded']}, rejected {report['rejected']}, blank {report['blank']}")
    for rejected in report["first_rejected"]:
        print(f"  {rejected['log']}, line {rejected['line']}: {rejected['error']}")
    audio, usage = report["audio_seconds"], report["usage"]
    print(
        f"sessions {report['sessions']}; audio {audio['client']:.1f} s from clients, "
        f"{audio['server']:.1f} s from servers; {report['responses']} responses, tokens "
        f"{usage.get('input_tokens', 0)} in, {usage.get('output_tokens', 0)} out"
    )
    print(f"\n{'type':<56}{'frames':>8}{'MB':>9}")
    for type_, count in report["by_type"].items():
        print(f"{type_:<56}{count:>8}{report['bytes_by_type'][type_] / 1e6:>9.3f}")
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

    def keep(rejected: Rejected) -> None:
        if len(shown) < _SHOWN:
            shown.append(rejected)

    with _sources(args.log) as sources:
        start = time.perf_counter()
        reader = _scan(args, sources, _tally, keep, small=True, combine=_combine, measure=True)
        report = _stats(args, reader, shown, start)
    if args.compare or not args.log:
        with _sources(args.log) as sources:
            data = _head_bytes(sources[0], _RACE_MAX)
        report["seconds"]["race"] = _race(data, args.protocol)
    if args.json:
        _print_json(report)
    else:
        _print_stats(report)
    return 1 if report["rejected"] else 0


# -- validate ---------------------------------------------------------------------------------


def _scan(args: argparse.Namespace, sources: list[Source], function: Callable[[LogBatch], Any],
          on_reject: Callable[[Rejected], object] | None = None, small: bool = False,
          combine: Callable[[list[Any]], Any] | None = None,
          measure: bool = False) -> LogReader[Any]:  # fmt: skip
    """A reader of ``function``'s results over the logs, by the command line's options; the
    function does not use line numbers, and ``small`` results may come a whole log at once."""
    return _map_log(sources, function, protocol=args.protocol, jobs=args.jobs,
                    on_reject=on_reject, numbered=False, whole=small, combine=combine,
                    measure=measure)  # fmt: skip


def _consume(reader: LogReader[Any], each: Callable[[Any], object] = lambda _: None) -> None:
    with _progress(reader) as tick:
        for value in reader:
            each(value)
            tick()


def _cmd_validate(args: argparse.Namespace) -> int:
    with _sources(args.log) as sources:
        _consume(reader := _scan(args, sources, _count, small=True, combine=sum))
    rejected = [msgspec.to_builtins(r) for r in reader.rejected]
    if args.json:
        report = {
            "logs": args.log,
            "lines": reader.lines,
            "decoded": reader.decoded,
            "blank": reader.blank,
            "rejected": rejected,
        }
        _print_json(report)
    else:
        for r in rejected:
            print(f"{r['log']}, line {r['line']}: {r['error']}\n    {r['excerpt']}")
        verdict = "all decoded" if not rejected else f"{len(rejected)} rejected"
        print(f"{_label(args.log)}: {reader.lines} lines, {verdict}")
    return 1 if rejected else 0


# -- filter -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _matches(patterns: tuple[str, ...], tag: str) -> bool:
    return any(fnmatch.fnmatchcase(tag, pattern) for pattern in patterns)


def _matching(patterns: tuple[str, ...], batch: LogBatch) -> bytes:
    """The lines of the frames whose type matches, as logged, each with a newline."""
    picked = [i for i, frame in enumerate(batch.frames) if _matches(patterns, _tag(frame))]
    return b"".join(line + b"\n" for line in batch.raw_lines(picked)) if picked else b""


def _report_rejected(rejected: Rejected) -> None:
    print(f"rt-fast: {rejected.log}, line {rejected.line}: {rejected.error}", file=sys.stderr)


def _output(path: str | None) -> IO[bytes]:
    return open(path, "wb") if path and path != "-" else sys.stdout.buffer


def _cmd_filter(args: argparse.Namespace) -> int:
    matching = functools.partial(_matching, tuple(args.type))
    out = _output(args.output)
    try:
        with _sources(args.log) as sources:
            _consume(reader := _scan(args, sources, matching, _report_rejected), out.write)
    finally:
        out.flush() if out is sys.stdout.buffer else out.close()
    return 1 if reader.rejected_count else 0


# -- export -----------------------------------------------------------------------------------

_USAGE = {
    "total_tokens": ("total_tokens",),
    "input_tokens": ("input_tokens",),
    "output_tokens": ("output_tokens",),
    "input_text_tokens": ("input_token_details", "text_tokens"),
    "input_audio_tokens": ("input_token_details", "audio_tokens"),
    "input_cached_tokens": ("input_token_details", "cached_tokens"),
    "output_text_tokens": ("output_token_details", "text_tokens"),
    "output_audio_tokens": ("output_token_details", "audio_tokens"),
}
_STRINGS = ("log", "type", "event_id", "response_id", "item_id")
_INTS = ("line", "size", *_USAGE)
COLUMNS = ("log", "line", "type", "event_id", "response_id", "item_id", "size", *_USAGE)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(frame: Any, name: str, holder: str) -> str | None:
    """``frame.<name>``, else ``frame.<holder>.id`` (a response's, an item's)."""
    return _text(getattr(frame, name, None)) or _text(
        getattr(getattr(frame, holder, None), "id", None)
    )


def _usage(frame: Any, tag: str) -> dict[str, Any]:
    usage = (
        getattr(getattr(frame, "response", None), "usage", None) if tag == "response.done" else None
    )
    usage = msgspec.to_builtins(usage) if isinstance(usage, msgspec.Struct) else None
    if not isinstance(usage, dict):
        return dict.fromkeys(_USAGE)
    return {column: _dig(usage, path) for column, path in _USAGE.items()}


def _dig(value: Any, path: tuple[str, ...]) -> int | None:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) else None


def _rows(batch: LogBatch) -> dict[str, list[Any]]:
    """One row per frame, as columns (run where the batch was decoded)."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    rows = zip(batch.frames, batch.numbers(), batch.sizes(), strict=True)
    for frame, number, size in rows:
        tag = _tag(frame)
        row = {
            "log": batch.log,
            "line": number,
            "type": tag,
            "size": size,
            "event_id": _text(getattr(frame, "event_id", None)),
            "response_id": _id(frame, "response_id", "response"),
            "item_id": _id(frame, "item_id", "item"),
            **_usage(frame, tag),
        }
        for name in COLUMNS:
            columns[name].append(row[name])
    return columns


def _pyarrow() -> tuple[Any, Any]:
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "rt-fast export needs pyarrow: pip install 'rt-fast[parquet]'"
        ) from None


def _cmd_export(args: argparse.Namespace) -> int:
    pa, pq = _pyarrow()
    fields = [(name, pa.string() if name in _STRINGS else pa.int64()) for name in COLUMNS]
    schema = pa.schema(fields)
    pending: list[dict[str, list[Any]]] = []

    def add(columns: dict[str, list[Any]]) -> None:
        pending.append(columns)
        if sum(len(c["line"]) for c in pending) >= _ROW_GROUP:
            _write(pa, writer, schema, pending)

    with _sources(args.log) as sources, pq.ParquetWriter(args.output, schema) as writer:
        reader = map_log(sources, _rows, protocol=args.protocol, errors="report",
                         jobs=args.jobs, on_reject=_report_rejected)  # fmt: skip
        _consume(reader, add)
        _write(pa, writer, schema, pending)
    return 1 if reader.rejected_count else 0


def _write(pa: Any, writer: Any, schema: Any, pending: list[dict[str, list[Any]]]) -> None:
    """Write the pending columns as one row group."""
    if pending:
        joined = {name: [v for c in pending for v in c[name]] for name in COLUMNS}
        writer.write_table(pa.Table.from_pydict(joined, schema=schema))
        pending.clear()


# -- the parser -------------------------------------------------------------------------------

_LOGS_HELP = "JSONL log: plain, .gz or .zst (told by content), or - for standard input"


def _jobs(text: str) -> int:
    jobs = int(text)
    if jobs < 0:
        raise argparse.ArgumentTypeError("N must be 0 (one process per core) or more")
    return jobs


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
        choices=("auto", "ga", "beta", "translation"),
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
        "{client, server}, responses, usage, sessions, session_ids, jobs, and seconds {elapsed: "
        "reading, decompressing, decoding and counting every log, worker start-up included; "
        "race, with --compare or no LOG: {bytes, frames, rt_fast, json.loads}, the best of 5 "
        "decodes of the first 16 MB already in memory, in seconds}. Exit status 1 if a line is "
        "rejected.",
    )
    _common(stats, logs="*")
    stats.add_argument("--json", action="store_true", help="print JSON for machines")
    stats.add_argument(
        "--compare",
        action="store_true",
        help="also time rt_fast against json.loads on the first 16 MB",
    )
    stats.set_defaults(run=_cmd_stats)


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
        description="One row per frame: " + ", ".join(COLUMNS) + " (usage columns from "
        "response.done). Read it with DuckDB or Polars.",
    )
    _common(export)
    export.add_argument("--format", choices=("parquet",), default="parquet", help="parquet")
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    export.set_defaults(run=_cmd_export)


def _cmd_bench(args: argparse.Namespace) -> int:
    from . import _bench  # the other commands do without its imports

    return _bench.command(args)


def _add_bench(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="time rt_fast against json.loads and installed peers on generated traffic"
    )
    bench.add_argument("--json", action="store_true", help="print JSON for machines")
    bench.add_argument("--quick", action="store_true", help="a 5 s timing budget (--budget 5)")
    bench.add_argument("--budget", type=float, default=30.0, metavar="SECONDS",
                       help="seconds of timing, after the checks (default: 30)")  # fmt: skip
    bench.set_defaults(run=_cmd_bench)


_COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_stats,
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rt-fast",
        description="Decode OpenAI Realtime session logs (JSONL, one frame a line, plain, gzip "
        "or zstd) fast and exactly. 'rt-fast COMMAND --help' tells more. Exit status: 0 done, "
        "1 a line was rejected, 2 usage error or unreadable log.",
    )
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
    except (OSError, ModuleNotFoundError) as exc:
        print(f"rt-fast: {exc}", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The ``rt-fast`` command: ``main``, then exit. What is left is frozen first, so that the
    interpreter's last garbage collections skip it: about 15 ms less at every exit."""
    code = main()
    gc.freeze()
    sys.exit(code)
