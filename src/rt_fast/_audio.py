"""Audio and routing fast paths: the payload of an audio frame without parsing it, and its type.

Rules of the fast paths here:

1. They are optimizations, never different answers. For every input each function returns
   what the generic path returns (decode the whole frame with its event class, then take the
   field), or raises ``DecodeError`` where that path does; ``tests/test_audio.py`` proves it
   over valid, escaped, reordered, spaced, truncated and garbage frames.
2. The fast path runs only where its preconditions hold, and otherwise falls back silently:
   the frame is ``bytes``, ``bytearray`` or ``str``; it opens ``{"type":"<audio tag>",`` (compact,
   ``type`` first, as the API sends it); the payload's key appears once in the frame; the
   payload is plain base64. The payload is found
   by memchr scans; its content is checked by pybase64's SIMD base64 validation (alphabet
   characters only, so it is a JSON string exactly as the generic decoder reads it: no escape,
   no control character, nothing beyond ASCII); the header (the frame with the payload cut
   out, ~200 bytes) is validated by msgspec. An invalid frame is never accepted. Without
   pybase64 the payload cannot be checked fast enough, and only ``decode_pcm`` (whose base64
   decoding is the check) keeps a fast path.
3. ``audio_payload`` returns a view of the caller's buffer for ``bytes`` and ``bytearray``
   input: no copy. The view keeps the input alive; a ``bytearray`` cannot be resized while a
   view of it exists (``BufferError``); ``bytes(view)`` or ``view.tobytes()`` detaches a copy.
   Where no view of the input can stand for the payload (``str`` or ``memoryview`` input, JSON
   escapes in the payload), the view is of a fresh copy.
4. ``peek_type`` reads the type from the first bytes when it leads (time independent of the
   frame's size) and otherwise parses the frame; it does not validate the rest of the frame.
"""

from __future__ import annotations

import binascii
import functools
import sys
from collections.abc import Callable
from typing import Any, NamedTuple, Union

import msgspec

from . import beta, ga, translation
from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE, check, check_view
from ._variants import variant

__all__ = [
    "AUDIO_EVENTS",
    "Routes",
    "audio_payload",
    "decode_audio_event",
    "decode_pcm",
    "peek_type",
    "routes_for",
]

Buffer = Union[bytes, bytearray, memoryview, str]
_INPUT_ERRORS = (msgspec.DecodeError, UnicodeError, RecursionError)
_PEEK = 128  # bytes of the frame's opening that peek_type reads; tags are far shorter

if sys.version_info >= (3, 11):

    def _stdlib_decode(payload: Any) -> bytes:
        return binascii.a2b_base64(payload, strict_mode=True)

else:  # pragma: no cover - Python 3.10
    import base64

    def _stdlib_decode(payload: Any) -> bytes:
        return base64.b64decode(payload, validate=True)


def _stdlib_b64decode(payload: Any) -> bytes:
    """Strict base64 as pybase64 reads it: whole quanta, padding only in the last one."""
    tail = payload[-3:]
    if len(payload) % 4 or (tail.tobytes() if isinstance(tail, memoryview) else tail) in (
        b"===",
        "===",
    ):
        raise binascii.Error("base64 must be whole 4-character quanta with at most 2 '='")
    return _stdlib_decode(payload)


try:  # SIMD base64 (the `audio` extra); the stdlib gives the same answers, slower
    from pybase64 import b64decode as _pybase64_decode

    def _b64decode(payload: Any) -> bytes:
        return _pybase64_decode(payload, validate=True)

    SIMD = True
except ImportError:  # pragma: no cover - exercised where pybase64 is absent
    _b64decode = _stdlib_b64decode
    SIMD = False


class _Route(NamedTuple):
    """How to find and check the payload of one audio event class."""

    cls: type[msgspec.Struct]
    field: str
    prefix: bytes  # {"type":"<tag>",
    key: bytes  # ,"<field>":"
    prefix_str: str
    key_str: str
    decode: Callable[[Any], Any]  # msgspec decoder of the (strict) event class


AUDIO_EVENTS: dict[type[Any], str] = {
    ga.ResponseOutputAudioDeltaEvent: "delta",
    ga.InputAudioBufferAppendEvent: "audio",
    beta.ResponseAudioDeltaEvent: "delta",
    beta.InputAudioBufferAppendEvent: "audio",
    translation.SessionOutputAudioDeltaEvent: "delta",
    translation.SessionInputAudioBufferAppendEvent: "audio",
}
"""Every event class that carries base64 audio -> its payload field."""


def _route(cls: type[Any], field: str) -> _Route:
    tag = cls.__struct_config__.tag
    prefix, key = f'{{"type":"{tag}",', f',"{field}":"'
    decode = msgspec.json.Decoder(cls).decode
    return _Route(cls, field, prefix.encode(), key.encode(), prefix, key, decode)


@functools.cache
def _lenient(cls: type[msgspec.Struct]) -> Callable[[Any], Any]:
    """The decoder of an audio event's lenient variant, for the generic path: made on need."""
    return msgspec.json.Decoder(variant(cls, forbid_unknown_fields=False)).decode


Routes = dict[Union[str, bytes], _Route]
"""Audio tag (as str and as bytes) -> route, for the audio events of one union."""


def routes_for(members: Any) -> Routes:
    """The routes of the audio events among ``members`` (the classes of a union)."""
    routes: Routes = {}
    for cls in members:
        if cls in AUDIO_EVENTS:
            route = _route(cls, AUDIO_EVENTS[cls])
            routes.setdefault(route.prefix_str[9:-2], route)
            routes.setdefault(route.prefix[9:-2], route)
    return routes


_ALL = routes_for(AUDIO_EVENTS)  # a tag both GA and beta have: GA's class checks it


class _Head(msgspec.Struct):
    type: str


_head_decode = msgspec.json.Decoder(_Head).decode


def peek_type(data: Buffer) -> str:
    """The frame's ``type``, without decoding the rest (``DecodeError`` if it has none)."""
    if isinstance(data, memoryview):
        check_view(data)
    head = data[:_PEEK]
    if not isinstance(head, bytes):
        head = head.encode("utf-8", "surrogatepass") if isinstance(head, str) else bytes(head)
    if head.startswith(b'{"type":"'):
        end = head.find(b'"', 9)
        if end > 0 and head[end + 1 : end + 2] in (b",", b"}") and b"\\" not in head[9:end]:
            try:
                return head[9:end].decode()
            except UnicodeDecodeError:
                pass
    try:
        return _head_decode(data).type
    except _INPUT_ERRORS as exc:
        raise DecodeError.from_exception(exc) from None


def _find(data: Any, routes: Routes, max_size: int = MAX_FRAME_SIZE) -> _Found | None:
    """The route, payload span and checked header of a frame the fast path can take, or None.

    The payload's content is the caller's to check (``_plain_base64``, or a validating decode).
    """
    text = data.__class__ is str
    if not (text or data.__class__ is bytes or data.__class__ is bytearray) or len(data) > max_size:
        return None  # a view may be released or strided; an oversized frame is an error
    if not data.startswith('{"type":"' if text else b'{"type":"'):
        return None
    end = data.find('"' if text else b'"', 9, _PEEK)
    if end < 0:
        return None
    route = routes.get(bytes(data[9:end]) if data.__class__ is bytearray else data[9:end])
    return None if route is None else locate(data, route, 0, len(data))


def locate(data: Any, route: _Route, start: int, stop: int) -> _Found | None:
    """``_find`` for a frame ``data[start:stop]`` (``str``, ``bytes`` or ``bytearray``, within
    size) whose type, read where it leads, is ``route``'s: the log reader passes a line of its
    buffer in place, and the span is in ``data``'s offsets."""
    text = data.__class__ is str
    prefix, key = (route.prefix_str, route.key_str) if text else (route.prefix, route.key)
    at = data.find(key, start + len(prefix) - 1, stop)  # the key may share the prefix's comma
    if at < 0 or not data.startswith(prefix, start):
        return None
    begin = at + len(key)
    end = data.find('"' if text else b'"', begin, stop)
    if end < 0:
        return None
    cut = data[start:begin] + data[end:stop]  # the frame without its payload: ~200 bytes
    if cut.find(key, at - start + 1) >= 0:
        return None  # the key twice (nested, or repeated): the first may not be the member
    try:  # strict, and audio events hold no free-form value: this checks every byte of it
        header = route.decode(cut)
    except _INPUT_ERRORS:
        return None
    return _Found(route, begin, end, header) if getattr(header, route.field) == "" else None


class _Found(NamedTuple):
    route: _Route
    begin: int
    end: int
    header: Any


def _slice(data: Any, found: _Found) -> Any:
    """The payload: a str slice of a str, else a view of the input."""
    if isinstance(data, str):
        return data[found.begin : found.end]
    return memoryview(data)[found.begin : found.end]


def _plain_base64(payload: Any) -> bool:
    """Whether the payload is plain base64 (then also a JSON string with nothing to undo)."""
    try:
        _b64decode(payload)
    except (binascii.Error, ValueError):
        return False
    return True


def decode_audio_event(data: Buffer, routes: Routes, max_size: int = MAX_FRAME_SIZE) -> Any:
    """The typed event of an audio frame of ``routes``, by the fast path; None where it fails."""
    found = _find(data, routes, max_size) if SIMD else None
    return None if found is None else event(data, found)


def event(data: Buffer, found: _Found) -> Any:
    """The typed event of a frame ``locate`` found, if its payload is plain base64; else None."""
    payload = _slice(data, found)
    if not _plain_base64(payload):
        return None
    text = payload if isinstance(payload, str) else str(payload, "ascii")
    return msgspec.structs.replace(found.header, **{found.route.field: text})


def measured(data: bytes | bytearray, found: _Found) -> tuple[Any, int] | None:
    """``event`` without the payload: the event with an empty one, and how many bytes of audio
    the payload decodes to (the same check, without copying the payload)."""
    try:
        return found.header, len(_b64decode(memoryview(data)[found.begin : found.end]))
    except (binascii.Error, ValueError):
        return None


def _generic(data: Buffer) -> tuple[Any, str]:
    """The generic path: the payload of the frame decoded whole by its audio event class."""
    check(data)
    tag = peek_type(data)
    route = _ALL.get(tag)
    if route is None:
        raise DecodeError(f"not an audio frame: type {tag!r}", path="$.type")
    try:
        event = _lenient(route.cls)(data)
    except _INPUT_ERRORS as exc:
        raise DecodeError.from_exception(exc) from None
    return getattr(event, route.field), route.field


def audio_payload(data: Buffer) -> memoryview:
    """The base64 audio of an audio frame, as a view of ``data`` where it can be (no copy)."""
    found = _find(data, _ALL) if SIMD else None
    if found is not None:
        payload = _slice(data, found)
        if _plain_base64(payload):
            return memoryview(payload.encode()) if isinstance(payload, str) else payload
    return memoryview(_generic(data)[0].encode())


def decode_pcm(data: Buffer) -> bytes:
    """The decoded audio (PCM16 or G.711 bytes, as the session's format says) of an audio frame."""
    found = _find(data, _ALL)
    if found is not None:
        try:
            return _b64decode(_slice(data, found))  # validating: plain base64, else generic
        except (binascii.Error, ValueError):
            pass
    payload, field = _generic(data)
    try:
        return _b64decode(payload.encode())
    except (binascii.Error, ValueError):
        message = f"`{field}` is not valid base64 - at `$.{field}`"
        raise DecodeError(message, path=f"$.{field}") from None
