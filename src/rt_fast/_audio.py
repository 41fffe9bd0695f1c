"""Audio and routing fast paths: the payload of an audio frame without parsing it, and its type.

Rules of the fast paths here:

1. They are optimizations, never different answers. For every input each function returns
   what the generic path returns (decode the whole frame with its event class, then take the
   field), or raises ``DecodeError`` where that path does; ``tests/test_audio.py`` proves it
   over valid, escaped, reordered, spaced, truncated and garbage frames.
2. The fast path runs only where its preconditions hold, and otherwise falls back silently:
   the frame is ``bytes``, ``bytearray`` or ``str`` (a view of other memory is copied first,
   ``_guard.frame_of``); it opens ``{"type":"<audio tag>",`` (compact, ``type`` first, as the
   API sends it); outside the payload there is no backslash, and ``"type"`` and the payload's
   key appear once each (so neither can be repeated, under any spelling: a frame that may
   repeat one goes to the generic path, where holding either twice with different values is
   a ``DecodeError``, ``routed_keys``); the payload is plain (below). The payload is found
   by memchr scans; its content is checked in one SIMD pass, by stringzilla (printable ASCII
   but the quote and backslash) or else by pybase64's base64 validation (alphabet characters
   only): either way it is a JSON string exactly as the generic decoder reads it (no escape,
   no control character, nothing beyond ASCII); the header (the frame with the payload cut
   out, ~200 bytes) is validated by msgspec. An invalid frame is never accepted. Without
   either the payload cannot be checked fast enough, and only ``decode_pcm`` (whose base64
   decoding is the check) keeps a fast path.
3. ``audio_payload`` returns a view of the caller's buffer for ``bytes`` and ``bytearray``
   input: no copy. The view keeps the input alive; a ``bytearray`` cannot be resized while a
   view of it exists (``BufferError``); ``bytes(view)`` or ``view.tobytes()`` detaches a copy.
   Where no view of the input can stand for the payload (``str`` or ``memoryview`` input, JSON
   escapes in the payload), the view is of a fresh copy.
4. ``peek_type`` reads the type from the first bytes when it leads and the frame cannot hold
   a second ``type`` (no backslash, ``"type"`` once; in an audio frame, outside the payload,
   which memchr crosses), and otherwise parses the frame's top level, so its answer is the
   decoder's wherever the decoder takes the frame. It does not validate the rest of the
   frame; a tag it answers is printable ASCII, as JSON's text of it is the tag itself.
"""

from __future__ import annotations

import binascii
import functools
import importlib
import operator
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, Union, get_args

import msgspec

from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE, check, conflict_error, conflicting_key, frame_of
from ._models import UNSET
from ._route import INPUT_ERRORS, PEEK, head_decode, keyed, lead_end
from ._simd import PLAIN
from ._simd import find_first_not_of as _find_first_not_of
from ._stack import max_depth, this_thread
from ._variants import origin, variant

__all__ = [
    "AUDIO_EVENTS",
    "AUDIO_FIELDS",
    "Routes",
    "audio_payload",
    "b64encode",
    "decode_audio_event",
    "decode_pcm",
    "either",
    "Payload",
    "audio_field",
    "ensure_one_payload",
    "one_payload",
    "payloads_of",
    "pcm_bytes",
    "peek_type",
    "routed_keys",
    "routes_for",
]

Buffer = Union[bytes, bytearray, memoryview, str]

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
    from pybase64 import b64encode as _pybase64_encode

    def _b64decode(payload: Any) -> bytes:
        decoded: bytes = _pybase64_decode(payload, validate=True)  # Any where it is absent
        return decoded

    b64encode: Callable[[Any], bytes] = _pybase64_encode

    SIMD = True
except ImportError:  # pragma: no cover - exercised where pybase64 is absent
    _b64decode = _stdlib_b64decode
    SIMD = False

    def _stdlib_encode(data: Any) -> bytes:
        """Standard base64 of a buffer, padded, on one line."""
        return binascii.b2a_base64(data, newline=False)

    b64encode = _stdlib_encode


TYPED = SIMD or _find_first_not_of is not None
"""Whether a typed audio event can be made by the fast path: its payload checked in one pass."""


class _Route(NamedTuple):
    """How to find and check the payload of one audio event class."""

    cls: type[msgspec.Struct]
    field: str
    prefix: bytes  # {"type":"<tag>",
    key: bytes  # ,"<field>":"
    prefix_str: str
    key_str: str
    decode: Callable[[Any], Any]  # msgspec decoder of the (strict) event class
    name: bytes  # "<field>"


AUDIO_FIELDS: dict[str, dict[str, str]] = {
    "ga": {"response.output_audio.delta": "delta", "input_audio_buffer.append": "audio"},
    "beta": {"response.audio.delta": "delta", "input_audio_buffer.append": "audio"},
    "translation": {
        "session.output_audio.delta": "delta",
        "session.input_audio_buffer.append": "audio",
    },
    "live": {"session.output_audio.delta": "delta", "session.input_audio.append": "audio"},
}
"""Each generation (``rt_fast.<name>``, in auto-detection's order) -> the tags of its events
that carry base64 audio -> their payload field. Keyed by name, not class, so that a decoder of
one generation loads no other (``AUDIO_EVENTS`` is this table by class)."""


def audio_field(cls: Any) -> str | None:
    """The payload field of an audio event class of a generation (or of a variant of one)."""
    model = origin(cls)
    package = getattr(model, "__module__", "").rpartition(".")[0]  # rt_fast.<generation>
    generation = package.split(".")[1] if package.startswith("rt_fast.") else ""
    tags = AUDIO_FIELDS.get(generation)
    config = getattr(model, "__struct_config__", None)
    return None if tags is None or config is None else tags.get(config.tag)


def _route(cls: type[Any], field: str) -> _Route:
    tag = cls.__struct_config__.tag
    prefix, key = f'{{"type":"{tag}",', f',"{field}":"'
    decode = msgspec.json.Decoder(cls).decode
    name = f'"{field}"'.encode()
    return _Route(cls, field, prefix.encode(), key.encode(), prefix, key, decode, name)


@functools.cache
def _lenient(cls: type[msgspec.Struct]) -> Callable[[Any], Any]:
    """The decoder of an audio event's lenient variant, for the generic path: made on need."""
    return msgspec.json.Decoder(variant(cls, forbid_unknown_fields=False)).decode


Routes = dict[Union[str, bytes], _Route]
"""Audio tag, and its leads as ``bytes`` and ``str`` (``_route.keyed``) -> route, for the audio
events of one union (the first class of a tag where several have it)."""


def routes_for(members: Any) -> Routes:
    """The routes of the audio events among ``members`` (the classes of a union): where
    several classes have a tag (generations that share it), its route takes a frame any of
    them takes, by the first that does (``either``)."""
    routes: Routes = {}
    for cls in members:
        field = audio_field(cls)
        if field is not None:
            route = _route(cls, field)
            tag = route.prefix_str[9:-2]
            for key, value in {tag: route, **keyed([(tag, route)])}.items():
                routes[key] = either(routes[key], value) if key in routes else value
    return routes


def either(first: _Route, second: _Route) -> _Route:
    """The route of a tag two audio event classes have, with one payload field: its header
    is the first class's where that class takes it, else the second's."""
    if first is second or first.cls is second.cls:
        return first
    if first.field != second.field:  # pragma: no cover - a table error, found on import
        raise TypeError(f"{first.cls} and {second.cls} share a tag, not a payload field")
    one, other = first.decode, second.decode

    def decode(data: Any) -> Any:
        try:
            return one(data)
        except INPUT_ERRORS:
            return other(data)

    return first._replace(decode=decode)


_FIELDS = {tag: field for tags in AUDIO_FIELDS.values() for tag, field in tags.items()}
"""An audio tag of any generation -> its payload field (the same in each: ``either``)."""


class _Later(dict):  # type: ignore[type-arg]
    """A table of every generation's events, until ``_load`` makes it: a look-up makes the
    tables and answers from the one made, which then stands in its place. A command that
    reads one generation loads no other, and pays for these tables only where it peeks."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def get(self, key: Any, default: Any = None) -> Any:
        return _load()[self.name].get(key, default)

    def __missing__(self, key: Any) -> Any:
        return _load()[self.name][key]


_loading = threading.Lock()


def _load() -> dict[str, Any]:
    """Make the tables of every generation's events (once; threads that ask at once wait for
    the first) and put them in place of the ``_Later`` ones."""
    with _loading:
        if _ALL.__class__ is not _Later:
            return globals()
        tables = _tables([importlib.import_module(f"rt_fast.{name}") for name in AUDIO_FIELDS])
        globals().update(tables)  # one step: a reader sees all of them made, or none
        return tables


def _tables(generations: list[Any]) -> dict[str, Any]:
    events = [cls for module in generations for cls in get_args(module.Event)]
    audio = {cls: field for cls in events if (field := audio_field(cls)) is not None}
    classes: dict[str, list[type[msgspec.Struct]]] = {}  # the generic path tries each in order
    for cls in audio:
        classes.setdefault(cls.__struct_config__.tag, []).append(cls)
    every = routes_for(audio)  # a tag several generations have: the first taking it decodes it
    tags = sorted({cls.__struct_config__.tag for cls in events})
    peeks = [_empty(tag) for tag in tags]
    return {
        "AUDIO_EVENTS": audio,
        "_CLASSES": classes,
        "_TAG_OF": {cls: str(cls.__struct_config__.tag) for cls in peeks},
        "_peek_decode": msgspec.json.Decoder(Union[tuple(peeks)]).decode,
        # The lead of a frame whose known type leads -> (tag, an audio event's payload or None)
        "_KNOWN": keyed((tag, (tag, _FIELDS.get(tag))) for tag in tags),
        "_ALL": every,
    }


AUDIO_EVENTS: dict[type[Any], str]
"""Every event class that carries base64 audio -> its payload field (made by ``_load``)."""
_ALL: Routes = _Later("_ALL")
_KNOWN: dict[Any, tuple[str, str | None]] = _Later("_KNOWN")
_CLASSES: dict[str, list[type[msgspec.Struct]]] = _Later("_CLASSES")  # an audio tag -> its classes
_TAG_OF: dict[type, str] = _Later("_TAG_OF")  # a peek class -> its tag


def _peek_decode(data: Any) -> Any:  # until ``_load`` puts the decoder in its place
    return _load()["_peek_decode"](data)


def __getattr__(name: str) -> Any:
    """The tables ``_load`` makes (``AUDIO_EVENTS``), made on first use."""
    if name == "AUDIO_EVENTS":
        return _load()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def routed_keys(tag: str) -> tuple[str, ...]:
    """The keys readers route a frame of ``tag`` by, which it may not hold twice with
    different values: ``type``, and an audio event's payload (in every generation, whatever
    the reader's tables: to one that does not know the type, the frame is still audio)."""
    field = _FIELDS.get(tag)
    return ("type",) if field is None else ("type", field)


def peek_type(data: Buffer) -> str:
    """The frame's ``type``, without decoding the rest.

    The answer always equals the ``type`` the full decoders read: a frame that holds ``type``
    (or, for an audio frame, its payload) twice with different values is refused here as
    there, so a relay never routes by one type where the upstream reads another. The rest of
    the frame is not validated.

    Args:
        data: One frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.

    Returns:
        The frame's ``type``, whether or not this version of rt_fast knows it.

    Raises:
        DecodeError: The frame is not a JSON object with a string ``type``, is over
            ``MAX_FRAME_SIZE``, or holds ``type`` (or an audio frame its payload) twice.
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> rt_fast.peek_type(b'{"type":"response.done","event_id":"e1"}')
        'response.done'
    """
    lead: Any
    if data.__class__ is bytes:
        if (
            len(data) <= _SKIM
            and (len(data) <= this_thread.span or max_depth() is None)
            and data.isascii()  # else the guard checks its UTF-8 first
        ):
            try:  # msgspec reads the top level's every ``type`` (all must agree), skips the rest
                tag = _TAG_OF[_peek_decode(data).__class__]
            except INPUT_ERRORS:
                pass  # not JSON, or a type not known here: read below
            else:
                if tag not in _FIELDS:  # an audio frame's payload key must be checked too
                    return tag
        lead = data[: data.find(b'"', 9, PEEK) + 2]  # their lead (``_route.lead_end``, inlined)
    else:
        data = frame_of(data)
        lead = data[: lead_end(data)]
        lead = lead if lead.__class__ is not bytearray else bytes(lead)
    known: tuple[str, str | None] | None = _KNOWN.get(lead)
    if known is not None:  # a known type leads, as the API sends it
        tag, field = known
        if field is not None:
            if one_payload(data, field):
                return tag
        elif data.__class__ is bytes:
            if data.find(b"\\") < 0 and data.find(b'"type"', 9 + len(tag)) < 0:
                return tag  # no backslash, so every key is itself, and no other "type"
        elif _one_type(data, len(tag)):
            return tag
        if (
            field is None  # an audio frame's payload key must be checked too: the generic path
            and len(data) <= MAX_FRAME_SIZE
            and (len(data) <= this_thread.span or max_depth() is None)
            and data.isascii()  # else the guard checks its UTF-8 first
        ):
            try:  # the top level's every ``type`` must be this one, as for the decoder
                return _TAG_OF[_peek_decode(data).__class__]
            except INPUT_ERRORS:
                pass  # the generic path says what is wrong
    check(data)  # before anything parses it
    try:
        head = head_decode(data)
    except INPUT_ERRORS as exc:
        raise DecodeError.from_exception(exc) from None
    key = conflicting_key(data, routed_keys(head.type))
    if key is not None:
        raise conflict_error(key)
    return head.type


_SKIM = 2048
"""The largest bytes frame ``peek_type`` gives msgspec whole: a skimming parse of a small frame
costs fewer instructions than looking for its lead and a second ``type`` with ``bytes``
methods (each call ~1,000 or more); past this size the scans, which do not parse, cost less."""


def _one_type(data: Any, size: int) -> bool:
    """Whether a frame whose type leads (its tag ``size`` characters) holds no other ``type``,
    by a cheap test that may say no when it does not: no backslash (so every key is spelled as
    itself) and no other ``"type"``."""
    slash, kind = _ONE_TYPE[data.__class__ is str]
    return bool(data.find(slash) < 0 and data.find(kind, 9 + size) < 0)


_ONE_TYPE: tuple[tuple[Any, Any], tuple[Any, Any]] = ((b"\\", b'"type"'), ("\\", '"type"'))


def _empty(tag: str) -> type[msgspec.Struct]:
    """A Struct of no fields tagged ``tag``: a union of them reads a frame's top-level type,
    checking that every ``type`` the top level holds is that one (msgspec checks the tag of a
    tagged Struct wherever it meets it) and skipping the rest."""
    return msgspec.defstruct("Peek", [], tag=tag, tag_field="type")


def one_payload(data: Any, field: str, start: int = 0, stop: int | None = None) -> bool:
    """Whether an audio frame (``data[start:stop]``) holds ``type`` and its payload key
    ``field`` once each at most, by a cheap test that may say no when it does: the payload is
    found by memchr (after the first ``,"<field>":"``, up to the next quote) and the rest of
    the frame, a few hundred bytes, has no backslash and ``"type"`` and ``"<field>"`` once
    each. (Without a backslash no string holds a quote, so in a frame that is JSON at all the
    key found is a member's and the payload a string.)"""
    key, name, quote, slash, kind = _SPELLINGS[data.__class__ is str][field]
    stop = len(data) if stop is None else stop
    at = data.find(key, start, stop)
    if at < 0:
        return False
    begin = at + len(key)
    end = data.find(quote, begin, stop)
    if end < 0:
        return False
    rest = data[start:begin] + data[end:stop]
    once: bool = rest.find(slash) < 0 and rest.count(kind) == 1 and rest.count(name) == 1
    return once


# text? -> payload field -> (its key, its name, quote, backslash, "type"), as str or bytes.
_SPELLINGS = {
    text: {
        field: tuple(
            s if text else s.encode() for s in (f',"{field}":"', f'"{field}"', '"', "\\", '"type"')
        )
        for field in set(_FIELDS.values())
    }
    for text in (False, True)
}


def _find(data: Any, routes: Routes, max_size: int = MAX_FRAME_SIZE) -> _Found | None:
    """The route, payload span and checked header of a frame the fast path can take, or None.

    The payload's content is the caller's to check (``_plain``, or a validating decode).
    """
    if data.__class__ is bytes:  # keyed by its lead
        route = routes.get(data[: lead_end(data)])
        if route is None or len(data) > max_size:
            return None
        return locate(data, route, 0, len(data))
    if len(data) > max_size or (data.__class__ is str and not data.isascii()):
        return None  # an oversized frame is an error; a str's UTF-8 size is its length if ASCII
    lead = data[: lead_end(data)]
    route = routes.get(bytes(lead) if data.__class__ is bytearray else lead)
    return None if route is None else locate(data, route, 0, len(data))


def locate(data: Any, route: _Route, start: int, stop: int) -> _Found | None:
    """``_find`` for a frame ``data[start:stop]`` (``str``, ``bytes`` or ``bytearray``, within
    size) whose type, read where it leads, is ``route``'s: the log reader passes a line of its
    buffer in place, and the span is in ``data``'s offsets. The payload ends at the next quote
    or, in a frame that ends with it (``"}``, the payload last), there: one pass over the
    payload fewer, since the caller's check of its content (a JSON string's text, or base64)
    refuses a quote in it as any other byte that cannot stand for itself."""
    text = data.__class__ is str
    prefix, key = (route.prefix_str, route.key_str) if text else (route.prefix, route.key)
    at = data.find(key, start + len(prefix) - 1, stop)  # the key may share the prefix's comma
    if at < 0 or not data.startswith(prefix, start):
        return None
    begin = at + len(key)
    if data.endswith('"}' if text else b'"}', begin, stop):
        end = stop - 2  # the payload last, as the API sends it: not scanned for its quote here
    else:
        end = data.find('"' if text else b'"', begin, stop)
        if end < 0:
            return None
    cut = data[start:begin] + data[end:stop]  # the frame without its payload: ~200 bytes
    name, slash = (route.key_str[1:-2], "\\") if text else (route.name, b"\\")
    # A differing second ``type`` is msgspec's to reject, below: only the payload's key counts.
    if slash in cut or cut.count(name) != 1:
        return None  # a key twice (nested, repeated or escaped): the first may not be the member
    try:  # strict, and audio events hold no free-form value: this checks every byte of it
        header = route.decode(cut)
    except INPUT_ERRORS:
        return None
    return (route, begin, end, header) if getattr(header, route.field) == "" else None


_Found = tuple[_Route, int, int, Any]
"""What ``locate`` found: the route, the payload's span ``begin``, ``end`` in the frame's
offsets, and the event with an empty payload. (A plain tuple: a NamedTuple costs ~0.3 us to
make, a tenth of the whole path on a 4 KB frame.)"""


def _slice(data: Any, begin: int, end: int) -> Any:
    """The payload ``data[begin:end]``: a str slice of a str, else a view of the input."""
    if isinstance(data, str):
        return data[begin:end]
    return memoryview(data)[begin:end]


def _plain_base64(payload: Any) -> bool:
    """Whether the payload is plain base64 (then also a JSON string with nothing to undo)."""
    try:
        _b64decode(payload)
    except (binascii.Error, ValueError):
        return False
    return True


def _plain(data: Any, begin: int, end: int) -> bool:
    """Whether ``data[begin:end]`` is a JSON string's text exactly as the generic decoder reads
    it: by one SIMD pass over the bytes (stringzilla), or else as plain base64 (pybase64)."""
    if _find_first_not_of is not None:
        return bool(_find_first_not_of(data, PLAIN, begin, end) < 0)
    return _plain_base64(_slice(data, begin, end))


def decode_audio_event(data: Buffer, routes: Routes, max_size: int = MAX_FRAME_SIZE) -> Any:
    """The typed event of an audio frame of ``routes``, by the fast path; None where it fails."""
    found = _find(data, routes, max_size) if TYPED else None
    return None if found is None else event(data, found)


def event(data: Buffer, found: _Found) -> Any:
    """The typed event of a frame ``locate`` found, if its payload is a plain JSON string (with
    stringzilla) or plain base64 (with pybase64); else None."""
    route, begin, end, header = found
    if not _plain(data, begin, end):
        return None
    payload = _slice(data, begin, end)
    text = payload if isinstance(payload, str) else str(payload, "ascii")
    return msgspec.structs.replace(header, **{route.field: text})


def measured(data: bytes | bytearray, found: _Found) -> tuple[Any, int] | None:
    """``event`` without the payload: the event with an empty one, and how many bytes of audio
    the payload holds by the rule the log's statistics apply to every payload
    (``pcm_bytes``), counted without copying it; None where ``event`` would be."""
    _, begin, end, header = found
    return (header, pcm_bytes(data, begin, end)) if _plain(data, begin, end) else None


def pcm_bytes(text: Any, begin: int = 0, end: int | None = None) -> int:
    """The bytes of audio the base64 ``text[begin:end]`` stands for: 3 per 4 characters, less
    the padding (a valid payload's decoded size; this checks no base64)."""
    end = len(text) if end is None else end
    two, one = _PADDING[text.__class__ is str]
    padding: int = text.endswith(two, begin, end) + text.endswith(one, begin, end)
    return (end - begin) * 3 // 4 - padding


_PADDING: dict[bool, tuple[Any, Any]] = {True: ("==", "="), False: (b"==", b"=")}  # str? -> padding


def _generic(data: bytes | bytearray | str) -> tuple[Any, str]:
    """The generic path: the payload of the frame decoded whole by its audio event class."""
    check(data)
    tag = peek_type(data)  # its type, which it holds once
    classes = _CLASSES.get(tag)
    if classes is None:
        raise DecodeError(f"not an audio frame: type {tag!r}", path="$.type")
    errors = []
    for cls in classes:  # the generations that have the tag, the first taking it first
        try:
            event = _lenient(cls)(data)
        except INPUT_ERRORS as exc:
            errors.append(exc)
            continue
        payload = payloads_of((cls,))[cls]
        ensure_one_payload(data, payload, event)
        return getattr(event, payload.field), payload.field
    raise DecodeError.from_exception(errors[0]) from None


class Payload(NamedTuple):
    """An audio event class's payload field, and the sizes that tell a frame of it holds each
    key once: ``bare``, the size of ``{"type":"<tag>","<field>":""}`` (as the API sends
    microphone audio), and for each other field, its name and what its key adds
    (``,"<name>":``)."""

    field: str
    value: Callable[[Any], str]  # the event's payload (an attrgetter: cheaper than getattr)
    lead: bytes
    lead_str: str
    bare: int
    others: tuple[tuple[str, int], ...]
    only_id: bool  # the event's one other field is ``event_id`` (as ``others`` says)

    def exact(self, size: int, event: Any) -> bool:
        """Whether a frame of ``size`` bytes (characters, for a ``str``) that holds its
        ``type`` and that the models decoded to ``event`` is the event's shortest JSON text:
        compact, no escape, one byte a character, and so each key once. A JSON text is never
        shorter than that (a string's text is at least its characters; an integer's at least its
        digits), and a repeated key, a space or an escape makes it longer; a float or another
        value whose shortest text is not known here says no."""
        total = self.bare + len(self.value(event))
        for name, key in self.others:
            value = getattr(event, name)
            kind = value.__class__
            if kind is str:
                total += key + 2 + len(value)
            elif kind is int:
                total += key + len(str(value))
            elif value is None or kind is bool:
                total += key + 5 - (value is not False)  # null, true, false
            elif value is not UNSET:
                return False
        return size == total


def payloads_of(members: Any) -> dict[type, Payload]:
    """The audio event classes among ``members`` (a union's, or variants) -> their payload."""
    found = {}
    for cls in members:
        field = audio_field(cls)
        if field is not None:
            lead = f'{{"type":"{cls.__struct_config__.tag}","{field}":"'
            names = zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True)
            others = tuple((name, len(key) + 4) for name, key in names if name != field)
            value = operator.attrgetter(field)
            only_id = others == (("event_id", len('"event_id":') + 1),)
            found[cls] = Payload(field, value, lead.encode(), lead, len(lead) + 2, others, only_id)
    return found


def ensure_one_payload(
    data: bytes | bytearray | str, payload: Payload, event: Any, *, typed: bool = True
) -> None:
    """Raise ``DecodeError`` if a decoded audio frame (its ``event``) holds its payload or
    ``type`` twice with different values: a fast path would take the first, msgspec takes the
    last. ``typed``: the frame holds its type (a union decoded it), so ``Payload.exact`` may
    answer; a class decoded alone may take a frame without it, whose bytes a repeat could fill."""
    exact = typed and payload.exact(len(data), event)
    if not exact and not one_payload(data, payload.field):
        key = conflicting_key(data, ("type", payload.field))
        if key is not None:
            raise conflict_error(key)


def _bare(data: Any) -> int:
    """Where the payload of a bare microphone frame begins, as the API sends them: ``bytes``
    that are ``{"type":"<append tag>","audio":"`` (any generation's), or the same with
    ``"event_id":"<id>",`` before the audio where the id's text is plain (printable ASCII, no
    quote or backslash: the text is the id), then the payload, ``"}``; else 0. The caller checks
    that the payload is plain (base64, or a plain JSON string): then the frame holds each key
    once and nothing else to check."""
    if data.__class__ is not bytes or len(data) > MAX_FRAME_SIZE or not data.endswith(b'"}'):
        return 0
    begin = data.find(b',"audio":"', 30, 64) + 10
    if len(data) >= begin + 2 and data[:begin] in _BARE_LEADS:
        return begin
    if not data.startswith(_ID_LEADS):
        return 0
    first = data.find(b'"event_id":"', 30, 64) + 12  # the id's text begins
    last = data.find(b'","audio":"', first, PEEK + first)  # and ends
    if first < 12 or last < 0 or len(data) < last + 13 or not _plain(data, first, last):
        return 0
    return last + 11


_APPENDS = [tag for tag, field in _FIELDS.items() if field == "audio"]
_BARE_LEADS = frozenset(f'{{"type":"{tag}","audio":"'.encode() for tag in _APPENDS)
_ID_LEADS = tuple(f'{{"type":"{tag}","event_id":"'.encode() for tag in _APPENDS)


def audio_payload(data: Buffer) -> memoryview:
    """The base64 audio of an audio frame, as a ``memoryview``, without a copy where it can.

    Audio frames are the events of ``AUDIO_EVENTS``: GA ``response.output_audio.delta``
    (``delta``) and ``input_audio_buffer.append`` (``audio``), and their beta, translation and
    Live equivalents. Whether the result is a view of ``data`` itself depends on the extras:

    * With the ``speed`` or ``audio`` extra installed (stringzilla or pybase64, which check
      the payload in one pass), the result is a view of ``data`` for ``bytes`` and
      ``bytearray`` input whose payload holds no JSON escape: no copy.
    * Without either, it is a view of a fresh copy of the payload, except for a ``bytes``
      frame holding only ``type`` and ``audio`` (``{"type":"input_audio_buffer.append",
      "audio":"..."}``, as the API's clients send microphone audio), which is still a view.
    * ``str`` and ``memoryview`` input, and payloads with JSON escapes, always give a view of a
      copy.

    A view of ``data`` keeps it alive, and a ``bytearray`` cannot be resized while the view
    exists (``BufferError``); ``bytes(view)`` or ``view.tobytes()`` detaches a copy. The
    answer (its bytes) is the same in every case.

    Args:
        data: One audio frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.

    Returns:
        The payload's base64 text as ASCII bytes.

    Raises:
        DecodeError: The frame is not valid JSON, not valid for its audio event class, or
            not an audio frame (``path`` is ``$.type``).
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> frame = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'
        >>> bytes(rt_fast.audio_payload(frame))
        b'AAAA'
    """
    begin = _bare(data)
    if begin and _plain(data, begin, len(data) - 2):
        return memoryview(data)[begin:-2]  # type: ignore[arg-type]
    data = frame_of(data)
    found = _find(data, _ALL) if TYPED else None
    if found is not None and _plain(data, found[1], found[2]):
        payload = _slice(data, found[1], found[2])
        return memoryview(payload.encode()) if isinstance(payload, str) else payload
    return memoryview(_generic(data)[0].encode())


def decode_pcm(data: Buffer) -> bytes:
    """The decoded audio of an audio frame: its base64 payload as bytes.

    The bytes are PCM16 or G.711, as the session's audio format says; rt_fast does not convert
    them. Any frame ``audio_payload`` takes is taken. With pybase64 (the ``audio`` or ``speed``
    extra) the base64 is decoded by SIMD; the stdlib gives the same bytes, slower.

    Args:
        data: One audio frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.

    Returns:
        The decoded audio, a new ``bytes``.

    Raises:
        DecodeError: The frame is not valid JSON, not an audio frame, or its payload is not
            valid base64 (``path`` names the payload field).
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> rt_fast.decode_pcm(b'{"type":"input_audio_buffer.append","audio":"AAAA"}')
        b'\\x00\\x00\\x00'
    """
    begin = _bare(data)
    if begin:
        try:
            return _b64decode(memoryview(data)[begin:-2])  # type: ignore[arg-type]
        except (binascii.Error, ValueError):
            pass  # the generic path names the fault
    data = frame_of(data)
    found = _find(data, _ALL)
    if found is not None:
        try:
            return _b64decode(
                _slice(data, found[1], found[2])
            )  # validating: plain base64, else generic
        except (binascii.Error, ValueError):
            pass
    payload, field = _generic(data)
    try:
        return _b64decode(payload.encode())
    except (binascii.Error, ValueError):
        message = f"`{field}` is not valid base64 - at `$.{field}`"
        raise DecodeError(message, path=f"$.{field}") from None
