"""Files the command line writes: never over an input, never over a file before the new one is
whole.

An output that is one of the logs read (the same file under any name: a link, ``./a.jsonl``,
standard input and output; for a dataset, a log inside its folder) is refused before anything
is read or written (``refuse_inputs``). A file is written as a temporary file beside its target
and renamed onto it, with the target's permissions, only when the block writing it ends without
an exception; otherwise the temporary file is removed and the target is as it was
(``written``). A device or a pipe (``/dev/null``) has no content to lose and is written in
place. Errors name the output, never the temporary file.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import IO, Any

__all__ = ["output", "refuse_inputs", "written"]


def _stat(name: str, stream: Any) -> os.stat_result | None:
    """The file ``name`` is (``-``: the one behind ``stream``), or None: none, or a URL."""
    try:
        return os.fstat(stream.fileno()) if name == "-" else os.stat(name)
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def _place(name: str) -> tuple[str, str]:
    """Where a name points and its separator: a URL as written, a path resolved (links, ``..``)."""
    return (name.rstrip("/"), "/") if "://" in name else (os.path.realpath(name), os.sep)


def _within(log: str, folder: str) -> bool:
    """Whether a log (a path, a glob or a URL) is ``folder`` or lies inside it."""
    (log, _), (folder, sep) = _place(log), _place(folder)
    return log == folder or log.startswith(folder.rstrip(sep) + sep)


def refuse_inputs(out: str, logs: Sequence[str], dataset: bool = False) -> None:
    """Refuse an output that is a log read: the same file under any name (``-``: standard
    output, standard input); with ``dataset`` (a folder or URL of files), a log inside it too."""
    written = _stat(out, sys.stdout)
    file = written if written is not None and stat.S_ISREG(written.st_mode) else None
    for log in logs:
        read = _stat(log, sys.stdin)
        if file is not None and read is not None and os.path.samestat(read, file):
            how = "is"
        elif dataset and _within(log, out):
            how = "holds"
        else:
            continue
        where = "standard output" if out == "-" else out
        raise OSError(f"{where} {how} the input {log}: refusing to write over a log read")


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """Errors of an output name the output (not its temporary file, or no file at all)."""
    try:
        yield
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, name) from exc


class _Output(io.BufferedWriter):
    """A file being written (``written``), its errors naming the output."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__(io.FileIO(fd, "wb"))
        self.output = name

    def write(self, data: Any, /) -> int:
        with _naming(self.output):
            return super().write(data)

    def flush(self) -> None:
        with _naming(self.output):
            super().flush()


def _target(path: str) -> tuple[str, os.stat_result | None]:
    """The file ``-o path`` names (a symbolic link's target) and what it is now (None: nothing
    yet), refused if it cannot be written: a URL, a folder, a file the user may not write."""
    if "://" in path:
        raise OSError(f"{path}: OUT is a path, not a URL (export --scheduler writes to URLs)")
    target = os.path.realpath(path)
    now = _stat(target, None)
    if now is not None and stat.S_ISDIR(now.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if now is not None and stat.S_ISREG(now.st_mode):
        with _naming(path):
            os.close(os.open(target, os.O_WRONLY))  # neither truncated nor written
    return target, now


@contextmanager
def written(path: str) -> Iterator[IO[bytes]]:
    """A file whose content becomes ``path``'s when the block ends without an exception (a
    temporary file beside the target, ``_replacing``); a device or a pipe (``/dev/null``) has
    no content to lose, and is written in place."""
    target, now = _target(path)
    if now is None or stat.S_ISREG(now.st_mode):
        with _replacing(target, now, path) as out:
            yield out
        return
    with _naming(path):
        fd = os.open(target, os.O_WRONLY)
    with _Output(fd, path) as out:
        yield out


@contextmanager
def _replacing(target: str, now: os.stat_result | None, path: str) -> Iterator[IO[bytes]]:
    """A temporary file beside ``target``, renamed onto it (with its permissions) when the
    block ends without an exception, else removed, the target untouched."""
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
    with _naming(path):
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with _Output(fd, path) as out:
            if now is not None:  # the target's permissions, not the umask's
                os.chmod(temp, stat.S_IMODE(now.st_mode))
            yield out
            out.flush()
            os.fsync(fd)  # whole on disk before it takes the target's name
        with _naming(path):
            os.replace(temp, target)
    except BaseException:
        with suppress(OSError):
            os.remove(temp)
        raise


@contextmanager
def output(path: str | None) -> Iterator[IO[bytes]]:
    """Where a command writes: the file ``path`` (``written``), or standard output."""
    if path and path != "-":
        with written(path) as out:
            yield out
        return
    try:
        yield sys.stdout.buffer
    finally:
        sys.stdout.buffer.flush()
