"""The codec: every msgspec ``Decoder`` and ``Encoder`` rt_fast uses, built once.

The public functions are thin wrappers over ``Decoder`` objects made at import, one per
(generation, direction). Decoding goes straight from the caller's buffer (``bytes``,
``bytearray``, ``memoryview`` or ``str``) through msgspec; nothing is copied first. Only when
msgspec rejects a frame does Python code run: an event union then checks whether the frame is a
well-formed frame of an unknown ``type`` (``UnknownEvent``), and otherwise raises
``DecodeError``. Known frames pay nothing for that.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from ._errors import DecodeError
from ._models import UNSET, ClientEventBase, ServerEventBase, UnknownEvent, tag_table

__all__ = [
    "Decoder",
    "Protocol",
    "decode",
    "decode_client_event",
    "decode_server_event",
    "encode",
]

T = TypeVar("T")
Buffer = Union[bytes, bytearray, memoryview, str]
Protocol = Literal["ga", "beta", "translation"]

# What msgspec (or Python under it) raises for bad input; all of it becomes DecodeError.
_INPUT_ERRORS = (msgspec.DecodeError, UnicodeError, RecursionError)


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


class Decoder(Generic[T]):
    """A reusable decoder of one type, for hot loops; holds no per-call state.

    ``Decoder(rt_fast.ga.ServerEvent)`` decodes server frames; ``Decoder(SomeModel)`` decodes
    any model. Decoders of an event union return ``UnknownEvent`` for a well-formed frame of
    an unknown ``type``.
    """

    __slots__ = ("_decode", "_decode_lines", "_events", "type")

    @overload
    def __init__(self: Decoder[T], type: type[T]) -> None: ...
    @overload
    def __init__(self: Decoder[Any], type: Any) -> None: ...
    def __init__(self, type: Any) -> None:
        self.type = type
        decoder = msgspec.json.Decoder(type)
        self._decode = decoder.decode
        self._decode_lines = decoder.decode_lines
        self._events = _event_table(type)

    def __repr__(self) -> str:
        return f"rt_fast.Decoder({self.type!r})"

    def decode(self, data: Buffer) -> T:
        """Decode one frame."""
        try:
            return self._decode(data)  # type: ignore[no-any-return]
        except _INPUT_ERRORS as exc:
            return self._recover(data, exc)

    def decode_lines(self, data: Buffer) -> list[T]:
        """Decode newline-delimited frames; blank lines are skipped.

        A bad line raises ``DecodeError`` whose ``line`` is its 1-based number.
        """
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
            raise DecodeError(f"line {number}: {exc}", path=exc.path, line=number) from None

    def _recover(self, data: Buffer, exc: BaseException) -> T:
        """Return ``UnknownEvent`` for a well-formed frame of an unknown type, else raise."""
        if self._events is not None and isinstance(exc, msgspec.ValidationError):
            try:
                head = _head_decoder.decode(data)
            except _INPUT_ERRORS:
                head = None
            if head is not None and head.type not in self._events:
                event_id = head.event_id if isinstance(head.event_id, str) else UNSET
                raw = msgspec.Raw(data)
                return UnknownEvent(type=head.type, event_id=event_id, raw=raw)  # type: ignore[return-value]
        raise DecodeError.from_exception(exc) from None


# The generations, side by side: protocol name -> its models.
GENERATIONS = {"ga": ga, "beta": beta, "translation": translation}
_SERVER: dict[str, Decoder[Any]] = {p: Decoder(m.ServerEvent) for p, m in GENERATIONS.items()}
_CLIENT: dict[str, Decoder[Any]] = {p: Decoder(m.ClientEvent) for p, m in GENERATIONS.items()}
_BY_TYPE: dict[Any, Decoder[Any]] = {
    **{decoder.type: decoder for decoder in _SERVER.values()},
    **{decoder.type: decoder for decoder in _CLIENT.values()},
}
_encoder = msgspec.json.Encoder()


def _unknown_protocol(protocol: str) -> NoReturn:
    known = ", ".join(map(repr, _SERVER))
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {known}")


if TYPE_CHECKING:
    GAServer = Union[ga.ServerEvent, UnknownEvent]
    GAClient = Union[ga.ClientEvent, UnknownEvent]
    BetaServer = Union[beta.ServerEvent, UnknownEvent]
    BetaClient = Union[beta.ClientEvent, UnknownEvent]
    TranslationServer = Union[translation.ServerEvent, UnknownEvent]
    TranslationClient = Union[translation.ClientEvent, UnknownEvent]


# The two functions below inline Decoder.decode (one Python frame per call on the hot path);
# msgspec never raises KeyError, so a KeyError is the protocol lookup's.
_SERVER_DECODE = {protocol: decoder._decode for protocol, decoder in _SERVER.items()}
_CLIENT_DECODE = {protocol: decoder._decode for protocol, decoder in _CLIENT.items()}


@overload
def decode_server_event(data: Buffer, protocol: Literal["ga"] = ...) -> GAServer: ...
@overload
def decode_server_event(data: Buffer, protocol: Literal["beta"]) -> BetaServer: ...
@overload
def decode_server_event(data: Buffer, protocol: Literal["translation"]) -> TranslationServer: ...
@overload
def decode_server_event(data: Buffer, protocol: str) -> Any: ...
def decode_server_event(data: Buffer, protocol: str = "ga") -> Any:
    """Decode a frame a server sent into its event class, or ``UnknownEvent``."""
    try:
        return _SERVER_DECODE[protocol](data)
    except _INPUT_ERRORS as exc:
        return _SERVER[protocol]._recover(data, exc)
    except KeyError:
        _unknown_protocol(protocol)


@overload
def decode_client_event(data: Buffer, protocol: Literal["ga"] = ...) -> GAClient: ...
@overload
def decode_client_event(data: Buffer, protocol: Literal["beta"]) -> BetaClient: ...
@overload
def decode_client_event(data: Buffer, protocol: Literal["translation"]) -> TranslationClient: ...
@overload
def decode_client_event(data: Buffer, protocol: str) -> Any: ...
def decode_client_event(data: Buffer, protocol: str = "ga") -> Any:
    """Decode a frame a client sent into its event class, or ``UnknownEvent``."""
    try:
        return _CLIENT_DECODE[protocol](data)
    except _INPUT_ERRORS as exc:
        return _CLIENT[protocol]._recover(data, exc)
    except KeyError:
        _unknown_protocol(protocol)


@overload
def decode(data: Buffer, *, type: type[T]) -> T: ...
@overload
def decode(data: Buffer, *, type: Any) -> Any: ...
def decode(data: Buffer, *, type: Any) -> Any:
    """Decode ``data`` as any rt_fast model or union (a decoder per type is kept)."""
    decoder = _BY_TYPE.get(type)
    if decoder is None:
        decoder = _BY_TYPE[type] = Decoder(type)
    return decoder.decode(data)


def encode(obj: Any) -> bytes:
    """Compact JSON of a model; ``UNSET`` fields are omitted, ``UnknownEvent`` is re-emitted raw."""
    if obj.__class__ is UnknownEvent:
        return bytes(obj.raw)
    return _encoder.encode(obj)
