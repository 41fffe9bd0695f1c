"""What logs hold: the fold behind ``rt-fast stats`` and ``rt_fast.dask.stats``.

``tally`` runs where a batch was decoded (in this process, a worker process, a Dask worker)
and gives a small ``Tally``; ``combine`` joins a task's tallies before they travel; ``Totals``
adds them up in log order, where audio formats announced in one batch apply to the next;
``summary`` is the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from ._audio import pcm_bytes
from ._jsonl import LogBatch, LogReader, Rejected
from ._models import UNSET, UnknownEvent

__all__ = ["SHOWN", "Tally", "Totals", "combine", "keep_first", "summary", "tag", "tally"]

SHOWN = 10  # rejected lines a report lists
R = TypeVar("R")

_tags: dict[type, str] = {}


def tag(frame: Any) -> str:
    """A frame's wire type (its class's tag; an unknown event's own)."""
    cls = type(frame)
    name = _tags.get(cls)
    if name is None:
        if cls is UnknownEvent:
            return frame.type  # type: ignore[no-any-return]
        name = _tags[cls] = cls.__struct_config__.tag
    return name


# Audio frames: tag -> (direction, payload field), in every generation.
_AUDIO = {
    "input_audio_buffer.append": ("client", "audio"),
    "response.output_audio.delta": ("server", "delta"),
    "response.audio.delta": ("server", "delta"),
    "session.input_audio_buffer.append": ("client", "audio"),
    "session.output_audio.delta": ("server", "delta"),
}
# Frames that announce a session's audio formats.
_SESSIONS = (
    "session.created",
    "session.updated",
    "session.update",
    "transcription_session.updated",
    "transcription_session.update",
)
# Bytes of audio a second: PCM16 at 24 kHz, G.711 at 8 kHz (GA format types, beta names).
_RATES = {
    "pcm16": 48000,
    "g711_ulaw": 8000,
    "g711_alaw": 8000,
    "audio/pcmu": 8000,
    "audio/pcma": 8000,
}
_DEFAULT_RATE = 48000
_DIRECTIONS = ("client", "server")


class Tally:
    """The statistics of one batch, made where it was decoded. ``audio`` is bytes by direction
    and bytes a second; audio before the batch's first format announcement is under ``None``,
    for the format in force, which only the batches before know."""

    def __init__(self, by_type: Counter[str] | None = None, starts_log: bool = False) -> None:
        self.by_type: Counter[str] = Counter() if by_type is None else by_type
        self.bytes_by_type: dict[str, int] = {}
        self.audio: dict[tuple[str, int | None], int] = {}
        self.rate: dict[str, int] = {}
        self.usage: Counter[str] = Counter()
        self.responses = 0
        self.sessions: list[str] = []
        self.starts_log = starts_log


def _rate(audio_format: Any) -> int | None:
    """Bytes a second of a GA format object or a beta format name; None when unknown."""
    if isinstance(audio_format, dict):
        if audio_format.get("type") == "audio/pcm":
            return 2 * int(audio_format.get("rate") or 24000)
        audio_format = audio_format.get("type")
    return _RATES.get(audio_format) if isinstance(audio_format, str) else None


def _formats(session: dict[str, Any]) -> dict[str, int]:
    """The audio formats a session announces (GA ``audio.*.format``, beta ``*_audio_format``)."""
    audio = session.get("audio") if isinstance(session.get("audio"), dict) else {}
    found = {}
    for direction, key in (("client", "input"), ("server", "output")):
        ga_format = ((audio or {}).get(key) or {}).get("format")
        rate = _rate(ga_format if ga_format is not None else session.get(f"{key}_audio_format"))
        if rate:
            found[direction] = rate
    return found


def _flat(prefix: str, value: Any, into: Counter[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(f"{prefix}{key}.", item, into)
    elif isinstance(value, int) and not isinstance(value, bool):
        into[prefix[:-1]] += value


def _on_audio(into: Tally, frame: Any, kind: str, size: int | None) -> None:
    direction, name = _AUDIO[kind]
    if size is None:  # not measured (``_audio.measured`` gives the same number)
        size = pcm_bytes(getattr(frame, name))  # the statistics check no payload's base64
    key = (direction, into.rate.get(direction))
    into.audio[key] = into.audio.get(key, 0) + size


def _on_session(into: Tally, frame: Any, kind: str, _: object) -> None:
    session = msgspec.to_builtins(frame.session) if frame.session is not UNSET else None
    if isinstance(session, dict):
        into.rate.update(_formats(session))
        if kind == "session.created" and isinstance(session.get("id"), str):
            into.sessions.append(session["id"])


def _on_done(into: Tally, frame: Any, kind: str, _: object) -> None:
    into.responses += 1
    usage = frame.response.usage  # a model in every generation (the output is not converted)
    if isinstance(usage, msgspec.Struct):
        _flat("", msgspec.to_builtins(usage), into.usage)


_HANDLERS: dict[str, Callable[[Tally, Any, str, Any], None]] = {
    **dict.fromkeys(_AUDIO, _on_audio),
    **dict.fromkeys(_SESSIONS, _on_session),
    "response.done": _on_done,
}


def tally(batch: LogBatch) -> Tally:
    """The statistics of a batch (run where it was decoded: here, a worker process, a Dask
    worker)."""
    tags = list(map(tag, batch.frames))
    result, handlers = Tally(by_type=Counter(tags), starts_log=batch.offset == 0), _HANDLERS
    sizes = result.bytes_by_type
    for kind, size in zip(tags, batch.sizes(), strict=True):
        sizes[kind] = sizes.get(kind, 0) + size
    pcm = batch._pcm or {}
    for index, (frame, kind) in enumerate(zip(batch.frames, tags, strict=True)):
        if kind in handlers and frame.__class__ is not UnknownEvent:  # another generation's
            handlers[kind](result, frame, kind, pcm.get(index))
    return result


def combine(tallies: list[Tally]) -> Tally:
    """The tallies of consecutive batches of one log as one (in a worker, before they travel)."""
    whole = Tally(starts_log=tallies[0].starts_log)
    for part in tallies:
        whole.by_type.update(part.by_type)
        for kind, size in part.bytes_by_type.items():
            whole.bytes_by_type[kind] = whole.bytes_by_type.get(kind, 0) + size
        for (direction, rate), size in part.audio.items():
            key = (direction, rate or whole.rate.get(direction))  # None: still not known
            whole.audio[key] = whole.audio.get(key, 0) + size
        whole.rate.update(part.rate)
        whole.usage.update(part.usage)
        whole.responses += part.responses
        whole.sessions += part.sessions
    return whole


class Totals:
    """The tallies of the batches added up, in log order."""

    def __init__(self) -> None:
        self.rate = dict.fromkeys(_DIRECTIONS, _DEFAULT_RATE)
        self.by_type: Counter[str] = Counter()
        self.bytes_by_type: Counter[str] = Counter()
        self.usage: Counter[str] = Counter()
        self.audio: Counter[tuple[str, int]] = Counter()
        self.responses = 0
        self.sessions: dict[str, None] = {}

    def add(self, part: Tally) -> None:
        if part.starts_log:  # formats start over
            self.rate = dict.fromkeys(_DIRECTIONS, _DEFAULT_RATE)
        for (direction, rate), size in part.audio.items():
            self.audio[direction, rate or self.rate[direction]] += size
        self.rate.update(part.rate)
        self.by_type.update(part.by_type)
        self.bytes_by_type.update(part.bytes_by_type)
        self.usage.update(part.usage)
        self.responses += part.responses
        self.sessions.update(dict.fromkeys(part.sessions))

    def audio_seconds(self) -> dict[str, float]:
        seconds = dict.fromkeys(_DIRECTIONS, 0.0)
        for (direction, rate), size in self.audio.items():
            seconds[direction] += size / rate
        return {direction: round(value, 3) for direction, value in seconds.items()}


def keep_first(shown: list[R], rejected: R) -> None:
    """Keep ``rejected`` (a log's line, a connection's frame) in ``shown`` while it holds fewer
    than ``SHOWN`` (an ``on_reject``)."""
    if len(shown) < SHOWN:
        shown.append(rejected)


def summary(reader: LogReader[Any], totals: Totals, shown: list[Rejected]) -> dict[str, Any]:
    """What ``rt-fast stats --json`` reports of logs read to the end (but ``logs``, ``jobs``
    and ``seconds``, which the caller knows): ``reader``'s counts, ``totals`` of its tallies,
    and the first rejected lines ``shown``."""
    by_type = dict(totals.by_type.most_common())
    return {
        "lines": reader.lines,
        "decoded": reader.decoded,
        "rejected": reader.rejected_count,
        "blank": reader.blank,
        "first_rejected": [msgspec.to_builtins(r) for r in shown],
        "bytes": reader.bytes,
        "by_type": by_type,
        "bytes_by_type": {tag: totals.bytes_by_type[tag] for tag in by_type},
        "audio_seconds": totals.audio_seconds(),
        "responses": totals.responses,
        "usage": dict(sorted(totals.usage.items())),
        "sessions": len(totals.sessions),
        "session_ids": list(totals.sessions),
    }
