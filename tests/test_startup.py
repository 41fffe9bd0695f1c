"""Start-up: what importing rt_fast and running a command load, in fresh interpreters.

Generations load when first used (``rt_fast.ga`` and ``from rt_fast import ga`` as always),
the optional packages only in the commands that use them, and the tables of every
generation (``peek_type``'s, ``AUDIO_EVENTS``) on first need, with the same answers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import msgspec
import pytest

import rt_fast
from rt_fast import _audio, _codec, _variants, beta, ga, live, translation

from .test_auto import STREAM

GENERATIONS = ("rt_fast.ga", "rt_fast.beta", "rt_fast.translation", "rt_fast.live")
OPTIONAL = ("rich", "pyarrow", "zstandard", "fsspec", "dask", "websockets", "prometheus_client")


def _loaded(code: str) -> list[str]:
    """The modules of interest (generations, optional packages) loaded after ``code`` runs in a
    fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m in {(*GENERATIONS, *OPTIONAL)})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_importing_rt_fast_loads_no_generation_nor_extra() -> None:
    assert _loaded("import rt_fast") == []


def test_a_generation_loads_on_first_use() -> None:
    assert _loaded("import rt_fast; rt_fast.beta.ServerEvent") == ["rt_fast.beta"]
    assert _loaded("from rt_fast import live") == ["rt_fast.live"]
    assert _loaded("import rt_fast.translation") == ["rt_fast.translation"]


def test_decoding_one_generation_loads_no_other() -> None:
    frame = b'{"type":"input_audio_buffer.cleared","event_id":"e1"}'
    assert _loaded(f"import rt_fast; rt_fast.decode_server_event({frame!r})") == ["rt_fast.ga"]


def test_the_generations_are_attributes_as_before() -> None:
    assert (rt_fast.ga, rt_fast.beta, rt_fast.translation, rt_fast.live) == (
        ga,
        beta,
        translation,
        live,
    )
    assert {"ga", "beta", "translation", "live"} <= set(dir(rt_fast))
    with pytest.raises(AttributeError, match="no attribute 'gamma'"):
        _ = rt_fast.gamma  # type: ignore[attr-defined]


@pytest.mark.parametrize("argv", [["--help"], ["stats", "--protocol", "ga", "{log}"]])
def test_a_command_loads_only_what_it_uses(argv: list[str], tmp_path: Path) -> None:
    log = tmp_path / "one.jsonl"
    log.write_bytes(b'{"type":"input_audio_buffer.cleared","event_id":"e1"}\n')
    args = [a.format(log=log) for a in argv]
    code = (
        "import contextlib, io\nfrom rt_fast._cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({args!r}) == 0"
    )
    assert _loaded(code) == ([] if argv == ["--help"] else ["rt_fast.ga"])


def test_peek_type_makes_its_tables_on_first_use() -> None:
    """The first ``peek_type`` of a process (of each route: a known lead, an audio frame, a
    parsed top level, an unknown type) answers as after."""
    frames = [
        b'{"type":"response.done","event_id":"e1"}',
        b'{"type":"response.audio.delta","delta":"AAAA"}',
        b'{"type":"session.update","session":{"type":"x"}}',
        b'{"event_id":"e1","type":"session.created"}',
        b'{"type":"new.event"}',
    ]
    for frame in frames:
        code = f"import rt_fast; print(rt_fast.peek_type({frame!r}))"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.strip() == rt_fast.peek_type(frame)


def test_audio_events_by_class_and_by_tag_agree() -> None:
    """``AUDIO_EVENTS`` (made on first use, by class) is ``AUDIO_FIELDS`` (by tag) for every
    event class of every generation, and ``audio_field`` reads variants as their models."""
    made = _audio.AUDIO_EVENTS
    assert made == {
        ga.ResponseOutputAudioDeltaEvent: "delta",
        ga.InputAudioBufferAppendEvent: "audio",
        beta.ResponseAudioDeltaEvent: "delta",
        beta.InputAudioBufferAppendEvent: "audio",
        translation.SessionOutputAudioDeltaEvent: "delta",
        translation.SessionInputAudioBufferAppendEvent: "audio",
        live.SessionOutputAudioDeltaEvent: "delta",
        live.SessionInputAudioAppendEvent: "audio",
    }
    for module in (ga, beta, translation, live):
        for cls in {*module.SERVER_EVENTS.values(), *module.CLIENT_EVENTS.values()}:
            assert _audio.audio_field(cls) == made.get(cls)
            camel = _variants.variant(cls, **_variants.NAMINGS["camel"])
            assert _audio.audio_field(camel) == made.get(cls)
    assert _audio.audio_field(int) is None


def test_auto_loads_the_other_generations_on_the_first_refusal() -> None:
    """GA's frames under ``protocol="auto"`` load GA alone; the first frame GA refuses loads
    the others and decodes as it would have with all of them loaded from the start."""
    ga_frame = b'{"type":"input_audio_buffer.cleared","event_id":"e1"}'
    beta_frame = b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}'
    code = (
        f"import rt_fast\nrt_fast.decode_server_event({ga_frame!r}, 'auto')\n"
        "import sys\nprint(sorted(m for m in sys.modules if m in "
        f"{GENERATIONS!r}))\nprint(type(rt_fast.decode_server_event({beta_frame!r}, 'auto')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == [
        "['rt_fast.ga']",
        "<class 'rt_fast.beta.server.ResponseAudioDeltaEvent'>",
    ]


def _outcome(decode: Any, frame: bytes) -> Any:
    try:
        event = decode(frame)
    except rt_fast.DecodeError as exc:
        return "DecodeError", str(exc)
    events = event if isinstance(event, list) else [event]
    return [
        (type(e).__module__, type(e).__qualname__, e.type, e.event_id, bytes(e.raw))
        if isinstance(e, rt_fast.UnknownEvent)
        else (type(e).__module__, type(e).__qualname__, msgspec.to_builtins(e))
        for e in events
    ]


def _first_frames() -> list[tuple[str, bytes]]:
    """A frame of each generation and direction, and frames GA refuses for other reasons."""
    firsts: dict[tuple[str, str], bytes] = {}
    for generation, direction, frame in STREAM:
        firsts.setdefault((generation, direction), frame)
    odd = [
        b'{"type":"nope","event_id":"e"}',
        b'{"type":"response.output_audio.delta","event_id":"e"}',
        b'{"type":"error",',
        b'{"type":"session.update","session":{"type":"realtime","x":' + b"[" * 5000 + b"]" * 5000,
        b'{"type":"session.update","session":{"tools":[{"type":"function","name":"f",'
        + b'"parameters":{"x":'
        + b"[" * 5000
        + b"]" * 5000
        + b"}}]}}",  # beta's, too deep
    ]
    return [*(("server" if d == "server" else "client", f) for (_, d), f in firsts.items()),
            *(("server", f) for f in odd)]  # fmt: skip


@pytest.mark.parametrize("stack", [None, 256 * 1024], ids=["main thread", "256 KiB thread"])
def test_a_fresh_auto_decoder_reads_its_first_frame_as_a_loaded_one(stack: int | None) -> None:
    """Whatever frame comes first (of any generation, invalid, unknown, too deep for a small
    stack), a fresh auto decoder answers as one that has read others, on any thread."""
    results: list[tuple[Any, Any]] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            compare()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failed.append(exc)

    def compare() -> None:
        for direction, frame in _first_frames():
            fresh = _codec._AutoDecoder("ServerEvent" if direction == "server" else "ClientEvent")
            loaded = _codec._AutoDecoder(fresh._direction)
            assert fresh._next is None  # GA's alone, until a frame GA refuses
            loaded._load()
            for decoder in (fresh, loaded):
                assert decoder.decode_lines(b"") == []
            results.append((_outcome(fresh.decode, frame), _outcome(loaded.decode, frame)))
            fresh = _codec._AutoDecoder(fresh._direction)  # and in a log, by the reader's route
            lines = [
                _outcome(fresh.decode_lines, frame + b"\n"),
                _outcome(loaded.decode_lines, frame + b"\n"),
            ]
            results.append((lines[0], lines[1]))

    if stack is None:
        run()
    else:
        before = threading.stack_size(stack)
        try:
            thread = threading.Thread(target=run)
            thread.start()
            thread.join(timeout=120)
        finally:
            threading.stack_size(before)
    assert not failed, failed
    assert len(results) == 2 * len(_first_frames())
    for fresh_answer, loaded_answer in results:
        assert fresh_answer == loaded_answer


def test_threads_refusing_at_once_load_the_generations_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads whose first frames GA refuses, at once, get the answers of a loaded decoder,
    and the decoder makes one set of the other generations' decoders."""
    frames = [f for _, f in _first_frames()]
    fresh = _codec._AutoDecoder("ServerEvent")
    made: list[Any] = []  # each set of generations made, counted

    class Counted(_codec.Generations):
        def __init__(self, generations: list[Any]) -> None:
            made.append(self)
            super().__init__(generations)

    monkeypatch.setattr(_codec, "Generations", Counted)
    got: list[list[Any]] = []
    start = threading.Barrier(8)

    def run() -> None:
        start.wait(timeout=60)
        got.append([_outcome(fresh.decode, f) for f in reversed(frames)][::-1])

    threads = [threading.Thread(target=run) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns within a load, as on a busy machine
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert len(made) == 1, len(made)
    loaded = _codec._AutoDecoder("ServerEvent")
    loaded._load()
    assert got == [[_outcome(loaded.decode, f) for f in frames]] * 8


def test_peek_type_from_threads_at_once_in_a_fresh_process() -> None:
    """The first calls of ``peek_type``, from threads at once, make its tables once."""
    code = """
import threading, rt_fast
frames = [b'{"type":"response.done","event_id":"e1"}', b'{"type":"x.y"}',
          b'{"type":"session.output_audio.delta","delta":"AAAA"}'] * 20
start, got = threading.Barrier(8), []
def run():
    start.wait()
    got.append([rt_fast.peek_type(f) for f in frames])
threads = [threading.Thread(target=run) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
assert got == [[f.split(b'"')[3].decode() for f in frames]] * 8, got
from rt_fast import _audio
print(type(_audio._KNOWN).__name__, len(_audio.AUDIO_EVENTS))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["dict", "8"]


def test_star_import_gives_every_generation() -> None:
    code = "from rt_fast import *\nprint(ga.__name__, beta.__name__, translation.__name__, live.__name__)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == list(GENERATIONS)
