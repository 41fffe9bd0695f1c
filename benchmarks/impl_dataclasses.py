"""The stdlib path a careful engineer writes without msgspec: ``json.loads`` + typed dataclasses.

One frozen, slotted dataclass per GA event type the benchmark frame sets hold and per nested
object, each with a hand-written ``build(dict)`` classmethod, and a table from wire tag to class,
so decoding a frame is ``json.loads`` and one dispatch. It is exact: an optional field absent
from the frame is ``ABSENT`` (not ``None``, which is JSON ``null``), so ``to_builtins(decode(f))
== json.loads(f)``. It checks what building needs (required keys present, known tags) and no
value types: validating types by hand would make it slower still. Free-form JSON (tool
parameters, tracing, prompt, metadata) stays as parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, ClassVar, TypeVar

__all__ = ["ABSENT", "CLIENT_EVENTS", "SERVER_EVENTS", "decode", "decode_client", "decode_server",
           "to_builtins"]  # fmt: skip


class _Absent:
    """The type of ``ABSENT``: a field the frame did not have."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
T = TypeVar("T")
Json = Any


def _opt(d: Mapping[str, Any], key: str, build: Callable[[Any], T]) -> T | _Absent | None:
    """``build(d[key])``, or ABSENT when the key is absent, or None when it is null."""
    value = d.get(key, ABSENT)
    return value if value is ABSENT or value is None else build(value)


def _many(build: Callable[[Any], T]) -> Callable[[list[Any]], tuple[T, ...]]:
    return lambda values: tuple(build(v) for v in values)


def _frozen(cls: type[T]) -> type[T]:
    return dataclass(frozen=True, slots=True, kw_only=True)(cls)


# -- nested objects ---------------------------------------------------------------------------


@_frozen
class AudioFormat:
    type: str
    rate: int | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> AudioFormat:
        return cls(type=d["type"], rate=d.get("rate", ABSENT))


@_frozen
class TurnDetection:
    """``server_vad`` or ``semantic_vad``; fields of the other kind stay ABSENT."""

    type: str
    threshold: float | _Absent = ABSENT
    prefix_padding_ms: int | _Absent = ABSENT
    silence_duration_ms: int | _Absent = ABSENT
    idle_timeout_ms: int | _Absent | None = ABSENT
    eagerness: str | _Absent = ABSENT
    create_response: bool | _Absent = ABSENT
    interrupt_response: bool | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> TurnDetection:
        get = d.get
        return cls(type=d["type"], threshold=get("threshold", ABSENT),
                   prefix_padding_ms=get("prefix_padding_ms", ABSENT),
                   silence_duration_ms=get("silence_duration_ms", ABSENT),
                   idle_timeout_ms=get("idle_timeout_ms", ABSENT), eagerness=get("eagerness", ABSENT),
                   create_response=get("create_response", ABSENT),
                   interrupt_response=get("interrupt_response", ABSENT))  # fmt: skip


@_frozen
class Transcription:
    model: str | _Absent = ABSENT
    language: str | _Absent = ABSENT
    prompt: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> Transcription:
        get = d.get
        return cls(model=get("model", ABSENT), language=get("language", ABSENT),
                   prompt=get("prompt", ABSENT))  # fmt: skip


@_frozen
class NoiseReduction:
    type: str

    @classmethod
    def build(cls, d: Json) -> NoiseReduction:
        return cls(type=d["type"])


@_frozen
class AudioInput:
    format: AudioFormat | _Absent = ABSENT
    transcription: Transcription | _Absent | None = ABSENT
    noise_reduction: NoiseReduction | _Absent | None = ABSENT
    turn_detection: TurnDetection | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> AudioInput:
        return cls(format=_opt(d, "format", AudioFormat.build),
                   transcription=_opt(d, "transcription", Transcription.build),
                   noise_reduction=_opt(d, "noise_reduction", NoiseReduction.build),
                   turn_detection=_opt(d, "turn_detection", TurnDetection.build))  # fmt: skip


@_frozen
class AudioOutput:
    format: AudioFormat | _Absent = ABSENT
    voice: str | _Absent = ABSENT
    speed: float | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> AudioOutput:
        return cls(format=_opt(d, "format", AudioFormat.build), voice=d.get("voice", ABSENT),
                   speed=d.get("speed", ABSENT))  # fmt: skip


@_frozen
class AudioConfig:
    input: AudioInput | _Absent = ABSENT
    output: AudioOutput | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> AudioConfig:
        return cls(input=_opt(d, "input", AudioInput.build),
                   output=_opt(d, "output", AudioOutput.build))  # fmt: skip


@_frozen
class FunctionTool:
    type: str
    name: str | _Absent = ABSENT
    description: str | _Absent = ABSENT
    parameters: Json = ABSENT

    @classmethod
    def build(cls, d: Json) -> FunctionTool:
        get = d.get
        return cls(type=d["type"], name=get("name", ABSENT), description=get("description", ABSENT),
                   parameters=get("parameters", ABSENT))  # fmt: skip


@_frozen
class Session:
    """The realtime session configuration (``session.update``) or object (``session.created``)."""

    type: str
    object: str | _Absent = ABSENT
    id: str | _Absent = ABSENT
    model: str | _Absent = ABSENT
    output_modalities: tuple[str, ...] | _Absent = ABSENT
    instructions: str | _Absent = ABSENT
    tools: tuple[FunctionTool, ...] | _Absent = ABSENT
    tool_choice: Json = ABSENT
    max_output_tokens: int | str | _Absent = ABSENT
    tracing: Json = ABSENT
    truncation: Json = ABSENT
    prompt: Json = ABSENT
    expires_at: int | _Absent = ABSENT
    audio: AudioConfig | _Absent = ABSENT
    include: tuple[str, ...] | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> Session:
        get = d.get
        return cls(type=d["type"], object=get("object", ABSENT), id=get("id", ABSENT),
                   model=get("model", ABSENT), output_modalities=_opt(d, "output_modalities", tuple),
                   instructions=get("instructions", ABSENT),
                   tools=_opt(d, "tools", _many(FunctionTool.build)),
                   tool_choice=get("tool_choice", ABSENT),
                   max_output_tokens=get("max_output_tokens", ABSENT), tracing=get("tracing", ABSENT),
                   truncation=get("truncation", ABSENT), prompt=get("prompt", ABSENT),
                   expires_at=get("expires_at", ABSENT), audio=_opt(d, "audio", AudioConfig.build),
                   include=_opt(d, "include", tuple))  # fmt: skip


@_frozen
class ContentPart:
    """A part of a message: ``input_audio``, ``input_text``, ``output_audio``, ``audio``, ..."""

    type: str
    text: str | _Absent = ABSENT
    audio: str | _Absent = ABSENT
    transcript: str | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> ContentPart:
        get = d.get
        return cls(type=d["type"], text=get("text", ABSENT), audio=get("audio", ABSENT),
                   transcript=get("transcript", ABSENT))  # fmt: skip


@_frozen
class MessageItem:
    type: str
    role: str
    content: tuple[ContentPart, ...]
    id: str | _Absent = ABSENT
    object: str | _Absent = ABSENT
    status: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> MessageItem:
        get = d.get
        return cls(type=d["type"], role=d["role"],
                   content=tuple(ContentPart.build(p) for p in d["content"]), id=get("id", ABSENT),
                   object=get("object", ABSENT), status=get("status", ABSENT))  # fmt: skip


@_frozen
class FunctionCallItem:
    type: str
    name: str
    arguments: str
    call_id: str | _Absent = ABSENT
    id: str | _Absent = ABSENT
    object: str | _Absent = ABSENT
    status: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> FunctionCallItem:
        get = d.get
        return cls(type=d["type"], name=d["name"], arguments=d["arguments"],
                   call_id=get("call_id", ABSENT), id=get("id", ABSENT),
                   object=get("object", ABSENT), status=get("status", ABSENT))  # fmt: skip


@_frozen
class FunctionCallOutputItem:
    type: str
    call_id: str
    output: str
    id: str | _Absent = ABSENT
    object: str | _Absent = ABSENT
    status: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> FunctionCallOutputItem:
        get = d.get
        return cls(type=d["type"], call_id=d["call_id"], output=d["output"], id=get("id", ABSENT),
                   object=get("object", ABSENT), status=get("status", ABSENT))  # fmt: skip


Item = MessageItem | FunctionCallItem | FunctionCallOutputItem
_ITEMS: dict[str, Callable[[Json], Item]] = {
    "message": MessageItem.build,
    "function_call": FunctionCallItem.build,
    "function_call_output": FunctionCallOutputItem.build,
}


def _item(d: Json) -> Item:
    return _ITEMS[d["type"]](d)


@_frozen
class CachedTokensDetails:
    text_tokens: int | _Absent = ABSENT
    audio_tokens: int | _Absent = ABSENT
    image_tokens: int | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> CachedTokensDetails:
        get = d.get
        return cls(text_tokens=get("text_tokens", ABSENT), audio_tokens=get("audio_tokens", ABSENT),
                   image_tokens=get("image_tokens", ABSENT))  # fmt: skip


@_frozen
class InputTokenDetails:
    text_tokens: int | _Absent = ABSENT
    audio_tokens: int | _Absent = ABSENT
    image_tokens: int | _Absent = ABSENT
    cached_tokens: int | _Absent = ABSENT
    cached_tokens_details: CachedTokensDetails | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> InputTokenDetails:
        get = d.get
        return cls(text_tokens=get("text_tokens", ABSENT), audio_tokens=get("audio_tokens", ABSENT),
                   image_tokens=get("image_tokens", ABSENT),
                   cached_tokens=get("cached_tokens", ABSENT),
                   cached_tokens_details=_opt(d, "cached_tokens_details",
                                              CachedTokensDetails.build))  # fmt: skip


@_frozen
class OutputTokenDetails:
    text_tokens: int | _Absent = ABSENT
    audio_tokens: int | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> OutputTokenDetails:
        return cls(text_tokens=d.get("text_tokens", ABSENT),
                   audio_tokens=d.get("audio_tokens", ABSENT))  # fmt: skip


@_frozen
class Usage:
    """Token usage of a response or of a transcription (``type: "tokens"``)."""

    type: str | _Absent = ABSENT
    total_tokens: int | _Absent = ABSENT
    input_tokens: int | _Absent = ABSENT
    output_tokens: int | _Absent = ABSENT
    input_token_details: InputTokenDetails | _Absent = ABSENT
    output_token_details: OutputTokenDetails | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> Usage:
        get = d.get
        return cls(type=get("type", ABSENT), total_tokens=get("total_tokens", ABSENT),
                   input_tokens=get("input_tokens", ABSENT),
                   output_tokens=get("output_tokens", ABSENT),
                   input_token_details=_opt(d, "input_token_details", InputTokenDetails.build),
                   output_token_details=_opt(d, "output_token_details",
                                             OutputTokenDetails.build))  # fmt: skip


@_frozen
class Response:
    object: str | _Absent = ABSENT
    id: str | _Absent = ABSENT
    status: str | _Absent = ABSENT
    status_details: Json = ABSENT
    output: tuple[Item, ...] | _Absent = ABSENT
    conversation_id: str | _Absent = ABSENT
    output_modalities: tuple[str, ...] | _Absent = ABSENT
    max_output_tokens: int | str | _Absent = ABSENT
    audio: AudioConfig | _Absent = ABSENT
    usage: Usage | _Absent | None = ABSENT
    metadata: Json = ABSENT

    @classmethod
    def build(cls, d: Json) -> Response:
        get = d.get
        return cls(object=get("object", ABSENT), id=get("id", ABSENT), status=get("status", ABSENT),
                   status_details=get("status_details", ABSENT),
                   output=_opt(d, "output", _many(_item)),
                   conversation_id=get("conversation_id", ABSENT),
                   output_modalities=_opt(d, "output_modalities", tuple),
                   max_output_tokens=get("max_output_tokens", ABSENT),
                   audio=_opt(d, "audio", AudioConfig.build), usage=_opt(d, "usage", Usage.build),
                   metadata=get("metadata", ABSENT))  # fmt: skip


@_frozen
class ResponseCreateParams:
    output_modalities: tuple[str, ...] | _Absent = ABSENT
    instructions: str | _Absent = ABSENT
    max_output_tokens: int | str | _Absent = ABSENT
    conversation: str | _Absent = ABSENT
    metadata: Json = ABSENT

    @classmethod
    def build(cls, d: Json) -> ResponseCreateParams:
        get = d.get
        return cls(output_modalities=_opt(d, "output_modalities", tuple),
                   instructions=get("instructions", ABSENT),
                   max_output_tokens=get("max_output_tokens", ABSENT),
                   conversation=get("conversation", ABSENT), metadata=get("metadata", ABSENT))  # fmt: skip


@_frozen
class RateLimit:
    name: str
    limit: int
    remaining: int
    reset_seconds: float

    @classmethod
    def build(cls, d: Json) -> RateLimit:
        return cls(name=d["name"], limit=d["limit"], remaining=d["remaining"],
                   reset_seconds=d["reset_seconds"])  # fmt: skip


# -- server events ----------------------------------------------------------------------------


@_frozen
class ServerEvent:
    TAG: ClassVar[str] = ""
    type: str
    event_id: str


@_frozen
class SessionCreatedEvent(ServerEvent):
    TAG = "session.created"
    session: Session

    @classmethod
    def build(cls, d: Json) -> SessionCreatedEvent:
        return cls(type=d["type"], event_id=d["event_id"], session=Session.build(d["session"]))


@_frozen
class SessionUpdatedEvent(SessionCreatedEvent):
    TAG = "session.updated"


@_frozen
class ConversationItemAddedEvent(ServerEvent):
    TAG = "conversation.item.added"
    item: Item
    previous_item_id: str | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> ConversationItemAddedEvent:
        return cls(type=d["type"], event_id=d["event_id"], item=_item(d["item"]),
                   previous_item_id=d.get("previous_item_id", ABSENT))  # fmt: skip


@_frozen
class ConversationItemDoneEvent(ConversationItemAddedEvent):
    TAG = "conversation.item.done"


@_frozen
class InputAudioTranscriptionDeltaEvent(ServerEvent):
    """``conversation.item.input_audio_transcription.delta``."""

    TAG = "conversation.item.input_audio_transcription.delta"
    item_id: str
    content_index: int | _Absent = ABSENT
    delta: str | _Absent = ABSENT
    obfuscation: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> InputAudioTranscriptionDeltaEvent:
        get = d.get
        return cls(type=d["type"], event_id=d["event_id"], item_id=d["item_id"],
                   content_index=get("content_index", ABSENT), delta=get("delta", ABSENT),
                   obfuscation=get("obfuscation", ABSENT))  # fmt: skip


@_frozen
class InputAudioTranscriptionCompletedEvent(ServerEvent):
    """``conversation.item.input_audio_transcription.completed``."""

    TAG = "conversation.item.input_audio_transcription.completed"
    item_id: str
    content_index: int
    transcript: str
    usage: Usage

    @classmethod
    def build(cls, d: Json) -> InputAudioTranscriptionCompletedEvent:
        return cls(type=d["type"], event_id=d["event_id"], item_id=d["item_id"],
                   content_index=d["content_index"], transcript=d["transcript"],
                   usage=Usage.build(d["usage"]))  # fmt: skip


@_frozen
class InputAudioBufferCommittedEvent(ServerEvent):
    TAG = "input_audio_buffer.committed"
    item_id: str
    previous_item_id: str | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> InputAudioBufferCommittedEvent:
        return cls(type=d["type"], event_id=d["event_id"], item_id=d["item_id"],
                   previous_item_id=d.get("previous_item_id", ABSENT))  # fmt: skip


@_frozen
class InputAudioBufferSpeechStartedEvent(ServerEvent):
    TAG = "input_audio_buffer.speech_started"
    audio_start_ms: int
    item_id: str

    @classmethod
    def build(cls, d: Json) -> InputAudioBufferSpeechStartedEvent:
        return cls(type=d["type"], event_id=d["event_id"], audio_start_ms=d["audio_start_ms"],
                   item_id=d["item_id"])  # fmt: skip


@_frozen
class InputAudioBufferSpeechStoppedEvent(ServerEvent):
    TAG = "input_audio_buffer.speech_stopped"
    audio_end_ms: int
    item_id: str

    @classmethod
    def build(cls, d: Json) -> InputAudioBufferSpeechStoppedEvent:
        return cls(type=d["type"], event_id=d["event_id"], audio_end_ms=d["audio_end_ms"],
                   item_id=d["item_id"])  # fmt: skip


@_frozen
class RateLimitsUpdatedEvent(ServerEvent):
    TAG = "rate_limits.updated"
    rate_limits: tuple[RateLimit, ...]

    @classmethod
    def build(cls, d: Json) -> RateLimitsUpdatedEvent:
        return cls(type=d["type"], event_id=d["event_id"],
                   rate_limits=tuple(RateLimit.build(r) for r in d["rate_limits"]))  # fmt: skip


@_frozen
class ResponseCreatedEvent(ServerEvent):
    TAG = "response.created"
    response: Response

    @classmethod
    def build(cls, d: Json) -> ResponseCreatedEvent:
        return cls(type=d["type"], event_id=d["event_id"], response=Response.build(d["response"]))


@_frozen
class ResponseDoneEvent(ResponseCreatedEvent):
    TAG = "response.done"


@_frozen
class ResponseOutputItemAddedEvent(ServerEvent):
    TAG = "response.output_item.added"
    response_id: str
    output_index: int
    item: Item

    @classmethod
    def build(cls, d: Json) -> ResponseOutputItemAddedEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   output_index=d["output_index"], item=_item(d["item"]))  # fmt: skip


@_frozen
class ResponseOutputItemDoneEvent(ResponseOutputItemAddedEvent):
    TAG = "response.output_item.done"


@_frozen
class ResponseContentEvent(ServerEvent):
    """The fields every content-level response event has."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


@_frozen
class ResponseContentPartAddedEvent(ResponseContentEvent):
    TAG = "response.content_part.added"
    part: ContentPart

    @classmethod
    def build(cls, d: Json) -> ResponseContentPartAddedEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"],
                   content_index=d["content_index"], part=ContentPart.build(d["part"]))  # fmt: skip


@_frozen
class ResponseContentPartDoneEvent(ResponseContentPartAddedEvent):
    TAG = "response.content_part.done"


@_frozen
class ResponseOutputAudioDeltaEvent(ResponseContentEvent):
    TAG = "response.output_audio.delta"
    delta: str

    @classmethod
    def build(cls, d: Json) -> ResponseOutputAudioDeltaEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"],
                   content_index=d["content_index"], delta=d["delta"])  # fmt: skip


@_frozen
class ResponseOutputAudioDoneEvent(ResponseContentEvent):
    TAG = "response.output_audio.done"

    @classmethod
    def build(cls, d: Json) -> ResponseOutputAudioDoneEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"],
                   content_index=d["content_index"])  # fmt: skip


@_frozen
class ResponseOutputAudioTranscriptDeltaEvent(ResponseContentEvent):
    TAG = "response.output_audio_transcript.delta"
    delta: str
    obfuscation: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> ResponseOutputAudioTranscriptDeltaEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"],
                   content_index=d["content_index"], delta=d["delta"],
                   obfuscation=d.get("obfuscation", ABSENT))  # fmt: skip


@_frozen
class ResponseOutputAudioTranscriptDoneEvent(ResponseContentEvent):
    TAG = "response.output_audio_transcript.done"
    transcript: str

    @classmethod
    def build(cls, d: Json) -> ResponseOutputAudioTranscriptDoneEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"],
                   content_index=d["content_index"], transcript=d["transcript"])  # fmt: skip


@_frozen
class ResponseFunctionCallArgumentsDeltaEvent(ServerEvent):
    TAG = "response.function_call_arguments.delta"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str
    obfuscation: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> ResponseFunctionCallArgumentsDeltaEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"], call_id=d["call_id"],
                   delta=d["delta"], obfuscation=d.get("obfuscation", ABSENT))  # fmt: skip


@_frozen
class ResponseFunctionCallArgumentsDoneEvent(ServerEvent):
    TAG = "response.function_call_arguments.done"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    arguments: str
    name: str | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> ResponseFunctionCallArgumentsDoneEvent:
        return cls(type=d["type"], event_id=d["event_id"], response_id=d["response_id"],
                   item_id=d["item_id"], output_index=d["output_index"], call_id=d["call_id"],
                   arguments=d["arguments"], name=d.get("name", ABSENT))  # fmt: skip


# -- client events ----------------------------------------------------------------------------


@_frozen
class ClientEvent:
    TAG: ClassVar[str] = ""
    type: str
    event_id: str | _Absent = ABSENT


@_frozen
class SessionUpdateEvent(ClientEvent):
    TAG = "session.update"
    session: Session

    @classmethod
    def build(cls, d: Json) -> SessionUpdateEvent:
        return cls(type=d["type"], event_id=d.get("event_id", ABSENT),
                   session=Session.build(d["session"]))  # fmt: skip


@_frozen
class InputAudioBufferAppendEvent(ClientEvent):
    TAG = "input_audio_buffer.append"
    audio: str

    @classmethod
    def build(cls, d: Json) -> InputAudioBufferAppendEvent:
        return cls(type=d["type"], event_id=d.get("event_id", ABSENT), audio=d["audio"])


@_frozen
class InputAudioBufferCommitEvent(ClientEvent):
    TAG = "input_audio_buffer.commit"

    @classmethod
    def build(cls, d: Json) -> InputAudioBufferCommitEvent:
        return cls(type=d["type"], event_id=d.get("event_id", ABSENT))


@_frozen
class ConversationItemCreateEvent(ClientEvent):
    TAG = "conversation.item.create"
    item: Item
    previous_item_id: str | _Absent | None = ABSENT

    @classmethod
    def build(cls, d: Json) -> ConversationItemCreateEvent:
        return cls(type=d["type"], event_id=d.get("event_id", ABSENT), item=_item(d["item"]),
                   previous_item_id=d.get("previous_item_id", ABSENT))  # fmt: skip


@_frozen
class ResponseCreateEvent(ClientEvent):
    TAG = "response.create"
    response: ResponseCreateParams | _Absent = ABSENT

    @classmethod
    def build(cls, d: Json) -> ResponseCreateEvent:
        return cls(type=d["type"], event_id=d.get("event_id", ABSENT),
                   response=_opt(d, "response", ResponseCreateParams.build))  # fmt: skip


def _table(*classes: Any) -> dict[str, Callable[[Json], Any]]:
    return {cls.TAG: cls.build for cls in classes}


SERVER_EVENTS = _table(
    SessionCreatedEvent, SessionUpdatedEvent, ConversationItemAddedEvent,
    ConversationItemDoneEvent, InputAudioTranscriptionDeltaEvent,
    InputAudioTranscriptionCompletedEvent, InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent, InputAudioBufferSpeechStoppedEvent, RateLimitsUpdatedEvent,
    ResponseCreatedEvent, ResponseDoneEvent, ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent, ResponseContentPartAddedEvent, ResponseContentPartDoneEvent,
    ResponseOutputAudioDeltaEvent, ResponseOutputAudioDoneEvent,
    ResponseOutputAudioTranscriptDeltaEvent, ResponseOutputAudioTranscriptDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent, ResponseFunctionCallArgumentsDoneEvent,
)  # fmt: skip
CLIENT_EVENTS = _table(
    SessionUpdateEvent, InputAudioBufferAppendEvent, InputAudioBufferCommitEvent,
    ConversationItemCreateEvent, ResponseCreateEvent,
)  # fmt: skip
_EVENTS = {**SERVER_EVENTS, **CLIENT_EVENTS}


def decode_server(data: bytes | str) -> Any:
    """A server frame as its event dataclass (KeyError for a type this module lacks)."""
    d = json.loads(data)
    return SERVER_EVENTS[d["type"]](d)


def decode_client(data: bytes | str) -> Any:
    """A client frame as its event dataclass."""
    d = json.loads(data)
    return CLIENT_EVENTS[d["type"]](d)


def decode(data: bytes | str) -> Any:
    """A frame of either direction (the tags are disjoint), as in a mixed log."""
    d = json.loads(data)
    return _EVENTS[d["type"]](d)


def to_builtins(obj: Any) -> Any:
    """Plain JSON data again: dataclasses to dicts without their ABSENT fields, tuples to lists."""
    if is_dataclass(obj):
        out = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if value is not ABSENT:
                out[f.name] = to_builtins(value)
        return out
    if isinstance(obj, tuple | list):
        return [to_builtins(v) for v in obj]
    return obj
