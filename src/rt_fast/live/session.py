"""Live session configuration, the session resource, usage, and the REST objects.

Reference: ``openai.types.live`` (``session_config.py``, ``session_resource.py``,
``session_update_config.py``, ``client_config.py``, ``audio_format.py``, ``initial_item.py``,
``decision_trigger.py``, ``session_usage.py``, ``live_create_response.py``,
``session_fork_response.py``). The SDK repeats nested objects per parent (``Audio`` of the
config and of the resource); here each exists once. The delegation configs, tools and decision
questions are in ``rt_fast.live.delegation``.
"""

from typing import TYPE_CHECKING, Literal, Union

from .._models import UNSET, Model, Opt, Tagged, Untagged, or_untagged
from .delegation import (
    ClientDelegation,
    DecisionTrigger,
    DelegationDecisions,
    DelegationDecisionsUpdate,
    DelegationResponses,
    DelegationResponsesUpdate,
)

__all__ = [
    "AudioFormat",
    "AudioOutput",
    "AudioPCM",
    "AudioPCMA",
    "AudioPCMU",
    "ClientConfig",
    "ContextWindow",
    "CustomVoice",
    "DataChannelConfig",
    "Delegation",
    "DelegationUpdate",
    "ForkAudio",
    "ForkSessionConfig",
    "InitialContent",
    "InitialInputText",
    "InitialItem",
    "InitialMessage",
    "InitialOutputText",
    "InitialText",
    "LiveCreateResponse",
    "LiveSessionId",
    "ServerEventSelector",
    "SessionAudio",
    "SessionConfig",
    "SessionForkResponse",
    "SessionResource",
    "SessionUpdateConfig",
    "SessionUsage",
    "UntaggedInitialContent",
    "WebRTCTransport",
]


# -- audio ----------------------------------------------------------------------------------


class AudioPCM(Tagged, tag="audio/pcm"):
    """16-bit little-endian mono PCM; ``rate`` is 16000 or 24000."""

    rate: int


class AudioPCMU(Tagged, tag="audio/pcmu"):
    """G.711 mu-law; ``rate`` is 8000."""

    rate: int


class AudioPCMA(Tagged, tag="audio/pcma"):
    """G.711 A-law; ``rate`` is 8000."""

    rate: int


AudioFormat = Union[AudioPCM, AudioPCMU, AudioPCMA]


class CustomVoice(Model):
    """A custom voice, by its id."""

    id: str


class AudioOutput(Model):
    """The output voice: a built-in voice's name (an open string) or a custom voice."""

    voice: Opt[Union[str, CustomVoice]] = UNSET


class SessionAudio(Model):
    """A session's audio: its format (both directions) and output voice."""

    format: Opt[AudioFormat] = UNSET
    output: Opt[AudioOutput] = UNSET


# -- the client's data channel --------------------------------------------------------------


class ServerEventSelector(Model):
    """A server event a data channel forwards: its ``type``, and for ``response.event`` which
    Responses event."""

    type: str
    response_event: Opt[str] = UNSET


class DataChannelConfig(Model):
    """Which events a WebRTC data channel carries: ``"all"`` or a list, each direction."""

    allowed_client_events: Opt[Union[str, list[str]]] = UNSET
    allowed_server_events: Opt[Union[str, list[ServerEventSelector]]] = UNSET


class ClientConfig(Model):
    """What the client's transport carries."""

    data_channel: DataChannelConfig


# -- initial conversation items -------------------------------------------------------------


class _InitialContentFields(Tagged):
    text: str


class InitialInputText(_InitialContentFields, tag="input_text"):
    """Text of a developer or user item."""


class InitialText(_InitialContentFields, tag="text"):
    """Text of an assistant item (``type`` ``text``)."""


class InitialOutputText(_InitialContentFields, tag="output_text"):
    """Text of an assistant item (``type`` ``output_text``)."""


class UntaggedInitialContent(Untagged):
    """Text of an initial item sent without its ``type``."""

    text: str


if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    InitialContent = or_untagged(
        Union[InitialInputText, InitialText, InitialOutputText], UntaggedInitialContent
    )
else:
    InitialContent = Union[InitialInputText, InitialText, InitialOutputText, UntaggedInitialContent]


class InitialMessage(Model):
    """An item a session starts with: a developer, user or assistant message (``role``).

    The SDK has a class per role (``initial_item.Developer``, ``User``, ``Assistant``).
    ``type`` is ``message``, or absent, or ``null``: the only kind of item, so no union."""

    role: str
    content: list[InitialContent]
    id: Opt[str] = UNSET
    status: Opt[str] = UNSET
    type: Opt[Literal["message"]] = UNSET


InitialItem = InitialMessage


# -- sessions -------------------------------------------------------------------------------

Delegation = Union[ClientDelegation, DelegationResponses, DelegationDecisions]
DelegationUpdate = Union[ClientDelegation, DelegationResponsesUpdate, DelegationDecisionsUpdate]


class _SessionFields(Model):
    model: str
    audio: Opt[SessionAudio] = UNSET
    client: Opt[ClientConfig] = UNSET
    delegation: Opt[Delegation] = UNSET
    input: Opt[list[InitialItem]] = UNSET
    instructions: Opt[str] = UNSET
    safety_identifier: Opt[str] = UNSET
    store: Opt[bool] = UNSET
    triggers: Opt[list[DecisionTrigger]] = UNSET


class SessionConfig(_SessionFields):
    """What ``session.start`` asks for (the SDK's ``SessionConfig``)."""


class SessionResource(_SessionFields):
    """A session as the server reports it (``session.started``, ``session.updated``,
    ``session.closed``): the config with its ``id``, ``expires_at`` and ``status``."""

    id: str
    expires_at: int
    status: str


class SessionUpdateConfig(Model):
    """What ``session.update`` may change: the delegation and the triggers."""

    delegation: Opt[DelegationUpdate] = UNSET
    triggers: Opt[list[DecisionTrigger]] = UNSET


class ForkAudio(Model):
    """A fork's audio: its format only (the voice is the session's)."""

    format: Opt[AudioFormat] = UNSET


class ForkSessionConfig(Model):
    """What a fork's ``session.start`` may set (the SDK's ``ForkSessionConfig``): its
    transport's audio and data channel, a Responses delegation, and ``store``."""

    audio: Opt[ForkAudio] = UNSET
    client: Opt[ClientConfig] = UNSET
    delegation: Opt[DelegationResponsesUpdate] = UNSET
    store: Opt[bool] = UNSET


class ContextWindow(Model):
    """How full the model's context window is (0 to 1)."""

    usage_ratio: float


class SessionUsage(Model):
    """A session's usage so far: cumulative seconds (each report replaces the last)."""

    seconds: float
    active_seconds: Opt[int] = UNSET
    paused_seconds: Opt[int] = UNSET


# -- REST objects ---------------------------------------------------------------------------


class LiveSessionId(Model):
    """A Live session's id."""

    id: str


class WebRTCTransport(Model):
    """The server's SDP answer; ``type`` is ``webrtc``."""

    sdp: str
    type: str


class LiveCreateResponse(Model):
    """What ``POST /v1/live/sessions`` returns: the session's id and the SDP answer."""

    session: LiveSessionId
    transport: WebRTCTransport


class SessionForkResponse(Model):
    """What forking a session over WebRTC returns: the fork's id and the SDP answer."""

    session: LiveSessionId
    transport: WebRTCTransport
