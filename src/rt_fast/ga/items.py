"""GA conversation items and their content parts.

Reference: ``openai.types.realtime`` (``conversation_item.py`` and the
``realtime_conversation_item_*`` / ``realtime_mcp_*`` modules). Items and content parts are
tagged on ``type``. The SDK splits messages by role into three classes; on the wire they share
the tag ``message``, so here they are one class, :class:`RealtimeConversationItemMessage`, and
``role`` tells them apart. GA items carry no ``object`` (beta items do): it stays ``UNSET``.
"""

from typing import TYPE_CHECKING, Any, Union

from .._models import UNSET, Model, Opt, Tagged, Untagged, or_untagged

__all__ = [
    "AudioContent",
    "ContentPart",
    "ConversationItem",
    "InputAudioContent",
    "InputImageContent",
    "InputTextContent",
    "McpError",
    "McpListToolsTool",
    "OutputAudioContent",
    "OutputTextContent",
    "RealtimeConversationItemFunctionCall",
    "RealtimeConversationItemFunctionCallOutput",
    "RealtimeConversationItemMessage",
    "RealtimeMcpApprovalRequest",
    "RealtimeMcpApprovalResponse",
    "RealtimeMcpListTools",
    "RealtimeMcpProtocolError",
    "RealtimeMcpToolCall",
    "RealtimeMcpToolExecutionError",
    "RealtimeMcphttpError",
    "ResponseItemReference",
    "TextContent",
    "UntaggedContentPart",
]


# -- content parts -------------------------------------------------------------------------


class _ContentFields(Tagged):
    """The fields of every content part: the SDK models a part as one flat object, any field
    with any ``type``, so each tagged class below carries them all and loses none."""

    text: Opt[str] = UNSET
    audio: Opt[str] = UNSET
    transcript: Opt[str] = UNSET
    image_url: Opt[str] = UNSET
    detail: Opt[str] = UNSET


class InputTextContent(_ContentFields, tag="input_text"):
    """Text a user or system message carries (``text``)."""


class InputAudioContent(_ContentFields, tag="input_audio"):
    """Audio a user message carries (``audio``); ``transcript`` is ``null`` until transcribed."""


class InputImageContent(_ContentFields, tag="input_image"):
    """An image a user message carries (``image_url``, a data URL, and ``detail``)."""


class OutputTextContent(_ContentFields, tag="output_text"):
    """Text an assistant message carries (``text``)."""


class OutputAudioContent(_ContentFields, tag="output_audio"):
    """Audio an assistant message carries (``audio``), with its ``transcript``."""


class TextContent(_ContentFields, tag="text"):
    """Text part of ``response.content_part.*`` events (the SDK's ``Part`` of type ``text``)."""


class AudioContent(_ContentFields, tag="audio"):
    """Audio part of ``response.content_part.*`` events (the SDK's ``Part`` of type ``audio``)."""


class UntaggedContentPart(Untagged):
    """A content part sent without its ``type``, with the fields every content part has."""

    text: Opt[str] = UNSET
    audio: Opt[str] = UNSET
    transcript: Opt[str] = UNSET
    image_url: Opt[str] = UNSET
    detail: Opt[str] = UNSET


_TAGGED_CONTENT = Union[
    InputTextContent,
    InputAudioContent,
    InputImageContent,
    OutputTextContent,
    OutputAudioContent,
    TextContent,
    AudioContent,
]
if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    ContentPart = or_untagged(_TAGGED_CONTENT, UntaggedContentPart)
else:
    ContentPart = Union[_TAGGED_CONTENT, UntaggedContentPart]


# -- MCP errors -----------------------------------------------------------------------------


class RealtimeMcpProtocolError(Tagged, tag="protocol_error"):
    """An MCP protocol error."""

    code: int
    message: str


class RealtimeMcpToolExecutionError(Tagged, tag="tool_execution_error"):
    """An error the MCP tool raised."""

    message: str


class RealtimeMcphttpError(Tagged, tag="http_error"):
    """An HTTP error from the MCP server."""

    code: int
    message: str


McpError = Union[RealtimeMcpProtocolError, RealtimeMcpToolExecutionError, RealtimeMcphttpError]


# -- items ----------------------------------------------------------------------------------


class RealtimeConversationItemMessage(Tagged, tag="message"):
    """A message item; the SDK's System/User/AssistantMessage, told apart by ``role``.

    ``phase`` (``"final_answer"``) is sent on assistant messages by newer models.
    """

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET
    role: str
    content: list[ContentPart]
    phase: Opt[str] = UNSET


class RealtimeConversationItemFunctionCall(Tagged, tag="function_call"):
    """A call the model makes to a function tool."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET
    name: str
    call_id: Opt[str] = UNSET
    arguments: str


class RealtimeConversationItemFunctionCallOutput(Tagged, tag="function_call_output"):
    """The output of a function call, sent by the client."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET
    call_id: str
    output: str


class RealtimeMcpApprovalRequest(Tagged, tag="mcp_approval_request"):
    """The server asks whether an MCP tool call may run."""

    id: str
    server_label: str
    name: str
    arguments: str


class RealtimeMcpApprovalResponse(Tagged, tag="mcp_approval_response"):
    """The client's answer to an MCP approval request."""

    id: str
    approval_request_id: str
    approve: bool
    reason: Opt[str] = UNSET


class McpListToolsTool(Model):
    """One tool an MCP server lists (the SDK's ``Tool`` of ``realtime_mcp_list_tools``)."""

    name: str
    description: Opt[str] = UNSET
    input_schema: Any
    annotations: Opt[Any] = UNSET


class RealtimeMcpListTools(Tagged, tag="mcp_list_tools"):
    """The tools an MCP server offers."""

    id: Opt[str] = UNSET
    server_label: str
    tools: list[McpListToolsTool]


class RealtimeMcpToolCall(Tagged, tag="mcp_call"):
    """A call of an MCP tool and, once done, its output or error."""

    id: str
    server_label: str
    name: str
    arguments: str
    approval_request_id: Opt[str] = UNSET
    output: Opt[str] = UNSET
    error: Opt[McpError] = UNSET


class ResponseItemReference(Tagged, tag="item_reference"):
    """A reference to an existing item, in ``response.create`` input."""

    id: str


ConversationItem = Union[
    RealtimeConversationItemMessage,
    RealtimeConversationItemFunctionCall,
    RealtimeConversationItemFunctionCallOutput,
    RealtimeMcpApprovalResponse,
    RealtimeMcpListTools,
    RealtimeMcpToolCall,
    RealtimeMcpApprovalRequest,
    ResponseItemReference,
]
