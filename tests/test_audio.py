"""Audio and routing: ``peek_type``, ``audio_payload``, ``decode_pcm`` and the typed fast path.

Each fast path is checked against the generic path (decode the whole frame, then take the
field) on every input hypothesis makes: valid frames of every audio event, payloads with JSON
escapes, reordered keys, whitespace, unknown and nested members, duplicate keys, truncations,
byte flips, insertions and garbage. Same answer, or ``DecodeError`` on both sides.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import subprocess
import sys
import threading
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import (
    _audio,
    _codec,
    _decoders,
    _guard,
    _route,
    _stack,
    _variants,
    beta,
    ga,
    live,
    translation,
)

AUDIO = [
    ("ga", "server", ga.ResponseOutputAudioDeltaEvent, "delta"),
    ("ga", "client", ga.InputAudioBufferAppendEvent, "audio"),
    ("beta", "server", beta.ResponseAudioDeltaEvent, "delta"),
    ("beta", "client", beta.InputAudioBufferAppendEvent, "audio"),
    ("translation", "server", translation.SessionOutputAudioDeltaEvent, "delta"),
    ("translation", "client", translation.SessionInputAudioBufferAppendEvent, "audio"),
    ("live", "server", live.SessionOutputAudioDeltaEvent, "delta"),
    ("live", "client", live.SessionInputAudioAppendEvent, "audio"),
]
HEADERS = {
    "delta": {
        "event_id": "event_1",
        "response_id": "resp_1",
        "item_id": "item_1",
        "output_index": 0,
        "content_index": 0,
    },
    "audio": {"event_id": "event_2"},
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frame(cls: Any, field: str, payload: str, **extra: Any) -> dict[str, Any]:
    header = dict(HEADERS[field])
    if cls is translation.SessionOutputAudioDeltaEvent:
        header = {"event_id": "event_3", "elapsed_ms": 20}
    if cls is live.SessionOutputAudioDeltaEvent:
        header = {"start_ms": 20, "end_ms": 40}
    if cls is live.SessionInputAudioAppendEvent:
        header = {}
    return {"type": cls.__struct_config__.tag, **header, field: payload, **extra}


def _dump(frame: dict[str, Any]) -> bytes:
    return json.dumps(frame, separators=(",", ":")).encode()


def _generic(protocol: str, direction: str, data: Any) -> Any:
    """The generic path: the guard, then the strict models, the lenient ones, unknown types."""
    decoder = _decoders._decoder(
        _decoders._SERVER if direction == "server" else _decoders._CLIENT, protocol, "snake"
    )
    return decoder._guarded(_guard.frame_of(data))


def _repeats(data: Any, keys: tuple[str, ...]) -> bool:
    """Whether the well-formed object ``data`` holds one of ``keys`` twice with different
    values (json.loads, the reference, takes the last)."""
    pairs = json.loads(
        bytes(data) if isinstance(data, memoryview) else data, object_pairs_hook=list
    )
    seen: dict[str, Any] = {}
    return any(seen.setdefault(k, v) != v for k, v in pairs if k in keys)


def _outcome(func: Any, *args: Any) -> Any:
    """A function's result as comparable data, or the DecodeError class."""
    try:
        result = func(*args)
    except rt_fast.DecodeError:
        return rt_fast.DecodeError
    if isinstance(result, memoryview):
        return ("view", bytes(result))
    if isinstance(result, rt_fast.UnknownEvent):
        return (rt_fast.UnknownEvent, result.type, result.event_id, bytes(result.raw))
    if isinstance(result, msgspec.Struct):
        return (type(result), msgspec.to_builtins(result))
    return result


def _payload_generic(data: Any) -> Any:
    """audio_payload's generic answer: the guard, then the frame decoded by the first audio
    class of its tag (of the generations that have it) that takes it, unless it holds its type
    or payload twice with different values."""
    data = _guard.frame_of(data)
    _guard.check(data)
    tag = rt_fast.peek_type(data)
    classes = [cls for cls in _audio.AUDIO_EVENTS if cls.__struct_config__.tag == tag]
    if not classes:
        raise rt_fast.DecodeError("not audio")
    for cls in classes:
        field = _audio.AUDIO_EVENTS[cls]
        try:
            event = _audio._lenient(cls)(data)
        except _route.INPUT_ERRORS:
            continue
        if _repeats(data, ("type", field)):
            raise rt_fast.DecodeError("repeated")
        return memoryview(getattr(event, field).encode())
    raise rt_fast.DecodeError("no audio class of the tag takes it")


def _pcm_generic(data: Any) -> bytes:
    payload = _payload_generic(data)
    try:
        return _audio._b64decode(bytes(payload))
    except ValueError:
        raise rt_fast.DecodeError("bad base64") from None


def _check_all(protocol: str, direction: str, data: Any) -> None:
    """Every fast path agrees with its generic path on ``data``."""
    decode = rt_fast.decode_server_event if direction == "server" else rt_fast.decode_client_event
    decoder = rt_fast.Decoder(getattr(rt_fast, protocol).ServerEvent if direction == "server"
                              else getattr(rt_fast, protocol).ClientEvent)  # fmt: skip
    expected = _outcome(_generic, protocol, direction, data)
    assert _outcome(decode, data, protocol) == expected
    assert _outcome(decoder.decode, data) == expected
    union = _decoders._decoder(
        _decoders._SERVER if direction == "server" else _decoders._CLIENT, protocol, "snake"
    )
    fast = _audio.decode_audio_event(_guard.frame_of(data), union._audio)  # at any size
    assert fast is None or _outcome(lambda: fast) == expected
    if isinstance(data, bytes):  # in place, as the log reader takes a line of its buffer
        buffer = bytearray(b'{"type":"x"}\n' + data + b"\n{}")
        route = _reader_route(data, union._audio)
        stop = 13 + len(data)
        at = None if route is None else _in_place(buffer, route, 13, stop, None)
        assert at == fast
        span = _stack.this_thread.span  # as the reader passes it
        read = union._read(buffer, 13, stop, memoryview(buffer)[13:stop], span)  # the route
        assert read.__class__ is _route.Declined or _outcome(lambda: read) == expected
        _check_measured(buffer, route, 13, stop, at)
    assert _outcome(rt_fast.audio_payload, data) == _outcome(_payload_generic, data)
    pcm = _outcome(rt_fast.decode_pcm, data)
    generic_pcm = _outcome(_pcm_generic, data)
    assert pcm == generic_pcm


def _in_place(
    buffer: bytearray, route: Any, start: int, stop: int, pcm: dict[int, int] | None
) -> Any:
    """The audio fast path on ``buffer[start:stop]`` in place, as ``Decoder.read`` takes it at
    any size: the event, or with ``pcm`` the event with an empty payload and its PCM size."""
    found = _audio.locate(buffer, route, start, stop)
    if found is None:
        return None
    if pcm is None:
        return _audio.event(buffer, found)
    got = _audio.measured(buffer, found)
    if got is None:
        return None
    pcm[0] = got[1]
    return got[0]


def _reader_route(line: bytes, routes: Any) -> Any:
    """The audio route the codec's route takes a line by: its lead (``_route``; without
    pybase64 or stringzilla the reader takes no audio fast path)."""
    if not _audio.TYPED:
        return None
    return routes.get(line[: _route.lead_end(line)])


def _base64(payload: str) -> bool:
    try:
        _audio._b64decode(payload.encode())
    except ValueError:
        return False
    return True


def _check_measured(buffer: bytearray, route: Any, start: int, stop: int, event: Any) -> None:
    """Measuring (the log reader's stats path) takes the frames ``event`` takes, giving the
    event with an empty payload and the size the statistics give any payload: a base64
    payload's decoded size."""
    pcm: dict[int, int] = {}
    header = None if route is None else _in_place(buffer, route, start, stop, pcm)
    assert (header is None) == (event is None)
    if header is not None:
        field = _audio.AUDIO_EVENTS[_variants.origin(type(event))]
        payload = getattr(event, field)
        assert header == msgspec.structs.replace(event, **{field: ""})
        assert pcm[0] == _audio.pcm_bytes(payload)
        if _base64(payload):
            assert pcm[0] == len(base64.b64decode(payload, validate=True))


payloads = st.binary(max_size=4000).map(lambda b: base64.b64encode(b).decode())
audio_kinds = st.sampled_from(AUDIO)
buffers = st.sampled_from(
    [bytes, bytearray, memoryview, lambda b: b.decode("utf-8", "surrogatepass")]
)


@SETTINGS
@given(kind=audio_kinds, payload=payloads, wrap=buffers)
def test_valid_frames_agree(kind: Any, payload: str, wrap: Any) -> None:
    """Valid compact frames of every audio event: fast paths equal the generic path."""
    protocol, direction, cls, field = kind
    data = _dump(_frame(cls, field, payload))
    _check_all(protocol, direction, wrap(data))
    assert rt_fast.decode_pcm(wrap(data)) == base64.b64decode(payload)


@SETTINGS
@given(kind=audio_kinds, payload=payloads, seed=st.integers(0, 2**32 - 1))
def test_escaped_payloads_agree(kind: Any, payload: str, seed: int) -> None:
    """Payloads written with JSON escapes (\\/, \\u0041) decode to the unescaped audio."""
    protocol, direction, cls, field = kind
    rng = random.Random(seed)
    escaped = "".join(
        ("\\/" if ch == "/" else f"\\u{ord(ch):04x}") if rng.random() < 0.1 else ch
        for ch in payload
    )
    data = _dump(_frame(cls, field, "PAYLOAD")).replace(b"PAYLOAD", escaped.encode())
    _check_all(protocol, direction, data)
    if "\\" in escaped:
        assert bytes(rt_fast.audio_payload(data)) == payload.encode()


@SETTINGS
@given(kind=audio_kinds, payload=payloads, seed=st.integers(0, 2**32 - 1),
       indent=st.sampled_from([None, 0, 2]), extra=st.dictionaries(
           st.sampled_from(["x", "delta", "audio", "meta", "type_"]),
           st.recursive(st.none() | st.integers() | st.text(max_size=8),
                        lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(["delta", "audio", "k"]), inner, max_size=3),
                        max_leaves=6), max_size=3))  # fmt: skip
def test_reordered_spaced_and_extra_members_agree(
    kind: Any, payload: str, seed: int, indent: Any, extra: dict[str, Any]
) -> None:
    """Reordered keys, whitespace, unknown and nested members, duplicates: same answers."""
    protocol, direction, cls, field = kind
    frame = _frame(cls, field, payload)
    items = list(frame.items()) + list(extra.items())
    random.Random(seed).shuffle(items)
    if seed % 3 == 0:  # keep the type first, as the API sends it
        items.sort(key=lambda kv: kv[0] != "type")
    body = ",".join(json.dumps(k) + ":" + json.dumps(v, indent=indent) for k, v in items)
    _check_all(protocol, direction, ("{" + body + "}").encode())


@SETTINGS
@given(kind=audio_kinds, payload=payloads, data=st.data())
def test_mutated_frames_agree(kind: Any, payload: str, data: Any) -> None:
    """Truncations, byte flips and insertions: same answer or DecodeError on both paths."""
    protocol, direction, cls, field = kind
    frame = bytearray(_dump(_frame(cls, field, payload)))
    action = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
    at = data.draw(st.integers(0, len(frame)))
    if action == "truncate":
        del frame[at:]
    elif action == "flip" and at < len(frame):
        frame[at] ^= 1 << data.draw(st.integers(0, 7))
    else:
        frame[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    _check_all(protocol, direction, bytes(frame))


@SETTINGS
@given(garbage=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
@example(b'{"type":"response.output_audio.delta"')
@example(b'{"type":"response.output_audio.delta",' + b"A" * 3000)
def test_garbage_agrees(garbage: bytes) -> None:
    """Arbitrary bytes give the same answer (mostly DecodeError) on every path."""
    for protocol, direction, _, _ in AUDIO:
        _check_all(protocol, direction, garbage)


def test_truncation_at_every_offset() -> None:
    """A large audio frame cut at every offset: the fast paths never accept what the generic rejects."""
    frame = _dump(
        _frame(ga.ResponseOutputAudioDeltaEvent, "delta", base64.b64encode(bytes(2400)).decode())
    )
    for end in range(0, len(frame), 7):
        _check_all("ga", "server", frame[:end])


@pytest.mark.parametrize(
    "tail",
    ['"AAAA","x":"BB"}', '"AA"AA"}', '"AAAA","delta":"BBBB"}', '"AAAA","delta":""}', '""}', '"}'],
)
def test_a_payload_that_does_not_end_at_the_frame_end_agrees(tail: str) -> None:
    """A frame ending ``"}`` whose payload is not all of what lies before it: a member after
    it, a stray quote, a repeat. The fast path reads up to the frame's end and then finds the
    quote in its check of the payload: the answers are the generic path's."""
    head = _dump(_frame(ga.ResponseOutputAudioDeltaEvent, "delta", ""))[: -len('""}')]
    frame = (head.decode() + tail).encode()
    _check_all("ga", "server", frame)
    _check_all("ga", "server", frame.replace(b'"delta":"', b'"delta":"' + b"A" * 12_000, 1))


def test_fast_path_is_taken_and_zero_copy() -> None:
    """A compact frame's payload is a view of the input buffer, and the typed fast path runs."""
    pytest.importorskip("pybase64", reason="the zero-copy paths need pybase64 (the audio extra)")
    frame = _dump(
        _frame(ga.ResponseOutputAudioDeltaEvent, "delta", base64.b64encode(bytes(3000)).decode())
    )
    view = rt_fast.audio_payload(frame)
    assert view.obj is frame and bytes(view) == base64.b64encode(bytes(3000))
    assert (
        _audio.decode_audio_event(
            frame, _decoders._decoder(_decoders._SERVER, "ga", "snake")._audio
        )
        is not None
    )
    large = _dump(
        _frame(ga.ResponseOutputAudioDeltaEvent, "delta", base64.b64encode(bytes(24_000)).decode())
    )
    assert len(large) >= _codec._AUDIO_MIN
    _check_all("ga", "server", large)


def test_view_lifetime_rules() -> None:
    """A view pins a bytearray (no resize) until released; bytes(view) detaches a copy."""
    pytest.importorskip("pybase64", reason="the zero-copy paths need pybase64 (the audio extra)")
    buffer = bytearray(_dump(_frame(ga.InputAudioBufferAppendEvent, "audio", "AAAA")))
    view = rt_fast.audio_payload(buffer)
    assert view.obj is buffer
    with pytest.raises(BufferError):
        buffer.extend(b"x")
    copy = bytes(view)
    view.release()
    buffer.extend(b"x")
    assert copy == b"AAAA"


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.output_text.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"hi"}',
        b'{"type":"error","event_id":"e","error":{"type":"t","message":"m"}}',
        b'{"type":"no.such.event"}',
        b"[]",
    ],
)
def test_non_audio_frames_are_decode_errors(frame: bytes) -> None:
    """audio_payload and decode_pcm raise DecodeError for anything but an audio frame."""
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.audio_payload(frame)
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.decode_pcm(frame)


def test_invalid_base64_is_decode_error() -> None:
    """decode_pcm rejects a payload that is not base64, naming the field."""
    frame = _dump(_frame(ga.InputAudioBufferAppendEvent, "audio", "not base64!"))
    with pytest.raises(rt_fast.DecodeError, match="`audio`") as info:
        rt_fast.decode_pcm(frame)
    assert info.value.path == "$.audio"


@SETTINGS
@given(tag=st.text(max_size=40), before=st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
       spaced=st.booleans())  # fmt: skip
def test_peek_type_equals_the_decoded_type(tag: str, before: dict[str, int], spaced: bool) -> None:
    """peek_type gives the type the full decoder reads, whatever the key order or escapes."""
    assume(all(tag not in m.CLIENT_EVENTS for m in (ga, beta, translation)))  # else invalid
    frame = {**{k: v for k, v in before.items() if k != "type"}, "type": tag, "event_id": "e"}
    data = json.dumps(frame, separators=(", ", " : ") if spaced else (",", ":")).encode()
    assert rt_fast.peek_type(data) == tag == msgspec.json.decode(data)["type"]
    assert rt_fast.decode_client_event(data, "auto").type == tag


def test_peek_type_reads_only_the_opening() -> None:
    """With type first, peek_type answers without decoding the rest."""
    delta = b'{"type":"response.output_audio.delta","delta":"' + b"A" * 10**6 + b'"}'
    assert rt_fast.peek_type(delta) == "response.output_audio.delta"
    assert rt_fast.peek_type(b'{"type":"session.created","session":{"id":') == "session.created"
    assert rt_fast.peek_type('{"type":"session.created"}') == "session.created"
    assert rt_fast.peek_type(memoryview(b'{"type":"x","event_id":"e"}')) == "x"


@pytest.mark.parametrize(
    "frame", [b"", b"[]", b'{"event_id":"e"}', b'{"type":5}', b"\xff", b'{"type":"a']
)
def test_peek_type_without_a_string_type_is_decode_error(frame: bytes) -> None:
    """Frames that are not objects with a string type raise DecodeError."""
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.peek_type(frame)


def test_generated_session_audio(ga_session: list[tuple[str, bytes]]) -> None:
    """Every audio frame of a generated session: fast typed decode equals the generic one."""
    audio = [
        (d, f)
        for d, f in ga_session
        if b'"audio_buffer.append"' in f[:40] or b"output_audio.delta" in f[:40]
    ]
    assert len(audio) > 100
    for direction, frame in audio:
        _check_all("ga", direction, frame)


@SETTINGS
@given(payload=payloads | st.text(alphabet="ABCab01+/=\n -_", max_size=40))
@example("QQ==")
@example("QQ")
@example("QQ===")
@example("=QQ=")
def test_stdlib_base64_fallback_agrees(payload: str) -> None:
    """The stdlib fallback accepts and rejects what pybase64 does, with the same bytes."""
    pybase64 = pytest.importorskip("pybase64", reason="pybase64 is part of the test extra")

    def outcome(decode: Any) -> Any:
        try:
            return decode(payload.encode())
        except ValueError:
            return ValueError

    stdlib = outcome(_audio._stdlib_b64decode)
    simd = outcome(lambda b: pybase64.b64decode(b, validate=True))
    assert stdlib == simd


def test_without_pybase64_the_answers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pybase64 (stdlib base64, no SIMD check) every path still agrees."""
    monkeypatch.setattr(_audio, "SIMD", False)
    monkeypatch.setattr(_audio, "_b64decode", _audio._stdlib_b64decode)
    payload = base64.b64encode(bytes(range(256)) * 12).decode()
    for protocol, direction, cls, field in AUDIO:
        frame = _dump(_frame(cls, field, payload))
        _check_all(protocol, direction, frame)
        _check_all(protocol, direction, frame.replace(b"/", b"\\/", 1))
        assert rt_fast.decode_pcm(frame) == bytes(range(256)) * 12


def test_without_stringzilla_the_answers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """With pybase64 alone (the ``audio`` extra), payloads are checked as base64 instead of by
    stringzilla's one pass, and every path still agrees: plain, escaped, not base64."""
    monkeypatch.setattr(_audio, "_find_first_not_of", None)
    payload = base64.b64encode(bytes(range(256)) * 12).decode()
    for protocol, direction, cls, field in AUDIO:
        for text in (payload, payload[:-4] + "AA=A", "not base64 at all"):
            frame = _dump({**_frame(cls, field, text), "event_id": "event_1"})
            _check_all(protocol, direction, frame)
            _check_all(protocol, direction, frame.replace(b"/", b"\\/", 1))
            _check_all(protocol, direction, frame.decode())


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"input_audio_buffer.append","audio":"}',  # the lead's quote is the end's
        b'{"type":"input_audio_buffer.append","audio":"AAAA"}}',
        b'{"type":"input_audio_buffer.append","audio":"AA"AA"}',
        b'{"type":"input_audio_buffer.append","audio":"AAAA","audio":"BBBB"}',
    ],
)
def test_bare_microphone_frames_that_are_not_are_errors(frame: bytes) -> None:
    """The bare-frame shortcut of audio_payload and decode_pcm takes only what decodes."""
    for read in (rt_fast.audio_payload, rt_fast.decode_pcm, rt_fast.decode_client_event):
        with pytest.raises(rt_fast.DecodeError):
            read(frame)


@pytest.mark.parametrize(
    "frame",
    [  # an append with an event_id whose payload key repeats: never read as one payload
        b'{"type":"input_audio_buffer.append","event_id":"e1","audio":"AAAA","audio":"BBBB"}',
        b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"","audio":"BBBB"}',
        b'{"type":"input_audio_buffer.append","event_id":"\\u00e9","audio":"AA","audio":"BBBB"}',
        b'{"type":"input_audio_buffer.append","event_id":"\xc3\xa9","audio":"AAAA","audio":""}',
    ],
)
def test_an_append_with_an_event_id_holds_its_payload_once(frame: bytes) -> None:
    for decode in (rt_fast.decode_client_event, rt_fast.Decoder(ga.ClientEvent).decode):
        with pytest.raises(rt_fast.DecodeError, match="twice"):
            decode(frame)
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.audio_payload(frame)


@pytest.mark.parametrize(
    "frame",
    [  # the same event, spelled longer than its shortest text: taken, by the slower check
        b'{"type":"input_audio_buffer.append","event_id":"e1","audio":"AAAA"}',
        b'{"type":"input_audio_buffer.append", "event_id":"e1","audio":"AAAA"}',
        b'{"type":"input_audio_buffer.append","event_id":"\\u0065\\u0031","audio":"AAAA"}',
        b'{"type":"input_audio_buffer.append","event_id":"\xc3\xa9","audio":"AAAA"}',
        b'{"type":"input_audio_buffer.append","audio":"AAAA","audio":"AAAA","event_id":"e"}',
    ],
)
def test_an_append_with_an_event_id_decodes_however_it_is_spelled(frame: bytes) -> None:
    event = rt_fast.Decoder(ga.ClientEvent).decode(frame)
    assert isinstance(event, ga.InputAudioBufferAppendEvent) and event.audio == "AAAA"
    assert msgspec.to_builtins(event) == json.loads(frame)


@pytest.mark.parametrize(
    "event_id",
    [b"", b"e", b"event_ABCdef123", b"a b", b"\\u0041", b'\\"', b"\xc3\xa9", b"x" * 200, b"\x01"],
)
@pytest.mark.parametrize(
    "tag", [b"input_audio_buffer.append", b"session.input_audio_buffer.append"]
)
def test_appends_with_an_event_id_give_the_decoders_payload(event_id: bytes, tag: bytes) -> None:
    """The microphone's frame with an event_id before its audio: the payload and PCM the full
    decoder gives, or its error; never another reading of the id."""
    frame = b'{"type":"' + tag + b'","event_id":"' + event_id + b'","audio":"AAECAw=="}'
    protocol = "translation" if tag.startswith(b"session.") else "ga"
    try:
        event = rt_fast.decode_client_event(frame, protocol)
    except rt_fast.DecodeError:
        with pytest.raises(rt_fast.DecodeError):
            rt_fast.audio_payload(frame)
        with pytest.raises(rt_fast.DecodeError):
            rt_fast.decode_pcm(frame)
        return
    assert json.loads(frame)["event_id"] == event.event_id
    assert bytes(rt_fast.audio_payload(frame)) == event.audio.encode() == b"AAECAw=="
    assert rt_fast.decode_pcm(frame) == b"\x00\x01\x02\x03"


@pytest.mark.parametrize(
    ("cls", "frame"),
    [  # a class decoded alone may take a frame without its type: its bytes could hide a repeat
        (ga.InputAudioBufferAppendEvent,
         b'{"audio":"BBBBBBBBBBBBBBBBBBBBBBBB","audio":"QUJD"}'),
        (ga.ResponseOutputAudioDeltaEvent,
         b'{"event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,'
         b'"delta":"BBBBBBBBBBBBBBBBBBBBBBBBBB","delta":"QUJD"}'),
        (translation.SessionInputAudioBufferAppendEvent,
         b'{"event_id":"e","audio":"BBBBBBBBBBBBBBBBB","audio":"QUJD"}'),
    ],
)  # fmt: skip
def test_a_typeless_frame_holds_its_payload_once_too(cls: Any, frame: bytes) -> None:
    decoder = rt_fast.Decoder(cls)
    for decode in (lambda d: rt_fast.decode(d, type=cls), decoder.decode, decoder.decode_lines):
        for data in (frame, bytearray(frame), frame.decode()):
            with pytest.raises(rt_fast.DecodeError, match="twice"):
                decode(data)


_VIEWS = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked")
sys.meta_path.insert(0, Block())
import rt_fast
bare = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'
delta = (b'{"type":"response.output_audio.delta","event_id":"e","response_id":"r",'
         b'"item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}')
for frame in (bare, bytearray(bare), delta, bytearray(delta)):
    view = rt_fast.audio_payload(frame)
    print(int(view.obj is frame), end="")
"""


@pytest.mark.parametrize(
    "blocked", [(), ("stringzilla",), ("pybase64",), ("pybase64", "stringzilla")]
)
def test_audio_payload_is_a_view_as_its_docstring_says(blocked: tuple[str, ...]) -> None:
    """audio_payload is a view of the input with either extra (the speed extra, or pybase64
    or stringzilla alone), and without both only for a bytes frame holding just type and
    audio, as its docstring says (a process each, the extras blocked or not installed)."""
    extras = {name for name in ("pybase64", "stringzilla") if importlib.util.find_spec(name)}
    views = "1111" if extras - set(blocked) else "1000"
    code = f"BLOCKED = {set(blocked)!r}\n" + _VIEWS
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == views


_PEEK_TAGS = ["response.done", "session.created", "input_audio_buffer.append",
              "response.output_audio.delta", "conversation.item.added", "no.such.type"]  # fmt: skip
_MEMBERS = st.one_of(
    st.tuples(
        st.sampled_from(['"type"', '"ty\\u0070e"']), st.sampled_from(_PEEK_TAGS).map(json.dumps)
    ),
    st.tuples(st.just('"type"'), st.just('"response\\u002edone"')),
    st.tuples(
        st.sampled_from(['"event_id"', '"audio"', '"delta"']),
        st.sampled_from(['"e"', '""', '"QQ=="']),
    ),
    st.tuples(
        st.just('"response"'),
        st.sampled_from(_PEEK_TAGS).map(lambda t: f'{{"type":"{t}","x":[1]}}'),
    ),
    st.tuples(st.just('"n"'), st.sampled_from(["1", "[]", "null", '"\\""', '"é"'])),
)


def _peek_outcome(frame: Any) -> str:
    try:
        return rt_fast.peek_type(frame)
    except rt_fast.DecodeError:
        return "DecodeError"


def _on_a_small_thread(call: Any) -> Any:
    """``call()`` on a thread of 256 KiB, where frames past a few hundred bytes take the
    scanning path: the answer must not depend on the path."""
    out: list[Any] = []
    before = threading.stack_size(256 * 1024)
    try:
        thread = threading.Thread(target=lambda: out.append(call()))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(before)
    return out[0]


@SETTINGS
@given(members=st.lists(_MEMBERS, max_size=5), pad=st.integers(0, 3000))
@example([('"type"', '"response.done"'), ('"type"', '"session.created"')], 0)
@example([('"event_id"', '"e"'), ('"type"', '"response.done"')], 0)
@example([('"type"', '"response\\u002edone"')], 0)
@example([('"type"', '"response.done"'), ('"response"', '{"type":"session.created","x":[1]}')], 0)
@example([('"type"', '"input_audio_buffer.append"'), ('"audio"', '""'), ('"audio"', '"QQ=="')], 0)
def test_peek_type_answers_alike_on_every_path(members: list[tuple[str, str]], pad: int) -> None:
    """A small bytes frame is skimmed by msgspec, a larger one (or one on a small stack, or a
    str) is scanned: each gives the same type or the same refusal, and the type the decoders
    read where they take the frame."""
    text = "{" + ",".join(f"{k}:{v}" for k, v in [*members, ('"p"', json.dumps("x" * pad))]) + "}"
    frame = text.encode()
    answer = _peek_outcome(frame)
    assert _on_a_small_thread(lambda: _peek_outcome(frame)) == answer
    assert _peek_outcome(text) == answer
    assert _peek_outcome(bytearray(frame)) == answer
    try:
        decoded = rt_fast.decode_server_event(frame, "auto")
    except rt_fast.DecodeError:
        try:
            decoded = rt_fast.decode_client_event(frame, "auto")
        except rt_fast.DecodeError:
            return
    assert answer == decoded.type
