"""Translation session configuration, and the REST object returned when a session is created.

Reference: ``openai.types.realtime`` (``realtime_translation_session.py``,
``realtime_translation_session_update_request.py``,
``realtime_translation_client_secret_create_response.py``). The SDK repeats each nested
object per parent (``AudioInput`` of the session, of the update request); here each exists
once, with every field any of them has. Sessions are tagged ``type: "translation"``; the
session an update sends carries no ``type`` and only the fields it changes.
"""

from .._models import UNSET, Model, Opt, Tagged

__all__ = [
    "Audio",
    "AudioInput",
    "AudioInputNoiseReduction",
    "AudioInputTranscription",
    "AudioOutput",
    "RealtimeTranslationClientSecretCreateResponse",
    "RealtimeTranslationSession",
    "RealtimeTranslationSessionUpdateRequest",
]


class AudioInputTranscription(Model):
    """Source-language transcription; when set, ``session.input_transcript.delta`` is sent.

    ``language`` is not in the SDK; the API reference's examples send it.
    """

    model: str
    language: Opt[str] = UNSET


class AudioInputNoiseReduction(Model):
    """Input noise reduction; ``type`` is ``near_field`` or ``far_field``."""

    type: str
    strength: Opt[float] = UNSET


class AudioInput(Model):
    """Input audio: transcription and noise reduction (``null`` disables either)."""

    transcription: Opt[AudioInputTranscription] = UNSET
    noise_reduction: Opt[AudioInputNoiseReduction] = UNSET


class AudioOutput(Model):
    """Output audio: the target ``language`` of the translation."""

    language: Opt[str] = UNSET


class Audio(Model):
    """Configuration of translation input and output audio."""

    input: Opt[AudioInput] = UNSET
    output: Opt[AudioOutput] = UNSET


class RealtimeTranslationSession(Tagged, tag="translation"):
    """A translation session, as ``session.created`` and the REST API return it."""

    id: str
    expires_at: int
    model: str
    audio: Audio


class RealtimeTranslationSessionUpdateRequest(Model):
    """The session ``session.update`` sends; ``model`` cannot be changed."""

    audio: Opt[Audio] = UNSET


class RealtimeTranslationClientSecretCreateResponse(Model):
    """Body of ``POST /v1/realtime/translations/client_secrets``: a key and its session."""

    value: str
    expires_at: int
    session: RealtimeTranslationSession
