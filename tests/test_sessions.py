"""Sessions and turns (``rt_fast._sessions``) and ``rt-fast report``: every metric pinned on
hand-built sessions whose answers are known (records with arrival times, written by
``_record.record_line``), the same frames as a plain log (times unknown), chunk boundaries
anywhere, the bundled sample and the recorded corpus."""

from __future__ import annotations

import base64
import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from rt_fast import _figures, _sessions
from rt_fast._cli import main
from rt_fast._jsonl import map_log_reporting
from rt_fast._prices import load_prices
from rt_fast._record import record_line
from tests.conftest import REAL, require

T0 = 1_765_000_000_000_000  # microseconds since the epoch
MODEL = "gpt-realtime-1.5"
USAGE = {
    "total_tokens": 3500, "input_tokens": 3000, "output_tokens": 500,
    "input_token_details": {"text_tokens": 1000, "audio_tokens": 2000, "image_tokens": 0,
                            "cached_tokens": 500,
                            "cached_tokens_details": {"text_tokens": 500, "audio_tokens": 0}},
    "output_token_details": {"text_tokens": 100, "audio_tokens": 400},
}  # fmt: skip
# gpt-realtime-1.5, per 1M: text 4 (cached 0.4) in, 16 out; audio 32 in, 64 out
RESPONSE_USD = (500 * 4 + 500 * 0.4 + 2000 * 32 + 100 * 16 + 400 * 64) / 1e6
HALF_SECOND = base64.b64encode(bytes(24000)).decode()  # PCM16 at 24 kHz


def _session_created() -> dict[str, Any]:
    sample = resources.files("rt_fast").joinpath("data").joinpath("sample_session.jsonl.gz")
    with gzip.open(str(sample)) as lines:
        frame = json.loads(next(iter(lines)))
    frame["session"]["model"] = MODEL
    return frame


def _response(rid: str, status: str = "completed", usage: Any = None) -> dict[str, Any]:
    return {"object": "realtime.response", "id": rid, "status": status, "status_details": None,
            "output": [], "conversation_id": "conv_1", "output_modalities": ["audio"],
            "usage": usage}  # fmt: skip


def _audio(rid: str, item: str) -> dict[str, Any]:
    return {"type": "response.output_audio.delta", "event_id": "e", "response_id": rid,
            "item_id": item, "output_index": 0, "content_index": 0, "delta": HALF_SECOND}  # fmt: skip


def _speech(kind: str, ms: int) -> dict[str, Any]:
    key = "audio_start_ms" if kind == "started" else "audio_end_ms"
    return {"type": f"input_audio_buffer.speech_{kind}", "event_id": "e", key: ms, "item_id": "u"}


# (ms after T0, direction, frame): three turns, known to the millisecond
SESSION: list[tuple[int, str, dict[str, Any]]] = [
    (0, "server", _session_created()),
    (1000, "server", _speech("started", 1000)),
    (3000, "server", _speech("stopped", 3000)),
    (3100, "server", {"type": "response.created", "event_id": "e", "response": _response("r1")}),
    (
        3250,
        "server",
        {
            "type": "response.output_audio_transcript.delta",
            "event_id": "e",
            "response_id": "r1",
            "item_id": "i1",
            "output_index": 0,
            "content_index": 0,
            "delta": "Hi",
        },
    ),
    (3400, "server", _audio("r1", "i1")),
    (3450, "server", _audio("r1", "i1")),
    (
        3600,
        "server",
        {"type": "response.done", "event_id": "e", "response": _response("r1", usage=USAGE)},
    ),
    # turn 2: interrupted at 7000 ms of the microphone's audio, 0.7 s of its 2 s played
    (5000, "server", _speech("started", 5000)),
    (6000, "server", _speech("stopped", 6000)),
    (6100, "server", {"type": "response.created", "event_id": "e", "response": _response("r2")}),
    *((6300 + 10 * n, "server", _audio("r2", "i2")) for n in range(4)),
    (7000, "server", _speech("started", 7000)),
    (7020, "client", {"type": "response.cancel"}),
    (
        7050,
        "server",
        {"type": "response.done", "event_id": "e", "response": _response("r2", "cancelled", USAGE)},
    ),
    (
        7060,
        "client",
        {
            "type": "conversation.item.truncate",
            "item_id": "i2",
            "content_index": 0,
            "audio_end_ms": 700,
        },
    ),
    (
        7070,
        "server",
        {
            "type": "conversation.item.truncated",
            "event_id": "e",
            "item_id": "i2",
            "content_index": 0,
            "audio_end_ms": 700,
        },
    ),
    # turn 3: a tool that takes 2 s, then the answer
    (8000, "server", _speech("stopped", 8000)),
    (8100, "server", {"type": "response.created", "event_id": "e", "response": _response("r3")}),
    (
        8300,
        "server",
        {
            "type": "response.function_call_arguments.done",
            "event_id": "e",
            "response_id": "r3",
            "item_id": "f",
            "output_index": 0,
            "call_id": "c1",
            "name": "lookup_order",
            "arguments": "{}",
        },
    ),
    (
        8350,
        "server",
        {"type": "response.done", "event_id": "e", "response": _response("r3", usage=USAGE)},
    ),
    (
        10300,
        "client",
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "c1", "output": "{}"},
        },
    ),
    (10310, "client", {"type": "response.create"}),
    (10400, "server", {"type": "response.created", "event_id": "e", "response": _response("r4")}),
    (10600, "server", _audio("r4", "i4")),
    (
        10800,
        "server",
        {"type": "response.done", "event_id": "e", "response": _response("r4", usage=USAGE)},
    ),
    (
        10900,
        "server",
        {
            "type": "error",
            "event_id": "e",
            "error": {"type": "invalid_request_error", "code": "invalid_value", "message": "no"},
        },
    ),
]


def _records(session: str = "s1", frames: Any = SESSION) -> bytes:
    lines = [record_line(T0 + ms * 1000, direction, session, json.dumps(frame).encode())
             for ms, direction, frame in frames]  # fmt: skip
    return b"\n".join(lines) + b"\n"


def _plain(frames: Any = SESSION) -> bytes:
    return b"".join(json.dumps(frame).encode() + b"\n" for _, _, frame in frames)


def _report(tmp_path: Path, data: bytes, *args: str, name: str = "log.jsonl") -> dict[str, Any]:
    log = tmp_path / name
    log.write_bytes(data)
    return _run([str(log), *args])


def _run(argv: list[str]) -> dict[str, Any]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["report", "--json", *argv])
    report = json.loads(out.getvalue())
    assert code == (1 if report["rejected"] else 0)
    return report


def _fold(data: bytes, chunk: int | None = None) -> dict[str, Any]:
    """The report's sessions of ``data``, read whole or cut into traces of ``chunk`` lines."""
    import io

    reader = map_log_reporting(io.BytesIO(data), _sessions.trace, protocol="auto", jobs=1,
                               on_reject=None, numbered=False, whole=True, measure=True)  # fmt: skip
    traces = list(reader)
    if chunk:  # the facts cut anywhere, as pieces of a cluster cut them
        facts = [fact for trace in traces for fact in trace.facts]
        traces = [
            _sessions.Trace(i == 0, facts[i : i + chunk]) for i in range(0, len(facts), chunk)
        ]
    sessions = _sessions.Sessions()
    for trace in traces:
        sessions.add(trace)
    return _figures.summary(sessions, load_prices())


def test_every_metric_of_a_hand_built_session(tmp_path: Path) -> None:
    report = _report(tmp_path, _records())
    assert report["rejected"] == 0 and report["times"] is True
    (session,) = report["sessions"]
    assert (session["session"], session["model"], session["generation"]) == ("s1", MODEL, "ga")
    first, second, third = session["turns"]
    assert first["voice_to_voice_ms"] == 400  # speech stopped at 3000, first audio at 3400
    assert first["first_text_ms"] == 250 and first["response_ms"] == 500
    assert (first["audio_in_s"], first["audio_out_s"]) == (2.0, 1.0)
    assert first["interrupted"] is False and first["audio_lost_s"] is None
    assert second["interrupted"] and second["cancelled"] and second["truncated"]
    assert second["interrupted_at_ms"] == 7000 and second["interruption_seen_ms"] == 7000
    assert second["audio_out_s"] == 2.0 and second["audio_lost_s"] == 1.3  # 0.7 s of 2 played
    assert third["responses"] == 2 and third["voice_to_voice_ms"] == 2600
    (tool,) = third["tools"]
    assert tool == {"name": "lookup_order", "call_id": "c1", "at_ms": 8300, "output_ms": 2000,
                    "next_response_ms": 100, "round_trip_ms": 2100}  # fmt: skip
    assert session["interrupted_turns"] == 1 and session["interruption_rate"] == round(1 / 3, 4)
    assert session["errors"] == {"invalid_value": 1}
    assert session["duration_s"] == 10.9 and session["audio_out_s"] == 3.5
    assert session["tokens"]["audio_in"] == 4 * 2000 and session["tokens"]["text_cached"] == 2000
    assert session["cost_usd"] == round(4 * RESPONSE_USD, 6)
    latency = report["overall"]["latency"]
    assert second["voice_to_voice_ms"] == 300  # 300, 400, 2600: nearest ranks
    assert latency["voice_to_voice_ms"] == {"count": 3, "median": 400, "p90": 2600, "p99": 2600}
    assert latency["tool_round_trip_ms"]["median"] == 2100
    assert report["overall"]["cost_usd"] == session["cost_usd"]


def test_a_plain_log_says_unknown_rather_than_guess(tmp_path: Path) -> None:
    timed, plain = _report(tmp_path, _records()), _report(tmp_path, _plain(), name="plain.jsonl")
    assert plain["times"] is False
    (session,) = plain["sessions"]
    assert session["session"] == "log 1 session 1" and session["duration_s"] is None
    for turn, known in zip(session["turns"], timed["sessions"][0]["turns"], strict=True):
        for key in ("voice_to_voice_ms", "first_text_ms", "response_ms", "interruption_seen_ms"):
            assert turn[key] is None
        for key in ("kind", "audio_in_s", "audio_out_s", "interrupted", "interrupted_at_ms",
                    "audio_lost_s", "cancelled", "truncated", "responses"):  # fmt: skip
            assert turn[key] == known[key]
    assert plain["overall"]["latency"]["voice_to_voice_ms"]["count"] == 0
    assert plain["overall"]["cost_usd"] == timed["overall"]["cost_usd"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_traces_cut_anywhere_give_the_same_report(chunk: int) -> None:
    """Sessions that span chunks (and two sessions interleaved in records) come out exactly."""
    data = _records("a") + _records("b", SESSION[:9]) + _records("a", SESSION[:3])
    assert _fold(data, chunk) == _fold(data)
    plain = _plain() + _plain(SESSION[:9])
    whole = _fold(plain)
    assert _fold(plain, chunk) == whole and whole["overall"]["sessions"] == 2


def test_jobs_and_the_bundled_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rt_fast._jsonl._SPLIT", 60_000)  # sessions cut between workers
    data = (_records("a") + _records("b")) * 10
    one = _report(tmp_path, data)
    two = _report(tmp_path, data, "--jobs", "2")
    for report in (one, two):
        report.pop("seconds"), report.pop("jobs")
    assert one == two and one["overall"]["sessions"] == 2 and one["overall"]["turns"] == 60
    sample = _run([])
    assert (sample["overall"]["sessions"], sample["overall"]["turns"]) == (1, 3)
    assert sample["overall"]["responses"] == 4 and sample["times"] is False
    assert sample["overall"]["cost_usd"] is None  # gpt-realtime has no price in the table
    assert sample["overall"]["unpriced"] == {"gpt-realtime": 4}
    page = tmp_path / "sample.html"
    assert main(["report", "--html", str(page)]) == 0  # a page with no times and no prices
    assert 'data-key="sessions.0.cost_usd">unknown<' in page.read_text()


def test_a_price_file(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps(
            {
                "models": {
                    MODEL: {"text": {"input": 1, "output": 1}, "audio": {"input": 1, "output": 1}}
                }
            }
        )
    )
    report = _report(tmp_path, _records(), "--prices", str(prices))
    assert report["overall"]["cost_usd"] == round(4 * 3500 / 1e6, 6)  # cached at input's rate
    assert report["prices"]["file"] == str(prices)


def test_the_recorded_corpus(tmp_path: Path) -> None:
    corpus = require(REAL / "recorded.jsonl")
    report = _run([str(corpus)])
    overall = report["overall"]
    assert report["decoded"] > 2500 and overall["sessions"] >= 13
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["stats", "--json", str(corpus)])
    stats = json.loads(out.getvalue())
    assert overall["responses"] == stats["responses"]  # every response.done that decodes
    assert overall["sessions"] == stats["sessions"] == 13
    assert overall["turns"] > 30 and overall["interrupted_turns"] > 0
    assert overall["errors"]["response_cancel_not_active"] == 8
    models = {session["model"] for session in report["sessions"]}
    assert {"gpt-realtime-2.1", "gpt-4o-realtime-preview-2024-12-17"} <= models
    assert overall["priced_usd"] > 0 and overall["unpriced"] == {"unknown model": 3}


def test_beta_sessions_have_the_same_turns(tmp_path: Path) -> None:
    """The beta names of output audio and transcripts, and beta's untagged items (a tool's
    output), give the GA session's turns."""
    rename = {
        "response.output_audio.delta": "response.audio.delta",
        "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    }
    frames = []
    for ms, direction, frame in SESSION[1:]:  # beta's session.created has another shape
        frame = dict(frame, type=rename.get(frame["type"], frame["type"]))
        if isinstance(frame.get("response"), dict):
            response = {k: v for k, v in frame["response"].items()
                        if k not in ("output_modalities", "conversation_id")}  # fmt: skip
            frame["response"] = response | {"modalities": ["audio", "text"]}
        frames.append((ms, direction, frame))
    beta = _report(tmp_path, _records("b", frames), "--protocol", "beta")
    ga = _report(tmp_path, _records(), name="ga.jsonl")
    assert beta["rejected"] == 0
    keys = ("voice_to_voice_ms", "first_text_ms", "interrupted", "audio_lost_s", "audio_out_s")
    for turn, known in zip(beta["sessions"][0]["turns"], ga["sessions"][0]["turns"], strict=True):
        assert [turn[k] for k in keys] == [known[k] for k in keys]
        assert [t["round_trip_ms"] for t in turn["tools"]] == [
            t["round_trip_ms"] for t in known["tools"]]  # fmt: skip


def test_live_sessions_are_priced_by_their_billed_seconds(tmp_path: Path) -> None:
    from rt_fast._live_traffic import live_session_frames

    data = b"".join(frame + b"\n" for _, frame in live_session_frames(seed=1))
    report = _report(tmp_path, data)
    (session,) = report["sessions"]
    assert session["generation"] == "live" and session["model"] == "gpt-live-1"
    assert session["live_usage"] == {"seconds": 18.742, "active_seconds": 18, "paused_seconds": 0}
    assert session["cost_usd"] == round(18 * 0.05 / 60, 6)  # the last report, at $0.05 a minute
    assert session["audio_out_s"] > 0 and session["audio_in_s"] > 0


def test_text_from_a_log_is_shown_never_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A session id that is rich markup, HTML and a terminal escape: printed as it is written,
    escaped on the page, never a traceback."""
    name = "[/oops]<script>alert(1)</script>\x1b[31m"
    log, page = tmp_path / "log.jsonl", tmp_path / "page.html"
    log.write_bytes(_records(name))
    assert main(["report", "--html", str(page), str(log)]) == 0
    out = capsys.readouterr().out
    assert "[/oops]" in out and "\x1b" not in out
    assert "<script>" not in page.read_text() and "&lt;script&gt;" in page.read_text()


def test_bad_prices_and_outputs_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(_records())
    tables = {"neg.json": '{"models": {"m": {"text": {"input": -1}}}}', "bad.json": "nope",
              "unknown.json": '{"models": {"m": {"txt": {}}}}'}  # fmt: skip
    for name, content in tables.items():
        (tmp_path / name).write_text(content)
    for argv in (["--prices", str(tmp_path / name)] for name in tables):
        assert main(["report", *argv, str(log)]) == 2
    assert main(["report", "--prices", "/dev/zero", str(log)]) == 2
    assert main(["report", "--html", str(log), str(log)]) == 2  # never over a log read
    assert main(["report", "--html", str(tmp_path / "no" / "page.html"), str(log)]) == 2
    err = capsys.readouterr().err
    assert err.count("rt-fast: ") == 6 and "Traceback" not in err
    assert "not a price table" in err and "refusing to write over a log read" in err
    assert log.read_bytes() == _records()


def test_figures_out_of_bounds_are_held_in_them(tmp_path: Path) -> None:
    """A truncation before the audio's start loses all of it, never more; a usage report of
    1e999 seconds is a rejected line, and the last report that decoded is the session's."""
    cut = {"conversation.item.truncate", "conversation.item.truncated"}
    frames = [
        (ms, d, dict(f, audio_end_ms=-5000) if f["type"] in cut else f) for ms, d, f in SESSION
    ]
    assert (
        _report(tmp_path, _records("n", frames))["sessions"][0]["turns"][1]["audio_lost_s"] == 2.0
    )
    from rt_fast._live_traffic import live_session_frames

    data = b"".join(frame + b"\n" for _, frame in live_session_frames(seed=1))
    data = data.replace(b'"seconds":18.742', b'"seconds":1e999')
    report = _report(tmp_path, data, name="live.jsonl")
    session = report["sessions"][0]
    assert report["rejected"] == 2  # the last update, and session.closed's usage
    assert session["live_usage"] == {"seconds": 13.984, "active_seconds": 13, "paused_seconds": 0}
    assert session["cost_usd"] == round(13 * 0.05 / 60, 6)
