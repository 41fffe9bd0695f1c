"""How the relay routes one direction's frames to its handlers (see ``rt_fast.relay``): a
table of handlers by type, built once from the types rt_fast knows (others matched as they
come, never kept); a chain of handlers, sync or async, each given the event of the frame the one
before returned; and how each direction types a frame (a client's decoded first and refused
where it cannot be, an upstream's peeked and typed only for its handlers), by the protocol of
the session's path (``DECODES``: a Realtime client's frames as any generation's, a Live
session's both ways as Live's)."""

from __future__ import annotations

import fnmatch
import inspect
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeAlias

from ._audio import peek_type
from ._decoders import decode_server_event
from ._errors import DecodeError
from ._models import UNSET
from ._protocol import client_event, tags

__all__ = [
    "CLIENT",
    "DECODES",
    "KNOWN",
    "SERVER",
    "TOKEN_KINDS",
    "Bound",
    "FromServer",
    "Forwarded",
    "Handler",
    "HandlerFailed",
    "Later",
    "OnDecodeError",
    "Router",
    "awaited",
    "call",
    "call_now",
    "name_of",
    "told",
    "usage",
]

Handler = Callable[..., Any]
"""``handler(event, frame[, session]) -> frame to forward, or None`` (or an awaitable of it)."""

OnDecodeError = Callable[[bytes, DecodeError], Any]
"""``on_decode_error(frame, error)``: an upstream frame forwarded without its handlers."""

CLIENT, SERVER = "client", "server"
KNOWN = {CLIENT: tags("CLIENT_EVENTS"), SERVER: tags("SERVER_EVENTS")}
TOKEN_KINDS = ("input_tokens", "output_tokens", "total_tokens")
DECODES = {"ga": {CLIENT: "auto", SERVER: "ga"}, "live": {CLIENT: "live", SERVER: "live"}}
"""The protocol each direction's frames decode with, by the session's protocol."""
_AS_FRAME: dict[type, Callable[[Any], bytes]] = {  # what a handler may return: its bytes
    bytes: bytes,
    str: str.encode,
    bytearray: bytes,
    memoryview: bytes,
}


class HandlerFailed(Exception):
    """A handler raised, or returned no frame: its session ends (see the module)."""


def name_of(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _takes_session(handler: Callable[..., Any]) -> bool:
    """Whether ``handler`` takes a third positional argument, the ``Session``."""
    try:
        inspect.signature(handler).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): the two-argument form
        return False
    return True


def call_now(handler: Callable[..., Any], *args: Any) -> Any:
    """``handler(*args)``, not awaited (an awaitable it returns is the caller's to await, with
    ``awaited``); whatever it raises is ``HandlerFailed``."""
    try:
        return handler(*args)
    except Exception as exc:
        raise HandlerFailed(f"the handler {name_of(handler)} raised {exc!r}") from exc


async def awaited(handler: Callable[..., Any], returned: Any) -> Any:
    """What ``handler`` returned, awaited where it is an awaitable; whatever that raises is
    ``HandlerFailed``."""
    try:
        return await returned if inspect.isawaitable(returned) else returned
    except Exception as exc:
        raise HandlerFailed(f"the handler {name_of(handler)} raised {exc!r}") from exc


async def call(handler: Callable[..., Any], *args: Any) -> Any:
    """``handler(*args)``, awaited where it returns an awaitable; whatever it raises is
    ``HandlerFailed``."""
    return await awaited(handler, call_now(handler, *args))


def _frame_of(handler: Handler, returned: Any) -> bytes:
    """The bytes of a new frame ``handler`` returned, which must be UTF-8 text, as a text
    frame's (sent, bytes that are not would break the protocol: the peer fails the
    connection); else ``HandlerFailed``."""
    convert = _AS_FRAME.get(type(returned))
    if convert is None:
        kind = type(returned).__name__
        raise HandlerFailed(f"the handler {name_of(handler)} returned {kind}, not a frame or None")
    try:
        frame = convert(returned)
        if not frame.isascii():
            frame.decode()
    except UnicodeError as exc:  # a str holding a lone surrogate, bytes that are not UTF-8
        raise HandlerFailed(f"the handler {name_of(handler)} returned {exc}") from exc
    return frame


Bound = tuple[Handler, bool]  # a handler, and whether it takes the session
Later: TypeAlias = Coroutine[Any, Any, bytes | None]
"""The rest of a frame's handling where a handler returned an awaitable: awaited, the frame."""
Forwarded: TypeAlias = bytes | Later | None
"""What a frame's handling gives: the frame to forward, a ``Later``, or None (dropped)."""


_NAME_A_MODEL = {"session.start": True, "session.update": False}
"""Client events whose session asks for a model, and whether it must: Live's ``session.start``
(its model is there, not in the URL) must; a ``session.update`` (GA's, beta's, Live's) may, and
a relay with ``models`` holds both to them, not only the URL's ``?model=``."""


class Router:
    """One direction's handlers: a table by type, built once from the types rt_fast knows
    (others are matched as they come, never kept), and how the direction types a frame."""

    direction = CLIENT

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        on_error: OnDecodeError,
        protocol: str = "ga",
        models: frozenset[str] | None = None,
    ) -> None:
        self.protocol = DECODES[protocol][self.direction]
        self.models = models  # the models a client's session.start may ask for (None: any)
        self.handlers = {glob: (h, _takes_session(h)) for glob, h in handlers.items()}
        self.table = {tag: self.match(tag) for tag in KNOWN[self.direction]}
        self.on_error = on_error

    def match(self, tag: str) -> tuple[Bound, ...]:
        return tuple(h for glob, h in self.handlers.items() if fnmatch.fnmatchcase(tag, glob))

    def wanted(self, tag: str) -> tuple[Bound, ...]:
        found = self.table.get(tag)
        return self.match(tag) if found is None else found

    def handle(
        self, frame: bytes, handlers: tuple[Bound, ...], event: Any, session: Any
    ) -> Forwarded:
        """Each handler in turn, with the event of the frame the one before returned (``event``,
        where not None, is ``frame``'s): the frame to forward, None to drop it, or where a
        handler returned an awaitable, a coroutine that awaits it and goes on (``Later``)."""
        typed = None if event is None else frame
        for at, (handler, takes_session) in enumerate(handlers):
            if typed is not frame:
                try:
                    event, typed = self.decode(frame), frame
                except DecodeError as exc:
                    return self.untyped(frame, exc, handlers[at - 1][0] if at else None)
            args = (event, frame, session) if takes_session else (event, frame)
            returned = call_now(handler, *args)
            if returned is None:
                return None
            if returned.__class__ is not bytes and inspect.isawaitable(returned):
                rest = handlers[at + 1 :]
                return self.later(handler, returned, rest, frame, event, session)
            if returned is not frame:
                frame = _frame_of(handler, returned)
        return frame

    async def later(
        self,
        handler: Handler,
        returned: Any,
        rest: tuple[Bound, ...],
        frame: bytes,
        event: Any,
        session: Any,
    ) -> bytes | None:
        """The chain from a handler that returned an awaitable on: ``handle``'s, awaited."""
        returned = await awaited(handler, returned)
        if returned is None:
            return None
        if returned is not frame:
            returned = _frame_of(handler, returned)
        more = self.handle(returned, rest, event if returned is frame else None, session)
        return await more if isinstance(more, Coroutine) else more

    def decode(self, frame: bytes) -> Any:
        return client_event(frame, self.protocol)

    def untyped(self, frame: bytes, exc: DecodeError, by: Handler | None) -> Forwarded:
        """A frame the handler ``by`` returned, which the next cannot be given: its failure."""
        name = "a handler" if by is None else f"the handler {name_of(by)}"
        raise HandlerFailed(f"{name} returned a frame that is not a client event: {exc}")

    def take(self, frame: bytes, text: bool) -> tuple[str, Any, tuple[Bound, ...]]:
        """The frame's type, its event (None where not decoded) and its handlers;
        ``DecodeError`` refuses it."""
        event = client_event(frame, self.protocol, text=text)
        if self.models is not None and event.type in _NAME_A_MODEL:
            model = getattr(getattr(event, "session", None), "model", UNSET)
            if (_NAME_A_MODEL[event.type] or model is not UNSET) and model not in self.models:
                raise DecodeError(f"model not allowed: {model}", path="$.session.model")
        return event.type, event, self.wanted(event.type)


class FromServer(Router):
    """Upstream frames: each forwarded, typed only for its handlers (``on_error`` told where it
    cannot be) and for usage."""

    direction = SERVER

    def decode(self, frame: bytes) -> Any:
        return decode_server_event(frame, self.protocol)

    def untyped(self, frame: bytes, exc: DecodeError, by: Handler | None) -> Forwarded:
        return told(self.on_error, frame, exc)

    def take(self, frame: bytes, text: bool) -> tuple[str, Any, tuple[Bound, ...]]:
        if not text:
            return "binary", None, ()
        try:
            tag = peek_type(frame)
        except DecodeError as exc:  # forwarded; on_decode_error told where handlers are skipped
            return "unknown", exc, ()
        return tag, None, self.wanted(tag)


def told(on_error: OnDecodeError, frame: bytes, exc: DecodeError) -> Forwarded:
    """``frame``, once ``on_error`` has heard why it could not be typed (a coroutine where
    ``on_error`` returned an awaitable)."""
    returned = call_now(on_error, frame, exc)
    return _after(on_error, returned, frame) if inspect.isawaitable(returned) else frame


async def _after(on_error: OnDecodeError, returned: Any, frame: bytes) -> bytes:
    await awaited(on_error, returned)
    return frame


def usage(frame: bytes) -> dict[str, int]:
    """The token counts of a ``response.done`` frame (none where it cannot be typed)."""
    try:
        event = decode_server_event(frame)
    except DecodeError:
        return {}
    usage = getattr(getattr(event, "response", None), "usage", None)
    counts = {kind: getattr(usage, kind, None) for kind in TOKEN_KINDS}
    return {kind: n for kind, n in counts.items() if isinstance(n, int)}
