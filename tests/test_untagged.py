"""Nested objects sent without the ``type`` their union is told apart by, or with ``null``.

The API (and the official SDK's models) let a sender leave out the ``type`` of an audio format,
a content part, a function tool, and a transcription session's turn detection. Such an object
decodes to the ``Untagged`` class beside its union, keeps its fields, and is written back with
its ``type`` as it came; tagged objects beside it keep their classes. The SDK-generated frames
of tests/test_oracle.py cover every event; this file pins the rules one by one.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import ga
from rt_fast._models import UNTAGGED, Untagged


def _frame(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _session(audio: dict[str, Any], **fields: Any) -> bytes:
    session = {"type": "realtime", **fields, "audio": audio}
    return _frame({"type": "session.update", "session": session})


def _message(*content: dict[str, Any]) -> bytes:
    item = {"type": "message", "role": "user", "content": list(content)}
    return _frame({"type": "conversation.item.create", "item": item})


# frame, the path to the object sent without its tag, the class it decodes to
CASES = {
    "audio format {}": (_session({"output": {"format": {}}}), "session.audio.output.format"),
    "audio format with a rate": (
        _session({"input": {"format": {"rate": 24000}}}),
        "session.audio.input.format",
    ),
    "audio format, type null": (
        _session({"input": {"format": {"type": None, "rate": 24000}}}),
        "session.audio.input.format",
    ),
    "function tool": (
        _session({}, tools=[{"name": "f", "parameters": {"type": "object"}}]),
        "session.tools.0",
    ),
    "turn detection, type null": (
        _session({"input": {"turn_detection": {"type": None, "threshold": 0.5}}}),
        "session.audio.input.turn_detection",
    ),
    "content part": (_message({"text": ""}), "item.content.0"),
    "content part, type null": (_message({"type": None, "text": "hi"}), "item.content.0"),
    "response content part": (
        _frame(
            {
                "type": "response.content_part.added",
                "event_id": "e",
                "response_id": "r",
                "item_id": "i",
                "output_index": 0,
                "content_index": 0,
                "part": {"transcript": "hello"},
            }
        ),
        "part",
    ),
}
CLASSES = {
    "session.audio.output.format": ga.UntaggedAudioFormat,
    "session.audio.input.format": ga.UntaggedAudioFormat,
    "session.tools.0": ga.UntaggedTool,
    "session.audio.input.turn_detection": ga.UntaggedTurnDetection,
    "item.content.0": ga.UntaggedContentPart,
    "part": ga.UntaggedContentPart,
}


def _decode(frame: bytes, **options: Any) -> Any:
    if b'"response.' in frame[:20]:
        return rt_fast.decode_server_event(frame, **options)
    return rt_fast.decode_client_event(frame, **options)


def _at(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a decoded event, or of the frame's JSON."""
    for step in path.split("."):
        if step.isdigit():
            obj = obj[int(step)]
        else:
            obj = obj[step] if isinstance(obj, dict) else getattr(obj, step)
    return obj


@pytest.mark.parametrize("case", CASES)
def test_decodes_to_the_untagged_class_and_back(case: str) -> None:
    """The object is its union's ``Untagged`` class, ``type`` as it came; the frame comes back
    exactly, by ``to_builtins`` and byte for byte by ``encode`` (its keys are in model order)."""
    frame, path = CASES[case]
    event = _decode(frame)
    untagged = _at(event, path)
    assert isinstance(untagged, CLASSES[path])
    sent = _at(json.loads(frame), path)
    assert untagged.type is (None if "type" in sent else msgspec.UNSET)
    assert msgspec.to_builtins(event) == json.loads(frame)
    assert rt_fast.encode(event) == frame


@pytest.mark.parametrize("case", CASES)
def test_camel_case(case: str) -> None:
    """Under ``naming="camel"`` the same objects decode the same way and round-trip."""
    frame, path = CASES[case]
    camel = rt_fast.encode(_decode(frame), naming="camel")
    event = _decode(camel, naming="camel")
    assert isinstance(_at(event, path), CLASSES[path])
    assert rt_fast.encode(event, naming="camel") == camel
    assert rt_fast.encode(event) == frame


def test_tagged_neighbours_keep_their_classes() -> None:
    """In one list, the tagged parts stay tagged and only the untagged one is ``Untagged``."""
    frame = _message({"type": "input_text", "text": "a"}, {"text": "b"}, {"type": None})
    content = rt_fast.decode_client_event(frame).item.content
    assert [type(part).__name__ for part in content] == [
        "InputTextContent",
        "UntaggedContentPart",
        "UntaggedContentPart",
    ]
    assert [part.type for part in content] == ["input_text", msgspec.UNSET, None]


def test_match_tells_them_apart() -> None:
    """``match`` narrows to the untagged class as to any other."""
    frame = _session(
        {"input": {"format": {"rate": 16000}}, "output": {"format": {"type": "audio/pcmu"}}}
    )
    audio = rt_fast.decode_client_event(frame).session.audio
    rates = []
    for fmt in (audio.input.format, audio.output.format):
        match fmt:
            case ga.UntaggedAudioFormat(rate=int(rate)) | ga.AudioPCM(rate=int(rate)):
                rates.append(rate)
            case ga.AudioPCMU():
                rates.append(8000)
    assert rates == [16000, 8000]


@pytest.mark.parametrize(
    ("frame", "path", "message"),
    [
        (
            _session({"input": {"format": {"rate": "fast"}}}),
            "$.session.audio.input.format.rate",
            "Expected `int | null`, got `str`",
        ),
        (
            _session({"output": {"format": {"type": "audio/wav"}}}),
            "$.session.audio.output.format.type",
            "Invalid value 'audio/wav'",
        ),
        (_message({"text": 5}), "$.item.content[0].text", "Expected `str | null`, got `int`"),
        (_message({"type": None}, 7), "$.item.content[1]", "Expected `object`, got `int`"),
        (
            _session({}, tools=[{"name": "f"}, {"type": "mcp"}]),
            "$.session.tools[1]",
            "Object missing required field `server_label`",
        ),
    ],
)
def test_errors_name_the_whole_path(frame: bytes, path: str, message: str) -> None:
    """A bad value in or beside an untagged object is a DecodeError at its full path."""
    with pytest.raises(rt_fast.DecodeError) as info:
        rt_fast.decode_client_event(frame)
    assert info.value.path == path
    assert str(info.value) == f"{message} - at `{path}`"


def test_the_frame_keeps_its_own_tag() -> None:
    """Only nested tags may go: a frame without ``type`` is still an error."""
    for frame in (b'{"event_id":"e"}', b'{"type":null,"event_id":"e"}'):
        with pytest.raises(rt_fast.DecodeError, match="type"):
            rt_fast.decode_client_event(frame)


def test_unknown_members_of_untagged_objects_are_ignored() -> None:
    """As everywhere, an unknown member is dropped by the lenient models, not an error."""
    frame = _session({"input": {"format": {"rate": 24000, "channels": 1}}})
    fmt = rt_fast.decode_client_event(frame).session.audio.input.format
    assert isinstance(fmt, ga.UntaggedAudioFormat)
    assert msgspec.to_builtins(fmt) == {"rate": 24000}


def test_every_tag_present_is_preferred_under_auto() -> None:
    """``protocol="auto"`` takes a generation whose models read every tag before one that
    needs a nested tag to be absent: a message part without ``type`` is beta's shape, a GA
    session with an untagged audio format or tool only GA's."""
    event = rt_fast.decode_client_event(_message({"text": "hi"}), protocol="auto")
    assert isinstance(event, rt_fast.beta.ConversationItemCreateEvent)
    for case in ("audio format {}", "audio format, type null", "function tool"):
        frame, path = CASES[case]
        event = rt_fast.decode_client_event(frame, protocol="auto")
        assert isinstance(event, ga.SessionUpdateEvent)
        assert isinstance(_at(event, path), CLASSES[path])
        assert rt_fast.encode(event) == frame


def test_log_lines_decode_as_frames(tmp_path: Any) -> None:
    """``read_log`` and ``decode_lines`` read such frames as ``decode`` does."""
    frames = [frame for frame, _ in CASES.values()]
    log = tmp_path / "untagged.jsonl"
    log.write_bytes(b"\n".join(frames) + b"\n")
    decoder = rt_fast.Decoder(ga.Event)
    want = [decoder.decode(frame) for frame in frames]
    assert decoder.decode_lines(log.read_bytes()) == want
    assert list(rt_fast.read_log(log, protocol="ga")) == want


def test_every_untagged_class_is_registered_once() -> None:
    """Each ``Untagged`` class of a generation stands beside exactly one union."""
    generations = (getattr(rt_fast, name) for name in ("ga", "beta", "translation", "live"))
    classes = [
        cls
        for module in generations
        for cls in vars(module).values()
        if isinstance(cls, type) and cls is not Untagged
    ]
    untagged = {cls for cls in classes if issubclass(cls, Untagged)}
    assert untagged == set(UNTAGGED.values())
    assert len(UNTAGGED) == len(untagged)


# Where an out-of-range number sits in an object sent with and without its tag: a member the
# model ignores (both decode), a typed field (both refuse), a free-form value (both refuse).
OUT_OF_RANGE = {
    "ignored member": (
        lambda tag: _message({**tag, "text": "x", "zzz": HUGE}),
        lambda tag: _session({}, tools=[{**tag, "name": "f", "zzz": [-HUGE]}]),
    ),
    "typed field": (
        lambda tag: _session({"input": {"turn_detection": {**tag, "threshold": HUGE}}}),
    ),
    "free-form value": (
        lambda tag: _session({}, tools=[{**tag, "name": "f", "parameters": {"a": HUGE}}]),
    ),
}
HUGE = 7.25e300  # written as 7.25e+300, then made 1e999 (json.dumps writes no such number)
TAGS = {"input_text": {"type": "input_text"}, "function": {"type": "function"},
        "server_vad": {"type": "server_vad"}}  # fmt: skip


@pytest.mark.parametrize("where", OUT_OF_RANGE)
@pytest.mark.parametrize("protocol", ["ga", "auto"])
def test_tagged_and_untagged_twins_follow_one_rule_for_numbers(where: str, protocol: str) -> None:
    """An out-of-range number is refused where the model reads it and ignored where it does not,
    whether the object came with its tag or without it; under auto both stay GA."""
    for make in OUT_OF_RANGE[where]:
        tagged = next(make(tag) for tag in TAGS.values() if _decodes_as_ga(make(tag)) is not None)
        tagged, untagged = (frame.replace(b"7.25e+300", b"1e999") for frame in (tagged, make({})))
        outcomes = [_outcome(frame, protocol) for frame in (tagged, untagged)]
        want = "ga" if where == "ignored member" else "Number out of range"
        assert outcomes[0] == outcomes[1] and want in outcomes[0], outcomes


def _decodes_as_ga(frame: bytes) -> Any:
    """The event if the frame's tagged object is right for its place (its tag fits), else None."""
    text = frame.replace(b"7.25e+300", b"1")
    try:
        return rt_fast.decode_client_event(text)
    except rt_fast.DecodeError:
        return None


def _outcome(frame: bytes, protocol: str) -> str:
    try:
        event = rt_fast.decode_client_event(frame, protocol=protocol)
    except rt_fast.DecodeError as exc:
        return f"error: {exc}"
    return type(event).__module__.rsplit(".", 2)[-2]
