"""The ``rt-fast`` command line, called as ``main([...])``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from rt_fast._cli import main


def test_stats_on_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """With no LOG, stats decodes the bundled sample and compares with json.loads."""
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "rejected 0" in out and "response.output_audio.delta" in out and "json.loads" in out


def test_stats_json_counts_every_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stats --json counts lines, decoded, rejected (with line numbers) and frames by type."""
    log = tmp_path / "log.jsonl.gz"
    lines = [
        b'{"type":"input_audio_buffer.append","audio":"AAAA"}',
        b'{"type":"brand.new.event","event_id":"e"}',
        b"{not json",
        b'{"type":"input_audio_buffer.commit"}',
    ]
    log.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    assert main(["stats", "--json", str(log)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["lines"], report["decoded"]) == (4, 3)
    assert [r["line"] for r in report["rejected"]] == [3]
    assert report["by_type"] == {
        "input_audio_buffer.append": 1,
        "brand.new.event": 1,
        "input_audio_buffer.commit": 1,
    }


def test_unreadable_log_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A log that cannot be read is a usage error: exit status 2 and a message."""
    assert main(["stats", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
