"""Start-up: what importing rt_fast and running a command load, in fresh interpreters.

Generations load when first used (``rt_fast.ga`` and ``from rt_fast import ga`` as always),
the optional packages only in the commands that use them, and the tables of every
generation (``peek_type``'s, ``AUDIO_EVENTS``) on first need, with the same answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import rt_fast
from rt_fast import _audio, _variants, beta, ga, live, translation

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
    assert _audio.AUDIO_EVENTS == {
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
            assert _audio.audio_field(cls) == _audio.AUDIO_EVENTS.get(cls)
            camel = _variants.variant(cls, **_variants.NAMINGS["camel"])
            assert _audio.audio_field(camel) == _audio.AUDIO_EVENTS.get(cls)
    assert _audio.audio_field(int) is None
