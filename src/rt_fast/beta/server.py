"""The 34 events a beta Realtime server sends, tagged on ``type``.

Reference: ``openai.types.beta.realtime.RealtimeServerEvent``. Class names are the wire tag in
CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it.
``response.function_call_arguments.done`` carries ``name``, absent from the SDK but sent by the
API; ``conversation.item.input_audio_transcription.completed`` is sent without ``usage``
although the SDK requires it. ``SERVER_EVENTS`` is derived from the ``ServerEvent`` union.
"""

from typing import Union

from .._models import UNSET, Opt, ServerEventBase
from .items import ContentPart, ConversationItem
from .responses import (
    Conversation,
    Logprob,
    RateLimit,
    RealtimeError,
    RealtimeResponse,
    TranscriptionError,
    TranscriptionUsage,
)
from .session import Session, TranscriptionSession

__all__ = [
    "ConversationCreatedEvent",
    "ConversationItemCreatedEvent",
    "ConversationItemDeletedEvent",
    "ConversationItemInputAudioTranscriptionCompletedEvent",
    "ConversationItemInputAudioTranscriptionDeltaEvent",
    "ConversationItemInputAudioTranscriptionFailedEvent",
    "ConversationItemRetrievedEvent",
    "ConversationItemTruncatedEvent",
    "ErrorEvent",
    "InputAudioBufferClearedEvent",
    "InputAudioBufferCommittedEvent",
    "InputAudioBufferSpeechStartedEvent",
    "InputAudioBufferSpeechStoppedEvent",
    "OutputAudioBufferClearedEvent",
    "OutputAudioBufferStartedEvent",
    "OutputAudioBufferStoppedEvent",
    "RateLimitsUpdatedEvent",
    "ResponseAudioDeltaEvent",
    "ResponseAudioDoneEvent",
    "ResponseAudioTranscriptDeltaEvent",
    "ResponseAudioTranscriptDoneEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseDoneEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
    "ServerEvent",
    "SessionCreatedEvent",
    "SessionUpdatedEvent",
    "TranscriptionSessionUpdatedEvent",
]


# -- session and conversation ---------------------------------------------------------------


class ErrorEvent(ServerEventBase, tag="error"):
    """Sent by the server when an error occurs."""

    error: RealtimeError


class SessionCreatedEvent(ServerEventBase, tag="session.created"):
    """Sent by the server first, with the session's configuration."""

    session: Session


class SessionUpdatedEvent(ServerEventBase, tag="session.updated"):
    """Sent by the server after a ``session.update``, with the whole new configuration."""

    session: Session


class TranscriptionSessionUpdatedEvent(ServerEventBase, tag="transcription_session.updated"):
    """Sent by the server after a ``transcription_session.update``, with the new configuration."""

    session: TranscriptionSession


class ConversationCreatedEvent(ServerEventBase, tag="conversation.created"):
    """Sent by the server when a conversation is created."""

    conversation: Conversation


class ConversationItemCreatedEvent(ServerEventBase, tag="conversation.item.created"):
    """Sent by the server when an item is created."""

    previous_item_id: Opt[str] = UNSET
    item: ConversationItem


class ConversationItemRetrievedEvent(ServerEventBase, tag="conversation.item.retrieved"):
    """Sent by the server in answer to ``conversation.item.retrieve``.

    The SDK calls it ``ConversationItemRetrieved``.
    """

    item: ConversationItem


class ConversationItemDeletedEvent(ServerEventBase, tag="conversation.item.deleted"):
    """Sent by the server when an item is deleted."""

    item_id: str


class ConversationItemTruncatedEvent(ServerEventBase, tag="conversation.item.truncated"):
    """Sent by the server when an assistant audio item is truncated."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemInputAudioTranscriptionDeltaEvent(
    ServerEventBase, tag="conversation.item.input_audio_transcription.delta"
):
    """Sent by the server with a piece of a user audio transcript."""

    item_id: str
    content_index: Opt[int] = UNSET
    delta: Opt[str] = UNSET
    logprobs: Opt[list[Logprob]] = UNSET


class ConversationItemInputAudioTranscriptionCompletedEvent(
    ServerEventBase, tag="conversation.item.input_audio_transcription.completed"
):
    """Sent by the server when a user audio transcript is complete; ``usage`` may be absent."""

    item_id: str
    content_index: int
    transcript: str
    usage: Opt[TranscriptionUsage] = UNSET
    logprobs: Opt[list[Logprob]] = UNSET


class ConversationItemInputAudioTranscriptionFailedEvent(
    ServerEventBase, tag="conversation.item.input_audio_transcription.failed"
):
    """Sent by the server when a user audio transcription fails."""

    item_id: str
    content_index: int
    error: TranscriptionError


# -- input audio buffer ---------------------------------------------------------------------


class InputAudioBufferCommittedEvent(ServerEventBase, tag="input_audio_buffer.committed"):
    """Sent by the server when the input audio buffer is committed as a user item."""

    previous_item_id: Opt[str] = UNSET
    item_id: str


class InputAudioBufferClearedEvent(ServerEventBase, tag="input_audio_buffer.cleared"):
    """Sent by the server when the input audio buffer is cleared."""


class InputAudioBufferSpeechStartedEvent(ServerEventBase, tag="input_audio_buffer.speech_started"):
    """Sent by the server when voice activity detection hears speech begin."""

    audio_start_ms: int
    item_id: str


class InputAudioBufferSpeechStoppedEvent(ServerEventBase, tag="input_audio_buffer.speech_stopped"):
    """Sent by the server when voice activity detection hears speech end."""

    audio_end_ms: int
    item_id: str


# -- output audio buffer (WebRTC) ------------------------------------------------------------


class OutputAudioBufferStartedEvent(ServerEventBase, tag="output_audio_buffer.started"):
    """Sent by the server when it starts streaming audio (SDK: ``OutputAudioBufferStarted``)."""

    response_id: str


class OutputAudioBufferStoppedEvent(ServerEventBase, tag="output_audio_buffer.stopped"):
    """Sent by the server when its audio buffer is drained (SDK: ``OutputAudioBufferStopped``)."""

    response_id: str


class OutputAudioBufferClearedEvent(ServerEventBase, tag="output_audio_buffer.cleared"):
    """Sent by the server when its audio buffer is cleared (SDK: ``OutputAudioBufferCleared``)."""

    response_id: str


# -- responses ------------------------------------------------------------------------------


class ResponseCreatedEvent(ServerEventBase, tag="response.created"):
    """Sent by the server when a response starts, in status ``in_progress``."""

    response: RealtimeResponse


class ResponseDoneEvent(ServerEventBase, tag="response.done"):
    """Sent by the server when a response ends, with its output and usage."""

    response: RealtimeResponse


class ResponseOutputItemAddedEvent(ServerEventBase, tag="response.output_item.added"):
    """Sent by the server when a response adds an output item."""

    response_id: str
    output_index: int
    item: ConversationItem


class ResponseOutputItemDoneEvent(ServerEventBase, tag="response.output_item.done"):
    """Sent by the server when an output item is complete."""

    response_id: str
    output_index: int
    item: ConversationItem


class ResponseContentPartAddedEvent(ServerEventBase, tag="response.content_part.added"):
    """Sent by the server when an output item gains a content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart


class ResponseContentPartDoneEvent(ServerEventBase, tag="response.content_part.done"):
    """Sent by the server when a content part is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart


class ResponseTextDeltaEvent(ServerEventBase, tag="response.text.delta"):
    """Sent by the server with a piece of output text."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseTextDoneEvent(ServerEventBase, tag="response.text.done"):
    """Sent by the server when output text is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseAudioDeltaEvent(ServerEventBase, tag="response.audio.delta"):
    """Sent by the server with base64 output audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseAudioDoneEvent(ServerEventBase, tag="response.audio.done"):
    """Sent by the server when output audio is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseAudioTranscriptDeltaEvent(ServerEventBase, tag="response.audio_transcript.delta"):
    """Sent by the server with a piece of the output audio's transcript."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseAudioTranscriptDoneEvent(ServerEventBase, tag="response.audio_transcript.done"):
    """Sent by the server when the output audio's transcript is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str


class ResponseFunctionCallArgumentsDeltaEvent(
    ServerEventBase, tag="response.function_call_arguments.delta"
):
    """Sent by the server with a piece of a function call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDoneEvent(
    ServerEventBase, tag="response.function_call_arguments.done"
):
    """Sent by the server when a function call's arguments are complete, with its ``name``."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: Opt[str] = UNSET
    arguments: str


class RateLimitsUpdatedEvent(ServerEventBase, tag="rate_limits.updated"):
    """Sent by the server after each response, with the rate limits that remain."""

    rate_limits: list[RateLimit]


ServerEvent = Union[
    ErrorEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    TranscriptionSessionUpdatedEvent,
    ConversationCreatedEvent,
    ConversationItemCreatedEvent,
    ConversationItemRetrievedEvent,
    ConversationItemDeletedEvent,
    ConversationItemTruncatedEvent,
    ConversationItemInputAudioTranscriptionDeltaEvent,
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ConversationItemInputAudioTranscriptionFailedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferClearedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    OutputAudioBufferStartedEvent,
    OutputAudioBufferStoppedEvent,
    OutputAudioBufferClearedEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseAudioDeltaEvent,
    ResponseAudioDoneEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseAudioTranscriptDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    RateLimitsUpdatedEvent,
]
