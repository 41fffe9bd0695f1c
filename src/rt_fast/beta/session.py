"""Beta session configuration, and the REST objects returned when a session is created.

Reference: ``openai.types.beta.realtime`` (``session.py``, ``session_update_event.py``,
``session_create_response.py``, ``transcription_session.py``,
``transcription_session_update.py``, ``session_create_params.py``,
``transcription_session_create_params.py``). Beta sessions carry no ``type``: every object
here is untagged. The SDK repeats each nested object per parent (``TurnDetection`` of the
session, of the response, ...); here each exists once, with every field any of them has.
Sessions echoed by the server carry ``object``, ``id``, ``expires_at``, ``client_secret``
(``null``), ``truncation``, ``prompt`` and ``include`` beyond the SDK's ``Session``; turn
detection carries ``idle_timeout_ms`` (``null``).
"""

from typing import Any, Literal

from .._models import UNSET, Model, Opt, Tagged

__all__ = [
    "ClientSecret",
    "InputAudioNoiseReduction",
    "InputAudioTranscription",
    "RealtimeSessionCreateResponse",
    "RealtimeTranscriptionSessionCreateRequest",
    "RealtimeTruncationRetentionRatio",
    "ResponsePrompt",
    "Session",
    "SessionClientSecret",
    "SessionClientSecretExpiresAfter",
    "SessionClientSecretExpiresAt",
    "TokenLimits",
    "Tool",
    "TracingTracingConfiguration",
    "TranscriptionSession",
    "TurnDetection",
]


# -- audio ----------------------------------------------------------------------------------


class InputAudioNoiseReduction(Model):
    """Input noise reduction; ``type`` is ``near_field`` or ``far_field``."""

    type: Opt[str] = UNSET


class InputAudioTranscription(Model):
    """Input audio transcription settings."""

    model: Opt[str] = UNSET
    language: Opt[str] = UNSET
    prompt: Opt[str] = UNSET


class TurnDetection(Model):
    """Turn detection: ``type`` is ``server_vad`` or ``semantic_vad`` (untagged in beta).

    ``threshold``, ``prefix_padding_ms``, ``silence_duration_ms`` and ``idle_timeout_ms``
    apply to server VAD, ``eagerness`` to semantic VAD.
    """

    type: Opt[str] = UNSET
    eagerness: Opt[str] = UNSET
    threshold: Opt[float] = UNSET
    prefix_padding_ms: Opt[int] = UNSET
    silence_duration_ms: Opt[int] = UNSET
    idle_timeout_ms: Opt[int] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


# -- tools ----------------------------------------------------------------------------------


class Tool(Model):
    """A function the model may call; ``parameters`` is a JSON Schema, kept as sent."""

    type: Opt[str] = UNSET
    name: Opt[str] = UNSET
    description: Opt[str] = UNSET
    parameters: Opt[Any] = UNSET


# -- prompt, tracing, truncation ------------------------------------------------------------


class TracingTracingConfiguration(Model):
    """Tracing settings; ``metadata`` is free-form."""

    workflow_name: Opt[str] = UNSET
    group_id: Opt[str] = UNSET
    metadata: Opt[Any] = UNSET


class ResponsePrompt(Model):
    """A reference to a stored prompt template and its variables (sent as ``null`` so far)."""

    id: str
    version: Opt[str] = UNSET
    variables: Opt[dict[str, Any]] = UNSET


class TokenLimits(Model):
    """Token limits of a retention-ratio truncation."""

    post_instructions: Opt[int] = UNSET


class RealtimeTruncationRetentionRatio(Tagged, tag="retention_ratio"):
    """Truncate the conversation to keep this fraction of the context."""

    retention_ratio: float
    token_limits: Opt[TokenLimits] = UNSET


# -- client secrets -------------------------------------------------------------------------


class SessionClientSecretExpiresAfter(Model):
    """When a requested ephemeral key expires, counted from ``anchor`` (``created_at``)."""

    anchor: str
    seconds: Opt[int] = UNSET


class SessionClientSecretExpiresAt(Model):
    """When a requested ephemeral key of a transcription session expires."""

    anchor: Opt[str] = UNSET
    seconds: Opt[int] = UNSET


class SessionClientSecret(Model):
    """The ephemeral key a request asks for (the SDK's ``SessionClientSecret``).

    Realtime sessions set ``expires_after``, transcription sessions ``expires_at``.
    """

    expires_after: Opt[SessionClientSecretExpiresAfter] = UNSET
    expires_at: Opt[SessionClientSecretExpiresAt] = UNSET


class ClientSecret(Model):
    """An ephemeral key the REST API issued, and when it expires."""

    value: str
    expires_at: int


# -- sessions -------------------------------------------------------------------------------


class _SessionFields(Model):
    """The fields of a beta session, in the order the server sends them (up to the secret)."""

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    model: Opt[str] = UNSET
    modalities: Opt[list[str]] = UNSET
    instructions: Opt[str] = UNSET
    voice: Opt[str] = UNSET
    output_audio_format: Opt[str] = UNSET
    tools: Opt[list[Tool]] = UNSET
    tool_choice: Opt[str] = UNSET
    temperature: Opt[float] = UNSET
    max_response_output_tokens: Opt[int | Literal["inf"]] = UNSET
    turn_detection: Opt[TurnDetection] = UNSET
    speed: Opt[float] = UNSET
    tracing: Opt[str | TracingTracingConfiguration] = UNSET
    truncation: Opt[str | RealtimeTruncationRetentionRatio] = UNSET
    prompt: Opt[ResponsePrompt] = UNSET
    expires_at: Opt[int] = UNSET
    input_audio_noise_reduction: Opt[InputAudioNoiseReduction] = UNSET
    input_audio_format: Opt[str] = UNSET
    input_audio_transcription: Opt[InputAudioTranscription] = UNSET


class Session(_SessionFields):
    """A beta session, as ``session.update`` sends it and ``session.created`` echoes it.

    The server echoes ``client_secret`` as ``null``.
    """

    client_secret: Opt[SessionClientSecret] = UNSET
    include: Opt[list[str]] = UNSET


class RealtimeSessionCreateResponse(_SessionFields):
    """Body of ``POST /v1/realtime/sessions``: a session and its ephemeral key.

    The SDK calls it ``SessionCreateResponse``.
    """

    client_secret: ClientSecret
    include: Opt[list[str]] = UNSET


class RealtimeTranscriptionSessionCreateRequest(Model):
    """A transcription session, as ``transcription_session.update`` sends it.

    The SDK's ``Session`` of ``transcription_session_update`` (and
    ``TranscriptionSessionCreateParams``, the body of ``POST /v1/realtime/transcription_sessions``).
    """

    modalities: Opt[list[str]] = UNSET
    input_audio_noise_reduction: Opt[InputAudioNoiseReduction] = UNSET
    turn_detection: Opt[TurnDetection] = UNSET
    input_audio_format: Opt[str] = UNSET
    input_audio_transcription: Opt[InputAudioTranscription] = UNSET
    client_secret: Opt[SessionClientSecret] = UNSET
    include: Opt[list[str]] = UNSET


class TranscriptionSession(Model):
    """A transcription session: body of ``POST /v1/realtime/transcription_sessions``.

    Also the session of ``transcription_session.updated``, where ``client_secret`` is absent.
    """

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    expires_at: Opt[int] = UNSET
    modalities: Opt[list[str]] = UNSET
    input_audio_noise_reduction: Opt[InputAudioNoiseReduction] = UNSET
    turn_detection: Opt[TurnDetection] = UNSET
    input_audio_format: Opt[str] = UNSET
    input_audio_transcription: Opt[InputAudioTranscription] = UNSET
    client_secret: Opt[ClientSecret] = UNSET
    include: Opt[list[str]] = UNSET
