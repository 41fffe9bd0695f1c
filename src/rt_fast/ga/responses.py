"""GA responses, usage, errors, rate limits and transcription results.

Reference: ``openai.types.realtime`` (``realtime_response*.py``, ``realtime_error.py``,
``rate_limits_updated_event.py``, ``conversation_item_input_audio_transcription_*``,
``log_prob_properties.py``). ``status_details`` has been seen on the wire as a plain string,
so it is a string or an object.
"""

from typing import Literal, Union

from .._models import UNSET, Model, Opt, Tagged
from .items import ConversationItem
from .session import (
    RealtimeAudioConfig,
    RealtimeReasoning,
    RealtimeTool,
    ResponsePrompt,
    ToolChoice,
)

__all__ = [
    "CachedTokensDetails",
    "Conversation",
    "LogProbProperties",
    "RateLimit",
    "RealtimeError",
    "RealtimeResponse",
    "RealtimeResponseCreateParams",
    "RealtimeResponseStatus",
    "RealtimeResponseStatusError",
    "RealtimeResponseUsage",
    "RealtimeResponseUsageInputTokenDetails",
    "RealtimeResponseUsageOutputTokenDetails",
    "TranscriptionError",
    "TranscriptionLanguage",
    "TranscriptionUsage",
    "UsageTranscriptTextUsageDuration",
    "UsageTranscriptTextUsageTokens",
    "UsageTranscriptTextUsageTokensInputTokenDetails",
]


class RealtimeError(Model):
    """An error the server reports; ``event_id`` names the client event that caused it."""

    type: str
    code: Opt[str] = UNSET
    message: str
    param: Opt[str] = UNSET
    event_id: Opt[str] = UNSET


class RateLimit(Model):
    """One rate limit and what remains of it."""

    name: Opt[str] = UNSET
    limit: Opt[int] = UNSET
    remaining: Opt[int] = UNSET
    reset_seconds: Opt[float] = UNSET


class Conversation(Model):
    """A conversation, as ``conversation.created`` announces it."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET


# -- responses ------------------------------------------------------------------------------


class RealtimeResponseStatusError(Model):
    """Why a response failed."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET


class RealtimeResponseStatus(Model):
    """Details of a response's status: its ``type``, and ``reason`` or ``error``."""

    type: Opt[str] = UNSET
    reason: Opt[str] = UNSET
    error: Opt[RealtimeResponseStatusError] = UNSET


class CachedTokensDetails(Model):
    """Cached input tokens by modality."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET


class RealtimeResponseUsageInputTokenDetails(Model):
    """Input tokens by modality, and how many were cached."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET
    cached_tokens: Opt[int] = UNSET
    cached_tokens_details: Opt[CachedTokensDetails] = UNSET


class RealtimeResponseUsageOutputTokenDetails(Model):
    """Output tokens by modality; ``reasoning_tokens`` is sent by reasoning models."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    reasoning_tokens: Opt[int] = UNSET


class RealtimeResponseUsage(Model):
    """Token usage of a response, in ``response.done``."""

    total_tokens: Opt[int] = UNSET
    input_tokens: Opt[int] = UNSET
    output_tokens: Opt[int] = UNSET
    input_token_details: Opt[RealtimeResponseUsageInputTokenDetails] = UNSET
    output_token_details: Opt[RealtimeResponseUsageOutputTokenDetails] = UNSET


class RealtimeResponse(Model):
    """A response: its status, output items, audio settings and usage."""

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    status: Opt[str] = UNSET
    status_details: Opt[RealtimeResponseStatus | str] = UNSET
    output: Opt[list[ConversationItem]] = UNSET
    conversation_id: Opt[str] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    audio: Opt[RealtimeAudioConfig] = UNSET
    usage: Opt[RealtimeResponseUsage] = UNSET
    metadata: Opt[dict[str, str]] = UNSET


class RealtimeResponseCreateParams(Model):
    """What a client asks of a response in ``response.create``."""

    conversation: Opt[str] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    instructions: Opt[str] = UNSET
    input: Opt[list[ConversationItem]] = UNSET
    metadata: Opt[dict[str, str]] = UNSET
    audio: Opt[RealtimeAudioConfig] = UNSET
    tools: Opt[list[RealtimeTool]] = UNSET
    tool_choice: Opt[ToolChoice] = UNSET
    parallel_tool_calls: Opt[bool] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    prompt: Opt[ResponsePrompt] = UNSET
    reasoning: Opt[RealtimeReasoning] = UNSET


# -- input audio transcription --------------------------------------------------------------


class LogProbProperties(Model):
    """The log probability of one transcribed token."""

    token: str
    logprob: float
    bytes: list[int]


class TranscriptionLanguage(Model):
    """A language detected in the transcribed audio."""

    code: str


class UsageTranscriptTextUsageTokensInputTokenDetails(Model):
    """Input tokens of a transcription by modality."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET


class UsageTranscriptTextUsageTokens(Tagged, tag="tokens"):
    """Transcription usage billed by tokens."""

    total_tokens: int
    input_tokens: int
    input_token_details: Opt[UsageTranscriptTextUsageTokensInputTokenDetails] = UNSET
    output_tokens: int


class UsageTranscriptTextUsageDuration(Tagged, tag="duration"):
    """Transcription usage billed by seconds of audio."""

    seconds: float


TranscriptionUsage = Union[UsageTranscriptTextUsageTokens, UsageTranscriptTextUsageDuration]


class TranscriptionError(Model):
    """Why an input audio transcription failed."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET
    param: Opt[str] = UNSET
