"""What the command says about itself: its version, what an export wrote, what bench does."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import rt_fast
from rt_fast._cli import main
from rt_fast._traffic import session_frames


def test_version_is_the_package_s_in_one_place(capsys: pytest.CaptureFixture[str]) -> None:
    """``rt-fast --version``, ``rt_fast.__version__`` and the installed metadata agree."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"rt-fast {rt_fast.__version__}\n"
    assert rt_fast.__version__ == version("rt-fast") == "0.2.0"


def test_the_installed_command_prints_its_version() -> None:
    """The console script, as a shell runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "rt_fast", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout == f"rt-fast {rt_fast.__version__}\n"


def test_export_says_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A silent success read as nothing done: export names the rows and the file it wrote."""
    frames = [frame for _, frame in session_frames(seed=3, turns=1)]
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(frames) + b"\n{bad\n")
    out = tmp_path / "frames.parquet"
    assert main(["export", "-o", str(out), str(log)]) == 1
    said = capsys.readouterr().out
    rows = pq.read_metadata(out).num_rows
    assert rows == len(frames)
    assert said == f"wrote {rows:,} rows to {out} (1 rejected)\n"


def test_bench_help_describes_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """``rt-fast bench --help`` says what it compares, and that it checks before timing."""
    assert main(["bench", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "check that every decoder compared" in text and "Writes no file." in text
