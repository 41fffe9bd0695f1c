"""The log reader's memory bound (``rt_fast._sources.chunks``): a line over the decoder's
``max_size`` is read past to its newline, never held, and rejected as the decoder rejects it,
by ``read_log``, ``map_log`` (here and in workers), ``rt-fast`` and ``rt_fast.dask``; a line
that never ends is read on in bounded memory until Ctrl-C; a zstd log is decompressed only as
far as it is read, whatever its ratio.

Peak memory is Python's (``tracemalloc``) in this process, or a process's peak resident size
(``VmHWM``) for the command line and a Dask worker. The limit is the real one,
``MAX_FRAME_SIZE`` (16 MiB), and the long lines a few times it: seconds, not minutes.
"""

from __future__ import annotations

import gzip
import io
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import zstandard
from distributed import Client
from hypothesis import given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import MAX_FRAME_SIZE, Rejected, _decoders
from rt_fast import dask as rt_dask
from rt_fast._lines import HEAD as KEPT
from rt_fast._sources import CHUNK, Chunk, Over, chunks
from tests.conftest import local_cluster
from tests.test_jsonl import BAD, FRAMES, _reference, _same

T = TypeVar("T")

LIMIT = MAX_FRAME_SIZE
HEAD = b'{"type":"input_audio_buffer.append","audio":"'
# The most the reader may hold: a buffer of the limit and a chunk (and an eighth more, as a
# bytearray grows: pages never written, so never resident), and a few chunks
BOUND = (LIMIT + CHUNK) * 9 // 8 + 8 * CHUNK
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda d: d,
    "gzip": lambda d: gzip.compress(d, 1),
    "zstd": zstandard.compress,
}


def _long(size: int) -> bytes:
    """An audio frame of ``size`` bytes."""
    return HEAD + b"A" * (size - len(HEAD) - 2) + b'"}'


def _expected(name: str, lines: list[bytes]) -> list[Rejected]:
    """Each line's rejection by the decoder, decoding it alone, as the reader reports it."""
    decoder, rejected = _decoders.log_decoder("auto", "snake"), []
    for number, physical in enumerate(lines, 1):
        line = physical.removesuffix(b"\r")
        if not line.strip(b" \t\r"):
            continue
        try:
            decoder.decode(line)
        except rt_fast.DecodeError as exc:
            excerpt = line[:80].decode("utf-8", "backslashreplace") + "..." * (len(line) > 80)
            rejected.append(Rejected(name, number, str(exc), excerpt))
    return rejected


def _peak(read: Callable[[], T]) -> tuple[T, int]:
    """What ``read()`` gives, and the most memory Python held meanwhile beyond what it held."""
    tracemalloc.start()
    try:
        return read(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _read(source: Any, jobs: int = 1) -> tuple[list[Any], Any]:
    reader = rt_fast.read_log(source, errors="report", jobs=jobs)
    return list(reader), reader


# -- a line over the limit --------------------------------------------------------------------

LONG = 4 * LIMIT  # bytes of the long line: the reader held about 3 times it before it said no
SHAPES: dict[str, tuple[list[bytes], bytes]] = {  # lines, and what ends each
    "among others": ([FRAMES[0], b"", b"long", FRAMES[1], BAD[0], FRAMES[2]], b"\n"),
    "CRLF": ([FRAMES[0], b"long", FRAMES[1]], b"\r\n"),
    "first and last, no final newline": ([b"long", FRAMES[0], b"long"], b""),
}


def _lines(shape: str, long: bytes) -> tuple[list[bytes], bytes]:
    """The physical lines of a shape (the long line in place of ``b"long"``) and its log."""
    lines, end = SHAPES[shape]
    physical = [long if line == b"long" else line for line in lines]
    cr = end.removesuffix(b"\n")
    log = b"".join(line + cr + b"\n" for line in physical[:-1]) + physical[-1] + end
    return [line + cr for line in physical], log


@pytest.mark.parametrize("compress", COMPRESS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_line_over_the_limit_is_skipped_and_rejected(
    tmp_path: Path, shape: str, compress: str
) -> None:
    """The decoder's rejection, the line numbers right, nothing else lost, and no more memory
    than the limit and a few chunks."""
    lines, log = _lines(shape, _long(LONG))
    path = tmp_path / "log"
    path.write_bytes(COMPRESS[compress](log))
    frames, _, blank = _reference(lines)
    (got, reader), peak = _peak(lambda: _read(path))
    assert peak < BOUND, f"{peak / 2**20:.0f} MiB"
    assert _same(got, frames)
    assert reader.rejected == _expected(str(path), lines)
    assert any("over the limit" in r.error for r in reader.rejected)
    assert reader.blank == blank
    assert reader.bytes == len(log)
    assert reader.decoded + reader.rejected_count == reader.lines == len(lines) - blank


@pytest.mark.parametrize("compress", COMPRESS)
def test_errors_raise_stops_at_the_long_line(tmp_path: Path, compress: str) -> None:
    """``errors="raise"``: the frames before it, then the decoder's error, its line number."""
    lines, log = _lines("among others", _long(LONG))
    path = tmp_path / "log"
    path.write_bytes(COMPRESS[compress](log))
    first = _expected(str(path), lines)[0]
    got: list[Any] = []

    def read() -> None:
        with pytest.raises(rt_fast.DecodeError) as caught:
            got.extend(rt_fast.read_log(path))
        assert caught.value.line == first.line == 3
        assert str(caught.value) == f"{path}, line 3: {first.error}"

    _, peak = _peak(read)
    assert peak < BOUND, f"{peak / 2**20:.0f} MiB"
    assert _same(got, _reference(lines[:2])[0])


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("compress", COMPRESS)
def test_map_log_and_workers_number_the_lines_after_it(
    tmp_path: Path, compress: str, jobs: int
) -> None:
    """``map_log``'s batches, in this process or in workers (ranges of a plain file, chunks
    the parent decompressed): the long line rejected, the numbers of the lines after it the
    file's."""
    lines, log = _lines("among others", _long(LIMIT + 4 * CHUNK))
    lines, log = lines * 3, log * 3
    path = tmp_path / "log"
    path.write_bytes(COMPRESS[compress](log))
    reader = rt_fast.map_log(path, rt_fast.LogBatch.numbers, errors="report", jobs=jobs)
    numbers = [n for batch in reader for n in batch]
    expected = _expected(str(path), lines)
    bad = {r.line for r in expected}
    assert numbers == [n for n, line in enumerate(lines, 1) if line.strip() and n not in bad]
    assert reader.rejected == expected
    assert reader.bytes == len(log)
    _, frames = _read(path, jobs=jobs)
    assert frames.rejected == expected


def test_a_blank_line_over_the_limit_is_blank(tmp_path: Path) -> None:
    """A line of JSON whitespace is blank whatever its length, as the decoder has it."""
    lines = [FRAMES[0], b" \t" * LIMIT + b"\r", FRAMES[1]]
    path = tmp_path / "log"
    path.write_bytes(b"\n".join(lines))
    (got, reader), peak = _peak(lambda: _read(path))
    assert peak < BOUND
    assert _same(got, _reference(lines)[0])
    assert (reader.lines, reader.blank, reader.rejected) == (2, 1, [])


def test_a_line_just_within_the_limit_decodes(tmp_path: Path) -> None:
    """A frame of ``max_size`` bytes, its line one more with a CR, is kept and decoded; one
    byte more is rejected."""
    ok, over = _long(LIMIT), _long(LIMIT + 1)
    path = tmp_path / "log"
    path.write_bytes(ok + b"\r\n" + over + b"\r\n" + FRAMES[0] + b"\n")
    got, reader = _read(path)
    assert _same(got, _reference([ok, FRAMES[0]])[0])
    assert reader.rejected == _expected(str(path), [b"", over, b""])


@pytest.mark.parametrize("blank", [False, True])
def test_a_line_over_the_limit_that_came_whole_is_not_copied(tmp_path: Path, blank: bool) -> None:
    """A line a little over the limit, read whole with its newline (within the limit and a
    chunk): judged in the buffer, not copied out of it first."""
    long = b" " * (LIMIT + CHUNK // 2) if blank else _long(LIMIT + CHUNK // 2)
    lines = [long, FRAMES[0]]
    path = tmp_path / "log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    (got, reader), peak = _peak(lambda: _read(path))
    assert peak < BOUND, f"{peak / 2**20:.0f} MiB"
    assert _same(got, _reference(lines)[0])
    assert reader.rejected == _expected(str(path), lines)
    assert reader.blank == blank


def test_a_zstd_bomb_is_decompressed_as_it_is_read(tmp_path: Path) -> None:
    """A few kilobytes of zstd holding a 256 MiB line: never decompressed all at once."""
    path = tmp_path / "bomb.jsonl.zst"
    with open(path, "wb") as file, zstandard.ZstdCompressor(level=19).stream_writer(file) as out:
        out.write(HEAD)
        for _ in range(256):
            out.write(b"A" * 2**20)
        out.write(b'"}\n' + FRAMES[0] + b"\n")
    assert path.stat().st_size < 64 * 1024
    (got, reader), peak = _peak(lambda: _read(path))
    assert peak < BOUND, f"{peak / 2**20:.0f} MiB"
    assert _same(got, _reference([FRAMES[0]])[0])
    assert [(r.line, r.error) for r in reader.rejected] == [
        (1, f"frame of {len(HEAD) + 2**28 + 2} bytes is over the limit of {LIMIT} (max_size)")
    ]


class _Trickle:
    """A stream that gives at most ``step`` bytes a read, as a pipe may."""

    def __init__(self, data: bytes, step: int) -> None:
        self.file, self.step = io.BytesIO(data), step

    def readinto(self, buffer: memoryview) -> int:
        return self.file.readinto(buffer[: self.step])


def _items(chunk: Chunk) -> list[Any]:
    """A chunk's lines, then its line over the limit."""
    text = bytes(chunk.buffer[: chunk.end])
    lines = text.split(b"\n")[: -1 if text.endswith(b"\n") else None] if text else []
    return [*lines, *([chunk.over] if chunk.over else [])]


LINE = st.one_of(
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([b" ", b"\t", b"\r", b"a"]).flatmap(
        lambda c: st.integers(0, 40).map(c.__mul__)
    ),
)


@given(
    st.lists(LINE, max_size=12), st.booleans(), st.integers(1, 16), st.integers(0, 24),
    st.integers(1, 64),
)  # fmt: skip
@settings(max_examples=400, deadline=None)
def test_chunks_give_every_line_and_skip_those_over_the_limit(
    lines: list[bytes], final: bool, size: int, limit: int, step: int
) -> None:
    """Every line, whole, in order; one of more than ``limit + 1`` bytes, as an ``Over`` (its
    head, its size as a frame, its bytes, blank or not) unless it came whole in the buffer
    (``limit + size`` bytes at most), whatever the chunk size and however short the reads."""
    data = b"\n".join(lines) + b"\n" * final
    physical = data.split(b"\n")  # the last, empty or a line without a newline
    physical = physical[:-1] if not physical[-1] else physical
    got, nbytes = [], 0  # a chunk's buffer is valid until the next is asked for
    for chunk in chunks(_Trickle(data, step), size, limit):
        got, nbytes = got + _items(chunk), nbytes + chunk.nbytes
    assert nbytes == len(data)
    assert len(got) == len(physical)
    for number, (line, item) in enumerate(zip(physical, got, strict=True), 1):
        newline = number <= data.count(b"\n")
        frame = len(line) - line.endswith(b"\r")
        over = Over(line[:KEPT], frame, len(line) + newline, not line.strip(b" \t\r"))
        assert item == (over if len(line) > limit + size else line) or (
            item == over and len(line) > limit + 1
        )


# -- processes: the command line, /dev/zero, a Dask worker ------------------------------------

CAP = 2**31  # bytes of address space a command gets: a reader that holds everything fails fast
# rt-fast, capped, writing its peak resident size (VmHWM: of this program, where ru_maxrss
# keeps the forking parent's) to the file named first
RUN = """import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
peak, sys.argv = sys.argv[1], ["rt-fast", *sys.argv[2:]]
try:
    runpy.run_module("rt_fast", run_name="__main__")
finally:
    with open("/proc/self/status") as status, open(peak, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")))
"""


def _kib(line: str) -> int:
    """Bytes of a ``/proc/PID/status`` line: ``VmHWM:     1234 kB``."""
    return int(line.split()[1]) * 1024


def _rchar(pid: int) -> int:
    """The bytes a process has read so far."""
    text = Path(f"/proc/{pid}/io").read_text()
    return int(text.split("rchar:")[1].split()[0])


def _as_at_a_terminal() -> None:
    """Ctrl-C reaches the command as at a terminal: a shell's background job (CI scripts, a
    test run with ``&``) starts with SIGINT ignored, which its children would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run(tmp_path: Path, args: list[str], interrupt_after: int = 0) -> tuple[int, str, int]:
    """``rt-fast ARGS`` in a process of its own, its address space capped (``CAP``): exit
    status, output (stdout and stderr) and peak resident bytes. With ``interrupt_after``, it
    is sent SIGINT (Ctrl-C) once it has read that many bytes."""
    peak = tmp_path / "peak"
    command = [sys.executable, "-c", RUN.format(cap=CAP), str(peak), *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_as_at_a_terminal
    ) as process:
        try:
            deadline = time.monotonic() + 60
            while interrupt_after and process.poll() is None and time.monotonic() < deadline:
                if _rchar(process.pid) >= interrupt_after:
                    process.send_signal(signal.SIGINT)
                    break
                time.sleep(0.01)
            out, _ = process.communicate(timeout=60)
        finally:
            process.kill()  # if it still runs: a failed test
    return process.returncode, out.decode(), _kib(peak.read_text())


def _baseline(tmp_path: Path, command: str) -> int:
    """The peak resident bytes of ``rt-fast COMMAND`` on a small log."""
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"\n".join(FRAMES[:20]) + b"\n")
    status, out, rss = _run(tmp_path, [command, str(small)])
    assert status == 0, out
    return rss


def test_the_command_line_rejects_a_gzip_bomb_in_bounded_memory(tmp_path: Path) -> None:
    """The attacker's log, smaller: a 64 KiB gzip log of one 64 MiB line, rejected by a
    process that grows by less than twice the limit (it held about three times the line)."""
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(_long(LONG) + b"\n", 9))
    base = _baseline(tmp_path, "validate")
    status, out, rss = _run(tmp_path, ["validate", str(path)])
    assert status == 1, out
    assert f"{path}, line 1: frame of {LONG} bytes is over the limit of {LIMIT}" in out
    assert rss - base < 2 * LIMIT, f"{(rss - base) / 2**20:.0f} MiB more"


def test_an_endless_line_is_read_on_until_ctrl_c(tmp_path: Path) -> None:
    """``rt-fast stats /dev/zero``: one line that never ends, so never judged; the command
    reads on in bounded memory until Ctrl-C, which ends it in one line (exit 130)."""
    base = _baseline(tmp_path, "stats")
    status, out, rss = _run(tmp_path, ["stats", "/dev/zero"], interrupt_after=16 * LIMIT)
    assert (status, out) == (130, "rt-fast: interrupted\n")
    assert rss - base < 2 * LIMIT, f"{(rss - base) / 2**20:.0f} MiB more"


def _resident(reset: bool) -> dict[str, int]:
    """This process's resident bytes and their peak (``VmRSS``, ``VmHWM``); ``reset``: the
    peak made the present size first."""
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    with open("/proc/self/status") as status:
        return {line.split(":")[0]: _kib(line) for line in status if line.startswith("Vm")}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A cluster of one worker process."""
    with local_cluster(1) as client:
        yield client


def test_dask_stats_rejects_a_long_line_in_bounded_memory(client: Client, tmp_path: Path) -> None:
    """``rt_fast.dask.stats`` on a gzip log with a long line: the lines the command line
    gives, and the worker that decodes it grows by less than twice the limit (it takes the
    limit and a chunk; it held about four times the 64 MiB line before)."""
    small, path = tmp_path / "small.jsonl", tmp_path / "long.jsonl.gz"
    small.write_bytes(b"\n".join(FRAMES) + b"\n")
    lines, log = _lines("among others", _long(LONG))
    path.write_bytes(gzip.compress(log, 1))
    rt_dask.stats([small], client)  # the worker's decoders and imports, made
    (before,) = client.run(_resident, True).values()
    got = rt_dask.stats([path], client)
    (after,) = client.run(_resident, False).values()
    grown = after["VmHWM"] - before["VmRSS"]
    assert grown < 2 * LIMIT, f"{grown / 2**20:.0f} MiB more"  # ~17 MiB here; before: ~250
    expected = _expected(str(path), lines)
    assert got["rejected"] == len(expected)
    assert [(r["line"], r["error"]) for r in got["first_rejected"]] == [
        (r.line, r.error) for r in expected
    ]
