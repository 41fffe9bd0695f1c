"""From an audio frame to its audio: the base64 payload, and the decoded PCM bytes.

Audio is most of a session's bytes: the server's ``response.output_audio.delta`` frames (the
``audio`` frame set of ``data.py``) and the client's ``input_audio_buffer.append`` frames
(``data.AUDIO_IN``). Each benchmark takes every frame of one of those sets to its payload (the
base64 text) or to its PCM bytes, with:

- the stdlib: ``json.loads`` then ``base64.b64decode``;
- orjson then pybase64 (``validate=True``: stricter, and its fast path);
- rt_fast's typed decoder (``decode_server_event``/``decode_client_event``) then ``base64``;
- rt_fast's zero-copy ``audio_payload`` and ``decode_pcm``, where this rt_fast has them;
- a memchr scan (``bytes.index`` for the key and the closing quote, then pybase64): the floor
  for any parser, since it validates nothing.

Outputs are checked against ``json.loads`` + ``base64.b64decode`` before timing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

import rt_fast
from benchmarks import data
from benchmarks.conftest import exclude

KEYS = {"server": "delta", "client": "audio"}
SETS = {"audio out": data.FRAME_SETS["audio"], "audio in": data.AUDIO_IN}
Factory = Callable[[str], Callable[[bytes], Any]]  # direction -> frame -> payload or PCM


def _json(key: str) -> Callable[[bytes], Any]:
    return lambda frame: json.loads(frame)[key]


def _json_base64(key: str) -> Callable[[bytes], bytes]:
    return lambda frame: base64.b64decode(json.loads(frame)[key])


def _orjson(key: str) -> Callable[[bytes], Any]:
    import orjson

    return lambda frame: orjson.loads(frame)[key]


def _orjson_pybase64(key: str) -> Callable[[bytes], bytes]:
    import orjson
    import pybase64

    return lambda frame: pybase64.b64decode(orjson.loads(frame)[key], validate=True)


def _decoder(direction: str) -> Callable[[bytes], Any]:
    return rt_fast.decode_server_event if direction == "server" else rt_fast.decode_client_event


def _typed(direction: str) -> Callable[[bytes], Any]:
    decode, key = _decoder(direction), KEYS[direction]
    return lambda frame: getattr(decode(frame), key)


def _typed_base64(direction: str) -> Callable[[bytes], bytes]:
    decode, key = _decoder(direction), KEYS[direction]
    return lambda frame: base64.b64decode(getattr(decode(frame), key))


def _scan(key: str) -> Callable[[bytes], memoryview]:
    marker = b'"' + key.encode() + b'":"'
    skip = len(marker)

    def payload(frame: bytes) -> memoryview:
        start = frame.index(marker) + skip
        return memoryview(frame)[start : frame.index(b'"', start)]

    return payload


def _scan_pybase64(key: str) -> Callable[[bytes], bytes]:
    import pybase64

    marker = b'"' + key.encode() + b'":"'
    skip, a2b = len(marker), pybase64.b64decode

    def pcm(frame: bytes) -> bytes:
        start = frame.index(marker) + skip
        return a2b(memoryview(frame)[start : frame.index(b'"', start)], validate=True)

    return pcm


def _by_key(make: Callable[[str], Callable[[bytes], Any]]) -> Factory:
    return lambda direction: make(KEYS[direction])


def _impls(output: str) -> dict[str, tuple[Factory, bool]]:
    """name -> (factory, ours) for ``output`` "payload" or "pcm"."""
    if output == "payload":
        impls: dict[str, tuple[Factory, bool]] = {
            "json.loads": (_by_key(_json), False),
            "orjson.loads": (_by_key(_orjson), False),
            "rt_fast typed": (_typed, True),
            "memchr scan (floor)": (_by_key(_scan), False),
        }
        if hasattr(rt_fast, "audio_payload"):
            impls["rt_fast.audio_payload"] = (lambda _: rt_fast.audio_payload, True)
        return impls
    impls = {
        "json + base64": (_by_key(_json_base64), False),
        "orjson + pybase64": (_by_key(_orjson_pybase64), False),
        "rt_fast typed + base64": (_typed_base64, True),
        "memchr scan + pybase64 (floor)": (_by_key(_scan_pybase64), False),
    }
    if hasattr(rt_fast, "decode_pcm"):
        impls["rt_fast.decode_pcm"] = (lambda _: rt_fast.decode_pcm, True)
    return impls


def _expected(output: str, direction: str, frame: bytes) -> bytes:
    payload = json.loads(frame)[KEYS[direction]]
    return base64.b64decode(payload) if output == "pcm" else payload.encode()


CASES = [
    pytest.param(output, kind, impl, id=f"{output}-{kind.replace(' ', '-')}-{impl}")
    for output in ("payload", "pcm")
    for kind in SETS
    for impl in _impls(output)
]


@pytest.mark.parametrize(("output", "kind", "impl"), CASES)
def test_audio(timed: Any, output: str, kind: str, impl: str) -> None:
    """Take every frame of an audio set to its payload or PCM with one implementation."""
    fs = SETS[kind]
    group = f"{output}: {kind} ({len(fs.frames)} frames, {fs.size / 1e6:.2f} MB)"
    factory, ours = _impls(output)[impl]
    try:
        funcs = {direction: factory(direction) for direction in KEYS}
    except ImportError as exc:
        exclude(impl, group, f"{exc.name} is not installed")
    pairs = [(funcs[direction], frame) for direction, frame in fs.frames]
    expected = [_expected(output, direction, frame) for direction, frame in fs.frames]

    def correct(out: list[Any]) -> bool | str:
        got = [x.encode() if isinstance(x, str) else bytes(x) for x in out]
        return got == expected or "output differs from json.loads + base64.b64decode"

    timed(impl, group, data.decode_each, pairs, correct, size=fs.size, ours=ours)
