"""The benchmark suite's frame sets and implementations, defined once.

Frame sets come from the seeded traffic generator (``rt_fast._traffic``): a GA session of four
turns (one of each kind: spoken, tapped, function call, typed) whose client sends its appends
without ``event_id``, then one of two turns whose client gives each an ``event_id``; both
directions, in the order the frames cross the socket. About 3 in 4 frames are 4.1-4.2 KB
microphone appends, as in recorded two-sided sessions. A set is a list of (direction, frame) pairs, or for
``jsonl`` the session as one newline-delimited log decoded in bulk. The ``live`` set is a
GPT-Live session (``rt_fast._live_traffic``: four turns, both directions, in order), decoded
by each implementation's Live models (``Codec.live``; one without them is left out, saying so).

Implementations are loaded lazily (``IMPLS[name].load()``), so a process measuring one of them
imports only its library. Each turns a frame into Python objects and back into plain JSON data
(``to_builtins``) for the correctness check: the output must equal ``json.loads`` of every
frame of the set, field for field, with absent fields absent. Which frames an implementation
cannot decode at all (pipecat has no client models) is said by ``prepare``, with the reason.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rt_fast._live_traffic import live_session_frames
from rt_fast._traffic import session_frames

__all__ = ["AUDIO_IN", "FRAME_SETS", "IMPLS", "Codec", "FrameSet", "Impl", "check",
           "decode_dropping", "decode_each", "generations", "live_session", "load", "mismatch",
           "prepare", "session"]  # fmt: skip

SEED, TURNS = 2026, 4  # and SEED + 1, 2 turns, with event_ids
AUDIO = frozenset({"response.output_audio.delta", "input_audio_buffer.append"})
OBJECTS = frozenset({"session.created", "session.updated", "response.created", "response.done"})
Frames = tuple[tuple[str, bytes], ...]


@functools.cache
def session() -> Frames:
    """The generated session the frame sets are cut from, built on first use."""
    plain = session_frames(seed=SEED, turns=TURNS, event_ids=False)
    return (*plain, *session_frames(seed=SEED + 1, turns=2, event_ids=True))


@functools.cache
def live_session() -> Frames:
    """The generated GPT-Live session of the ``live`` set, built on first use."""
    return tuple(live_session_frames(seed=SEED, turns=TURNS))


def _type(frame: bytes) -> str:
    return str(json.loads(frame)["type"])


@dataclass(frozen=True)
class FrameSet:
    """Frames decoded together in one timed operation, cut from ``session()`` on first use."""

    name: str
    title: str
    select: Callable[[Frames], Frames]
    bulk: bool = False  # decode the frames as one JSONL log
    protocol: str = "ga"  # "live": cut from live_session(), decoded by Live's models

    @functools.cached_property
    def frames(self) -> Frames:
        return self.select(live_session() if self.protocol == "live" else session())

    @functools.cached_property
    def log(self) -> bytes:
        return b"".join(frame + b"\n" for _, frame in self.frames)

    @property
    def size(self) -> int:
        return len(self.log) if self.bulk else sum(len(f) for _, f in self.frames)

    @property
    def group(self) -> str:
        n = len(self.frames)
        count = "1 frame" if n == 1 else f"{n} frames"
        return f"{self.name}: {self.title} ({count}, {_kb(self.size)})"


def _kb(size: int) -> str:
    return f"{size} B" if size < 1000 else f"{size / 1000:.1f} KB" if size < 10**6 else \
        f"{size / 1e6:.2f} MB"  # fmt: skip


def _of(direction: str, keep: Callable[[str], bool]) -> Callable[[Frames], Frames]:
    return lambda frames: tuple((d, f) for d, f in frames if d == direction and keep(_type(f)))


def _first(type_: str) -> Callable[[Frames], Frames]:
    return lambda frames: _of("server", lambda t: t == type_)(frames)[:1]


def _closest_audio(size: int) -> Callable[[Frames], Frames]:
    def select(frames: Frames) -> Frames:
        deltas = _of("server", lambda t: t == "response.output_audio.delta")(frames)
        return (min(deltas, key=lambda pair: abs(len(pair[1]) - size)),)

    return select


def _appends(event_ids: bool) -> Callable[[Frames], Frames]:
    def select(frames: Frames) -> Frames:
        appends = _of("client", lambda t: t == "input_audio_buffer.append")(frames)
        return tuple(pair for pair in appends if (b'"event_id"' in pair[1]) == event_ids)[:256]

    return select


def _everything(frames: Frames) -> Frames:
    return frames


FRAME_SETS: dict[str, FrameSet] = {
    fs.name: fs
    for fs in (
        FrameSet("vad", "one speech_started event", _first("input_audio_buffer.speech_started")),
        FrameSet("response.done", "one response.done with usage", _first("response.done")),
        FrameSet("audio-delta", "one response.output_audio.delta", _closest_audio(17_000)),
        FrameSet("small", "server frames other than audio and session/response objects",
                 _of("server", lambda t: t not in AUDIO and t not in OBJECTS)),
        FrameSet("audio", "server audio deltas", _of("server", lambda t: t in AUDIO)),
        FrameSet("objects", "server session and response objects",
                 _of("server", lambda t: t in OBJECTS)),
        FrameSet("appends", "client microphone appends", _appends(event_ids=False)),
        FrameSet("appends-id", "client microphone appends with event_id", _appends(event_ids=True)),
        FrameSet("stream", "the whole session, both directions, in order", _everything),
        FrameSet("jsonl", "the whole session as a JSONL log, decoded in bulk", _everything,
                 bulk=True),
        FrameSet("live", "a GPT-Live session, both directions, in order", _everything,
                 protocol="live"),
    )
}  # fmt: skip
AUDIO_IN = FrameSet("audio-in", "client microphone appends, with and without event_id",
                    lambda frames: _appends(False)(frames)[:128] + _appends(True)(frames)[:128])  # fmt: skip


# -- implementations --------------------------------------------------------------------------


def _identity(obj: Any) -> Any:
    return obj


@dataclass(frozen=True)
class Codec:
    """An implementation, loaded: how it decodes each kind of frame and how to check it."""

    server: Callable[[bytes], Any]
    client: Callable[[bytes], Any] | None = None  # None: cannot decode client frames
    either: Callable[[bytes], Any] | None = None  # a frame of either direction (mixed logs)
    lines: Callable[[bytes], list[Any]] | None = None  # a whole JSONL log at once
    to_builtins: Callable[[Any], Any] = _identity
    known: frozenset[str] | None = None  # the server types it has models for (None: all)
    live: Codec | None = None  # the same implementation for GPT-Live frames (None: none)


@dataclass(frozen=True)
class Impl:
    """An implementation to compare: its name, what it returns, and how to load it."""

    name: str
    returns: str
    load: Callable[[], Codec]
    requires: str = ""  # the distribution it needs beyond rt_fast
    ours: bool = False  # rt_fast itself: a wrong result fails the suite


def _rt_fast_decoder(generation: Any = None) -> Codec:
    import msgspec

    from rt_fast import Decoder, ga, live

    module = generation or ga
    server, client = Decoder(module.ServerEvent), Decoder(module.ClientEvent)
    either = Decoder(module.Event)
    return Codec(server.decode, client.decode, either.decode, either.decode_lines,
                 msgspec.to_builtins, live=None if generation else _rt_fast_decoder(live))  # fmt: skip


def _rt_fast_functions(protocol: str = "ga") -> Codec:
    import msgspec

    import rt_fast

    module = rt_fast.live if protocol == "live" else rt_fast.ga
    either = functools.partial(rt_fast.decode, type=module.Event)
    server, client = rt_fast.decode_server_event, rt_fast.decode_client_event
    if protocol != "ga":  # GA is the default: called as a user calls it, with no argument more
        server = functools.partial(server, protocol=protocol)
        client = functools.partial(client, protocol=protocol)
    live = None if protocol == "live" else _rt_fast_functions("live")

    def lines(log: bytes) -> list[Any]:  # a log's function form: the log reader, on a file
        return list(rt_fast.read_log(io.BytesIO(log), protocol=protocol))

    return Codec(server, client, either, lines, msgspec.to_builtins, live=live)


def _msgspec_bare(generation: Any = None) -> Codec:
    import msgspec

    from rt_fast import ga, live

    module = generation or ga

    def decoder(type_: Any) -> Callable[[bytes], Any]:
        return msgspec.json.Decoder(type_).decode

    either = msgspec.json.Decoder(module.Event)
    return Codec(decoder(module.ServerEvent), decoder(module.ClientEvent), either.decode,
                 either.decode_lines, msgspec.to_builtins,
                 live=None if generation else _msgspec_bare(live))  # fmt: skip


def _msgspec_called(bare: Codec | None = None) -> Codec:
    """The bare decoders, each behind one Python function that does nothing else: the least a
    Python layer over msgspec can cost, on this machine (rt_fast's is one such layer)."""
    bare = bare or _msgspec_bare()

    def called(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
        def call(frame: bytes) -> Any:
            return decode(frame)

        return call

    assert bare.client is not None and bare.either is not None and bare.lines is not None
    live = None if bare.live is None else _msgspec_called(bare.live)
    return Codec(called(bare.server), called(bare.client), called(bare.either),
                 called(bare.lines), bare.to_builtins, live=live)  # fmt: skip


def _untyped(loads: Callable[[bytes], Any]) -> Codec:
    """A parser to dicts: every generation's frames alike."""
    same = Codec(loads, loads, loads)
    return Codec(loads, loads, loads, live=same)


def _json() -> Codec:
    return _untyped(json.loads)


def _dataclasses() -> Codec:
    from benchmarks import impl_dataclasses as dc

    return Codec(dc.decode_server, dc.decode_client, dc.decode, to_builtins=dc.to_builtins)


def _orjson() -> Codec:
    import orjson

    return _untyped(orjson.loads)


def _members(alias: Any) -> tuple[Any, ...]:
    """The models of one of the SDK's ``Annotated[Union[...], PropertyInfo(...)]`` aliases."""
    return typing.get_args(typing.get_args(alias)[0])


def _sdk_dump(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True, warnings=False)


def _openai_construct() -> Codec:
    # What ``RealtimeConnection.parse_event`` does (openai/resources/realtime/realtime.py):
    # json.loads, then ``construct_type``, which validates the SDK's union (pydantic tries its
    # members one by one: the SDK's discriminator is its own PropertyInfo, which pydantic does
    # not read) and constructs the tagged member unvalidated if that fails.
    from openai._models import construct_type_unchecked
    from openai._utils import PropertyInfo
    from openai.types import live
    from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

    def codec(server: Any, client: Any, live_codec: Codec | None = None) -> Codec:
        both = typing.Annotated[
            typing.Union[_members(server) + _members(client)], PropertyInfo(discriminator="type")
        ]

        def parser(type_: Any) -> Callable[[bytes], Any]:
            return lambda data: construct_type_unchecked(value=json.loads(data), type_=type_)

        return Codec(parser(server), parser(client), parser(both), to_builtins=_sdk_dump,
                     live=live_codec)  # fmt: skip

    return codec(RealtimeServerEvent, RealtimeClientEvent,
                 codec(live.ServerEvent, live.ClientEvent))  # fmt: skip


def _openai_pydantic(discriminated: bool) -> Callable[[], Codec]:
    def load() -> Codec:
        import pydantic
        from openai.types import live
        from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

        def adapter(*aliases: Any) -> Callable[[bytes], Any]:
            if not discriminated and len(aliases) == 1:
                return pydantic.TypeAdapter(aliases[0]).validate_json
            members = sum((_members(alias) for alias in aliases), ())
            union = typing.Union[members]
            if discriminated:
                union = typing.Annotated[union, pydantic.Field(discriminator="type")]
            return pydantic.TypeAdapter(union).validate_json

        # Live's either-direction union is not built: two of its tags go both ways, which a
        # discriminated union cannot hold, and the live set is decoded frame by frame.
        live_codec = Codec(adapter(live.ServerEvent), adapter(live.ClientEvent),
                           to_builtins=_sdk_dump)  # fmt: skip
        return Codec(adapter(RealtimeServerEvent), adapter(RealtimeClientEvent),
                     adapter(RealtimeServerEvent, RealtimeClientEvent), to_builtins=_sdk_dump,
                     live=live_codec)  # fmt: skip

    return load


def _pipecat() -> Codec:
    import warnings

    with warnings.catch_warnings():  # pipecat imports the deprecated audioop
        warnings.simplefilter("ignore", DeprecationWarning)
        from pipecat.services.openai.realtime import events

    return Codec(events.parse_server_event, to_builtins=_sdk_dump,
                 known=frozenset(events._server_event_types))  # fmt: skip


IMPLS: dict[str, Impl] = {
    impl.name: impl
    for impl in (
        Impl("rt_fast Decoder", "typed, validated Structs", _rt_fast_decoder, ours=True),
        Impl("rt_fast functions", "typed, validated Structs", _rt_fast_functions, ours=True),
        Impl("msgspec Decoder", "the same Structs, no rt_fast wrapper", _msgspec_bare, "msgspec",
             ours=True),
        Impl("msgspec + a Python call", "the same, through one Python function: any wrapper's "
             "least cost", _msgspec_called, "msgspec", ours=True),
        Impl("json.loads", "untyped dicts", _json),
        Impl("json + dataclasses", "typed frozen dataclasses, unvalidated", _dataclasses),
        Impl("orjson.loads", "untyped dicts", _orjson, "orjson"),
        Impl("openai parse_event", "SDK models: json.loads, then the SDK's union validated",
             _openai_construct, "openai"),
        Impl("openai pydantic", "SDK models, validated (discriminated union)",
             _openai_pydantic(discriminated=True), "openai"),
        Impl("openai TypeAdapter", "SDK models, validated (the SDK's union alias as-is)",
             _openai_pydantic(discriminated=False), "openai"),
        Impl("pipecat", "pipecat's pydantic models, validated", _pipecat, "pipecat-ai"),
    )
}  # fmt: skip


@functools.cache
def load(name: str) -> Codec | str:
    """The loaded implementation, or why it cannot be loaded (its library is missing)."""
    impl = IMPLS[name]
    try:
        return impl.load()
    except ImportError as exc:
        return f"{impl.requires or exc.name} is not installed ({exc})"


def prepare(codec: Codec, fs: FrameSet) -> tuple[Callable[[Any], list[Any]], Any] | str:
    """The timed function and its argument for a frame set, or why the codec cannot run it."""
    if fs.protocol == "live":
        if codec.live is None:
            return "has no GPT-Live models"
        codec = codec.live
    if fs.bulk:
        if codec.lines is not None:
            return codec.lines, fs.log
        if codec.either is None:
            return "parses server events only; the log holds both directions"
        either = codec.either
        return (lambda log: [either(line) for line in log.splitlines()]), fs.log
    pairs = []
    for direction, frame in fs.frames:
        decode = codec.server if direction == "server" else codec.client
        if decode is None:
            return "parses server events only; the set holds client frames"
        if codec.known is not None and _type(frame) not in codec.known:
            return f"has no model for {_type(frame)}"
        pairs.append((decode, frame))
    return decode_each, pairs


def decode_each(pairs: Iterable[tuple[Callable[[bytes], Any], bytes]]) -> list[Any]:
    return [decode(frame) for decode, frame in pairs]


def decode_dropping(pairs: Iterable[tuple[Callable[[bytes], Any], bytes]]) -> None:
    """``decode_each`` as it is timed: each result dropped before the next frame is decoded,
    as a gateway handles its frames. Kept in a list, a set's megabytes of payload strings went
    back to the system after every call and were faulted in again on the next, a cost of the
    allocator and the machine that swung these rows 2x between runs, whatever decoded them."""
    for decode, frame in pairs:
        decode(frame)


def mismatch(expected: Any, got: Any, path: str = "$") -> str | None:
    """Where ``got`` differs from ``expected`` (JSON data), or None when they are equal."""
    if isinstance(expected, dict) and isinstance(got, dict):
        added = [key for key in got if key not in expected]
        if added:
            return f"adds {path}.{added[0]}"
        for key in expected:
            if key not in got:
                return f"drops {path}.{key}"
            found = mismatch(expected[key], got[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return next(filter(None, (mismatch(e, g, f"{path}[{i}]")
                                  for i, (e, g) in enumerate(zip(expected, got, strict=True)))), None)  # fmt: skip
    same_type = type(expected) is type(got) or (_number(expected) and _number(got))
    return None if same_type and expected == got else \
        f"changes {path}: {expected!r:.40} -> {got!r:.40}"  # fmt: skip


def _number(value: Any) -> bool:
    """An int or a float (``1`` read into a float field is the same JSON number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def check(codec: Codec, fs: FrameSet, output: list[Any]) -> bool | str:
    """True if ``output`` equals ``json.loads`` of every frame, else where it first differs."""
    codec = codec.live if fs.protocol == "live" and codec.live is not None else codec
    if len(output) != len(fs.frames):
        return f"gave {len(output)} objects for {len(fs.frames)} frames"
    for (_, frame), obj in zip(fs.frames, output, strict=True):
        found = mismatch(json.loads(frame), codec.to_builtins(obj))
        if found:
            return f"{found} ({_type(frame)})"
    return True


# -- generations (bench_generations.py) -------------------------------------------------------


def _dump(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


@functools.cache
def generations() -> dict[str, dict[str, bytes]]:
    """The same payloads in the shape of each generation: GA, beta and translation."""
    server = [json.loads(f) for d, f in session_frames(seed=3, turns=1) if d == "server"]
    by_type = {frame["type"]: frame for frame in server}
    ids = {k: by_type["response.output_audio.delta"][k]
           for k in ("event_id", "response_id", "item_id")}  # fmt: skip
    audio = base64.b64encode(bytes(12_700)).decode()
    at = {**ids, "output_index": 0, "content_index": 0}
    response = dict(by_type["response.done"]["response"])
    beta_response = {
        **{k: response[k] for k in ("object", "id", "status", "status_details")},
        "output": [{**item, "object": "realtime.item"} for item in response["output"]],
        "conversation_id": response["conversation_id"],
        "modalities": ["audio", "text"],
        "voice": "alloy",
        "output_audio_format": "pcm16",
        "temperature": 0.8,
        "max_output_tokens": "inf",
        "usage": response["usage"],
        "metadata": None,
    }
    translation = {"event_id": ids["event_id"], "elapsed_ms": 1520}
    out = {"type": "session.output_audio.delta", **translation, "delta": audio,
           "sample_rate": 24000, "channels": 1, "format": "pcm16"}  # fmt: skip
    return {
        "audio-delta-17KB": {
            "ga": _dump({"type": "response.output_audio.delta", **at, "delta": audio}),
            "beta": _dump({"type": "response.audio.delta", **at, "delta": audio}),
            "translation": _dump(out),
        },
        "transcript-delta": {
            "ga": _dump(
                {"type": "response.output_audio_transcript.delta", **at, "delta": "Hello "}
                | {"obfuscation": "x1y2z3"}
            ),
            "beta": _dump({"type": "response.audio_transcript.delta", **at, "delta": "Hello "}),
            "translation": _dump(
                {"type": "session.output_transcript.delta", **translation, "delta": "Hello "}
            ),
        },
        "response.done": {
            "ga": _dump(by_type["response.done"]),
            "beta": _dump(
                {"type": "response.done", "event_id": ids["event_id"], "response": beta_response}
            ),
        },
    }
