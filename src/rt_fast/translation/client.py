"""The 3 events a Realtime translation client sends, tagged on ``type``.

Reference: ``openai.types.realtime.RealtimeTranslationClientEvent``. ``event_id`` is optional:
the client may give one, and the server echoes it in errors. Class names are the wire tag in
CamelCase plus ``Event``; where the SDK's name differs, the docstring gives it.
``CLIENT_EVENTS`` is derived from the ``ClientEvent`` union.
"""

from typing import Union

from .._models import ClientEventBase
from .session import RealtimeTranslationSessionUpdateRequest

__all__ = [
    "ClientEvent",
    "SessionCloseEvent",
    "SessionInputAudioBufferAppendEvent",
    "SessionUpdateEvent",
]


class SessionUpdateEvent(ClientEventBase, tag="session.update"):
    """Sent by the client to change the session; omitted fields keep their value.

    The SDK calls it ``RealtimeTranslationSessionUpdateEvent``.
    """

    session: RealtimeTranslationSessionUpdateRequest


class SessionInputAudioBufferAppendEvent(ClientEventBase, tag="session.input_audio_buffer.append"):
    """Sent by the client with base64 source audio.

    The SDK calls it ``RealtimeTranslationInputAudioBufferAppendEvent``.
    """

    audio: str


class SessionCloseEvent(ClientEventBase, tag="session.close"):
    """Sent by the client to end the session; the server answers ``session.closed``.

    The SDK calls it ``RealtimeTranslationSessionCloseEvent``.
    """


ClientEvent = Union[
    SessionUpdateEvent,
    SessionInputAudioBufferAppendEvent,
    SessionCloseEvent,
]
