"""Decoding comparable frames of each generation: beta and translation against GA.

Measures ``rt_fast.decode_server_event`` on the same payload in the shape of each generation
(a 17 KB audio delta, a transcript delta, a ``response.done``), with ``protocol`` set to the
frame's generation, and with ``protocol="auto"`` (which must find the generation first); the
frames are built in ``data.py``. The generations share the codec, so their times should be
within a few percent of each other.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

import rt_fast
from benchmarks.data import generations

FRAMES = generations()
CASES = [
    pytest.param(kind, generation, protocol, id=f"{kind}-{generation}-{protocol}")
    for kind, by_generation in FRAMES.items()
    for generation in by_generation
    for protocol in (generation, "auto")
]


@pytest.mark.parametrize(("kind", "generation", "protocol"), CASES)
def test_decode_generation(timed: Any, kind: str, generation: str, protocol: str) -> None:
    """Decode a frame of one generation, told its generation or left to detect it."""
    data = FRAMES[kind][generation]
    expected = json.loads(data)

    def decode(frame: bytes) -> Any:
        return rt_fast.decode_server_event(frame, protocol)

    def correct(event: Any) -> bool:
        module = type(event).__module__.split(".")[1]
        return module == generation and msgspec.to_builtins(event) == expected

    timed(f"{generation} ({protocol})", f"generations: {kind}", decode, data, correct)
