"""A recorded session as the local server plays it (``rt_fast.server.Recording``): the log's
``session.created`` and each response, from ``response.created`` to ``response.done`` and the
``rate_limits.updated`` after it, as bytes, read through ``rt_fast.map_log``; of a log of
relay records, the first session's server frames.

``Recording.load`` refuses a log it cannot play (a beta or missing ``session.created``, no
response, a line that does not decode) with a ``ValueError`` in one line naming the log and
line (``DecodeError`` for a bad line), before any client connects.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from . import ga
from ._audio import peek_type
from ._codec import decode
from ._errors import DecodeError
from ._jsonl import LogBatch, map_log
from ._protocol import tags
from ._script import Replay, Turn
from ._sources import Source, logs_of

__all__ = ["Recording"]

_CLIENT_TAGS = tags("CLIENT_EVENTS")  # every generation's, as the sockets refuse them
_SESSIONS = {"session.created": ga.SessionCreatedEvent, "session.updated": ga.SessionUpdatedEvent}


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


def _session_frame(name: str, tag: str, frames: list[tuple[str, bytes, int]]) -> bytes | None:
    """The log's first ``tag`` frame (``session.created``, ``.updated``), if GA's, else
    ``ValueError`` naming its line."""
    raw, number = next(((raw, n) for t, raw, n in frames if t == tag), (None, 0))
    if raw is not None:
        try:
            decode(raw, type=_SESSIONS[tag])
        except DecodeError as exc:
            raise ValueError(f"{name}, line {number}: the {tag} is not a GA one ({exc}); "
                             "rt-fast serve plays GA sessions") from None  # fmt: skip
    return raw


@dataclass(frozen=True)
class Recording:
    """The frames a server plays, taken from a session log by ``Recording.load``.

    A script whose turns are the log's responses, in order, again from the first after the
    last; each connection starts from the first. The frames are sent with their bytes
    unchanged.

    Attributes:
        created: The log's first ``session.created`` frame.
        updated: Its first ``session.updated`` frame, or None.
        responses: Each response's frames, from ``response.created`` to ``response.done``
            and the ``rate_limits.updated`` right after it.
    """

    created: bytes
    updated: bytes | None
    responses: tuple[tuple[bytes, ...], ...]

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
        created = _session_frame(name, "session.created", frames)
        if created is None:
            raise ValueError(f"{name}: no session.created frame to play")
        updated = _session_frame(name, "session.updated", frames)
        responses = tuple(_responses((t, raw) for t, raw, _ in frames))
        if not responses:
            raise ValueError(f"{name}: no response to play (none runs from response.created "
                             "to response.done)")  # fmt: skip
        return cls(created, updated, responses)

    def turns(self) -> Callable[[], Turn | None]:
        """A connection's source of turns, starting from the first response.

        Returns:
            A function that gives the next response as a ``Replay`` (``None`` if the
            recording holds none), again from the first after the last.
        """
        cycle = itertools.cycle(Replay(frames) for frames in self.responses)
        return lambda: next(cycle, None)


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
