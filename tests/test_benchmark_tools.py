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


_A, _B = b'{"type":"a"}', b'{"type":"bb","x":[1]}'
_DONE = b'{"type":"response.done","response":{"usage":{"total_tokens":7}}}'


@pytest.mark.skipif(sys.platform == "win32", reason="the two-process loop forks")
@pytest.mark.parametrize(
    "lines",
    [[], [_A], [_A, _B], [_B, _DONE, _A], [_A] * 7 + [_DONE]],
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


def test_the_readme_summary_replaces_only_its_place(tmp_path: Path) -> None:
    """``render --readme`` writes one row a frame set between the marks, and nothing else."""
    from benchmarks.render import MARKS, into_readme, summary

    def bench(group: str, impl: str, median: float) -> dict[str, object]:
        return {"group": group, "extra_info": {"impl": impl}, "stats": {"median": median}}

    results = {"benchmarks": [bench("vad: one", "rt_fast Decoder", 1e-6),
                              bench("vad: one", "orjson.loads", 2e-6),
                              bench("payload: x", "rt_fast.audio_payload", 1e-6)]}  # fmt: skip
    table = summary(results)
    assert table.splitlines()[2].startswith("| vad: one | 1.00 µs | - | - | - | 2.00x |")
    assert "payload" not in table
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{MARKS[0]}\nold\n{MARKS[1]}\n\nafter\n", encoding="utf-8")
    into_readme(readme, table)
    assert readme.read_text(encoding="utf-8") == f"# x\n\n{MARKS[0]}\n{table}{MARKS[1]}\n\nafter\n"


def test_instruction_counts_see_a_python_call(tmp_path: Path) -> None:
    """``benchmarks.instructions`` under callgrind: the same decoder behind one Python call
    counts more instructions a frame than bare, and both count msgspec's work (thousands)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", "--sets", "vad", "--frames", "200",
         "--impls", "msgspec Decoder,msgspec + a Python call"],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    row = next(line for line in done.stdout.splitlines() if line.startswith("| vad |"))
    bare, called = (int(cell.split()[0].replace(",", "")) for cell in row.split("|")[2:4])
    assert 1_000 < bare < called < bare * 1.5


def test_render_writes_the_readme_and_the_performance_page(tmp_path: Path) -> None:
    """``render --readme --page --charts``, as ``tox -e bench`` runs it: the README gets the
    summary, the page the summary and every table, the charts go where asked; text around
    the marks stays."""
    pytest.importorskip(
        "matplotlib",
        reason="charts need the bench extra: tox -e bench-smoke runs this test with it",
    )
    from benchmarks.render import MARKS, TABLE_MARKS

    run = Path(__file__).parent.parent / "benchmarks" / "results" / "results.json"  # the last run
    readme, page = tmp_path / "README.md", tmp_path / "docs" / "performance.md"
    page.parent.mkdir()
    readme.write_text(f"a\n{MARKS[0]}\nold\n{MARKS[1]}\nb\n", encoding="utf-8")
    page.write_text(f"c\n{MARKS[0]}\n{MARKS[1]}\nd\n{TABLE_MARKS[0]}\n{TABLE_MARKS[1]}\ne\n")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.render", str(run), "--out", str(tmp_path / "out"),
         "--readme", str(readme), "--page", str(page), "--charts", str(page.parent / "img")],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    written = page.read_text(encoding="utf-8")
    summary = written.split(MARKS[0])[1].split(MARKS[1])[0]
    assert "| vad: one speech_started event" in summary
    assert summary in readme.read_text(encoding="utf-8")
    assert written.startswith("c\n") and written.endswith("e\n") and "\nd\n" in written
    assert "#### vad: one" in written.split(TABLE_MARKS[0])[1]
    assert (page.parent / "img" / "decode.png").stat().st_size > 0
    assert (tmp_path / "out" / "results.md").exists()


def _whole_process(
    tmp_path: Path, *args: str, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``benchmarks/logs_whole_process.py`` with its temporary folder in ``tmp_path``."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    if pythonpath is not None:
        env["PYTHONPATH"] = f"{pythonpath}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return subprocess.run(
        [sys.executable, "benchmarks/logs_whole_process.py", "--size-mb", "1", "--rounds", "1", *args],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent, env=env,
    )  # fmt: skip


def test_whole_process_says_what_it_needs_before_generating(tmp_path: Path) -> None:
    """Without a peer it runs, the script names the extra and writes no log at all."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "sitecustomize.py").write_text("import sys\nsys.modules['duckdb'] = None\n")
    done = _whole_process(tmp_path, pythonpath=blocked)
    needs = done.stderr.partition("needs ")[2]  # duckdb, and any other peer this Python lacks
    assert done.returncode != 0 and "duckdb" in needs and "pip install -e '.[bench]'" in needs
    assert not list(tmp_path.glob("rt_fast_bench_*"))


def test_whole_process_removes_its_log_when_a_command_fails(tmp_path: Path) -> None:
    """A command that fails (an orjson that cannot be imported, in the loops' processes) ends
    the run, and the generated log goes with it."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "orjson.py").write_text("raise ImportError('a broken orjson')\n")
    done = _whole_process(tmp_path, "--no-peers", pythonpath=broken)
    assert done.returncode != 0 and "a broken orjson" in done.stderr
    assert "generating" in done.stderr and not list(tmp_path.glob("rt_fast_bench_*"))
