"""GA session configuration, and the REST objects returned when a session is created.

Reference: ``openai.types.realtime`` (``realtime_session_create_request.py``,
``realtime_session_create_response.py``, ``realtime_audio_*``, ``realtime_tools_config_union.py``,
``client_secret_create_response.py``). The SDK repeats each nested object per parent
(``AudioInput`` of the request, of the response, ...); here each exists once, with every field
any of them has. Sessions echoed by the server (``session.created``) carry ``object``, ``id``
and ``expires_at`` beyond the request schema; the REST objects require ``id`` and ``object``.
"""

from typing import TYPE_CHECKING, Any, Literal, Union

from .._models import UNSET, Model, Opt, Tagged, Untagged, or_untagged

__all__ = [
    "AudioPCM",
    "AudioPCMA",
    "AudioPCMU",
    "AudioTranscription",
    "ClientSecretCreateResponse",
    "McpTool",
    "McpToolApprovalFilter",
    "McpToolFilter",
    "NoiseReduction",
    "PromptCacheBreakpoint",
    "RealtimeAudioConfig",
    "RealtimeAudioConfigInput",
    "RealtimeAudioConfigOutput",
    "RealtimeAudioFormats",
    "RealtimeFunctionTool",
    "RealtimeReasoning",
    "RealtimeSession",
    "RealtimeSessionCreateRequest",
    "RealtimeSessionCreateResponse",
    "RealtimeTool",
    "RealtimeTranscriptionSessionCreateRequest",
    "RealtimeTranscriptionSessionCreateResponse",
    "RealtimeTruncationRetentionRatio",
    "ResponseInputFile",
    "ResponseInputImage",
    "ResponseInputText",
    "ResponsePrompt",
    "SemanticVad",
    "ServerVad",
    "TokenLimits",
    "ToolChoice",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
    "TracingConfiguration",
    "TurnDetection",
    "UntaggedAudioFormat",
    "UntaggedTool",
    "UntaggedTurnDetection",
    "VoiceId",
]


# -- audio ----------------------------------------------------------------------------------


class AudioPCM(Tagged, tag="audio/pcm"):
    """16-bit little-endian mono PCM; ``rate`` is 24000."""

    rate: Opt[int] = UNSET


class AudioPCMU(Tagged, tag="audio/pcmu"):
    """G.711 mu-law at 8 kHz."""


class AudioPCMA(Tagged, tag="audio/pcma"):
    """G.711 A-law at 8 kHz."""


class UntaggedAudioFormat(Untagged):
    """An audio format sent without its ``type``, which the SDK reads as ``audio/pcm``."""

    rate: Opt[int] = UNSET


if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    RealtimeAudioFormats = or_untagged(Union[AudioPCM, AudioPCMU, AudioPCMA], UntaggedAudioFormat)
else:
    RealtimeAudioFormats = Union[AudioPCM, AudioPCMU, AudioPCMA, UntaggedAudioFormat]


class NoiseReduction(Model):
    """Input noise reduction; ``type`` is ``near_field`` or ``far_field``."""

    type: Opt[str] = UNSET
    strength: Opt[float] = UNSET


class AudioTranscription(Model):
    """Input audio transcription settings."""

    model: Opt[str] = UNSET
    language: Opt[str] = UNSET
    languages: Opt[list[str]] = UNSET
    prompt: Opt[str] = UNSET
    keywords: Opt[list[str]] = UNSET
    delay: Opt[str] = UNSET


class ServerVad(Tagged, tag="server_vad"):
    """Turn detection by periods of silence."""

    threshold: Opt[float] = UNSET
    prefix_padding_ms: Opt[int] = UNSET
    silence_duration_ms: Opt[int] = UNSET
    idle_timeout_ms: Opt[int] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


class SemanticVad(Tagged, tag="semantic_vad"):
    """Turn detection by a model judging whether the user has finished."""

    eagerness: Opt[str] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


class UntaggedTurnDetection(Untagged):
    """Turn detection sent without its ``type`` (a transcription session's, which the SDK
    types as a plain string), with the fields of :class:`ServerVad`."""

    threshold: Opt[float] = UNSET
    prefix_padding_ms: Opt[int] = UNSET
    silence_duration_ms: Opt[int] = UNSET
    idle_timeout_ms: Opt[int] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    TurnDetection = or_untagged(Union[ServerVad, SemanticVad], UntaggedTurnDetection)
else:
    TurnDetection = Union[ServerVad, SemanticVad, UntaggedTurnDetection]


class RealtimeAudioConfigInput(Model):
    """Input audio: format, transcription, noise reduction, turn detection."""

    format: Opt[RealtimeAudioFormats] = UNSET
    transcription: Opt[AudioTranscription] = UNSET
    noise_reduction: Opt[NoiseReduction] = UNSET
    turn_detection: Opt[TurnDetection] = UNSET


class VoiceId(Model):
    """A custom voice, by id."""

    id: str


class RealtimeAudioConfigOutput(Model):
    """Output audio: format, voice (a name or a custom voice), speed."""

    format: Opt[RealtimeAudioFormats] = UNSET
    voice: Opt[str | VoiceId] = UNSET
    speed: Opt[float] = UNSET


class RealtimeAudioConfig(Model):
    """Audio configuration of a session or a response."""

    input: Opt[RealtimeAudioConfigInput] = UNSET
    output: Opt[RealtimeAudioConfigOutput] = UNSET


# -- tools ----------------------------------------------------------------------------------


class RealtimeFunctionTool(Tagged, tag="function"):
    """A function the model may call; ``parameters`` is a JSON Schema, kept as sent."""

    name: Opt[str] = UNSET
    description: Opt[str] = UNSET
    parameters: Opt[Any] = UNSET


class McpToolFilter(Model):
    """Which MCP tools a rule applies to."""

    read_only: Opt[bool] = UNSET
    tool_names: Opt[list[str]] = UNSET


class McpToolApprovalFilter(Model):
    """Which MCP tools always or never need approval."""

    always: Opt[McpToolFilter] = UNSET
    never: Opt[McpToolFilter] = UNSET


class McpTool(Tagged, tag="mcp"):
    """A remote MCP server or connector the model may use (the SDK's ``Mcp``)."""

    server_label: str
    server_url: Opt[str] = UNSET
    server_description: Opt[str] = UNSET
    connector_id: Opt[str] = UNSET
    authorization: Opt[str] = UNSET
    headers: Opt[dict[str, str]] = UNSET
    allowed_tools: Opt[list[str] | McpToolFilter] = UNSET
    allowed_callers: Opt[list[str]] = UNSET
    require_approval: Opt[str | McpToolApprovalFilter] = UNSET
    defer_loading: Opt[bool] = UNSET
    tunnel_id: Opt[str] = UNSET


class UntaggedTool(Untagged):
    """A function tool sent without its ``type`` (the SDK's ``RealtimeFunctionTool``)."""

    name: Opt[str] = UNSET
    description: Opt[str] = UNSET
    parameters: Opt[Any] = UNSET


if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    RealtimeTool = or_untagged(Union[RealtimeFunctionTool, McpTool], UntaggedTool)
else:
    RealtimeTool = Union[RealtimeFunctionTool, McpTool, UntaggedTool]


class ToolChoiceFunction(Tagged, tag="function"):
    """Force a call of the named function."""

    name: str


class ToolChoiceMcp(Tagged, tag="mcp"):
    """Force a call of a tool on the named MCP server."""

    server_label: str
    name: Opt[str] = UNSET


ToolChoice = Union[str, ToolChoiceFunction, ToolChoiceMcp]
"""``"auto"``, ``"none"``, ``"required"``, or a function or MCP tool to force."""


# -- prompt, tracing, truncation, reasoning -------------------------------------------------


class PromptCacheBreakpoint(Model):
    """Where prompt caching may break."""

    mode: str
    ttl: Opt[str] = UNSET


class ResponseInputText(Tagged, tag="input_text"):
    """A text value of a prompt variable."""

    text: str
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class ResponseInputImage(Tagged, tag="input_image"):
    """An image value of a prompt variable."""

    detail: str
    file_id: Opt[str] = UNSET
    image_url: Opt[str] = UNSET
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class ResponseInputFile(Tagged, tag="input_file"):
    """A file value of a prompt variable."""

    detail: Opt[str] = UNSET
    file_data: Opt[str] = UNSET
    file_id: Opt[str] = UNSET
    file_url: Opt[str] = UNSET
    filename: Opt[str] = UNSET
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class ResponsePrompt(Model):
    """A reference to a stored prompt template and its variables."""

    id: str
    version: Opt[str] = UNSET
    variables: Opt[dict[str, str | ResponseInputText | ResponseInputImage | ResponseInputFile]] = (
        UNSET
    )


class TracingConfiguration(Model):
    """Tracing settings; ``metadata`` is free-form."""

    workflow_name: Opt[str] = UNSET
    group_id: Opt[str] = UNSET
    metadata: Opt[Any] = UNSET


class TokenLimits(Model):
    """Token limits of a retention-ratio truncation."""

    post_instructions: Opt[int] = UNSET


class RealtimeTruncationRetentionRatio(Tagged, tag="retention_ratio"):
    """Truncate the conversation to keep this fraction of the context."""

    retention_ratio: float
    token_limits: Opt[TokenLimits] = UNSET


class RealtimeReasoning(Model):
    """Reasoning effort of reasoning models."""

    effort: Opt[str] = UNSET


# -- sessions -------------------------------------------------------------------------------


class _RealtimeSessionFields(Tagged):
    """The fields of a realtime (speech-to-speech) session, in the order the server sends them."""

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    model: Opt[str] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    instructions: Opt[str] = UNSET
    tools: Opt[list[RealtimeTool]] = UNSET
    tool_choice: Opt[ToolChoice] = UNSET
    parallel_tool_calls: Opt[bool] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    tracing: Opt[str | TracingConfiguration] = UNSET
    truncation: Opt[str | RealtimeTruncationRetentionRatio] = UNSET
    prompt: Opt[ResponsePrompt] = UNSET
    reasoning: Opt[RealtimeReasoning] = UNSET
    expires_at: Opt[int] = UNSET
    audio: Opt[RealtimeAudioConfig] = UNSET
    include: Opt[list[str]] = UNSET


class _TranscriptionSessionFields(Tagged):
    """The fields of a transcription session, in the order the server sends them."""

    object: Opt[str] = UNSET
    id: Opt[str] = UNSET
    expires_at: Opt[int] = UNSET
    audio: Opt[RealtimeAudioConfig] = UNSET
    include: Opt[list[str]] = UNSET


class RealtimeSessionCreateRequest(_RealtimeSessionFields, tag="realtime"):
    """A realtime session, as ``session.update`` sends it and ``session.created`` echoes it."""


class RealtimeTranscriptionSessionCreateRequest(_TranscriptionSessionFields, tag="transcription"):
    """A transcription session, as ``session.update`` sends it and the server echoes it."""


RealtimeSession = Union[RealtimeSessionCreateRequest, RealtimeTranscriptionSessionCreateRequest]


class RealtimeSessionCreateResponse(_RealtimeSessionFields, tag="realtime"):
    """A realtime session as the REST API returns it; ``model`` and ``expires_at`` may be absent."""

    object: str
    id: str


class RealtimeTranscriptionSessionCreateResponse(_TranscriptionSessionFields, tag="transcription"):
    """A transcription session as the REST API returns it."""

    object: str
    id: str


class ClientSecretCreateResponse(Model):
    """Body of ``POST /v1/realtime/client_secrets``: an ephemeral key and its session."""

    value: str
    expires_at: int
    session: RealtimeSessionCreateResponse | RealtimeTranscriptionSessionCreateResponse
