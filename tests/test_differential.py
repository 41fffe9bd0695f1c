"""Differential fuzzing: every entry point and input form, against ``json.loads`` and msgspec.

Mutated real frames (the shared corpus, when it is beside the checkout) and generated ones,
and frames given repeated keys, for a bounded time: ``RT_FAST_FUZZ_SECONDS`` (60 by default;
set it higher for a longer run, e.g. 3600). The oracles:

* only ``DecodeError`` escapes, from every entry point, as ``bytes``, ``bytearray``,
  ``memoryview``, a view of part of a larger buffer, and ``str``; all forms give one answer;
* an accepted frame is JSON ``json.loads`` takes: its decoded object re-encodes to JSON equal
  to the frame where the model knows every member, and to a part of it otherwise (unknown
  members are dropped); an ``UnknownEvent`` keeps the frame's bytes;
* ``peek_type`` answers the decoder's ``type``; the audio paths give the decoded payload;
* a frame holding ``type`` (or an audio frame its payload key) twice with different values is
  a ``DecodeError`` for every reader;
* the log reader, fast paths and all, and ``decode_lines`` decode each line as the full
  decoder does.
"""

from __future__ import annotations

import base64
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import _audio, _decoders, ga
from rt_fast._live_traffic import live_session_frames
from rt_fast._traffic import session_frames
from tests.conftest import REAL

SECONDS = float(os.environ.get("RT_FAST_FUZZ_SECONDS", "60"))
# The payload key of each audio event's tag, in every generation.
PAYLOADS = {route.cls.__struct_config__.tag: route.field for route in _audio._ALL.values()}
DECODERS: dict[str, Callable[[Any], Any]] = {
    "ga server": rt_fast.decode_server_event,
    "ga client": rt_fast.decode_client_event,
    "beta server": lambda d: rt_fast.decode_server_event(d, protocol="beta"),
    "beta client": lambda d: rt_fast.decode_client_event(d, protocol="beta"),
    "translation": lambda d: rt_fast.decode_server_event(d, protocol="translation"),
    "live server": lambda d: rt_fast.decode_server_event(d, protocol="live"),
    "live client": lambda d: rt_fast.decode_client_event(d, protocol="live"),
    "auto server": lambda d: rt_fast.decode_server_event(d, protocol="auto"),
    "auto client": lambda d: rt_fast.decode_client_event(d, protocol="auto"),
    "camel": lambda d: rt_fast.decode_server_event(d, naming="camel"),
    "Decoder": rt_fast.Decoder(ga.Event).decode,
}
LINES = rt_fast.Decoder(ga.Event).decode_lines
FORMS: dict[str, Callable[[bytes], Any]] = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "slice": lambda b: memoryview(b"\n" + b + b"\n")[1:-1],
    "str": lambda b: b.decode("utf-8", "surrogateescape"),
}


def _seeds() -> list[bytes]:
    """Generated frames of both directions (one per type, audio included) of GA and Live
    sessions, and the real ones."""
    by_type: dict[bytes, bytes] = {}
    for _, frame in [*session_frames(seed=13, turns=3), *live_session_frames(seed=13, turns=2)]:
        by_type.setdefault(frame[:40], frame)
    seeds = list(by_type.values())
    for name in ("recorded.jsonl", "spec-examples.jsonl"):
        path: Path = REAL / name
        if path.exists():
            seeds += [line for line in path.read_bytes().splitlines() if line.strip()]
    return seeds


# -- mutations ------------------------------------------------------------------------------


def _escaped(key: str, rng: random.Random) -> str:
    """``key`` as a JSON string, one letter maybe spelled as a ``\\u`` escape."""
    if not key or rng.random() < 0.5:
        return json.dumps(key)
    at = rng.randrange(len(key))
    return '"' + key[:at] + f"\\u{ord(key[at]):04x}" + key[at + 1 :] + '"'


def _with_repeat(frame: bytes, rng: random.Random) -> bytes:
    """The frame with ``type``, its payload or another member written a second time (same
    value or another, before or after), the key maybe spelled with an escape."""
    try:
        obj = json.loads(frame)
    except ValueError:
        return frame
    if not isinstance(obj, dict) or not obj:
        return frame
    tag = obj.get("type")
    payload = PAYLOADS.get(tag, "type") if isinstance(tag, str) else "type"
    key = rng.choice(["type", payload, rng.choice(list(obj))])
    value = rng.choice([obj.get(key), "brand.new", "session.update", "", "AAAA", 5, None])
    members = [json.dumps(k) + ":" + json.dumps(v) for k, v in obj.items()]
    members.insert(rng.randrange(len(members) + 1), _escaped(key, rng) + ":" + json.dumps(value))
    return ("{" + ",".join(members) + "}").encode()


def _structural(frame: bytes, rng: random.Random) -> bytes:
    """The frame re-written with a structural change a peer could make."""
    try:
        obj = json.loads(frame)
    except ValueError:
        return frame
    if not isinstance(obj, dict):
        return frame
    change = rng.randrange(6)
    keys = list(obj)
    if change == 0 and keys:  # a member dropped
        del obj[rng.choice(keys)]
    elif change == 1 and keys:  # a value of another type
        obj[rng.choice(keys)] = rng.choice([5, -1.5, True, None, "x", [], {}, [1, "a"], {"a": 1}])
    elif change == 2:  # an unknown member, maybe nested
        obj[rng.choice(["x", "extra", "zz"])] = rng.choice([1, {"type": "brand.new"}, [[[]]]])
    elif (
        change == 3 and isinstance(obj.get("type"), str) and obj["type"] in PAYLOADS
    ):  # a payload long enough for the fast path
        size = rng.choice([16, 4096, 16_384, 20_000])
        obj[PAYLOADS[obj["type"]]] = base64.b64encode(rng.randbytes(size)).decode()
    elif change == 4:  # members reordered
        items = list(obj.items())
        rng.shuffle(items)
        obj = dict(items)
    else:  # spaced out
        return json.dumps(obj, indent=rng.choice([None, 1])).encode()
    return json.dumps(obj, separators=(",", ":")).encode()


def _bytewise(frame: bytes, rng: random.Random) -> bytes:
    """Bytes flipped, inserted or deleted."""
    data = bytearray(frame)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        blob = rng.choice([b'"', b"\\", b"{", b"]", b",", b"\xff", b"\x00", b"\\u0065", b"\n"])
        kind = rng.randrange(3)
        if kind == 0:
            data[at:at] = blob
        elif kind == 1:
            del data[at : at + rng.randint(1, 4)]
        elif at < len(data):
            data[at] ^= rng.randrange(1, 256)
    return bytes(data)


MUTATORS = [_with_repeat, _with_repeat, _structural, _structural, _bytewise]


def inputs(seeds: list[bytes], rng: random.Random) -> Iterator[bytes]:
    """Mutated seeds, one to three mutations each, for ever."""
    while True:
        data = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            data = rng.choice(MUTATORS)(data, rng)
        yield data


# -- oracles --------------------------------------------------------------------------------


def _conflict(pairs: list[tuple[str, Any]]) -> bool:
    """Whether the members hold ``type``, or an audio frame its payload, twice with different
    values (values of another JSON type, or unequal)."""
    tags = [v for k, v in pairs if k == "type"]
    last = tags[-1] if tags and isinstance(tags[-1], str) else None
    keys = ("type", PAYLOADS[last]) if last in PAYLOADS else ("type",)
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in keys:
            first = seen.setdefault(key, value)
            if type(first) is not type(value) or first != value:
                return True
    return False


def _part_of(small: Any, whole: Any, nested: bool = False) -> bool:
    """Whether ``small`` is ``whole`` with some object members left out (at any depth).

    One known difference is allowed: a nested object without ``type`` whose model is tagged
    (msgspec takes it untagged outside a union) comes back with its tag written."""
    if isinstance(small, dict):
        return isinstance(whole, dict) and all(
            _part_of(v, whole[k], True) if k in whole else nested and k == "type"
            for k, v in small.items()
        )
    if isinstance(small, list):
        return (
            isinstance(whole, list)
            and len(small) == len(whole)
            and all(_part_of(a, b, True) for a, b in zip(small, whole, strict=True))
        )
    if isinstance(small, bool) or isinstance(whole, bool):
        return small is whole
    return bool(small == whole)  # 1 and 1.0 are one JSON number


def _outcome(func: Callable[[Any], Any], data: Any) -> Any:
    """A result as comparable data, or "error"; any other exception fails the test."""
    try:
        result = func(data)
    except rt_fast.DecodeError:
        return "error"
    if isinstance(result, memoryview):
        return bytes(result)
    if isinstance(result, rt_fast.UnknownEvent):
        return ("unknown", result.type, bytes(result.raw))
    if isinstance(result, msgspec.Struct):
        return (type(result).__name__, msgspec.to_builtins(result))
    return result


def check(data: bytes, counts: dict[str, int]) -> None:
    """Every oracle of the module docstring, on one input."""
    try:
        reference = json.loads(data, object_pairs_hook=list)
    except (ValueError, RecursionError):
        reference = None
    top = (
        reference
        if isinstance(reference, list) and all(isinstance(p, tuple) for p in reference)
        else None
    )
    text_ok = True
    try:
        data.decode()
    except UnicodeDecodeError:
        text_ok = False
    conflict = top is not None and _conflict(top)
    as_json = json.loads(data) if reference is not None else None
    for name, decode in [*DECODERS.items(), ("peek_type", rt_fast.peek_type),
                         ("audio_payload", rt_fast.audio_payload),
                         ("decode_pcm", rt_fast.decode_pcm)]:  # fmt: skip
        outcomes = {form: _outcome(decode, wrap(data)) for form, wrap in FORMS.items()}
        if not text_ok and name != "peek_type":  # a str with lone surrogates
            assert outcomes.pop("str") == "error", (name, data[:200])
        first = outcomes["bytes"]
        assert all(o == first for o in outcomes.values()), (name, data[:300], outcomes)
        counts["calls"] += len(FORMS)
        if first == "error":
            continue
        assert not conflict, (name, data[:300])
        if name == "peek_type":  # it reads the opening only: the rest may be anything
            assert as_json is None or first == as_json["type"], data[:300]
            continue
        assert reference is not None, (name, data[:300])  # nothing json.loads rejects passes
        if name in DECODERS:
            _check_decoded(name, decode(data), data, as_json)
    if b"\n" not in data and data.strip(b" \t\r"):  # one line: decode_lines reads it as decode
        decoder = DECODERS["Decoder"]
        for form, wrap in FORMS.items():
            lines = _outcome(LINES, wrap(data))
            assert lines == "error" or len(lines) == 1, (form, data[:300])
            single = _outcome(decoder, wrap(data))
            assert (lines if lines == "error" else _outcome(lambda x: x, lines[0])) == single
    counts["inputs"] += 1
    counts["conflicts"] += conflict


def _check_decoded(name: str, event: Any, data: bytes, as_json: Any) -> None:
    if isinstance(event, rt_fast.UnknownEvent):
        assert bytes(event.raw) == data and event.type == as_json["type"]
        return
    again = json.loads(rt_fast.encode(event, naming="camel" if name == "camel" else "snake"))
    assert _part_of(again, as_json), (name, data[:300])
    tag = type(event).__struct_config__.tag
    assert rt_fast.peek_type(data) == as_json["type"] == tag
    field = PAYLOADS.get(tag)
    if field is not None and name != "camel":
        assert bytes(rt_fast.audio_payload(data)) == getattr(event, field).encode()


def check_log(lines: list[bytes], tmp: Path) -> None:
    """The log reader (``errors="report"``) decodes each line as its full decoder does."""
    usable = [line for line in lines if b"\n" not in line and line.strip(b" \t\r")]
    usable = [line for line in usable if not line.endswith(b"\r")]
    log = tmp / "fuzz.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in usable))
    decoder = _decoders.log_decoder("auto", "snake")
    expected = [_outcome(decoder.decode, line) for line in usable]
    reader = rt_fast.read_log(log, errors="report")
    frames = iter(list(reader))
    rejected = {r.line for r in reader.rejected}
    for number, want in enumerate(expected, 1):
        got = "error" if number in rejected else _outcome(lambda _: next(frames), None)
        assert got == want, (number, usable[number - 1][:300])
    assert reader.decoded + reader.rejected_count == reader.lines == len(usable)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_differential_fuzz(tmp_path: Path) -> None:
    """Mutated frames through every reader for ``RT_FAST_FUZZ_SECONDS``: see the docstring."""
    rng = random.Random(int(os.environ.get("RT_FAST_FUZZ_SEED", "15")))
    counts = {"inputs": 0, "calls": 0, "conflicts": 0}
    pending: list[bytes] = []
    stop = time.monotonic() + SECONDS
    for data in inputs(_seeds(), rng):
        check(data, counts)
        pending.append(data)
        if len(pending) == 2000 or time.monotonic() > stop:
            check_log(pending, tmp_path)
            pending = []
            if time.monotonic() > stop:
                break
    print(f"differential fuzz: {counts}")
    assert counts["inputs"] > 100 and counts["conflicts"] > 10
