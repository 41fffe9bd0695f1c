"""Records (``rt_fast._record``): every log reader reads them as it reads plain logs."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import relay
from rt_fast._cli import main
from rt_fast._record import Record, record_line, unwrap
from rt_fast._traffic import session_frames

FRAMES = list(session_frames(seed=21, turns=2))
PLAIN = b"".join(frame + b"\n" for _, frame in FRAMES)
# Two sessions' records interleaved, every fourth line a plain frame, a relay-made one too.
RECORDED = b"".join(
    (frame if i % 4 == 3 else record_line(1_765_000_000_000_000 + i, direction,
                                          f"s{i % 2}", frame, "relay" if i == 5 else None))
    + b"\n"
    for i, (direction, frame) in enumerate(FRAMES)
)  # fmt: skip


def test_a_record_keeps_the_frames_bytes() -> None:
    direction, frame = FRAMES[7]
    line = record_line(12, direction, "abc", frame)
    record, start, stop, text = unwrap(line, 0, len(line)) or pytest.fail("not a record")
    assert line[start:stop] == frame and record == Record(12, direction, "abc") and not text
    assert json.loads(line) == {"time_us": 12, "direction": direction, "session": "abc",
                                "frame": json.loads(frame)}  # fmt: skip
    assert unwrap(frame, 0, len(frame)) is None


def test_a_session_id_cannot_break_the_line() -> None:
    with pytest.raises(ValueError):
        record_line(1, "client", 'a","frame":{}', b"{}")


def test_the_reader_gives_the_frames_and_their_records() -> None:
    plain = list(rt_fast.read_log(io.BytesIO(PLAIN)))
    assert list(rt_fast.read_log(io.BytesIO(RECORDED))) == plain

    def records(batch: rt_fast.LogBatch) -> list[Any]:
        return batch.records()

    got = [r for part in rt_fast.map_log(io.BytesIO(RECORDED), records) for r in part]
    raw = [f for part in rt_fast.map_log(io.BytesIO(RECORDED), rt_fast.LogBatch.raw_frames)
           for f in part]  # fmt: skip
    assert raw == [frame for _, frame in FRAMES]
    assert len(got) == len(FRAMES)
    for i, ((direction, _), record) in enumerate(zip(FRAMES, got, strict=True)):
        if i % 4 == 3:
            assert record is None
        else:
            assert record == Record(1_765_000_000_000_000 + i, direction, f"s{i % 2}",
                                    "relay" if i == 5 else None)  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        b'{"time_us":5,"direction":"client","session":"x"}',
        b'{"time_us":5,"direction":"client","session":"x","frame":{"type":"x"',
        b'{"time_us":"soon","direction":"client","session":"x","frame":{"type":"x"}}',
        b'{"time_us":5,"direction":"client","session":"x","frame":}',
    ],
)
def test_a_broken_record_is_a_rejected_line(line: bytes) -> None:
    log = RECORDED + line + b"\n" + RECORDED
    reader = rt_fast.read_log(io.BytesIO(log), errors="report")
    assert len(list(reader)) == 2 * len(FRAMES)
    assert [r.line for r in reader.rejected] == [len(FRAMES) + 1]
    with pytest.raises(rt_fast.DecodeError) as caught:
        list(rt_fast.read_log(io.BytesIO(log)))
    assert caught.value.line == len(FRAMES) + 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_stats_of_records_is_the_plain_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    reports = []
    for name, data in (("plain.jsonl", PLAIN), ("recorded.jsonl", RECORDED)):
        (tmp_path / name).write_bytes(data * 40)  # enough that two workers share it
        assert main(["stats", "--json", "--jobs", jobs, str(tmp_path / name)]) == 0
        report = json.loads(capsys.readouterr().out)
        reports.append({k: v for k, v in report.items() if k not in ("seconds", "logs", "bytes")})
    assert reports[0] == reports[1] and reports[0]["decoded"] == 40 * len(FRAMES)


def test_decode_lines_reads_records_too() -> None:
    decoder = rt_fast.Decoder(rt_fast.ga.Event)
    assert decoder.decode_lines(RECORDED) == decoder.decode_lines(PLAIN)
    assert msgspec.to_builtins(decoder.decode_lines(RECORDED.decode())[0]) == json.loads(
        FRAMES[0][1]
    )


def test_replay_plays_the_first_sessions_server_frames(tmp_path: Path) -> None:
    """``Recording.load`` of a record log of two interleaved sessions: the first session's
    session.created and responses, as their bytes crossed the socket."""
    from rt_fast.server import Recording

    one, two = list(session_frames(seed=3, turns=2)), list(session_frames(seed=4, turns=2))
    lines = []
    for i in range(max(len(one), len(two))):
        for session, frames in (("a", one), ("b", two)):
            if i < len(frames):
                lines.append(record_line(i, frames[i][0], session, frames[i][1]) + b"\n")
    log = tmp_path / "records.jsonl"
    log.write_bytes(b"".join(lines))
    recording = Recording.load(str(log))
    server = [frame for direction, frame in one if direction == "server"]
    assert recording.created == server[0]
    played = [frame for response in recording.responses for frame in response]
    assert played and all(frame in server for frame in played)
    assert not any(frame in played for direction, frame in two if direction == "server")


@pytest.mark.parametrize(
    "head",
    [
        b'{"time_us":1,"direction":"client","session":"s","x":"\xff"',  # unknown, bad UTF-8
        b'{"time_us":1,"direction":"client","session":"s","x":' + b"[" * 300 + b"]" * 300,
        b'{"time_us":1,"direction":"client","session":"s","session":"t"',  # read two ways
        b'{"time_us":1, "direction":"client","session":"s"',  # not as a record writes it
        b'{"time_us":1,"direction":"client","session":"\\u0073"',
    ],
)
def test_a_record_head_is_exactly_what_the_writer_writes(head: bytes) -> None:
    line = head + b',"frame":{"type":"input_audio_buffer.clear"}}\n'
    reader = rt_fast.read_log(io.BytesIO(line), errors="report")
    assert list(reader) == [] and len(reader.rejected) == 1
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.Decoder(rt_fast.ga.Event).decode_lines(line)


def test_a_crlf_lines_cr_is_not_the_frames(tmp_path: Path) -> None:
    """As the line rules say: sizes, frames and replays are the same for LF and CRLF logs,
    plain or recorded."""
    frame = b'{"type":"input_audio_buffer.clear"}'
    for line in (frame, record_line(1, "client", "s", frame)):
        for end in (b"\n", b"\r\n"):
            log = tmp_path / "log.jsonl"
            log.write_bytes((line + end) * 3)
            got = list(rt_fast.map_log(str(log), lambda b: (b.sizes(), b.raw_frames())))
            assert got == [([len(frame)] * 3, [frame] * 3)]


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"not.a.type.yet","x":1}',  # an UnknownEvent, whose raw must own its bytes
        b'{"type":"input_audio_buffer.append","audio":"AAAA","audio":"BBBB"}',  # a repeat
        b'{"type":"input_audio_buffer.append","audio":"' + b"QUJD" * 4000 + b'"}',  # audio path
        b'{"type":"response.done","response":{"metadata":' + b"[" * 300 + b"]" * 300 + b"}}",
        b'{"type":"session.update","session":{"type":"realtime"}}',
        b'{"type":"response.create"',  # cut
        b"\xff\xfe",
    ],
)
@pytest.mark.parametrize("errors", ["report", "raise"])
def test_a_records_frame_reads_as_the_same_frame_on_a_plain_line(frame: bytes, errors: str) -> None:
    """The reader takes a record's frame where it lies in the line (or, where the route
    declines it, from a copy): the same events, rejections and errors as the frame's own line,
    with stats' audio measuring too."""
    line = record_line(7, "client", "s", frame)

    def read(log: bytes) -> tuple[list[Any], list[Any], str | None]:
        reader = rt_fast.read_log(io.BytesIO(log), errors=errors)  # type: ignore[arg-type]
        try:
            events = list(reader)
        except rt_fast.DecodeError as exc:
            return [], [], f"{exc.line}: {exc}".replace("a record line", "a line")
        return events, [(r.line, r.error) for r in reader.rejected], None

    middle = FRAMES[3][1]
    plain = read(middle + b"\n" + frame + b"\n" + middle + b"\n")
    recorded = read(middle + b"\n" + line + b"\r\n" + record_line(8, "client", "s", middle) + b"\n")
    assert recorded == plain


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"x"},"direction":"client","session":"forged","frame":{"type":"y"}',
        b"",
        b"not json",
        b'{"type":"response.create"',
        b'"a string"',
    ],
    ids=["forging", "empty", "text", "cut", "a string"],
)
def test_a_frame_that_is_not_one_json_value_cannot_forge_a_record(frame: bytes) -> None:
    """An upstream may send anything as text, and the relay forwards it: written as it came,
    ``{...},"session":"forged","frame":{...}`` made a line that every JSON reader (jq, DuckDB)
    read as another session's frame, and an empty frame a line no reader took. Written as a
    JSON string of its text (``"text"`` in place of ``"frame"``), every JSON reader reads the
    line's members as rt_fast does, and rt_fast's readers read the frame's text, rejecting it
    as on a plain line."""
    line = record_line(7, "server", "s", frame)
    members = json.loads(line)
    assert (members["time_us"], members["direction"], members["session"]) == (7, "server", "s")
    assert relay.read_record_line(line) == (7, "server", "s", None, frame)

    def outcome(log: bytes) -> list[Any]:
        reader = rt_fast.read_log(io.BytesIO(log), errors="report")  # type: ignore[arg-type]
        return [list(reader), [(r.line, r.error) for r in reader.rejected]]

    if frame:
        assert outcome(line + b"\n") == outcome(frame + b"\n")
    else:  # a plain log has no empty frame (its line is blank): rejected, as the decoder does
        with pytest.raises(rt_fast.DecodeError) as error:
            rt_fast.decode_server_event(frame)
        assert outcome(line + b"\n") == [[], [(1, str(error.value))]]


def test_a_text_record_whose_text_decodes_gives_that_text_as_its_frame() -> None:
    """A writer on a small stack cannot parse a deep frame, so writes it as ``"text"``; a
    reader on a larger one decodes it. Its raw frame and size are the frame's, not its JSON
    string's (they once were: a replay would have sent the escaped string)."""
    frame = b'{"type":"input_audio_buffer.clear","event_id":"e' + b"1" * 40 + b'"}'
    line = (b'{"time_us":1,"direction":"client","session":"s","text":'
            + json.dumps(frame.decode()).encode() + b"}")  # fmt: skip
    assert relay.read_record_line(line).frame == frame
    got = list(rt_fast.map_log(io.BytesIO(line + b"\n"),  # type: ignore[arg-type]
                               lambda b: (b.raw_frames(), b.sizes(), [e.type for e in b.frames])))  # fmt: skip
    assert got == [([frame], [len(frame)], ["input_audio_buffer.clear"])]
