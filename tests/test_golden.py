"""Golden frames: one realistic, wire-exact frame per event tag and REST object, round-tripped.

``tests/data/golden/<generation>.jsonl`` holds one line per server event tag, client event tag
and REST object of that generation: ``{"kind": "server"|"client"|"rest", "name": <wire type or
REST class name>, "frame": {...}}``. Frames are compact JSON with ``type`` first, then
``event_id``, as the API sends them. They are recorded frames from ``shared/corpus/real/`` where
one exists (long instructions and transcripts shortened, every field kept), and spec examples
otherwise, with only obvious spec-example artefacts fixed (placeholder ids and audio, a beta
``"format": "pcm16"``, a ``type`` with a leading space, a beta ``conversation.item.retrieved``
example published as ``conversation.item.created``). Browser-log frames whose
``JSON.stringify`` wrote ``"speed": 1`` carry ``1.0``, as the wire does. Every generation of
rt_fast must have its file and its REST objects in ``REST_OBJECTS``; every file present is
tested.
"""

from __future__ import annotations

import collections
import importlib
import json
import types
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast

GOLDEN = Path(__file__).parent / "data" / "golden"

# The REST objects of each generation, by rt_fast class name.
REST_OBJECTS = {
    "ga": (
        "RealtimeSessionCreateResponse",
        "RealtimeTranscriptionSessionCreateResponse",
        "ClientSecretCreateResponse",
    ),
    "beta": (
        "RealtimeSessionCreateResponse",  # POST /v1/realtime/sessions
        "TranscriptionSession",  # POST /v1/realtime/transcription_sessions
    ),
    "translation": (
        "RealtimeTranslationClientSecretCreateResponse",
        "RealtimeTranslationSession",
    ),
    "live": (
        "LiveCreateResponse",  # POST /v1/live/sessions
        "SessionForkResponse",  # POST /v1/live/sessions/{id}/fork
        "SessionResource",  # GET /v1/live/sessions/{id}
    ),
}

# The protocol generations rt_fast has: its public subpackages with event tables.
RT_GENERATIONS = sorted(
    name for name in rt_fast.__all__ if hasattr(getattr(rt_fast, name), "SERVER_EVENTS")
)
FILES = sorted(path.stem for path in GOLDEN.glob("*.jsonl"))
GENERATIONS = sorted({*FILES, *RT_GENERATIONS, *REST_OBJECTS})


def _load(generation: str) -> list[dict[str, Any]]:
    text = (GOLDEN / f"{generation}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


LINES = [(generation, line) for generation in FILES for line in _load(generation)]


def _module(generation: str) -> types.ModuleType:
    return importlib.import_module(f"rt_fast.{generation}")


def _expected_class(generation: str, kind: str, name: str) -> type[Any]:
    module = _module(generation)
    if kind == "rest":
        return getattr(module, name)
    table = module.SERVER_EVENTS if kind == "server" else module.CLIENT_EVENTS
    return table[name]


def _decode(generation: str, kind: str, data: bytes, cls: type[Any]) -> Any:
    if kind == "server":
        return rt_fast.decode_server_event(data, protocol=generation)
    if kind == "client":
        return rt_fast.decode_client_event(data, protocol=generation)
    return rt_fast.decode(data, type=cls)


def _wire(frame: dict[str, Any]) -> bytes:
    """The frame as the API sends it: compact UTF-8 JSON, keys in the given order."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture(params=GENERATIONS)
def generation(request: pytest.FixtureRequest) -> str:
    """Each protocol generation: of rt_fast, of ``REST_OBJECTS``, or with a golden file."""
    return request.param


@pytest.mark.parametrize(
    ("generation", "line"),
    LINES,
    ids=[f"{generation}-{line['kind']}:{line['name']}" for generation, line in LINES],
)
def test_golden_frame_round_trips(generation: str, line: dict[str, Any]) -> None:
    """A golden frame decodes to its class and encodes back to the same frame and object."""
    kind, name, frame = line["kind"], line["name"], line["frame"]
    cls = _expected_class(generation, kind, name)
    decoded = _decode(generation, kind, _wire(frame), cls)
    assert type(decoded) is cls
    assert msgspec.to_builtins(decoded) == frame
    encoded = rt_fast.encode(decoded)
    assert json.loads(encoded) == frame
    assert _decode(generation, kind, encoded, cls) == decoded


@pytest.mark.parametrize(
    ("generation", "line"),
    LINES,
    ids=[f"{generation}-{line['kind']}:{line['name']}" for generation, line in LINES],
)
def test_golden_frame_is_wire_shaped(generation: str, line: dict[str, Any]) -> None:
    """An event's golden frame is tagged with its name, ``type`` first and ``event_id`` next."""
    if line["kind"] == "rest":
        assert hasattr(_module(generation), line["name"])
        return
    keys = list(line["frame"])
    assert line["frame"]["type"] == line["name"]
    assert keys[0] == "type"
    assert "event_id" not in keys or keys[1] == "event_id"


def test_rt_fast_generations_are_listed() -> None:
    """The generations are found (a broken discovery would silently test nothing)."""
    assert {"ga", "beta", "translation", "live"} <= set(RT_GENERATIONS)


def test_every_tag_has_one_golden_frame(generation: str) -> None:
    """Every server and client event tag and every REST object has exactly one golden frame."""
    assert generation in RT_GENERATIONS, f"{generation!r} is not a generation of rt_fast"
    assert generation in REST_OBJECTS, f"list the REST objects of {generation!r} in REST_OBJECTS"
    assert generation in FILES, f"no golden file {generation}.jsonl in {GOLDEN}"
    module = _module(generation)
    counts = collections.Counter((line["kind"], line["name"]) for line in _load(generation))
    expected = [
        *(("server", tag) for tag in module.SERVER_EVENTS),
        *(("client", tag) for tag in module.CLIENT_EVENTS),
        *(("rest", name) for name in REST_OBJECTS[generation]),
    ]
    assert counts == collections.Counter(expected)
