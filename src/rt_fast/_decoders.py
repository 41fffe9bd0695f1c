"""The decoders the function forms and the log reader use, each made on first use, and the
function forms (``decode_server_event``, ``decode_client_event``, ``decode``) that find them.

A decoder per (naming, generation, direction) costs tens of milliseconds to build, mostly
msgspec resolving the models' annotations, so a process builds only the ones it decodes with:
a function form finds its decoder by two dict look-ups and calls its ``decode`` (one Python
call over ``Decoder.decode``). How a decoder reads a frame is ``rt_fast._codec``'s.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, overload

from ._codec import GENERATIONS, Buffer, Decoder, Naming, _AutoDecoder
from ._encode import check_naming
from ._lines import LogBatch, decode_into
from ._models import UnknownEvent

__all__ = ["decode", "decode_batch", "decode_client_event", "decode_server_event", "log_decoder"]

T = TypeVar("T")


def _decoder(table: dict[str, dict[str, Decoder[Any]]], protocol: str, naming: str) -> Decoder[Any]:
    """The decoder of ``table``'s direction for a protocol and naming, made on first use."""
    made = table.get(naming, {}).get(protocol)
    if made is not None:
        return made
    check_naming(naming)
    direction = "ServerEvent" if table is _SERVER else "ClientEvent"
    if protocol == "auto":
        decoder: Decoder[Any] = _AutoDecoder(direction, naming=naming)
    elif protocol in GENERATIONS:
        union = getattr(GENERATIONS[protocol], direction)
        decoder = _BY_TYPE.get((union, naming)) or Decoder(union, naming=naming)
        _BY_TYPE[union, naming] = decoder
    else:
        known = ", ".join(map(repr, [*GENERATIONS, "auto"]))
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {known}")
    table.setdefault(naming, {})[protocol] = decoder
    return decoder


def decode_batch(
    decoder: Decoder[Any], batch: LogBatch, end: int, strict: bool, limit: int | None = None
) -> None:
    """Decode the lines of ``batch``'s buffer up to ``end`` in place, by ``decoder``'s route
    (``_lines.decode_into``): the log reader's chunks."""
    decode_into(decoder._read, decoder.decode, batch, end, strict, limit)


_making = threading.Lock()


def log_decoder(protocol: str, naming: str) -> Decoder[Any]:
    """The decoder of both directions of a protocol, as the log reader decodes a log, made once
    per process: threads that ask at once (a Dask worker's, a threaded scheduler's) wait for
    the first to make it, as two would make two sets of variant classes, and decode one frame
    to either."""
    with _making:
        return _log_decoder(protocol, naming)


@functools.cache
def _log_decoder(protocol: str, naming: str) -> Decoder[Any]:
    if protocol == "auto":
        return _AutoDecoder("Event", naming=naming)
    return Decoder(GENERATIONS[protocol].Event, naming=naming)


# naming -> protocol -> decoder, each made on first use: a process pays only for the ones it
# decodes with (tens of milliseconds each, mostly resolving the models' annotations).
_SERVER: dict[str, dict[str, Decoder[Any]]] = {}
_CLIENT: dict[str, dict[str, Decoder[Any]]] = {}
_BY_TYPE: dict[tuple[Any, str], Decoder[Any]] = {}
_BY_ID: dict[tuple[int, str], tuple[Any, Decoder[Any]]] = {}  # ``decode``'s, by the type's id


if TYPE_CHECKING:
    from . import beta, ga, live, translation

    GAServer = Union[ga.ServerEvent, UnknownEvent]
    GAClient = Union[ga.ClientEvent, UnknownEvent]
    BetaServer = Union[beta.ServerEvent, UnknownEvent]
    BetaClient = Union[beta.ClientEvent, UnknownEvent]
    TranslationServer = Union[translation.ServerEvent, UnknownEvent]
    TranslationClient = Union[translation.ClientEvent, UnknownEvent]
    LiveServer = Union[live.ServerEvent, UnknownEvent]
    LiveClient = Union[live.ClientEvent, UnknownEvent]
    AnyServer = Union[GAServer, BetaServer, TranslationServer, LiveServer]
    AnyClient = Union[GAClient, BetaClient, TranslationClient, LiveClient]


# The two functions below find their decoder by two dict lookups, then call its decode.


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
def decode_server_event(
    data: Buffer, protocol: Literal["live"], *, naming: Naming = ...
) -> LiveServer: ...
@overload
def decode_server_event(data: Buffer, protocol: str, *, naming: Naming = ...) -> AnyServer: ...
def decode_server_event(data: Buffer, protocol: str = "ga", *, naming: str = "snake") -> Any:
    """Decode a frame a server sent into its event class, or ``UnknownEvent``.

    Args:
        data: The frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``, not copied
            before parsing.
        protocol: The generation: ``"ga"`` (the default), ``"beta"``, ``"translation"``,
            ``"live"``, or ``"auto"`` (each generation in that order: the first that takes
            the frame decodes it).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.

    Returns:
        The event (an instance of a class of the generation's ``ServerEvent`` union), or
        ``UnknownEvent`` for a well-formed frame of a ``type`` this version does not know.

    Raises:
        DecodeError: The frame is not valid JSON or not valid for its event class (the
            message names the field and its JSON path), has no ``type``, or is over
            ``MAX_FRAME_SIZE``.
        ValueError: ``protocol`` or ``naming`` is not one of the above.
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> event = rt_fast.decode_server_event(b'{"type":"error","event_id":"e1","error":'
        ...     b'{"type":"invalid_request_error","message":"Bad"}}')
        >>> event.error.message
        'Bad'
    """
    try:
        decoder = _SERVER[naming][protocol]
    except KeyError:
        decoder = _decoder(_SERVER, protocol, naming)
    return decoder.decode(data)


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
def decode_client_event(
    data: Buffer, protocol: Literal["live"], *, naming: Naming = ...
) -> LiveClient: ...
@overload
def decode_client_event(data: Buffer, protocol: str, *, naming: Naming = ...) -> AnyClient: ...
def decode_client_event(data: Buffer, protocol: str = "ga", *, naming: str = "snake") -> Any:
    """Decode a frame a client sent into its event class, or ``UnknownEvent``.

    Args:
        data: The frame: ``bytes``, ``bytearray``, ``memoryview`` or ``str``, not copied
            before parsing.
        protocol: The generation: ``"ga"`` (the default), ``"beta"``, ``"translation"``,
            ``"live"``, or ``"auto"`` (each generation in that order: the first that takes
            the frame decodes it).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.

    Returns:
        The event (an instance of a class of the generation's ``ClientEvent`` union), or
        ``UnknownEvent`` for a well-formed frame of a ``type`` this version does not know.

    Raises:
        DecodeError: The frame is not valid JSON or not valid for its event class, has no
            ``type``, or is over ``MAX_FRAME_SIZE``.
        ValueError: ``protocol`` or ``naming`` is not one of the above.
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> rt_fast.decode_client_event(b'{"type":"response.cancel"}')
        ResponseCancelEvent(event_id=UNSET, response_id=UNSET)
    """
    try:
        decoder = _CLIENT[naming][protocol]
    except KeyError:
        decoder = _decoder(_CLIENT, protocol, naming)
    return decoder.decode(data)


@overload
def decode(data: Buffer, *, type: type[T], naming: Naming = ...) -> T: ...
@overload
def decode(data: Buffer, *, type: Any, naming: Naming = ...) -> Any: ...
def decode(data: Buffer, *, type: Any, naming: str = "snake") -> Any:
    """Decode ``data`` as any rt_fast model or union.

    A ``Decoder`` per type and naming is made on first use and kept.

    Args:
        data: The JSON text: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.
        type: The model class or union (``rt_fast.ga.RealtimeSessionCreateResponse``, ...).
        naming: The key convention: ``"snake"`` (the API's) or ``"camel"``.

    Returns:
        An instance of ``type``.

    Raises:
        DecodeError: ``data`` is not valid JSON or not valid for ``type``.
        ValueError: ``naming`` is neither ``"snake"`` nor ``"camel"``.
        TypeError: ``data`` is not one of the four buffer types.

    Examples:
        >>> usage = rt_fast.decode(b'{"input_tokens":3}', type=rt_fast.ga.RealtimeResponseUsage)
        >>> usage.input_tokens, usage.output_tokens
        (3, UNSET)
    """
    made = _BY_ID.get((id(type), naming))  # an id: hashing a union hashes its every member
    if made is None:
        decoder = _BY_TYPE.get((type, naming))
        if decoder is None:
            decoder = _BY_TYPE[type, naming] = Decoder(type, naming=naming)
        made = _BY_ID[id(type), naming] = (type, decoder)  # kept alive: its id stays its own
    return made[1].decode(data)
