"""The ``rt-fast`` command line, called as ``main([...])``: every command, its output, exit codes."""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import zstandard

from rt_fast import _cli, _codec, _export, _jsonl, _stats
from rt_fast._cli import main
from rt_fast._traffic import session_frames

FRAMES = [frame for _, frame in session_frames(seed=5, turns=3)]


def _frame(type_: str, **fields: Any) -> bytes:
    return json.dumps({"type": type_, **fields}, separators=(",", ":")).encode()


def _audio(pcm_bytes: int) -> str:
    return base64.b64encode(bytes(pcm_bytes)).decode()


def _session(type_: str, session: dict[str, Any], **fields: Any) -> bytes:
    frame = json.loads(next(f for f in FRAMES if f'"{type_}"'.encode() in f[:40]))
    frame["session"].update(session)
    return json.dumps({**frame, **fields}, separators=(",", ":")).encode()


def _done(usage: dict[str, Any]) -> bytes:
    frame = json.loads(next(f for f in FRAMES if b'"response.done"' in f[:30]))
    frame["response"]["usage"] = usage
    return json.dumps(frame, separators=(",", ":")).encode()


PCMU = {"format": {"type": "audio/pcmu"}}
USAGE = {"total_tokens": 10, "input_tokens": 4, "output_tokens": 6,
         "input_token_details": {"text_tokens": 3, "audio_tokens": 1, "cached_tokens": 2},
         "output_token_details": {"text_tokens": 1, "audio_tokens": 5}}  # fmt: skip
DELTA = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}


def _known_log() -> list[bytes]:
    """A log whose audio seconds, tokens and sessions are known."""
    server = {"input": {"format": {"type": "audio/pcm", "rate": 24000}}, "output": PCMU}
    return [
        _session("session.created", {"id": "sess_A", "audio": server}),
        _frame("input_audio_buffer.append", audio=_audio(4800)),  # 0.1 s of PCM16 24 kHz
        _frame("response.output_audio.delta", event_id="e1", **DELTA, delta=_audio(800)),  # pcmu
        _done(USAGE),
        _frame("session.update", session={"type": "realtime", "audio": {"input": PCMU}}),
        _frame("input_audio_buffer.append", audio=_audio(1600)),  # 0.2 s of G.711
        _frame("brand.new.event", event_id="e2"),
        b"{not json",
        _done(USAGE),
        _session("session.created", {"id": "sess_B"}),
    ]


def _write(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    data = b"".join(line + end for line in lines)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.compress(data)
    path.write_bytes(data)
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_stats_on_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """With no LOG, stats decodes the bundled sample and compares with json.loads."""
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "rejected 0" in out and "response.output_audio.delta" in out and "json.loads" in out
    assert "sessions 1" in out


def test_stats_json_counts_every_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stats --json counts lines, decoded, rejected and frames by type, unknown types too."""
    log = _write(tmp_path / "log.jsonl.gz", _known_log())
    assert main(["stats", "--json", str(log)]) == 1
    report = _json(capsys)
    assert (report["lines"], report["decoded"], report["rejected"]) == (10, 9, 1)
    assert [r["line"] for r in report["first_rejected"]] == [8]
    assert report["by_type"] == {
        "session.created": 2, "input_audio_buffer.append": 2, "response.done": 2,
        "response.output_audio.delta": 1, "session.update": 1, "brand.new.event": 1,
    }  # fmt: skip
    assert report["bytes"] == len(gzip.decompress(log.read_bytes()))
    assert sum(report["bytes_by_type"].values()) == report["bytes"] - 10 - len(b"{not json")


def test_stats_audio_tokens_and_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audio seconds follow the announced formats; usage is summed; sessions are counted."""
    log = _write(tmp_path / "log.jsonl", _known_log())
    main(["stats", "--json", str(log)])
    report = _json(capsys)
    assert report["audio_seconds"] == {"client": 0.3, "server": 0.1}
    assert report["usage"]["total_tokens"] == 20 and report["responses"] == 2
    assert report["usage"]["output_token_details.audio_tokens"] == 10
    assert (report["sessions"], report["session_ids"]) == (2, ["sess_A", "sess_B"])


@pytest.mark.parametrize("measure", [True, False])
def test_audio_bytes_exact_on_both_paths(tmp_path: Path, measure: bool) -> None:
    """Audio bytes are exact (padding included) whether stats measures payloads in place (long
    frames, as the command does) or reads them from decoded frames (short ones, or not)."""
    sizes = [24000, 24001, 24002, 3, 4, 5, 0]  # PCM bytes: padding "", "==", "="; short frames
    assert len(_audio(24000)) > _codec._MEASURE_MIN > len(_audio(5))
    appends = [_frame("input_audio_buffer.append", audio=_audio(n)) for n in sizes]
    deltas = [_frame("response.output_audio.delta", event_id="e", **DELTA, delta=_audio(2 * n))
              for n in sizes]  # fmt: skip
    log = _write(tmp_path / "log.jsonl", appends + deltas)
    tallies = _jsonl.map_log_reporting(str(log), _stats.tally, protocol="auto", jobs=1, on_reject=None,
                              numbered=False, whole=False, measure=measure)  # fmt: skip
    audio = _stats.combine(list(tallies)).audio
    assert audio == {("client", None): sum(sizes), ("server", None): 2 * sum(sizes)}


def test_beta_audio_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A beta session's format names (g711_ulaw) set the rate of the audio after them."""
    beta_update = _frame("session.update", session={"input_audio_format": "g711_ulaw"})
    log = _write(tmp_path / "beta.jsonl", [beta_update, _frame("input_audio_buffer.append", audio=_audio(8000))])  # fmt: skip
    main(["stats", "--json", "--protocol", "beta", str(log)])
    assert _json(capsys)["audio_seconds"] == {"client": 1.0, "server": 0.0}


def test_stats_jobs_2_equals_jobs_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """stats --jobs 2 reports what --jobs 1 does, formats carried across task boundaries."""
    monkeypatch.setattr("rt_fast._jsonl._SPLIT", 2000)
    monkeypatch.setattr("rt_fast._jsonl._CHUNK", 700)
    log = _write(tmp_path / "log.jsonl", _known_log() * 3 + FRAMES)
    reports = []
    for jobs in ("1", "2"):
        main(["stats", "--json", "--jobs", jobs, str(log)])
        report = _json(capsys)
        del report["seconds"], report["jobs"]
        reports.append(report)
    assert reports[0] == reports[1]


def test_stats_compare_prints_the_json_loads_timing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stats --compare times rt_fast against json.loads on the log's first lines."""
    log = _write(tmp_path / "log.jsonl.zst", FRAMES)
    assert main(["stats", "--compare", str(log)]) == 0
    out = capsys.readouterr().out
    assert "json.loads" in out and f"{len(FRAMES)} frames" in out


def test_stats_help_names_every_json_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every key stats --json prints, nested ones too, is named in stats --help."""
    log = _write(tmp_path / "log.jsonl", _known_log())
    assert main(["stats", "--json", "--compare", str(log)]) == 1
    report = _json(capsys)
    keys = set(report) | set(report["seconds"]) | set(report["seconds"]["race"])
    keys |= set(report["audio_seconds"]) | {k for r in report["first_rejected"] for k in r}
    assert main(["stats", "--help"]) == 0
    words = set(re.findall(r"[\w.]+", capsys.readouterr().out))
    assert keys - words == set()
    assert {"race", "elapsed", "first_rejected", "jobs", "logs", "excerpt"} <= keys


def test_validate_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate exits 0 when all lines decode, 1 with the rejected lines, 2 when unreadable."""
    good = _write(tmp_path / "good.jsonl", FRAMES[:20])
    bad = _write(tmp_path / "bad.jsonl", [*FRAMES[:3], b"", b"{", b"\xff", FRAMES[3]], b"\r\n")
    assert main(["validate", str(good)]) == 0
    assert "all decoded" in capsys.readouterr().out
    assert main(["validate", "--json", str(bad)]) == 1
    report = _json(capsys)
    assert (report["lines"], report["decoded"]) == (6, 4)
    assert [(r["line"], bool(r["error"])) for r in report["rejected"]] == [(5, True), (6, True)]
    assert main(["validate", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err


def test_the_command_exits_with_mains_status(tmp_path: Path) -> None:
    """``python -m rt_fast`` (as the ``rt-fast`` script) exits with main's status, output whole."""
    bad = _write(tmp_path / "bad.jsonl", [*FRAMES[:3], b"{"])
    command = [sys.executable, "-m", "rt_fast", "validate", "--json", str(bad)]
    done = subprocess.run(command, capture_output=True, check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout)["decoded"] == 3


def test_a_command_starts_without_modules_it_does_not_use(tmp_path: Path) -> None:
    """Every command pays for its imports: stats on a log (one process) imports neither the
    worker pool nor json, dataclasses or shutil (argparse's help measures the terminal itself)."""
    log = _write(tmp_path / "log.jsonl", FRAMES[:3])
    code = (
        "import sys; from rt_fast._cli import main; main(['stats', '--json', sys.argv[1]]); "
        "print(sorted({'rt_fast._pool', 'json', 'dataclasses', 'shutil'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(log)], capture_output=True, check=True)
    assert done.stdout.decode().splitlines()[-1] == "[]"


@pytest.mark.parametrize("columns", ["60", "120", "0", "wide"])
def test_help_is_as_wide_as_the_terminal(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Help is wrapped as argparse's own formatter wraps it (COLUMNS, else the terminal)."""
    monkeypatch.setenv("COLUMNS", columns)
    helps = []
    for formatter in (_cli._Formatter, argparse.HelpFormatter):
        monkeypatch.setattr(_cli, "_Formatter", formatter)
        assert main(["stats", "--help"]) == 0
        helps.append(capsys.readouterr().out)
    assert helps[0] == helps[1]
    width = int(columns) if columns.isdigit() and int(columns) else 80  # shutil's fallback
    assert max(map(len, helps[0].splitlines()[4:])) <= width - 2  # past the usage


def test_filter_writes_the_logged_bytes(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """filter prints the matching lines byte for byte, wildcards allowed, in order."""
    odd = b'{ "type" : "input_audio_buffer.commit" , "event_id":"caf\\u00e9" }'
    lines = [*FRAMES[:30], odd, _frame("brand.new.event"), b"{bad"]
    log = _write(tmp_path / "log.jsonl.gz", lines, b"\r\n")
    assert main(["filter", "-t", "input_audio_buffer.*", "--type", "brand.*", str(log)]) == 1
    captured = capsysbinary.readouterr()
    wanted = [line for line in lines if b"input_audio_buffer." in line[:40] or b"brand." in line]
    assert captured.out == b"".join(line + b"\r\n" for line in wanted)
    assert b"line 33" in captured.err


def test_filter_from_standard_input_to_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """filter reads - (standard input) and writes -o OUT; exit 0 when nothing is rejected."""
    data = b"".join(line + b"\n" for line in FRAMES)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = tmp_path / "done.jsonl"
    assert main(["filter", "-t", "response.done", "-o", str(out), "-"]) == 0
    assert out.read_bytes() == b"".join(f + b"\n" for f in FRAMES if b'"response.done"' in f[:30])


def test_export_parquet_columns(tmp_path: Path) -> None:
    """export writes one row per frame with its line, type, ids, size and usage."""
    log = _write(tmp_path / "log.jsonl", _known_log())
    out = tmp_path / "frames.parquet"
    assert main(["export", "--format", "parquet", "-o", str(out), str(log)]) == 1
    rows = pq.read_table(out).to_pylist()
    assert list(rows[0]) == list(_export.COLUMNS)
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    delta, done, unknown = rows[2], rows[3], rows[6]
    assert (delta["type"], delta["event_id"], delta["response_id"], delta["item_id"]) == (
        "response.output_audio.delta", "e1", "resp_1", "item_1")  # fmt: skip
    assert (done["total_tokens"], done["input_cached_tokens"], done["output_audio_tokens"]) == (10, 2, 5)  # fmt: skip
    assert done["response_id"] is not None and rows[0]["total_tokens"] is None
    assert (unknown["type"], unknown["event_id"]) == ("brand.new.event", "e2")
    assert [r["size"] for r in rows[:2]] == [len(line) for line in _known_log()[:2]]


def test_export_jobs_2_and_several_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """export with --jobs 2 over several logs gives every row, in order."""
    monkeypatch.setattr("rt_fast._jsonl._SPLIT", 5000)
    logs = [_write(tmp_path / name, FRAMES) for name in ("a.jsonl", "b.jsonl.gz")]
    out = tmp_path / "frames.parquet"
    assert main(["export", "-o", str(out), "--jobs", "2", *map(str, logs)]) == 0
    table = pq.read_table(out)
    assert table.column("line").to_pylist() == list(range(1, len(FRAMES) + 1)) * 2
    assert table.column("log").to_pylist() == [str(logs[0])] * len(FRAMES) + [str(logs[1])] * len(
        FRAMES
    )


def test_export_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without pyarrow, export exits 2 naming the extra to install."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    log = _write(tmp_path / "log.jsonl", FRAMES[:2])
    assert main(["export", "-o", str(tmp_path / "x.parquet"), str(log)]) == 2
    assert "rt-fast[parquet]" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["stats", "validate", "filter", "export"])
def test_help_explains_every_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """rt-fast --help lists every command and each command's --help explains it."""
    assert main(["--help"]) == 0
    assert command in capsys.readouterr().out
    assert main([command, "--help"]) == 0
    assert "LOG" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing LOG, an unknown command, a bad option value is a usage error: exit status 2,
    one line that points at --help."""
    for argv in (["validate"], ["filter", "log.jsonl"], ["nope"],
                 ["validate", "--jobs", "-1", "log.jsonl"]):  # fmt: skip
        assert main(argv) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("rt-fast: ") and line.endswith(" --help')")


def test_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal a progress bar is drawn on standard error; piped, nothing is."""
    log = _write(tmp_path / "log.jsonl", FRAMES)
    monkeypatch.setattr(_cli, "_PROGRESS_MIN", 0)
    assert main(["validate", str(log)]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["validate", str(log)]) == 0
    assert "all decoded" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("protocol", "frame"),
    [
        ("ga", _frame("response.audio.delta", event_id="e", **DELTA, delta=_audio(30))),
        ("translation", _done(USAGE)),
        ("beta", _frame("response.output_audio.delta", event_id="e", **DELTA, delta=_audio(3))),
    ],
)
def test_stats_counts_another_generations_frames_as_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], protocol: str, frame: bytes
) -> None:
    """Under a protocol that does not know a frame's type, stats counts it by type, reading no
    audio or usage from it (it is an UnknownEvent there), and exits 0."""
    log = _write(tmp_path / "log.jsonl", [frame, frame])
    assert main(["stats", "--json", "--protocol", protocol, str(log)]) == 0
    report = _json(capsys)
    assert report["decoded"] == 2 and report["usage"] == {} and report["responses"] == 0
    assert report["audio_seconds"] == {"client": 0.0, "server": 0.0}


def test_export_of_a_response_without_usage(tmp_path: Path) -> None:
    """A response.done without usage exports with null usage columns."""
    frame = json.loads(_done(USAGE))
    del frame["response"]["usage"]
    log = _write(tmp_path / "log.jsonl", [json.dumps(frame).encode()])
    out = tmp_path / "frames.parquet"
    assert main(["export", "--format", "parquet", "-o", str(out), str(log)]) == 0
    (row,) = pq.read_table(out).to_pylist()
    assert row["type"] == "response.done" and row["total_tokens"] is None


def test_relay_help_gives_each_limit_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    """rt-fast relay --help shows each limit's value, as the relay applies it, not where to look
    it up; and it needs no websockets to say so."""
    from rt_fast.relay import Limits

    assert main(["relay", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for field, flag in (("sessions", "--max-sessions"), ("idle_seconds", "--idle-timeout"),
                        ("client_frame_bytes", "--max-client-frame")):  # fmt: skip
        assert flag in text and f"(default: {getattr(Limits, field)})" in text
    code = "import sys, rt_fast._cli_ws; sys.exit('websockets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
