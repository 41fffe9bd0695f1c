"""What one connection to the local server holds: its session's configuration, its conversation.

Sessions are JSON data (the SDK's shapes), so that a ``session.updated`` is the merged session
as it stands. ``merge`` applies a ``session.update``'s ``session`` as the API documents it: a
field given replaces the server's, an omitted one keeps it, ``null`` turns a feature off;
``audio``, ``audio.input`` and ``audio.output`` merge field by field; a ``turn_detection`` of a
new ``type`` starts from that type's defaults (``TURN_DEFAULTS``), one of the same type (or
without a type) changes only the fields given; an audio ``format`` is replaced whole (``audio/
pcm`` gets its 24 kHz ``rate``); a turn detection without a type, where none was on, is
``server_vad``'s (the fields it has). The API's own rules past that (which fields a session refuses
to change once audio was sent, say) are not reproduced: unknown here, except that the
session's ``id``, ``object`` and ``expires_at`` stay the server's.

``Conversation`` holds the items in order, at most ``MAX_ITEMS`` of them and ``MAX_BYTES`` of
their JSON: past either bound the oldest are forgotten (the API truncates a long conversation
too, by its own rules, which are not reproduced). User audio is never kept, only its item.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgspec

__all__ = [
    "MAX_BYTES",
    "MAX_ITEMS",
    "READ_ONLY",
    "TURN_DEFAULTS",
    "Conversation",
    "default_session",
    "dig",
    "merge",
    "updated",
]

Json = dict[str, Any]

TURN_DEFAULTS: dict[str, Json] = {
    "server_vad": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                   "silence_duration_ms": 500, "idle_timeout_ms": None, "create_response": True,
                   "interrupt_response": True},
    "semantic_vad": {"type": "semantic_vad", "eagerness": "auto", "create_response": True,
                     "interrupt_response": True},
}  # fmt: skip
"""A turn detection's fields when a ``session.update`` names only its type (the API's defaults)."""

MAX_ITEMS = 4096
MAX_BYTES = 64 * 1024 * 1024

_PCM = {"type": "audio/pcm", "rate": 24000}


def dig(data: Any, *keys: str) -> Any:
    """The value at ``keys`` in nested objects, ``None`` where one is missing or not an object
    (a client may send ``"audio": null``)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def default_session(session_id: str, model: str) -> Json:
    """A new session as the API creates one (the recorded ``session.created``'s shape)."""
    return {
        "type": "realtime", "object": "realtime.session", "id": session_id, "model": model,
        "output_modalities": ["audio"], "instructions": "", "tools": [], "tool_choice": "auto",
        "max_output_tokens": "inf", "tracing": None, "truncation": "auto", "prompt": None,
        "expires_at": int(time.time()) + 3600,
        "audio": {
            "input": {"format": dict(_PCM), "transcription": None, "noise_reduction": None,
                      "turn_detection": dict(TURN_DEFAULTS["server_vad"])},
            "output": {"format": dict(_PCM), "voice": "alloy", "speed": 1.0},
        },
        "include": None,
    }  # fmt: skip


def _format(_: Any, new: Any) -> Any:
    """An audio format, replaced whole (PCM at its one rate)."""
    if isinstance(new, dict) and new.get("type") == "audio/pcm":
        return {"rate": 24000, **new}
    return new


def _turns(old: Any, new: Any) -> Any:
    """A turn detection: a new type from its defaults, the same type field by field."""
    if not isinstance(new, dict):
        return new
    kind = new.get("type") or dig(old, "type") or "server_vad"  # untagged: server_vad's fields
    same = isinstance(old, dict) and old.get("type") == kind
    base = old if same else TURN_DEFAULTS.get(str(kind), {})
    return {**base, **new}


_FIELDS: dict[str, Callable[[Any, Any], Any]] = {"format": _format, "turn_detection": _turns}


READ_ONLY = frozenset({"id", "object", "expires_at"})
"""Session fields the server keeps whatever a ``session.update`` says (the API's own)."""


def updated(session: Json, update: Json) -> Json:
    """A session after a ``session.update``'s ``session`` (``merge``, read-only fields kept)."""
    return merge(session, {k: v for k, v in update.items() if k not in READ_ONLY})


def merge(old: Json, new: Json) -> Json:
    """``old`` updated by ``new`` (see the module)."""
    merged = dict(old)
    for key, value in new.items():
        current = old.get(key)
        if key in _FIELDS:
            merged[key] = _FIELDS[key](current, value)
        elif key in ("audio", "input", "output") and isinstance(value, dict):
            merged[key] = merge(current if isinstance(current, dict) else {}, value)
        else:
            merged[key] = value
    return merged


class Conversation:
    """A session's items in order (see the module)."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.items: dict[str, tuple[Json, int]] = {}  # id -> (item, its JSON's size)
        self.size = 0

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    @property
    def last(self) -> str | None:
        return self.order[-1] if self.order else None

    def add(self, item: Json, after: str | None = None) -> str | None:
        """Put ``item`` after the item ``after`` (``"root"``: first; ``None``: last); the id
        of the item before it (``KeyError`` for an ``after`` that is not here)."""
        if after is not None and after != "root" and after not in self.items:
            raise KeyError(after)
        at = (
            len(self.order)
            if after is None
            else 0
            if after == "root"
            else self.order.index(after) + 1
        )
        previous = self.order[at - 1] if at else None
        size = len(msgspec.json.encode(item))
        self.order.insert(at, item["id"])
        self.items[item["id"]] = (item, size)
        self.size += size
        while len(self.order) > 1 and (len(self.order) > MAX_ITEMS or self.size > MAX_BYTES):
            self.delete(self.order[0])
        return previous

    def get(self, item_id: str) -> Json:
        return self.items[item_id][0]

    def replace(self, item: Json) -> None:
        """An item changed in place (its transcript came)."""
        old = self.items[item["id"]][1]
        size = len(msgspec.json.encode(item))
        self.items[item["id"]] = (item, size)
        self.size += size - old

    def delete(self, item_id: str) -> None:
        self.size -= self.items.pop(item_id)[1]
        self.order.remove(item_id)
