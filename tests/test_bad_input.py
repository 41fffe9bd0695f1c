"""Bad input: every decode entry point decodes or raises ``DecodeError``, and nothing crashes.

Covers the input guard (``rt_fast._guard``): arbitrary bytes and text, truncated and mutated
frames (hypothesis); nesting beyond the thread's bound (``rt_fast.max_depth()``) in known,
unknown and free-form positions on threads of 64 KiB to 8 MiB of stack, in subprocesses; UTF-8 anywhere, ignored fields included; the frame
size limit; error paths and excerpts; memoryviews msgspec cannot read; and a short soak of the
fuzz harness showing memory stays flat.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import _audio, ga
from rt_fast._guard import MAX_FRAME_SIZE
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

deep = int(sys.argv[1])
def arrays(n): return "[" * n + "]" * n
def objects(n): return '{"a":' * n + "1" + "}" * n
def tool(params, tag='"type":"function",'):
    return ('{"type":"session.update","session":{"type":"realtime","tools":'
            '[{' + tag + '"name":"f","parameters":' + params + '}]}}')
def cases(limit):
    return {
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
        "untagged tool parameters": tool(objects(deep), tag=""),
        "untagged tool parameters at the limit": tool(objects(limit - 4), tag=""),
    }
ENTRIES = {
    "client": rt_fast.decode_client_event,
    "server": rt_fast.decode_server_event,
    "auto": lambda d: rt_fast.decode_client_event(d, protocol="auto"),
    "free-form": lambda d: rt_fast.decode(d, type=Any),
    "decode_lines": rt_fast.Decoder(rt_fast.ga.Event).decode_lines,
    "object": lambda d: rt_fast.decode(d, type=object),
}
def log(d):  # the log reader, in place, on this thread
    import io
    return list(rt_fast.read_log(io.BytesIO(d if isinstance(d, bytes) else bytes(d)), errors="report"))
OTHER_ENTRIES = {  # each decodes (and encodes), refuses, or reads only its type: never a crash
    "peek_type": rt_fast.peek_type,
    "audio_payload": rt_fast.audio_payload,
    "decode_pcm": rt_fast.decode_pcm,
    "read_log": log,
    "Decoder.decode": rt_fast.Decoder(rt_fast.ga.ServerEvent).decode,
    "encode camel": lambda d: rt_fast.encode(rt_fast.decode_client_event(d), naming="camel"),
    "encode snake": lambda d: rt_fast.encode(rt_fast.decode_client_event(d, naming="camel")),
}
out = {}
def run():
    limit = rt_fast.max_depth()
    out["limit"] = limit
    for case, text in cases(limit or 500).items():
        for entry, func in OTHER_ENTRIES.items():
            data = text.encode() if entry == "read_log" else memoryview(text.encode())
            try:
                func(data)
                result = "ok"
            except rt_fast.DecodeError:
                result = "error"
            except BaseException as exc:
                result = type(exc).__name__
            out[f"other|{case}|{entry}"] = result
        for wrap in ("bytes", "str", "memoryview"):
            data = text if wrap == "str" else text.encode()
            data = memoryview(data) if wrap == "memoryview" else data
            for entry, func in ENTRIES.items():
                try:
                    func(data)
                    result = "ok"
                except rt_fast.DecodeError as exc:
                    result = ("deep " + exc.path if "nests deeper" in str(exc)
                              else "too deep" if "nested too deeply" in str(exc) else "error")
                except BaseException as exc:
                    result = type(exc).__name__
                out[f"{case}|{wrap}|{entry}"] = result
"""


# The end of every child: run() on a thread of the stack its last argument says, in KiB.
ON_A_SMALL_STACK = """
threading.stack_size(int(sys.argv[-1]) * 1024)
thread = threading.Thread(target=run)
thread.start()
thread.join()
print(json.dumps(out))
"""

STACKS = [64, 96, 128, 256, 8192]  # KiB: from the smallest rt_fast is made for to Linux's default


def _on_a_small_stack(child: str, *args: str, stack: int = 256) -> dict[str, Any]:
    """The outcomes a child process prints, run() having run on a thread of ``stack`` KiB."""
    done = subprocess.run(
        [sys.executable, "-c", child + ON_A_SMALL_STACK, *args, str(stack)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"the child died ({done.returncode}): {done.stderr[-2000:]}"
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module", params=STACKS, ids=[f"{kib}KiB" for kib in STACKS])
def deep_outcomes(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Outcomes of the nesting cases, run in a child process on a thread of each stack size."""
    return _on_a_small_stack(DEEP_CHILD, "100000", stack=request.param)


def test_the_bound_follows_the_threads_stack(deep_outcomes: dict[str, Any]) -> None:
    """Small stacks get a bound their stack holds; Linux's default 8 MiB thread gets none, as
    msgspec's RecursionError stops a deep frame there first."""
    limit = deep_outcomes["limit"]
    assert limit is None or 64 <= limit <= 400


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
        "untagged tool parameters",
    ],
)
def test_deep_nesting_is_rejected(deep_outcomes: dict[str, Any], case: str) -> None:
    """Nesting beyond the thread's bound raises DecodeError, from every entry: the guard's on a
    small stack; where the stack holds the interpreter's limit, msgspec's RecursionError or the
    fault msgspec meets first (an array where an event's object should be)."""
    results = {k: v for k, v in deep_outcomes.items() if k.startswith(case + "|")}
    want = ("too deep", "error") if deep_outcomes["limit"] is None else ("deep $",)
    if deep_outcomes["limit"] is None and case.endswith("over the limit"):
        want = ("ok",)  # no bound to be over: 497 levels decode
    assert len(results) == 18 and all(v.startswith(want) for v in results.values()), results


def test_every_other_entry_decodes_or_refuses(deep_outcomes: dict[str, Any]) -> None:
    """peek_type, the audio functions, the log reader and Decoder.decode on the same frames:
    an answer or a DecodeError, on every stack (the child would have died of a crash)."""
    others = {k: v for k, v in deep_outcomes.items() if k.startswith("other|")}
    assert len(others) == 84 and set(others.values()) <= {"ok", "error"}, others


def test_deep_error_names_the_path(deep_outcomes: dict[str, Any]) -> None:
    """The guard's depth error's path leads to the value nested too deep."""
    limit = deep_outcomes["limit"]
    path = deep_outcomes["tool parameters over the limit|bytes|client"]
    assert limit is None or path == "deep $.session.tools[0].parameters" + ".a" * (limit - 4)


def test_nesting_at_the_limit_decodes(deep_outcomes: dict[str, Any]) -> None:
    """A frame nested exactly as deep as the thread's bound decodes (free-form tool parameters,
    the tool tagged or not); without a bound, 500 levels do."""
    for wrap in ("bytes", "str", "memoryview"):
        for case in ("tool parameters", "untagged tool parameters"):
            assert deep_outcomes[f"{case} at the limit|{wrap}|client"] == "ok"
            assert deep_outcomes[f"{case} at the limit|{wrap}|auto"] == "ok"
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
        (CLEARED + b',"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (CLEARED + b',"x":"\xff"}', "invalid UTF-8"),
    ],
)
def test_decode_lines_names_the_bad_line(bad: bytes, message: str) -> None:
    """A deep or non-UTF-8 line in a log raises DecodeError with its line and path."""
    good = CLEARED + b"}"
    with pytest.raises(rt_fast.DecodeError, match=message) as info:
        rt_fast.Decoder(ga.Event).decode_lines(good + b"\n\n" + bad + b"\n" + good)
    assert info.value.line == 3 and str(info.value).startswith("line 3: ")
    assert message != "invalid UTF-8" or info.value.loc[0] == "x"


def test_errors_carry_no_frame() -> None:
    """Guard errors on a 1 MB frame stay short: the path, never the frame."""
    pad = b"A" * 1_000_000
    for frame in (
        CLEARED + b',"pad":"' + pad + b'","x":"\xff"}',
        CLEARED + b',"pad":"' + pad + b'","x":' + b"[" * 100_000 + b"}",
    ):
        with pytest.raises(rt_fast.DecodeError) as info:
            rt_fast.decode_server_event(frame)
        assert len(str(info.value)) < 200 and "AAAA" not in str(info.value)
        assert info.value.loc == ("x",) or "nested too deeply" in str(info.value)


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


# -- one frame a line; memory someone else writes -------------------------------------------

HEAD = (
    b'{"type":"session.update","session":{"type":"realtime","tools":'
    b'[{"type":"function","name":"f","parameters":'
)
SMALL_STACK_CHILD = r"""
import json, mmap, os, sys, threading, time
import rt_fast

head = sys.argv[1].encode()
out = {}
def outcome(func, data):
    try:
        func(data)
        return "ok"
    except rt_fast.DecodeError as exc:
        return "error"
    except BaseException as exc:
        return type(exc).__name__

def lines():
    decoder = rt_fast.Decoder(rt_fast.ga.ClientEvent)
    for depth in (300, 700, 900):
        frame = head + b'{"a":\n' * depth + b"1" + b"}" * depth + b"}]}}\n"
        out[f"lines {depth}"] = outcome(decoder.decode_lines, frame)

def shared_memory():
    # A view of an mmap that another process rewrites, flat <-> 700 deep, as we decode it.
    flat = head + b'{"a":1}}]}}'
    deep = head + b'{"a":' * 700 + b"1" + b"}" * 700 + b"}]}}"
    size = len(deep)
    memory = mmap.mmap(-1, size)
    memory[:size] = flat.ljust(size)
    writer = os.fork()
    if writer == 0:
        stop = time.monotonic() + 1.0
        while time.monotonic() < stop:
            memory[:size] = deep
            memory[:size] = flat.ljust(size)
        os._exit(0)
    seen = set()
    view = memoryview(memory)
    stop = time.monotonic() + 1.0
    entries = [rt_fast.decode_client_event, rt_fast.Decoder(rt_fast.ga.ClientEvent).decode_lines,
               rt_fast.peek_type, lambda d: rt_fast.decode(d, type=object)]
    while time.monotonic() < stop:
        for entry in entries:
            seen.add(outcome(entry, view))
    os.waitpid(writer, 0)
    view.release()
    out["shared memory"] = sorted(seen)

def run():
    lines()
    shared_memory()

"""


@pytest.fixture(scope="module")
def small_stack_outcomes() -> dict[str, Any]:
    """Outcomes of ``SMALL_STACK_CHILD``, a child process decoding on a 256 KiB-stack thread."""
    return _on_a_small_stack(SMALL_STACK_CHILD, HEAD.decode())


@pytest.mark.parametrize("depth", [300, 700, 900])
def test_decode_lines_holds_each_line_to_the_nesting_limit(
    small_stack_outcomes: dict[str, Any], depth: int
) -> None:
    """A value spread over many lines is not one frame: each line is judged alone."""
    assert small_stack_outcomes[f"lines {depth}"] == "error"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the writer of the shared memory is forked")
def test_a_view_of_memory_someone_rewrites(small_stack_outcomes: dict[str, Any]) -> None:
    """What was checked is what is parsed: a view of an mmap that another process rewrites
    from flat to 700 deep decodes or raises DecodeError, and the process lives."""
    assert set(small_stack_outcomes["shared memory"]) <= {"ok", "error"}


def test_decode_lines_is_one_frame_a_line() -> None:
    """Two frames on a line, or one over three lines, are errors naming the line; max_size
    holds per line; a lone carriage return does not end a line."""
    cleared = CLEARED + b"}"
    decoder = rt_fast.Decoder(ga.ServerEvent)
    with pytest.raises(rt_fast.DecodeError, match="trailing characters") as info:
        decoder.decode_lines(cleared + b"\n" + cleared + cleared + b"\n")
    assert info.value.line == 2
    spread = CLEARED + b',\n"x":\n' + b'"' + b"A" * 1800 + b'"}'
    with pytest.raises(rt_fast.DecodeError) as info:
        decoder.decode_lines(spread)
    assert info.value.line == 1
    with pytest.raises(rt_fast.DecodeError, match="over the limit") as info:
        rt_fast.Decoder(ga.ServerEvent, max_size=1000).decode_lines(
            cleared + b"\n" + spread.replace(b"\n", b"") + b"\n"
        )
    assert info.value.line == 2
    spaced = CLEARED + b',\r"x":1}'  # a lone \r is whitespace inside a frame
    with pytest.raises(rt_fast.DecodeError) as info:
        decoder.decode_lines(spaced + b"\n" + cleared + b"\n{x\n")
    assert info.value.line == 3
    assert len(decoder.decode_lines(spaced + b"\n" + cleared)) == 2
    frames = decoder.decode_lines(cleared + b"\r\n \t\r\n\n" + cleared)
    assert len(frames) == 2


# -- repeated keys ----------------------------------------------------------------------------

DELTA_HEAD = (
    b'{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i",'
    b'"output_index":0,"content_index":0,"delta":"'
)


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"error","type":"brand.new"}',
        b'{"type":"brand.new","x":1,"type":"brand.newer"}',
        b'{"type":"input_audio_buffer.append","audio":"AAAA","type":"session.update",'
        b'"session":{"type":"realtime"}}',
        b'{"type":"input_audio_buffer.append","typ\\u0065":"session.update","audio":"AAAA"}',
        DELTA_HEAD + b"A" * 16000 + b'","delta":""}',
        DELTA_HEAD + b"A" * 16000 + b'","d\\u0065lta":""}',
        DELTA_HEAD + b'AAAA","delta":"BBBB"}',
        b'{"type":"input_audio_buffer.append","audio":"' + b"A" * 20000 + b'","audio":5}',
        # an integer json.loads refuses (over 4300 digits) in an ignored field
        b'{"type":"input_audio_buffer.append","audio":"AAAA","audio":"BBBB","x":'
        + b"1" * 4301
        + b"}",
        b'{"type":"a.b","type":"c.d","x":' + b"1" * 4301 + b"}",
    ],
)
def test_a_repeated_routing_key_is_an_error_for_every_reader(frame: bytes) -> None:
    """type, or an audio frame's payload, twice with different values: every reader says
    DecodeError naming the key (or, where msgspec finds the second value invalid for the
    first one's class, naming it too), so none can route the frame apart from another."""
    readers: list[Callable[[Any], Any]] = [
        *[e for n, e in ENTRY_POINTS.items() if n not in ("free-form",)],
        lambda d: rt_fast.decode_client_event(d, protocol="beta"),
        lambda d: rt_fast.decode_client_event(d, protocol="auto"),
    ]
    audio = b"audio_buffer.append" in frame[:40] or b"audio.delta" in frame[:40]
    for wrap in WRAPS.values():
        for reader in readers:
            if reader in (_audio.audio_payload, _audio.decode_pcm) and not audio:
                continue  # not audio: an error for another reason
            with pytest.raises(rt_fast.DecodeError, match=r"at `\$\.(type|audio|delta)`"):
                reader(wrap(frame))


def test_a_repeated_key_with_one_value_reads_the_same_everywhere() -> None:
    """The same value twice cannot make readers disagree: it decodes."""
    frame = (
        b'{"type":"input_audio_buffer.append","audio":"AAAA","type":"input_audio_buffer.append"}'
    )
    assert rt_fast.peek_type(frame) == "input_audio_buffer.append"
    event = rt_fast.decode_client_event(frame)
    assert isinstance(event, ga.InputAudioBufferAppendEvent) and event.audio == "AAAA"
    assert bytes(rt_fast.audio_payload(frame)) == b"AAAA"


def test_repeated_keys_in_a_log_are_rejected_lines(tmp_path: Any) -> None:
    """The log reader, fast paths and all, rejects the same frames, by line."""
    log = tmp_path / "log.jsonl"
    good = CLEARED + b"}"
    log.write_bytes(b"\n".join([good, DELTA_HEAD + b"A" * 16000 + b'","delta":""}', good,
                                b'{"type":"input_audio_buffer.append","audio":"A","audio":""}']))  # fmt: skip
    reader = rt_fast.read_log(log, errors="report")
    assert len(list(reader)) == 2 and [r.line for r in reader.rejected] == [2, 4]
    assert all("twice" in r.error for r in reader.rejected)


# -- wrong values, odd inputs -------------------------------------------------------------------


def test_auto_does_not_hand_an_invalid_frame_to_a_looser_generation() -> None:
    """An invalid GA frame stays invalid under protocol="auto", in the reader too."""
    frame = b'{"type":"session.update","session":{"type":"realtime","instructions":5}}'
    for protocol in ("ga", "auto"):
        with pytest.raises(rt_fast.DecodeError, match="instructions"):
            rt_fast.decode_client_event(frame, protocol=protocol)


@pytest.mark.parametrize("protocol", ["ga", "beta", "translation", "auto"])
@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b'{"type":"brand.new","x":tru}', "malformed"),
        (b'{"type":"brand.new","x":NaN}', "malformed"),
        (b'{"type":"brand.new"', "truncated"),
        (b'{"type":"brand.new",}', "trailing comma"),
    ],
)
def test_a_malformed_frame_of_an_unknown_type_gets_the_json_error(
    protocol: str, frame: bytes, message: str
) -> None:
    """Not JSON is a JSON error, with its position, whatever the type."""
    with pytest.raises(rt_fast.DecodeError, match=message):
        rt_fast.decode_server_event(frame, protocol=protocol)


def test_peek_type_rejects_raw_control_characters() -> None:
    """A tag holding a raw control character is not JSON."""
    for frame in (b'{"type":"a\x00b"}', b'{"type":"a\nb"}', '{"type":"a\x1fb"}'):
        with pytest.raises(rt_fast.DecodeError):
            rt_fast.peek_type(frame)


def test_max_size_counts_utf8_bytes_on_the_audio_path() -> None:
    """A str audio frame is held to max_size in UTF-8 bytes, not characters."""
    frame = (
        '{"type":"input_audio_buffer.append","audio":"'
        + "A" * 12000
        + '","x":"'
        + "é" * 6000
        + '"}'
    )
    assert len(frame) < 20000 < len(frame.encode())
    with pytest.raises(rt_fast.DecodeError, match="over the limit"):
        rt_fast.Decoder(ga.ClientEvent, max_size=20000).decode(frame)


def test_an_unknown_event_does_not_alias_the_callers_bytearray() -> None:
    """UnknownEvent.raw of a bytearray is a copy: the receive buffer can be reused."""
    buffer = bytearray(b'{"type":"brand.new","x":1}')
    event = rt_fast.decode_server_event(buffer)
    buffer[:] = b"\xff" * len(buffer)
    buffer.clear()
    assert rt_fast.encode(event) == b'{"type":"brand.new","x":1}'


class _Str(str):
    pass


class _Bytearray(bytearray):
    pass


def test_subclasses_read_as_their_base_and_odd_views_are_decode_errors() -> None:
    """A str or bytearray subclass decodes as its base, at any length; a 0-dimensional or
    released view is a DecodeError from every entry point."""
    long = CLEARED + b',"x":"' + b"A" * 600 + b'"}'
    for data in (CLEARED + b"}", long):
        for wrap in (_Str, _Bytearray):
            value = wrap(data.decode()) if wrap is _Str else wrap(data)
            assert isinstance(rt_fast.decode_server_event(value), ga.InputAudioBufferClearedEvent)
            assert len(rt_fast.Decoder(ga.Event).decode_lines(value)) == 1
            assert rt_fast.peek_type(value) == "input_audio_buffer.cleared"
    released = memoryview(CLEARED + b"}")
    released.release()
    for view in (memoryview(b"5").cast("B", ()), released):
        for entry in ENTRY_POINTS.values():
            with pytest.raises(rt_fast.DecodeError):
                entry(view)


@pytest.mark.parametrize("value", [5, None, {}, [], 1.5, object()])
def test_a_non_buffer_is_one_type_error_everywhere(value: Any) -> None:
    """The same TypeError, in the same words, from every entry point."""
    expected = f"expected bytes, bytearray, memoryview or str, got {type(value).__name__}"
    for entry in ENTRY_POINTS.values():
        with pytest.raises(TypeError) as info:
            entry(value)
        assert str(info.value) == expected


# -- CPU on bad input ---------------------------------------------------------------------------


def _best(func: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        with contextlib.suppress(rt_fast.DecodeError):
            func()
        best = min(best, time.perf_counter() - start)
    return best


def test_rejecting_a_large_frame_costs_a_small_multiple_of_accepting() -> None:
    """A 16 MiB frame with its fault at the end is rejected in at most a few times the time
    its valid twin takes (a ratio in one process, not a timing: the bound is 25x, against
    the 1,000x a token walk in Python cost)."""
    head = b'{"type":"input_audio_buffer.append","event_id":"e","audio":"'
    good = head + b"A" * (MAX_FRAME_SIZE - 200) + b'","x":"\xc3\xa9"}'
    bad = good[:-4] + b'\xff"}'
    accept = _best(lambda: rt_fast.decode_client_event(good))
    assert _best(lambda: rt_fast.decode_client_event(bad)) < 25 * accept
    text_good, text_bad = good.decode(), good.decode()[:-3] + '\udc80"}'
    accept = _best(lambda: rt_fast.decode_client_event(text_good))
    assert _best(lambda: rt_fast.decode_client_event(text_bad)) < 25 * accept
