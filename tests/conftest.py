"""Shared fixtures: the corpora beside the checkout, and a generated GA session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from rt_fast._traffic import session_frames

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RT_FAST_SHARED", ROOT.parent / "shared"))
REAL = SHARED / "corpus" / "real"
JSONTESTSUITE = SHARED / "corpus" / "jsontestsuite" / "test_parsing"


def require(path: Path) -> Path:
    """``path``, or a skip saying the shared corpus is not beside this checkout."""
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (set RT_FAST_SHARED to the shared/ folder)")
    return path


def recorded() -> list[tuple[bytes, dict[str, Any]]]:
    """The recorded real frames with their provenance, or [] when the corpus is absent."""
    if not REAL.exists():
        return []
    frames = (REAL / "recorded.jsonl").read_bytes().splitlines()
    provenance = (REAL / "recorded.provenance.jsonl").read_text().splitlines()
    return [(frame, json.loads(p)) for frame, p in zip(frames, provenance, strict=False)]


@pytest.fixture(scope="session")
def ga_session() -> list[tuple[str, bytes]]:
    """A generated GA session of four turns (server and client frames, in order)."""
    return list(session_frames(seed=7, turns=4))
