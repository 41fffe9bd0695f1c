"""The 46 events a GA Realtime server sends, tagged on ``type``.

Reference: ``openai.types.realtime.RealtimeServerEvent``. Class names are the wire tag in
CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it. Text deltas
carry ``obfuscation`` (padding against length side channels), absent from the SDK but sent by
the API. ``SERVER_EVENTS`` is derived from the ``ServerEvent`` union.
"""

from typing import Union

from .._models import UNSET, Opt, ServerEventBase
from .items import ContentPart, ConversationItem
from .responses import (
    Conversation,
    LogProbProperties,
    RateLimit,
    RealtimeError,
    RealtimeResponse,
    TranscriptionError,
    TranscriptionLanguage,
    TranscriptionUsage,
)
from .session import RealtimeSession

__all__ = [
    "ConversationCreatedEvent",
    "ConversationItemAddedEvent",
    "ConversationItemCreatedEvent",
    "ConversationItemDeletedEvent",
    "ConversationItemDoneEvent",
    "ConversationItemInputAudioTranscriptionCompletedEvent",
    "ConversationItemInputAudioTranscriptionDeltaEvent",
    "ConversationItemInputAudioTranscriptionFailedEvent",
    "ConversationItemInputAudioTranscriptionSegmentEvent",
    "ConversationItemRetrievedEvent",
    "ConversationItemTruncatedEvent",
    "ErrorEvent",
    "InputAudioBufferClearedEvent",
    "InputAudioBufferCommittedEvent",
    "InputAudioBufferDtmfEventReceivedEvent",
    "InputAudioBufferSpeechStartedEvent",
    "InputAudioBufferSpeechStoppedEvent",
    "InputAudioBufferTimeoutTriggeredEvent",
    "McpListToolsCompletedEvent",
    "McpListToolsFailedEvent",
    "McpListToolsInProgressEvent",
    "OutputAudioBufferClearedEvent",
    "OutputAudioBufferStartedEvent",
    "OutputAudioBufferStoppedEvent",
    "RateLimitsUpdatedEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseDoneEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseMcpCallArgumentsDeltaEvent",
    "ResponseMcpCallArgumentsDoneEvent",
    "ResponseMcpCallCompletedEvent",
    "ResponseMcpCallFailedEvent",
    "ResponseMcpCallInProgressEvent",
    "ResponseOutputAudioDeltaEvent",
    "ResponseOutputAudioDoneEvent",
    "ResponseOutputAudioTranscriptDeltaEvent",
    "ResponseOutputAudioTranscriptDoneEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseOutputTextDeltaEvent",
    "ResponseOutputTextDoneEvent",
    "ServerEvent",
    "SessionCreatedEvent",
    "SessionUpdatedEvent",
]


# -- session and conversation ---------------------------------------------------------------


class ErrorEvent(ServerEventBase, tag="error"):
    """Sent by the server when an error occurs (the SDK's ``RealtimeErrorEvent``)."""

    error: RealtimeError


class SessionCreatedEvent(ServerEventBase, tag="session.created"):
    """Sent by the server first, with the session's configuration."""

    session: RealtimeSession


class SessionUpdatedEvent(ServerEventBase, tag="session.updated"):
    """Sent by the server after a ``session.update``, with the whole new configuration."""

    session: RealtimeSession


class ConversationCreatedEvent(ServerEventBase, tag="conversation.created"):
    """Sent by the server when a conversation is created."""

    conversation: Conversation


class ConversationItemCreatedEvent(ServerEventBase, tag="conversation.item.created"):
    """Sent by the server when an item is created."""

    previous_item_id: Opt[str] = UNSET
    item: ConversationItem


class ConversationItemAddedEvent(ServerEventBase, tag="conversation.item.added"):
    """Sent by the server when an item is added (the SDK's ``ConversationItemAdded``)."""

    previous_item_id: Opt[str] = UNSET
    item: ConversationItem


class ConversationItemDoneEvent(ServerEventBase, tag="conversation.item.done"):
    """Sent by the server when an item is complete (the SDK's ``ConversationItemDone``)."""

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
    obfuscation: Opt[str] = UNSET
    logprobs: Opt[list[LogProbProperties]] = UNSET


class ConversationItemInputAudioTranscriptionCompletedEvent(
    ServerEventBase, tag="conversation.item.input_audio_transcription.completed"
):
    """Sent by the server when a user audio transcript is complete."""

    item_id: str
    content_index: int
    transcript: str
    usage: Opt[TranscriptionUsage] = UNSET
    logprobs: Opt[list[LogProbProperties]] = UNSET
    languages: Opt[list[TranscriptionLanguage]] = UNSET


class ConversationItemInputAudioTranscriptionSegmentEvent(
    ServerEventBase, tag="conversation.item.input_audio_transcription.segment"
):
    """Sent by the server with a diarized transcript segment.

    The SDK calls it ``ConversationItemInputAudioTranscriptionSegment``.
    """

    item_id: str
    content_index: int
    id: str
    text: str
    speaker: str
    start: float
    end: float


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


class InputAudioBufferTimeoutTriggeredEvent(
    ServerEventBase, tag="input_audio_buffer.timeout_triggered"
):
    """Sent by the server when the idle timeout of server VAD fires.

    The SDK calls it ``InputAudioBufferTimeoutTriggered``.
    """

    audio_start_ms: int
    audio_end_ms: int
    item_id: str


class InputAudioBufferDtmfEventReceivedEvent(
    ServerEventBase, tag="input_audio_buffer.dtmf_event_received"
):
    """Sent by the server (SIP calls) when a DTMF key is pressed; ``event_id`` may be absent."""

    event_id: Opt[str] = UNSET  # type: ignore[assignment]
    event: str
    received_at: int


# -- output audio buffer (WebRTC and SIP) ----------------------------------------------------


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


class ResponseOutputTextDeltaEvent(ServerEventBase, tag="response.output_text.delta"):
    """Sent by the server with a piece of output text (the SDK's ``ResponseTextDeltaEvent``)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseOutputTextDoneEvent(ServerEventBase, tag="response.output_text.done"):
    """Sent by the server when output text is complete (the SDK's ``ResponseTextDoneEvent``)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseOutputAudioDeltaEvent(ServerEventBase, tag="response.output_audio.delta"):
    """Sent by the server with base64 output audio (the SDK's ``ResponseAudioDeltaEvent``)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseOutputAudioDoneEvent(ServerEventBase, tag="response.output_audio.done"):
    """Sent by the server when output audio is complete (the SDK's ``ResponseAudioDoneEvent``)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseOutputAudioTranscriptDeltaEvent(
    ServerEventBase, tag="response.output_audio_transcript.delta"
):
    """Sent by the server with a piece of the output audio's transcript.

    The SDK calls it ``ResponseAudioTranscriptDeltaEvent``.
    """

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseOutputAudioTranscriptDoneEvent(
    ServerEventBase, tag="response.output_audio_transcript.done"
):
    """Sent by the server when the output audio's transcript is complete.

    The SDK calls it ``ResponseAudioTranscriptDoneEvent``.
    """

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
    obfuscation: Opt[str] = UNSET


class ResponseFunctionCallArgumentsDoneEvent(
    ServerEventBase, tag="response.function_call_arguments.done"
):
    """Sent by the server when a function call's arguments are complete."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str


# -- MCP ------------------------------------------------------------------------------------


class McpListToolsInProgressEvent(ServerEventBase, tag="mcp_list_tools.in_progress"):
    """Sent by the server while it lists MCP tools (SDK: ``McpListToolsInProgress``)."""

    item_id: str


class McpListToolsCompletedEvent(ServerEventBase, tag="mcp_list_tools.completed"):
    """Sent by the server when MCP tools are listed (SDK: ``McpListToolsCompleted``)."""

    item_id: str


class McpListToolsFailedEvent(ServerEventBase, tag="mcp_list_tools.failed"):
    """Sent by the server when listing MCP tools fails (SDK: ``McpListToolsFailed``)."""

    item_id: str


class ResponseMcpCallArgumentsDeltaEvent(ServerEventBase, tag="response.mcp_call_arguments.delta"):
    """Sent by the server with a piece of an MCP call's arguments.

    The SDK calls it ``ResponseMcpCallArgumentsDelta``.
    """

    response_id: str
    item_id: str
    output_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseMcpCallArgumentsDoneEvent(ServerEventBase, tag="response.mcp_call_arguments.done"):
    """Sent by the server when an MCP call's arguments are complete.

    The SDK calls it ``ResponseMcpCallArgumentsDone``.
    """

    response_id: str
    item_id: str
    output_index: int
    arguments: str


class ResponseMcpCallInProgressEvent(ServerEventBase, tag="response.mcp_call.in_progress"):
    """Sent by the server when an MCP call starts (the SDK's ``ResponseMcpCallInProgress``)."""

    item_id: str
    output_index: int


class ResponseMcpCallCompletedEvent(ServerEventBase, tag="response.mcp_call.completed"):
    """Sent by the server when an MCP call succeeds (the SDK's ``ResponseMcpCallCompleted``)."""

    item_id: str
    output_index: int


class ResponseMcpCallFailedEvent(ServerEventBase, tag="response.mcp_call.failed"):
    """Sent by the server when an MCP call fails (the SDK's ``ResponseMcpCallFailed``)."""

    item_id: str
    output_index: int


class RateLimitsUpdatedEvent(ServerEventBase, tag="rate_limits.updated"):
    """Sent by the server after each response, with the rate limits that remain."""

    rate_limits: list[RateLimit]


ServerEvent = Union[
    ErrorEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    ConversationCreatedEvent,
    ConversationItemCreatedEvent,
    ConversationItemAddedEvent,
    ConversationItemDoneEvent,
    ConversationItemRetrievedEvent,
    ConversationItemDeletedEvent,
    ConversationItemTruncatedEvent,
    ConversationItemInputAudioTranscriptionDeltaEvent,
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ConversationItemInputAudioTranscriptionSegmentEvent,
    ConversationItemInputAudioTranscriptionFailedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferClearedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    InputAudioBufferTimeoutTriggeredEvent,
    InputAudioBufferDtmfEventReceivedEvent,
    OutputAudioBufferStartedEvent,
    OutputAudioBufferStoppedEvent,
    OutputAudioBufferClearedEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioDoneEvent,
    ResponseOutputAudioTranscriptDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    McpListToolsInProgressEvent,
    McpListToolsCompletedEvent,
    McpListToolsFailedEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseMcpCallInProgressEvent,
    ResponseMcpCallCompletedEvent,
    ResponseMcpCallFailedEvent,
    RateLimitsUpdatedEvent,
]
