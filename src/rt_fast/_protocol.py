"""The sans-I/O frame handler every rt_fast socket shares: how a received frame becomes an event
or a refusal, and how a refusal is written. No sockets here: ``rt_fast.ws`` (the client
connection), ``rt_fast.server`` and ``rt_fast.relay`` move bytes and call these, as websockets'
asyncio and sync layers share its ``protocol.py``.

* ``client_event(message)``: a frame a client sent, as a server takes it: a binary frame is
  refused (the API speaks text frames only), a frame the decoder refuses is refused, and so is a
  well-formed frame whose type only servers send (``response.done``, ``session.created``: a
  client that sends one is answered with an error, as the API answers it). Each refusal is a
  ``DecodeError`` naming the fault; ``refusal`` writes it as the API's ``error`` event.
* ``Reader``: frames a connection receives, decoded or reported (``errors="report"``: counted,
  the first ``SHOWN`` kept, ``on_reject`` told; ``errors="raise"``: ``DecodeError``).
* ``error_frame`` and ``server_error``: the API's ``error`` events, written once here, in each
  protocol's shape (``ERROR_SHAPES``): GA's (and every generation's but Live's), and Live's,
  whose ``error`` always has a ``code`` and names the client event it answers in
  ``client_event_id``. Live's codes for a frame it cannot take are not published: rt_fast's
  Live errors say ``invalid_event`` (a frame refused) and ``server_error`` (its own fault).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Literal, NamedTuple

from . import ga, live
from ._codec import GENERATIONS, encode
from ._decoders import decode_client_event, decode_server_event
from ._errors import DecodeError
from ._guard import check, frame_of
from ._models import UNSET
from ._stats import keep_first

__all__ = [
    "BINARY_REFUSED",
    "ERROR_SHAPES",
    "EventIds",
    "Errors",
    "Fault",
    "Reader",
    "Rejected",
    "SERVER_ONLY",
    "client_event",
    "error_frame",
    "refusal",
    "server_error",
    "tags",
    "text_frame",
]

Errors = Literal["report", "raise"]

BINARY_REFUSED = "binary frames are not accepted: send JSON text frames"


def tags(direction: str) -> frozenset[str]:
    """Every type of ``direction`` (``"SERVER_EVENTS"``, ``"CLIENT_EVENTS"``) some generation
    knows."""
    return frozenset(tag for gen in GENERATIONS.values() for tag in getattr(gen, direction))


SERVER_ONLY = tags("SERVER_EVENTS") - tags("CLIENT_EVENTS")
"""Types a server sends and no client may: a client's frame of one is refused."""


class EventIds:
    """Fresh ``event_id`` values for the frames a socket makes itself: ``prefix`` and a count."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.count = prefix, itertools.count(1)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return f"{self.prefix}{next(self.count):08d}"


class Fault(NamedTuple):
    """What an ``error`` event says: its ``type``, ``code`` (None: the API gives none),
    message, ``param`` (None: ``null``; ``UNSET``: left out), and the client event it
    answers."""

    type: str
    code: str | None
    message: str
    param: Any
    client: str | None


def _ga_error(fault: Fault, event_id: str) -> bytes:
    code = UNSET if fault.code is None else fault.code
    client = UNSET if fault.client is None else fault.client
    error = ga.RealtimeError(type=fault.type, code=code, message=fault.message,
                             param=fault.param, event_id=client)  # fmt: skip
    return encode(ga.ErrorEvent(event_id=event_id, error=error))


_LIVE_CODES = {"invalid_request_error": "invalid_event", "server_error": "server_error"}


def _live_error(fault: Fault, event_id: str) -> bytes:
    code = fault.code or _LIVE_CODES.get(fault.type, fault.type)
    client = UNSET if fault.client is None else fault.client
    error = live.LiveError(code=code, message=fault.message, type=fault.type,
                           client_event_id=client,
                           param=fault.param or UNSET)  # fmt: skip
    return encode(live.ErrorEvent(event_id=event_id, error=error, client_event_id=client))


ERROR_SHAPES: dict[str, Callable[[Fault, str], bytes]] = {"live": _live_error}
"""How each protocol writes its ``error`` event, where it differs from GA's."""


def error_frame(message: str, param: str | None, event_id: str, code: str | None = None, *,
                protocol: str = "ga", client: str | None = None) -> bytes:  # fmt: skip
    """The API's ``error`` event for a client frame that cannot be taken, in ``protocol``'s shape.

    Args:
        message: The error's message.
        param: The JSON path of the fault, or None.
        event_id: The error event's own ``event_id``.
        code: The API's code for the fault, where it has one.
        protocol: The generation whose ``error`` event is written (``ERROR_SHAPES``; GA's
            otherwise).
        client: The ``event_id`` of the client frame it answers, if it had one.

    Returns:
        The encoded ``error`` event (``invalid_request_error``).
    """
    fault = Fault("invalid_request_error", code, message, param, client)
    return ERROR_SHAPES.get(protocol, _ga_error)(fault, event_id)


def server_error(message: str, event_id: str, code: str | None = None, *,
                 protocol: str = "ga") -> bytes:  # fmt: skip
    """The API's ``error`` event for a fault of the server's own, not the client's."""
    return ERROR_SHAPES.get(protocol, _ga_error)(Fault("server_error", code, message, UNSET, None),
                                                 event_id)  # fmt: skip


def refusal(exc: DecodeError, event_id: str, prefix: str = "", *, protocol: str = "ga") -> bytes:
    """The ``error`` event that answers a refused frame: its fault, and where in it."""
    return error_frame(f"{prefix}{exc}", exc.path, event_id, protocol=protocol)


def text_frame(event: Any) -> bytes | bytearray | str:
    """The text frame to send for ``event``: an event encoded (valid already), or a frame as it
    is if the decoders would take it (``DecodeError`` else: size, UTF-8, surrogates, a strided
    view)."""
    if isinstance(event, (bytes, bytearray, memoryview, str)):
        frame = frame_of(event)
        check(frame)
        return frame
    return encode(event)


def client_event(message: str | bytes, protocol: str = "auto", *, text: bool = True) -> Any:
    """The event of a frame a client sent (``message``: bytes received as a text frame unless
    ``text`` is false, or a ``str``); ``DecodeError`` for a binary frame, a frame the decoder
    refuses, and a type only servers send."""
    if not text:
        raise DecodeError(BINARY_REFUSED)
    event = decode_client_event(message, protocol)
    if event.type in SERVER_ONLY:
        raise DecodeError(f"{event.type!r} is a server event type: a client cannot send it",
                          path="$.type")  # fmt: skip
    return event


class Rejected(NamedTuple):
    """A frame a connection could not decode, and why.

    Attributes:
        frame: The frame's bytes, as received.
        error: Why it does not decode.
    """

    frame: bytes
    error: DecodeError


def _bare(exc: DecodeError) -> DecodeError:
    """``exc`` without its traceback and context: their frames hold the locals of the calls
    that decoded (the frame's bytes, the ``Rejected`` holding ``exc``) in cycles that only the
    garbage collector frees, so a flood of big bad frames would pile up until it ran."""
    exc.__context__ = None
    return exc.with_traceback(None)


class Reader:
    """A connection's received server frames: decoded (``protocol``'s server events), or
    reported as rejected (see the module)."""

    def __init__(self, protocol: str, errors: Errors,
                 on_reject: Callable[[Rejected], None] | None) -> None:  # fmt: skip
        if errors not in ("report", "raise"):
            raise ValueError(f"unknown errors {errors!r}; expected 'report' or 'raise'")
        decode_server_event(b'{"type":"x"}', protocol)  # an unknown protocol: ValueError
        self.protocol, self.errors, self.on_reject = protocol, errors, on_reject
        self.rejected: list[Rejected] = []  # the first SHOWN
        self.rejected_count = 0

    def event(self, frame: bytes) -> tuple[bool, Any]:
        """(True, the event), or (False, None) for a frame reported as rejected."""
        try:
            return True, decode_server_event(frame, self.protocol)
        except DecodeError as exc:
            if self.errors == "raise":
                raise
            self.report(Rejected(frame, _bare(exc)))
            return False, None

    def report(self, rejected: Rejected) -> None:
        self.rejected_count += 1
        keep_first(self.rejected, rejected)
        if self.on_reject is not None:
            self.on_reject(rejected)
