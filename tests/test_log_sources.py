"""Every way a log can arrive, read every way: nothing lost in silence.

A log (good frames, bad lines, unknown types, blank lines, audio) as a path, a named pipe
(FIFO), a pipe's ``/dev/fd`` path, a file object (buffered and not), ``BytesIO`` and standard
input; plain, gzip and zstd; whole and cut short; with one process and two. Each read either
gives exactly what decoding each line alone gives, with ``decoded + rejected == lines``, or
raises: a log cut inside a compressed frame is an ``OSError``, never a shorter clean log.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import zstandard

import rt_fast
from tests.test_jsonl import BAD, FRAMES, UNKNOWN, _log, _reference, _same

LINES = [*FRAMES, b"", BAD[0], UNKNOWN, *FRAMES[:30], b"  \r", BAD[2], *FRAMES[30:60]] * 3
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda d: d,
    "gzip": lambda d: gzip.compress(d, 1),  # the format is the same at any level; 9 took ~10 s
    "zstd": zstandard.compress,
}


@functools.cache
def _compressed(compress: str) -> bytes:
    """The log of ``LINES``, compressed once for every test that reads it."""
    return COMPRESS[compress](_log(LINES))


@contextmanager
def _fed(data: bytes, fifo: Path | None = None) -> Iterator[str]:
    """A pipe (or ``fifo``) a thread writes ``data`` to, as a path a reader opens."""
    if fifo is not None:
        os.mkfifo(fifo)
        thread = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
        thread.start()
        try:
            yield str(fifo)
        finally:
            thread.join(timeout=30)
        return
    read, write = os.pipe()

    def feed() -> None:
        with open(write, "wb") as pipe:
            pipe.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield f"/dev/fd/{read}"
    finally:
        thread.join(timeout=30)
        os.close(read)


@contextmanager
def _source(kind: str, data: bytes, tmp: Path) -> Iterator[Any]:
    path = tmp / "log"
    if kind in ("path", "file", "unbuffered"):
        path.write_bytes(data)
    if kind == "path":
        yield path
    elif kind == "file":
        with open(path, "rb") as file:
            yield file
    elif kind == "unbuffered":
        with open(path, "rb", buffering=0) as file:
            yield file
    elif kind == "bytesio":
        yield io.BytesIO(data)
    elif kind == "fifo":
        with _fed(data, tmp / "fifo") as name:
            yield name
    else:
        with _fed(data) as name:
            yield name


SOURCES = ["path", "file", "unbuffered", "bytesio", "fifo", "pipe"]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("compress", COMPRESS)
@pytest.mark.parametrize("kind", SOURCES)
def test_every_source_gives_every_line(tmp_path: Path, kind: str, compress: str, jobs: int) -> None:
    """Whole logs: the frames and rejected lines of decoding each line alone."""
    frames, rejected, blank = _reference(LINES)
    with _source(kind, _compressed(compress), tmp_path) as source:
        reader = rt_fast.read_log(source, jobs=jobs, errors="report")
        got = list(reader)
    assert _same(got, frames)
    assert [r.line for r in reader.rejected] == rejected
    assert reader.decoded + reader.rejected_count == reader.lines == len(frames) + len(rejected)
    assert reader.blank == blank


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("compress", ["gzip", "zstd"])
@pytest.mark.parametrize("kind", SOURCES)
def test_a_cut_compressed_log_raises(tmp_path: Path, kind: str, compress: str, jobs: int) -> None:
    """A compressed log cut at two thirds is an OSError naming it, from every source."""
    data = _compressed(compress)
    cut = data[: len(data) * 2 // 3]
    with _source(kind, cut, tmp_path) as source, pytest.raises(OSError, match="truncated"):
        list(rt_fast.read_log(source, jobs=jobs, errors="report"))


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kind", SOURCES)
def test_a_cut_plain_log_counts_its_partial_line(tmp_path: Path, kind: str, jobs: int) -> None:
    """A plain log cut mid-line: the lines before, and the partial one rejected (or decoded)."""
    data = _log(LINES)
    cut = data[: len(data) * 2 // 3]
    lines = cut.split(b"\n")
    frames, rejected, _ = _reference(lines)
    with _source(kind, cut, tmp_path) as source:
        reader = rt_fast.read_log(source, jobs=jobs, errors="report")
        assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected
    assert reader.decoded + reader.rejected_count == reader.lines


def test_zstd_frames_one_after_another(tmp_path: Path) -> None:
    """A zstd log of several frames (as appending writers make) reads whole."""
    halves = _log(LINES[:50]), _log(LINES[50:])
    path = tmp_path / "log.zst"
    path.write_bytes(b"".join(zstandard.compress(half) for half in halves))
    frames, rejected, _ = _reference(LINES)
    reader = rt_fast.read_log(path, errors="report")
    assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("compress", COMPRESS)
def test_standard_input(tmp_path: Path, compress: str, jobs: str) -> None:
    """``rt-fast validate -`` reads standard input whole, with one process or two."""
    frames, rejected, _ = _reference(LINES)
    done = subprocess.run(
        [sys.executable, "-m", "rt_fast", "validate", "--jobs", jobs, "-"],
        input=_compressed(compress), capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    out = done.stdout.decode() + done.stderr.decode()
    assert f"{len(frames) + len(rejected)} lines" in out and f"{len(rejected)} rejected" in out


def test_a_text_stream_is_refused_clearly() -> None:
    """A log opened as text gets a TypeError saying to open it as bytes."""
    with pytest.raises(TypeError, match="'rb'"):
        rt_fast.read_log(io.StringIO(FRAMES[0].decode() + "\n"))


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_a_pipe_whose_first_write_is_one_byte(compress: str, jobs: int) -> None:
    """The compression of a pipe is told from its first 4 bytes even when they come in
    several writes (a pipe's peek gives what one read got)."""
    data = _compressed(compress)
    read, write = os.pipe()

    def feed() -> None:
        os.write(write, data[:1])
        time.sleep(0.2)
        with open(write, "wb") as pipe:
            pipe.write(data[1:])

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    frames, rejected, _ = _reference(LINES)
    with open(read, "rb", buffering=0) as source:
        reader = rt_fast.read_log(source, jobs=jobs, errors="report")
        assert _same(list(reader), frames)
    thread.join(timeout=30)
    assert [r.line for r in reader.rejected] == rejected


def _skippable(payload: bytes, magic: int = 0x184D2A50) -> bytes:
    """A zstd skippable frame (RFC 8878, 3.1.2): its magic, its size, and the payload."""
    return magic.to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("magic", [0x184D2A50, 0x184D2A5F])
@pytest.mark.parametrize("kind", SOURCES)
def test_zstd_that_begins_with_a_skippable_frame(
    tmp_path: Path, kind: str, magic: int, jobs: int
) -> None:
    """pzstd's output (a skippable frame first, holding the sizes of the frames after it):
    zstd, from every source; skippable frames between frames too."""
    data = b"".join([
        _skippable(b"\x04\x00\x00\x00", magic), zstandard.compress(_log(LINES[:50])),
        _skippable(b"", magic), zstandard.compress(_log(LINES[50:])), _skippable(b"end"),
    ])  # fmt: skip
    frames, rejected, _ = _reference(LINES)
    with _source(kind, data, tmp_path) as source:
        reader = rt_fast.read_log(source, jobs=jobs, errors="report")
        assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected


def test_the_command_line_reads_pzstd_output(tmp_path: Path) -> None:
    """``rt-fast stats`` of a log as pzstd writes it: every line decoded, none rejected."""
    lines = FRAMES * 3
    frame = zstandard.compress(_log(lines))
    path = tmp_path / "log.jsonl.zst"
    path.write_bytes(_skippable(len(frame).to_bytes(4, "little")) + frame)
    done = subprocess.run(
        [sys.executable, "-m", "rt_fast", "stats", "--json", str(path)],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = json.loads(done.stdout)
    assert (report["decoded"], report["rejected"]) == (len(lines), 0)


def _frames_of_every_kind() -> list[tuple[bytes, list[bytes]]]:
    """Small zstd frames (and skippable ones) of every header and block kind, with the lines
    each holds: a checksum or not; a content size of 1, 2 or 4 bytes, or none (streamed);
    single segment or not; blocks raw, RLE and compressed, several a frame (a 1 KiB window)."""
    short = [frame for frame in FRAMES if len(frame) < 400]
    small = zstandard.ZstdCompressionParameters(window_log=10, write_checksum=1)
    rle = b"A" * 3000  # rejected lines, RLE blocks
    raw = random.Random(7).randbytes(1100).replace(b"\n", b"")  # incompressible: raw blocks
    kinds: list[tuple[bytes, list[bytes]]] = [(_skippable(b"pzstd"), [])]
    for compressor, lines in [
        (zstandard.ZstdCompressor(write_checksum=True), short[:2]),
        (zstandard.ZstdCompressor(), [UNKNOWN]),
        (zstandard.ZstdCompressor(compression_params=small), [short[2], rle, raw]),
        (zstandard.ZstdCompressor(level=1), [b"B" * 70_000]),
    ]:
        kinds += [(compressor.compress(_log(lines)), lines), (_skippable(b""), [])]
    streamed = io.BytesIO()
    with zstandard.ZstdCompressor().stream_writer(streamed, closefd=False) as writer:
        writer.write(_log(short[3:5]))
    return [*kinds, (streamed.getvalue(), short[3:5])]


def test_a_zstd_log_cut_anywhere_raises_or_ends_between_frames() -> None:
    """Cut at every byte, a zstd log of frames of every kind reads as the frames it holds
    whole where the cut falls between two, and raises ``OSError`` everywhere else."""
    kinds = _frames_of_every_kind()
    data = b"".join(frame for frame, _ in kinds)
    ends, end, lines = {}, 0, []  # where each frame ends: the lines up to there
    for frame, held in kinds:
        end, lines = end + len(frame), lines + held
        ends[end] = lines
    for cut in range(4, len(data) + 1):  # the first 4 bytes tell zstd
        reader = rt_fast.read_log(io.BytesIO(data[:cut]), errors="report")
        if cut in ends:
            frames, rejected, _ = _reference(ends[cut])
            assert _same(list(reader), frames), cut
            assert [r.line for r in reader.rejected] == rejected
        else:
            with pytest.raises(OSError, match="truncated"):
                list(reader)
