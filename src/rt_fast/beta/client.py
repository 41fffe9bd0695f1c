"""The 12 events a beta Realtime client sends, tagged on ``type``.

Reference: ``openai.types.beta.realtime.RealtimeClientEvent``. ``event_id`` is optional: the
client may give one, and the server echoes it in errors. Class names are the wire tag in
CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it.
``CLIENT_EVENTS`` is derived from the ``ClientEvent`` union.
"""

from typing import Union

from .._models import UNSET, ClientEventBase, Opt
from .items import ConversationItem
from .responses import RealtimeResponseCreateParams
from .session import RealtimeTranscriptionSessionCreateRequest, Session

__all__ = [
    "ClientEvent",
    "ConversationItemCreateEvent",
    "ConversationItemDeleteEvent",
    "ConversationItemRetrieveEvent",
    "ConversationItemTruncateEvent",
    "InputAudioBufferAppendEvent",
    "InputAudioBufferClearEvent",
    "InputAudioBufferCommitEvent",
    "OutputAudioBufferClearEvent",
    "ResponseCancelEvent",
    "ResponseCreateEvent",
    "SessionUpdateEvent",
    "TranscriptionSessionUpdateEvent",
]


class SessionUpdateEvent(ClientEventBase, tag="session.update"):
    """Sent by the client to change the session; omitted fields keep their value."""

    session: Session


class TranscriptionSessionUpdateEvent(ClientEventBase, tag="transcription_session.update"):
    """Sent by the client to change a transcription session.

    The SDK calls it ``TranscriptionSessionUpdate``.
    """

    session: RealtimeTranscriptionSessionCreateRequest


class InputAudioBufferAppendEvent(ClientEventBase, tag="input_audio_buffer.append"):
    """Sent by the client with base64 input audio."""

    audio: str


class InputAudioBufferCommitEvent(ClientEventBase, tag="input_audio_buffer.commit"):
    """Sent by the client to commit the input audio buffer as a user item."""


class InputAudioBufferClearEvent(ClientEventBase, tag="input_audio_buffer.clear"):
    """Sent by the client to drop the input audio buffer."""


class OutputAudioBufferClearEvent(ClientEventBase, tag="output_audio_buffer.clear"):
    """Sent by the client (WebRTC) to cut off the output audio (SDK: ``OutputAudioBufferClear``)."""


class ConversationItemCreateEvent(ClientEventBase, tag="conversation.item.create"):
    """Sent by the client to add an item to the conversation."""

    previous_item_id: Opt[str] = UNSET
    item: ConversationItem


class ConversationItemRetrieveEvent(ClientEventBase, tag="conversation.item.retrieve"):
    """Sent by the client to fetch the server's copy of an item."""

    item_id: str


class ConversationItemTruncateEvent(ClientEventBase, tag="conversation.item.truncate"):
    """Sent by the client to truncate an assistant audio item at ``audio_end_ms``."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDeleteEvent(ClientEventBase, tag="conversation.item.delete"):
    """Sent by the client to remove an item from the conversation."""

    item_id: str


class ResponseCreateEvent(ClientEventBase, tag="response.create"):
    """Sent by the client to ask for a response, optionally out of band."""

    response: Opt[RealtimeResponseCreateParams] = UNSET


class ResponseCancelEvent(ClientEventBase, tag="response.cancel"):
    """Sent by the client to cancel a response in progress."""

    response_id: Opt[str] = UNSET


ClientEvent = Union[
    SessionUpdateEvent,
    TranscriptionSessionUpdateEvent,
    InputAudioBufferAppendEvent,
    InputAudioBufferCommitEvent,
    InputAudioBufferClearEvent,
    OutputAudioBufferClearEvent,
    ConversationItemCreateEvent,
    ConversationItemRetrieveEvent,
    ConversationItemTruncateEvent,
    ConversationItemDeleteEvent,
    ResponseCreateEvent,
    ResponseCancelEvent,
]
