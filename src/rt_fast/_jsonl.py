"""JSONL logs of Realtime sessions: streaming, exact, on every core.

A log holds one frame a line, both directions mixed, plain, gzip or zstd (told by content).
This module sits around the codec, which does no I/O. The rules:

* **Bounded memory.** A log is read in chunks of ``_CHUNK`` bytes cut at newlines, into one
  reused buffer (a longer line grows it). Nothing holds a whole log, nor a line over the
  decoder's ``max_size`` (``MAX_FRAME_SIZE``): ``_sources.chunks`` reads past it to its
  newline, keeping its size and first bytes (``_over``; one that came whole within a chunk
  is judged in the buffer, uncopied: ``_slow``), and it is rejected with the decoder's error
  for a frame of that size (``_too_long``; blank if it is only whitespace), numbered as any
  line. Memory stays within ``max_size`` and a few chunks, whatever the log; a line that never
  ends (``/dev/zero``) is read on in that memory until the caller stops (Ctrl-C: ``rt-fast``
  says ``interrupted``). With ``errors="raise"`` too, a line over the limit is read to its
  end before it raises: its size is in the error.
* **Exact lines.** A line ends at ``\\n`` (a ``\\r`` before it is not part of the frame); a line
  of JSON whitespace is blank, skipped and not counted. Every other line is decoded on its
  own, so ``decoded + rejected == lines`` always, and line numbers are the file's. A frame of
  an unknown type is an ``UnknownEvent``, not a rejection. (msgspec's ``decode_lines`` would
  take two frames on one line, or one over two lines; proving it did not costs more than it
  saves: see ``benchmarks/bench_logs.py``.)
* **Errors.** ``errors="raise"`` raises ``DecodeError`` (with ``.line``) at the first bad line;
  ``errors="report"`` reports each as a ``Rejected`` (line, error, excerpt) and goes on.
* **Every core.** ``jobs > 1`` decodes in worker processes, each reading its own range of a
  plain file (cut at newlines, ``_SPLIT`` bytes) and numbering lines from the range's start;
  the parent, taking results in order, makes the numbers global (it counts lines before
  cutting only for unordered results, or functions that need global numbers in the workers).
  The parent decompresses compressed logs and ships chunks (or, for small results, workers
  decompress whole logs), and reads whole what cannot be cut (a pipe, standard input, a file
  object: ``_sources``). ``_pool`` runs the workers; functions run there must be
  importable where workers are spawned rather than forked.
"""

from __future__ import annotations

import copyreg
import functools
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Generic, Literal, NamedTuple, TypeVar, Union

import msgspec

from . import _variants
from ._codec import GENERATIONS
from ._decoders import decode_batch, log_decoder
from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE
from ._lines import LogBatch, Rejected, over
from ._sources import (
    CHUNK,
    Chunk,
    Log,
    Over,
    Source,
    chunks,
    close,
    decompressor,
    logs_of,
    open_log,
    position,
    splittable,
)
from ._variants import NAMINGS, origin, variant

__all__ = [
    "LogBatch",
    "LogReader",
    "Rejected",
    "Source",
    "map_log",
    "read_log",
]

T = TypeVar("T")
Errors = Literal["raise", "report"]

_CHUNK = CHUNK  # decoded at a time (a test makes it small)
_SPLIT = 8 * 1024 * 1024  # bytes of log a worker decodes per task
_SPLIT_FRAMES = 2 * 1024 * 1024  # the same when the frames themselves travel back
_AHEAD = 16  # tasks out a worker when each gives one small result (else two)
_SCAN = 64 * 1024  # the parent's reads when it cuts a file into ranges
_EXCERPT = 80


# -- batches --------------------------------------------------------------------------------


def _decode_batch(job: Job, log: str, first_line: int, chunk: Chunk) -> LogBatch:
    batch = LogBatch(log, first_line, chunk.buffer, measure=job.measure)
    strict = job.errors == "raise"
    decoder = log_decoder(job.protocol, job.naming)  # its max_size: MAX_FRAME_SIZE, the default
    decode_batch(decoder, batch, chunk.end, strict, MAX_FRAME_SIZE)
    if chunk.over is not None and batch.error is None:
        late = chunk.over
        over(batch, chunk.end, late.blank, late.head, late.size, strict)
    return batch


# -- parts: what decoding a chunk gives back, wherever it ran ----------------------------------


class Job(NamedTuple):
    """What to do with each chunk: decode it so, and apply ``fold`` to the batch."""

    fold: Callable[[LogBatch], Any]
    protocol: str
    naming: str
    errors: str
    chunk: int
    split: int
    whole: bool  # compressed logs may be decoded whole by one worker
    numbered: bool  # fold needs global line numbers in the workers: count before cutting
    combine: Callable[[list[Any]], Any] | None = None  # folds a task's values into one
    # fold reads audio payloads only for their size (stats): an audio frame the fast path takes
    # (``_codec._MEASURE_MIN`` bytes or more) has an empty payload, and ``batch._pcm`` maps its
    # index in ``frames`` to the bytes of audio the payload decodes to, checked as strictly as
    # ever
    measure: bool = False


class Part(NamedTuple):
    source: int  # which log, by position
    first_line: int
    physical: int
    decoded: int
    nbytes: int
    advance: int  # bytes of the log file read (compressed bytes for a compressed log)
    rejected: list[Rejected]
    error: DecodeError | None
    value: Any
    dropped: int = 0  # rejected lines counted but not sent back (a worker keeps ``KEPT``)


def _parts_of(
    job: Job, log: Log, pieces: Iterable[Chunk], first_line: int, offset: int
) -> Iterator[Part]:
    """Decode chunks of a log (``offset``: where the first starts in it); ``advance`` is 0."""
    for chunk in pieces:
        batch = _decode_batch(job, log.name, first_line, chunk)
        batch.offset = offset
        value = job.fold(batch)
        yield Part(log.source, first_line, batch.physical, len(batch.frames), chunk.nbytes, 0,
                    batch.rejected, batch.error, value)  # fmt: skip
        if batch.error is not None:
            return
        first_line, offset = first_line + batch.physical, offset + chunk.nbytes


def local_parts(job: Job, log: Log) -> Iterator[Part]:
    """The parts of a log decoded in this process."""
    opened = open_log(log)
    try:
        last = position(opened.raw)
        for part in _parts_of(job, log, chunks(opened.stream, job.chunk), 1, 0):
            now = position(opened.raw)
            yield part._replace(advance=now - last)
            last = now
    finally:
        close(log, opened)


# -- work for other processes -----------------------------------------------------------------


class _Range(NamedTuple):
    """Bytes ``start:end`` of a plain file; ``first_line`` 0: not counted (renumbered later)."""

    log: Log
    start: int
    end: int
    first_line: int


class _Shipped(NamedTuple):
    """Lines the parent read (and decompressed) from ``offset``, with the log bytes they cost;
    or a line over the limit, not kept (``over``)."""

    log: Log
    data: bytes
    first_line: int
    offset: int
    advance: int
    over: Over | None


_Task = Union[_Range, _Shipped, Log]


class _Window:
    """Bytes ``start:end`` of a file, as a stream."""

    def __init__(self, file: io.RawIOBase, size: int) -> None:
        self.file, self.left = file, size

    def readinto(self, buffer: memoryview) -> int:
        got = self.file.readinto(buffer[: self.left]) or 0 if self.left > 0 else 0
        self.left -= got
        return got


def _work(job: Job, task: _Task) -> list[Part]:
    """A worker's task: decode a range of a file, shipped lines, or a whole log."""
    parts = _task_parts(job, task)
    let_variants_travel()  # after decoding: a spawned worker makes its variants meanwhile
    return combined(parts, job.combine) if job.combine else parts


def _task_parts(job: Job, task: _Task) -> list[Part]:
    if isinstance(task, Log):
        return _capped(local_parts(job, task))
    if isinstance(task, _Shipped):
        pieces = chunks(io.BytesIO(task.data), job.chunk) if task.over is None else [
            Chunk(bytearray(), 0, task.over)]  # fmt: skip
        parts = _capped(_parts_of(job, task.log, pieces, task.first_line, task.offset))
        parts[-1] = parts[-1]._replace(advance=task.advance)
        return parts
    assert task.log.path is not None
    with open(task.log.path, "rb", buffering=0) as file:
        file.seek(task.start)
        pieces = chunks(_Window(file, task.end - task.start), job.chunk)
        parts = _capped(_parts_of(job, task.log, pieces, task.first_line or 1, task.start))
        return [part._replace(advance=part.nbytes) for part in parts]


KEPT = 1000
"""Rejected lines a worker's task sends back; the rest are counted (``Part.dropped``): a log
of nothing but short bad lines would otherwise hold ~200 bytes a byte of log."""


def _capped(parts: Iterable[Part]) -> list[Part]:
    """A task's parts, as they are decoded, keeping its first ``KEPT`` rejected lines."""
    out: list[Part] = []
    kept = 0
    for part in parts:
        room = max(0, KEPT - kept)
        if len(part.rejected) > room:
            extra = len(part.rejected) - room
            part = part._replace(rejected=part.rejected[:room], dropped=part.dropped + extra)
        kept += len(part.rejected)
        out.append(part)
    return out


def file_parts(job: Job, log: Log, file: Any, start: int, end: int, first_line: int) -> list[Part]:
    """The parts of bytes ``start:end`` of a file (whole lines), its first line numbered so."""
    file.seek(start)
    pieces = chunks(_Window(file, end - start), job.chunk)
    parts = list(_parts_of(job, log, pieces, first_line, start))
    return [part._replace(advance=part.nbytes) for part in parts]


def combined(parts: list[Part], combine: Callable[[list[Any]], Any]) -> list[Part]:
    """A task's parts (consecutive lines of one log) as one, their values combined."""
    return [parts[0]._replace(
        physical=sum(p.physical for p in parts), decoded=sum(p.decoded for p in parts),
        nbytes=sum(p.nbytes for p in parts), advance=sum(p.advance for p in parts),
        rejected=[r for p in parts for r in p.rejected], error=parts[-1].error,
        value=combine([p.value for p in parts]),
        dropped=sum(p.dropped for p in parts))]  # fmt: skip


def _newlines(data: bytes) -> int:
    """How many ``\\n`` are in ``data`` (``replace`` finds them by memchr: faster than count)."""
    return len(data) - len(data.replace(b"\n", b""))


def _ranges(log: Log, split: int, count: bool) -> Iterator[_Range]:
    """Cut a plain file into ranges of about ``split`` bytes at newlines, reading only there
    (and, to ``count`` each range's first line, the lines before)."""
    assert log.path is not None
    with open(log.path, "rb") as file:
        size, start, first = os.fstat(file.fileno()).st_size, 0, 1
        while start < size:
            end = next_line(file, start + split, size) if start + split < size else size
            yield _Range(log, start, end, first if count else 0)
            first += _lines_in(file, start, end) if count else 0
            start = end


def _lines_in(file: IO[bytes], start: int, end: int) -> int:
    file.seek(start)
    return sum(_newlines(file.read(min(_SCAN, end - at))) for at in range(start, end, _SCAN))


def next_line(file: IO[bytes], offset: int, size: int) -> int:
    """Where the first line starting at or after ``offset`` starts (``size`` if none does)."""
    file.seek(offset - 1)
    while block := file.read(_SCAN):
        newline = block.find(b"\n")
        if newline >= 0:
            return file.tell() - len(block) + newline + 1
    return size


def _shipments(log: Log, split: int) -> Iterator[_Shipped]:
    """Read (and decompress) a log in the parent, in chunks of about ``split`` bytes."""
    opened, shipped = open_log(log), log._replace(file=None)  # a file object cannot travel
    try:
        first, offset, last = 1, 0, position(opened.raw)
        for chunk in chunks(opened.stream, split):
            data = bytes(memoryview(chunk.buffer)[: chunk.end])
            now = position(opened.raw)
            yield _Shipped(shipped, data, first, offset, now - last, chunk.over)
            first += _newlines(data) + (chunk.over is not None)
            offset, last = offset + chunk.nbytes, now
    finally:
        close(log, opened)


def _tasks(log: Log, job: Job, logs: int, count: bool) -> Iterator[_Task]:
    """Ranges of a plain file; a compressed file whole, when there are several logs and
    results are small (``job.whole``), as decompressing is then the work to spread; else the
    parent decompresses and ships chunks."""
    if splittable(log):
        with open(log.path, "rb") as file:  # type: ignore[arg-type]
            plain = decompressor(file) is None
        if plain:
            return _ranges(log, job.split, count)
        if job.whole and logs > 1:
            return iter((log,))
    return _shipments(log, job.split)


def renumbered(parts: Iterator[Part]) -> Iterator[Part]:
    """Parts in order, their line numbers made global: a part's first line is one past the
    lines of the parts of its log before it."""
    source, lines = -1, 0
    for part in parts:
        if part.source != source:
            source, lines = part.source, 0
        shift = lines + 1 - part.first_line
        lines += part.physical
        yield part if not shift else shifted(part, shift)


def shifted(part: Part, shift: int) -> Part:
    rejected = [msgspec.structs.replace(r, line=r.line + shift) for r in part.rejected]
    error = part.error
    if error is not None and error.line is not None:
        bad = rejected[-1]
        error = DecodeError(f"{bad.log}, line {bad.line}: {bad.error}", path=error.path,
                            line=bad.line)  # fmt: skip
    return part._replace(first_line=part.first_line + shift, rejected=rejected, error=error)


def _pooled(job: Job, logs: list[Log], jobs: int, ordered: bool) -> Iterator[Part]:
    """The parts of the logs decoded by ``jobs`` worker processes."""
    from . import _pool  # only with workers: keeps the start of a command short

    log_decoder(job.protocol, job.naming)  # made once here, forked workers inherit it
    count = job.numbered or not ordered  # renumbering needs the parts in order
    tasks = (task for log in logs for task in _tasks(log, job, len(logs), count))
    ahead = _AHEAD * jobs if job.combine else 0  # one small result a task: past slow tasks
    results = _pool.results(functools.partial(_work, job), tasks, jobs, ordered, ahead)
    try:
        parts = (part for parts in results for part in parts)
        yield from renumbered(parts) if ordered else parts
    finally:
        results.close()  # type: ignore[attr-defined]


def _parts(job: Job, logs: list[Log], jobs: int, ordered: bool) -> Iterator[Part]:
    if jobs > 1:
        yield from _pooled(job, logs, jobs, ordered)
    else:
        for log in logs:
            yield from local_parts(job, log)


# Frames of generated variant classes (camelCase, strict or lenient shapes) cannot be pickled by
# reference: a variant has its model's name. Workers send them as their model and options, and
# the parent rebuilds the same variant.


def _rebuild(model: type, options: tuple[tuple[str, Any], ...], fields: dict[str, Any]) -> Any:
    return variant(model, **dict(options))(**fields)


def _reduce_variant(obj: Any) -> tuple[Any, ...]:
    cls = type(obj)
    options = tuple(sorted(_variants._options[cls].items()))
    fields = {name: getattr(obj, name) for name in cls.__struct_fields__}
    return _rebuild, (origin(cls), options, fields)


def let_variants_travel() -> None:
    for cls in list(_variants._origin):
        if cls not in copyreg.dispatch_table:
            copyreg.pickle(cls, _reduce_variant)


# -- the public face --------------------------------------------------------------------------


class LogReader(Generic[T]):
    """An iterator over what a log gives (frames, or results of a function), with its counts.

    Made by ``read_log`` and ``map_log``. The counts fill in as iteration goes and are final
    when it ends; ``decoded + rejected_count == lines`` always. ``close()`` (or leaving a
    ``with`` block) stops early and ends the worker processes.

    Args:
        parts: The decoded parts of the logs, in order.
        values: What each part gives the iteration.
        on_reject: Called with each rejected line instead of keeping it in ``rejected``.
        size: The bytes of the log files, for progress; None when unknown.

    Attributes:
        lines: Non-blank lines read.
        decoded: Lines decoded.
        rejected: Each bad line (``Rejected``), unless ``on_reject`` took them.
        rejected_count: Bad lines.
        blank: Blank lines skipped.
        bytes: Bytes of JSONL read (decompressed).
        position: Bytes of the log files read so far, out of ``size``.
        size: The bytes of the log files, for progress; None when unknown.
    """

    def __init__(self, parts: Iterator[Part], values: Callable[[Part], Iterable[T]],
                 on_reject: Callable[[Rejected], object] | None,
                 size: int | None) -> None:  # fmt: skip
        self.lines = self.decoded = self.rejected_count = self.blank = self.bytes = 0
        self.position, self.size = 0, size
        self.rejected: list[Rejected] = []
        self._on_reject = on_reject or self.rejected.append
        self._iterator = self._run(parts, values)

    def __iter__(self) -> LogReader[T]:
        return self

    def __next__(self) -> T:
        return next(self._iterator)

    def __enter__(self) -> LogReader[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading: close the logs and end the worker processes.

        Safe to call more than once; leaving a ``with`` block calls it.
        """
        self._iterator.close()  # type: ignore[attr-defined]

    def _run(self, parts: Iterator[Part], values: Callable[[Part], Iterable[T]]) -> Iterator[T]:
        try:
            for part in parts:
                self._count(part)
                yield from values(part)
                if part.error is not None:
                    raise part.error
        finally:
            parts.close()  # type: ignore[attr-defined]

    def _count(self, part: Part) -> None:
        rejected = len(part.rejected) + part.dropped
        self.decoded += part.decoded
        self.rejected_count += rejected
        self.lines += part.decoded + rejected
        self.blank += part.physical - part.decoded - rejected
        self.bytes += part.nbytes
        self.position += part.advance
        for reject in part.rejected:
            self._on_reject(reject)


def make_job(fold: Callable[[LogBatch], Any], protocol: str, naming: str, errors: str, whole: bool,
         numbered: bool, combine: Any = None, measure: bool = False) -> Job:  # fmt: skip
    if protocol != "auto" and protocol not in GENERATIONS:
        known = ", ".join(map(repr, [*GENERATIONS, "auto"]))
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {known}")
    if naming not in NAMINGS:
        raise ValueError(f"unknown naming {naming!r}; expected 'snake' or 'camel'")
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', not {errors!r}")
    split = _SPLIT if fold is not _frames else _SPLIT_FRAMES
    return Job(fold, protocol, naming, errors, _CHUNK, split, whole, numbered, combine, measure)


def _jobs(jobs: int | None) -> int:
    if jobs is None or jobs == 0:
        return os.cpu_count() or 1
    if jobs < 0:
        raise ValueError(f"jobs must be positive (or 0 for every core), not {jobs}")
    return jobs


def _reader(source: Source | Sequence[Source], job: Job, values: Callable[[Part], Any],
            jobs: int | None, ordered: bool, on_reject: Any) -> LogReader[Any]:  # fmt: skip
    logs = logs_of(source)
    sizes = [os.path.getsize(log.path or "") if splittable(log) else None for log in logs]
    size = None if None in sizes else sum(s for s in sizes if s is not None)
    return LogReader(_parts(job, logs, _jobs(jobs), ordered), values, on_reject, size)


def _frames(batch: LogBatch) -> list[Any]:
    return batch.frames


def part_value(part: Part) -> tuple[Any]:
    return (part.value,)


def _part_frames(part: Part) -> list[Any]:
    return part.value  # type: ignore[no-any-return]


def read_log(
    source: Source | Sequence[Source],
    *,
    protocol: str = "auto",
    errors: Errors = "raise",
    jobs: int | None = 1,
    ordered: bool = True,
    naming: str = "snake",
    on_reject: Callable[[Rejected], object] | None = None,
) -> LogReader[Any]:
    """Iterate over the decoded frames of a log (or of several, one after another).

    A log holds one frame a line (JSONL), or is a relay's record (``rt_fast.relay``); blank
    lines are skipped.

    Args:
        source: A log, or a sequence of logs read one after another: a path or a binary
            file object, plain, gzip or zstd (zstd needs the ``zstd`` extra before Python
            3.14).
        protocol: The generation to decode by (``"ga"``, ``"beta"``, ``"translation"``,
            ``"live"``), or ``"auto"`` (each in turn); both directions either way.
        errors: ``"raise"`` (a bad line raises ``DecodeError``) or ``"report"`` (each bad
            line becomes a ``Rejected``, in the reader's ``rejected`` or given to
            ``on_reject``, and reading goes on).
        jobs: Worker processes that decode: 1 decodes in this process; 0 or None, one per
            core.
        ordered: Whether results come in log order (with ``jobs > 1``, ``False`` gives them
            as workers finish).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.
        on_reject: Called with each ``Rejected`` instead of keeping it in ``rejected``.

    Returns:
        A ``LogReader`` of the decoded frames (events, or ``UnknownEvent``), with its counts.

    Raises:
        ValueError: ``protocol``, ``errors``, ``naming`` or ``jobs`` is not one of the above.
        OSError: A log cannot be opened or read (``FileNotFoundError`` for a missing path).
        DecodeError: While iterating, with ``errors="raise"``: the first bad line, its
            message naming the log and line.

    Examples:
        >>> import io
        >>> log = io.BytesIO(b'{"type":"response.cancel"}\\nnot json\\n')
        >>> with rt_fast.read_log(log, errors="report") as reader:
        ...     print([event.type for event in reader], reader.rejected_count)
        ['response.cancel'] 1
    """
    job = make_job(_frames, protocol, naming, errors, whole=False, numbered=False)
    return _reader(source, job, _part_frames, jobs, ordered, on_reject)


def map_log(
    source: Source | Sequence[Source],
    function: Callable[[LogBatch], T],
    *,
    protocol: str = "auto",
    errors: Errors = "raise",
    jobs: int | None = 1,
    ordered: bool = True,
    naming: str = "snake",
    on_reject: Callable[[Rejected], object] | None = None,
) -> LogReader[T]:
    """Iterate over ``function(batch)`` for each decoded chunk (``LogBatch``) of a log.

    With ``jobs > 1`` the function runs in the worker processes, so only its results travel:
    the way to count, check or sum gigabytes on every core.

    Args:
        source: A log, or a sequence of logs read one after another: a path or a binary
            file object, plain, gzip or zstd (zstd needs the ``zstd`` extra before Python
            3.14).
        function: Called with each ``LogBatch``; with ``jobs > 1`` it must be picklable (a
            top-level function, or a ``functools.partial`` of one).
        protocol: The generation to decode by (``"ga"``, ``"beta"``, ``"translation"``,
            ``"live"``), or ``"auto"`` (each in turn); both directions either way.
        errors: ``"raise"`` (a bad line raises ``DecodeError``) or ``"report"`` (each bad
            line becomes a ``Rejected``, in the reader's ``rejected`` or given to
            ``on_reject``, and reading goes on).
        jobs: Worker processes that decode: 1 decodes in this process; 0 or None, one per
            core.
        ordered: Whether results come in log order (with ``jobs > 1``, ``False`` gives them
            as workers finish).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.
        on_reject: Called with each ``Rejected`` instead of keeping it in ``rejected``.

    Returns:
        A ``LogReader`` of the function's results, one per chunk, with the log's counts.

    Raises:
        ValueError: ``protocol``, ``errors``, ``naming`` or ``jobs`` is not one of the above.
        OSError: A log cannot be opened or read (``FileNotFoundError`` for a missing path).
        DecodeError: While iterating, with ``errors="raise"``: the first bad line, its
            message naming the log and line.

    Examples:
        >>> import io
        >>> log = io.BytesIO(b'{"type":"response.cancel"}\\n' * 3)
        >>> sum(rt_fast.map_log(log, lambda batch: len(batch.frames)))
        3
    """
    job = make_job(function, protocol, naming, errors, whole=False, numbered=True)
    return _reader(source, job, part_value, jobs, ordered, on_reject)


def map_log_reporting(source: Source | Sequence[Source], function: Callable[[LogBatch], T], *,
             protocol: str, jobs: int | None, on_reject: Callable[[Rejected], object] | None,
             numbered: bool, whole: bool,
             combine: Callable[[list[T]], T] | None = None,
             measure: bool = False) -> LogReader[T]:  # fmt: skip
    """``map_log`` reporting bad lines, in order, for functions that do not use line numbers
    (``numbered=False``: workers number from their range's start) or whose results are small
    (``whole=True``: a worker may decode a whole compressed log and send all its results);
    ``combine`` folds the results of a worker's task into one, in order, before they travel;
    ``measure``: the function reads audio payloads only for their size (``Job.measure``)."""
    job = make_job(function, protocol, "snake", "report", whole, numbered, combine, measure)
    return _reader(source, job, part_value, jobs, True, on_reject)
