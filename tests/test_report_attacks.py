"""``rt-fast report`` under hostile and merely large logs: memory that grows only modestly with
sessions and turns (a process's peak resident size, ``VmHWM``), ``--json`` written a session
and a turn at a time yet byte for byte what formatting the whole report gives, plain sessions
that reuse response ids within one chunk, and a page whose size is bounded and whose text from
logs is escaped."""

from __future__ import annotations

import base64
import html.parser
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec

from rt_fast._record import record_line
from rt_fast._report import TURNS_DRAWN, json_text
from tests.test_log_bounds import CAP, RUN, _kib
from tests.test_sessions import SESSION, T0, _fold, _plain, _records, _report, _response

CREATED = {"type": "session.created", "event_id": "e",
           "session": {"type": "realtime", "id": "sess", "model": "gpt-realtime"}}  # fmt: skip
EVIL = "</script><svg onload=alert(1)><img src=x onerror=alert(2)>&amp;"


def _peak(tmp_path: Path, log: Path, *args: str) -> tuple[int, bytes]:
    """``rt-fast report ARGS LOG`` in a process of its own: peak resident bytes and output."""
    peak = tmp_path / "peak"
    command = [sys.executable, "-c", RUN.format(cap=CAP), str(peak), "report", *args, str(log)]
    done = subprocess.run(command, capture_output=True, timeout=120, check=True)
    return _kib(peak.read_text()), done.stdout


def _sessions_log(path: Path, count: int) -> Path:
    """A fleet's log: ``count`` sessions of one frame each (a plain log)."""
    lines = []
    for n in range(count):
        CREATED["session"]["id"] = f"sess_{n}"  # type: ignore[index]
        lines.append(json.dumps(CREATED, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    return path


def _turns_log(path: Path, count: int) -> Path:
    """One session of ``count`` turns (the user starts speaking, again and again)."""
    lines = [json.dumps(CREATED)]
    lines += [json.dumps({"type": "input_audio_buffer.speech_started", "event_id": "e",
                          "audio_start_ms": n, "item_id": "u"}) for n in range(count)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_memory_grows_modestly_with_sessions_and_turns(tmp_path: Path) -> None:
    """Well under 1 KiB a session or a turn, --json included (it once took 5 KiB a session:
    200,000 one-frame sessions, 1 GB)."""
    small, _ = _peak(tmp_path, _sessions_log(tmp_path / "small.jsonl", 1000), "--json")
    many = 41_000
    big, out = _peak(tmp_path, _sessions_log(tmp_path / "big.jsonl", many), "--json")
    assert json.loads(out)["overall"]["sessions"] == many
    assert (big - small) / (many - 1000) < 1024, f"{(big - small) / (many - 1000):.0f} B a session"
    turns, out = _peak(tmp_path, _turns_log(tmp_path / "turns.jsonl", 40_000), "--json")
    assert json.loads(out)["sessions"][0]["turn_count"] == 40_000
    assert (turns - small) / 40_000 < 1024, f"{(turns - small) / 40_000:.0f} B a turn"


def test_json_is_written_piecewise_as_formatting_it_whole_would(tmp_path: Path) -> None:
    report = _fold(_records("a") + _records("b", SESSION[:9]) + _records("a", SESSION[:3]))
    report["sessions"] = [{**s, "turns": list(s["turns"])} for s in report["sessions"]]
    whole = msgspec.json.format(msgspec.json.encode(report), indent=2).decode()
    assert "".join(json_text(report)) == whole
    for empty in ({**report, "sessions": []}, {**report, "sessions": [{"turns": [], "x": 1}]}):
        whole = msgspec.json.format(msgspec.json.encode(empty), indent=2).decode()
        assert "".join(json_text(empty)) == whole


def test_plain_sessions_reusing_response_ids_in_one_chunk() -> None:
    """Each plain session's responses are r1, r2, r3, as the last's were: a chunk holding
    several gave one session's output audio to the one before (and --jobs 2 disagreed)."""
    short = base64.b64encode(bytes(4800)).decode()  # 0.1 s: the sessions share a chunk
    frames = [(ms, direction, {**frame, "delta": short} if "delta" in frame else frame)
              for ms, direction, frame in SESSION]  # fmt: skip
    plain = _fold(_plain(frames) * 3)
    timed = _fold(_records("a", frames) + _records("b", frames) + _records("c", frames))
    assert [s["audio_out_s"] for s in plain["sessions"]] == [0.7, 0.7, 0.7]
    for ours, known in zip(plain["sessions"], timed["sessions"], strict=True):
        assert [t["audio_out_s"] for t in ours["turns"]] == [
            t["audio_out_s"] for t in known["turns"]
        ]
        assert ours["audio_lost_s"] == known["audio_lost_s"]


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def _hostile(turns: int) -> bytes:
    """Two sessions whose ids, model, error codes and tool names are markup, of ``turns``
    turns each, every one with a tool call."""
    created: Any = json.loads(json.dumps(CREATED))
    created["session"].update(model="gpt-realtime-" + EVIL, id="sess_" + EVIL)
    lines, t = [], T0

    def add(session: str, frame: dict[str, Any]) -> None:
        nonlocal t
        t += 1000
        lines.append(record_line(t, "server", session, json.dumps(frame).encode()))

    for k in range(2):
        session = f"s{k}{EVIL}"
        add(session, created)
        add(session, {"type": "error", "event_id": "e", "error": {
            "type": "invalid_request_error", "code": EVIL, "message": EVIL}})  # fmt: skip
        for i in range(turns):
            response: dict[str, Any] = {"object": "realtime.response", "id": f"r{i}", "status": "completed",
                        "output": [], "usage": None}  # fmt: skip
            add(session, {"type": "input_audio_buffer.speech_started", "event_id": "e",
                          "audio_start_ms": i * 1000, "item_id": "u"})  # fmt: skip
            add(session, {"type": "response.created", "event_id": "e", "response": response})
            add(session, {"type": "response.function_call_arguments.done", "event_id": "e",
                          "response_id": f"r{i}", "item_id": "f", "output_index": 0,
                          "call_id": f"c{i}", "name": EVIL * 100, "arguments": "{}"})  # fmt: skip
            add(session, {"type": "response.done", "event_id": "e", "response": response})
    return b"\n".join(lines) + b"\n"


def test_the_page_escapes_logs_and_stays_small(tmp_path: Path) -> None:
    sizes = []
    for turns in (TURNS_DRAWN, 10 * TURNS_DRAWN):
        page = tmp_path / f"{turns}.html"
        report = _report(tmp_path, _hostile(turns), "--html", str(page))
        assert report["overall"]["turns"] == 2 * turns and report["overall"]["errors"] == {EVIL: 2}
        text = page.read_text()
        elements = _Elements()
        elements.feed(text)
        assert not elements.tags & {"script", "img", "iframe"}, elements.tags
        assert not {name for name in elements.attributes if name.startswith("on")}
        sizes.append(len(text))
    assert sizes[1] < sizes[0] * 1.05, sizes  # ten times the turns: the same page, and a note
    assert sizes[1] < 600_000


def test_a_beta_tool_call_without_its_name(tmp_path: Path) -> None:
    """beta's ``response.function_call_arguments.done`` may leave ``name`` out (the spec's
    own example does): the tool is named null, where --json once failed with a traceback."""
    frames = [
        {"type": "response.created", "event_id": "e", "response": {"object": "realtime.response",
         "id": "r1", "status": "in_progress", "output": []}},
        {"type": "response.function_call_arguments.done", "event_id": "e", "response_id": "r1",
         "item_id": "f", "output_index": 0, "call_id": "c1", "arguments": "{}"},
    ]  # fmt: skip
    report = _report(tmp_path, b"".join(json.dumps(f).encode() + b"\n" for f in frames),
                     "--protocol", "beta")  # fmt: skip
    assert report["sessions"][0]["turns"][0]["tools"][0]["name"] is None


def test_a_clock_that_goes_back_measures_nothing_rather_than_less_than_nothing(
    tmp_path: Path,
) -> None:
    """The first audio recorded 5 s before the speech stopped: voice-to-voice is unknown."""
    frames = [(ms - 5000 if n == 5 else ms, d, f) for n, (ms, d, f) in enumerate(SESSION)]
    assert frames[5][2]["type"] == "response.output_audio.delta"
    report = _report(tmp_path, _records("s", frames))
    first = report["sessions"][0]["turns"][0]
    assert first["voice_to_voice_ms"] is None and first["first_text_ms"] == 250
    assert report["overall"]["latency"]["voice_to_voice_ms"]["count"] == 2
    for session in report["sessions"]:
        for turn in session["turns"]:
            assert all(turn[name] is None or turn[name] >= 0 for name in
                       ("voice_to_voice_ms", "first_text_ms", "response_ms"))  # fmt: skip


def test_a_translation_session_is_unpriced_not_free(tmp_path: Path) -> None:
    """The golden translation session (its frames): no turns, its audio counted, and its cost
    unknown: the table has no translation rates (it once said 0.0 USD)."""
    golden = Path(__file__).parent / "data" / "golden" / "translation.jsonl"
    frames = [json.loads(line)["frame"] for line in golden.read_text().splitlines()]
    data = b"".join(json.dumps(frame).encode() + b"\n" for frame in frames if "type" in frame)
    report = _report(tmp_path, data)
    (session,) = [s for s in report["sessions"] if s["generation"] == "translation"]
    assert session["turn_count"] == 0 and session["audio_out_s"] > 0
    assert session["cost_usd"] is None and session["unpriced"] == {session["model"]: 1}
    assert report["overall"]["cost_usd"] is None


def test_usage_figures_never_make_a_cost_negative(tmp_path: Path) -> None:
    """A response.done whose usage says -5,000,000 output tokens and 1,000,000 cached of 10
    input tokens once cost -83.6 USD: a count below zero is none, the cached part at most all."""
    usage = {"total_tokens": 10, "input_tokens": 10, "output_tokens": -5_000_000,
             "input_token_details": {"text_tokens": 10, "audio_tokens": 0,
                                     "cached_tokens": 1_000_000},
             "output_token_details": {"text_tokens": -5_000_000, "audio_tokens": 0}}  # fmt: skip
    frames = [(0, "server", SESSION[0][2]),
              (1, "server", {"type": "response.created", "event_id": "e",
                             "response": _response("r1", "in_progress")}),
              (2, "server", {"type": "response.done", "event_id": "e",
                             "response": _response("r1", "completed", usage)})]  # fmt: skip
    report = _report(tmp_path, _records("s", frames))
    tokens = report["overall"]["tokens"]
    assert (tokens["text_in"], tokens["text_cached"], tokens["text_out"]) == (10, 10, 0)
    assert report["overall"]["cost_usd"] == round(10 * 0.4 / 1e6, 6)  # cached text at 0.4/1M
