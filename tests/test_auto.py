"""``protocol="auto"``: frames of a mixed-generation stream go where their shape fits.

The rule (``rt_fast._codec``): a frame goes to the first generation, GA then beta then
translation then Live, whose models take its whole shape; failing that, to the first generation that
has its ``type``; a ``type`` no generation has is an ``UnknownEvent``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import beta, ga, live, translation

from .conftest import recorded

ORDER = ["ga", "beta", "translation", "live"]
MODULES = {"ga": ga, "beta": beta, "translation": translation, "live": live}
GOLDEN = Path(__file__).parent / "data" / "golden"


def _generation_of(event: Any) -> str:
    return type(event).__module__.split(".")[1]


def _stream() -> list[tuple[str, str, bytes]]:
    """(generation, direction, frame): golden frames of every generation and real ones."""
    frames = [
        (path.stem, line["kind"], json.dumps(line["frame"]).encode())
        for path in sorted(GOLDEN.glob("*.jsonl"))
        for line in map(json.loads, path.read_text().splitlines())
        if line["kind"] != "rest"
    ]
    frames += [
        (p["protocol"], p["direction"], f)
        for f, p in recorded()
        if p["protocol"] in MODULES
        and p["direction"] != "rest"
        and not p["partial"]
        and not p.get("deliberately_invalid")
    ]
    return frames


STREAM = _stream()


def _decode(frame: bytes, direction: str, protocol: str) -> Any:
    decode = rt_fast.decode_server_event if direction == "server" else rt_fast.decode_client_event
    return decode(frame, protocol=protocol)


def _lossless(frame: bytes, direction: str, protocol: str) -> bool:
    try:
        event = _decode(frame, direction, protocol)
    except rt_fast.DecodeError:
        return False
    return not isinstance(event, rt_fast.UnknownEvent) and msgspec.to_builtins(event) == json.loads(
        frame
    )


def test_mixed_stream_follows_the_rule() -> None:
    """Every frame of a mixed stream decodes losslessly, in the first generation that fits."""
    assert {g for g, _, _ in STREAM} == set(ORDER)
    for generation, direction, frame in STREAM:
        event = _decode(frame, direction, "auto")
        assert msgspec.to_builtins(event) == json.loads(frame)
        chosen = _generation_of(event)
        fits = [g for g in ORDER if _lossless(frame, direction, g)]
        assert generation in fits
        assert chosen == fits[0], (frame[:120], chosen, fits)


def test_beta_session_is_beta_and_ga_session_is_ga() -> None:
    """A shared tag goes where its shape fits: sessions with and without a session type."""
    beta_frame = b'{"type":"session.created","event_id":"e","session":{"id":"s","object":"realtime.session","modalities":["audio","text"],"voice":"alloy"}}'
    ga_frame = b'{"type":"session.created","event_id":"e","session":{"type":"realtime","object":"realtime.session","id":"s","output_modalities":["audio"]}}'
    assert isinstance(rt_fast.decode_server_event(beta_frame, "auto"), beta.SessionCreatedEvent)
    assert isinstance(rt_fast.decode_server_event(ga_frame, "auto"), ga.SessionCreatedEvent)


def test_beta_event_name_on_a_ga_connection() -> None:
    """response.audio.delta (a beta name seen on GA connections) is beta's; GA calls it unknown."""
    frame = b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}'
    assert isinstance(rt_fast.decode_server_event(frame, "auto"), beta.ResponseAudioDeltaEvent)
    assert isinstance(rt_fast.decode_server_event(frame), rt_fast.UnknownEvent)


def test_unmodelled_field_goes_to_the_generation_of_the_tag() -> None:
    """A frame with a field no generation knows goes to the first generation with its tag."""
    frame = b'{"type":"response.output_audio.done","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"future_field":1}'
    assert isinstance(rt_fast.decode_server_event(frame, "auto"), ga.ResponseOutputAudioDoneEvent)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            b'{"type":"response.output_audio.delta","event_id":"e"}',
            "missing required field `response_id`",
        ),
        (b'{"event_id":"e"}', "missing required field `type`"),
        (b"[1]", "Expected `object`, got `array`"),
        (b'{"type":"error",', "truncated"),
    ],
)
def test_invalid_frames_raise_the_tag_generation_error(frame: bytes, expected: str) -> None:
    """An invalid frame raises the DecodeError of the first generation that has its type."""
    with pytest.raises(rt_fast.DecodeError, match=expected):
        rt_fast.decode_server_event(frame, "auto")


def test_unknown_type_is_unknown_event_in_auto() -> None:
    """A well-formed frame of a type no generation has is an UnknownEvent."""
    event = rt_fast.decode_client_event(b'{"type":"nope","event_id":"e"}', "auto")
    assert isinstance(event, rt_fast.UnknownEvent) and event.event_id == "e"


def test_auto_decode_lines(ga_session: list[tuple[str, bytes]]) -> None:
    """decode_lines of an auto decoder takes a fast GA pass and falls back line by line."""
    decoder = rt_fast._decoders._decoder(rt_fast._decoders._SERVER, "auto", "snake")
    ga_lines = b"\n".join(f for d, f in ga_session if d == "server")
    assert all(_generation_of(e) == "ga" for e in decoder.decode_lines(ga_lines))
    beta_delta = b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}'
    mixed = decoder.decode_lines(ga_lines + b"\n" + beta_delta)
    assert isinstance(mixed[-1], beta.ResponseAudioDeltaEvent)
