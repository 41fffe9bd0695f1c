"""The codec: decoding from every buffer type, unknown types, errors, lines and encoding."""

from __future__ import annotations

import json
from typing import Any, Union, get_args

import msgspec
import pytest

import rt_fast
from rt_fast import ga

DELTA = (
    b'{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1",'
    b'"item_id":"item_1","output_index":0,"content_index":0,"delta":"AAAA"}'
)
BUFFERS = [bytes, bytearray, memoryview, lambda b: b.decode()]


@pytest.mark.parametrize("wrap", BUFFERS, ids=["bytes", "bytearray", "memoryview", "str"])
def test_every_buffer_type_decodes(wrap: Any) -> None:
    """bytes, bytearray, memoryview and str decode to the same event."""
    event = rt_fast.decode_server_event(wrap(DELTA))
    assert isinstance(event, ga.ResponseOutputAudioDeltaEvent)
    assert event.delta == "AAAA" and event.type == "response.output_audio.delta"


def test_absent_stays_unset_and_null_stays_none() -> None:
    """An absent optional field is UNSET, a null one None, and both survive encoding."""
    frame = b'{"type":"input_audio_buffer.committed","event_id":"e","previous_item_id":null,"item_id":"i"}'
    event = rt_fast.decode_server_event(frame)
    assert isinstance(event, ga.InputAudioBufferCommittedEvent)
    assert event.previous_item_id is None
    update = rt_fast.decode_client_event(b'{"type":"session.update","session":{"type":"realtime"}}')
    assert isinstance(update, ga.SessionUpdateEvent)
    assert update.event_id is msgspec.UNSET and update.session.instructions is msgspec.UNSET
    assert rt_fast.encode(event) == frame
    assert rt_fast.encode(update) == b'{"type":"session.update","session":{"type":"realtime"}}'


def test_unknown_type_is_unknown_event() -> None:
    """A well-formed frame of an unknown type decodes to UnknownEvent holding the raw frame."""
    frame = b'{"type":"response.hologram.delta","event_id":"event_9","delta":{"x":1}}'
    event = rt_fast.decode_server_event(frame)
    assert isinstance(event, rt_fast.UnknownEvent)
    assert (event.type, event.event_id, bytes(event.raw)) == (
        "response.hologram.delta",
        "event_9",
        frame,
    )
    assert rt_fast.encode(event) == frame


def test_unknown_type_without_event_id() -> None:
    """An unknown client frame with no event_id keeps event_id UNSET."""
    event = rt_fast.decode_client_event('{"type":"nope"}')
    assert isinstance(event, rt_fast.UnknownEvent)
    assert event.event_id is msgspec.UNSET and event.type == "nope"


def test_server_tag_is_unknown_to_client_decoder() -> None:
    """A server frame given to the client decoder is an unknown client type, not a crash."""
    event = rt_fast.decode_client_event(DELTA)
    assert isinstance(event, rt_fast.UnknownEvent)
    assert event.type == "response.output_audio.delta"


def test_unknown_fields_are_ignored() -> None:
    """Fields the model does not know are ignored, for forward compatibility."""
    frame = b'{"type":"input_audio_buffer.cleared","event_id":"e","new_field":[1,2,{"a":null}]}'
    event = rt_fast.decode_server_event(frame)
    assert isinstance(event, ga.InputAudioBufferClearedEvent)
    assert msgspec.to_builtins(event) == {"type": "input_audio_buffer.cleared", "event_id": "e"}


@pytest.mark.parametrize(
    ("frame", "message", "path", "field"),
    [
        (
            b'{"type":"session.created","event_id":"e","session":{"type":"realtime","object":"realtime.session","id":1}}',
            "Expected `str | null`, got `int`",
            "$.session.id",
            "id",
        ),
        (
            b'{"type":"error","event_id":"e","error":{"type":"invalid_request_error"}}',
            "missing required field `message`",
            "$.error",
            "message",
        ),
        (
            b'{"type":"conversation.item.added","event_id":"e","item":{"type":"message","content":[]}}',
            "missing required field `role`",
            "$.item",
            "role",
        ),
        (
            b'{"type":"response.done","event_id":"e","response":{"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":7}]}]}}',
            "Expected `str | null`, got `int`",
            "$.response.output[0].content[0].text",
            "text",
        ),
        (b'{"event_id":"e"}', "missing required field `type`", "$", "type"),
        (b'{"type":3}', "Expected `str`", "$.type", "type"),
        (b"[1,2]", "Expected `object`, got `array`", "$", None),
    ],
)
def test_invalid_frames_name_field_and_path(
    frame: bytes, message: str, path: str, field: str | None
) -> None:
    """An invalid frame raises DecodeError naming the field and its JSON path."""
    with pytest.raises(rt_fast.DecodeError) as info:
        rt_fast.decode_server_event(frame)
    error = info.value
    assert message in str(error)
    assert path == "$" or f"at `{path}`" in str(error)
    assert (error.path, error.field) == (path, field)
    assert isinstance(error, ValueError)


def test_error_path_is_structured() -> None:
    """DecodeError.loc gives the path as keys and indices."""
    frame = b'{"type":"response.done","event_id":"e","response":{"output":[{"type":"function_call","name":"f"}]}}'
    with pytest.raises(rt_fast.DecodeError) as info:
        rt_fast.decode_server_event(frame)
    assert info.value.loc == ("response", "output", 0)
    assert info.value.field == "arguments"


@pytest.mark.parametrize(
    "data", [b"", b"{", b'{"type":"error"', b"nul", b'{"type":"x",}', b"\xff\xfe"]
)
def test_malformed_json_raises_decode_error(data: bytes) -> None:
    """Malformed JSON, even with an unknown type, raises DecodeError, never UnknownEvent."""
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.decode_server_event(data)


def test_known_type_with_bad_body_is_not_unknown() -> None:
    """A known type with an invalid body is an error, not an UnknownEvent."""
    with pytest.raises(rt_fast.DecodeError, match="item_id"):
        rt_fast.decode_server_event(b'{"type":"input_audio_buffer.committed","event_id":"e"}')


def test_error_message_never_dumps_the_frame() -> None:
    """An error on a large frame carries a short message, not the frame."""
    tag = "x" * 50_000
    frame = json.dumps({"type": "error", "event_id": "e", "error": {"type": tag, "message": 5}})
    with pytest.raises(rt_fast.DecodeError) as info:
        rt_fast.decode_server_event(frame)
    assert len(str(info.value)) < 400 and "$.error.message" in str(info.value)


def test_lone_surrogate_in_str_is_decode_error() -> None:
    """A str input that cannot be UTF-8 raises DecodeError."""
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.decode_server_event('{"type":"error","event_id":"\ud800"}')


def test_protocol_must_be_known() -> None:
    """An unknown protocol name raises ValueError naming the ones there are."""
    with pytest.raises(ValueError, match="unknown protocol 'gamma'"):
        rt_fast.decode_server_event(DELTA, protocol="gamma")


def test_decode_any_model() -> None:
    """decode() decodes a REST object and reuses one decoder per type."""
    body = b'{"value":"ek_1","expires_at":1,"session":{"type":"transcription","object":"realtime.transcription_session","id":"sess_1"}}'
    secret = rt_fast.decode(body, type=ga.ClientSecretCreateResponse)
    assert isinstance(secret.session, ga.RealtimeTranscriptionSessionCreateResponse)
    assert rt_fast.encode(secret) == body
    with pytest.raises(rt_fast.DecodeError, match="missing required field `id`"):
        rt_fast.decode(
            b'{"type":"realtime","object":"realtime.session"}',
            type=ga.RealtimeSessionCreateResponse,
        )


def test_decode_finds_each_types_decoder_by_identity() -> None:
    """decode() keys its decoders by the type's identity (hashing a union of 57 events cost 2 µs
    a call), and a union equal to another but not the same object still gets its decoder."""
    frame = b'{"type":"input_audio_buffer.cleared","event_id":"e1"}'
    unions = [ga.Event, ga.ServerEvent, rt_fast.beta.Event, Union[tuple(get_args(ga.ServerEvent))]]
    for union in unions * 2:
        event = rt_fast.decode(frame, type=union)
        assert event.__class__ in get_args(union) and event.event_id == "e1"
    with pytest.raises(rt_fast.DecodeError, match="`int`"):
        rt_fast.decode(b'"text"', type=int)
    assert rt_fast.decode(b"3", type=int) == 3


def test_decoder_decode_lines(ga_session: list[tuple[str, bytes]]) -> None:
    """Decoder.decode_lines decodes a log and, for unknown types, falls back line by line."""
    decoder = rt_fast.Decoder(ga.Event)
    log = b"\n".join(frame for _, frame in ga_session) + b"\n"
    events = decoder.decode_lines(log)
    assert [e.type for e in events] == [json.loads(f)["type"] for _, f in ga_session]
    mixed = decoder.decode_lines(b'{"type":"new.thing"}\n\n' + ga_session[0][1])
    assert isinstance(mixed[0], rt_fast.UnknownEvent) and isinstance(
        mixed[1], ga.SessionCreatedEvent
    )


def test_decode_lines_reports_the_bad_line() -> None:
    """A bad line raises DecodeError carrying its 1-based line number."""
    decoder = rt_fast.Decoder(ga.ServerEvent)
    with pytest.raises(rt_fast.DecodeError) as info:
        decoder.decode_lines(DELTA + b"\n" + DELTA + b"\n{oops\n")
    assert info.value.line == 3 and str(info.value).startswith("line 3:")


def test_decoder_of_a_single_class() -> None:
    """A Decoder of one event class decodes it and rejects other types as errors."""
    decoder = rt_fast.Decoder(ga.ResponseOutputAudioDeltaEvent)
    assert decoder.decode(DELTA).delta == "AAAA"
    with pytest.raises(rt_fast.DecodeError):
        decoder.decode(b'{"type":"error","event_id":"e","error":{"type":"t","message":"m"}}')
    assert "ResponseOutputAudioDeltaEvent" in repr(decoder)


def test_events_are_frozen() -> None:
    """Decoded events are immutable; msgspec.structs.replace makes changed copies."""
    event = rt_fast.decode_server_event(DELTA)
    with pytest.raises(AttributeError):
        event.delta = "BBBB"  # type: ignore[misc]
    assert msgspec.structs.replace(event, delta="BBBB").delta == "BBBB"


def test_decode_lines_of_a_str_names_its_first_bad_line() -> None:
    """A lone surrogate in a later line does not hide an earlier bad line, as in bytes."""
    decoder = rt_fast.Decoder(rt_fast.ga.ClientEvent)
    good = '{"type":"input_audio_buffer.clear"}'
    surrogate = '{"type":"input_audio_buffer.clear","event_id":"\ud800"}'
    for text, line in (("not json\n" + good + "\n" + surrogate, 1), (good + "\n" + surrogate, 2)):
        with pytest.raises(rt_fast.DecodeError) as caught:
            decoder.decode_lines(text)
        assert caught.value.line == line
