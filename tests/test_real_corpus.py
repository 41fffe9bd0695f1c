"""Real frames recorded from the API (``shared/corpus/real``): every complete one decodes exactly.

A complete frame (provenance ``partial`` false) decodes to the class its ``type`` names and
``msgspec.to_builtins`` gives back the frame exactly; REST bodies decode to the model of their
endpoint. Partial frames (fields dropped by whoever logged them) either decode or raise
``DecodeError``. The prober's deliberately invalid frames are checked for what they are.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import beta, ga

from .conftest import REAL, recorded, require

GENERATIONS = {"ga": ga, "beta": beta}
REST = {
    ("ga", "POST /v1/realtime/client_secrets"): ga.ClientSecretCreateResponse,
    ("beta", "POST /v1/realtime/sessions"): beta.RealtimeSessionCreateResponse,
    ("beta", "POST /v1/realtime/transcription_sessions"): beta.TranscriptionSession,
}
FRAMES = recorded()


def _decode(frame: bytes, provenance: dict[str, Any]) -> Any:
    protocol, direction = provenance["protocol"], provenance["direction"]
    if direction == "rest":
        return rt_fast.decode(frame, type=REST[protocol, provenance["endpoint"]])
    decode = rt_fast.decode_server_event if direction == "server" else rt_fast.decode_client_event
    return decode(frame, protocol=protocol)


def _cases(partial: bool) -> list[Any]:
    return [
        pytest.param(frame, provenance, id=f"line{number}")
        for number, (frame, provenance) in enumerate(FRAMES, 1)
        if provenance["protocol"] in GENERATIONS
        and provenance["partial"] is partial
        and not provenance.get("deliberately_invalid")
    ]


def test_corpus_is_present() -> None:
    """The recorded corpus is beside the checkout, with complete frames of every generation."""
    require(REAL)
    assert {p["protocol"] for _, p in FRAMES} >= set(GENERATIONS)
    assert len(_cases(partial=False)) > 2600


@pytest.mark.parametrize(("frame", "provenance"), _cases(partial=False))
def test_complete_frame_decodes_exactly(frame: bytes, provenance: dict[str, Any]) -> None:
    """A complete recorded frame decodes to its class and round-trips exactly."""
    expected = json.loads(frame)
    decoded = _decode(frame, provenance)
    if provenance["direction"] == "rest":
        assert isinstance(decoded, REST[provenance["protocol"], provenance["endpoint"]])
    else:
        module = GENERATIONS[provenance["protocol"]]
        table = (
            module.SERVER_EVENTS if provenance["direction"] == "server" else module.CLIENT_EVENTS
        )
        assert type(decoded) is table[expected["type"]]
    assert msgspec.to_builtins(decoded) == expected
    assert json.loads(rt_fast.encode(decoded)) == expected


@pytest.mark.parametrize(("frame", "provenance"), _cases(partial=True))
def test_partial_frame_decodes_or_raises_decode_error(
    frame: bytes, provenance: dict[str, Any]
) -> None:
    """A frame whose logger dropped fields decodes exactly or raises DecodeError, nothing else."""
    try:
        decoded = _decode(frame, provenance)
    except rt_fast.DecodeError as error:
        assert error.path.startswith("$")
    else:
        assert msgspec.to_builtins(decoded) == json.loads(frame)


def test_frame_of_unknown_generation_decodes_in_both() -> None:
    """The error frame whose generation nobody recorded decodes as GA and as beta."""
    require(REAL)
    unknown = [f for f, p in FRAMES if p["protocol"] == "unknown"]
    assert unknown
    for frame in unknown:
        for protocol in GENERATIONS:
            event = rt_fast.decode_server_event(frame, protocol=protocol)
            assert msgspec.to_builtins(event) == json.loads(frame)


def test_deliberately_invalid_frames() -> None:
    """The prober's unknown type is an UnknownEvent; its unknown session field is ignored."""
    require(REAL)
    invalid = [(f, p) for f, p in FRAMES if p.get("deliberately_invalid")]
    outcomes = {json.loads(f)["type"]: _decode(f, p) for f, p in invalid}
    assert isinstance(outcomes["nope"], rt_fast.UnknownEvent)
    update = outcomes["session.update"]
    assert isinstance(update, ga.SessionUpdateEvent)
    assert msgspec.to_builtins(update) == {
        "type": "session.update",
        "session": {"type": "realtime"},
    }
