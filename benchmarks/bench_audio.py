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

    timed(impl, group, data.decode_each, pairs, correct, size=fs.size, ours=ours,
          timing=data.decode_dropping)  # fmt: skip


# -- audio out: PCM bytes to the frame a gateway or a test server sends ------------------------
#
# Each implementation builds every frame of a set from its PCM and the event's other fields:
# rt_fast.encode_audio; rt_fast.encode of the event holding the base64 text; orjson.dumps of a
# dict holding pybase64's text; the SDK's way (base64, the SDK's model, json.dumps of its dump).
# Each output must be the same JSON as the recorded frame (rt_fast's: the same bytes).

_CLASSES = {"server": rt_fast.ga.ResponseOutputAudioDeltaEvent,
            "client": rt_fast.ga.InputAudioBufferAppendEvent}  # fmt: skip
_TAGS = {direction: cls.__struct_config__.tag for direction, cls in _CLASSES.items()}
Job = tuple[str, bytes, dict[str, Any]]  # direction, PCM, the other fields but the type


def _jobs(frames: list[tuple[str, bytes]]) -> list[Job]:
    jobs = []
    for direction, frame in frames:
        fields = json.loads(frame)
        pcm = base64.b64decode(fields.pop(KEYS[direction]))
        del fields["type"]
        jobs.append((direction, pcm, fields))
    return jobs


def _build_encode_audio() -> Callable[[Job], bytes]:
    encode_audio, classes = rt_fast.encode_audio, _CLASSES
    return lambda job: encode_audio(classes[job[0]], job[1], **job[2])


def _build_encode() -> Callable[[Job], bytes]:
    encode, classes = rt_fast.encode, _CLASSES

    def build(job: Job) -> bytes:
        direction, pcm, fields = job
        payload = {KEYS[direction]: base64.b64encode(pcm).decode()}
        return encode(classes[direction](**fields, **payload))

    return build


def _build_orjson() -> Callable[[Job], bytes]:
    import orjson
    import pybase64

    dumps, b64 = orjson.dumps, pybase64.b64encode

    def build(job: Job) -> bytes:
        direction, pcm, fields = job
        return dumps({"type": _TAGS[direction], **fields, KEYS[direction]: b64(pcm).decode()})

    return build


def _build_sdk() -> Callable[[Job], bytes]:
    from openai.types.realtime import InputAudioBufferAppendEvent, ResponseAudioDeltaEvent

    models = {"server": ResponseAudioDeltaEvent, "client": InputAudioBufferAppendEvent}

    def build(job: Job) -> bytes:
        direction, pcm, fields = job
        payload = {KEYS[direction]: base64.b64encode(pcm).decode()}
        event = models[direction](type=_TAGS[direction], **fields, **payload)
        return json.dumps(event.model_dump(exclude_unset=True)).encode()

    return build


BUILDERS: dict[str, tuple[Callable[[], Callable[[Job], bytes]], bool]] = {
    "rt_fast.encode_audio": (_build_encode_audio, True),
    "rt_fast.encode (base64 str)": (_build_encode, True),
    "orjson + pybase64": (_build_orjson, False),
    "openai model + json.dumps": (_build_sdk, False),
}


@pytest.mark.parametrize("kind", list(SETS), ids=lambda k: k.replace(" ", "-"))
@pytest.mark.parametrize("impl", list(BUILDERS))
def test_audio_frames_built(timed: Any, impl: str, kind: str) -> None:
    """Build every frame of an audio set from its PCM and its other fields."""
    fs = SETS[kind]
    group = f"frames from PCM: {kind} ({len(fs.frames)} frames, {fs.size / 1e6:.2f} MB)"
    make, ours = BUILDERS[impl]
    try:
        build = make()
    except ImportError as exc:
        exclude(impl, group, f"{exc.name} is not installed")
    jobs = _jobs(fs.frames)
    recorded = [frame for _, frame in fs.frames]

    def correct(out: list[bytes]) -> bool | str:
        if ours and out != recorded:
            return "not the recorded frame's bytes"
        same = all(json.loads(o) == json.loads(r) for o, r in zip(out, recorded, strict=True))
        return same or "not the recorded frame's JSON"

    timed(impl, group, lambda js: [build(job) for job in js], jobs, correct, size=fs.size,
          ours=ours)  # fmt: skip
