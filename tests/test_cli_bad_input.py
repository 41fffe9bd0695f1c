"""What ``rt-fast`` does with bad input (issue 27): one line on standard error (``rt-fast: ...``),
exit status 2 and no traceback, for every command; an output that is an input refused; a
failed or interrupted command leaving every file as it was; a usage count Parquet cannot hold
named by line and field. Gateways run as real processes, on 127.0.0.1, bounded in time."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from rt_fast._cli import main
from rt_fast._traffic import session_frames

FRAMES = [frame for _, frame in session_frames(seed=5, turns=3)]
LOG = b"".join(frame + b"\n" for frame in FRAMES)
GOLDEN = Path(__file__).parent / "data" / "golden"


def _failed(capsys: pytest.CaptureFixture[str], status: int) -> str:
    """The one line a command that failed printed, having checked its exit status."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("rt-fast: "), (status, err)
    return lines[0]


def _files(folder: Path) -> dict[str, bytes | None]:
    """Every name in a folder, with a file's bytes (through a link): what must not change."""
    return {p.name: p.read_bytes() if p.is_file() else None for p in folder.iterdir()}


def _usage_done(path: tuple[str, ...], value: int) -> bytes:
    """A response.done whose usage holds ``value`` at ``path``."""
    frame = json.loads(next(f for f in FRAMES if b'"response.done"' in f[:30]))
    usage = {"total_tokens": 1, "input_tokens": 1, "output_tokens": 0,
             "input_token_details": {"cached_tokens": 0}}  # fmt: skip
    holder = usage
    for key in path[:-1]:
        holder = holder[key]  # type: ignore[assignment]
    holder[path[-1]] = value
    frame["response"]["usage"] = usage
    return json.dumps(frame).encode()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "a.jsonl"
    path.write_bytes(LOG)
    return path


CUT = gzip.compress(LOG * 2, compresslevel=1)[: len(LOG) // 8]  # decodes a while, then ends


@pytest.fixture
def truncated(tmp_path: Path) -> Path:
    """A gzip log cut in the middle: its first lines decode, then it ends."""
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(CUT)
    return path


# -- item 1: an output is never an input, and never written over before it is whole ------------


@pytest.mark.parametrize("command", ["filter", "export"])
@pytest.mark.parametrize("alias", ["a.jsonl", "./a.jsonl", "symlink.jsonl", "hardlink.jsonl"])
def test_an_output_that_is_an_input_is_refused(
    tmp_path: Path, log: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], command: str, alias: str,
) -> None:  # fmt: skip
    """-o naming a LOG, by its name or another (./, a symbolic or a hard link), is refused
    before anything is written: the log keeps its bytes, and no file is added."""
    (tmp_path / "symlink.jsonl").symlink_to("a.jsonl")
    os.link(log, tmp_path / "hardlink.jsonl")
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    select = ["-t", "response.*"] if command == "filter" else []
    line = _failed(capsys, main([command, *select, "-o", alias, "a.jsonl"]))
    assert f"{alias} is the input a.jsonl" in line
    assert _files(tmp_path) == before


def test_standard_input_or_output_that_is_the_output_or_an_input_is_refused(
    tmp_path: Path, log: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """``filter -o a.jsonl - < a.jsonl`` and ``filter a.jsonl >> a.jsonl`` are refused too
    (the second would read what it appends, without end)."""
    with log.open("rb") as stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
        line = _failed(capsys, main(["filter", "-t", "*", "-o", str(log), "-"]))
    assert f"{log} is the input -" in line
    with log.open("ab") as appended:
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(appended))
        line = _failed(capsys, main(["filter", "-t", "*", str(log)]))
    assert f"standard output is the input {log}" in line
    assert log.read_bytes() == LOG


def test_a_terminal_that_is_standard_input_and_output_is_not_refused(
    log: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Standard input and output may be one file that is not a regular one (a terminal, here
    /dev/null): only a file's content can be lost."""
    with open(os.devnull, "rb") as stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
        assert main(["filter", "-t", "*", "-", "-o", os.devnull]) == 0
    assert main(["filter", "-t", "session.created", str(log)]) == 0
    assert capsysbinary.readouterr().out == FRAMES[0] + b"\n"


@pytest.mark.parametrize("out", ["{log}", "{folder}", "{folder}/..", "memory://bucket/day1"])
def test_a_dataset_that_is_or_holds_an_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    """export --scheduler writes a folder (or URL) of files: one that is a LOG, or holds one,
    is refused before any cluster is asked (none is reached here)."""
    folder = tmp_path / "logs"
    folder.mkdir()
    log = folder / "a.jsonl"
    log.write_bytes(LOG)
    target = out.format(log=log, folder=folder)
    logs = [str(log), "memory://bucket/day1/a.jsonl"]
    line = _failed(capsys, main(["export", "--scheduler", "local", "-o", target, *logs]))
    assert "the input" in line and "refusing to write over a log read" in line
    assert _files(folder) == {"a.jsonl": LOG}


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "-o", "{target}", "{missing}"],
        ["export", "-o", "{target}", "{log}", "{missing}"],
        ["export", "-o", "{target}", "{truncated}"],
        ["filter", "-t", "*", "-o", "{target}", "{truncated}"],
        ["filter", "-t", "*", "-o", "{target}", "--jobs", "2", "{log}", "{truncated}"],
        ["export", "-o", "{target}", "{log}", "{folder}"],
    ],
    ids=[
        "missing log",
        "missing second log",
        "cut gzip",
        "filter cut gzip",
        "filter jobs 2",
        "a folder as log",
    ],
)
def test_a_failed_command_leaves_every_file_as_it_was(
    tmp_path: Path, log: Path, truncated: Path, capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:  # fmt: skip
    """A command that fails midway (a log missing, cut short, or a folder) leaves its target
    as it was and no temporary file behind: ``export -o frames.parquet missing.jsonl`` does not
    empty frames.parquet."""
    target = tmp_path / "frames.parquet"
    target.write_bytes(b"the old export")
    (tmp_path / "folder").mkdir()
    paths = {"target": target, "missing": tmp_path / "missing.jsonl", "log": log,
             "truncated": truncated, "folder": tmp_path / "folder"}  # fmt: skip
    before = _files(tmp_path)
    _failed(capsys, main([arg.format(**paths) for arg in argv]))
    assert _files(tmp_path) == before


def _as_at_a_terminal() -> None:
    """Ctrl-C reaches the command as at a terminal: a shell's background job (CI scripts, a
    test run with ``&``) starts with SIGINT ignored, which its children would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_midway_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    """A real SIGINT while filter waits for more of standard input, its output half written:
    exit status 130, one line, the target as it was, no temporary file left."""
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    command = [sys.executable, "-m", "rt_fast", "filter", "-t", "*", "-o", str(target), "-"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_as_at_a_terminal
    ) as process:
        assert process.stdin is not None and process.stderr is not None
        process.stdin.write(LOG)  # more than a chunk: some is decoded and written
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size for p in tmp_path.glob(".out.jsonl.*.tmp")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.01)
        # Ctrl-C, again every half second as a user would: a SIGINT landing between two reads
        # of a blocking standard input is only noted until the next one interrupts the read.
        for _ in range(60):
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.5)
                break
        assert process.wait(1) == 130
        assert process.stderr.read() == b"rt-fast: interrupted\n"
    assert _files(tmp_path) == {"out.jsonl": b"old\n"}


def test_an_output_is_replaced_whole_through_its_link_with_its_mode(
    tmp_path: Path, log: Path
) -> None:
    """Written to a symbolic link, the file linked to gets the output and keeps its
    permissions; the link stays; nothing else is left in the folder."""
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"old\n")
    real.chmod(0o640)
    (tmp_path / "link.jsonl").symlink_to(real)
    assert (
        main(["filter", "-t", "response.done", "-o", str(tmp_path / "link.jsonl"), str(log)]) == 0
    )
    done = b"".join(f + b"\n" for f in FRAMES if b'"response.done"' in f[:30])
    assert (tmp_path / "link.jsonl").is_symlink() and real.read_bytes() == done
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(_files(tmp_path)) == ["a.jsonl", "link.jsonl", "real.jsonl"]


@pytest.mark.parametrize("command", ["filter", "export"])
def test_a_device_is_written_in_place(
    log: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A device is written, never replaced: /dev/null takes the output and stays a device;
    /dev/full (a full disk) is one line naming it."""
    select = ["-t", "*"] if command == "filter" else []
    assert main([command, *select, "-o", os.devnull, str(log)]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    line = _failed(capsys, main([command, *select, "-o", "/dev/full", str(log)]))
    assert line == "rt-fast: /dev/full: No space left on device"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


# -- item 19: a usage count Parquet's int64 cannot hold ----------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "column"),
    [
        (("total_tokens",), 2**64 - 1, "total_tokens"),
        (("input_token_details", "cached_tokens"), 2**63, "input_cached_tokens"),
    ],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_usage_count_past_int64_is_refused_by_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    path: tuple[str, ...], value: int, column: str, jobs: str,
) -> None:  # fmt: skip
    """validate accepts a count up to 2**64 - 1 (a JSON integer msgspec reads); export, whose
    columns are int64, names its line and field and exits 2, the target untouched."""
    log = tmp_path / "big.jsonl"
    log.write_bytes(b"".join(f + b"\n" for f in [*FRAMES[:2], _usage_done(path, value)]))
    assert main(["validate", str(log)]) == 0
    target = tmp_path / "frames.parquet"
    target.write_bytes(b"the old export")
    capsys.readouterr()
    line = _failed(capsys, main(["export", "--jobs", jobs, "-o", str(target), str(log)]))
    at = "$.response.usage." + ".".join(path)
    assert line == (f"rt-fast: {log}, line 3: {value} does not fit column {column} (a 64-bit "
                    f"signed integer) - at `{at}`")  # fmt: skip
    assert target.read_bytes() == b"the old export"


def test_the_widest_usage_counts_int64_holds_are_exported_exactly(tmp_path: Path) -> None:
    log = tmp_path / "wide.jsonl"
    frames = [_usage_done(("total_tokens",), 2**63 - 1), _usage_done(("total_tokens",), -(2**63))]
    log.write_bytes(b"".join(f + b"\n" for f in frames))
    assert main(["export", "-o", str(tmp_path / "out.parquet"), str(log)]) == 0
    rows = pq.read_table(tmp_path / "out.parquet").column("total_tokens").to_pylist()
    assert rows == [2**63 - 1, -(2**63)]


# -- item 20: every command, bad arguments: one line, exit 2, no traceback ---------------------

UPSTREAM = "ws://127.0.0.1:9/v1/realtime"  # never dialled: no client connects

BAD_ARGUMENTS = [
    ["stats", "--jobs", "many", "{log}"],
    ["stats", "--protocol", "gamma", "{log}"],
    ["stats", "{missing}"],
    ["stats", "{truncated}"],
    ["validate"],
    ["validate", "{folder}"],
    ["validate", "--jobs", "2", "{truncated}"],
    ["filter", "{log}"],
    ["filter", "-t", "*", "-o", "{folder}", "{log}"],
    ["filter", "-t", "*", "-o", "{missing}/out.jsonl", "{log}"],
    ["export", "-o", "foo://x.parquet", "{log}"],
    ["export", "--format", "csv", "-o", "{target}", "{log}"],
    ["export", "-o", "{target}", "{folder}"],
    ["bench", "--budget", "nan"],
    ["bench", "--budget", "-1"],
    ["bench", "--budget", "soon"],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=" ".join)
def test_bad_arguments_to_every_command_are_one_line(
    tmp_path: Path, log: Path, truncated: Path, capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:  # fmt: skip
    """A usage error, a log that cannot be read, a target that cannot be written: one line,
    exit status 2, whatever the command."""
    (tmp_path / "folder").mkdir()
    paths = {"log": log, "missing": tmp_path / "missing", "truncated": truncated,
             "folder": tmp_path / "folder", "target": tmp_path / "out.parquet"}  # fmt: skip
    before = _files(tmp_path)
    _failed(capsys, main([arg.format(**paths) for arg in argv]))
    assert _files(tmp_path) == before


def test_every_command_is_driven_with_bad_arguments() -> None:
    commands = {argv[0] for argv in BAD_ARGUMENTS} | {argv[0] for argv, _ in GATEWAY_FAILURES}
    assert commands == {"stats", "validate", "filter", "export", "bench", "serve", "relay"}


def test_a_usage_error_is_one_line_that_points_at_help(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's usage is left to --help: the error is one line, as every other."""
    assert main(["validate", "--jobs", "many", "a.jsonl"]) == 2
    assert capsys.readouterr().err == (
        "rt-fast: argument -j/--jobs: 'many': N is 0 (one process per core) or more "
        "(see 'rt-fast validate --help')\n"
    )


def _beta_session() -> bytes:
    records = map(json.loads, (GOLDEN / "beta.jsonl").read_text().splitlines())
    created = next(r["frame"] for r in records if r["name"] == "session.created")
    return json.dumps(created).encode() + b"\n" + b"".join(f + b"\n" for f in FRAMES[1:])


GATEWAY_LOGS = {
    "bad.jsonl": FRAMES[0] + b"\n{bad line\n",
    "no_session.jsonl": b"".join(f + b"\n" for f in FRAMES[1:]),
    "beta.jsonl": _beta_session(),
}
GATEWAY_FAILURES: list[tuple[list[str], str]] = [
    (["serve", "--port", "99999"], "argument --port: '99999': PORT is 0 (any free) to 65535"),
    (["serve", "--port", "-1"], "argument --port: '-1': PORT is 0 (any free) to 65535"),
    (["serve", "--pace", "slow"], "argument --pace: invalid choice: 'slow'"),
    (["relay"], "the following arguments are required: --upstream"),
    (["relay", "--upstream", "http://127.0.0.1/v1/realtime"], "is not a ws:// or wss:// URL"),
    (["relay", "--upstream", "ws://127.0.0.1:99999/"], "is not a ws:// or wss:// URL"),
    (["relay", "--upstream", UPSTREAM, "--port", "70000"], "PORT is 0 (any free) to 65535"),
    (["serve", "--replay", "bad.jsonl"], "bad.jsonl, line 2: "),
    (["serve", "--replay", "no_session.jsonl"], "no_session.jsonl"),
    (["serve", "--replay", "beta.jsonl"], "beta.jsonl"),
    (["serve", "--replay", "missing.jsonl"], "missing.jsonl: No such file or directory"),
    (["serve", "--host", "not..valid"], "serve cannot listen on not..valid port 0: "),
    (["serve", "--port", "{taken}"], "serve cannot listen on 127.0.0.1 port {taken}: "),
    (["relay", "--upstream", UPSTREAM, "--host", "not..valid"], "relay cannot listen on "),
    (["relay", "--upstream", UPSTREAM, "--port", "{taken}"], "relay cannot listen on "),
    (["relay", "--upstream", UPSTREAM, "--record", "missing/x.jsonl"], "missing/x.jsonl: "),
]


@contextmanager
def _taken_port() -> Iterator[int]:
    """A port of 127.0.0.1 another socket listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize(
    ("argv", "says"), GATEWAY_FAILURES, ids=[" ".join(argv) for argv, _ in GATEWAY_FAILURES]
)
def test_a_gateway_that_cannot_start_says_why_in_one_line(
    tmp_path: Path, argv: list[str], says: str
) -> None:
    """serve and relay, as real processes (port 0 unless one is taken on purpose, killed
    after 15 s): bad arguments, a recording that cannot be played, an address that cannot be
    listened on, a record that cannot be opened are one line and exit status 2."""
    for name, data in GATEWAY_LOGS.items():
        (tmp_path / name).write_bytes(data)
    with _taken_port() as taken:
        args = [arg.format(taken=taken) for arg in argv]
        port = [] if "--port" in args else ["--port", "0"]
        command = [sys.executable, "-m", "rt_fast", *args, *port]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=15)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rt-fast: "), done.stderr
    assert says.format(taken=taken) in lines[0]


# -- what a user sees for logs that cannot be read and targets that cannot be written ----------


@pytest.fixture
def open_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder any user may enter and write in (as root, in the system's temporary folder:
    pytest's own are root's alone), for files that only permissions keep from a user."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


@contextmanager
def _as_a_user() -> Iterator[None]:
    """File permissions as a user meets them: for root, whom they do not stop, the block runs
    with the effective user id of ``nobody``."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def _argv(command: str, out: Path) -> list[str]:
    """A command that reads a log (and writes ``out``, if it writes)."""
    select = ["-t", "*"] if command == "filter" else []
    return [command, *select, *(["-o", str(out)] if command in ("filter", "export") else [])]


@pytest.mark.parametrize("command", ["stats", "validate", "filter", "export"])
def test_a_log_without_read_permission(
    open_folder: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    log, out = open_folder / "a.jsonl", open_folder / "out"
    log.write_bytes(LOG)
    assert main([*_argv(command, out), str(log)]) == 0  # as root: the modules it needs loaded
    out.unlink(missing_ok=True)
    capsys.readouterr()
    log.chmod(0)
    with _as_a_user():
        status = main([*_argv(command, out), str(log)])
    assert _failed(capsys, status) == f"rt-fast: {log}: Permission denied"
    assert sorted(p.name for p in open_folder.iterdir()) == ["a.jsonl"]


@pytest.mark.parametrize("command", ["filter", "export"])
@pytest.mark.parametrize("readonly", ["folder", "file"])
def test_a_target_the_user_may_not_write(
    open_folder: Path, capsys: pytest.CaptureFixture[str], command: str, readonly: str
) -> None:
    """A target in a folder that takes no new file, or a file the user may not write (which a
    rename could replace all the same), is refused; the target keeps its bytes."""
    log, folder = open_folder / "a.jsonl", open_folder / "target"
    log.write_bytes(LOG)
    folder.mkdir()
    folder.chmod(0o777)
    out = folder / "out"
    assert main([*_argv(command, out), str(log)]) == 0  # as root: the modules it needs loaded
    out.write_bytes(b"old")
    (folder if readonly == "folder" else out).chmod(0o555 if readonly == "folder" else 0o444)
    capsys.readouterr()
    try:
        with _as_a_user():
            status = main([*_argv(command, out), str(log)])
    finally:
        folder.chmod(0o755)
    assert _failed(capsys, status) == f"rt-fast: {out}: Permission denied"
    assert _files(folder) == {"out": b"old"}


def test_a_log_cannot_forge_report_lines_or_move_the_cursor(tmp_path: Path, capsys: Any) -> None:
    """Types, excerpts and names from a log are shown with their control characters escaped
    in the text reports (JSON output escapes them as JSON does)."""
    log = tmp_path / "inject.jsonl"
    log.write_bytes(b'{"type":"x\\ndecoded 999, rejected 0\\u001b[31m"}\n\x1b[2Jgarbage\n')
    for command in (["stats"], ["validate"]):
        main([*command, str(log)])
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and "\ndecoded 999" not in out
        assert "\\x1b" in out


_PEAK = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
print(status, file=sys.stderr)
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_validate_of_many_bad_lines_holds_bounded_memory(tmp_path: Path, jobs: str) -> None:
    """Every bad line is counted, listed as found (the first ``KEPT`` of a worker's task), and
    nothing holds them all: 800,000 two-byte bad lines in under 200 MB (it took 360 MB)."""
    log = tmp_path / "bad.jsonl"
    log.write_bytes(b"x\n" * 800_000)
    command = [sys.executable, "-c", _PEAK, sys.executable, "-m", "rt_fast", "validate",
               "--jobs", jobs, str(log)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    peak, status = map(int, done.stderr.split()[-2:])
    assert status == 1 and peak < 200_000  # KB, the largest process
