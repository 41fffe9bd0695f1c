"""A relay's record file (``rt_fast.relay``: Record): lines appended each whole or not at
all, never into a compressed log, always on a new line; a file that cannot take a line stops the
recording with one warning, not the sessions."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from typing import IO

from ._record import record_line
from ._sources import decompressor

__all__ = ["RecordFile", "appending", "write_whole"]

_log = logging.getLogger("rt_fast.relay")


class RecordFile:
    """The record's lines, each written whole or not at all (see the module: Record)."""

    def __init__(self, file: IO[bytes] | None) -> None:
        self.file = file

    def write(
        self, direction: str, session: str, frame: bytes, arrived_ns: int, origin: str | None = None
    ) -> None:
        if self.file is None:
            return
        line = record_line(arrived_ns // 1000, direction, session, frame, origin) + b"\n"
        start = None
        try:
            start = self.file.tell() if self.file.seekable() else None
            write_whole(self.file, line)
        except OSError as exc:
            self.stop(start, exc)

    def stop(self, start: int | None, exc: OSError) -> None:
        """Take back a line written in part, and write no more."""
        file, self.file = self.file, None
        assert file is not None
        if start is not None:
            with contextlib.suppress(OSError):
                file.truncate(start)
        name = getattr(file, "name", "the record")
        _log.warning("rt_fast relay: recording stopped: cannot write to %s: %s", name, exc)


def write_whole(file: IO[bytes], data: bytes) -> None:
    """``data`` written whole to ``file``, or ``OSError``: a short write is retried, so that a
    file with no room left says why."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:  # 0, or None: a non-blocking file that cannot take it now
            raise BlockingIOError(errno.EAGAIN, "the file took none of the line")
        view = view[written:]


def appending(path: str) -> IO[bytes]:
    """``path`` opened to append a record to (see the module: Record)."""
    file = open(path, "ab", buffering=0)  # noqa: SIM115 - the caller's to close
    try:
        status = os.fstat(file.fileno())
        if stat.S_ISREG(status.st_mode) and status.st_size:
            keep_on(path, file)
    except BaseException:
        file.close()
        raise
    return file


def keep_on(path: str, file: IO[bytes]) -> None:
    """Go on after what a record file holds: never into a compressed log, and on a new line."""
    with open(path, "rb") as old:
        if decompressor(old) is not None:
            raise ValueError(
                f"{path} is a compressed log (gzip or zstd): --record appends "
                "plain lines, which would make it unreadable; record to another "
                "file"
            )
        old.seek(-1, os.SEEK_END)
        ended = old.read(1) == b"\n"
    if not ended:
        try:
            write_whole(file, b"\n")
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, path) from exc
