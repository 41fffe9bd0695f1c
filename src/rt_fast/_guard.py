"""The input guard: what rt_fast checks before msgspec parses a frame.

msgspec checks JSON syntax, escapes, types, and the range of every number it reads. It does not
check what it skips: an ignored field's bytes need not be UTF-8. It has no nesting limit of its
own, and on a thread with a small stack it crashes the process where the main thread would get
a ``RecursionError`` (about 640 levels of free-form objects on a 256 KiB stack). The guard
closes these gaps, for every entry point, before anything is parsed.

Rules of the guard:

1. A frame is at most ``max_size`` bytes (``MAX_FRAME_SIZE``, 16 MiB, unless a ``Decoder``
   says otherwise; the API's own limit is 15 MiB). A ``str`` counts its UTF-8 bytes.
2. A frame nests at most as deep as the stack of the thread that decodes it holds
   (``rt_fast._stack.max_depth()``: 76 levels on a 64 KiB thread, 384 on 256 KiB). Where the
   stack holds the interpreter's recursion limit (a default 8 MiB thread, the main thread) there
   is no bound here: msgspec's own ``RecursionError`` stops a deep frame first, and no frame is
   scanned for its nesting. Real frames nest 9 levels at most.
3. Every byte is UTF-8, skipped fields included; a ``str`` holds no lone surrogate.
4. Where it runs. A frame the strict models take whole (unknown members forbidden) had nothing
   skipped: msgspec validated every string and number in it, and it nests as deep as the models do
   (9 levels), except in free-form values. So the decoders try the strict models first, unguarded,
   where no free-form value can nest too deep: the thread has no bound, or the frame is at most
   ``_stack.this_thread.span`` (twice the thread's depth, and one) bytes, or it is within size, its
   type leads, and no tagged object that can hold a free-form value is in it (``free_form_markers``,
   from the models). Every other frame (a free-form value possible, the type not leading, a
   ``memoryview``, a frame the strict models reject for unknown members or any other fault) is
   checked here first.
5. Cheap first: the exact scans run only where a necessary condition holds. A frame cannot
   nest deeper than its count of ``[`` and ``{`` (counted by memchr, through
   ``bytes.replace``), nor than half its length; ASCII is UTF-8 (``bytes.isascii`` scans 8
   bytes a step).
6. It only reads. A ``memoryview`` that is not of a whole ``bytes`` or ``bytearray`` is copied
   once, before anything (``frame_of``), and the copy is both checked and parsed: memory that
   someone else may write (an ``mmap``) is never parsed after it was checked. A ``bytearray``
   is parsed in place, and must not be written while a call decodes it.
7. Its errors are ``DecodeError`` with the JSON path of the fault (``$.session.tools[0]...``)
   in ``path`` and ``loc``; messages carry the path, never the frame.

Numbers: a number rt_fast reads (a typed field, a free-form value) must fit a float or
msgspec rejects it; one inside an ignored field is checked for syntax only. Proving that no
ignored number overflows would need a tokenizer pass over every frame: IDs and base64
payloads hold digit-``e``-digit runs, so no cheap necessary condition exists.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Iterator
from itertools import accumulate
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from ._errors import DecodeError
from ._stack import max_depth, this_thread

__all__ = [
    "MAX_FRAME_SIZE",
    "Markers",
    "check",
    "check_size",
    "free_form_markers",
    "check_view",
    "frame_of",
    "conflict_error",
    "conflicting_key",
]

MAX_FRAME_SIZE = 16 * 1024 * 1024
"""The default largest frame, in bytes (``Decoder(..., max_size=...)`` sets another)."""

Buffer = Union[bytes, bytearray, memoryview, str]

# A JSON string (closed or running to the end), or a bracket: the structure of a frame.
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"?'
_STRINGS = re.compile(_STRING, re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
# A frame of more tokens than this (strings and commas, counted in C) names a fault by its byte
# offset: walking its tokens to the JSON path (~1 us each) would cost more than rejecting it
# should. One long string (an audio payload) is one token, crossed by memchr.
_PATH_TOKENS = 10_000
_STRUCTURE = re.compile(rb'["\[\]{},:]')
_QUOTE, _BACKSLASH, _COMMA, _OPEN_ARRAY = b'"\\,['
_OPENERS, _CLOSERS = b"[{", b"]}"


def check(data: bytes | bytearray | str, max_size: int = MAX_FRAME_SIZE) -> None:
    """Raise ``DecodeError`` unless ``data`` (as ``frame_of`` gives it) keeps the rules above."""
    cls = data.__class__
    if cls is bytes or cls is str:  # the usual frames first, in as few C calls as can be
        n = len(data)
        if n <= max_size and data.isascii() and (n <= this_thread.span or _shallow(data)):
            return
    buf, utf8 = _buffer(data)
    depth = max_depth()
    if len(buf) > max_size or not utf8 or (depth is not None and _may_nest(buf, depth)):
        _inspect(buf, max_size, utf8, depth)


def _shallow(data: bytes | bytearray | str) -> bool:
    """Whether ASCII ``data`` cannot nest deeper than this thread may decode."""
    depth = max_depth()
    return depth is None or not _may_nest(data, depth)


def _may_nest(buf: bytes | bytearray | str, depth: int) -> bool:
    """Whether ASCII ``buf`` may nest deeper than ``depth``, by its length and its brackets."""
    return len(buf) > 2 * depth + 1 and _openers(buf) > depth


def check_size(size: int, max_size: int = MAX_FRAME_SIZE) -> None:
    """Raise ``DecodeError`` if a frame of ``size`` bytes is over ``max_size``."""
    if size > max_size:
        raise DecodeError(f"frame of {size} bytes is over the limit of {max_size} (max_size)")


def _buffer(data: bytes | bytearray | str) -> tuple[bytes | bytearray | str, bool]:
    """What to scan for a frame (an ASCII ``str`` as it is), and whether it is ASCII."""
    if data.__class__ is not str:
        return data, data.isascii()
    if data.isascii():
        return data, True
    try:
        return data.encode(), True  # UTF-8 once encodable
    except UnicodeEncodeError as exc:
        raise _surrogate(data, exc.start) from None


def frame_of(data: object) -> bytes | bytearray | str:
    """The object to check and parse for ``data``: the input itself where it is a ``bytes``,
    ``bytearray`` or ``str`` (or a view of a whole ``bytes`` or ``bytearray``), else one copy.

    A view of other memory (an ``mmap``, shared memory, a slice) is copied once, so that what
    the guard checks is what msgspec parses even if someone else writes the memory meanwhile.
    A subclass is read as its base. A view msgspec cannot read is a ``DecodeError``; anything
    that is not a buffer a ``TypeError``, in the same words from every entry point.
    """
    cls = data.__class__
    if cls is bytes or cls is str or cls is bytearray:
        return data  # type: ignore[return-value]
    if isinstance(data, memoryview):
        check_view(data)
        obj = data.obj
        if (obj.__class__ is bytes or obj.__class__ is bytearray) and len(obj) == data.nbytes:
            return obj
        return data.tobytes()
    if isinstance(data, str):
        return str.__str__(data)
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    raise TypeError(f"expected bytes, bytearray, memoryview or str, got {type(data).__name__}")


def check_view(view: memoryview) -> None:
    """A released, strided or not one-dimensional view is a ``DecodeError``, not a crash, a
    ``BufferError`` or a ``TypeError``."""
    try:
        readable = view.c_contiguous and view.ndim == 1
    except ValueError as exc:  # released
        raise DecodeError(f"cannot read the memoryview: {exc}") from None
    if not readable:
        raise DecodeError("a memoryview to decode must be one-dimensional and C-contiguous")


def _openers(buf: bytes | bytearray | str) -> int:
    """An upper bound of the ``[`` and ``{`` in ASCII ``buf``, at memchr speed."""
    if isinstance(buf, str):  # find is memchr, but str.replace counts a byte at a time
        if buf.find("[") < 0 and buf.find("{", 1) < 0:
            return 1
        buf = buf.encode()
    elif len(buf) > 4096 and buf.find(b"[") < 0 and buf.find(b"{", 1) < 0:
        return 1  # a large flat object (an audio frame): no copy
    return 2 * len(buf) - len(buf.replace(b"[", b"")) - len(buf.replace(b"{", b""))


def _inspect(buf: bytes | bytearray | str, max_size: int, utf8: bool, depth: int | None) -> None:
    """The exact checks, for a frame that failed a cheap one: raise for a real fault."""
    check_size(len(buf), max_size)
    raw = buf.encode() if isinstance(buf, str) else buf
    if not utf8:
        try:
            raw.decode()
        except UnicodeDecodeError as exc:
            bad = bytes(raw[exc.start : min(exc.end, exc.start + 4)])
            message = f"invalid UTF-8 at byte {exc.start} ({exc.reason}: {bad!r})"
            raise _error(message, raw, exc.start) from None
    if depth is not None and _may_nest(raw, depth):
        deep = _too_deep(raw, depth)
        if deep is not None:
            message = f"JSON nests deeper than {depth} levels (this thread's stack holds no more)"
            raise _error(message, raw, deep)


def _too_deep(buf: bytes | bytearray, depth: int) -> int | None:
    """The offset of a bracket nested deeper than ``depth`` (-1 where finding it would cost
    more than the frame is worth), else None.

    Exact up to the first syntax error, where msgspec stops parsing anyway. The depth is found
    in C: strings cut out, the brackets kept as steps of +1 and -1, their running sum.
    """
    steps = _STRINGS.sub(b"", buf).translate(None, _NOT_BRACKETS).translate(_STEPS)
    depths = list(accumulate(memoryview(steps).cast("b")))
    if not depths or max(depths) <= depth:
        return None
    first = depths.index(depth + 1)  # depth rises a step at a time
    if first and min(depths[:first]) < 0:
        return None  # a closer without an opener: msgspec stops there
    return _deep_offset(buf, depth) if _walkable(buf) else -1


def _deep_offset(buf: bytes | bytearray, depth: int) -> int:
    """Where ``_too_deep`` found ``depth`` exceeded, as an offset (slow; for errors only)."""
    level = 0
    for kind, start, _ in _tokens(buf, len(buf)):
        level += 1 if kind in _OPENERS else -1 if kind in _CLOSERS else 0
        if level > depth:
            return start
    return -1


def _tokens(buf: bytes | bytearray, stop: int) -> Iterator[tuple[int, int, int]]:
    """``(kind, start, end)`` of each structural token starting before ``stop``: ``kind`` is
    its first byte, one of ``"[]{},:``. A string is one token, crossed by memchr to its closing
    quote (or the end of ``buf``): a long payload costs no Python step per byte."""
    search, find, at = _STRUCTURE.search, buf.find, 0
    while (match := search(buf, at, stop)) is not None:
        start = match.start()
        kind = buf[start]
        if kind == _QUOTE:
            end = find(b'"', start + 1)
            while end > 0 and _escaped(buf, end):
                end = find(b'"', end + 1)
            at = len(buf) if end < 0 else end + 1
        else:
            at = start + 1
        yield kind, start, at


def _escaped(buf: bytes | bytearray, quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd run of backslashes."""
    before = quote - 1
    while buf[before] == _BACKSLASH:
        before -= 1
    return (quote - 1 - before) % 2 == 1


def _walkable(buf: bytes | bytearray, stop: int | None = None) -> bool:
    """Whether walking ``buf`` (to ``stop``) a token at a time costs little (``_PATH_TOKENS``)."""
    stop = len(buf) if stop is None else stop
    return buf.count(b'"', 0, stop) + buf.count(b",", 0, stop) <= _PATH_TOKENS


def _surrogate(text: str, index: int) -> DecodeError:
    raw = text.encode("utf-8", "surrogatepass")
    if index > len(text) // 2:  # encode the shorter side of the fault again, not the longer
        offset = len(raw) - len(text[index:].encode("utf-8", "surrogatepass"))
    else:
        offset = len(text[:index].encode("utf-8", "surrogatepass"))
    message = f"str holds a lone surrogate U+{ord(text[index]):04X} (index {index})"
    return _error(message, raw, offset)


def _error(message: str, buf: bytes | bytearray, offset: int) -> DecodeError:
    """A ``DecodeError`` for a fault at byte ``offset``, with the JSON path of its value where
    finding it costs little (``_walkable``), else the byte offset."""
    if offset < 0 or not _walkable(buf, offset):
        where = f" (byte {offset})" if offset >= 0 else ""
        return DecodeError(f"{message}{where} - at `$`", path="$")
    loc = _loc_at(buf, offset)
    steps = [f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc]
    path = "$" + "".join(steps)
    shown = path if len(steps) <= 12 else "$" + "".join([*steps[:6], "...", *steps[-5:]])
    return DecodeError(f"{message} - at `{shown}`", path=path, loc=loc)


def _loc_at(buf: bytes | bytearray, offset: int) -> tuple[str | int, ...]:
    """The keys and indices of the value holding byte ``offset`` (slow; for errors only)."""
    stack: list[list[str | int | None]] = []  # [opener, key or index] per open container
    for kind, start, end in _tokens(buf, offset):
        if kind == _QUOTE and end > offset:
            break  # the string holding the fault
        top = stack[-1] if stack else None
        if kind == _QUOTE and top is not None and top[0] == "{" and top[1] is None:
            top[1] = _key(bytes(buf[start:end]))
        elif kind in _OPENERS:
            stack.append(["[", 0] if kind == _OPEN_ARRAY else ["{", None])
        elif kind in _CLOSERS and stack:
            stack.pop()
        elif kind == _COMMA and top is not None:
            top[1] = top[1] + 1 if isinstance(top[1], int) else None
    return tuple(k for _, k in stack if k is not None)


def _key(token: bytes) -> str:
    try:
        return msgspec.json.decode(token, type=str)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return token[1:-1].decode("utf-8", "replace")


# -- where free-form values can be ---------------------------------------------------------
#
# A frame that decodes with the strict models (unknown members forbidden) had nothing skipped:
# msgspec validated every string it holds, and its nesting is bounded by the models, except
# in free-form (``Any``) values. So a strict decode needs no guard where a frame cannot hold a
# free-form value: ``free_form_markers`` says, from the models, where that is.

Markers = Union[tuple[bytes, ...], None]
"""``()``: the type holds no free-form value; ``None``: it may hold one anywhere; else the
tags (as JSON strings, e.g. ``b'"mcp_list_tools"'``) of the objects that can hold one: a frame
without any of them, and without a ``\\u`` escape (the only way to spell a tag's letters
otherwise), holds none. Such tags are letters, digits, ``_`` and ``.``."""


def free_form_markers(tp: Any) -> Markers:
    """Where a frame of ``tp`` (a model, a union, a container) can hold free-form values."""
    members = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    found: set[str | None] = set()
    for member in members:
        if isinstance(member, type) and issubclass(member, msgspec.Struct):
            found |= _below(member)  # the member's own tag is always there
        else:
            found |= _holders(member)
    if None in found:
        return None
    return tuple(sorted(f'"{tag}"'.encode() for tag in found if tag is not None))


def _holders(tp: Any) -> set[str | None]:
    """The tags of the innermost tagged objects holding free-form values in ``tp``.

    None stands for a free-form value with no tagged object around it (below ``tp``).
    """
    if tp in _SCALARS or get_origin(tp) is Literal:
        return set()
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        tag = tp.__struct_config__.tag
        return {tag if held is None and isinstance(tag, str) else held for held in _below(tp)}
    args = get_args(tp)
    if get_origin(tp) is Annotated:
        args = args[:1]
    elif get_origin(tp) is None or not args:
        return {None}  # Any, object, a bare dict or list, msgspec.Raw, any other type: free-form
    found: set[str | None] = set()
    for arg in args:
        found |= _holders(arg)
    return found


# Types that hold no nesting; anything the guard does not know is taken as free-form.
_SCALARS = frozenset([str, int, float, bool, type(None), None, msgspec.UnsetType])


@functools.cache
def _below(cls: type[msgspec.Struct]) -> frozenset[str | None]:
    """``_holders`` of a model's fields, once per class: resolving its annotations is the
    costly part, and the same models sit inside many events."""
    below: set[str | None] = set()
    for field_type in _field_types(cls):
        below |= _holders(field_type)
    return frozenset(below)


def _field_types(cls: type[msgspec.Struct]) -> list[Any]:
    """The types of a model's fields as its classes annotate them. The models' annotations are
    objects, not strings, so they need no resolving: ``msgspec.structs.fields`` (the fallback)
    would resolve them again, at ~30 us a class, and decoders are made of hundreds."""
    declared: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        declared.update(getattr(base, "__annotations__", None) or {})  # its own (3.10+)
    types_ = [declared.get(name) for name in cls.__struct_fields__]
    if any(tp is None or isinstance(tp, str) for tp in types_):
        return [info.type for info in msgspec.structs.fields(cls)]
    return types_


# -- repeated keys ----------------------------------------------------------------------------
#
# msgspec, like json.loads, takes the last of a repeated key, while other readers (a fast path
# that finds the first, an upstream server) may take the first. Where a key routes the frame
# (its ``type``, an audio payload), readers must not be able to disagree: a frame holding such a
# key twice with different values is rejected. (msgspec itself rejects a known event whose
# ``type`` repeats with another value: each one must match the tag.) ``conflicting_key`` is the
# exact test; callers run it only where a cheap one (no backslash, the key's literal spelling
# once) could not rule a repeat out.

_top_level = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode


def conflicting_key(data: bytes | bytearray | str, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` the JSON object ``data`` holds more than once at its top level with
    different values, else None (also where ``data`` is not a well-formed object: the decoder
    says what is wrong). A key spelled with escapes is that key. ``data`` has passed ``check``."""
    if data.__class__ is not str or data.isascii():
        try:
            top = _top_level(data)
        except (msgspec.DecodeError, UnicodeError, RecursionError):
            return None
        # A compact frame of unescaped, unrepeated keys is exactly this long (braces, each
        # member's quotes, colon and comma); whitespace, escapes and a repeat each make the
        # frame longer than the sum.
        if 1 + sum(map(len, top)) + 4 * len(top) + sum(map(len, top.values())) == len(data):
            return None
    import json  # only a frame that may repeat a key pays for the import

    try:
        # numbers as text: json.loads refuses integers of over 4300 digits, msgspec does not
        pairs = json.loads(data, object_pairs_hook=tuple, parse_int=str, parse_float=str)
    except (ValueError, RecursionError):
        return None
    if not isinstance(pairs, tuple):
        return None
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in keys:
            first = seen.setdefault(key, value)
            if first is not value and (type(first) is not type(value) or first != value):
                return str(key)
    return None


def conflict_error(key: str) -> DecodeError:
    """The error for a frame that holds a key readers route on twice, with different values."""
    message = f"the frame holds `{key}` twice with different values (readers would disagree)"
    return DecodeError(f"{message} - at `$.{key}`", path=f"$.{key}")
