"""``rt_fast.encode_audio``: an audio frame built from PCM bytes is ``encode`` of its event."""

from __future__ import annotations

import base64
from typing import Any, Union, get_args

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import _audio, _variants, ga, translation

AUDIO = sorted(_audio.AUDIO_EVENTS.items(), key=lambda item: item[0].__module__)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _values(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a field's type: str or int, and for optional fields UNSET or None as well."""
    args = [a for a in get_args(tp) if a is not type(None) and a is not msgspec.UnsetType]
    base = (args[0] if args else tp) if getattr(tp, "__origin__", None) is Union else tp
    values = TEXT if base is str else st.integers(-(2**63), 2**63 - 1)
    if base is tp:
        return values
    return st.one_of(st.just(msgspec.UNSET), st.none(), values)


@st.composite
def _fields(draw: st.DrawFn, cls: type[Any], payload: str) -> dict[str, Any]:
    """The event's fields but its payload: every required one, and some of the others."""
    chosen = {}
    for field in msgspec.structs.fields(cls):
        if field.name == payload:
            continue
        value = draw(_values(field.type))
        if field.required or value is not msgspec.UNSET:
            chosen[field.name] = value
    return chosen


@pytest.mark.parametrize(("cls", "payload"), AUDIO, ids=lambda v: getattr(v, "__module__", v))
@settings(max_examples=60, deadline=None)
@given(data=st.data(), pcm=st.binary(max_size=3000), naming=st.sampled_from(["snake", "camel"]))
def test_byte_identical_to_encode(
    cls: type[Any], payload: str, data: st.DataObject, pcm: bytes, naming: str
) -> None:
    """Every audio class, any fields, both namings: the bytes of ``encode`` of the event, which
    decodes back to that event, and ``decode_pcm`` gives the PCM back."""
    fields = data.draw(_fields(cls, payload))
    event = cls(**fields, **{payload: base64.b64encode(pcm).decode()})
    frame = rt_fast.encode_audio(cls, pcm, naming=naming, **fields)  # type: ignore[arg-type]
    assert frame == rt_fast.encode(event, naming=naming)  # type: ignore[arg-type]
    assert rt_fast.decode(frame, type=cls, naming=naming) == _variants.recast(event, naming)
    if naming == "snake":  # the audio functions read the wire's own (snake) keys
        assert rt_fast.decode_pcm(frame) == pcm
    assert rt_fast.peek_type(frame) == cls.__struct_config__.tag


def test_any_buffer_and_the_cached_bare_frame() -> None:
    """bytes, bytearray and memoryview PCM give one frame; the bare append is the API's own."""
    pcm = bytes(range(256)) * 4
    frames = {
        rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, buffer)
        for buffer in (pcm, bytearray(pcm), memoryview(pcm), memoryview(b"x" + pcm)[1:])
    }
    assert frames == {
        b'{"type":"input_audio_buffer.append","audio":"' + base64.b64encode(pcm) + b'"}'
    }
    assert rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, b"") == (
        b'{"type":"input_audio_buffer.append","audio":""}'
    )


def test_fields_after_the_payload_keep_their_place() -> None:
    """A translation delta's optional fields come after ``delta``, as ``encode`` writes them."""
    frame = rt_fast.encode_audio(
        translation.SessionOutputAudioDeltaEvent, b"\x01\x02", event_id="e", sample_rate=24000
    )
    assert (
        frame
        == b'{"type":"session.output_audio.delta","event_id":"e","delta":"AQI=","sample_rate":24000}'
    )


@pytest.mark.parametrize(
    ("cls", "pcm", "fields"),
    [
        (ga.SessionUpdateEvent, b"", {}),  # not an audio event
        ("input_audio_buffer.append", b"", {}),  # a tag, not a class
        (ga.ResponseOutputAudioDeltaEvent, b"", {"event_id": "e"}),  # required fields missing
        (ga.ResponseOutputAudioDeltaEvent, b"", {}),
        (ga.InputAudioBufferAppendEvent, b"", {"speed": 1}),  # no such field
        (ga.InputAudioBufferAppendEvent, "AAAA", {}),  # text, not PCM bytes
        (ga.InputAudioBufferAppendEvent, 7, {}),
    ],
)
def test_what_cannot_be_an_audio_frame_is_a_type_error(cls: Any, pcm: Any, fields: Any) -> None:
    with pytest.raises(TypeError):
        rt_fast.encode_audio(cls, pcm, **fields)


@pytest.mark.parametrize(("cls", "field"), AUDIO, ids=[cls.__qualname__ for cls, _ in AUDIO])
def test_a_field_whose_value_holds_the_payloads_key_leaves_the_payload_in_place(
    cls: type[Any], field: str
) -> None:
    """encode_audio is encode of the event even where another field's value (of a type the
    model does not expect: values are not validated) holds the payload's key."""
    pcm = b"\x01\x02" * 300
    tricky = {"trace": {"x": 1, field: "", "y": [{field: ""}]}}
    fields = {"event_id": tricky}
    for name in ("response_id", "item_id", "output_index", "content_index"):
        if name in cls.__struct_fields__ and name != field:
            fields[name] = tricky if name.endswith("_id") else 0
    made = rt_fast.encode_audio(cls, pcm, **fields)
    assert made == rt_fast.encode(cls(**fields, **{field: base64.b64encode(pcm).decode()}))


def test_a_strided_view_is_read_in_order_and_a_released_one_is_a_type_error() -> None:
    """A strided view of PCM (one channel of two) encodes the bytes it shows; a released view,
    or PCM that is not a buffer, is a TypeError."""
    stereo = memoryview(bytes(range(200))).cast("H")  # 100 samples, two channels interleaved
    left = stereo[::2]
    frame = rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, left)
    assert rt_fast.decode_pcm(frame) == left.tobytes()
    released = memoryview(b"\x00\x01")
    released.release()
    for bad in (released, 5, "text"):
        with pytest.raises(TypeError):
            rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, bad)  # type: ignore[arg-type]
