"""JSONTestSuite's parsing cases (``../shared/corpus/jsontestsuite/test_parsing``).

Every ``n_`` file (not JSON) raises ``DecodeError`` from every entry point, given as ``bytes``,
``bytearray``, ``memoryview`` and ``str`` (bytes that are not UTF-8 become lone surrogates, as
``surrogateescape`` reads them). Every ``y_`` file (JSON) decodes as free-form data and, as a
frame, decodes or raises ``DecodeError``. Every ``i_`` file (implementation-defined) has its
outcome pinned below, as free-form data and as the value of a field the model ignores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import rt_fast
from tests.conftest import JSONTESTSUITE, require

WRAPS: dict[str, Callable[[bytes], Any]] = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "str": lambda b: b.decode("utf-8", "surrogateescape"),
}
ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "free-form": lambda data: rt_fast.decode(data, type=Any),
    "server": rt_fast.decode_server_event,
    "client": rt_fast.decode_client_event,
    "auto": lambda data: rt_fast.decode_server_event(data, protocol="auto"),
    "Decoder": rt_fast.Decoder(rt_fast.ga.Event).decode,
    "decode_lines": rt_fast.Decoder(rt_fast.ga.Event).decode_lines,
}

# The i_ files whose content rt_fast takes: numbers a float cannot hold are rejected where they
# are read (free-form) but pass inside an ignored field, where only their syntax is checked;
# big integers are Python ints; 500 nested arrays decode where the thread's stack holds them
# (``rt_fast.max_depth()``: this test's thread holds the interpreter's recursion limit).
# Everything else (bad UTF-8, lone surrogate escapes, a UTF-8 BOM) is rejected in both places.
ACCEPTED_FREE_FORM = {
    "i_structure_500_nested_arrays.json",
    "i_number_double_huge_neg_exp.json",
    "i_number_real_underflow.json",
    "i_number_too_big_neg_int.json",
    "i_number_too_big_pos_int.json",
    "i_number_very_big_negative_int.json",
}
ACCEPTED_IGNORED = ACCEPTED_FREE_FORM | {
    "i_number_huge_exp.json",
    "i_number_neg_int_huge_exp.json",
    "i_number_pos_double_huge_exp.json",
    "i_number_real_neg_overflow.json",
    "i_number_real_pos_overflow.json",
}


def _cases(prefix: str) -> list[str]:
    return sorted(p.name for p in JSONTESTSUITE.glob(f"{prefix}*.json")) or ["(absent)"]


def _read(name: str) -> bytes:
    return (require(JSONTESTSUITE) / name).read_bytes()


def _accepted(func: Callable[[Any], Any], data: Any) -> bool:
    try:
        func(data)
    except rt_fast.DecodeError:
        return False
    return True


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("name", _cases("n_"))
def test_n_files_are_rejected(name: str, wrap: str) -> None:
    """A file that is not JSON raises DecodeError from every entry point."""
    raw = _read(name)
    data = WRAPS[wrap](raw)
    for entry, func in ENTRY_POINTS.items():
        if entry == "decode_lines" and (b"\n" in raw or not raw.strip()):
            continue  # a blank log holds no frame; each line of a multi-line file may be JSON
        with pytest.raises(rt_fast.DecodeError):
            func(data)


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("name", _cases("y_"))
def test_y_files_decode(name: str, wrap: str) -> None:
    """A JSON file decodes as free-form data; as a frame it decodes or raises DecodeError."""
    data = WRAPS[wrap](_read(name))
    assert _accepted(ENTRY_POINTS["free-form"], data)
    for func in ENTRY_POINTS.values():
        _accepted(func, data)


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("name", _cases("i_"))
def test_i_files_outcome(name: str, wrap: str) -> None:
    """An implementation-defined file has the pinned outcome, free-form and ignored."""
    raw = _read(name)
    assert rt_fast.max_depth() is None  # the main thread of a test run, on any Python here
    ignored = b'{"type":"input_audio_buffer.cleared","event_id":"e","x":' + raw + b"}"
    assert _accepted(ENTRY_POINTS["free-form"], WRAPS[wrap](raw)) == (name in ACCEPTED_FREE_FORM)
    accepted = _accepted(rt_fast.decode_server_event, WRAPS[wrap](ignored))
    assert accepted == (name in ACCEPTED_IGNORED)


def test_suite_is_complete() -> None:
    """The pinned names are i_ files of the suite, and the suite has its three kinds."""
    require(JSONTESTSUITE)
    names = set(_cases("i_"))
    assert names >= ACCEPTED_IGNORED
    assert len(_cases("n_")) > 150 and len(_cases("y_")) > 90 and len(names) == 35
