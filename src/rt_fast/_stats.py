"""What logs hold: the fold behind ``rt-fast stats`` and ``rt_fast.dask.stats``.

``tally`` runs where a batch was decoded (in this process, a worker process, a Dask worker)
and gives a small ``Tally``; ``combine`` joins a task's tallies before they travel; ``Totals``
adds them up in log order, where audio formats announced in one batch apply to the next;
``summary`` is the report.

Live sessions report usage as cumulative seconds (``session.usage.updated``, and the final
figure in ``session.closed``): each report replaces the last, so a session's usage is its last
report, never a sum, and the totals add up each session's last. A session's
``session.closed`` is its final word. A report belongs to the session in force: a record's
session (``rt_fast._record``), else the last ``session.started`` of the log (in a plain log
whose sessions interleave, a session's reports until its close may so go to another; records
say it exactly). Work a Live session delegates reports its own tokens: a Responses model's in each
``response.completed`` (``incomplete``, ``failed``) that ``response.event`` carries, a
decisions model's in each ``decision.event``; those add up (``delegated_usage``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from ._audio import pcm_bytes
from ._jsonl import LogBatch, LogReader, Rejected
from ._models import UNSET, UnknownEvent

__all__ = [
    "LIVE_USAGE",
    "SHOWN",
    "Tally",
    "Totals",
    "combine",
    "counts",
    "flat",
    "formats",
    "keep_first",
    "number",
    "summary",
    "tag",
    "tally",
]

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
    "session.input_audio.append": ("client", "audio"),
}
# Frames that announce a session's audio formats.
_SESSIONS = (
    "session.created",
    "session.started",
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
        # Live: session (None: the one in force when the batch starts) -> its last usage
        self.live: dict[str | None, dict[str, float]] = {}
        self.in_force: str | None = None  # the Live session in force at the batch's end
        self.final: dict[str, dict[str, float]] = {}  # Live session -> usage it closed with
        self.delegated: Counter[str] = Counter()


def _rate(audio_format: Any) -> int | None:
    """Bytes a second of a GA format object or a beta format name; None when unknown."""
    if isinstance(audio_format, dict):
        if audio_format.get("type") == "audio/pcm":
            return 2 * int(audio_format.get("rate") or 24000)
        audio_format = audio_format.get("type")
    return _RATES.get(audio_format) if isinstance(audio_format, str) else None


def formats(session: dict[str, Any]) -> dict[str, int]:
    """The audio formats a session announces (GA ``audio.*.format``, beta ``*_audio_format``,
    Live ``audio.format``, both directions)."""
    audio = session.get("audio") if isinstance(session.get("audio"), dict) else {}
    rate = _rate((audio or {}).get("format"))
    found = dict.fromkeys(_DIRECTIONS, rate) if rate else {}
    for direction, key in (("client", "input"), ("server", "output")):
        ga_format = ((audio or {}).get(key) or {}).get("format")
        rate = _rate(ga_format if ga_format is not None else session.get(f"{key}_audio_format"))
        if rate:
            found[direction] = rate
    return found


def flat(prefix: str, value: Any, into: Counter[str]) -> None:
    """Add the integers of ``value`` (a usage, as JSON data) into ``into`` by their dotted
    paths after ``prefix`` (``input_token_details.audio_tokens``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            flat(f"{prefix}{key}.", item, into)
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
        into.rate.update(formats(session))
        if kind in _STARTS and isinstance(session.get("id"), str):
            into.sessions.append(session["id"])
            if kind == "session.started":
                into.in_force = session["id"]


_STARTS = ("session.created", "session.started")


def _on_done(into: Tally, frame: Any, kind: str, _: object) -> None:
    into.responses += 1
    usage = frame.response.usage  # a model in every generation (the output is not converted)
    if isinstance(usage, msgspec.Struct):
        flat("", msgspec.to_builtins(usage), into.usage)


def _on_live_usage(into: Tally, frame: Any, kind: str, session: str | None) -> None:
    """A Live session's usage so far, replacing its last (``session`` is the record's).
    (Translation's ``session.closed`` carries no usage.)"""
    usage = getattr(frame, "usage", None)
    if usage is None:
        return
    usage = msgspec.to_builtins(usage)
    figures = {key: usage[key] for key in LIVE_USAGE if number(usage.get(key))}
    if kind == "session.closed":
        into.final[session or frame.session.id] = figures
    else:
        into.live[session or into.in_force] = figures


LIVE_USAGE = ("seconds", "active_seconds", "paused_seconds")
_RESPONSE_ENDS = ("response.completed", "response.incomplete", "response.failed")


def number(value: Any) -> bool:
    """A figure: a finite int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _on_delegated(into: Tally, frame: Any, kind: str, _: object) -> None:
    """The tokens of a delegated response (``response.event``) or decision (``decision.event``)."""
    if kind == "decision.event":
        flat("decisions.", msgspec.to_builtins(frame.event.decision.usage), into.delegated)
        return
    event = frame.event
    response = event.get("response") if event.get("type") in _RESPONSE_ENDS else None
    usage = response.get("usage") if isinstance(response, dict) else None
    if isinstance(usage, dict):
        flat("responses.", usage, into.delegated)


_HANDLERS: dict[str, Callable[[Tally, Any, str, Any], None]] = {
    **dict.fromkeys(_AUDIO, _on_audio),
    **dict.fromkeys(_SESSIONS, _on_session),
    "response.done": _on_done,
    "session.usage.updated": _on_live_usage,
    "session.closed": _on_live_usage,
    "response.event": _on_delegated,
    "decision.event": _on_delegated,
}
_BY_RECORD = frozenset(("session.usage.updated", "session.closed"))  # a record's session counts


def tally(batch: LogBatch) -> Tally:
    """The statistics of a batch (run where it was decoded: here, a worker process, a Dask
    worker)."""
    tags = list(map(tag, batch.frames))
    result, handlers = Tally(by_type=Counter(tags), starts_log=batch.offset == 0), _HANDLERS
    sizes = result.bytes_by_type
    for kind, size in zip(tags, batch.sizes(), strict=True):
        sizes[kind] = sizes.get(kind, 0) + size
    pcm = batch._pcm or {}
    records = batch.records() if _BY_RECORD.intersection(result.by_type) else []
    for index, (frame, kind) in enumerate(zip(batch.frames, tags, strict=True)):
        if kind in handlers and frame.__class__ is not UnknownEvent:  # another generation's
            extra = pcm.get(index) if kind not in _BY_RECORD else _session_of(records, index)
            handlers[kind](result, frame, kind, extra)
    return result


def _session_of(records: list[Any], index: int) -> str | None:
    """The session of the record of the frame at ``index``, if it came in a record."""
    record = records[index] if records else None
    return None if record is None else record.session


def _follow(live: dict[str | None, dict[str, float]], part: Tally, in_force: str | None) -> None:
    """Add a later part's Live usage reports to ``live``: each replaces its session's last; the
    part's reports before its first ``session.started`` are the session ``in_force``'s."""
    for session, figures in part.live.items():
        live[in_force if session is None else session] = figures


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
        _follow(whole.live, part, whole.in_force)
        whole.in_force = part.in_force or whole.in_force
        whole.final.update(part.final)
        whole.delegated.update(part.delegated)
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
        self.live: dict[str | None, dict[str, float]] = {}
        self.in_force: str | None = None
        self.final: dict[str, dict[str, float]] = {}
        self.delegated: Counter[str] = Counter()

    def add(self, part: Tally) -> None:
        if part.starts_log:  # formats start over, and the session in force
            self.rate = dict.fromkeys(_DIRECTIONS, _DEFAULT_RATE)
            self.in_force = None
        _follow(self.live, part, self.in_force)
        self.in_force = part.in_force or self.in_force
        self.final.update(part.final)
        self.delegated.update(part.delegated)
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

    def live_usage(self) -> dict[str, Any]:
        """Each Live session's last usage report (its ``session.closed``'s, if it closed; a
        session reported before any ``session.started`` is ``""``), and their sum."""
        sessions = {session or "": figures for session, figures in self.live.items()}
        sessions.update(self.final)
        total: Counter[str] = Counter()
        for figures in sessions.values():
            total.update(figures)
        return {**{key: round(total[key], 3) for key in LIVE_USAGE}, "sessions": sessions}


def keep_first(shown: list[R], rejected: R) -> None:
    """Keep ``rejected`` (a log's line, a connection's frame) in ``shown`` while it holds fewer
    than ``SHOWN`` (an ``on_reject``)."""
    if len(shown) < SHOWN:
        shown.append(rejected)


def counts(reader: LogReader[Any], shown: list[Rejected]) -> dict[str, Any]:
    """The lines of logs read to the end (``reader``'s counts) and the first rejected ones
    ``shown``: what ``rt-fast stats`` and ``rt-fast report`` both begin with."""
    return {
        "lines": reader.lines,
        "decoded": reader.decoded,
        "rejected": reader.rejected_count,
        "blank": reader.blank,
        "first_rejected": [msgspec.to_builtins(r) for r in shown],
    }


def summary(reader: LogReader[Any], totals: Totals, shown: list[Rejected]) -> dict[str, Any]:
    """What ``rt-fast stats --json`` reports of logs read to the end (but ``logs``, ``jobs``
    and ``seconds``, which the caller knows): ``reader``'s counts, ``totals`` of its tallies,
    and the first rejected lines ``shown``."""
    by_type = dict(totals.by_type.most_common())
    return {
        **counts(reader, shown),
        "bytes": reader.bytes,
        "by_type": by_type,
        "bytes_by_type": {tag: totals.bytes_by_type[tag] for tag in by_type},
        "audio_seconds": totals.audio_seconds(),
        "responses": totals.responses,
        "usage": dict(sorted(totals.usage.items())),
        "live_usage": totals.live_usage(),
        "delegated_usage": dict(sorted(totals.delegated.items())),
        "sessions": len(totals.sessions),
        "session_ids": list(totals.sessions),
    }
