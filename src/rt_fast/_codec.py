"""The codec: every msgspec ``Decoder`` and ``Encoder`` rt_fast uses, built once.

The function forms (``rt_fast._decoders``) are thin wrappers over ``Decoder`` objects made on
first use, one per (naming, generation, direction). Decoding goes straight from the caller's
buffer (``bytes``, ``bytearray``, ``memoryview`` or ``str``) through msgspec; nothing is
copied first. Before msgspec parses anything, ``_guard.check`` holds the frame to rt_fast's
limits (size, nesting, UTF-8): a few C calls for a frame within them. Only when msgspec
rejects a frame does more Python code run: an event union then checks whether the frame is a
well-formed frame of an unknown ``type`` (``UnknownEvent``), and otherwise raises
``DecodeError``. Known frames pay nothing for that.

``protocol="auto"`` decodes a frame whose generation is not known, by the rule of
``rt_fast._auto``.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import (
    Any,
    Generic,
    Literal,
    NamedTuple,
    TypeVar,
    Union,
    get_args,
    overload,
)

import msgspec

from ._audio import (
    AUDIO_FIELDS,
    TYPED,
    Payload,
    decode_audio_event,
    ensure_one_payload,
    locate,
    measured,
    one_payload,
    payloads_of,
    routes_for,
)
from ._audio import event as audio_event
from ._auto import Generation, Generations, merge_leads, unknown_event, untagged_error
from ._encode import check_naming, encode, encode_audio
from ._errors import DecodeError
from ._guard import (
    MAX_FRAME_SIZE,
    check,
    frame_of,
    free_form_markers,
)
from ._lines import LogBatch, decode_into
from ._models import ClientEventBase, ServerEventBase, tag_table
from ._route import DECLINED, INPUT_ERRORS, REJECTED, Declined, head_decode, keyed, lead_end
from ._simd import OPENERS
from ._simd import count_byteset as _count
from ._stack import SHALLOWEST, max_depth, this_thread
from ._variants import NAMINGS, fill, number, out_of_range, variant

__all__ = ["GENERATIONS", "Decoder", "Protocol", "encode", "encode_audio"]

T = TypeVar("T")
Buffer = Union[bytes, bytearray, memoryview, str]
Protocol = Literal["ga", "beta", "translation", "live", "auto"]
Naming = Literal["snake", "camel"]


class _Generations(Mapping[str, ModuleType]):
    """The protocol generations by name (``"ga"`` -> ``rt_fast.ga``), in the order
    auto-detection tries them, each imported when first asked for: a command that decodes
    one generation builds no other's models."""

    def __getitem__(self, name: str) -> ModuleType:
        if name not in AUDIO_FIELDS:
            raise KeyError(name)
        return importlib.import_module(f"rt_fast.{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(AUDIO_FIELDS)

    def __len__(self) -> int:
        return len(AUDIO_FIELDS)


GENERATIONS: Mapping[str, ModuleType] = _Generations()
"""The protocol generations, side by side, in the order auto-detection tries them."""

_INPUT_ERRORS = INPUT_ERRORS  # a local name: read on every rejected frame
# Frames at least this long whose type is an audio event of the decoder's union go through the
# audio fast path (rt_fast._audio): its fixed cost (~12 C calls, the header decoded by msgspec)
# pays off from about 10 KB, where msgspec's own scan of the payload and the check that the
# payload's key is not repeated cost more.
_AUDIO_MIN = 10_000
_SHALLOW = 2 * SHALLOWEST + 1  # no frame this short nests deeper than any thread may decode
# With ``pcm`` (the log reader's stats), audio frames this long are measured, not copied: the
# event gets an empty payload and ``pcm`` its decoded size. Below, msgspec decoding the whole
# frame costs less than finding and checking the payload.
_MEASURE_MIN = 6 * 1024


def _event_table(union: Any) -> Mapping[str, type[Any]] | None:
    """The tag table of a union of events, whose decoders return ``UnknownEvent``; else None."""
    members = get_args(union)
    events = (ServerEventBase, ClientEventBase)
    if members and all(isinstance(m, type) and issubclass(m, events) for m in members):
        return tag_table(union)
    return None


def _payloads(union: Any) -> dict[type, Payload]:
    """The audio event classes of a union (or the class itself) -> their payload."""
    return payloads_of(get_args(union) or (union,))


@functools.cache
def _has_holes(tp: Any) -> bool:
    """Whether ``tp`` holds a union with an ``Untagged`` class beside it, below its top."""
    return bool(variant(tp, untagged=True) != tp)


@functools.cache
def _untagged_decoder(
    tp: Any, naming: str, lenient: bool
) -> tuple[Callable[[Buffer], Any], dict[type, Payload]]:
    """The decode of ``tp``'s variant whose tagged unions take objects without their tag, and
    its audio event classes."""
    options = {**NAMINGS[naming], "untagged": True}
    if lenient:
        options["forbid_unknown_fields"] = False
    untagged = variant(tp, **options)
    decoder = msgspec.json.Decoder(untagged, dec_hook=fill, float_hook=number)
    return decoder.decode, _payloads(untagged)


class Decoder(Generic[T]):
    """A reusable decoder of one type, for hot loops; holds no per-call state.

    ``Decoder(rt_fast.ga.ServerEvent)`` decodes server frames; ``Decoder(SomeModel)`` decodes
    any model. Decoders of an event union return ``UnknownEvent`` for a well-formed frame of an
    unknown ``type``. It mirrors ``msgspec.json.Decoder``; one decoder may be shared by threads.

    Args:
        type: The model class or union to decode to (``rt_fast.ga.ServerEvent``,
            ``rt_fast.beta.ClientEvent``, ``rt_fast.ga.RealtimeSession``, ...).
        naming: The frames' key convention: ``"snake"`` (the API's) or ``"camel"``
            (``inputAudioFormat``), decoded to the same classes.
        max_size: The largest frame (a line, for ``decode_lines``) in bytes; a larger one
            raises ``DecodeError`` before it is parsed.

    Raises:
        ValueError: ``naming`` is neither ``"snake"`` nor ``"camel"``.

    Examples:
        >>> decoder = rt_fast.Decoder(rt_fast.ga.ServerEvent)
        >>> decoder.decode(b'{"type":"input_audio_buffer.cleared","event_id":"e1"}')
        InputAudioBufferClearedEvent(event_id='e1')
    """

    # A frame is first decoded by the strict models (unknown members forbidden), unguarded
    # where that cannot go wrong (``_read``, the one route; ``_unguarded`` for other inputs);
    # a frame they reject is guarded (``_guard.check``) and decoded by lenient subclasses
    # generated from them, which ignore unknown members, and, if it holds an object without
    # the tag its union is told apart by, by lenient subclasses that take such objects
    # (``rt_fast._models.or_untagged``).

    __slots__ = (
        "_audio",
        "_decode",
        "_events",
        "_leads",
        "_lenient",
        "_lenient_tagged",
        "_max_size",
        "_others",
        "_own",
        "_payloads",
        "_shallow",
        "_small",
        "_typed",
        "naming",
        "type",
    )

    @overload
    def __init__(
        self: Decoder[T], type: type[T], *, naming: str = ..., max_size: int = ...
    ) -> None: ...
    @overload
    def __init__(
        self: Decoder[Any], type: Any, *, naming: str = ..., max_size: int = ...
    ) -> None: ...
    def __init__(self, type: Any, *, naming: str = "snake", max_size: int = MAX_FRAME_SIZE) -> None:
        self.type = type
        self.naming = naming
        self._max_size = max_size
        self._small = min(_AUDIO_MIN - 1, max_size)  # below the audio path, within size
        self._shallow = min(_SHALLOW, max_size)  # and no deeper than any thread may decode
        options = check_naming(naming)
        strict = variant(type, **options)
        decoder = msgspec.json.Decoder(strict)
        self._decode: Callable[[Buffer], Any] = decoder.decode
        self._others: tuple[Callable[[Buffer], Any], ...] = ()  # auto: the next generations'
        self._lenient: Callable[[bytes | bytearray | str], Any] = self._first_lenient
        self._events: Mapping[str, Any] | None = _event_table(strict)
        # A union's frames hold their type (msgspec finds the tag); a class's may not.
        self._typed = self._events is not None
        self._leads = _leads_of(self._events or {})
        self._audio = _audio_routes(self._leads)
        self._own = _patterns(free_form_markers(strict))  # for a type that is not a union
        self._payloads = _payloads(strict)

    def __repr__(self) -> str:
        return f"rt_fast.Decoder({self.type!r}, naming={self.naming!r})"

    def decode(self, data: Buffer) -> T:
        """Decode one frame.

        Args:
            data: The frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``. It is not
                copied before parsing (a view of memory another writer may change is copied
                once).

        Returns:
            An instance of the decoder's type (for an event union, the event's class, or
            ``UnknownEvent`` for a well-formed frame of a ``type`` this version does not
            know).

        Raises:
            DecodeError: The frame is not valid JSON or not valid for the type (the message
                names the field and its JSON path), is over ``max_size``, or nests deeper
                than this thread can decode.
            TypeError: ``data`` is not one of the four buffer types.
        """
        if data.__class__ is bytes:  # the usual frames, by ``read``
            size = len(data)
            if size <= self._shallow or (size <= self._small and size <= this_thread.span):
                # ``read``'s first rule, inlined: a Python call saved (and, for the shortest
                # frames, which no thread of 64 KiB or more could fail, the thread's look-up)
                try:
                    event = self._decode(data)
                except _INPUT_ERRORS:
                    return self._rejected(data)
                payload = self._payloads.get(event.__class__)
                if payload is None:
                    return event  # type: ignore[no-any-return]
                if self._typed:  # the frame holds its type, so the size rule holds
                    extra = size - payload.bare - len(payload.value(event))  # Payload.exact
                    if extra == 0 or (  # inlined for the microphone's: bare, or with an id
                        payload.only_id
                        and event.event_id.__class__ is str
                        and extra == len(event.event_id) + 14  # ,"event_id":""
                    ):
                        return event  # type: ignore[no-any-return]
                    if payload.exact(size, event):
                        return event  # type: ignore[no-any-return]
                return self._checked(data, event)  # type: ignore[no-any-return]
            event = self._read(data, 0, size, data, this_thread.span)
            if event.__class__ is not Declined:
                return event  # type: ignore[no-any-return]
            if event is REJECTED:
                return self._guarded(data, strict_tried=True)
        return self._decode_any(data)

    def _read(
        self,
        buffer: bytes | bytearray,
        start: int,
        stop: int,
        frame: bytes | memoryview,
        span: int,
        pcm: dict[int, int] | None = None,
        index: int = 0,
    ) -> Any:
        """The route of every frame rt_fast reads in place: ``buffer[start:stop]``, a whole
        ``bytes`` frame or a line of the log reader's buffer, which ``frame`` is (the frame
        itself, or a view of the line). Returns the event where the strict models alone can
        check the frame; otherwise ``DECLINED`` (the frame must be guarded first, or is a view
        the caller copies) or ``REJECTED`` (the strict models refused it): the full path
        (``decode``) judges it.

        The rules: a frame no longer than ``span`` cannot nest too deep (the caller reads it
        once, for a frame or a chunk of lines: ``this_thread.span``, twice the depth the
        thread's stack holds, and one), nor any frame on a thread whose stack holds the
        interpreter's recursion limit (``_stack.max_depth()`` is None: msgspec's
        ``RecursionError`` stops a deep frame). Elsewhere a longer one within
        ``max_size`` and shorter than an audio frame the fast path takes holds at most the
        thread's depth in brackets, by one stringzilla count, whatever its type; otherwise
        (larger, or without stringzilla) it opens with its type (its lead, ``_route``, keys
        the table ``_leads``) and its type's models hold no free-form value, or it holds at
        most that many brackets (stringzilla) or none of the objects that can hold one. An
        audio frame of ``_AUDIO_MIN`` bytes or more takes the audio fast path
        (``rt_fast._audio``): its event, or with ``pcm`` the event with an empty payload and
        its PCM size in ``pcm[index]``. A decoded audio frame must hold its payload's key
        once. Never an ``UnknownEvent``, whose ``raw`` would alias the caller's buffer."""
        size = stop - start
        if size > self._small or size > span or (pcm is not None and size >= _MEASURE_MIN):
            if size > self._max_size:
                return DECLINED
            audio = size >= (_AUDIO_MIN if pcm is None else _MEASURE_MIN)
            depth = None if size <= span else max_depth()
            if depth is not None and _count is not None and not audio:
                if _count(buffer, OPENERS, start, stop) > depth:  # one SIMD pass bounds it
                    return DECLINED
            elif depth is not None or audio:
                lead = buffer[start : lead_end(buffer, start)]
                if lead.__class__ is not bytes:  # a bytearray's: tables are keyed by bytes
                    lead = bytes(lead)
                known = self._leads.get(lead)
                if (known is None or known.markers is None) or (
                    depth is not None
                    and known.markers
                    and (
                        _holds_any(buffer, known.markers, start, stop)
                        if _count is None
                        else _count(buffer, OPENERS, start, stop) > depth
                    )
                ):
                    return DECLINED
                if audio:
                    route = known.audio
                    if route is not None and (found := locate(buffer, route, start, stop)):
                        if pcm is None:
                            event = audio_event(buffer, found)
                            if event is not None:
                                return event
                        elif (got := measured(buffer, found)) is not None:
                            pcm[index] = got[1]
                            return got[0]
        try:
            event = self._decode(frame)
        except _INPUT_ERRORS:
            for strict in self._others:  # the next generations', where they are tried
                try:
                    event = strict(frame)
                    break
                except _INPUT_ERRORS:
                    continue
            else:
                return REJECTED
        payload = self._payloads.get(event.__class__)
        if (
            payload is not None
            and not (
                self._typed
                and (size == payload.bare + len(payload.value(event)) or payload.exact(size, event))
            )
            and not one_payload(buffer, payload.field, start, stop)
        ):
            return DECLINED  # it may hold its payload twice: the full path judges
        return event

    def _decode_any(self, data: Buffer) -> T:
        """``decode`` of any input, by the rules in the class docstring."""
        data = frame_of(data)  # a bytearray or str as it is; a view of other memory copied once
        if len(data) >= _AUDIO_MIN and self._audio:
            event = decode_audio_event(data, self._audio, self._max_size)
            if event is not None:
                return event  # type: ignore[no-any-return]
        if self._unguarded(data):
            try:
                event = self._decode(data)
            except _INPUT_ERRORS:
                return self._rejected(data)
            return self._checked(data, event)  # type: ignore[no-any-return]
        return self._guarded(data)

    def _rejected(self, data: bytes | bytearray | str) -> T:
        """A frame the first strict models refused, unguarded: the other generations' strict
        models (auto-detection), else the guarded path."""
        for strict in self._others:
            try:
                event = strict(data)
            except _INPUT_ERRORS:
                continue
            return self._checked(data, event)  # type: ignore[no-any-return]
        return self._guarded(data, strict_tried=True)

    def _checked(self, data: bytes | bytearray | str, event: Any) -> Any:
        """``event``, unless it is an audio frame holding its payload twice (``_audio``)."""
        payload = self._payloads.get(event.__class__)
        if payload is not None:
            ensure_one_payload(data, payload, event, typed=self._typed)
        return event

    def _unguarded(self, data: Any) -> bool:
        """Whether the strict models alone check ``data``: it is within size and cannot nest
        too deep (the thread has no bound, or the frame is short), or cannot hold a free-form
        value, by its leading type."""
        size = len(data)
        text = data.__class__ is str
        if size > self._max_size or (text and not data.isascii()):
            return False  # over the limit, or a str whose UTF-8 size the guard must count
        if size <= this_thread.span or max_depth() is None:
            return True
        if text:
            return False  # a long str on a thread with a bound: the guard counts its brackets
        if self._events is None:
            markers = self._own
        else:
            lead = data[: lead_end(data)]
            known = self._leads.get(lead if lead.__class__ is bytes else bytes(lead))
            markers = None if known is None else known.markers
        if markers is None:
            return False  # an unknown type, or one whose frames the guard must always see
        return not markers or not _holds_any(data, markers)

    def _guarded(self, data: bytes | bytearray | str, *, strict_tried: bool = False) -> T:
        """The guard, then the strict models, then the lenient ones; unknown types become
        ``UnknownEvent``. Frames without unknown members always get the strict classes."""
        check(data, self._max_size)
        if not strict_tried:
            for strict in (self._decode, *self._others):
                try:
                    event = strict(data)
                except _INPUT_ERRORS:
                    continue
                return self._checked(data, event)  # type: ignore[no-any-return]
        try:
            event = self._lenient(data)
        except _INPUT_ERRORS as exc:
            return self._recover(data, exc)
        return self._checked(data, event)  # type: ignore[no-any-return]

    def _first_lenient(self, data: bytes | bytearray | str) -> Any:
        """Make the lenient decoder on first need (its classes are generated), then use it."""
        lenient = variant(self.type, **check_naming(self.naming), forbid_unknown_fields=False)
        self._lenient_tagged: Callable[[Buffer], Any] = msgspec.json.Decoder(lenient).decode
        self._lenient = self._lenient_any if _has_holes(self.type) else self._lenient_tagged
        self._payloads = {**self._payloads, **_payloads(lenient)}
        return self._lenient(data)

    def _lenient_any(self, data: bytes | bytearray | str) -> Any:
        """The lenient models; then, if they miss a nested tag, the ones that may go without."""
        try:
            return self._lenient_tagged(data)
        except msgspec.ValidationError as exc:
            if not untagged_error(exc):
                raise
        return self._without_tags(data, lenient=True)

    def _without_tags(self, data: bytes | bytearray | str, *, lenient: bool) -> Any:
        """``data`` by the strict (or lenient) models whose nested tags may be absent or null;
        guarded callers only: these decoders parse free-form values in holes (``fill``)."""
        decode, payloads = _untagged_decoder(self.type, self.naming, lenient)
        event = decode(data)
        kept = out_of_range(event)  # a free-form value kept a number msgspec would refuse
        if kept is not None:
            raise msgspec.ValidationError(f"Number out of range - at `{kept}`")
        payload = payloads.get(event.__class__)
        if payload is not None:
            ensure_one_payload(data, payload, event, typed=self._typed)
        return event

    def decode_lines(self, data: Buffer) -> list[T]:
        """Decode newline-delimited frames, one a line, as ``read_log`` reads a log.

        A line ends at ``\\n`` (a ``\\r`` before it is not part of the frame); a line of JSON
        whitespace is skipped. Every other line is one frame, held to every limit on its own
        (``max_size``, nesting).

        Args:
            data: The lines: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.

        Returns:
            The decoded frames, in order.

        Raises:
            DecodeError: A line does not decode; its ``line`` is the 1-based line number of
                the first bad line.
            TypeError: ``data`` is not one of the four buffer types.

        Examples:
            >>> decoder = rt_fast.Decoder(rt_fast.ga.ServerEvent)
            >>> lines = b'{"type":"input_audio_buffer.cleared","event_id":"e1"}\\n\\n'
            >>> lines += b'{"type":"new.event"}\\n'
            >>> [event.type for event in decoder.decode_lines(lines)]
            ['input_audio_buffer.cleared', 'new.event']
        """
        data = frame_of(data)
        if data.__class__ is str:  # its UTF-8, read by the same rules
            data = self._utf8(data)
        batch = LogBatch("", 1, data)  # type: ignore[arg-type]
        decode_into(self._read, self.decode, batch, len(data), strict=True)
        if batch.error is not None:
            bad = batch.rejected[-1]
            raise DecodeError(f"line {bad.line}: {bad.error}", path=batch.error.path, line=bad.line)
        return batch.frames

    def _utf8(self, text: str) -> bytes:
        """The UTF-8 of ``text``; a line that cannot be encoded (a lone surrogate) raises the
        error ``decode`` gives it, numbered."""
        try:
            return text.encode()
        except UnicodeEncodeError as exc:
            begins = text.rfind("\n", 0, exc.start) + 1
            number = text.count("\n", 0, begins) + 1
            line = text[begins : text.find("\n", exc.start) % (len(text) + 1)]
        self.decode_lines(text[:begins])  # a bad line before it is the first error
        try:
            self.decode(line)
        except DecodeError as exc:
            message = f"line {number}: {exc}"
            raise DecodeError(message, path=exc.path, line=number, loc=exc.loc) from None
        raise AssertionError("a line that cannot be encoded decoded")  # pragma: no cover

    def _recover(self, data: bytes | bytearray | str, exc: BaseException) -> T:
        """Return ``UnknownEvent`` for a well-formed frame of an unknown type, else raise.

        A frame that is not JSON gets the JSON error (where it breaks), whatever its type."""
        if self._events is not None and isinstance(exc, msgspec.ValidationError):
            try:
                head = head_decode(data)
            except _INPUT_ERRORS as malformed:
                raise DecodeError.from_exception(malformed) from None
            if head.type not in self._events:
                return unknown_event(data, head)  # type: ignore[return-value]
        raise DecodeError.from_exception(exc) from None


class Lead(NamedTuple):
    """How ``Decoder._read`` takes a frame of one type where its type leads: the patterns whose
    presence means the frame may hold a free-form value (``(backslash, backslash-u,
    *markers)``, ``()`` where it cannot, None where it may always: the guard sees it; see
    ``_guard.free_form_markers``), and the audio fast path's route of an audio event."""

    markers: tuple[bytes, ...] | None
    audio: Any  # an _audio route, or None


def _patterns(markers: tuple[bytes, ...] | None) -> tuple[bytes, ...] | None:
    return None if markers is None else (b"\\", b"\\u", *markers) if markers else ()


def _leads_of(events: Mapping[str, Any]) -> dict[Any, Lead]:
    """The route table of a union of events: each tag's leads (``_route.keyed``) -> ``Lead``."""
    routes = routes_for(events.values()) if TYPED else {}
    return keyed(
        (tag, Lead(_patterns(free_form_markers(cls)), routes.get(tag)))
        for tag, cls in events.items()
    )


def _holds_any(
    data: Any, patterns: tuple[Any, ...], start: int = 0, stop: int | None = None
) -> bool:
    """Whether ``data[start:stop]`` holds a ``\\u`` escape (one memchr for a backslash first: a
    two-byte search costs four times more) or one of the markers ``patterns[2:]``."""
    find = data.find
    if find(patterns[0], start, stop) >= 0 and find(patterns[1], start, stop) >= 0:
        return True
    for marker in patterns[2:]:  # noqa: SIM110 - a loop costs less than any() and a generator
        if find(marker, start, stop) >= 0:
            return True
    return False


def _audio_routes(leads: dict[Any, Lead]) -> dict[Any, Any]:
    """The audio routes of a route table, by lead, for ``_audio.decode_audio_event``."""
    return {key: lead.audio for key, lead in leads.items() if lead.audio is not None}


class _AutoDecoder(Decoder[Any]):
    """Decodes a frame of any generation, by the rule of ``rt_fast._auto``.

    It starts as GA's decoder, which takes most frames: the other generations are loaded
    when GA's strict models first refuse a frame (``_load``), and from then on it holds every
    generation's tables, as ``rt_fast._auto`` reads them. The other generations' strict models
    read a frame GA's refused (``_next_generations``, the one step of ``_others``) unguarded
    only where no frame can nest too deep for the thread, which no table decides (the frame
    is short, or the thread has no bound); elsewhere the guarded path reads it, with every
    generation. So a frame routed by GA's tables alone, while another thread loads the rest,
    is never read unguarded by models those tables do not describe."""

    __slots__ = ("_direction", "_next")

    def __init__(self, direction: str, *, naming: str = "snake") -> None:
        super().__init__(getattr(GENERATIONS["ga"], direction), naming=naming)
        self.type = f"auto {direction}"
        self._direction = direction
        self._next: tuple[Callable[[Buffer], Any], ...] | None = None  # made by _load
        self._others = (self._next_generations,)
        self._lenient = self._loaded_lenient

    def _next_generations(self, frame: Any) -> Any:
        """A frame GA's strict models refused, by the next generations' strict models, where
        it cannot nest too deep for this thread; else refused: the guarded path reads it."""
        others = self._next if self._next is not None else self._load()
        if len(frame) <= this_thread.span or max_depth() is None:
            for strict in others:
                try:
                    return strict(frame)
                except _INPUT_ERRORS:
                    continue
        raise msgspec.DecodeError("refused by GA's models; the guarded path reads it")

    def _loaded_lenient(self, data: bytes | bytearray | str) -> Any:
        self._load()
        return self._lenient(data)

    def _load(self) -> tuple[Callable[[Buffer], Any], ...]:
        """Every generation's decoders and tables, made once (threads that ask at once wait
        for the first: two would make two sets of variant classes); the next generations'
        strict models."""
        with _loading:
            if self._next is not None:
                return self._next
            unions = [getattr(module, self._direction) for module in GENERATIONS.values()]
            lenient = [Decoder(union, naming=self.naming) for union in unions]
            generations = Generations([
                Generation(decoder._decode,
                           functools.partial(decoder._without_tags, lenient=False)
                           if _has_holes(union) else None,  # which may miss a nested tag
                           decoder._guarded, decoder._events or ())
                for decoder, union in zip(lenient, unions, strict=True)
            ])  # fmt: skip
            self._lenient = generations.decode
            self._events = generations.by_tag
            self._payloads = {k: v for d in lenient for k, v in d._payloads.items()}
            self._leads = merge_leads([decoder._leads for decoder in lenient])
            self._audio = _audio_routes(self._leads)
            self._next = tuple(d._decode for d in lenient[1:])
            return self._next


_loading = threading.Lock()
