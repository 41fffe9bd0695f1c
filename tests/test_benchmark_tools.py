"""The measuring tools of benchmarks/: what they report must be what happened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.logs_whole_process import LOOP, LOOP_HALVES, _tree_rss

# A process whose child holds 64 MB, written to, so resident; both wait for stdin to close.
_TREE = """
import os, sys
if os.fork() == 0:
    held = bytearray(os.urandom(64 << 20))
    print("ready", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads Linux's /proc")
def test_tree_rss_counts_the_descendants() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _TREE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        pages = int(Path(f"/proc/{process.pid}/statm").read_text().split()[1])
        alone = pages * os.sysconf("SC_PAGE_SIZE")
        assert _tree_rss(process.pid) >= alone + (64 << 20)
    finally:
        process.communicate("")
    assert _tree_rss(process.pid) == 0  # gone: nothing left to count


@pytest.mark.skipif(sys.platform == "win32", reason="the two-process loop forks")
@pytest.mark.parametrize(
    "lines",
    [[], [b"1"], [b"1", b"22"], [b"[1]", b"2", b"333"], [b'{"a": 1}'] * 7 + [b'"tail"']],
)
@pytest.mark.parametrize("end", [b"", b"\n"])
def test_loops_read_every_line_once(tmp_path: Path, lines: list[bytes], end: bytes) -> None:
    """The two-process loop cuts the log in two at a newline: each line is read by one half."""
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + (end if lines else b""))
    for loop in (LOOP, LOOP_HALVES):
        code = loop.format(module="json")
        done = subprocess.run(
            [sys.executable, "-c", code, str(log)], capture_output=True, check=True
        )
        assert int(done.stdout) == len(lines)
