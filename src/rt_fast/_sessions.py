"""Sessions and turns: the fold behind ``rt-fast report`` and ``rt_fast.dask.report``.

A log becomes a ``Trace`` a batch (``trace``, run where the batch was decoded): the few facts
the report needs, in log order, as small tuples, each with its frame's arrival time and session
when it came in a record (``rt_fast._record``), else None. Output audio is one fact a response a
batch (its bytes summed), microphone audio one a session a batch. Traces of consecutive batches
join by concatenation (``combine``), so a session that spans chunks, processes or Dask tasks
comes out exactly as if one process had read the log: ``Sessions`` replays the facts in log
order and splits them into sessions and turns.

A session is a record's session; in a plain log (no session ids, no times), the frames from a
``session.created`` (Live: ``session.started``) to the next, a log's frames before its first
start being a session of their own. A turn starts when the user speaks
(``input_audio_buffer.speech_started``), adds a message (a client ``conversation.item.create``
of a user message), or when a response is created with no turn waiting for it; the responses
created until the next turn starts are the turn's, tool calls and their follow-ups included.
What is measured of them is ``rt_fast._figures``'s, defined in ``docs/report.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import msgspec

from ._audio import pcm_bytes
from ._jsonl import LogBatch
from ._models import UNSET, UnknownEvent
from ._stats import LIVE_USAGE, flat, formats, number, tag

__all__ = ["Session", "Sessions", "Tool", "Trace", "Turn", "combine", "trace"]

_DEFAULT_RATE = 48000  # bytes of audio a second until a session names its format: PCM16, 24 kHz


class Trace(NamedTuple):
    """The facts of consecutive batches of one log; ``starts_log``: the first is the log's."""

    starts_log: bool
    facts: list[Any]


# -- the facts of a batch -----------------------------------------------------------------------


class _Batch:
    """What ``trace`` keeps while it reads a batch."""

    __slots__ = ("facts", "inputs", "outputs", "texts")

    def __init__(self) -> None:
        self.facts: list[Any] = []
        self.inputs: dict[str | None, list[Any]] = {}  # session -> its microphone fact
        self.outputs: dict[tuple[str | None, str], list[Any]] = {}  # (session, response) -> fact
        self.texts: set[tuple[str | None, str]] = set()


def _payload(frame: Any, field: str, size: int | None) -> int:
    return size if size is not None else pcm_bytes(getattr(frame, field))


def _on_input(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, size: Any) -> None:
    fact = into.inputs.get(s)
    if fact is None:
        fact = into.inputs[s] = ["in", t, s, 0]
        into.facts.append(fact)
    fact[1] = t if t is not None else fact[1]
    fact[3] += _payload(frame, "audio", size)


def _on_output(
    into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, size: Any
) -> None:
    response = getattr(frame, "response_id", "")
    fact = into.outputs.get((s, response))
    if fact is None:  # out, first time, session, response, item, bytes, last time
        fact = into.outputs[s, response] = [
            "out",
            t,
            s,
            response,
            getattr(frame, "item_id", ""),
            0,
            t,
        ]
        into.facts.append(fact)
    fact[5] += _payload(frame, "delta", size)
    fact[6] = t


def _on_text(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    key = (s, frame.response_id)
    if key not in into.texts:
        into.texts.add(key)
        into.facts.append(("text", t, s, frame.response_id))


def _model(session: Any) -> str | None:
    model = getattr(session, "model", None)
    return model if isinstance(model, str) else None


def _on_session(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    session = frame.session if frame.session is not UNSET else None
    config = msgspec.to_builtins(session) if session is not None else {}
    config = config if isinstance(config, dict) else {}
    if kind in _STARTS:
        if s is None:  # a plain log: a new session; audio and text so far are the last's
            into.inputs.pop(None, None)  # (its responses' ids may be the next's again)
            into.outputs = {key: fact for key, fact in into.outputs.items() if key[0] is not None}
            into.texts = {key for key in into.texts if key[0] is not None}
        generation = type(frame).__module__.split(".")[1]
        into.facts.append(("start", t, s, config.get("id"), generation))
    into.facts.append(("config", t, s, formats(config), _model(session)))


_STARTS = ("session.created", "session.started")


def _on_speech(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    into.facts.append(
        ("speech_started", t, s, frame.audio_start_ms)
        if kind == "input_audio_buffer.speech_started"
        else ("speech_stopped", t, s, frame.audio_end_ms)
    )


def _on_item(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    if not isinstance(frame.item, msgspec.Struct):
        return
    item: Any = frame.item
    item_type = tag(item) or getattr(item, "type", None)  # beta's items are untagged
    if item_type == "function_call_output":
        into.facts.append(("tool_output", t, s, item.call_id))
    elif item_type == "message" and getattr(item, "role", None) == "user":
        into.facts.append(("user_item", t, s))


def _on_response(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    response = frame.response
    if kind == "response.created":
        into.facts.append(("created", t, s, response.id))
        return
    usage = response.usage
    tokens: Counter[str] = Counter()
    if isinstance(usage, msgspec.Struct):
        flat("", msgspec.to_builtins(usage), tokens)
    into.facts.append(("done", t, s, response.id, response.status, dict(tokens)))


def _on_call(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    name = getattr(frame, "name", None)  # beta's may be unset
    into.facts.append(("tool_call", t, s, frame.response_id, frame.call_id,
                       name if isinstance(name, str) else None))  # fmt: skip


def _on_cut(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    """A truncation (of the item's audio at ``audio_end_ms``), a cancel, a cleared buffer."""
    if kind.startswith("conversation.item.truncate"):
        into.facts.append(("truncated", t, s, frame.item_id, frame.audio_end_ms))
    else:
        into.facts.append(("cut", t, s, kind))


def _on_playback(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    into.facts.append(("playing", t, s, kind == "output_audio_buffer.started"))


def _on_error(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    error = getattr(frame, "error", None)
    code = getattr(error, "code", None) or getattr(error, "type", None)
    into.facts.append(("error", t, s, code if isinstance(code, str) else "unknown"))


def _on_usage(into: _Batch, frame: Any, kind: str, t: int | None, s: str | None, _: Any) -> None:
    usage = getattr(frame, "usage", None)
    if usage is None:  # translation's session.closed carries none
        return
    figures = msgspec.to_builtins(usage)
    seconds = {k: v for k, v in figures.items() if k in LIVE_USAGE and number(v)}
    into.facts.append(("usage", t, s, seconds))


_Handler = Callable[[_Batch, Any, str, "int | None", "str | None", Any], None]
_INPUTS = ("input_audio_buffer.append", "session.input_audio.append",
           "session.input_audio_buffer.append")  # fmt: skip
_OUTPUTS = ("response.output_audio.delta", "response.audio.delta", "session.output_audio.delta")
_TEXTS = ("response.output_audio_transcript.delta", "response.output_text.delta",
          "response.audio_transcript.delta", "response.text.delta")  # fmt: skip
_CONFIGS = ("session.created", "session.started", "session.updated", "session.update",
            "transcription_session.updated", "transcription_session.update")  # fmt: skip
_SPEECH = ("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped")
_CUTS = ("conversation.item.truncated", "conversation.item.truncate", "response.cancel",
         "output_audio_buffer.cleared", "output_audio_buffer.clear")  # fmt: skip
_HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(_INPUTS, _on_input),
    **dict.fromkeys(_OUTPUTS, _on_output),
    **dict.fromkeys(_TEXTS, _on_text),
    **dict.fromkeys(_CONFIGS, _on_session),
    **dict.fromkeys(_SPEECH, _on_speech),
    **dict.fromkeys(_CUTS, _on_cut),
    "conversation.item.create": _on_item,
    "response.created": _on_response,
    "response.done": _on_response,
    "response.function_call_arguments.done": _on_call,
    "output_audio_buffer.started": _on_playback,
    "output_audio_buffer.stopped": _on_playback,
    "error": _on_error,
    "session.usage.updated": _on_usage,
    "session.closed": _on_usage,
}


def trace(batch: LogBatch) -> Trace:
    """The facts of a batch (run where it was decoded: here, a worker process, a Dask worker)."""
    into, handlers = _Batch(), _HANDLERS
    pcm = batch._pcm or {}
    records = batch.records() if batch._records else None
    for index, frame in enumerate(batch.frames):
        kind = tag(frame)
        handler = handlers.get(kind)
        if handler is None or frame.__class__ is UnknownEvent:
            continue
        record = records[index] if records is not None else None
        if record is None:
            handler(into, frame, kind, None, None, pcm.get(index))
        else:
            handler(into, frame, kind, record.time_us, record.session, pcm.get(index))
    facts = into.facts
    return Trace(batch.offset == 0, [tuple(f) if f.__class__ is list else f for f in facts])


def combine(traces: list[Trace]) -> Trace:
    """The traces of consecutive batches of one log as one (in a worker, before they travel)."""
    return Trace(traces[0].starts_log, [fact for part in traces for fact in part.facts])


# -- sessions and turns, from the facts in log order ------------------------------------------


class Tool:
    """A tool call: when its arguments were done, its output sent, the next response created."""

    __slots__ = ("call_id", "called", "name", "next", "output", "turn")

    def __init__(self, call_id: str, name: str | None, called: int | None, turn: Turn) -> None:
        self.call_id, self.name, self.called, self.turn = call_id, name, called, turn
        self.output: int | None = None
        self.next: int | None = None


class Turn:
    """One user input (speech, a message, or none: a response no input waited for) and the
    responses it caused. Times are arrival times in microseconds, None where not known.
    Containers are made when first needed (None until then)."""

    __slots__ = ("audio_out", "cancelled", "created", "done", "first_audio", "first_text",
                 "index", "interrupted", "interrupted_at_ms", "interrupted_t", "kind", "lost",
                 "open", "pending", "responses", "speech_end", "speech_start", "start", "tools",
                 "trigger", "truncated", "waiting")  # fmt: skip

    def __init__(self, index: int, kind: str, t: int | None) -> None:
        self.index, self.kind, self.start, self.trigger = index, kind, t, t
        self.speech_start: int | None = None  # audio_start_ms
        self.speech_end: int | None = None  # audio_end_ms
        self.responses = 0  # created
        self.open: set[str] | None = None  # responses created and not done
        self.created: int | None = None
        self.done: int | None = None
        self.first_audio: int | None = None
        self.first_text: int | None = None
        self.audio_out = 0.0  # seconds
        self.interrupted = self.cancelled = self.truncated = False
        self.interrupted_at_ms: int | None = None
        self.interrupted_t: int | None = None  # when the interruption was seen
        self.lost: dict[str, float] | None = None  # output item truncated -> seconds unplayed
        self.tools: list[Tool] | None = None
        self.pending: list[Tool] | None = None  # output sent, no response created since
        self.waiting = False  # a tool's output was sent: the next response is this turn's


class Session:
    """A session: its turns, responses' tokens, Live usage, errors and audio. Its containers
    are made when first needed (None until then): a fleet's log holds many sessions that never
    speak, and each holds no more than its key, its id and a few figures."""

    __slots__ = ("audio_in", "audio_out", "by_response", "calls", "errors", "facts", "first",
                 "generation", "id", "items", "key", "last", "live", "model", "playing", "rate",
                 "responding", "turns", "usage")  # fmt: skip

    def __init__(self, key: str, t: int | None) -> None:
        self.key, self.first, self.last = key, t, t
        self.id: str | None = None  # the API's
        self.model: str | None = None
        self.generation: str | None = None
        self.rate: dict[str, int] | None = None  # direction -> bytes a second; None: default
        self.turns: list[Turn] | None = None
        self.by_response: dict[str, Turn] | None = None
        self.items: dict[str, tuple[Turn, float]] | None = None  # output item -> turn, seconds
        self.calls: dict[str, Tool] | None = None
        self.audio_in = self.audio_out = 0.0
        self.usage: list[tuple[str | None, dict[str, int]]] | None = None  # model, tokens
        self.live: dict[str, float] | None = None  # the last Live usage report
        self.errors: Counter[str] | None = None
        self.playing = False  # output_audio_buffer.started and not yet stopped or cleared
        self.responding: Turn | None = None  # the turn of the last response created
        self.facts = 0

    def rate_of(self, direction: str) -> int:
        return self.rate.get(direction, _DEFAULT_RATE) if self.rate else _DEFAULT_RATE

    def last_turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def new_turn(self, kind: str, t: int | None) -> Turn:
        if self.turns is None:
            self.turns = []
        turn = Turn(len(self.turns), kind, t)
        self.turns.append(turn)
        return turn

    def turn_of(self, response: str) -> Turn | None:
        found = self.by_response.get(response) if self.by_response else None
        return found or self.last_turn()


class Sessions:
    """Traces replayed in log order into sessions (``add`` each log's traces in order)."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.logs = 0
        self.timed = False  # some frame came in a record, with its arrival time
        self._plain: Session | None = None  # a plain log's session in force
        self._count = 0  # sessions of the log being read

    def add(self, part: Trace) -> None:
        if part.starts_log:
            self.logs, self._plain, self._count = self.logs + 1, None, 0
        for fact in part.facts:
            kind, t = fact[0], fact[1]
            session = self._session(kind, t, fact[2])
            session.facts += 1
            if t is not None:
                self.timed = True
                session.first = t if session.first is None else min(session.first, t)
                session.last = t if session.last is None else max(session.last, t)
            _REPLAY[kind](session, fact)

    def _session(self, kind: str, t: int | None, key: str | None) -> Session:
        if key is not None:  # a record's session
            session = self.sessions.get(key)
            if session is None:
                session = self.sessions[key] = Session(key, t)
            return session
        plain = self._plain
        if plain is None or (kind == "start" and plain.facts):
            self._count += 1
            name = f"log {self.logs} session {self._count}"
            plain = self._plain = self.sessions[name] = Session(name, t)
        return plain


def _start(session: Session, fact: Any) -> None:
    session.id = fact[3] if isinstance(fact[3], str) else session.id
    session.generation = fact[4]


def _config(session: Session, fact: Any) -> None:
    if fact[3]:
        session.rate = {**(session.rate or {}), **fact[3]}
    session.model = fact[4] or session.model


def _input(session: Session, fact: Any) -> None:
    session.audio_in += fact[3] / session.rate_of("client")


def _still_playing(session: Session, turn: Turn | None, t: int | None) -> bool:
    """Whether the model was speaking at ``t``: a response in progress, the client's buffer
    playing (WebRTC), or, with times, audio not yet played out at one second a second from its
    first delta."""
    if turn is None:
        return False
    if turn.open or session.playing:
        return True
    played = turn.first_audio is not None and t is not None
    return played and t < turn.first_audio + turn.audio_out * 1e6  # type: ignore[operator]


def _speech_started(session: Session, fact: Any) -> None:
    turn = session.last_turn()
    if turn is not None and turn.responses and _still_playing(session, turn, fact[1]):
        turn.interrupted, turn.interrupted_at_ms = True, fact[3]
        turn.interrupted_t = turn.interrupted_t or fact[1]
    turn = session.new_turn("speech", fact[1])
    turn.speech_start, turn.trigger = fact[3], None


def _speech_stopped(session: Session, fact: Any) -> None:
    turn = session.last_turn()
    if turn is None or turn.kind != "speech" or turn.speech_end is not None or turn.responses:
        turn = session.new_turn("speech", fact[1])  # its start is not in the log
    turn.speech_end, turn.trigger = fact[3], fact[1]


def _user_item(session: Session, fact: Any) -> None:
    session.new_turn("text", fact[1])


def _created(session: Session, fact: Any) -> None:
    t, response = fact[1], fact[3]
    turn = session.last_turn()
    if turn is None or (turn.responses and not turn.waiting):
        turn = session.new_turn("response", t)
    for tool in turn.pending or ():
        tool.next = t if tool.next is None else tool.next
    turn.pending, turn.waiting = None, False
    turn.responses += 1
    turn.open = turn.open or set()
    turn.open.add(response)
    turn.created = t if turn.created is None else turn.created
    if session.by_response is None:
        session.by_response = {}
    session.by_response[response] = session.responding = turn


def _text(session: Session, fact: Any) -> None:
    turn = session.turn_of(fact[3])
    if turn is not None and fact[1] is not None:
        turn.first_text = fact[1] if turn.first_text is None else min(turn.first_text, fact[1])


def _output(session: Session, fact: Any) -> None:
    _, first, _, response, item, size, _ = fact
    seconds = size / session.rate_of("server")
    session.audio_out += seconds
    turn = session.by_response.get(response) if response and session.by_response else None
    if turn is None:  # Live and translation audio belongs to no response
        return
    turn.audio_out += seconds
    if first is not None:
        turn.first_audio = first if turn.first_audio is None else min(turn.first_audio, first)
    if item:
        items = session.items = session.items or {}
        items[item] = (turn, items.get(item, (turn, 0.0))[1] + seconds)


def _done(session: Session, fact: Any) -> None:
    _, t, _, response, status, tokens = fact
    session.usage = session.usage or []
    session.usage.append((session.model, tokens))
    turn = session.by_response.get(response) if session.by_response else None
    if turn is None:
        return
    if turn.open:
        turn.open.discard(response)
    turn.done = t if turn.done is None or t is None else max(turn.done, t)
    if status == "cancelled":
        turn.cancelled = turn.interrupted = True
        turn.interrupted_t = turn.interrupted_t or t


def _tool_call(session: Session, fact: Any) -> None:
    _, t, _, response, call_id, name = fact
    turn = session.turn_of(response)
    if turn is not None:
        session.calls = session.calls or {}
        tool = session.calls[call_id] = Tool(call_id, name, t, turn)
        turn.tools = turn.tools or []
        turn.tools.append(tool)


def _tool_output(session: Session, fact: Any) -> None:
    tool = session.calls.get(fact[3]) if session.calls else None
    turn = session.last_turn()
    if tool is not None:
        tool.output = fact[1]
        if tool.turn is turn and turn is not None:
            turn.pending = turn.pending or []
            turn.pending.append(tool)
            turn.waiting = True


def _truncated(session: Session, fact: Any) -> None:
    _, _, _, item, played_ms = fact
    turn, seconds = (session.items or {}).get(item, (session.responding, None))
    if turn is None:
        return
    turn.truncated = turn.interrupted = True
    turn.interrupted_t = turn.interrupted_t or fact[1]
    if seconds is not None and isinstance(
        played_ms, int
    ):  # never less than none, nor more than all
        turn.lost = turn.lost or {}
        turn.lost[item] = min(seconds, max(0.0, seconds - played_ms / 1000))


def _cut(session: Session, fact: Any) -> None:
    """A cancel or a cleared buffer: the last response's turn was interrupted."""
    turn = session.responding
    if fact[3].startswith("output_audio_buffer."):
        session.playing = False
    if turn is None:
        return
    turn.interrupted = True
    turn.interrupted_t = turn.interrupted_t or fact[1]
    if fact[3] == "response.cancel":
        turn.cancelled = True


def _playing(session: Session, fact: Any) -> None:
    session.playing = fact[3]


def _error(session: Session, fact: Any) -> None:
    session.errors = session.errors or Counter()
    session.errors[fact[3]] += 1


def _usage(session: Session, fact: Any) -> None:
    session.live = fact[3]


_REPLAY: dict[str, Callable[[Session, Any], None]] = {
    "start": _start,
    "config": _config,
    "in": _input,
    "speech_started": _speech_started,
    "speech_stopped": _speech_stopped,
    "user_item": _user_item,
    "created": _created,
    "text": _text,
    "out": _output,
    "done": _done,
    "tool_call": _tool_call,
    "tool_output": _tool_output,
    "truncated": _truncated,
    "cut": _cut,
    "playing": _playing,
    "error": _error,
    "usage": _usage,
}
