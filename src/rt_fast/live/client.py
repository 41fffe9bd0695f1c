"""The 16 events a Live client sends, tagged on ``type``.

Reference: ``openai.types.live.ClientEvent`` (15 events) and ``ConnectClientEvent``, whose
sideband connection adds ``transport.dtmf.send``. Class names are the wire tag in CamelCase
plus ``Event``; where the SDK's name differs, the docstring gives it. ``session.input_audio.append``
and ``transport.dtmf.send`` are the classes of ``rt_fast.live.server`` (a server sends those
tags too, in the same shape). ``CLIENT_EVENTS`` is derived from the ``ClientEvent`` union.
"""

from typing import Any, Union

from .._models import UNSET, ClientEventBase, Opt
from .items import DecisionItem
from .server import SessionInputAudioAppendEvent, TransportDtmfSendEvent
from .session import ForkSessionConfig, SessionConfig, SessionUpdateConfig

__all__ = [
    "ClientEvent",
    "DecisionCreateEvent",
    "DecisionItemCreateEvent",
    "DecisionItemDeleteEvent",
    "ForkClientEvent",
    "ForkSessionStartEvent",
    "ResponseCreateEvent",
    "ResponseItemCreateEvent",
    "SessionCloseEvent",
    "SessionCommentaryAppendEvent",
    "SessionInputAudioMuteEvent",
    "SessionInputAudioUnmuteEvent",
    "SessionInstructionsAppendEvent",
    "SessionOutputAudioFixturePlayEvent",
    "SessionStartEvent",
    "SessionThinkingAppendEvent",
    "SessionUpdateEvent",
]


class SessionStartEvent(ClientEventBase, tag="session.start"):
    """Starts the session with its configuration."""

    session: SessionConfig


class ForkSessionStartEvent(ClientEventBase, tag="session.start"):
    """Starts a fork of a session (``/v1/live/sessions/{id}/fork``): its own ``session.start``,
    of another shape, so not in ``ClientEvent``; ``rt_fast.decode(frame,
    type=live.ForkClientEvent)`` reads a fork connection's client frames."""

    session: ForkSessionConfig


class SessionUpdateEvent(ClientEventBase, tag="session.update"):
    """Changes the session's delegation or triggers."""

    session: SessionUpdateConfig


class SessionCloseEvent(ClientEventBase, tag="session.close"):
    """Asks the server to close the session (it answers ``session.closed``)."""


class SessionInputAudioMuteEvent(ClientEventBase, tag="session.input_audio.mute"):
    """Stops the model hearing the input audio (the SDK's ``InputAudioMuteEvent``)."""


class SessionInputAudioUnmuteEvent(ClientEventBase, tag="session.input_audio.unmute"):
    """Lets the model hear the input audio again (the SDK's ``InputAudioUnmuteEvent``)."""


class SessionOutputAudioFixturePlayEvent(ClientEventBase, tag="session.output_audio.fixture.play"):
    """Plays this base64 audio to the user as is (the SDK's ``OutputAudioFixturePlayEvent``)."""

    audio: str


class SessionInstructionsAppendEvent(ClientEventBase, tag="session.instructions.append"):
    """Appends instructions, for the session or a delegation."""

    content: str
    delegation_id: Opt[str] = UNSET


class SessionThinkingAppendEvent(ClientEventBase, tag="session.thinking.append"):
    """Appends thinking, for the session or a delegation."""

    content: str
    delegation_id: Opt[str] = UNSET


class SessionCommentaryAppendEvent(ClientEventBase, tag="session.commentary.append"):
    """Appends commentary for the model to speak, for the session or a delegation."""

    content: str
    delegation_id: Opt[str] = UNSET


class DecisionCreateEvent(ClientEventBase, tag="decision.create"):
    """Asks the decisions model for a decision now; ``event_id`` is required."""

    event_id: str


class DecisionItemCreateEvent(ClientEventBase, tag="decision.item.create"):
    """Adds an item to the decisions context."""

    item: DecisionItem


class DecisionItemDeleteEvent(ClientEventBase, tag="decision.item.delete"):
    """Removes an item from the decisions context."""

    item_id: str


class ResponseItemCreateEvent(ClientEventBase, tag="response.item.create"):
    """Adds an item to the Responses delegation's context.

    ``item`` is any Responses API input item (messages, tool calls and their outputs,
    reasoning, ...), kept as its JSON object: the Responses API's own models are not
    rt_fast's."""

    item: dict[str, Any]


class ResponseCreateEvent(ClientEventBase, tag="response.create"):
    """Asks the Responses delegation for a response."""


ClientEvent = Union[
    SessionStartEvent,
    SessionUpdateEvent,
    SessionInputAudioAppendEvent,
    SessionInputAudioMuteEvent,
    SessionInputAudioUnmuteEvent,
    SessionOutputAudioFixturePlayEvent,
    TransportDtmfSendEvent,
    SessionInstructionsAppendEvent,
    SessionThinkingAppendEvent,
    SessionCommentaryAppendEvent,
    DecisionCreateEvent,
    DecisionItemCreateEvent,
    DecisionItemDeleteEvent,
    ResponseItemCreateEvent,
    ResponseCreateEvent,
    SessionCloseEvent,
]

ForkClientEvent = Union[
    ForkSessionStartEvent,
    SessionUpdateEvent,
    SessionInputAudioAppendEvent,
    SessionInputAudioMuteEvent,
    SessionInputAudioUnmuteEvent,
    SessionOutputAudioFixturePlayEvent,
    SessionInstructionsAppendEvent,
    SessionThinkingAppendEvent,
    SessionCommentaryAppendEvent,
    DecisionCreateEvent,
    DecisionItemCreateEvent,
    DecisionItemDeleteEvent,
    ResponseItemCreateEvent,
    ResponseCreateEvent,
    SessionCloseEvent,
]
"""The client events of a fork connection (the SDK's ``ForkClientEvent``): ``ClientEvent``'s,
with the fork's ``session.start`` (and no ``transport.dtmf.send``)."""
