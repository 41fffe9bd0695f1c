"""A recorded session as the local server plays it (``rt_fast.server.Recording``): the log's
``session.created`` and each response, from ``response.created`` to ``response.done`` and the
``rate_limits.updated`` after it, as bytes, read through ``rt_fast.map_log``; of a log of
relay records, the first session's server frames.

``Recording.load`` refuses a log it cannot play (a beta or missing ``session.created``, no
response, a line that does not decode, a frame only the other protocol has: GA's in a Live
session, Live's in a GA one; a plain log's session ends where one of the other protocol
opens) with a ``ValueError`` in one line naming the log and line (``DecodeError`` for a bad
line), before any client connects.

A GPT-Live log (its session opens with ``session.started``, not ``session.created``) is a
Live recording (``protocol`` ``"live"``): its ``session.started`` answers a client's
``session.start``, and its turns are the server's frames of each user turn, from the first
``session.input_transcript.delta`` of one to the first of the next (or ``session.closed``):
the transcript, what the model delegated, said and played, and the usage report. Live has
no response boundaries; a user's turn is what the server sends one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from . import ga, live
from ._audio import peek_type
from ._codec import GENERATIONS
from ._decoders import decode
from ._errors import DecodeError
from ._jsonl import LogBatch, map_log
from ._protocol import tags
from ._script import Replay, Turn
from ._sources import Source, logs_of

__all__ = ["Recording"]

_CLIENT_TAGS = tags("CLIENT_EVENTS")  # every generation's, as the sockets refuse them
_SESSIONS: dict[str, dict[str, type]] = {
    "ga": {"session.created": ga.SessionCreatedEvent, "session.updated": ga.SessionUpdatedEvent},
    "live": {"session.started": live.SessionStartedEvent,
             "session.updated": live.SessionUpdatedEvent},
}  # fmt: skip
_OPENS = {"session.created": "ga", "session.started": "live"}  # a session's first frame: whose
_LIVE_TURN = "session.input_transcript.delta"  # what starts a Live turn
_LIVE_SESSION = frozenset({"session.started", "session.updated", "session.closed"})
_REALTIME = frozenset(t for g, gen in GENERATIONS.items() if g != "live" for t in gen.SERVER_EVENTS)
_FOREIGN = {"ga": frozenset(live.SERVER_EVENTS) - _REALTIME,
            "live": _REALTIME - frozenset(live.SERVER_EVENTS)}  # fmt: skip
"""The server types only the other protocol has: a session holding one is refused (its client
would get a frame it cannot read, as the SDK's Live client misreads a GA one)."""
_KINDS = {"ga": "a Realtime", "live": "a GPT-Live"}


def _server_frames(batch: LogBatch) -> list[tuple[str, bytes, int, str | None]]:
    """The (type, bytes, line number, session) of a chunk's server frames (run where it was
    decoded): a relay record's frame as it crossed the socket, with its session; a plain
    line's, with None."""
    frames = []
    lines = zip(batch.raw_frames(), batch.numbers(), batch.records(), strict=True)
    for frame, number, record in lines:
        tag = peek_type(frame)
        if record is not None and record.direction != "server":
            continue
        if tag not in _CLIENT_TAGS:
            frames.append((tag, frame, number, None if record is None else record.session))
    return frames


def _session_frame(
    name: str, tag: str, frames: list[tuple[str, bytes, int]], protocol: str
) -> bytes | None:
    """The log's first ``tag`` frame (``session.created``, ``.started``, ``.updated``), if
    ``protocol``'s, else ``ValueError`` naming its line."""
    raw, number = next(((raw, n) for t, raw, n in frames if t == tag), (None, 0))
    if raw is not None:
        try:
            decode(raw, type=_SESSIONS[protocol][tag])
        except DecodeError as exc:
            kind = "a GA" if protocol == "ga" else "a Live"
            raise ValueError(f"{name}, line {number}: the {tag} is not {kind} one ({exc}); "
                             "rt-fast serve plays GA and Live sessions") from None  # fmt: skip
    return raw


@dataclass(frozen=True)
class Recording:
    """The frames a server plays, taken from a session log by ``Recording.load``.

    A script whose turns are the log's responses, in order, again from the first after the
    last; each connection starts from the first. The frames are sent with their bytes
    unchanged.

    Attributes:
        created: The log's first ``session.created`` frame (a Live log's ``session.started``).
        updated: Its first ``session.updated`` frame, or None.
        responses: Each response's frames, from ``response.created`` to ``response.done``
            and the ``rate_limits.updated`` right after it (a Live log's: each user turn's
            frames).
        protocol: The log's generation: ``"ga"`` or ``"live"``.
    """

    created: bytes
    updated: bytes | None
    responses: tuple[tuple[bytes, ...], ...]
    protocol: str = "ga"

    @classmethod
    def load(cls, log: Source | None = None) -> Recording:
        """Read the recording of a session log: a plain frame-per-line log or a relay's record.

        Of a record, the first session's frames are taken.

        Args:
            log: A path or binary file object (plain, gzip or zstd); None: the bundled
                sample session.

        Returns:
            Its first ``session.created`` and ``session.updated``, and every response.

        Raises:
            ValueError: The log cannot be played (a beta or missing ``session.created``, no
                response, a line that does not decode), in one line naming the log and line.
            OSError: The log cannot be read.
        """
        if log is None:
            sample = resources.files("rt_fast").joinpath("data").joinpath("sample_session.jsonl.gz")
            with sample.open("rb") as opened:
                return cls.load(opened)
        every = [frame for chunk in map_log(log, _server_frames) for frame in chunk]
        first = next((f[3] for f in every), None)  # a record's session: the first one's frames
        frames = [(t, raw, n) for t, raw, n, session in every if session == first]
        name = logs_of(log)[0].name
        opening = next((t for t, _, _ in frames if t in _OPENS), "session.created")
        protocol = _OPENS[opening]
        created = _session_frame(name, opening, frames, protocol)
        if created is None:
            raise ValueError(f"{name}: no session.created (or GPT-Live's session.started) to play")
        other = next((i for i, f in enumerate(frames) if _OPENS.get(f[0], protocol) != protocol),
                     len(frames))  # fmt: skip
        frames = frames[:other]  # a plain log's session ends where one of the other opens
        updated = _session_frame(name, "session.updated", frames, protocol)
        for tag, _, number in frames:
            if tag in _FOREIGN[protocol]:
                raise ValueError(f"{name}, line {number}: a {tag} frame in {_KINDS[protocol]} "
                                 "session; rt-fast serve plays one protocol's")  # fmt: skip
        turns = _live_turns if protocol == "live" else _responses
        responses = tuple(turns((t, raw) for t, raw, _ in frames))
        if not responses:
            raise ValueError(f"{name}: no {_NOTHING[protocol]}")
        return cls(created, updated, responses, protocol)

    def turns(self) -> Callable[[], Turn | None]:
        """A connection's source of turns, starting from the first response.

        Returns:
            A function that gives the next response as a ``Replay`` (``None`` if the
            recording holds none), again from the first after the last.
        """
        cycle = itertools.cycle(Replay(frames) for frames in self.responses)
        return lambda: next(cycle, None)


_NOTHING = {
    "ga": "response to play (none runs from response.created to response.done)",
    "live": "turn to play (no session.input_transcript.delta)",
}


def _live_turns(frames: Iterable[tuple[str, bytes]]) -> Iterator[tuple[bytes, ...]]:
    """Each user turn's server frames: from a ``session.input_transcript.delta`` that follows
    other frames to the next such one, the session's own frames left out."""
    current: list[bytes] | None = None
    last = ""
    for tag, raw in frames:
        if tag == _LIVE_TURN and last != _LIVE_TURN:
            if current:
                yield tuple(current)
            current = []
        if tag == "session.closed":
            break
        if current is not None and tag not in _LIVE_SESSION:
            current.append(raw)
        last = tag
    if current:
        yield tuple(current)


def _responses(frames: Iterable[tuple[str, bytes]]) -> Iterator[tuple[bytes, ...]]:
    """Each ``response.created`` .. ``response.done`` run of frames, with the
    ``rate_limits.updated`` frames right after it."""
    current: list[bytes] | None = None
    done: list[bytes] | None = None
    for tag, raw in frames:
        if done is not None:
            if tag == "rate_limits.updated":
                done.append(raw)
                continue
            yield tuple(done)
            done = None
        if tag == "response.created":
            current = [raw]
        elif current is not None:
            current.append(raw)
            if tag == "response.done":
                done, current = current, None
    if done is not None:
        yield tuple(done)
