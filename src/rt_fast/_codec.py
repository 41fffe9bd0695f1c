"""The codec: every msgspec ``Decoder`` and ``Encoder`` rt_fast uses, built once.

The public functions are thin wrappers over ``Decoder`` objects made at import, one per
(naming, generation, direction). Decoding goes straight from the caller's buffer (``bytes``,
``bytearray``, ``memoryview`` or ``str``) through msgspec; nothing is copied first. Before
msgspec parses anything, ``_guard.check`` holds the frame to rt_fast's limits (size, nesting,
UTF-8): a few C calls for a frame within them. Only when msgspec rejects a frame does more
Python code run: an event union then checks whether the frame is a well-formed frame of an
unknown ``type`` (``UnknownEvent``), and otherwise raises ``DecodeError``. Known frames pay
nothing for that.

``protocol="auto"`` decodes a frame whose generation is not known. The rule: the frame goes to
the first generation, in the order GA, beta, translation, whose models take its whole shape
(every key known, every value valid). A tag that only one generation has can only go there;
a tag that several share (``session.created``, ``response.done``, ``error``, ...) goes where its
shape fits, so a beta ``session.created`` (a session without ``type``) is beta and a GA one GA,
and a frame both generations read identically (``error``, ``input_audio_buffer.committed``) is
GA. A frame no generation takes whole (it has fields this version does not know) goes to the
first generation whose tag table has its ``type``; a well-formed frame whose ``type`` no
generation has is an ``UnknownEvent``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    NoReturn,
    TypeVar,
    Union,
    get_args,
    overload,
)

import msgspec

from . import beta, ga, translation
from ._audio import decode_audio_event, routes_for
from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE, SMALL, check, lines_fit
from ._models import UNSET, ClientEventBase, ServerEventBase, UnknownEvent, tag_table
from ._variants import NAMINGS, naming_of, recast, variant

__all__ = [
    "GENERATIONS",
    "Decoder",
    "Protocol",
    "decode",
    "decode_client_event",
    "decode_server_event",
    "encode",
]

T = TypeVar("T")
Buffer = Union[bytes, bytearray, memoryview, str]
Protocol = Literal["ga", "beta", "translation", "auto"]
Naming = Literal["snake", "camel"]

GENERATIONS = {"ga": ga, "beta": beta, "translation": translation}
"""The protocol generations, side by side, in the order auto-detection tries them."""

# What msgspec (or Python under it) raises for bad input; all of it becomes DecodeError.
_INPUT_ERRORS = (msgspec.DecodeError, UnicodeError, RecursionError)

# Frames at least this long whose type is an audio event of the decoder's union go through the
# audio fast path (rt_fast._audio): its fixed cost (~12 C calls, the header decoded by msgspec)
# pays off from about 16 KB, where msgspec's own scan of the payload costs more.
_AUDIO_MIN = 16_000


class _Head(msgspec.Struct):
    """The routing fields of any event frame."""

    type: str
    event_id: Any = UNSET


_head_decoder = msgspec.json.Decoder(_Head)


def _event_table(union: Any) -> Mapping[str, type[Any]] | None:
    """The tag table of a union of events, whose decoders return ``UnknownEvent``; else None."""
    members = get_args(union)
    events = (ServerEventBase, ClientEventBase)
    if members and all(isinstance(m, type) and issubclass(m, events) for m in members):
        return tag_table(union)
    return None


def _unknown_event(data: Buffer, head: _Head) -> UnknownEvent:
    event_id = head.event_id if isinstance(head.event_id, str) else UNSET
    return UnknownEvent(type=head.type, event_id=event_id, raw=msgspec.Raw(data))


def _check_naming(naming: str) -> dict[str, Any]:
    try:
        return NAMINGS[naming]
    except KeyError:
        raise ValueError(f"unknown naming {naming!r}; expected 'snake' or 'camel'") from None


class Decoder(Generic[T]):
    """A reusable decoder of one type, for hot loops; holds no per-call state.

    ``Decoder(rt_fast.ga.ServerEvent)`` decodes server frames; ``Decoder(SomeModel)`` decodes
    any model; ``naming="camel"`` reads camelCase keys. Decoders of an event union return
    ``UnknownEvent`` for a well-formed frame of an unknown ``type``. A frame (a line, for
    ``decode_lines``) over ``max_size`` bytes raises ``DecodeError`` before it is parsed.
    """

    __slots__ = (
        "_audio",
        "_decode",
        "_decode_lines",
        "_events",
        "_max_size",
        "_small",
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
        self._small = min(SMALL, max_size)  # frames this short and ASCII need no check
        actual = variant(type, **_check_naming(naming))
        decoder = msgspec.json.Decoder(actual)
        self._decode: Callable[[Buffer], Any] = decoder.decode
        self._decode_lines: Callable[[Buffer], list[Any]] = decoder.decode_lines
        self._events: Mapping[str, Any] | None = _event_table(actual)
        self._audio = routes_for(get_args(actual))

    def __repr__(self) -> str:
        return f"rt_fast.Decoder({self.type!r}, naming={self.naming!r})"

    def decode(self, data: Buffer) -> T:
        """Decode one frame."""
        if data.__class__ is not memoryview and len(data) >= _AUDIO_MIN and self._audio:
            event = decode_audio_event(data, self._audio, self._max_size)
            if event is not None:
                return event  # type: ignore[no-any-return]
        if data.__class__ is memoryview or len(data) > self._small or not data.isascii():  # type: ignore[union-attr]
            check(data, self._max_size)
        try:
            return self._decode(data)  # type: ignore[no-any-return]
        except _INPUT_ERRORS as exc:
            return self._recover(data, exc)

    def decode_lines(self, data: Buffer) -> list[T]:
        """Decode newline-delimited frames; blank lines are skipped.

        A bad line raises ``DecodeError`` whose ``line`` is its 1-based number.
        """
        if lines_fit(data, self._max_size):  # else line by line, to name the bad one
            try:
                return self._decode_lines(data)
            except _INPUT_ERRORS:
                pass
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
        return [
            self._decode_line(line, n) for n, line in enumerate(raw.splitlines(), 1) if line.strip()
        ]

    def _decode_line(self, line: bytes, number: int) -> T:
        try:
            return self.decode(line)
        except DecodeError as exc:
            message = f"line {number}: {exc}"
            raise DecodeError(message, path=exc.path, line=number, loc=exc.loc) from None

    def _recover(self, data: Buffer, exc: BaseException) -> T:
        """Return ``UnknownEvent`` for a well-formed frame of an unknown type, else raise."""
        if self._events is not None and isinstance(exc, msgspec.ValidationError):
            try:
                head = _head_decoder.decode(data)
            except _INPUT_ERRORS:
                head = None
            if head is not None and head.type not in self._events:
                return _unknown_event(data, head)  # type: ignore[return-value]
        raise DecodeError.from_exception(exc) from None


class _AutoDecoder(Decoder[Any]):
    """Decodes a frame of any generation, by the rule in this module's docstring."""

    __slots__ = ("_by_tag", "_strict")

    def __init__(self, direction: str, *, naming: str = "snake") -> None:
        unions = [getattr(module, direction) for module in GENERATIONS.values()]
        lenient = [Decoder(union, naming=naming) for union in unions]
        strict_options = {**_check_naming(naming), "forbid_unknown_fields": True}
        strict = [msgspec.json.Decoder(variant(union, **strict_options)) for union in unions]
        super().__init__(unions[0], naming=naming)
        self.type = f"auto {direction}"
        self._strict = [decoder.decode for decoder in strict]
        self._decode = self._auto
        self._decode_lines = strict[0].decode_lines
        self._by_tag: dict[str, list[Decoder[Any]]] = {}
        for decoder in lenient:
            for tag in decoder._events or ():
                self._by_tag.setdefault(tag, []).append(decoder)
        self._events = self._by_tag

    def _auto(self, data: Buffer) -> Any:
        for strict in self._strict:
            try:
                return strict(data)
            except _INPUT_ERRORS:
                pass
        try:
            head = _head_decoder.decode(data)
        except _INPUT_ERRORS as exc:
            raise DecodeError.from_exception(exc) from None
        decoders = self._by_tag.get(head.type)
        if decoders is None:
            return _unknown_event(data, head)
        errors = []
        for decoder in decoders:
            try:
                return decoder.decode(data)
            except DecodeError as exc:
                errors.append(exc)
        raise errors[0]  # the first generation that has the tag says what is wrong


def _decoders(direction: str) -> dict[str, dict[str, Decoder[Any]]]:
    """naming -> protocol -> decoder of that direction's events."""
    return {
        naming: {
            **{p: Decoder(getattr(m, direction), naming=naming) for p, m in GENERATIONS.items()},
            "auto": _AutoDecoder(direction, naming=naming),
        }
        for naming in NAMINGS
    }


_SERVER = _decoders("ServerEvent")
_CLIENT = _decoders("ClientEvent")
_BY_TYPE: dict[tuple[Any, str], Decoder[Any]] = {
    (decoder.type, naming): decoder
    for table in (_SERVER, _CLIENT)
    for naming, by_protocol in table.items()
    for protocol, decoder in by_protocol.items()
    if protocol != "auto"
}
_encoder = msgspec.json.Encoder()


def _bad_options(protocol: str, naming: str) -> NoReturn:
    _check_naming(naming)
    known = ", ".join(map(repr, _SERVER["snake"]))
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {known}")


if TYPE_CHECKING:
    GAServer = Union[ga.ServerEvent, UnknownEvent]
    GAClient = Union[ga.ClientEvent, UnknownEvent]
    BetaServer = Union[beta.ServerEvent, UnknownEvent]
    BetaClient = Union[beta.ClientEvent, UnknownEvent]
    TranslationServer = Union[translation.ServerEvent, UnknownEvent]
    TranslationClient = Union[translation.ClientEvent, UnknownEvent]
    AnyServer = Union[GAServer, BetaServer, TranslationServer]
    AnyClient = Union[GAClient, BetaClient, TranslationClient]


# The two functions below inline Decoder.decode: one Python frame per call on the hot path.


@overload
def decode_server_event(
    data: Buffer, protocol: Literal["ga"] = ..., *, naming: Naming = ...
) -> GAServer: ...
@overload
def decode_server_event(
    data: Buffer, protocol: Literal["beta"], *, naming: Naming = ...
) -> BetaServer: ...
@overload
def decode_server_event(
    data: Buffer, protocol: Literal["translation"], *, naming: Naming = ...
) -> TranslationServer: ...
@overload
def decode_server_event(data: Buffer, protocol: str, *, naming: Naming = ...) -> AnyServer: ...
def decode_server_event(data: Buffer, protocol: str = "ga", *, naming: str = "snake") -> Any:
    """Decode a frame a server sent into its event class, or ``UnknownEvent``."""
    try:
        decoder = _SERVER[naming][protocol]
    except KeyError:
        _bad_options(protocol, naming)
    if data.__class__ is not memoryview and len(data) >= _AUDIO_MIN and decoder._audio:
        event = decode_audio_event(data, decoder._audio)
        if event is not None:
            return event
    if data.__class__ is memoryview or len(data) > SMALL or not data.isascii():  # type: ignore[union-attr]
        check(data)
    try:
        return decoder._decode(data)
    except _INPUT_ERRORS as exc:
        return decoder._recover(data, exc)


@overload
def decode_client_event(
    data: Buffer, protocol: Literal["ga"] = ..., *, naming: Naming = ...
) -> GAClient: ...
@overload
def decode_client_event(
    data: Buffer, protocol: Literal["beta"], *, naming: Naming = ...
) -> BetaClient: ...
@overload
def decode_client_event(
    data: Buffer, protocol: Literal["translation"], *, naming: Naming = ...
) -> TranslationClient: ...
@overload
def decode_client_event(data: Buffer, protocol: str, *, naming: Naming = ...) -> AnyClient: ...
def decode_client_event(data: Buffer, protocol: str = "ga", *, naming: str = "snake") -> Any:
    """Decode a frame a client sent into its event class, or ``UnknownEvent``."""
    try:
        decoder = _CLIENT[naming][protocol]
    except KeyError:
        _bad_options(protocol, naming)
    if data.__class__ is not memoryview and len(data) >= _AUDIO_MIN and decoder._audio:
        event = decode_audio_event(data, decoder._audio)
        if event is not None:
            return event
    if data.__class__ is memoryview or len(data) > SMALL or not data.isascii():  # type: ignore[union-attr]
        check(data)
    try:
        return decoder._decode(data)
    except _INPUT_ERRORS as exc:
        return decoder._recover(data, exc)


@overload
def decode(data: Buffer, *, type: type[T], naming: Naming = ...) -> T: ...
@overload
def decode(data: Buffer, *, type: Any, naming: Naming = ...) -> Any: ...
def decode(data: Buffer, *, type: Any, naming: str = "snake") -> Any:
    """Decode ``data`` as any rt_fast model or union (a decoder per type is kept)."""
    decoder = _BY_TYPE.get((type, naming))
    if decoder is None:
        decoder = _BY_TYPE[type, naming] = Decoder(type, naming=naming)
    return decoder.decode(data)


def encode(obj: Any, *, naming: Naming = "snake") -> bytes:
    """Compact JSON of a model, keys in ``naming``; ``UNSET`` fields are omitted.

    An ``UnknownEvent`` is written back as the frame it was decoded from.
    """
    cls = obj.__class__
    if cls is UnknownEvent:
        return bytes(obj.raw)
    if naming_of(cls) != naming:
        _check_naming(naming)
        obj = recast(obj, naming)
    return _encoder.encode(obj)
