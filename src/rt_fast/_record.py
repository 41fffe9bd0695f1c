"""Records: one frame a line with when it arrived, whose event it is, and its session.

The relay writes them (``rt-fast relay --record``) and every log reader reads them as it reads
plain frame-per-line logs: ``read_log``, ``map_log``, ``rt-fast stats``/``export``,
``rt_fast.dask`` and ``rt-fast serve --replay`` decode the frame; ``LogBatch.records()`` gives
each frame's record. A record line is a JSON object whose last member is the frame, its bytes
unchanged (a frame that is not one JSON value, as an upstream may send, is the member
``"text"``, a JSON string of its text), and nothing after it but the closing brace::

    {"time_us":1765000000123456,"direction":"client","session":"9f2c41d07a3be566","frame":{...}}

``time_us`` is the arrival time in microseconds since the epoch; ``direction`` says whose event
the frame is (``client``: a client event, toward the upstream; ``server``: a server event,
toward the client); frames the relay made itself (its error replies, injected frames) add
``"origin":"relay"`` before ``"frame"``. A session id never holds a quote or a backslash.
"""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec

from ._errors import DecodeError
from ._guard import check
from ._route import INPUT_ERRORS
from ._stack import max_depth, this_thread

__all__ = ["RECORD", "Record", "frame_in", "record_line", "unwrap"]

RECORD = b'{"time_us":'  # how a record line opens
_FRAME = b',"frame":'
_TEXT = b',"text":'  # a frame that is not one JSON value: a JSON string of its text
_HEAD_MAX = 512  # a record's members before its frame fit in this many bytes
_ONE_LINE = bytes.maketrans(b"\r\n", b"\t\t")


class Record(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """What a record says of its frame: when it arrived, whose event it is, its session, and
    ``origin="relay"`` for a frame the relay made itself."""

    time_us: int
    direction: str
    session: str
    origin: str | None = None


_head = msgspec.json.Decoder(Record).decode
_encode = msgspec.json.Encoder().encode


def record_line(
    time_us: int, direction: str, session: str, frame: bytes, origin: str | None = None
) -> bytes:
    """The record line of ``frame`` (a JSON object's bytes), without its newline: a raw CR or
    LF in the frame is written as a tab (JSON whitespace outside strings, and invalid inside
    them, as a raw CR or LF is), so the line stays one line. A frame that is not one JSON
    value (an upstream's broken or empty frame, forwarded as it came) is written as a JSON
    string of its text, the member ``"text"`` in place of ``"frame"``: no frame can forge the
    line's members for a JSON reader (a frame such as ``{...},"session":"another","frame":
    {...}`` once read, to jq, as another session's frame), and rt_fast's readers read that
    text as the frame, rejecting it as on a plain line. (A frame within JSON, nested deeper or
    holding longer numbers than another reader takes, stays ``"frame"``: that reader's limit.)
    """
    if '"' in session or "\\" in session:
        raise ValueError(f"a session id holds no quote or backslash: {session!r}")
    if b"\n" in frame or b"\r" in frame:
        frame = frame.translate(_ONE_LINE)
    head = _encode(Record(time_us, direction, session, origin))[:-1]
    if not _one_value(frame):  # text: as a JSON string; else (no frame the relay forwards) as
        with contextlib.suppress(UnicodeDecodeError):  # it is, rejected as on a plain line
            return head + _TEXT + _encode(frame.decode()) + b"}"
    return head + _FRAME + frame + b"}"


def _one_value(frame: bytes) -> bool:
    """Whether ``frame`` is one JSON value, by msgspec's parse, which builds nothing; a frame
    that may nest deeper than this thread can parse is held to its bound first."""
    try:
        if len(frame) > this_thread.span and max_depth() is not None:
            check(frame)
        _skim(frame)
    except (DecodeError, *INPUT_ERRORS):
        return False
    return True


_skim = msgspec.json.Decoder(msgspec.Raw).decode
_text = msgspec.json.Decoder(str).decode


def frame_in(line: bytes, start: int, stop: int, text: bool) -> bytes:
    """The frame of a record ``line`` that ``unwrap`` found at ``start:stop``: its bytes, or
    for a ``"text"`` record the text of the JSON string there (``DecodeError`` if it is
    none)."""
    if not text:
        return line[start:stop]
    try:
        return _text(line[start:stop]).encode()
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise DecodeError(f"a record line whose text is not a JSON string: {exc}") from None


def unwrap(buffer: Any, start: int, stop: int) -> tuple[Record, int, int, bool] | None:
    """The record of the line ``buffer[start:stop]``, its frame's span in ``buffer`` and
    whether that is a ``"text"`` record's JSON string (``frame_in``); None for a line that is
    not a record; ``DecodeError`` for a record without its frame."""
    if not buffer.startswith(RECORD, start, stop):
        return None
    head_stop = min(stop, start + _HEAD_MAX)
    at, marker = buffer.find(_FRAME, start, head_stop), _FRAME
    if at < 0:
        at, marker = buffer.find(_TEXT, start, head_stop), _TEXT
    if at < 0 or stop - 1 <= at + len(marker) or buffer[stop - 1] != 0x7D:  # "}"
        raise DecodeError("a record line without its frame (its last member, then })")
    head = bytes(buffer[start:at]) + b"}"
    try:
        record = _head(head)
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise DecodeError(f"a record line whose members are not a record's: {exc}") from None
    if _encode(record) != head:  # as record_line writes them: no repeat, space or escape
        raise DecodeError("a record line whose members are not as a record writes them")
    return record, at + len(marker), stop - 1, marker is _TEXT
