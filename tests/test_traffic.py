"""The traffic generator (``rt_fast._traffic``): SDK-valid, wire-exact, deterministic frames."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from importlib import resources
from typing import Any

import pytest

from rt_fast._traffic import session_frames

pydantic = pytest.importorskip("pydantic")
realtime = pytest.importorskip("openai.types.realtime")

SERVER = pydantic.TypeAdapter(realtime.RealtimeServerEvent)
CLIENT = pydantic.TypeAdapter(realtime.RealtimeClientEvent)
FRAMES = list(session_frames(seed=11, turns=8))

# Fields the API sends that the SDK's models do not declare (seen in recorded frames).
WIRE_ONLY = {
    "$.session.object",
    "$.session.id",
    "$.session.expires_at",
    "$.obfuscation",
}


def _undeclared(model: Any, path: str = "$") -> list[str]:
    """The JSON paths of fields that ``model`` kept as pydantic extras."""
    if isinstance(model, pydantic.BaseModel):
        found = [f"{path}.{key}" for key in model.__pydantic_extra__ or {}]
        for name in type(model).model_fields:
            found += _undeclared(getattr(model, name), f"{path}.{name}")
        return found
    if isinstance(model, list):
        return [p for i, item in enumerate(model) for p in _undeclared(item, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("index", range(len(FRAMES)))
def test_frame_validates_against_the_sdk(index: int) -> None:
    """Every generated frame validates against the SDK's union for its direction, field for field."""
    direction, frame = FRAMES[index]
    model = (SERVER if direction == "server" else CLIENT).validate_json(frame)
    assert set(_undeclared(model)) <= WIRE_ONLY
    dumped = model.model_dump(mode="json", exclude_unset=True, by_alias=True, warnings=False)
    assert dumped == json.loads(frame)


def test_frames_are_compact_with_type_first() -> None:
    """Frames are compact JSON, as the API sends them: no spaces, ``type`` the first key."""
    for _, frame in FRAMES:
        obj = json.loads(frame)
        assert next(iter(obj)) == "type"
        compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
        assert frame == compact


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    """A seed fixes the session; another seed gives another."""
    assert list(session_frames(seed=11, turns=8)) == FRAMES
    assert list(session_frames(seed=12, turns=8)) != FRAMES


def test_session_has_what_the_benchmarks_promise() -> None:
    """Both directions, every turn kind, ~25 transcript and ~40 audio deltas per answer."""
    kinds = Counter((d, json.loads(f)["type"]) for d, f in FRAMES)
    answers = kinds["server", "response.output_audio.done"]
    assert answers == 8
    assert 20 <= kinds["server", "response.output_audio_transcript.delta"] / answers < 30
    assert 36 <= kinds["server", "response.output_audio.delta"] / answers < 44
    for client in ("session.update", "input_audio_buffer.append", "input_audio_buffer.commit",
                   "response.create", "conversation.item.create"):  # fmt: skip
        assert kinds["client", client], client
    assert kinds["server", "response.function_call_arguments.done"] == 2
    assert kinds["server", "rate_limits.updated"] == kinds["server", "response.done"]


def test_audio_sizes() -> None:
    """Answers carry 2.4-24 KB of PCM a delta; the microphone sends 20-100 ms (0.96-4.8 KB)."""
    for direction, frame in FRAMES:
        obj = json.loads(frame)
        if obj["type"] in ("response.output_audio.delta", "input_audio_buffer.append"):
            pcm = len(obj["delta" if direction == "server" else "audio"]) * 3 // 4
            low, high = (2400, 24048) if direction == "server" else (960, 4848)
            assert low <= pcm <= high


def test_bundled_sample_is_seed_2026_three_turns() -> None:
    """The bundled sample is ``session_frames(seed=2026, turns=3)``, one frame a line."""
    data = (
        resources.files("rt_fast").joinpath("data").joinpath("sample_session.jsonl.gz").read_bytes()
    )
    expected = b"".join(frame + b"\n" for _, frame in session_frames(seed=2026, turns=3))
    assert gzip.decompress(data) == expected
