"""Where a log's bytes come from: a path or a binary file object, a regular file or a pipe,
plain, gzip or zstd (told by content, never by name), read in chunks cut at newlines; or a file
of an fsspec file system, read by ranges (``Ranged``).

Rules: a pipe, FIFO or standard input is sniffed without consuming it (``_head`` peeks); a log
cut short inside a compressed frame raises ``OSError`` naming it, never reads as a shorter clean
log; only a regular file can be cut into ranges for workers (``splittable``): anything else is
read once, by the parent. An fsspec file is read by ``cat_file`` ranges, never through a file
object ``open`` gives, which some file systems share between all who open the path
(``memory://`` gives each the same ``BytesIO``, so threads reading one log would move each
other's position), in requests of a few megabytes; reads stop at the size the file was listed
with, and a file shorter than that raises ``OSError`` naming it.
"""

from __future__ import annotations

import importlib
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NamedTuple, Union

__all__ = [
    "CHUNK",
    "Log",
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
    """The frames of a zstd log one after another, decompressed (zstandard). Its stream reader
    ends in silence where the file ends inside a frame; this raises ``ZstdError`` there."""

    def __init__(self, zstandard: Any, raw: IO[bytes]) -> None:
        self.raw, self.error = raw, zstandard.ZstdError
        self.context = zstandard.ZstdDecompressor()
        self.frame, self.fed = self.context.decompressobj(), False
        self.out, self.at = memoryview(b""), 0

    def readinto(self, buffer: memoryview) -> int:
        while self.at == len(self.out):
            data = self.raw.read(_READ)
            if not data:
                if self.fed:
                    raise self.error("the log ends inside a zstd frame")
                return 0
            self.out, self.at = memoryview(self._decompress(data)), 0
        got = min(len(buffer), len(self.out) - self.at)
        buffer[:got] = self.out[self.at : self.at + got]
        self.at += got
        return got

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            out.append(self.frame.decompress(data))
            self.fed, data = not self.frame.eof, b""
            if self.frame.eof:  # the next frame starts in what is left
                data = self.frame.unused_data
                self.frame = self.context.decompressobj()
        return b"".join(out)


_Decompressor = Callable[[IO[bytes]], tuple[Any, tuple[type[Exception], ...]]]
# Magic bytes (gzip: with its only method, deflate), which no JSON text starts with.
_MAGIC: dict[bytes, _Decompressor] = {b"\x1f\x8b\x08": _gzip, b"\x28\xb5\x2f\xfd": _zstd}


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


def chunks(stream: Any, size: int) -> Iterator[tuple[bytearray, int]]:
    """``(buffer, end)``: ``buffer[:end]`` holds whole lines (at EOF, maybe one without ``\\n``).

    The buffer is reused: a chunk is valid until the next one is asked for. A read that ends
    leaves its buffer to the next (a worker reads many ranges: fresh memory costs page faults).
    """
    buffer = _spare_buffer(size)
    start = 0
    while True:
        got = stream.readinto(memoryview(buffer)[start:])
        if not got:
            if start:
                yield buffer, start
            if len(buffer) == size <= CHUNK:
                _spare[:] = [buffer]
            return
        end = start + got
        cut = buffer.rfind(b"\n", start, end) + 1
        if cut:
            yield buffer, cut
            buffer[: end - cut] = buffer[cut:end]
            start = end - cut
        else:  # no newline yet: a line longer than the buffer grows it
            buffer = buffer + bytes(len(buffer)) if end == len(buffer) else buffer
            start = end


_spare: list[bytearray] = []  # the buffer of the last read that ended, for the next


def _spare_buffer(size: int) -> bytearray:
    """The spare buffer if it has ``size`` bytes, else a new one (threads may race for it:
    one takes it, the others make their own)."""
    try:
        spare = _spare.pop()
    except IndexError:
        return bytearray(size)
    return spare if len(spare) == size else bytearray(size)
