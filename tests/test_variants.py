"""camelCase keys (``naming="camel"``): generated from the snake models, for every generation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import beta, ga, live, translation
from rt_fast._guard import _field_types
from rt_fast._models import Model
from rt_fast._variants import origin, variant

GOLDEN = Path(__file__).parent / "data" / "golden"
MODULES = {"ga": ga, "beta": beta, "translation": translation, "live": live}

SNAKE = {
    "type": "session.created",
    "event_id": "event_1",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_1",
        "output_modalities": ["audio"],
        "tools": [
            {
                "type": "function",
                "name": "lookup_order",
                "parameters": {
                    "type": "object",
                    "properties": {"order_id": {"type": "string"}},
                    "additionalProperties": False,
                },
            }
        ],
        "max_output_tokens": "inf",
        "tracing": {"workflow_name": "w", "metadata": {"user_id": "u_1"}},
        "audio": {"input": {"turn_detection": {"type": "server_vad", "prefix_padding_ms": 300}}},
    },
}
CAMEL = {
    "type": "session.created",
    "eventId": "event_1",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_1",
        "outputModalities": ["audio"],
        "tools": [
            {
                "type": "function",
                "name": "lookup_order",
                "parameters": {
                    "type": "object",
                    "properties": {"order_id": {"type": "string"}},
                    "additionalProperties": False,
                },
            }
        ],
        "maxOutputTokens": "inf",
        "tracing": {"workflowName": "w", "metadata": {"user_id": "u_1"}},
        "audio": {"input": {"turnDetection": {"type": "server_vad", "prefixPaddingMs": 300}}},
    },
}


def _golden() -> list[Any]:
    return [
        pytest.param(path.stem, line, id=f"{path.stem}-{line['kind']}:{line['name']}")
        for path in sorted(GOLDEN.glob("*.jsonl"))
        for line in map(json.loads, path.read_text().splitlines())
    ]


def _decode(generation: str, kind: str, name: str, data: bytes, naming: str) -> Any:
    if kind == "rest":
        return rt_fast.decode(data, type=getattr(MODULES[generation], name), naming=naming)  # type: ignore[arg-type]
    decode = rt_fast.decode_server_event if kind == "server" else rt_fast.decode_client_event
    return decode(data, protocol=generation, naming=naming)  # type: ignore[arg-type]


def test_camel_keys_rename_fields_but_not_user_data() -> None:
    """Struct fields become camelCase; tags, tool parameters and metadata keep their keys."""
    snake = rt_fast.decode_server_event(json.dumps(SNAKE))
    camel_bytes = rt_fast.encode(snake, naming="camel")
    assert json.loads(camel_bytes) == CAMEL
    camel = rt_fast.decode_server_event(camel_bytes, naming="camel")
    assert camel == snake or msgspec.to_builtins(camel) == CAMEL
    assert json.loads(rt_fast.encode(camel)) == SNAKE
    assert json.loads(rt_fast.encode(camel, naming="camel")) == CAMEL


def test_camel_objects_are_instances_of_the_same_classes() -> None:
    """Decoded camel objects are subclasses of the snake classes: isinstance and match work."""
    event = rt_fast.decode_server_event(json.dumps(CAMEL), naming="camel")
    assert isinstance(event, ga.SessionCreatedEvent)
    match event:
        case ga.SessionCreatedEvent(session=ga.RealtimeSessionCreateRequest(id=session_id)):
            assert session_id == "sess_1"
        case _:
            pytest.fail("match on the snake classes did not narrow the camel object")
    assert origin(type(event)) is ga.SessionCreatedEvent
    assert variant(ga.SessionCreatedEvent, rename="camel") is type(event)


def test_snake_keys_are_not_read_as_camel() -> None:
    """A camel decoder does not accept snake keys for fields that differ."""
    with pytest.raises(rt_fast.DecodeError, match="eventId"):
        rt_fast.decode_server_event(json.dumps(SNAKE), naming="camel")


@pytest.mark.parametrize(("generation", "line"), _golden())
def test_golden_frames_round_trip_in_camel(generation: str, line: dict[str, Any]) -> None:
    """Every golden frame of every generation goes snake -> camel -> snake unchanged."""
    kind, name, frame = line["kind"], line["name"], line["frame"]
    snake = _decode(generation, kind, name, json.dumps(frame).encode(), "snake")
    camel_bytes = rt_fast.encode(snake, naming="camel")
    camel = _decode(generation, kind, name, camel_bytes, "camel")
    assert isinstance(camel, type(snake))
    assert msgspec.to_builtins(camel) == json.loads(camel_bytes)
    assert json.loads(rt_fast.encode(camel)) == frame


def test_camel_decoder_and_decode_any_model() -> None:
    """Decoder(..., naming="camel") and decode(..., naming="camel") read camel keys."""
    body = b'{"value":"ek_1","expiresAt":1,"session":{"type":"realtime","object":"realtime.session","id":"s","outputModalities":["text"]}}'
    secret = rt_fast.decode(body, type=ga.ClientSecretCreateResponse, naming="camel")
    assert secret.expires_at == 1 and secret.session.output_modalities == ["text"]
    decoder = rt_fast.Decoder(ga.ClientEvent, naming="camel")
    append = decoder.decode(b'{"type":"input_audio_buffer.append","eventId":"e","audio":"AAAA"}')
    assert isinstance(append, ga.InputAudioBufferAppendEvent) and append.event_id == "e"
    assert "naming='camel'" in repr(decoder)


def test_unknown_naming_is_value_error() -> None:
    """An unknown naming raises ValueError, on decode and on encode."""
    with pytest.raises(ValueError, match="unknown naming 'kebab'"):
        rt_fast.decode_server_event(b"{}", naming="kebab")  # type: ignore[call-overload]
    event = rt_fast.decode_client_event(b'{"type":"input_audio_buffer.commit"}')
    with pytest.raises(ValueError, match="unknown naming"):
        rt_fast.encode(event, naming="kebab")  # type: ignore[arg-type]


def _models() -> list[type[msgspec.Struct]]:
    """Every model class of every generation (each module's and package's names)."""
    found: set[type[msgspec.Struct]] = set()
    for package in MODULES.values():
        for module in (package, *(getattr(package, n) for n in ("client", "server", "session"))):
            found |= {
                o for o in vars(module).values() if isinstance(o, type) and issubclass(o, Model)
            }
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_the_guards_field_types_are_msgspecs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard reads field types from the models' annotations, without resolving them as
    msgspec does; msgspec gives the same types for every model and variant (and a string
    annotation falls back to it)."""
    models = [variant(cls, **options) for cls in _models()
              for options in ({}, {"rename": "camel"}, {"forbid_unknown_fields": False})]  # fmt: skip
    assert len(models) > 600
    resolved = [[info.type for info in msgspec.structs.fields(cls)] for cls in models]
    with monkeypatch.context() as patch:
        patch.setattr(msgspec.structs, "fields", None)  # the models need no fallback
        assert [_field_types(cls) for cls in models] == resolved

    class Later(Model):  # this module's annotations are strings (the __future__ import)
        item: ga.AudioContent

    assert _field_types(Later) == [ga.AudioContent]


THREADS_AT_ONCE = r"""
import sys, threading
import rt_fast
sys.setswitchinterval(1e-6)
frame = b'{"type":"conversation.item.created","eventId":"e","previousItemId":null,"zzz":1,' \
        b'"item":{"type":"message","role":"user","content":[{"type":"input_text","text":"x"}]}}'
classes, start = [], threading.Barrier(8)
def decode():
    start.wait()
    event = rt_fast.decode_server_event(frame, naming="camel")
    classes.append((type(event), type(event.item)))
threads = [threading.Thread(target=decode) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(len(set(classes)))
"""


def test_threads_asking_for_a_variant_at_once_get_one_class() -> None:
    """Decoders made on first use by threads at once (camel, lenient) make each class once, so
    every thread's events are of one class, in a fresh process each time."""
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", THREADS_AT_ONCE], capture_output=True,
                              text=True, timeout=60, check=True)  # fmt: skip
        assert done.stdout.strip() == "1", done.stdout
