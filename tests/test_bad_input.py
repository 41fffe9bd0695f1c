"""Bad input: every decode entry point decodes or raises ``DecodeError``, and nothing crashes.

Covers the input guard (``rt_fast._guard``): arbitrary bytes and text, truncated and mutated
frames (hypothesis); nesting beyond ``MAX_DEPTH`` in known, unknown and free-form positions on
a 256 KiB-stack thread, in a subprocess; UTF-8 anywhere, ignored fields included; the frame
size limit; error paths and excerpts; memoryviews msgspec cannot read; and a short soak of the
fuzz harness showing memory stays flat.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import _audio, ga
from rt_fast._guard import MAX_DEPTH, MAX_FRAME_SIZE
from rt_fast._traffic import session_frames
from tests.conftest import ROOT

ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "server": rt_fast.decode_server_event,
    "client": rt_fast.decode_client_event,
    "beta": lambda d: rt_fast.decode_server_event(d, protocol="beta"),
    "translation": lambda d: rt_fast.decode_server_event(d, protocol="translation"),
    "auto": lambda d: rt_fast.decode_server_event(d, protocol="auto"),
    "camel": lambda d: rt_fast.decode_client_event(d, naming="camel"),
    "free-form": lambda d: rt_fast.decode(d, type=Any),
    "Decoder": rt_fast.Decoder(ga.Event).decode,
    "decode_lines": rt_fast.Decoder(ga.Event).decode_lines,
    "peek_type": _audio.peek_type,
    "audio_payload": _audio.audio_payload,
    "decode_pcm": _audio.decode_pcm,
}
WRAPS: dict[str, Callable[[bytes], Any]] = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "str": lambda b: b.decode("utf-8", "surrogateescape"),
}
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLEARED = b'{"type":"input_audio_buffer.cleared","event_id":"e"'


def _samples() -> list[bytes]:
    """One frame of each type of a generated session (audio ones included), both directions."""
    by_type: dict[bytes, bytes] = {}
    for _, frame in session_frames(seed=5, turns=2):
        by_type.setdefault(frame[:40], frame)
    return list(by_type.values())


SAMPLES = _samples()


def _valid_strings(obj: Any) -> None:
    """Fail unless every string a decoded object carries is valid Unicode (UTF-8 encodable)."""
    if isinstance(obj, rt_fast.UnknownEvent):
        bytes(obj.raw).decode()
    else:
        msgspec.json.encode(msgspec.to_builtins(obj))


def _only_decode_error(data: bytes) -> None:
    """Every entry point, with every buffer type, decodes ``data`` or raises DecodeError."""
    for wrap in WRAPS.values():
        for entry in ENTRY_POINTS.values():
            try:
                result = entry(wrap(data))
            except rt_fast.DecodeError:
                continue
            for obj in result if isinstance(result, list) else [result]:
                if isinstance(obj, msgspec.Struct):
                    _valid_strings(obj)


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    """Arbitrary bytes decode or raise DecodeError, from every entry point."""
    _only_decode_error(data)


@SETTINGS
@given(st.text(st.characters(codec=None, categories=["L", "N", "P", "S", "Z", "C"])))
def test_arbitrary_text(text: str) -> None:
    """Arbitrary text, lone surrogates included, decodes or raises DecodeError."""
    for entry in ENTRY_POINTS.values():
        with contextlib.suppress(rt_fast.DecodeError):
            entry(text)


def test_every_truncation() -> None:
    """Each prefix of a response.done frame decodes or raises DecodeError."""
    frame = next(f for f in SAMPLES if b'"response.done"' in f[:40])
    for end in range(len(frame) + 1):
        _only_decode_error(frame[:end])


@SETTINGS
@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete"]),
            st.integers(min_value=0),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_frames(frame: bytes, edits: list[tuple[str, int, bytes]]) -> None:
    """A frame with bytes flipped, inserted or deleted decodes or raises DecodeError."""
    data = bytearray(frame)
    for kind, at, blob in edits:
        at %= len(data) + 1
        if kind == "insert":
            data[at:at] = blob
        elif kind == "delete":
            del data[at : at + len(blob)]
        elif at < len(data):
            data[at] ^= blob[0] or 1
    _only_decode_error(bytes(data))


# -- nesting --------------------------------------------------------------------------------

DEEP_CHILD = r"""
import json, sys, threading
from typing import Any
import rt_fast

deep, limit = int(sys.argv[1]), rt_fast._guard.MAX_DEPTH
def arrays(n): return "[" * n + "]" * n
def objects(n): return '{"a":' * n + "1" + "}" * n
def tool(params): return ('{"type":"session.update","session":{"type":"realtime","tools":'
                          '[{"type":"function","name":"f","parameters":' + params + '}]}}')
CASES = {
    "top-level arrays": arrays(deep),
    "top-level objects": objects(deep),
    "unterminated": "[" * deep,
    "unknown field": '{"type":"input_audio_buffer.cleared","event_id":"e","x":' + arrays(deep) + "}",
    "before the tag": '{"x":' + objects(deep) + ',"type":"input_audio_buffer.cleared","event_id":"e"}',
    "unknown type": '{"type":"response.hologram.delta","x":' + objects(deep) + "}",
    "known position": '{"type":"response.done","event_id":"e","response":{"output":' + arrays(deep) + "}}",
    "tool parameters": tool(objects(deep)),
    "tool parameters at the limit": tool(objects(limit - 4)),
    "tool parameters over the limit": tool(objects(limit - 3)),
}
ENTRIES = {
    "client": rt_fast.decode_client_event,
    "server": rt_fast.decode_server_event,
    "auto": lambda d: rt_fast.decode_client_event(d, protocol="auto"),
    "free-form": lambda d: rt_fast.decode(d, type=Any),
    "decode_lines": rt_fast.Decoder(rt_fast.ga.Event).decode_lines,
}
out = {}
def run():
    for case, text in CASES.items():
        for wrap in ("bytes", "str", "memoryview"):
            data = text if wrap == "str" else text.encode()
            data = memoryview(data) if wrap == "memoryview" else data
            for entry, func in ENTRIES.items():
                try:
                    func(data)
                    result = "ok"
                except rt_fast.DecodeError as exc:
                    result = "deep " + exc.path if "nests deeper" in str(exc) else "error"
                except BaseException as exc:
                    result = type(exc).__name__
                out[f"{case}|{wrap}|{entry}"] = result
threading.stack_size(256 * 1024)
thread = threading.Thread(target=run)
thread.start()
thread.join()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def deep_outcomes() -> dict[str, str]:
    """Outcomes of the nesting cases, run in a child process on a 256 KiB-stack thread."""
    done = subprocess.run(
        [sys.executable, "-c", DEEP_CHILD, "100000"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"the child died ({done.returncode}): {done.stderr[-2000:]}"
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(
    "case",
    [
        "top-level arrays",
        "top-level objects",
        "unterminated",
        "unknown field",
        "before the tag",
        "unknown type",
        "known position",
        "tool parameters",
        "tool parameters over the limit",
    ],
)
def test_deep_nesting_is_rejected(deep_outcomes: dict[str, str], case: str) -> None:
    """Nesting beyond MAX_DEPTH raises DecodeError on a small-stack thread, from every entry."""
    results = {k: v for k, v in deep_outcomes.items() if k.startswith(case + "|")}
    assert len(results) == 15 and all(v.startswith("deep $") for v in results.values()), results


def test_deep_error_names_the_path(deep_outcomes: dict[str, str]) -> None:
    """The depth error's path leads to the value nested too deep."""
    path = deep_outcomes["tool parameters over the limit|bytes|client"]
    assert path == "deep $.session.tools[0].parameters" + ".a" * (MAX_DEPTH - 4)


def test_nesting_at_the_limit_decodes(deep_outcomes: dict[str, str]) -> None:
    """A frame nested exactly MAX_DEPTH deep decodes (free-form tool parameters)."""
    for wrap in ("bytes", "str", "memoryview"):
        assert deep_outcomes[f"tool parameters at the limit|{wrap}|client"] == "ok"
        assert deep_outcomes[f"tool parameters at the limit|{wrap}|free-form"] == "ok"


def test_real_frames_are_shallow() -> None:
    """Every sample frame decodes: the limit leaves real frames far inside it."""
    for frame in SAMPLES:
        rt_fast.decode(frame, type=ga.Event)


# -- UTF-8 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "path"),
    [
        (CLEARED + b',"x":"\xff"}', "$.x"),
        (CLEARED + b',"\xc3\x28":1}', "$"),
        (CLEARED + b',"x":["a",{"b":"\xed\xa0\x80"}]}', "$.x[1].b"),
        (CLEARED + b',"x":"\xc0\xaf"}', "$.x"),
        (b'{"type":"new.type","x":"\xf4\x90\x80\x80"}', "$.x"),
        (b'{"type":"input_audio_buffer.cleared","event_id":"\xe2\x82"}', "$.event_id"),
    ],
    ids=["skipped value", "skipped key", "nested", "overlong", "unknown type", "known field"],
)
def test_invalid_utf8_is_rejected_anywhere(frame: bytes, path: str) -> None:
    """Bytes that are not UTF-8 raise DecodeError naming their path, ignored fields included."""
    for wrap in WRAPS.values():
        with pytest.raises(rt_fast.DecodeError, match="invalid UTF-8") as info:
            rt_fast.decode_server_event(wrap(frame) if wrap is not WRAPS["str"] else frame)
        assert info.value.path == path


def test_lone_surrogate_in_str_names_its_path() -> None:
    """A str holding a lone surrogate raises DecodeError naming the value that holds it."""
    with pytest.raises(rt_fast.DecodeError, match="lone surrogate U\\+D800") as info:
        rt_fast.decode_server_event('{"type":"x","event_id":"e","y":{"z":"\ud800"}}')
    assert info.value.loc == ("y", "z") and info.value.field == "z"


def test_non_ascii_text_decodes() -> None:
    """Valid UTF-8 beyond ASCII decodes, in every buffer type."""
    frame = '{"type":"input_audio_buffer.cleared","event_id":"é-日本-🎧"}'
    for data in (frame, frame.encode(), bytearray(frame.encode()), memoryview(frame.encode())):
        assert rt_fast.decode_server_event(data).event_id == "é-日本-🎧"


# -- size -----------------------------------------------------------------------------------


def test_size_limit_is_checked_before_parsing() -> None:
    """A frame over max_size raises DecodeError, even one that is not JSON; at the limit it decodes."""
    frame = CLEARED + b"}"
    decoder = rt_fast.Decoder(ga.ServerEvent, max_size=len(frame))
    assert decoder.decode(frame).event_id == "e"
    with pytest.raises(rt_fast.DecodeError, match=f"over the limit of {len(frame)}"):
        decoder.decode(frame + b" ")
    with pytest.raises(rt_fast.DecodeError, match="over the limit"):
        decoder.decode(b"\xff" * (len(frame) + 1))


def test_size_of_a_str_is_its_utf8() -> None:
    """A str counts its UTF-8 bytes against max_size."""
    frame = '{"type":"input_audio_buffer.cleared","event_id":"' + "é" * 20 + '"}'
    with pytest.raises(rt_fast.DecodeError, match=f"{len(frame) + 20} bytes"):
        rt_fast.Decoder(ga.ServerEvent, max_size=len(frame)).decode(frame)


def test_default_size_limit() -> None:
    """The module functions reject a frame over MAX_FRAME_SIZE (16 MiB)."""
    assert MAX_FRAME_SIZE == 16 * 1024 * 1024
    with pytest.raises(rt_fast.DecodeError, match="over the limit"):
        rt_fast.decode_server_event(b" " * (MAX_FRAME_SIZE + 1))


def test_size_limit_of_lines_is_per_line() -> None:
    """decode_lines applies max_size to each line and names the line over it."""
    frame = CLEARED + b"}"
    decoder = rt_fast.Decoder(ga.ServerEvent, max_size=len(frame))
    assert len(decoder.decode_lines(b"\n".join([frame] * 5))) == 5
    with pytest.raises(rt_fast.DecodeError, match="over the limit") as info:
        decoder.decode_lines(frame + b"\n" + frame + b"\n" + frame + b" \n")
    assert info.value.line == 3


# -- lines, errors, buffers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            CLEARED + b',"x":' + b"[" * (MAX_DEPTH + 9) + b"]" * (MAX_DEPTH + 9) + b"}",
            "nests deeper",
        ),
        (CLEARED + b',"x":"\xff"}', "invalid UTF-8"),
    ],
)
def test_decode_lines_names_the_bad_line(bad: bytes, message: str) -> None:
    """A deep or non-UTF-8 line in a log raises DecodeError with its line and path."""
    good = CLEARED + b"}"
    with pytest.raises(rt_fast.DecodeError, match=message) as info:
        rt_fast.Decoder(ga.Event).decode_lines(good + b"\n\n" + bad + b"\n" + good)
    assert info.value.line == 3 and info.value.loc[0] == "x"
    assert str(info.value).startswith("line 3: ")


def test_errors_carry_no_frame() -> None:
    """Guard errors on a 1 MB frame stay short: the path, never the frame."""
    pad = b"A" * 1_000_000
    for frame in (
        CLEARED + b',"pad":"' + pad + b'","x":"\xff"}',
        CLEARED + b',"pad":"' + pad + b'","x":' + b"[" * 300 + b"}",
    ):
        with pytest.raises(rt_fast.DecodeError) as info:
            rt_fast.decode_server_event(frame)
        assert len(str(info.value)) < 200 and "AAAA" not in str(info.value)
        assert info.value.loc[0] == "x"


def test_strided_memoryview() -> None:
    """A memoryview msgspec cannot read (not contiguous) raises DecodeError, not BufferError."""
    view = memoryview(CLEARED + b"}")[::2]
    for name, entry in ENTRY_POINTS.items():
        if name not in ("peek_type", "audio_payload", "decode_pcm"):
            with pytest.raises(rt_fast.DecodeError):
                entry(view)


def test_memoryview_slice_decodes() -> None:
    """A memoryview of part of a larger buffer decodes (the guard scans a copy of the part)."""
    buffer = bytearray(b"xx" + CLEARED + b',"y":"' + "é".encode() * 200 + b'"}yy')
    event = rt_fast.decode_server_event(memoryview(buffer)[2:-2])
    assert isinstance(event, ga.InputAudioBufferClearedEvent)


def test_soak_keeps_memory_flat() -> None:
    """50,000 decodes of good and bad frames leave resident memory where it was."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "fuzz_decode.py"), "--soak", "50000",
         "--max-growth", "4"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert json.loads(done.stdout)["decodes"] == 50000
