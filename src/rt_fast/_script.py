"""What the local server's "model" says: a script of turns, and the frames of each response.

A ``Script`` is a queue of turns that ``rt_fast.server`` takes one per response, in order, for
every connection it serves (a script shared by two connections is shared, turn by turn); once
it runs out, each response is ``otherwise`` (by default ``Say("OK.")``; ``None``: the API's
``error`` event instead). A test may add turns while the server runs. A turn is:

* ``Say(text)``: a message, as text or as audio with its transcript, as the response's
  ``output_modalities`` ask; its audio is silence in the session's output format, ``audio_ms``
  long (by default ``MS_PER_CHARACTER`` a character of the text), sent in 100 ms deltas;
* ``Call(name, arguments)``: a function call; the response ends there, and the server waits,
  as the API does, for the client's ``function_call_output`` item and its ``response.create``;
* ``Respond(Say(..), Call(..), ...)``: several outputs in one response (the API says a few
  words before a call);
* ``Fail(message, code)``: the API's ``error`` event instead of a response;
* ``Close(code, reason)``: the connection closed by the server;
* every turn has a ``delay``: seconds before its first output (after ``response.created``, so
  that a cancel can land in it), or before the error or the close.

``Script.hear(text, ...)`` queues what input transcription says the user said, one per
committed user turn (``"..."`` once they run out). A recorded log is a script too
(``rt_fast.server.Recording``): its responses replayed, bytes unchanged.

``Reply`` makes a response's frames, the API's event flow as the recorded corpus shows it:
``response.created``, per output ``response.output_item.added`` and ``conversation.item.added``
(unless out of band), the content part, the deltas, their ``.done`` events, the item's
``conversation.item.done`` and ``response.output_item.done``, then ``response.done`` and
``rate_limits.updated``. Token counts are stand-ins (a token per 4 characters, 10 a second of
audio), and so are the rate limits: the API's own figures are unknowable here.
"""

from __future__ import annotations

import base64
import json
import random
import string
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from ._state import dig

__all__ = [
    "MS_PER_CHARACTER",
    "Call",
    "Close",
    "Fail",
    "Ids",
    "Reply",
    "Replay",
    "Respond",
    "Say",
    "Script",
    "Turn",
    "audio_chunks",
    "words",
]

MS_PER_CHARACTER = 60
"""Audio a character of a reply's text lasts, by default (about 16 characters a second)."""

_PCM_FORMAT = {"type": "audio/pcm", "rate": 24000}
_CHUNK_MS = 100  # the audio of one response.output_audio.delta
_SILENCE = {"audio/pcm": b"\x00\x00", "audio/pcmu": b"\xff", "audio/pcma": b"\xd5"}
_BYTES_A_MS = {"audio/pcm": 48, "audio/pcmu": 8, "audio/pcma": 8}


@dataclass(frozen=True)
class Say:
    """A message: its text, and as audio, silence with the text as its transcript.

    The response's ``output_modalities`` say which the client gets.

    Attributes:
        text: What the model says.
        audio_ms: How long its audio lasts, in milliseconds; None: ``MS_PER_CHARACTER`` a
            character of ``text``.
    """

    text: str
    audio_ms: int | None = None


@dataclass(frozen=True)
class Call:
    """A function call; the response ends there, and the server waits for its output.

    Attributes:
        name: The function's name.
        arguments: The call's arguments: a JSON string, or data to encode as one.
        call_id: The call's id; None: a fresh one.

    Raises:
        TypeError: ``arguments`` is data JSON cannot encode.
    """

    name: str
    arguments: Any = field(default_factory=dict)
    call_id: str | None = None

    def __post_init__(self) -> None:
        self.arguments_json()  # arguments JSON cannot encode: a TypeError now, not mid-session

    def arguments_json(self) -> str:
        """The arguments as the call's JSON string.

        Returns:
            ``arguments`` if it is a string, else its compact JSON.
        """
        args = self.arguments
        return args if isinstance(args, str) else json.dumps(args, separators=(",", ":"))


Output = Union[Say, Call]
Json = dict[str, Any]


@dataclass(frozen=True)
class Respond:
    """A response of several outputs, in order (a few words, then a call).

    Attributes:
        outputs: The ``Say`` and ``Call`` outputs.
        delay: Seconds before the first output (after ``response.created``, so that a cancel
            can land in it).
    """

    outputs: tuple[Output, ...]
    delay: float = 0.0


@dataclass(frozen=True)
class Fail:
    """The API's ``error`` event instead of a response.

    Attributes:
        message: The error's message.
        code: The error's code, or None.
        type: The error's type.
        delay: Seconds before the error is sent.
    """

    message: str
    code: str | None = None
    type: str = "invalid_request_error"
    delay: float = 0.0


@dataclass(frozen=True)
class Close:
    """The server closes the connection with ``code`` and ``reason``.

    Attributes:
        code: The close code: 1000 to 1014 (but 1004 to 1006) or 3000 to 4999.
        reason: The close reason, at most 123 bytes of UTF-8.
        delay: Seconds before the close.

    Raises:
        ValueError: A code or reason a websocket server cannot send (RFC 6455 7.4).
    """

    code: int = 1000
    reason: str = ""
    delay: float = 0.0

    def __post_init__(self) -> None:
        """``ValueError`` for a close a websocket cannot send (RFC 6455 7.4)."""
        if not ((1000 <= self.code <= 1014 and self.code not in (1004, 1005, 1006))
                or 3000 <= self.code <= 4999):  # fmt: skip
            raise ValueError(f"{self.code} is not a close code a server may send")
        if len(self.reason.encode()) > 123:
            raise ValueError("a close reason is at most 123 bytes of UTF-8")


@dataclass(frozen=True)
class Replay:
    """A recorded response's frames, sent as they are (``Recording`` makes these).

    Attributes:
        frames: The response's frames, bytes unchanged.
        delay: Seconds before the first frame.
    """

    frames: tuple[bytes, ...]
    delay: float = 0.0


Turn = Union[Respond, Fail, Close, Replay]


class Script:
    """The turns the server's "model" plays, in order, one per response.

    A script shared by connections is shared turn by turn; a test may add turns while the
    server runs (a script is thread-safe). The methods that queue a turn return the script, to
    chain calls.

    Args:
        *turns: The turns: ``Say``, ``Call``, ``Respond``, ``Fail``, ``Close`` or ``Replay``
            (an output alone is a response of that output).
        otherwise: The turn of each response once the queue is empty; None: the API's
            ``error`` event instead.

    Attributes:
        otherwise: The turn once the queue is empty, or None.

    Examples:
        >>> script = rt_fast.server.Script().say("Hello!").call("lookup", {"id": 7})
        >>> len(script)
        2
    """

    def __init__(self, *turns: Turn | Output, otherwise: Turn | Output | None = Say("OK.")) -> None:
        self._turns: deque[Turn] = deque(_turn(t) for t in turns)
        self._heard: deque[str] = deque()
        self._lock = threading.Lock()  # tests fill a script from another thread
        self.otherwise = None if otherwise is None else _turn(otherwise)

    def add(self, turn: Turn | Output) -> Script:
        """Queue a turn.

        Args:
            turn: The turn, or an output (a response of that output).

        Returns:
            The script, to chain calls.
        """
        with self._lock:
            self._turns.append(_turn(turn))
        return self

    def say(self, text: str, *, audio_ms: int | None = None, delay: float = 0.0) -> Script:
        """Queue a response that says ``text`` (``Say``).

        Args:
            text: What the model says.
            audio_ms: How long its audio lasts; None: by the text's length.
            delay: Seconds before the first output (after ``response.created``, so that a cancel
                can land in it).

        Returns:
            The script, to chain calls.
        """
        return self.add(Respond((Say(text, audio_ms),), delay))

    def call(self, name: str, arguments: Any = None, *, call_id: str | None = None,
             delay: float = 0.0) -> Script:  # fmt: skip
        """Queue a response that calls a function (``Call``).

        Args:
            name: The function's name.
            arguments: Its arguments: a JSON string, or data to encode as one (None: ``{}``).
            call_id: The call's id; None: a fresh one.
            delay: Seconds before the first output (after ``response.created``, so that a cancel
                can land in it).

        Returns:
            The script, to chain calls.

        Raises:
            TypeError: ``arguments`` is data JSON cannot encode.
        """
        return self.add(Respond((Call(name, {} if arguments is None else arguments, call_id),),
                                delay))  # fmt: skip

    def respond(self, *outputs: Output, delay: float = 0.0) -> Script:
        """Queue a response of several outputs, in order (``Respond``).

        Args:
            *outputs: The ``Say`` and ``Call`` outputs.
            delay: Seconds before the first output (after ``response.created``, so that a cancel
                can land in it).

        Returns:
            The script, to chain calls.
        """
        return self.add(Respond(outputs, delay))

    def error(self, message: str, *, code: str | None = None, delay: float = 0.0) -> Script:
        """Queue the API's ``error`` event instead of a response (``Fail``).

        Args:
            message: The error's message.
            code: The error's code, or None.
            delay: Seconds before the error is sent.

        Returns:
            The script, to chain calls.
        """
        return self.add(Fail(message, code, delay=delay))

    def close(self, code: int = 1000, reason: str = "", *, delay: float = 0.0) -> Script:
        """Queue the server's close of the connection instead of a response (``Close``).

        Args:
            code: The close code.
            reason: The close reason.
            delay: Seconds before the close.

        Returns:
            The script, to chain calls.

        Raises:
            ValueError: A code or reason a websocket server cannot send.
        """
        return self.add(Close(code, reason, delay))

    def hear(self, *transcripts: str) -> Script:
        """Queue what input transcription says of the next committed user turns.

        Args:
            *transcripts: One transcript per turn, in order (``"..."`` once they run out).

        Returns:
            The script, to chain calls.
        """
        with self._lock:
            self._heard.extend(transcripts)
        return self

    def next_turn(self) -> Turn | None:
        """Take the next turn from the queue.

        Returns:
            The next turn, or ``otherwise`` once the queue is empty.
        """
        with self._lock:
            return self._turns.popleft() if self._turns else self.otherwise

    def queued(self) -> tuple[Turn, ...]:
        """The turns waiting.

        Returns:
            The turns, in the order they will be played.
        """
        with self._lock:
            return tuple(self._turns)

    def next_transcript(self) -> str:
        """Take the next transcript from the queue.

        Returns:
            The next transcript, or ``"..."`` once they run out.
        """
        with self._lock:
            return self._heard.popleft() if self._heard else "..."

    def __len__(self) -> int:
        return len(self._turns)


def _turn(turn: Turn | Output) -> Turn:
    return Respond((turn,)) if isinstance(turn, (Say, Call)) else turn


_ALNUM = string.ascii_letters + string.digits


class Ids:
    """Fresh ids of one connection, shaped as the API's (``item_`` and 21 characters)."""

    def __init__(self) -> None:
        self._random = random.Random()

    def __call__(self, prefix: str) -> str:
        return prefix + "_" + "".join(self._random.choices(_ALNUM, k=21))


@dataclass
class Reply:
    """One response's frames (dicts, as the SDK's models take them), made as they are sent.

    ``params`` is the ``response.create``'s ``response`` object (as JSON data), ``session`` the
    session it plays in; ``add_item(item) -> previous_item_id`` puts an output item in the
    conversation, or is ``None`` for an out-of-band response (``conversation: "none"``)."""

    outputs: tuple[Output, ...]
    params: dict[str, Any]
    session: dict[str, Any]
    ids: Ids
    add_item: Callable[[dict[str, Any]], str | None] | None
    conversation_id: str | None = None
    response: dict[str, Any] = field(init=False)
    done_items: list[dict[str, Any]] = field(init=False, default_factory=list)
    live_item: dict[str, Any] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        asked = {
            k: v for k, v in (dig(self.params, "audio", "output") or {}).items() if v is not None
        }
        audio = {**(dig(self.session, "audio", "output") or {}), **asked}
        tokens = self.params.get("max_output_tokens", self.session.get("max_output_tokens"))
        self.response = {
            "object": "realtime.response", "id": self.ids("resp"), "status": "in_progress",
            "status_details": None, "output": [],
            "conversation_id": self.conversation_id if self.add_item else None,
            "output_modalities": self.params.get("output_modalities")
            or self.session.get("output_modalities") or ["audio"],
            "max_output_tokens": "inf" if tokens is None else tokens,
            "audio": {"output": {"format": audio.get("format") or _PCM_FORMAT,
                                 "voice": audio.get("voice") or "alloy"}},
            "usage": None, "metadata": self.params.get("metadata"),
        }  # fmt: skip

    @property
    def id(self) -> str:
        return str(self.response["id"])

    @property
    def audio(self) -> bool:
        return "audio" in self.response["output_modalities"]

    def event(self, tag: str, **fields: Any) -> dict[str, Any]:
        return {"type": tag, "event_id": self.ids("event"), **fields}

    def created(self) -> dict[str, Any]:
        return self.event("response.created", response=dict(self.response))

    def frames(self) -> Iterator[tuple[dict[str, Any], float]]:
        """Every frame after ``response.created`` up to ``response.done`` (not included), with
        the seconds of audio each carries."""
        for index, output in enumerate(self.outputs):
            make = self._message if isinstance(output, Say) else self._call
            yield from make(output, index)  # type: ignore[arg-type]

    def _item_events(self, item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
        """``response.output_item.added`` and ``conversation.item.added`` of a new item."""
        self.live_item = item
        yield self.event("response.output_item.added", response_id=self.id, output_index=index,
                         item=dict(item))  # fmt: skip
        if self.add_item is not None:
            previous = self.add_item(item)
            yield self.event("conversation.item.added", previous_item_id=previous, item=dict(item))

    def _item_done(self, item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
        item["status"] = "completed"
        self.done_items.append(item)
        self.live_item = None
        if self.add_item is not None:
            yield self.event("conversation.item.done", item=dict(item))
        yield self.event("response.output_item.done", response_id=self.id, output_index=index,
                         item=dict(item))  # fmt: skip

    def _message(self, say: Say, index: int) -> Iterator[tuple[dict[str, Any], float]]:
        item: Json = {"id": self.ids("item"), "type": "message", "status": "in_progress",
                "role": "assistant", "content": []}  # fmt: skip
        for event in self._item_events(item, index):
            yield event, 0.0
        at = {"response_id": self.id, "item_id": item["id"], "output_index": index,
              "content_index": 0}  # fmt: skip
        kind, key, delta, done = _PARTS[self.audio]
        yield self.event("response.content_part.added", **at, part={"type": kind, key: ""}), 0.0
        yield from self._deltas(say, at, delta)
        if self.audio:
            yield self.event("response.output_audio.done", **at), 0.0
        yield self.event(done, **at, **{key: say.text}), 0.0
        yield (
            self.event("response.content_part.done", **at, part={"type": kind, key: say.text}),
            0.0,
        )
        item["content"] = [{"type": "output_audio" if self.audio else "output_text", key: say.text}]
        for event in self._item_done(item, index):
            yield event, 0.0

    def _deltas(self, say: Say, at: Json, delta: str) -> Iterator[tuple[dict[str, Any], float]]:
        """The text's deltas, word by word, and (for audio) the audio's, interleaved."""
        parts = words(say.text)
        chunks = audio_chunks(self._format(), say) if self.audio else []
        step = max(len(chunks), 1) / max(len(parts), 1)
        sent = 0
        for number, word in enumerate(parts):
            if word:
                yield self.event(delta, **at, delta=word), 0.0
            while sent < min(int((number + 1) * step), len(chunks)):
                chunk, seconds = chunks[sent]
                sent += 1
                yield self.event("response.output_audio.delta", **at, delta=chunk), seconds
        for chunk, seconds in chunks[sent:]:
            yield self.event("response.output_audio.delta", **at, delta=chunk), seconds

    def _format(self) -> str:
        return str(self.response["audio"]["output"]["format"].get("type", "audio/pcm"))

    def _call(self, call: Call, index: int) -> Iterator[tuple[dict[str, Any], float]]:
        arguments = call.arguments_json()
        item = {"id": self.ids("item"), "type": "function_call", "status": "in_progress",
                "name": call.name, "call_id": call.call_id or self.ids("call"),
                "arguments": ""}  # fmt: skip
        for event in self._item_events(item, index):
            yield event, 0.0
        at = {"response_id": self.id, "item_id": item["id"], "output_index": index,
              "call_id": item["call_id"]}  # fmt: skip
        yield self.event("response.function_call_arguments.delta", **at, delta=arguments), 0.0
        yield self.event("response.function_call_arguments.done", **at, name=call.name,
                         arguments=arguments), 0.0  # fmt: skip
        item["arguments"] = arguments
        for event in self._item_done(item, index):
            yield event, 0.0

    def done(self, status: str = "completed", reason: str | None = None) -> list[dict[str, Any]]:
        """``response.done`` (``status`` ``cancelled``: the item in progress as incomplete) and
        ``rate_limits.updated``."""
        output = list(self.done_items)
        if self.live_item is not None:
            output.append({**self.live_item, "status": "incomplete"})
        details = None if reason is None else {"type": status, "reason": reason}
        response = {**self.response, "status": status, "status_details": details,
                    "output": output, "usage": _usage(output)}  # fmt: skip
        limits = [{"name": "requests", "limit": 10_000, "remaining": 9_999, "reset_seconds": 0.006},
                  {"name": "tokens", "limit": 200_000, "remaining": 199_000,
                   "reset_seconds": 0.3}]  # fmt: skip
        return [self.event("response.done", response=response),
                self.event("rate_limits.updated", rate_limits=limits)]  # fmt: skip


# (part type, its text key, the delta event, the done event) for audio and for text
_PARTS = {
    True: ("audio", "transcript", "response.output_audio_transcript.delta",
           "response.output_audio_transcript.done"),
    False: ("text", "text", "response.output_text.delta", "response.output_text.done"),
}  # fmt: skip


def words(text: str) -> list[str]:
    """A reply's text as its deltas: word by word, each but the last with its space."""
    split = [w + " " for w in text.split(" ")]
    split[-1] = split[-1][:-1]
    return split


def audio_chunks(fmt: str, say: Say, rate: int = 0) -> list[tuple[str, float]]:
    """Base64 silence of ``say``'s length in ``fmt`` (PCM at ``rate`` Hz where given, else
    24 kHz), in ``_CHUNK_MS`` deltas, with seconds."""
    total = say.audio_ms if say.audio_ms is not None else MS_PER_CHARACTER * max(len(say.text), 1)
    silence, per_ms = _SILENCE.get(fmt, b"\x00\x00"), _BYTES_A_MS.get(fmt, 48)
    if rate and fmt == "audio/pcm":
        per_ms = rate * 2 // 1000
    chunks = []
    for start in range(0, max(total, 0), _CHUNK_MS):
        ms = min(_CHUNK_MS, total - start)
        audio = silence * (ms * per_ms // len(silence))
        chunks.append((base64.b64encode(audio).decode(), ms / 1000))
    return chunks


def _usage(output: list[dict[str, Any]]) -> dict[str, Any]:
    """Stand-in token counts of a response's output."""
    text = sum(len(json.dumps(item.get("content", item.get("arguments", "")))) for item in output)
    out_text = text // 4 + 1
    return {"total_tokens": 100 + out_text, "input_tokens": 100, "output_tokens": out_text,
            "input_token_details": {"text_tokens": 100, "audio_tokens": 0, "image_tokens": 0,
                                    "cached_tokens": 0},
            "output_token_details": {"text_tokens": out_text, "audio_tokens": 0}}  # fmt: skip
