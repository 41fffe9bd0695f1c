"""Session logs on a Dask cluster: the log reader's work as Dask tasks, anywhere fsspec reads.

``read_logs`` gives a ``dask.bag.Bag`` of decoded frames, ``stats`` what ``rt-fast stats
--json`` gives, ``to_parquet`` the rows of ``rt-fast export`` as a Parquet dataset. Each task is
the log reader's own (``rt_fast._jsonl``): the same chunks, the same route for every line, the
same fold (``rt_fast._stats``, ``rt_fast._export``). Extra ``dask``: ``dask[bag]``,
``distributed`` and ``fsspec``.

How logs become tasks (``_pieces``): each file, glob match or fsspec URL is a log, cut into
ranges of ``blocksize`` bytes by its listed size alone (the client opens no log: thousands of
objects cost a listing, not thousands of reads); the task of a range decodes the lines that
start in it, finding the newlines itself, and tells a compressed log by its first bytes: then
the first range's task decodes it all, the others nothing. A task numbers its lines from 1; the
lines of the tasks before it in its log shift them to the file's numbers afterwards, where the
results meet (``stats``: in the client; ``read_logs`` and ``to_parquet``: a small task after
each, chained through the log). Tasks are pure, so the scheduler may run one again (a worker
lost mid-run): only the results of finished tasks are counted, once.

Any scheduler runs them (sync, threads, processes, distributed), with the same answers: a task
reads its log by ranges from a position of its own (``rt_fast._sources.Ranged``), never through
a file object that other tasks of its process may share (``memory://`` gives every opener the
same one), and holds nothing another task changes; the log reader's decoders are made once a
process, however many threads ask at once.

How ``to_parquet`` replaces a dataset: the tasks write the new parts into a hidden folder in it
(``_rt_fast-<random>``; Arrow, Spark and Dask skip names that start with ``_``); no task fails
(an error is its value), so none still writes when the export ends; once all have run and a
listing finds every new part, each moves over its name and the old parts left are removed. An
export that fails (a path that names nothing, a log a worker cannot read, parts this process
cannot see) leaves the old dataset whole and removes what it wrote. ``out`` must be storage that
the workers and the caller share: a bucket, a shared disk (``memory://`` is each process's own).
"""

from __future__ import annotations

import functools
import glob
import os
import posixpath
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, NamedTuple, Union, cast

import msgspec

from . import _export, _figures, _sessions, _stats
from ._decoders import log_decoder
from ._jsonl import (
    Job,
    LogBatch,
    LogReader,
    Part,
    Rejected,
    combined,
    file_parts,
    let_variants_travel,
    local_parts,
    make_job,
    next_line,
    part_value,
    renumbered,
    shifted,
)
from ._prices import Prices, load_prices
from ._sources import Log, Ranged, decompressor

try:
    import dask.bag
    import fsspec
    from dask.base import compute, get_scheduler
    from dask.delayed import delayed
    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import WorkerPlugin
except ModuleNotFoundError as exc:  # pragma: no cover - the message is the point
    raise ModuleNotFoundError(
        f"rt_fast.dask needs dask, distributed and fsspec ({exc.name} is missing): "
        "pip install 'rt-fast[dask]'"
    ) from exc

__all__ = [
    "BLOCKSIZE",
    "Exported",
    "Paths",
    "cluster",
    "read_logs",
    "report",
    "stats",
    "to_parquet",
]

BLOCKSIZE = 32 * 1024 * 1024
"""Bytes of plain log a task decodes (a compressed log is one task, whatever its size)."""

_FETCH = 4 * 1024 * 1024  # bytes a task asks its file system for at a time, as it decodes

Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]
"""Logs: a path, glob or fsspec URL, or a sequence of them."""


class Exported(msgspec.Struct, frozen=True):
    """What ``to_parquet`` wrote.

    Attributes:
        files: The dataset's files, one a task that had lines, in log order.
        lines: Non-blank lines read.
        decoded: Lines decoded (a row each).
        blank: Blank lines skipped.
        rejected: Every line that did not decode (``rt_fast.Rejected``), with its log and
            line number.
    """

    files: list[str]
    lines: int
    decoded: int
    blank: int
    rejected: list[Rejected]


# -- logs into pieces -------------------------------------------------------------------------


class _Piece(NamedTuple):
    """A task's share of a log: the lines that start in bytes ``start:end``; of a compressed
    log, the first piece decodes it all and the others nothing."""

    fs: Any  # an fsspec file system, which travels to the workers
    path: str
    log: Log  # its name in reports, and its position among the logs
    start: int
    end: int
    size: int


def _magic(text: str) -> int:
    """Where a glob's first wildcard is (-1: none)."""
    return min((i for i in map(text.find, "*?[") if i >= 0), default=-1)


def _files(path: str | os.PathLike[str]) -> Iterator[tuple[Any, str, str, int]]:
    """``(file system, path, name, size)`` of each file a path, glob or URL names, in sorted
    order, from one listing a glob. A name that exists is taken as it is, wildcards or not; a
    glob's matches are named as the pattern is spelled (a local glob's as the shell would, a
    URL's with the pattern's prefix)."""
    text = os.fspath(path)
    fs, root = fsspec.core.url_to_fs(text)
    if _magic(text) < 0 or fs.exists(root):
        yield fs, root, text, fs.size(root)
        return
    if "://" not in text and not text.startswith("file:"):
        found = [(name, os.path.abspath(name), os.path.getsize(name)) for name in glob.glob(text)]
    else:
        prefix, stem = text[: _magic(text)], root[: _magic(root)]
        listed = fs.glob(root, detail=True).items()
        found = [(prefix + p[len(stem) :], p, info["size"]) for p, info in listed]
    if not found:
        raise FileNotFoundError(f"no log matches {text!r}")
    for name, matched, size in sorted(found):
        yield fs, matched, name, size


def _pieces(paths: Paths, blocksize: int) -> list[_Piece]:
    """The pieces of the logs, from their sizes alone: the client opens none of them."""
    if blocksize <= 0:
        raise ValueError(f"blocksize must be positive, not {blocksize}")
    names = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files = (f for name in names for f in _files(name))
    return [_Piece(fs, path, Log(name, None, None, source), start, start + blocksize, size)
            for source, (fs, path, name, size) in enumerate(files)
            for start in range(0, max(size, 1), blocksize)]  # fmt: skip


# -- the tasks --------------------------------------------------------------------------------


def _opened(piece: _Piece, fetch: int) -> IO[bytes]:
    """The piece's log, read by ranges (``fetch`` bytes at least) from a position of its own."""
    return cast(IO[bytes], Ranged(piece.fs, piece.path, piece.size, fetch))


def _decode(job: Job, piece: _Piece) -> list[Part]:
    """Decode a piece with the log reader (its parts combined into one when the job says):
    the lines that start in ``start:end`` (of the file as it was listed), or, the first piece
    of a compressed log, all of it."""
    size, probe = piece.size, _opened(piece, 0)  # small requests: a head, a line's end
    if decompressor(probe) is not None:
        log = piece.log._replace(file=_opened(piece, _FETCH))
        parts = list(local_parts(job, log)) if not piece.start else []
    else:
        end = min(next_line(probe, piece.end, size), size) if piece.end < size else size
        file = _opened(piece, _FETCH)
        start = min(next_line(file, piece.start, size), size) if piece.start else 0
        parts = file_parts(job, piece.log, file, start, end, 1) if start < end else []
    let_variants_travel()  # after decoding, which made the variants this worker has
    return combined(parts, job.combine) if job.combine and parts else parts


def _lines(parts: list[Part], before: int) -> int:
    """The lines of a log up to the end of a piece, given those before it. A piece stopped
    by a bad line (``errors="raise"``) raises its error here too, so that every later piece
    of the log fails with it, numbered right, rather than misnumbering its own."""
    _numbered(parts, before)
    return before + sum(part.physical for part in parts)


def _numbered(parts: list[Part], before: int) -> list[Part]:
    """A piece's parts, its line numbers the file's: ``before`` lines came before it."""
    moved = [shifted(part, before) if before else part for part in parts]
    for part in moved:
        if part.error is not None:
            raise part.error
    return moved


class _Failure(NamedTuple):
    """The exception a task raised, as its value (see ``_caught``)."""

    error: Exception


def _caught(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, or the exception it raised as a ``_Failure``; a failure among
    ``args`` (an earlier task's) is passed on without a call."""
    failure = next((arg for arg in args if arg.__class__ is _Failure), None)
    if failure is not None:
        return failure
    try:
        return function(*args)
    except Exception as exc:
        return _Failure(exc)


def _task(function: Callable[..., Any], caught: bool) -> Any:
    return delayed(functools.partial(_caught, function) if caught else function, pure=True)


def _chained(job: Job, pieces: list[_Piece], finish: Callable[..., Any],
             caught: bool = False) -> list[Any]:  # fmt: skip
    """A task per piece, then ``finish(parts, lines_before, index)`` of it, where the lines
    before it are summed by a chain of tiny tasks through its log. ``caught``: no task fails;
    each gives the first failure (``_caught``) instead, so that none is still running when
    the results are in."""
    decode, lines, done = _task(_decode, caught), _task(_lines, caught), []
    before: Any = 0
    for index, piece in enumerate(pieces):
        if index and piece.log.source != pieces[index - 1].log.source:
            before = 0
        parts = decode(job, piece)
        done.append(_task(finish, caught)(parts, before, index))
        before = lines(parts, before)
    return done


def _compute(tasks: list[Any], client: Any) -> list[Any]:
    """The tasks' results, on ``client`` (a ``distributed.Client``), else Dask's default."""
    return list(compute(*tasks, **({"scheduler": client} if client is not None else {})))


def _concat(values: list[list[Any]]) -> list[Any]:
    return [item for value in values for item in value]


# -- read_logs --------------------------------------------------------------------------------


def _items(batch: LogBatch) -> list[Any]:
    """A batch's frames, with each rejected line (a ``Rejected``) in its place among them."""
    if not batch.rejected:
        return batch.frames
    rejected = {r.line - batch.first_line: r for r in batch.rejected}
    frames, skipped = iter(batch.frames), set(batch._skipped)
    rows = (row for row in range(batch.physical) if row not in skipped or row in rejected)
    return [rejected[row] if row in rejected else next(frames) for row in rows]


def _partition(parts: list[Part], before: int, index: int) -> list[Any]:
    """A partition of ``read_logs``: a piece's items, line numbers the file's."""
    parts = _numbered(parts, before)
    let_variants_travel()  # this worker may not be the one that decoded them
    items = _concat([part.value for part in parts])
    if not before or not any(part.rejected for part in parts):
        return items
    return [_relined(before, item) if item.__class__ is Rejected else item for item in items]


def _relined(before: int, rejected: Rejected) -> Rejected:
    return msgspec.structs.replace(rejected, line=rejected.line + before)


def read_logs(paths: Paths, protocol: str = "auto", errors: str = "report", *,
              naming: str = "snake", blocksize: int = BLOCKSIZE) -> Any:  # fmt: skip
    """The decoded frames of logs as a ``dask.bag.Bag``, in log order, a partition a task.

    Args:
        paths: A path, glob or fsspec URL (``s3://``, ``gs://``, ``memory://`` ...), or a
            sequence of them; plain, gzip or zstd logs or relay records.
        protocol: The generation, or ``"auto"``, as for ``rt_fast.read_log``.
        errors: ``"report"``: each line that does not decode is a ``rt_fast.Rejected`` (log,
            line, error, excerpt) in its place among the frames, so nothing is lost
            (``bag.filter(lambda x: isinstance(x, Rejected))``); ``"raise"``: computing the
            bag raises ``DecodeError`` naming the log and line (of a log's first bad line; of
            any log's, when several have one).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.
        blocksize: Bytes of plain log a task decodes (a compressed log is one task).

    Returns:
        A ``dask.bag.Bag`` of the decoded frames (and ``Rejected`` lines).

    Raises:
        FileNotFoundError: A path or glob names no log.
        ValueError: ``protocol``, ``errors``, ``naming`` or ``blocksize`` is not valid.
    """
    job = make_job(_items, protocol, naming, errors, whole=False, numbered=False, combine=_concat)
    pieces = _pieces(paths, blocksize)
    return dask.bag.from_delayed(_chained(job, pieces, _partition))


# -- stats ------------------------------------------------------------------------------------


_Folded = tuple[list[str], LogReader[Any], list[Rejected]]


def _folded(paths: Paths, client: Any, protocol: str, blocksize: int, fold: Callable[..., Any],
            combine: Callable[..., Any]) -> _Folded:  # fmt: skip
    """A reader of ``fold``'s results over the logs, a task a piece on the cluster, in log
    order; the names of the logs; the first rejected lines (filled as the reader is read)."""
    pieces = _pieces(paths, blocksize)
    job = make_job(fold, protocol, "snake", "report", whole=True, numbered=False,
                   combine=combine, measure=True)  # fmt: skip
    tasks = [_task(_decode, caught=True)(job, piece) for piece in pieces]
    results = _compute(tasks, client)  # a task's error is its value: no worker logs it
    failure = next((r for r in results if isinstance(r, _Failure)), None)
    if failure is not None:
        raise failure.error
    parts = (part for result in results for part in result)
    shown: list[Rejected] = []
    firsts = [p for i, p in enumerate(pieces) if not i or p.log != pieces[i - 1].log]
    reader = LogReader(renumbered(parts), part_value, functools.partial(_stats.keep_first, shown),
                       sum(piece.size for piece in firsts))  # fmt: skip
    return [piece.log.name for piece in firsts], reader, shown


def stats(paths: Paths, client: Any = None, *, protocol: str = "auto",
          blocksize: int = BLOCKSIZE) -> dict[str, Any]:  # fmt: skip
    """What ``rt-fast stats --json`` gives for the same logs, decoded on a Dask cluster.

    Args:
        paths: A path, glob or fsspec URL (``s3://``, ``gs://``, ``memory://`` ...), or a
            sequence of them; plain, gzip or zstd logs or relay records.
        client: A ``distributed.Client`` to run on; None: Dask's default scheduler (the last
            client made, if any; else threads, which the GIL holds to one core), with the
            same answer.
        protocol: The generation, or ``"auto"``, as for ``rt_fast.read_log``.
        blocksize: Bytes of plain log a task decodes (a compressed log is one task).

    Returns:
        The statistics, as ``rt-fast stats --json`` prints them; ``jobs`` is the worker
        threads of the cluster that ran it (None when no distributed cluster did) and
        ``seconds`` covers the run, not the cluster's start.

    Raises:
        FileNotFoundError: A path or glob names no log.
        ValueError: ``protocol`` or ``blocksize`` is not valid.
        OSError: A worker cannot read a log.
    """
    start = time.perf_counter()
    logs, reader, shown = _folded(paths, client, protocol, blocksize, _stats.tally,
                                  _stats.combine)  # fmt: skip
    totals = _stats.Totals()
    for tally in reader:
        totals.add(tally)
    return {
        "logs": logs,
        **_stats.summary(reader, totals, shown),
        "jobs": _threads(client),
        "seconds": {"elapsed": round(time.perf_counter() - start, 4)},
    }


def report(paths: Paths, client: Any = None, *, protocol: str = "auto",
           prices: str | os.PathLike[str] | Prices | None = None,
           blocksize: int = BLOCKSIZE) -> dict[str, Any]:  # fmt: skip
    """What ``rt-fast report --json`` gives for the same logs, decoded on a Dask cluster.

    Each task gives its piece's facts; sessions that span pieces are split here, in log
    order, as one process would, so the answer is the command's.

    Args:
        paths: A path, glob or fsspec URL, or a sequence of them (as ``stats`` takes them).
        client: A ``distributed.Client`` to run on; None: Dask's default scheduler.
        protocol: The generation, or ``"auto"``, as for ``rt_fast.read_log``.
        prices: A price file (JSON) whose models replace or add to the shipped table, as
            ``rt-fast report --prices FILE`` reads it; None: the table shipped with rt_fast.
        blocksize: Bytes of plain log a task decodes (a compressed log is one task).

    Returns:
        The report, as ``rt-fast report --json`` prints it: sessions, turns, latencies,
        interruptions, tools, errors, tokens and cost; ``jobs`` and ``seconds`` as for
        ``stats``.

    Raises:
        FileNotFoundError: A path or glob names no log, or ``prices`` no file.
        ValueError: ``protocol`` or ``blocksize`` is not valid.
        rt_fast.DecodeError: ``prices`` is not a price table.
        OSError: A worker cannot read a log.
    """
    start = time.perf_counter()
    if not isinstance(prices, Prices):
        prices = load_prices(prices)  # a bad table stops it before any log is read
    logs, reader, shown = _folded(paths, client, protocol, blocksize, _sessions.trace,
                                  _sessions.combine)  # fmt: skip
    sessions = _sessions.Sessions()
    for trace in reader:
        sessions.add(trace)
    figures = _figures.summary(sessions, prices)
    return {
        "logs": logs,
        **_stats.counts(reader, shown),
        **figures,
        "sessions": [{**s, "turns": list(s["turns"])} for s in figures["sessions"]],  # builtins
        "jobs": _threads(client),
        "seconds": {"elapsed": round(time.perf_counter() - start, 4)},
    }


def _threads(client: Any) -> int | None:
    """The worker threads of the cluster that ran the tasks: ``client``'s, else that of Dask's
    default scheduler (None: not a distributed cluster)."""
    scheduler = get_scheduler(scheduler=client)  # a client's is its ``get`` method
    nthreads = getattr(getattr(scheduler, "__self__", None), "nthreads", None)
    return int(sum(nthreads().values())) if nthreads is not None else None


# -- to_parquet -------------------------------------------------------------------------------


class _Written(NamedTuple):
    part: str | None  # the file's name in the dataset; None: nothing to write
    physical: int
    decoded: int
    rejected: list[Rejected]


def _columns(values: list[dict[str, list[Any]]]) -> dict[str, list[Any]]:
    return {name: _concat([value[name] for value in values]) for name in _export.COLUMNS}


def _write(into: tuple[Any, str], parts: list[Part], before: int, index: int) -> _Written:
    """Write a piece's rows as a file of the dataset into the folder ``into`` (a file system
    and a path), if it has lines (its part's value stays as it was: the scheduler may hand it
    to this task again)."""
    pa, pq = _export.pyarrow()
    fs, folder = into
    parts = _numbered(parts, before)
    physical, decoded = sum(p.physical for p in parts), sum(p.decoded for p in parts)
    rejected = [r for p in parts for r in p.rejected]
    if not physical:  # a range without a line of its own, a compressed log's later ranges
        return _Written(None, 0, 0, [])
    columns = _columns([part.value for part in parts])
    columns["line"] = [line + before for line in columns["line"]]
    part = f"part-{index:05d}.parquet"
    with fs.open(f"{folder}/{part}", "wb") as file:
        pq.write_table(_export.table(pa, [columns]), file)
    return _Written(part, physical, decoded, rejected)


@contextmanager
def _staging(fs: Any, root: str) -> Iterator[str]:
    """A hidden folder in ``root`` for a new dataset's parts, removed on leaving; an export
    that fails removes ``root`` too, if it made it."""
    made = not fs.exists(root)
    staging = f"{root}/_rt_fast-{uuid.uuid4().hex}"
    fs.makedirs(staging, exist_ok=True)
    try:
        yield staging
    except BaseException:
        _remove(fs, root if made else staging)
        raise
    _remove(fs, staging)


def _remove(fs: Any, path: str) -> None:
    fs.invalidate_cache(path)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def _swap(fs: Any, root: str, staging: str, parts: list[str]) -> None:
    """The new ``parts``, written in ``staging``, in place of the dataset in ``root``: once a
    listing finds them all, each moved over its name, then the old parts left removed."""
    fs.invalidate_cache(root)
    found = {posixpath.basename(path) for path in fs.find(staging)}
    missing = [part for part in parts if part not in found]
    if missing:
        raise FileNotFoundError(
            f"{staging}/{missing[0]} was written by a worker but is not there for this process: "
            "the output must be storage the workers and this process share"
        )
    new = set(parts)
    old = [path for path in fs.glob(f"{root}/part-*.parquet")
           if posixpath.basename(path) not in new]  # fmt: skip
    for part in parts:
        fs.mv(f"{staging}/{part}", f"{root}/{part}")
    for path in old:
        fs.rm_file(path)


def to_parquet(paths: Paths, out: str, client: Any = None, *, protocol: str = "auto",
               blocksize: int = BLOCKSIZE) -> Exported:  # fmt: skip
    """Write the rows of ``rt-fast export`` for the logs as one Parquet dataset.

    A row a frame (the columns ``rt-fast export`` writes), a file a task
    (``part-00000.parquet`` ...; a task without lines writes none), line numbers the files'.
    Rejected lines are reported in the result, not written. The parts of an earlier dataset
    there are replaced once the new ones are all written (see the module); if the export
    fails, the earlier dataset is left as it was, and nothing of the new one.

    Args:
        paths: A path, glob or fsspec URL (``s3://``, ``gs://``, ``memory://`` ...), or a
            sequence of them; plain, gzip or zstd logs or relay records.
        out: A folder or fsspec URL that the workers and the caller share (a bucket, a
            shared disk; ``memory://`` is each process's own).
        client: A ``distributed.Client`` to run on; None: Dask's default scheduler.
        protocol: The generation, or ``"auto"``, as for ``rt_fast.read_log``.
        blocksize: Bytes of plain log a task decodes (a compressed log is one task).

    Returns:
        The files written, the counts and the rejected lines.

    Raises:
        FileNotFoundError: A path or glob names no log.
        ModuleNotFoundError: pyarrow is missing (the ``parquet`` extra).
        ValueError: ``protocol`` or ``blocksize`` is not valid.
        OSError: A worker cannot read a log or write a part (the first error of a task, in
            log order).
    """
    _export.pyarrow()  # fails here, not in a worker, without pyarrow
    pieces = _pieces(paths, blocksize)  # a path that names nothing fails before any write
    job = make_job(_export.rows, protocol, "snake", "report", whole=False, numbered=False,
               combine=_columns)  # fmt: skip
    fs, root = fsspec.core.url_to_fs(out)
    root = root.rstrip("/")
    with _staging(fs, root) as staging:
        write = functools.partial(_write, (fs, staging))
        results = _compute(_chained(job, pieces, write, caught=True), client)
        failure = next((r for r in results if isinstance(r, _Failure)), None)
        if failure is not None:
            raise failure.error
        written: list[_Written] = results
        parts = [w.part for w in written if w.part is not None]
        _swap(fs, root, staging, parts)
    rejected = [r for w in written for r in w.rejected]
    decoded = sum(w.decoded for w in written)
    blank = sum(w.physical for w in written) - decoded - len(rejected)
    files = [f"{out.rstrip('/')}/{part}" for part in parts]
    return Exported(files, decoded + len(rejected), decoded, blank, rejected)


# -- a cluster for the command line -----------------------------------------------------------


class _Ready(WorkerPlugin):
    """Builds the log reader's decoders when a worker starts (restarts too), so that no task
    pays for them; ``cluster`` registers it."""

    name, idempotent = "rt_fast-ready", True

    def setup(self, worker: Any) -> None:
        log_decoder("auto", "snake")


@contextmanager
def cluster(address: str) -> Iterator[Any]:
    """Connect to a Dask cluster, or start a local one, for the block's length.

    Its workers are ready to decode when the block starts; the client (and a local cluster)
    is closed on leaving.

    Args:
        address: A scheduler's address (``tcp://host:8786``), or ``"local"``: a new
            ``LocalCluster`` of a worker process a core, one thread each (decoding holds the
            GIL).

    Yields:
        A ``distributed.Client`` of the cluster.

    Raises:
        OSError: The scheduler cannot be reached.

    Examples:
        ```python
        with rt_fast.dask.cluster("local") as client:
            print(rt_fast.dask.stats("logs/*.jsonl.gz", client)["decoded"])
        ```
    """
    if address == "local":
        workers = os.cpu_count() or 1
        local = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0")
        with local, cluster(local.scheduler_address) as client:
            yield client
        return
    with Client(address) as client:
        client.register_plugin(_Ready())
        yield client
