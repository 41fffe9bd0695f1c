"""A log's lines decoded in place: the batch a chunk of log becomes, and the loop that fills it.

The codec's route (``read``) decodes each line where it lies in the reader's buffer; a line it
declines is copied and decoded by the full decoder, and a bad one is kept as ``Rejected``.
The rules of a line are ``_route``'s: it ends at ``\\n``, a ``\\r`` before that is not the
frame's, a line of JSON whitespace is blank (skipped, not counted).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import add, sub
from typing import Any

import msgspec

from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE, check_size
from ._record import RECORD, Record, frame_in, unwrap
from ._route import DECLINED, Declined, is_blank, line_stop
from ._stack import max_depth, this_thread

__all__ = ["HEAD", "LogBatch", "Read", "Rejected", "decode_into", "over", "reject", "too_long"]

HEAD = 128  # bytes kept of a line over the limit: enough for an excerpt
_EXCERPT = 80

Read = Callable[..., Any]
"""The codec's in-place route: ``read(buffer, start, stop, line_view, span, pcm, index)`` -> an
event, or ``DECLINED``/``REJECTED`` (``_route``)."""


class Rejected(msgspec.Struct, frozen=True):
    """A line of a log that did not decode.

    Attributes:
        log: The log's name: its path, the file object's ``name``, or ``"<stream>"``.
        line: The 1-based line number.
        error: The ``DecodeError``'s message.
        excerpt: The start of the line, cut short.
    """

    log: str
    line: int
    error: str
    excerpt: str


class LogBatch:
    """A chunk of a log, decoded: what the function given to ``map_log`` receives.

    The log reader makes batches; the methods give each frame's line number, size, line and
    record. The bytes are the reader's reused buffer: they are valid only during the call, so
    keep what ``raw_lines`` returns, never the batch.

    Args:
        log: The log's name.
        first_line: The 1-based number of the chunk's first line.
        buffer: The chunk's bytes of JSONL (decompressed), whole lines.
        measure: Whether audio frames may be measured rather than decoded (the reader's
            statistics).

    Attributes:
        log: The log's name.
        frames: The decoded frames, in order.
        rejected: The lines that did not decode (``Rejected``), with ``errors="report"``.
        first_line: The 1-based number of the chunk's first line.
        offset: Where the chunk starts in the log, in bytes of JSONL (decompressed).
    """

    __slots__ = ("_buffer", "_ends", "_pcm", "_records", "_skipped", "error", "first_line",
                 "frames", "log", "offset", "rejected")  # fmt: skip

    def __init__(
        self, log: str, first_line: int, buffer: bytes | bytearray, measure: bool = False
    ) -> None:
        self.log, self.first_line, self.offset = log, first_line, 0
        self.frames: list[Any] = []
        self.rejected: list[Rejected] = []
        self.error: DecodeError | None = None
        self._buffer = buffer  # the chunk starts at 0
        self._ends: list[int] = []  # where each physical line ends (its newline)
        self._skipped: list[int] = []  # physical lines that are not frames: blank or rejected
        # frame index -> PCM bytes of an audio frame the route measured rather than decoded
        self._pcm: dict[int, int] | None = {} if measure else None
        # frame index -> its record, and where the frame is in its line (offset, size), or for
        # a record of ``"text"`` (``rt_fast._record``) the frame's own bytes (None: in the line)
        self._records: dict[int, tuple[Record, int, int, bytes | None]] = {}

    @property
    def physical(self) -> int:
        """The number of lines the chunk spans, blank lines included."""
        return len(self._ends)

    def _rows(self) -> Sequence[int]:
        """The physical line of each frame."""
        if not self._skipped:
            return range(len(self.frames))
        skipped = set(self._skipped)
        return [i for i in range(len(self._ends)) if i not in skipped]

    def numbers(self) -> list[int]:
        """The 1-based line number of each frame.

        Returns:
            One number per frame, in the order of ``frames``.
        """
        first = self.first_line
        return [first + row for row in self._rows()]

    def sizes(self) -> list[int]:
        """The size of each frame in bytes.

        Returns:
            One size per frame: its line's length without the newline (and without a CRLF
            line's CR); for a line of a relay's record, the frame's without the record's
            envelope.
        """
        ends = self._ends
        starts = map(add, [-1, *ends[:-1]], repeat(1))
        sizes = list(map(sub, ends, starts))
        sizes = sizes if not self._skipped else [sizes[row] for row in self._rows()]
        if self._buffer.find(b"\r", 0, ends[-1] if ends else 0) >= 0:  # CRLF lines: no CR
            lines = zip(sizes, self.raw_lines(), strict=True)
            sizes = [size - (line[-1:] == b"\r") for size, line in lines]
        for index, (_, _, size, text) in self._records.items():
            sizes[index] = size if text is None else len(text)
        return sizes

    def records(self) -> list[Record | None]:
        """Each frame's record, where the log is a relay's record.

        Returns:
            One entry per frame: a record (a frozen ``msgspec.Struct`` with ``time_us``,
            ``direction``, ``session`` and ``origin``, as ``rt_fast.relay.read_record_line``
            gives them), or None for a frame on a plain line.
        """
        records = self._records
        return [records[i][0] if i in records else None for i in range(len(self.frames))]

    def raw_lines(self, indices: Iterable[int] | None = None) -> list[bytes]:
        """The lines of frames, exactly as logged.

        Args:
            indices: The frames' indices in ``frames``; all frames when None.

        Returns:
            Each line's bytes (a copy, safe to keep), without its newline.
        """
        rows, ends, view = self._rows(), self._ends, memoryview(self._buffer)
        picked = rows if indices is None else [rows[i] for i in indices]
        starts = [ends[row - 1] + 1 if row else 0 for row in picked]
        return [bytes(view[start : ends[row]]) for start, row in zip(starts, picked, strict=True)]

    def raw_frames(self) -> list[bytes]:
        """Each frame's bytes as it crossed the socket.

        Returns:
            One ``bytes`` per frame: its line, or the frame of a record line.
        """
        lines, records = self.raw_lines(), self._records
        for index, (_, start, size, text) in records.items():
            lines[index] = lines[index][start : start + size] if text is None else text
        return [line.removesuffix(b"\r") for line in lines]  # a CRLF line's CR is not the frame's


def _in_place(read: Read, batch: LogBatch, pos: int, end: int, span: int, crlf: bool) -> int:
    """Decode lines from ``pos`` in place, each by ``read`` (the codec's one route); returns
    where it stopped: a line ``read`` declined, which ``_copied`` decodes from a copy.

    What every line would ask is asked once for the lines: the thread's ``span`` (``_stack``),
    whether any line may end in ``\r\n`` (``crlf``), and whether they are a relay's records
    (the first opens as one: a log is records or plain lines). A line of records is read as a record
    first; a plain log's line is given to ``read`` first, and read as a record only where
    ``read`` declines it: no event's models take a line that opens as a record does (its first
    key is no event's), so either order gives every line the same reading."""
    buffer, frames, ends, pcm = batch._buffer, batch.frames, batch._ends, batch._pcm
    find, view, declined, opens = buffer.find, memoryview(buffer), Declined, buffer.startswith
    records = opens(RECORD, pos, end)
    while pos < end:
        newline = find(b"\n", pos, end)
        newline = end if newline < 0 else newline
        stop = newline  # ``line_stop``, inlined:
        if crlf and newline > pos and buffer[newline - 1] == 13:
            stop -= 1
        frame = (
            DECLINED if records else read(buffer, pos, stop, view[pos:stop], span, pcm, len(frames))
        )
        if frame.__class__ is declined:
            if not opens(RECORD, pos, stop):
                return pos
            try:  # a relay's record: its frame, read where it lies
                found = unwrap(buffer, pos, stop)
            except DecodeError:
                return pos  # ``_copied`` rejects the line
            assert found is not None  # it opens as a record does
            record, start, frame_stop, text = found
            if text:
                return pos  # its frame is a JSON string's text: ``_copied`` reads it
            frame = read(buffer, start, frame_stop, view[start:frame_stop], span, pcm, len(frames))
            if frame.__class__ is declined:
                return pos
            batch._records[len(frames)] = (record, start - pos, frame_stop - start, None)
        frames.append(frame)
        ends.append(newline)
        pos = newline + 1
    return pos


def _copied(
    decode: Callable[[bytes], Any],
    batch: LogBatch,
    pos: int,
    end: int,
    strict: bool,
    limit: int | None,
) -> int:
    """Decode the line at ``pos`` with the full decoder, from a copy; a line over ``limit``
    (the decoder's ``max_size``, if given) is rejected uncopied. Returns the next line."""
    buffer = batch._buffer
    newline = buffer.find(b"\n", pos, end)
    newline = end if newline < 0 else newline
    stop = line_stop(buffer, pos, newline)
    row = len(batch._ends)
    batch._ends.append(newline)
    if is_blank(buffer, pos, stop):
        batch._skipped.append(row)
    elif limit is not None and stop - pos > limit:
        too_long(batch, row, bytes(buffer[pos : pos + HEAD]), stop - pos, strict)
    else:
        line = bytes(memoryview(buffer)[pos:stop])
        try:
            record = unwrap(line, 0, len(line))
            if record is None:
                batch.frames.append(decode(line))
            else:
                given, start, stop, text = record
                raw = frame_in(line, start, stop, text)
                frame = decode(raw)
                batch._records[len(batch.frames)] = (
                    given,
                    start,
                    stop - start,
                    raw if text else None,
                )
                batch.frames.append(frame)
        except DecodeError as exc:
            batch._skipped.append(row)
            reject(batch, batch.first_line + row, exc, line, strict)
    return newline + 1


def reject(batch: LogBatch, number: int, exc: DecodeError, line: bytes, strict: bool) -> None:
    excerpt = line[:_EXCERPT].decode("utf-8", "backslashreplace")
    excerpt += "..." if len(line) > _EXCERPT else ""
    batch.rejected.append(Rejected(batch.log, number, str(exc), excerpt))
    if strict:
        message = f"{batch.log}, line {number}: {exc}"
        batch.error = DecodeError(message, path=exc.path, line=number)


def too_long(batch: LogBatch, row: int, head: bytes, size: int, strict: bool) -> None:
    """Reject the line ``row``, a frame of ``size`` bytes (over the limit) that begins with
    ``head``, with the error the decoder gives such a frame."""
    batch._skipped.append(row)
    try:
        check_size(size, MAX_FRAME_SIZE)  # raises: the line is over the limit
    except DecodeError as exc:
        reject(batch, batch.first_line + row, exc, head, strict)


def over(batch: LogBatch, end: int, blank: bool, head: bytes, size: int, strict: bool) -> None:
    """The line over the limit after ``end``, never held: blank, or too long (``size`` bytes
    that begin with ``head``)."""
    row = len(batch._ends)
    batch._ends.append(end)
    if blank:
        batch._skipped.append(row)
    else:
        too_long(batch, row, head, size, strict)


def decode_into(
    read: Read,
    decode: Callable[[bytes], Any],
    batch: LogBatch,
    end: int,
    strict: bool,
    limit: int | None = None,
) -> None:
    """Decode the lines of ``batch._buffer[:end]``: in place by ``read``, and by ``decode``
    from a copy each line ``read`` declines (``strict``: stop at the first bad line; ``limit``:
    a line over it is rejected uncopied)."""
    pos = 0
    span = sys.maxsize if max_depth() is None else this_thread.span  # learnt by max_depth()
    crlf = batch._buffer.find(b"\r", 0, end) >= 0
    while pos < end and batch.error is None:
        pos = _in_place(read, batch, pos, end, span, crlf)
        if pos < end:
            pos = _copied(decode, batch, pos, end, strict, limit)
