"""``rt-fast bench`` (``rt_fast._bench``): checked, interleaved timing with a tiny budget."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from rt_fast import _bench, _cli

SETS = ["small frames", "audio frames", "session/response objects", "whole stream",
        "JSONL log (bulk)"]  # fmt: skip


def _parse(argv: list[str]) -> argparse.Namespace:
    return _cli._parser().parse_args(argv)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return _bench.run(budget=0.05, progress=False, turns=1)


def test_every_set_has_rt_fast_and_json(report: dict[str, Any]) -> None:
    """Every frame set is timed for rt_fast (ratio 1) and json.loads, with MB/s."""
    assert list(report["sets"]) == SETS
    for fs in report["sets"].values():
        rows = fs["results"]
        assert rows["rt_fast"]["relative"] == 1.0
        assert rows["json.loads"]["median_s"] > 0 and rows["json.loads"]["mb_per_s"] > 0
        assert min(row["rounds"] for row in rows.values()) >= 3
        assert fs["incorrect"] == []


def test_missing_peer_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer that is not installed is skipped, and the report says why."""

    def missing() -> Any:
        raise ImportError("No module named 'nothere'", name="nothere")

    monkeypatch.setitem(_bench._IMPLS, "nothere", ("dicts", missing))
    result = _bench.run(budget=0.01, progress=False, turns=1)
    assert result["skipped"]["nothere"] == "not installed (nothere)"
    assert all("nothere" not in fs["results"] for fs in result["sets"].values())


def test_wrong_output_gets_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """An implementation whose output differs from json.loads is listed, not timed."""

    def lossy() -> Any:
        def one(frame: bytes) -> Any:
            return {k: v for k, v in json.loads(frame).items() if k != "event_id"}

        return _bench._Impl(one, lambda log: [one(x) for x in log.splitlines()], lambda o: o)

    monkeypatch.setitem(_bench._IMPLS, "lossy", ("dicts", lossy))
    result = _bench.run(budget=0.01, progress=False, turns=1)
    for fs in result["sets"].values():
        assert "lossy" in fs["incorrect"] and "lossy" not in fs["results"]


def test_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``bench --json`` prints the report as JSON on stdout, no progress on a non-terminal."""
    args = _parse(["bench", "--json", "--budget", "0.01"])
    assert args.run(args) == 0
    captured = capsys.readouterr()
    assert list(json.loads(captured.out)["sets"]) == SETS
    assert captured.err == ""


def test_command_prints_tables(capsys: pytest.CaptureFixture[str]) -> None:
    """``bench`` prints one table per frame set with the ratio to rt_fast."""
    args = _parse(["bench", "--budget", "0.01"])
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert all(f"{name}:" in out for name in SETS)
    assert "vs rt_fast" in out and "json.loads" in out


def test_progress_goes_to_stderr_when_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    """The progress line is written to stderr and cleared at the end."""
    _bench.run(budget=0.01, progress=True, turns=1)
    err = capsys.readouterr().err
    assert "rt-fast bench: round" in err and err.endswith("\r")
