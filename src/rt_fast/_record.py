"""Records: one frame a line with when it arrived, whose event it is, and its session.

The relay writes them (``rt-fast relay --record``) and every log reader reads them as it reads
plain frame-per-line logs: ``read_log``, ``map_log``, ``rt-fast stats``/``export``,
``rt_fast.dask`` and ``rt-fast serve --replay`` decode the frame; ``LogBatch.records()`` gives
each frame's record. A record line is a JSON object whose last member is the frame, its bytes
unchanged, and nothing after it but the closing brace::

    {"time_us":1765000000123456,"direction":"client","session":"9f2c41d07a3be566","frame":{...}}

``time_us`` is the arrival time in microseconds since the epoch; ``direction`` says whose event
the frame is (``client``: a client event, toward the upstream; ``server``: a server event,
toward the client); frames the relay made itself (its error replies, injected frames) add
``"origin":"relay"`` before ``"frame"``. A session id never holds a quote or a backslash.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._errors import DecodeError

__all__ = ["RECORD", "Record", "record_line", "unwrap"]

RECORD = b'{"time_us":'  # how a record line opens
_FRAME = b',"frame":'
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
    them, as a raw CR or LF is), so the line stays one line."""
    if '"' in session or "\\" in session:
        raise ValueError(f"a session id holds no quote or backslash: {session!r}")
    if b"\n" in frame or b"\r" in frame:
        frame = frame.translate(_ONE_LINE)
    head = _encode(Record(time_us, direction, session, origin))
    return head[:-1] + _FRAME + frame + b"}"


def unwrap(buffer: Any, start: int, stop: int) -> tuple[Record, int, int] | None:
    """The record of the line ``buffer[start:stop]`` and its frame's span in ``buffer``; None
    for a line that is not a record; ``DecodeError`` for a record without its frame."""
    if not buffer.startswith(RECORD, start, stop):
        return None
    at = buffer.find(_FRAME, start, min(stop, start + _HEAD_MAX))
    if at < 0 or stop - 1 <= at + len(_FRAME) or buffer[stop - 1] != 0x7D:  # "}"
        raise DecodeError("a record line without its frame (its last member, then })")
    head = bytes(buffer[start:at]) + b"}"
    try:
        record = _head(head)
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise DecodeError(f"a record line whose members are not a record's: {exc}") from None
    if _encode(record) != head:  # as record_line writes them: no repeat, space or escape
        raise DecodeError("a record line whose members are not as a record writes them")
    return record, at + len(_FRAME), stop - 1
