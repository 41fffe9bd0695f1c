"""What ``rt-fast`` does with bad input (issue 27): one line on standard error (``rt-fast: ...``),
exit status 2 and no traceback, for every command; an output that is an input refused; a
failed or interrupted command leaving every file as it was; a usage count Parquet cannot hold
named by line and field. Gateways run as real processes, on 127.0.0.1, bounded in time."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    ["export", "--format", "csv", "-o", "{target}", "{log}"],
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
