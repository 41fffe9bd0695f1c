"""Beta responses, usage, errors, rate limits and transcription results.

Reference: ``openai.types.beta.realtime`` (``realtime_response*.py``, ``error_event.py``,
``rate_limits_updated_event.py``, ``response_create_event.py``,
``conversation_item_input_audio_transcription_*``). ``status_details`` is a string or an
object, as in GA (where it has been seen on the wire as a plain string). Beta usage details
carry ``cached_tokens_details``, absent from the SDK but sent by the API.
"""

from typing import Literal, Union

from .._models import UNSET, Model, Opt, Tagged
from .items import ConversationItem, ConversationItemWithReference
from .session import Tool

__all__ = [
    "CachedTokensDetails",
    "Conversation",
    "InputTokenDetails",
    "Logprob",
    "OutputTokenDetails",
    "RateLimit",
    "RealtimeError",
    "RealtimeResponse",
    "RealtimeResponseCreateParams",
    "RealtimeResponseStatus",
    "RealtimeResponseStatusError",
    "RealtimeResponseUsage",
    "TranscriptionError",
    "TranscriptionUsage",
    "UsageTranscriptTextUsageDuration",
    "UsageTranscriptTextUsageTokens",
    "UsageTranscriptTextUsageTokensInputTokenDetails",
]


class RealtimeError(Model):
    """An error the server reports (the SDK's ``Error`` of ``error_event``).

    ``event_id`` names the client event that caused it; it and ``code`` may be ``null``.
    """

    type: str
    code: Opt[str] = UNSET
    message: str
    param: Opt[str] = UNSET
    event_id: Opt[str] = UNSET


class RateLimit(Model):
    """One rate limit (``requests`` or ``tokens``) and what remains of it."""

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
    """Why a response failed (the SDK's ``Error`` of ``realtime_response_status``)."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET


class RealtimeResponseStatus(Model):
    """Details of a response's status: its ``type``, and ``reason`` or ``error``."""

    type: Opt[str] = UNSET
    reason: Opt[str] = UNSET
    error: Opt[RealtimeResponseStatusError] = UNSET


class CachedTokensDetails(Model):
    """Cached input tokens by modality (not in the SDK, sent by the API)."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET


class InputTokenDetails(Model):
    """Input tokens by modality, and how many were cached.

    ``image_tokens`` is not in the beta SDK; GA models served on the beta API send it.
    """

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET
    cached_tokens: Opt[int] = UNSET
    cached_tokens_details: Opt[CachedTokensDetails] = UNSET


class OutputTokenDetails(Model):
    """Output tokens by modality; ``reasoning_tokens`` as GA models send it."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    reasoning_tokens: Opt[int] = UNSET


class RealtimeResponseUsage(Model):
    """Token usage of a response, in ``response.done``."""

    total_tokens: Opt[int] = UNSET
    input_tokens: Opt[int] = UNSET
    output_tokens: Opt[int] = UNSET
    input_token_details: Opt[InputTokenDetails] = UNSET
    output_token_details: Opt[OutputTokenDetails] = UNSET


class RealtimeResponse(Model):
    """A response: its status, output items, audio settings and usage."""

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    status: Opt[str] = UNSET
    status_details: Opt[RealtimeResponseStatus | str] = UNSET
    output: Opt[list[ConversationItem]] = UNSET
    conversation_id: Opt[str] = UNSET
    modalities: Opt[list[str]] = UNSET
    voice: Opt[str] = UNSET
    output_audio_format: Opt[str] = UNSET
    temperature: Opt[float] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    usage: Opt[RealtimeResponseUsage] = UNSET
    metadata: Opt[dict[str, str]] = UNSET


class RealtimeResponseCreateParams(Model):
    """What a client asks of a response in ``response.create``.

    The SDK calls it ``Response`` (of ``response_create_event``).
    """

    modalities: Opt[list[str]] = UNSET
    instructions: Opt[str] = UNSET
    voice: Opt[str] = UNSET
    output_audio_format: Opt[str] = UNSET
    tools: Opt[list[Tool]] = UNSET
    tool_choice: Opt[str] = UNSET
    temperature: Opt[float] = UNSET
    max_response_output_tokens: Opt[int | Literal["inf"]] = UNSET
    conversation: Opt[str] = UNSET
    metadata: Opt[dict[str, str]] = UNSET
    input: Opt[list[ConversationItemWithReference]] = UNSET


# -- input audio transcription --------------------------------------------------------------


class Logprob(Model):
    """The log probability of one transcribed token."""

    token: str
    logprob: float
    bytes: list[int]


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
    """Why an input audio transcription failed (the SDK's ``Error`` of its failed event)."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET
    param: Opt[str] = UNSET
