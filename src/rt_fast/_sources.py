"""Where a log's bytes come from: a path or a binary file object, a regular file or a pipe,
plain, gzip or zstd (told by content, never by name), read in chunks cut at newlines; or a file
of an fsspec file system, read by ranges (``Ranged``).

Rules: a pipe, FIFO or standard input is sniffed without consuming it (``_head`` peeks); a zstd
log may begin with a skippable frame (``pzstd`` writes one first), and is decompressed only as
far as it is read (a few kilobytes of zstd may hold gigabytes); a log cut short inside a
compressed frame raises ``OSError`` naming it, never reads as a shorter clean log; only a
regular file can be cut into ranges for workers (``splittable``): anything else is read once,
by the parent. An fsspec file is read by ``cat_file`` ranges, never through a file object
``open`` gives, which some file systems share between all who open the path (``memory://``
gives each the same ``BytesIO``, so threads reading one log would move each other's position),
in requests of a few megabytes; reads stop at the size the file was listed with, and a file
shorter than that raises ``OSError`` naming it.

Memory (``chunks``): a chunk's buffer holds at most a frame's ``max_size`` (``MAX_FRAME_SIZE``)
and a chunk more; a line longer still is read past to its newline, a chunk at a time, keeping
only its size and first bytes (``Over``). A line that never ends (``/dev/zero``) is read on,
in that memory, until the reader is stopped.

A plain file is read, never mapped (``mmap``): a mapping of a file another process shortens
kills the reader (``SIGBUS``) where it touches the pages cut off, which no Python code can
catch, and the copy a read makes into a buffer the cache holds costs 1-2% of decoding.
"""

from __future__ import annotations

import importlib
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NamedTuple, Union

from ._guard import MAX_FRAME_SIZE
from ._lines import HEAD
from ._route import is_blank

__all__ = [
    "CHUNK",
    "Chunk",
    "Log",
    "Over",
    "Ranged",
    "Source",
    "chunks",
    "close",
    "decompressor",
    "logs_of",
    "open_log",
    "position",
    "splittable",
]

Source = Union[str, "os.PathLike[str]", IO[bytes]]
"""A log: a path, or a binary file object."""

_READ = 64 * 1024  # the compressed bytes a zstd log is read by
CHUNK = 256 * 1024  # decoded at a time: fits the L2 cache, and amortizes the Python around it


# -- opening logs -----------------------------------------------------------------------------


class Log(NamedTuple):
    name: str
    path: str | None  # a file on disk, which workers can open themselves
    file: IO[bytes] | None  # a file object the caller gave
    source: int  # its position among the logs read


def logs_of(source: Source | Sequence[Source]) -> list[Log]:
    """The logs of a source or a sequence of sources."""
    if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        return [_log(source, 0)]  # type: ignore[arg-type]
    return [_log(s, i) for i, s in enumerate(source)]


def _log(source: Source, position: int) -> Log:
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        return Log(path, path, None, position)
    if isinstance(source, io.TextIOBase):
        raise TypeError(f"a log is read as bytes: open it with 'rb', not as text ({source!r})")
    return Log(str(getattr(source, "name", "<stream>")), None, source, position)


def splittable(log: Log) -> bool:
    """Whether workers can read ranges of the log themselves: a regular file (not a pipe, a
    FIFO, standard input, a device or a file object, which are read once, by the parent)."""
    return log.path is not None and stat.S_ISREG(os.stat(log.path).st_mode)


def _gzip(raw: IO[bytes]) -> tuple[Any, tuple[type[Exception], ...]]:
    import gzip  # imports made on first need keep the command's start short
    import zlib

    return gzip.GzipFile(fileobj=raw, mode="rb"), (EOFError, zlib.error)


def _zstd(raw: IO[bytes]) -> tuple[Any, tuple[type[Exception], ...]]:
    if sys.version_info >= (3, 14):
        zstd = importlib.import_module("compression.zstd")
        return zstd.ZstdFile(raw), (EOFError, zstd.ZstdError)
    try:
        zstandard = importlib.import_module("zstandard")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "reading zstd-compressed logs needs zstandard: pip install 'rt-fast[zstd]'"
        ) from None
    return _ZstdFrames(zstandard, raw), (zstandard.ZstdError,)


class _ZstdFrames:
    """The frames of a zstd log one after another, decompressed (zstandard's stream reader,
    which decompresses no more than it is asked for: a few kilobytes of zstd may hold
    gigabytes). The reader ends in silence where the file ends inside a frame; ``_Framing``,
    following the frames by their headers, raises ``ZstdError`` there."""

    def __init__(self, zstandard: Any, raw: IO[bytes]) -> None:
        self.framing, self.error = _Framing(raw), zstandard.ZstdError
        self.reader = zstandard.ZstdDecompressor().stream_reader(
            self.framing, read_size=_READ, read_across_frames=True, closefd=False
        )

    def readinto(self, buffer: memoryview) -> int:
        # a chunk at most (about what a read gave when 64 KiB were decompressed at once):
        # with jobs > 1 the parent ships each read's lines as they come, many ahead
        got: int = self.reader.readinto(buffer[:CHUNK])
        if not got and not self.framing.between():
            raise self.error("the log ends inside a zstd frame")
        return got


class _Framing:
    """A zstd log's bytes as read, followed frame by frame by their headers alone (RFC 8878,
    3.1): whether it ends between two frames. Each header read says how many bytes to pass
    over, and which header comes next (``_FRAMING``); a frame of another kind (a legacy
    format, or garbage, which the decompressor refuses) stops the following: no verdict."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.held, self.skip = raw, b"", 0
        self.next, self.checksum = "magic", 0  # the header read next; a frame's checksum size

    def read(self, size: int) -> bytes:
        data = self.raw.read(size)
        at = 0
        while at < len(data) and self.next != "lost":
            if self.skip:
                passed = min(self.skip, len(data) - at)
                at, self.skip = at + passed, self.skip - passed
                continue
            length, read_header = _FRAMING[self.next]
            taken = data[at : at + length - len(self.held)]
            self.held, at = self.held + taken, at + len(taken)
            if len(self.held) == length:
                header, self.held = int.from_bytes(self.held, "little"), b""
                self.skip, self.next = read_header(self, header)
        return data

    def between(self) -> bool:
        return self.next == "lost" or (self.next == "magic" and not self.held and not self.skip)


def _kind(framing: _Framing, magic: int) -> tuple[int, str]:
    if magic == _ZSTD:
        return 0, "descriptor"
    return 0, "skippable" if magic >> 4 == _SKIPPABLE >> 4 else "lost"


def _descriptor(framing: _Framing, flags: int) -> tuple[int, str]:
    """The rest of a frame header: window, dictionary id and content size, by their flags."""
    single = flags >> 5 & 1
    framing.checksum = 4 if flags & 4 else 0
    return (1 - single) + (0, 1, 2, 4)[flags & 3] + (single, 2, 4, 8)[flags >> 6], "block"


def _block(framing: _Framing, header: int) -> tuple[int, str]:
    """A block's content: its size (one byte for RLE, type 1); after the last, a checksum."""
    size = 1 if header >> 1 & 3 == 1 else header >> 3
    return (size + framing.checksum, "magic") if header & 1 else (size, "block")


_ZSTD, _SKIPPABLE = 0xFD2FB528, 0x184D2A50  # magic numbers: a frame's, the first skippable's
# each header: its size, and what reads it (giving the bytes to pass over and the next header)
_FRAMING: dict[str, tuple[int, Callable[[_Framing, int], tuple[int, str]]]] = {
    "magic": (4, _kind),
    "skippable": (4, lambda framing, size: (size, "magic")),
    "descriptor": (1, _descriptor),
    "block": (3, _block),
}

_Decompressor = Callable[[IO[bytes]], tuple[Any, tuple[type[Exception], ...]]]
# Magic bytes, which no JSON text starts with: gzip's (with its only method, deflate), a zstd
# frame's, and those of the 16 kinds of skippable frame a zstd log may start with (pzstd's)
_MAGIC: dict[bytes, _Decompressor] = {
    b"\x1f\x8b\x08": _gzip,
    **{m.to_bytes(4, "little"): _zstd for m in (_ZSTD, *range(_SKIPPABLE, _SKIPPABLE + 16))},
}


def _head(raw: IO[bytes]) -> bytes:
    """The first bytes of a stream, left unread (see ``_Prefixed`` for a pipe)."""
    if hasattr(raw, "peek"):
        return raw.peek(4)[:4]  # type: ignore[no-any-return]
    if not raw.seekable():
        return b""
    head = raw.read(4)
    raw.seek(-len(head), os.SEEK_CUR)
    return head


class _Prefixed(io.RawIOBase):
    """A pipe whose first 4 bytes were read whole (a pipe's ``peek`` gives what one read got,
    maybe 1 byte: too few to tell its compression), given back before the rest."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.first = raw, raw.read(4)  # a buffered read loops to 4 bytes or EOF

    def peek(self, size: int = 0) -> bytes:
        return self.first

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        if not self.first:
            return self.raw.readinto(buffer)  # type: ignore[attr-defined, no-any-return]
        got = min(len(buffer), len(self.first))
        buffer[:got] = self.first[:got]
        self.first = self.first[got:]
        return got


def decompressor(raw: IO[bytes]) -> _Decompressor | None:
    head = _head(raw)
    return _MAGIC.get(head[:3]) or _MAGIC.get(head)


class _Guarded:
    """A decompressing stream whose corrupt or truncated data raises ``OSError``."""

    def __init__(self, stream: Any, errors: tuple[type[Exception], ...], name: str) -> None:
        self.stream, self.errors, self.name = stream, errors, name

    def readinto(self, buffer: memoryview) -> int:
        try:
            return self.stream.readinto(buffer)  # type: ignore[no-any-return]
        except self.errors as exc:
            raise OSError(f"{self.name}: corrupt or truncated compressed data ({exc})") from exc


class Opened(NamedTuple):
    stream: Any  # has readinto
    raw: IO[bytes]  # the file itself, whose position is the progress


def open_log(log: Log) -> Opened:
    raw = open(log.path, "rb") if log.path else log.file  # noqa: SIM115 - closed by close
    assert raw is not None
    if isinstance(raw, io.RawIOBase) and not raw.seekable():  # a pipe: sniff it unconsumed
        raw = io.BufferedReader(raw)
    if not raw.seekable():
        raw = _Prefixed(raw)  # type: ignore[assignment]
    try:
        wrap = decompressor(raw)
        return Opened(raw if wrap is None else _Guarded(*wrap(raw), log.name), raw)
    except BaseException:
        if log.path:
            raw.close()
        raise


def close(log: Log, opened: Opened) -> None:
    if log.path:
        opened.raw.close()


def position(raw: IO[bytes]) -> int:
    try:
        return raw.tell()
    except (OSError, ValueError):
        return 0


class Ranged(io.RawIOBase):
    """A file of an fsspec file system, ``size`` bytes as listed, read by ranges
    (``fs.cat_file``) from a position of its own: what one reader does moves no other's. A
    request asks for ``fetch`` bytes at least, kept for the reads that follow."""

    def __init__(self, fs: Any, path: str, size: int, fetch: int = 0) -> None:
        self.fs, self.path, self.size, self.fetch, self.at = fs, path, size, fetch, 0
        self.block, self.block_at = memoryview(b""), 0  # the bytes fetched last, and where

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.at = max(0, (0, self.at, self.size)[whence] + offset)
        return self.at

    def readinto(self, buffer: Any) -> int:
        offset = self.at - self.block_at
        if not 0 <= offset < len(self.block):
            end = min(self.at + max(len(buffer), self.fetch), self.size)
            if end <= self.at:
                return 0
            self.block, self.block_at, offset = self._fetch(end), self.at, 0
        got = min(len(buffer), len(self.block) - offset)
        buffer[:got] = self.block[offset : offset + got]
        self.at += got
        return got

    def _fetch(self, end: int) -> memoryview:
        data = self.fs.cat_file(self.path, self.at, end)
        if not data:
            raise OSError(f"{self.path}: ends at byte {self.at}, listed as {self.size} bytes")
        return memoryview(data)


# -- chunks ---------------------------------------------------------------------------------


class Over(NamedTuple):
    """A line over the limit, read past and not kept: its first ``HEAD`` bytes, its size as a
    frame (without ``\\r\\n``), the bytes it spans in the log (with them), and whether it is
    only JSON whitespace (``is_blank``)."""

    head: bytes
    size: int
    nbytes: int
    blank: bool


class Chunk(NamedTuple):
    """``buffer[:end]``: whole lines (at EOF, maybe one without ``\\n``); then, if ``over``
    is set, a line over the limit that was not kept."""

    buffer: bytearray
    end: int
    over: Over | None = None

    @property
    def nbytes(self) -> int:
        """The bytes of the log the chunk spans."""
        return self.end + (self.over.nbytes if self.over else 0)


def chunks(stream: Any, size: int, limit: int = MAX_FRAME_SIZE) -> Iterator[Chunk]:
    """The chunks of a stream, read ``size`` bytes at a time.

    The buffer is reused: a chunk is valid until the next one is asked for. A read that ends
    leaves its buffer to the next (a worker reads many ranges: fresh memory costs page faults).
    A line longer than the buffer grows it, ``size`` bytes at a time, up to ``limit`` and
    ``size`` more. Once more than ``limit + 1`` bytes of a line are held without its end (a
    frame's ``max_size``, and a ``\\r``), it is over the limit: it is read to its end (the
    buffer cut back to ``size``) and given as an ``Over``, in a chunk of its own. (A line over
    the limit that came whole, within ``limit + size`` bytes, is a line like any other.)
    """
    buffer = _spare_buffer(size)
    start = fresh = 0  # bytes held (the start of a line), and where a newline may be among them
    while True:
        if start == len(buffer):
            buffer.extend(bytes(size))
        got = stream.readinto(memoryview(buffer)[start : start + size])
        if not got:
            if start:
                yield Chunk(buffer, start)
            if len(buffer) == size <= CHUNK:
                _spare[:] = [buffer]
            return
        end = start + got
        cut = buffer.rfind(b"\n", fresh, end) + 1
        if cut:
            yield Chunk(buffer, cut)
            buffer[: end - cut] = buffer[cut:end]
        start = fresh = end - cut
        if start > limit + 1:
            over, start = _read_past(stream, buffer, start, size)
            fresh = 0  # the bytes after it may hold whole lines
            yield Chunk(buffer, 0, over)


def _read_past(stream: Any, buffer: bytearray, start: int, size: int) -> tuple[Over, int]:
    """Read to the end of the line ``buffer[:start]`` begins, keeping none of it but its head
    in a buffer cut back to ``size``; returns it, and the bytes after it, at the buffer's
    start."""
    head, length, last = bytes(buffer[: min(start, HEAD)]), start, buffer[start - 1]
    blank = is_blank(buffer, 0, start)
    del buffer[size:]
    while got := stream.readinto(memoryview(buffer)):
        newline = buffer.find(b"\n", 0, got)
        stop = got if newline < 0 else newline
        blank = blank and is_blank(buffer, 0, stop)
        if len(head) < HEAD:  # a limit under HEAD (tests): the rest of it
            head += buffer[: min(stop, HEAD - len(head))]
        length, last = length + stop, buffer[stop - 1] if stop else last
        if newline >= 0:
            buffer[: got - stop - 1] = buffer[stop + 1 : got]
            return Over(head, length - (last == 13), length + 1, blank), got - stop - 1
    return Over(head, length - (last == 13), length, blank), 0


_spare: list[bytearray] = []  # the buffer of the last read that ended, for the next


def _spare_buffer(size: int) -> bytearray:
    """The spare buffer if it has ``size`` bytes, else a new one (threads may race for it:
    one takes it, the others make their own)."""
    try:
        spare = _spare.pop()
    except IndexError:
        return bytearray(size)
    return spare if len(spare) == size else bytearray(size)
