"""The README keeps its word: its opening example says what the sample holds, and the round-trip
promise of the guide it links holds."""

from __future__ import annotations

import gzip
import json
import re
from importlib.resources import files

import msgspec
import pytest

import rt_fast

from .conftest import ROOT

SAMPLE = gzip.decompress((files("rt_fast") / "data" / "sample_session.jsonl.gz").read_bytes())
LINES = [line for line in SAMPLE.splitlines() if line.strip()]


def _opening_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", readme, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_opening_example_says_what_the_sample_holds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's first example, run as written, prints the sample's audio seconds, tokens
    and client frame types, each counted here another way."""
    exec(compile(_opening_example(), "README.md", "exec"), {"__name__": "__main__"})
    pcm = sum(
        len(rt_fast.decode_pcm(f)) for f in LINES if b'"response.output_audio.delta"' in f[:40]
    )
    tokens = sum(
        json.loads(f)["response"]["usage"]["total_tokens"]
        for f in LINES
        if b'"response.done"' in f[:30]
    )
    clients = sorted({json.loads(f)["type"] for f in LINES} - set(rt_fast.ga.SERVER_EVENTS))
    assert capsys.readouterr().out == (
        f"{pcm / 48_000:.1f} s of 24 kHz PCM16, {tokens} tokens\nclient frames: {', '.join(clients)}\n"
    )


@pytest.mark.parametrize("frame", LINES[:60] + LINES[-60:], ids=lambda f: rt_fast.peek_type(f))
def test_round_trips_as_the_readme_says(frame: bytes) -> None:
    """Equal JSON always; the bytes are the frame's exactly when its keys came in model order."""
    event = rt_fast.decode(frame, type=rt_fast.ga.Event)
    encoded = rt_fast.encode(event)
    assert msgspec.to_builtins(event) == json.loads(frame) == json.loads(encoded)
    assert rt_fast.encode(rt_fast.decode(encoded, type=rt_fast.ga.Event)) == encoded
    in_model_order = json.dumps(json.loads(encoded), separators=(",", ":"))
    if json.dumps(json.loads(frame), separators=(",", ":")) == in_model_order:
        assert encoded == frame  # keys (and numbers) came as the model writes them


def test_some_sample_lines_come_back_in_another_key_order() -> None:
    """The round-trips guide's example of bytes that differ: keys sent in another order."""
    reordered = [f for f in LINES if rt_fast.encode(rt_fast.decode(f, type=rt_fast.ga.Event)) != f]
    assert 0 < len(reordered) < len(LINES)
    said = f"{len(reordered)} of the sample's {len(LINES)} lines"
    assert said in " ".join((ROOT / "docs" / "round-trips.md").read_text(encoding="utf-8").split())
