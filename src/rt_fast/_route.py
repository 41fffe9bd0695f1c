"""How rt_fast reads a frame: the rules every reader shares, each written once.

* **A frame's lead.** The API sends ``type`` first, compact: ``{"type":"<tag>",`` (or ``}``
  for a frame of nothing else). A frame's lead is that opening, ``buffer[start:end]`` up to
  the comma or brace (``lead_end``); tables of routes are keyed by it (``leads``). A frame
  whose type does not lead, or is spelled otherwise (escapes, spaces), has no lead: it takes
  the general route, which parses it first.
* **A line.** In a log a line ends at ``\\n``; a ``\\r`` before it is not part of the frame
  (``line_stop``); a line of JSON whitespace only is blank, skipped and not counted
  (``is_blank``). Every other line is one frame.
* **What a reader does not take.** A route that cannot answer for a frame returns
  ``DECLINED`` (the frame must be guarded first, or is a view the caller copies) or
  ``REJECTED`` (the strict models refused it): the full decoder judges it.
* **Errors.** What msgspec (or Python under it) raises for bad input is ``INPUT_ERRORS``; all
  of it becomes ``DecodeError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec

from ._models import UNSET

__all__ = [
    "DECLINED",
    "INPUT_ERRORS",
    "LEAD",
    "PEEK",
    "REJECTED",
    "Declined",
    "Head",
    "head_decode",
    "is_blank",
    "keyed",
    "lead_end",
    "leads",
    "line_stop",
]

INPUT_ERRORS = (msgspec.DecodeError, UnicodeError, RecursionError)
LEAD = b'{"type":"'
PEEK = 128  # a leading type's text ends within a frame's first bytes: tags are far shorter


def lead_end(buffer: Any, start: int = 0) -> int:
    """Where the lead of the frame at ``buffer[start:]`` (``bytes``, ``bytearray`` or ``str``)
    ends: two past its type's closing quote (the comma or brace after it included), or 1 if no
    quote closes a type there. A table ``keyed`` by tags then has
    ``buffer[start:lead_end(buffer, start)]`` (as ``bytes`` or ``str``) or not."""
    end: int = buffer.find(_QUOTES[buffer.__class__ is str], start + 9, start + PEEK) + 2
    return end


_QUOTES = (b'"', '"')


def leads(tag: str) -> tuple[str, str]:
    """The leads of a frame of ``tag``: its type then another member, or nothing else."""
    return f'{{"type":"{tag}",', f'{{"type":"{tag}"}}'


def keyed(tags: Iterable[tuple[str, Any]]) -> dict[Any, Any]:
    """A table of ``(tag, value)`` pairs keyed by the tags' leads, as ``bytes`` and as ``str``."""
    return {
        key: value for tag, value in tags for lead in leads(tag) for key in (lead, lead.encode())
    }


class Head(msgspec.Struct):
    """The routing fields of any event frame, read by parsing its top level."""

    type: str
    event_id: Any = UNSET


head_decode = msgspec.json.Decoder(Head).decode


class Declined:
    """What a route returns for a frame it does not take (``DECLINED``, ``REJECTED``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"rt_fast._route.{self.name}"


DECLINED, REJECTED = Declined("DECLINED"), Declined("REJECTED")

_NOT_BLANK = re.compile(rb"[^ \t\r]")  # JSON whitespace: a line of nothing else is blank


def is_blank(buffer: bytes | bytearray, start: int, stop: int) -> bool:
    """Whether ``buffer[start:stop]`` is only JSON whitespace (a line of it is blank)."""
    return _NOT_BLANK.search(buffer, start, stop) is None


def line_stop(buffer: bytes | bytearray, start: int, newline: int) -> int:
    """Where the frame of the line ``buffer[start:newline]`` ends: before a ``\\r`` that
    precedes the newline."""
    return newline - 1 if newline > start and buffer[newline - 1] == 13 else newline
