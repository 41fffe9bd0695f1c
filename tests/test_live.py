"""GPT-Live: decoded by shape among the generations, its audio on every audio path, its usage.

The SDK-oracle tests (tests/test_oracle.py) cover every Live model; the golden file
(tests/data/golden/live.jsonl) one frame a tag; the differential fuzz Live frames. Here:
``protocol="auto"`` on Live frames and on a mixed log of GA and Live sessions, the audio fast
paths against the generic one, and ``rt-fast stats`` of Live logs (usage is cumulative).
"""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest

import rt_fast
from rt_fast import live
from rt_fast._live_traffic import live_session_frames
from rt_fast._record import record_line
from rt_fast._traffic import session_frames

from .test_oracle import CASES, FrameGenerator

LIVE_CASES = [c for c in CASES if c.generation.protocol == "live" and c.kind != "rest"]
# Frames another generation reads with the same fields and values, which the auto rule gives
# to the first generation that has them (rt_fast._codec's docstring): tag -> that generation.
SAME_READING = {
    "response.create": "ga",
    "error": "ga",
    "session.close": "translation",
    "session.update": "beta",
    "session.output_audio.delta": "translation",
}


def _generation(event: Any) -> str:
    return type(event).__module__.split(".")[1]


def _decode(direction: str, frame: bytes, protocol: str) -> Any:
    decode = rt_fast.decode_server_event if direction == "server" else rt_fast.decode_client_event
    return decode(frame, protocol=protocol)


def _wire(frame: dict[str, Any]) -> bytes:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("case", LIVE_CASES, ids=[f"{c.kind}:{c.name}" for c in LIVE_CASES])
def test_auto_reads_sdk_frames_as_live(case: Any) -> None:
    """Every SDK-valid Live frame is Live under auto, or, where another generation reads it
    with the same fields and values, that generation's (the first that has them)."""
    generator = FrameGenerator(random.Random(f"auto:{case.name}"))
    seen = set()
    for _ in range(60):
        frame = generator.frame(case.sdk_model)
        event = _decode(case.kind, _wire(frame), "auto")
        assert msgspec.to_builtins(event) == frame
        chosen = _generation(event)
        seen.add(chosen)
        if chosen != "live":
            assert SAME_READING.get(case.name) == chosen, (chosen, frame)
            assert type(_decode(case.kind, _wire(frame), "live")).__name__
    assert "live" in seen or case.name in ("response.create", "session.close")


def test_shared_tags_go_where_their_shape_fits() -> None:
    """Tags Live shares with GA and translation: each frame to its generation by shape."""
    cases = {
        b'{"type":"session.output_audio.delta","delta":"AAAA","start_ms":0,"end_ms":20}': "live",
        b'{"type":"session.output_audio.delta","delta":"AAAA"}': "live",
        b'{"type":"session.output_audio.delta","event_id":"e","delta":"AAAA","elapsed_ms":5}': (
            "translation"
        ),
        b'{"type":"session.closed","event_id":"e"}': "translation",
        b'{"type":"error","event_id":"e","error":{"type":"t","code":"c","message":"m"},'
        b'"client_event_id":"x"}': "live",
        b'{"type":"error","event_id":"e","error":{"type":"t","code":"c","message":"m"}}': "ga",
        b'{"type":"session.input_transcript.delta","event_id":"e","delta":"hi","start_ms":0,'
        b'"end_ms":9}': "live",
        b'{"type":"session.input_transcript.delta","event_id":"e","delta":"hi"}': "translation",
    }
    for frame, generation in cases.items():
        assert _generation(rt_fast.decode_server_event(frame, "auto")) == generation, frame
    update = b'{"type":"session.update","session":{"triggers":[]}}'
    assert isinstance(rt_fast.decode_client_event(update, "auto"), live.SessionUpdateEvent)


def test_a_bad_live_value_is_not_read_as_another_generations_frame() -> None:
    """A Live frame with a wrong value is Live's DecodeError under auto: translation, first
    with the tag, would read it by dropping the members it does not know (the refused one
    among them) and so make a different, valid frame of it. A frame with a member no
    generation knows still goes to the first generation with its tag."""
    session = b'{"id":"x","expires_at":1,"model":"m","status":"active"}'
    bad = (b'{"type":"session.closed","event_id":"e","reason":"r","session":' + session
           + b',"usage":{"seconds":true}}')  # fmt: skip
    with pytest.raises(rt_fast.DecodeError, match=r"got `bool` - at `\$.usage.seconds`"):
        rt_fast.decode_server_event(bad, "auto")
    with pytest.raises(rt_fast.DecodeError, match="Expected `str`"):
        rt_fast.decode_server_event(b'{"type":"session.output_audio.delta","delta":1}', "auto")
    newer = rt_fast.decode_server_event(b'{"type":"session.closed","event_id":"e","x":1}', "auto")
    assert _generation(newer) == "translation"


def _mixed() -> list[tuple[str, str, bytes]]:
    """(generation, direction, frame) of a GA session and two Live sessions, interleaved."""
    streams = [
        [("ga", d, f) for d, f in session_frames(seed=5, turns=2)],
        [("live", d, f) for d, f in live_session_frames(seed=6, turns=3)],
        [("live", d, f) for d, f in live_session_frames(seed=7, turns=2)],
    ]
    rng, out = random.Random(8), []
    while any(streams):
        stream = rng.choice([s for s in streams if s])
        out.append(stream.pop(0))
    return out


def test_mixed_log_decodes_each_frame_to_its_generation(tmp_path: Path) -> None:
    """A log of interleaved GA and Live sessions, read with auto: every frame to its
    generation (the few that read the same elsewhere, there, with the same values)."""
    mixed = _mixed()
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(frame + b"\n" for _, _, frame in mixed))
    events = list(rt_fast.read_log(log))
    assert len(events) == len(mixed)
    counts = {"ga": 0, "live": 0, "same": 0}
    for (generation, _, frame), event in zip(mixed, events, strict=True):
        assert msgspec.to_builtins(event) == json.loads(frame)
        if _generation(event) != generation:
            assert generation == "live" and SAME_READING[event.type] == _generation(event)
            counts["same"] += 1
        else:
            counts[generation] += 1
    assert counts["ga"] > 100 and counts["live"] > 200 and counts["same"] <= 2, counts
    assert list(rt_fast.read_log(log, jobs=2)) == events


def test_live_log_round_trips_under_live(tmp_path: Path) -> None:
    """protocol="live" reads a Live session's log whole and writes each frame back."""
    frames = list(live_session_frames(seed=9, turns=2))
    log = tmp_path / "live.jsonl"
    log.write_bytes(b"".join(frame + b"\n" for _, frame in frames))
    events = list(rt_fast.read_log(log, protocol="live"))
    assert [json.loads(rt_fast.encode(e)) for e in events] == [json.loads(f) for _, f in frames]
    camel = [rt_fast.encode(e, naming="camel") for e in events]
    again = [rt_fast.Decoder(live.Event, naming="camel").decode(c) for c in camel]
    assert [rt_fast.encode(e) for e in again] == [rt_fast.encode(e) for e in events]


# -- audio ----------------------------------------------------------------------------------

AUDIO = [
    b'{"type":"session.output_audio.delta","delta":"AAABAAIA","start_ms":0,"end_ms":1}',
    b'{"type":"session.output_audio.delta","delta":"AAABAAIA"}',
    b'{"type":"session.output_audio.delta","start_ms":3,"delta":"AAABAAIA"}',
    b'{"type":"session.output_audio.delta","event_id":"e","delta":"AAABAAIA"}',
    b'{"type":"session.output_audio.delta","delta":"AAAB\\u0041AIA"}',
    b'{ "type" : "session.output_audio.delta" , "delta" : "AAABAAIA" }',
    b'{"type":"session.input_audio.append","audio":"AAABAAIA"}',
    b'{"type":"session.input_audio.append","event_id":"c1","audio":"AAABAAIA"}',
    b'{"audio":"AAABAAIA","type":"session.input_audio.append"}',
]
BAD_AUDIO = [
    b'{"type":"session.output_audio.delta","delta":"AAABAAIA","start_ms":"0"}',
    b'{"type":"session.output_audio.delta","delta":"AAABAAIA","delta":"AAAA"}',
    b'{"type":"session.input_audio.append","audio":"AAABAAIA","zzz":1,"type":"x"}',
    b'{"type":"session.output_audio.delta","delta":"AAABAAIA"',
]


def _generic_payload(frame: bytes) -> str:
    event = rt_fast.decode_server_event(frame, protocol="live")
    return str(event.delta if isinstance(event, live.SessionOutputAudioDeltaEvent) else event.audio)


@pytest.mark.parametrize("frame", AUDIO)
def test_audio_paths_agree_with_the_generic_decode(frame: bytes) -> None:
    """peek_type, audio_payload and decode_pcm give what decoding the whole frame gives, for
    every input form, and every decoder of Live frames the same event."""
    payload = _generic_payload(frame)
    for form in (bytes, bytearray, memoryview, lambda b: b.decode()):
        data: Any = form(frame)
        assert rt_fast.peek_type(data) == json.loads(frame)["type"]
        assert bytes(rt_fast.audio_payload(data)) == payload.encode()
        assert rt_fast.decode_pcm(data) == b"\x00\x00\x01\x00\x02\x00"
    live_event = rt_fast.decode_server_event(frame, protocol="live")
    for decoder in (rt_fast.Decoder(live.ServerEvent), rt_fast.Decoder(live.Event)):
        assert decoder.decode(frame) == live_event
        assert decoder.decode(frame + b" " * 12_000) == live_event  # the audio fast path's size


@pytest.mark.parametrize("frame", BAD_AUDIO)
def test_bad_audio_frames_are_decode_errors_everywhere(frame: bytes) -> None:
    """A Live audio frame that is wrong is a DecodeError for the decoders and audio paths."""
    for call in (
        lambda f: rt_fast.decode_server_event(f, protocol="live"),
        lambda f: rt_fast.decode_server_event(f, protocol="auto"),
        rt_fast.audio_payload,
        rt_fast.decode_pcm,
    ):
        with pytest.raises(rt_fast.DecodeError):
            call(frame)


def test_payload_that_is_no_base64_is_decode_pcms_error_only() -> None:
    """A payload that is no base64 is still the frame's payload; only ``decode_pcm`` reads it."""
    frame = b'{"type":"session.input_audio.append","audio":"AAA"}'
    assert bytes(rt_fast.audio_payload(frame)) == b"AAA"
    assert rt_fast.decode_client_event(frame, protocol="live").audio == "AAA"
    with pytest.raises(rt_fast.DecodeError, match="not valid base64"):
        rt_fast.decode_pcm(frame)


def test_large_live_audio_takes_the_fast_path_and_agrees() -> None:
    """A long Live audio delta decodes to the same event by every route (the audio fast path
    of ``live``, ``auto`` and the log decoder's), with the payload a view of the frame."""
    pcm = bytes(range(256)) * 300
    frame = rt_fast.encode_audio(live.SessionOutputAudioDeltaEvent, pcm, start_ms=0, end_ms=1600)
    assert frame.startswith(b'{"type":"session.output_audio.delta",')
    event = rt_fast.decode_server_event(frame, protocol="live")
    assert isinstance(event, live.SessionOutputAudioDeltaEvent) and event.start_ms == 0
    assert rt_fast.decode_server_event(frame, protocol="auto") == event
    assert rt_fast.decode_pcm(frame) == pcm
    view = rt_fast.audio_payload(frame)
    assert bytes(view) == event.delta.encode()
    # A view of the frame itself where pybase64 is there (the speed extra); a copy without it.
    assert (view.obj is frame) == (importlib.util.find_spec("pybase64") is not None)
    append = rt_fast.encode_audio(live.SessionInputAudioAppendEvent, pcm)
    assert append == rt_fast.encode(live.SessionInputAudioAppendEvent(audio=event.delta))
    assert rt_fast.decode_client_event(append, protocol="auto").audio == event.delta


# -- stats ----------------------------------------------------------------------------------


def _stats(log: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "rt_fast", "stats", "--json", *args, str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _usage(seconds: float, **fields: Any) -> bytes:
    return _wire({"type": "session.usage.updated", "event_id": "e", "usage": {"seconds": seconds},
                  **fields})  # fmt: skip


def _started(session_id: str) -> bytes:
    session = {"id": session_id, "expires_at": 1, "model": "gpt-live-1", "status": "active"}
    return _wire({"type": "session.started", "event_id": "e", "session": session})


def test_usage_is_each_sessions_last_report_never_a_sum(tmp_path: Path) -> None:
    """Cumulative seconds: a session's usage is its last report; sessions add up."""
    lines = [_usage(1.5), _started("live_a"), _usage(2.0), _usage(5.25), _started("live_b"),
             _usage(3.0), _usage(7.5)]  # fmt: skip
    log = tmp_path / "usage.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    live_usage = _stats(log)["live_usage"]
    assert live_usage["sessions"] == {"": {"seconds": 1.5}, "live_a": {"seconds": 5.25},
                                      "live_b": {"seconds": 7.5}}  # fmt: skip
    assert live_usage["seconds"] == 14.25


def test_stats_of_generated_live_sessions(tmp_path: Path) -> None:
    """A log of two Live sessions and a GA one, read in one process and in several: each Live
    session's final usage, the delegated tokens summed, audio seconds of both directions."""
    mixed = _mixed()
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(frame + b"\n" for _, _, frame in mixed))
    closed = [json.loads(f) for _, _, f in mixed if f.startswith(b'{"type":"session.closed"')]
    want = {c["session"]["id"]: c["usage"] for c in closed}
    responses = [json.loads(f)["event"] for _, _, f in mixed if b'"response.completed"' in f]
    report = _stats(log)
    assert report["live_usage"]["sessions"] == want
    assert report["live_usage"]["seconds"] == round(sum(u["seconds"] for u in want.values()), 3)
    tokens = sum(r["response"]["usage"]["input_tokens"] for r in responses)
    assert report["delegated_usage"]["responses.input_tokens"] == tokens
    assert report["delegated_usage"]["decisions.total_tokens"] == 121 * len(responses)
    assert report["audio_seconds"]["server"] > 0 and report["audio_seconds"]["client"] > 0
    parallel = _stats(log, "--jobs", "2")
    for key in ("live_usage", "delegated_usage", "audio_seconds", "usage", "by_type"):
        assert parallel[key] == report[key], key


def test_records_say_whose_usage_it_is(tmp_path: Path) -> None:
    """In a log of records, a usage report belongs to its record's session, whatever the
    order sessions' frames interleave in."""
    lines = [
        record_line(1, "server", "conn-a", _usage(1.0)),
        record_line(2, "server", "conn-b", _usage(10.0)),
        record_line(3, "server", "conn-a", _usage(2.0)),
        record_line(4, "server", "conn-b", _usage(11.0)),
    ]
    log = tmp_path / "records.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    live_usage = _stats(log)["live_usage"]
    assert live_usage["sessions"] == {"conn-a": {"seconds": 2.0}, "conn-b": {"seconds": 11.0}}
    assert live_usage["seconds"] == 13.0


def test_stats_text_report_and_protocol_live(tmp_path: Path) -> None:
    """The text report names Live usage; ``--protocol live`` is a choice of the CLI."""
    log = tmp_path / "live.jsonl"
    log.write_bytes(b"".join(f + b"\n" for _, f in live_session_frames(seed=3, turns=2)))
    done = subprocess.run(
        [sys.executable, "-m", "rt_fast", "stats", "--protocol", "live", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "live: 1 sessions" in done.stdout and "delegated tokens:" in done.stdout


def test_audio_seconds_follow_the_live_session_format(tmp_path: Path) -> None:
    """Audio seconds from payload sizes, at the rate the Live session's ``audio.format`` names
    for both directions (PCM16 at 16 kHz: 32000 bytes a second), measured or decoded alike."""
    session = {"id": "live_16k", "expires_at": 1, "model": "gpt-live-1", "status": "active",
               "audio": {"format": {"type": "audio/pcm", "rate": 16000}}}  # fmt: skip
    lines = [_wire({"type": "session.started", "event_id": "e", "session": session})]
    for size in (320, 32_000, 9_600):  # small frames decoded, large ones measured
        pcm = bytes(size)
        lines.append(rt_fast.encode_audio(live.SessionOutputAudioDeltaEvent, pcm))
        lines.append(rt_fast.encode_audio(live.SessionInputAudioAppendEvent, pcm[: size // 2]))
    log = tmp_path / "16k.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    for args in ((), ("--protocol", "live"), ("--jobs", "2")):
        seconds = _stats(log, *args)["audio_seconds"]
        assert seconds == {"server": round(41_920 / 32_000, 3), "client": 0.655}, args


def test_dask_stats_of_a_mixed_log_match_the_cli(tmp_path: Path) -> None:
    """``rt_fast.dask.stats`` over small pieces (Dask's synchronous scheduler: no thread
    outlives the test) says what the CLI says."""
    rt_dask = pytest.importorskip("rt_fast.dask", reason="the dask extra runs this")
    import dask

    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(frame + b"\n" for _, _, frame in _mixed()))
    with dask.config.set(scheduler="synchronous"):
        pieces = rt_dask.stats([str(log)], protocol="auto", blocksize=100_000)
    report = _stats(log)
    for key in ("live_usage", "delegated_usage", "audio_seconds", "by_type", "sessions"):
        assert pieces[key] == report[key], key


def test_fork_client_events_follow_the_sdk() -> None:
    """A fork connection's client events (the SDK's ``ForkClientEvent``): the same tags, and
    every SDK-valid frame of each read exactly by ``decode(type=live.ForkClientEvent)``."""
    from openai.types.live import fork_client_event

    from .test_oracle import _union_members

    members = _union_members(fork_client_event.ForkClientEvent)
    table = {cls.__struct_config__.tag: cls for cls in get_args(live.ForkClientEvent)}
    assert {m.model_fields["type"].annotation.__args__[0] for m in members} == set(table)
    generator = FrameGenerator(random.Random("fork"))
    for member in members:
        for _ in range(10):
            frame = generator.frame(member)
            event = rt_fast.decode(_wire(frame), type=live.ForkClientEvent)
            assert isinstance(event, table[frame["type"]])
            assert msgspec.to_builtins(event) == frame
