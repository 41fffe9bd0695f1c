"""The 7 events a Realtime translation server sends, tagged on ``type``.

Reference: ``openai.types.realtime.RealtimeTranslationServerEvent``. Class names are the wire
tag in CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it.
``SERVER_EVENTS`` is derived from the ``ServerEvent`` union.
"""

from typing import Union

from .._models import UNSET, Model, Opt, ServerEventBase
from .session import RealtimeTranslationSession

__all__ = [
    "ErrorEvent",
    "RealtimeError",
    "ServerEvent",
    "SessionClosedEvent",
    "SessionCreatedEvent",
    "SessionInputTranscriptDeltaEvent",
    "SessionOutputAudioDeltaEvent",
    "SessionOutputTranscriptDeltaEvent",
    "SessionUpdatedEvent",
]


class RealtimeError(Model):
    """An error the server reports; ``event_id`` names the client event that caused it."""

    type: str
    code: Opt[str] = UNSET
    message: str
    param: Opt[str] = UNSET
    event_id: Opt[str] = UNSET


class ErrorEvent(ServerEventBase, tag="error"):
    """Sent by the server when an error occurs (the SDK's ``RealtimeErrorEvent``)."""

    error: RealtimeError


class SessionCreatedEvent(ServerEventBase, tag="session.created"):
    """Sent by the server first, with the session's configuration.

    The SDK calls it ``RealtimeTranslationSessionCreatedEvent``.
    """

    session: RealtimeTranslationSession


class SessionUpdatedEvent(ServerEventBase, tag="session.updated"):
    """Sent by the server after a ``session.update``, with the whole new configuration.

    The SDK calls it ``RealtimeTranslationSessionUpdatedEvent``.
    """

    session: RealtimeTranslationSession


class SessionClosedEvent(ServerEventBase, tag="session.closed"):
    """Sent by the server when the session has closed after a ``session.close``.

    The SDK calls it ``RealtimeTranslationSessionClosedEvent``.
    """


class SessionInputTranscriptDeltaEvent(ServerEventBase, tag="session.input_transcript.delta"):
    """Sent by the server with a piece of the source-language transcript.

    The SDK calls it ``RealtimeTranslationInputTranscriptDeltaEvent``.
    """

    delta: str
    elapsed_ms: Opt[int] = UNSET


class SessionOutputTranscriptDeltaEvent(ServerEventBase, tag="session.output_transcript.delta"):
    """Sent by the server with a piece of the translated transcript.

    The SDK calls it ``RealtimeTranslationOutputTranscriptDeltaEvent``.
    """

    delta: str
    elapsed_ms: Opt[int] = UNSET


class SessionOutputAudioDeltaEvent(ServerEventBase, tag="session.output_audio.delta"):
    """Sent by the server with base64 translated audio of varying length.

    The SDK calls it ``RealtimeTranslationOutputAudioDeltaEvent``. ``format`` is ``pcm16``.
    """

    delta: str
    sample_rate: Opt[int] = UNSET
    channels: Opt[int] = UNSET
    format: Opt[str] = UNSET
    elapsed_ms: Opt[int] = UNSET


ServerEvent = Union[
    ErrorEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    SessionClosedEvent,
    SessionInputTranscriptDeltaEvent,
    SessionOutputTranscriptDeltaEvent,
    SessionOutputAudioDeltaEvent,
]
