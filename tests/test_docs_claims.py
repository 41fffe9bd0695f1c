"""Claims of the guides that depend on the extras installed hold as written, in each tox env:
with ``pybase64`` (``speed``, ``audio``) and without it (``core``)."""

from __future__ import annotations

import importlib.util

import pytest

import rt_fast
from rt_fast import ga

PCM = bytes(4800)
APPEND = rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, PCM)
DELTA = rt_fast.encode_audio(
    ga.ResponseOutputAudioDeltaEvent, PCM,
    event_id="e1", response_id="r1", item_id="i1", output_index=0, content_index=0,
)  # fmt: skip
WITH_PYBASE64 = importlib.util.find_spec("pybase64") is not None


@pytest.mark.parametrize("frame", [APPEND, DELTA], ids=["append", "delta"])
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_audio_payload_views_its_input_where_the_audio_guide_says(
    frame: bytes, kind: type[bytes] | type[bytearray]
) -> None:
    """With pybase64, a view of ``data`` for bytes and bytearray; without, only for a bytes
    microphone frame as clients send it. The payload is the same either way."""
    data = kind(frame)
    view = rt_fast.audio_payload(data)
    assert bytes(view) == frame.split(b'"')[-2]
    in_place = WITH_PYBASE64 or (kind is bytes and frame is APPEND)
    assert (view.obj is data) is in_place
    if kind is bytearray:
        if in_place:
            with pytest.raises(BufferError):
                data.extend(b" ")  # a bytearray a view holds cannot be resized
        else:
            data.extend(b" ")  # a copy holds no tie to it


def test_a_str_frame_s_payload_is_always_a_copy() -> None:
    """A ``str`` has no buffer to view: the payload comes back in bytes of its own."""
    view = rt_fast.audio_payload(APPEND.decode())
    assert isinstance(view.obj, bytes) and bytes(view) == APPEND.split(b'"')[-2]
