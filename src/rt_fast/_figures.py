"""What ``rt-fast report`` measures of the sessions and turns ``rt_fast._sessions`` splits a
log into: each turn's and session's figures, their percentiles, tokens and cost, and the
overall summary (every figure defined in ``docs/report.md``). Sessions and turns become figures
only as they are read (``Listed``), so a report of many sessions holds few at a time.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from ._prices import Prices, tokens_by_modality
from ._sessions import Session, Sessions, Tool, Turn

__all__ = ["LATENCIES", "Listed", "percentiles", "summary"]

LATENCIES = ("voice_to_voice_ms", "first_text_ms", "response_ms", "tool_round_trip_ms")


def _ms(start: int | None, end: int | None) -> float | None:
    """Milliseconds from ``start`` to ``end``; None if either is unknown, or if ``end`` came
    first (a recorder's clock that went back: no measure, rather than a negative one)."""
    if start is None or end is None or end < start:
        return None
    return round((end - start) / 1000, 3)


def _tool(tool: Tool, origin: int | None) -> dict[str, Any]:
    return {
        "name": tool.name,
        "at_ms": _ms(origin, tool.called),
        "call_id": tool.call_id,
        "output_ms": _ms(tool.called, tool.output),
        "next_response_ms": _ms(tool.output, tool.next),
        "round_trip_ms": _ms(tool.called, tool.next),
    }


def _turn(turn: Turn, origin: int | None) -> dict[str, Any]:
    start_ms, end_ms = turn.speech_start, turn.speech_end
    lost = round(sum(turn.lost.values()), 3) if turn.lost else None
    return {
        "index": turn.index,
        "kind": turn.kind,
        "at_ms": _ms(origin, turn.start),  # from the session's first frame
        "speech_ms": [start_ms, end_ms] if turn.kind == "speech" else None,
        "audio_in_s": (end_ms - start_ms) / 1000
        if start_ms is not None and end_ms is not None
        else None,
        "responses": turn.responses,
        "voice_to_voice_ms": _ms(turn.trigger, turn.first_audio) if turn.kind == "speech" else None,
        "first_text_ms": _ms(turn.trigger, turn.first_text),
        "response_ms": _ms(turn.created, turn.done),
        "audio_out_s": round(turn.audio_out, 3),
        "audio_at_ms": _ms(origin, turn.first_audio),
        "interrupted": turn.interrupted,
        "interrupted_at_ms": turn.interrupted_at_ms,
        "interruption_seen_ms": _ms(origin, turn.interrupted_t),
        "cancelled": turn.cancelled,
        "truncated": turn.truncated,
        "audio_lost_s": lost,
        "tools": [_tool(tool, origin) for tool in turn.tools or ()],
    }


def percentiles(values: list[float]) -> dict[str, Any]:
    """Count, median, p90 and p99 of ``values`` by nearest rank (None without values)."""
    if not values:
        return {"count": 0, "median": None, "p90": None, "p99": None}
    ordered = sorted(values)
    n = len(ordered)

    def rank(p: int) -> float:
        return ordered[max(0, -(-p * n // 100) - 1)]

    return {"count": n, "median": rank(50), "p90": rank(90), "p99": rank(99)}


def _add_values(found: dict[str, list[float]], turn: dict[str, Any]) -> None:
    for name in LATENCIES[:3]:
        if turn[name] is not None:
            found[name].append(turn[name])
    found["tool_round_trip_ms"] += [t["round_trip_ms"] for t in turn["tools"]
                                    if t["round_trip_ms"] is not None]  # fmt: skip


def _seconds(start: int | None, end: int | None) -> float | None:
    return None if start is None or end is None else round((end - start) / 1e6, 3)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class _Cost:
    """A session's cost: what could be priced, and what could not (by model)."""

    def __init__(self) -> None:
        self.usd = 0.0
        self.tokens: dict[str, int] = {}
        self.unpriced: dict[str, int] = {}  # model -> responses (or Live sessions) unpriced

    def add(self, prices: Prices, session: Session) -> None:
        for model, usage in session.usage or ():
            tokens = tokens_by_modality(usage)
            for modality, count in tokens.items():
                self.tokens[modality] = self.tokens.get(modality, 0) + count
            self._priced(model, prices.tokens(model, tokens))
        if session.live:
            self._priced(session.model, prices.seconds(session.model, session.live))
        if session.generation == "translation":  # billed, but the table has no rates for it
            self._priced(session.model, None)

    def _priced(self, model: str | None, cost: float | None) -> None:
        if cost is None:
            name = model or "unknown model"
            self.unpriced[name] = self.unpriced.get(name, 0) + 1
        else:
            self.usd += cost


def _session(session: Session, prices: Prices) -> dict[str, Any]:
    turns = Listed(session.turns or [], functools.partial(_turn, origin=session.first))
    answered = interrupted = 0
    lost = 0.0
    values: dict[str, list[float]] = {name: [] for name in LATENCIES}
    for turn in turns:  # once: each turn's figures are made as they are read
        answered += 1 if turn["responses"] else 0
        interrupted += turn["interrupted"]
        lost += turn["audio_lost_s"] or 0.0
        _add_values(values, turn)
    cost = _Cost()
    if session.usage or session.live or session.generation == "translation":
        cost.add(prices, session)
    return {
        "session": session.key,
        "id": session.id,
        "model": session.model,
        "generation": session.generation,
        "start_us": session.first,
        "duration_s": _seconds(session.first, session.last),
        "turn_count": len(turns),
        "responses": len(session.usage or ()),
        "interrupted_turns": interrupted,
        "interruption_rate": _rate(interrupted, answered),
        "audio_in_s": round(session.audio_in, 3),
        "audio_out_s": round(session.audio_out, 3),
        "audio_lost_s": round(lost, 3),
        "latency": {name: percentiles(found) for name, found in values.items()},
        "tokens": dict(sorted(cost.tokens.items())),
        "cost_usd": None if cost.unpriced else round(cost.usd, 6),  # no partial sum as the whole
        "priced_usd": round(cost.usd, 6),
        "unpriced": cost.unpriced,
        "live_usage": session.live or {},
        "errors": dict(session.errors.most_common()) if session.errors else {},
        "turns": turns,
    }


class Listed(Sequence[dict[str, Any]]):
    """Figures made when read, one at a time: a report's sessions, a session's turns. The
    sessions and turns of a fleet's log are never all held as figures at once (``rt-fast
    report --json`` writes them one by one; ``list()`` makes them JSON's list)."""

    def __init__(self, items: Sequence[Any], make: Callable[[Any], dict[str, Any]]) -> None:
        self._items, self._make = items, make

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._make, self._items)

    def __eq__(self, other: object) -> bool:  # as the list it stands for
        return isinstance(other, (Listed, list)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])


class _Overall:
    """The figures of all sessions, added a session at a time (in order: the same sums)."""

    def __init__(self) -> None:
        self.sessions = self.turns = self.responses = self.interrupted = self.answered = 0
        self.audio = {"audio_in_s": 0.0, "audio_out_s": 0.0, "audio_lost_s": 0.0}
        self.priced = 0.0
        self.latency: dict[str, list[float]] = {name: [] for name in LATENCIES}
        self.tokens: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.unpriced: Counter[str] = Counter()

    def add(self, session: dict[str, Any]) -> None:
        turns = session["turns"]
        self.sessions += 1
        self.turns += len(turns)
        self.responses += session["responses"]
        self.interrupted += session["interrupted_turns"]
        for key in self.audio:
            self.audio[key] += session[key]
        self.priced += session["priced_usd"]
        for turn in turns:  # made as read: once
            self.answered += 1 if turn["responses"] else 0
            _add_values(self.latency, turn)
        for total, counts in ((self.tokens, session["tokens"]), (self.errors, session["errors"]),
                              (self.unpriced, session["unpriced"])):  # fmt: skip
            if counts:
                total.update(counts)

    def figures(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "turns": self.turns,
            "responses": self.responses,
            "interrupted_turns": self.interrupted,
            "interruption_rate": _rate(self.interrupted, self.answered),
            **{key: round(total, 3) for key, total in self.audio.items()},
            "latency": {name: percentiles(values) for name, values in self.latency.items()},
            "tokens": dict(sorted(self.tokens.items())),
            "cost_usd": None if self.unpriced else round(self.priced, 6),
            "priced_usd": round(self.priced, 6),
            "unpriced": dict(self.unpriced),
            "errors": dict(self.errors.most_common()),
        }


def summary(sessions: Sessions, prices: Prices) -> dict[str, Any]:
    """What ``rt-fast report --json`` says of the sessions (but the logs' counts and rejected
    lines, which the caller knows); its ``sessions`` are ``Listed``: made when read."""
    listed = Listed(list(sessions.sessions.values()), functools.partial(_session, prices=prices))
    overall = _Overall()
    for session in listed:
        overall.add(session)
    return {"times": sessions.timed, "overall": overall.figures(), "sessions": listed,
            "prices": prices.described()}  # fmt: skip
