"""The 30 events a Live server sends, tagged on ``type``.

Reference: ``openai.types.live.ServerEvent`` (28 events) and ``ConnectServerEvent``, whose
sideband connection adds ``session.paused`` and ``session.resumed``. Class names are the wire
tag in CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it.
``client_event_id`` names the client event a server event answers. Two events carry no
``event_id`` (``session.output_audio.delta``, and ``session.input_audio.append``, which a
sideband observer receives with the client command's shape); the legacy server
``transport.dtmf.send`` shares the client command's tag. Each of these three is one class,
in both unions, whose ``event_id`` is optional. ``SERVER_EVENTS`` is derived from the
``ServerEvent`` union.
"""

from typing import Any, Union

from .._models import UNSET, Model, Opt, ServerEventBase, Tagged
from .items import Decision, DecisionItem
from .session import ContextWindow, SessionResource, SessionUsage

__all__ = [
    "DecisionCompleted",
    "DecisionEvent",
    "DecisionItemCreatedEvent",
    "DecisionItemDeletedEvent",
    "ErrorEvent",
    "InfoEvent",
    "LiveDelegation",
    "LiveError",
    "ResponseEvent",
    "ServerEvent",
    "SessionClosedEvent",
    "SessionCommentaryAppendedEvent",
    "SessionDelegationCreatedEvent",
    "SessionInputAudioAppendEvent",
    "SessionInputAudioMutedEvent",
    "SessionInputAudioUnmutedEvent",
    "SessionInputTranscriptDeltaEvent",
    "SessionInstructionsAppendedEvent",
    "SessionOutputAudioDeltaEvent",
    "SessionOutputAudioFixturePlayedEvent",
    "SessionOutputAudioFixturePlayingEvent",
    "SessionOutputTranscriptDeltaEvent",
    "SessionPausedEvent",
    "SessionResumedEvent",
    "SessionStartedEvent",
    "SessionThinkingAppendedEvent",
    "SessionUpdatedEvent",
    "SessionUsageUpdatedEvent",
    "TransportAnsweredEvent",
    "TransportDtmfReceivedEvent",
    "TransportDtmfSendEvent",
    "TransportDtmfSentEvent",
    "TransportFailedError",
    "TransportFailedEvent",
    "TransportRingingEvent",
]


class _Answer(ServerEventBase):
    """A server event that may name the client event it answers."""

    client_event_id: Opt[str] = UNSET


class _OptionalId(ServerEventBase):
    """A server event that may come without ``event_id``."""

    event_id: Opt[str] = UNSET  # type: ignore[assignment]


# -- session --------------------------------------------------------------------------------


class SessionStartedEvent(_Answer, tag="session.started"):
    """Sent first, with the session as the server holds it."""

    session: SessionResource


class SessionUpdatedEvent(_Answer, tag="session.updated"):
    """Sent after a ``session.update``, with the whole session."""

    session: SessionResource


class SessionPausedEvent(_Answer, tag="session.paused"):
    """Sent to a sideband observer when the session pauses (the SDK's ``SessionPaused``)."""


class SessionResumedEvent(_Answer, tag="session.resumed"):
    """Sent to a sideband observer when the session resumes (the SDK's ``SessionResumed``)."""


class SessionUsageUpdatedEvent(_Answer, tag="session.usage.updated"):
    """The session's usage so far: cumulative, each report replacing the last."""

    usage: SessionUsage
    context_window: Opt[ContextWindow] = UNSET


class SessionClosedEvent(_Answer, tag="session.closed"):
    """Sent last, with why (``close_requested``, ``expired``, ``content``,
    ``remote_hangup``, ``connection_lost``), the session, and its final usage."""

    reason: str
    session: SessionResource
    usage: SessionUsage


class LiveError(Model):
    """An error the server reports; ``client_event_id`` names the client event that caused
    it (the SDK's ``live.Error``)."""

    code: str
    message: str
    type: str
    client_event_id: Opt[str] = UNSET
    param: Opt[str] = UNSET


class ErrorEvent(_Answer, tag="error"):
    """Sent when an error occurs."""

    error: LiveError


class InfoEvent(_Answer, tag="info"):
    """A notice that is not an error."""

    code: str
    message: str


# -- audio and transcripts ------------------------------------------------------------------


class SessionInputAudioMutedEvent(_Answer, tag="session.input_audio.muted"):
    """The model no longer hears the input audio (the SDK's ``InputAudioMutedEvent``)."""


class SessionInputAudioUnmutedEvent(_Answer, tag="session.input_audio.unmuted"):
    """The model hears the input audio again (the SDK's ``InputAudioUnmutedEvent``)."""


class SessionInputAudioAppendEvent(_OptionalId, tag="session.input_audio.append"):
    """Base64 mono PCM16LE at 24 kHz: a client's command, or the primary transport's audio
    reflected to a sideband observer (the SDK's ``InputAudioAppendEvent`` and
    ``SessionInputAudioAppend``)."""

    audio: str


class SessionOutputAudioDeltaEvent(_OptionalId, tag="session.output_audio.delta"):
    """A piece of output audio, base64, and where it falls in the session (ms)."""

    delta: str
    end_ms: Opt[int] = UNSET
    start_ms: Opt[int] = UNSET


class SessionOutputAudioFixturePlayingEvent(_Answer, tag="session.output_audio.fixture.playing"):
    """A fixture the client sent started playing."""


class SessionOutputAudioFixturePlayedEvent(_Answer, tag="session.output_audio.fixture.played"):
    """A fixture the client sent finished playing."""


class SessionInputTranscriptDeltaEvent(_Answer, tag="session.input_transcript.delta"):
    """A piece of the input transcript, and where it falls in the session (ms)."""

    delta: str
    end_ms: int
    start_ms: int


class SessionOutputTranscriptDeltaEvent(_Answer, tag="session.output_transcript.delta"):
    """A piece of the output transcript, and where it falls in the session (ms)."""

    delta: str
    end_ms: int
    start_ms: int


# -- what the client appends ----------------------------------------------------------------


class SessionInstructionsAppendedEvent(_Answer, tag="session.instructions.appended"):
    """Instructions the client appended took effect over ``start_ms``..``end_ms``."""

    end_ms: int
    start_ms: int


class SessionThinkingAppendedEvent(_Answer, tag="session.thinking.appended"):
    """Thinking the client appended took effect over ``start_ms``..``end_ms``."""

    end_ms: int
    start_ms: int


class SessionCommentaryAppendedEvent(_Answer, tag="session.commentary.appended"):
    """Commentary the client appended was spoken over ``start_ms``..``end_ms``."""

    end_ms: int
    start_ms: int


# -- delegation -----------------------------------------------------------------------------


class LiveDelegation(Model):
    """A delegation: its id, ``target`` (``client``, ``responses``, ``decisions``), ``type``
    ``delegation``, and the Responses response it started."""

    id: str
    target: str
    type: str
    response_id: Opt[str] = UNSET


class SessionDelegationCreatedEvent(_Answer, tag="session.delegation.created"):
    """The model delegated work, ``offset_ms`` into the session."""

    delegation: LiveDelegation
    offset_ms: int


class ResponseEvent(_Answer, tag="response.event"):
    """A Responses streaming event of a delegation, as the Responses API sends it."""

    event: dict[str, Any]
    delegation_id: Opt[str] = UNSET


class DecisionCompleted(Tagged, tag="decision.completed"):
    """A decisions model's decision."""

    decision: Decision


class DecisionEvent(ServerEventBase, tag="decision.event"):
    """A decision, from a delegation or a trigger, and the transcript event that caused it
    (``source_event_type``)."""

    event: DecisionCompleted
    delegation_id: Opt[str] = UNSET
    source_event_id: Opt[str] = UNSET
    source_event_type: Opt[str] = UNSET
    trigger_id: Opt[str] = UNSET


class DecisionItemCreatedEvent(_Answer, tag="decision.item.created"):
    """An item was added to the decisions context."""

    item: DecisionItem


class DecisionItemDeletedEvent(_Answer, tag="decision.item.deleted"):
    """An item was removed from the decisions context."""

    item_id: str


# -- telephony ------------------------------------------------------------------------------


class TransportDtmfReceivedEvent(ServerEventBase, tag="transport.dtmf.received"):
    """A DTMF key the caller pressed (``event``)."""

    event: str


class TransportDtmfSendEvent(_OptionalId, tag="transport.dtmf.send"):
    """A client's command to send a DTMF key, and the legacy server notice of it
    (the SDK's ``TransportDtmfSend``, client and server)."""

    event: str
    client_event_id: Opt[str] = UNSET


class TransportDtmfSentEvent(_Answer, tag="transport.dtmf.sent"):
    """A DTMF key was sent to the SIP trunk."""

    event: str


class TransportRingingEvent(ServerEventBase, tag="transport.ringing"):
    """The outbound call is ringing."""

    session_id: str


class TransportAnsweredEvent(ServerEventBase, tag="transport.answered"):
    """The outbound call was answered."""

    session_id: str


class TransportFailedError(Model):
    """Why an outbound call failed; ``type`` is ``call_error``."""

    code: str
    message: str
    type: str
    param: Opt[str] = UNSET


class TransportFailedEvent(ServerEventBase, tag="transport.failed"):
    """The outbound call could not be set up."""

    error: TransportFailedError
    session_id: str


ServerEvent = Union[
    SessionStartedEvent,
    SessionUpdatedEvent,
    SessionPausedEvent,
    SessionResumedEvent,
    SessionInputAudioMutedEvent,
    SessionInputAudioUnmutedEvent,
    SessionOutputAudioFixturePlayingEvent,
    SessionOutputAudioFixturePlayedEvent,
    SessionInstructionsAppendedEvent,
    SessionThinkingAppendedEvent,
    SessionCommentaryAppendedEvent,
    SessionInputAudioAppendEvent,
    SessionOutputAudioDeltaEvent,
    SessionInputTranscriptDeltaEvent,
    SessionOutputTranscriptDeltaEvent,
    SessionDelegationCreatedEvent,
    DecisionEvent,
    DecisionItemCreatedEvent,
    DecisionItemDeletedEvent,
    ResponseEvent,
    SessionUsageUpdatedEvent,
    SessionClosedEvent,
    ErrorEvent,
    InfoEvent,
    TransportDtmfReceivedEvent,
    TransportDtmfSendEvent,
    TransportDtmfSentEvent,
    TransportRingingEvent,
    TransportAnsweredEvent,
    TransportFailedEvent,
]
