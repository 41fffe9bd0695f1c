"""Where a Live session delegates work: the client, a Responses model, or a decisions model.

Reference: ``openai.types.live`` (``client_delegation.py``, ``responses_delegation_config.py``,
``responses_delegation_update_config.py``, ``decisions_delegation_config.py``,
``decisions_delegation_update_config.py``, ``decision_question.py``, ``decision_trigger.py``,
``function_tool.py``). The SDK repeats the tools and tool choices in the config and in its
update; here each exists once. A config names its ``model``; an update may leave it out.
Tool types with no settings of their own are classes with no fields.
"""

from typing import Any, Union

from .._models import UNSET, Model, Opt, Tagged

__all__ = [
    "AllowedTool",
    "ChoiceQuestion",
    "ClientDelegation",
    "DecisionChoiceOption",
    "DecisionQuestion",
    "DecisionTrigger",
    "DecisionTriggerDecisions",
    "DecisionsDelegationConfig",
    "DecisionsDelegationUpdateConfig",
    "DelegationDecisions",
    "DelegationDecisionsUpdate",
    "DelegationResponses",
    "DelegationResponsesUpdate",
    "FunctionTool",
    "McpApprovalFilter",
    "McpToolFilter",
    "NetworkPolicy",
    "NetworkPolicyAllowlist",
    "NetworkPolicyDisabled",
    "PredicateQuestion",
    "QuestionInputImage",
    "QuestionInputJSON",
    "QuestionInputPart",
    "QuestionInputText",
    "Reasoning",
    "ResponsesDelegationConfig",
    "ResponsesDelegationUpdateConfig",
    "ScoreLevel",
    "ScoreQuestion",
    "ShellEnvironment",
    "ShellEnvironmentContainerAuto",
    "ShellEnvironmentContainerReference",
    "ShellEnvironmentLocal",
    "ShellLocalSkill",
    "ShellSkill",
    "ShellSkillInline",
    "ShellSkillInlineSource",
    "ShellSkillReference",
    "TextConfig",
    "Tool",
    "ToolApplyPatch",
    "ToolChoice",
    "ToolChoiceAllowedTools",
    "ToolChoiceApplyPatch",
    "ToolChoiceCodeInterpreter",
    "ToolChoiceComputer",
    "ToolChoiceCustom",
    "ToolChoiceFileSearch",
    "ToolChoiceFunction",
    "ToolChoiceImageGeneration",
    "ToolChoiceMcp",
    "ToolChoiceProgrammaticToolCalling",
    "ToolChoiceShell",
    "ToolChoiceWebSearch",
    "ToolChoiceWebSearchPreview",
    "ToolCodeInterpreter",
    "ToolComputer",
    "ToolCustom",
    "ToolFileSearch",
    "ToolImageGeneration",
    "ToolMcp",
    "ToolNamespace",
    "ToolProgrammaticToolCalling",
    "ToolSearch",
    "ToolShell",
    "ToolWebSearch",
]


# -- tool choices ---------------------------------------------------------------------------


class ToolChoiceFunction(Tagged, tag="function"):
    """Use the function tool ``name``."""

    name: str


class ToolChoiceMcp(Tagged, tag="mcp"):
    """Use the tool ``name`` of the MCP server ``server_label``."""

    name: str
    server_label: str


class ToolChoiceCustom(Tagged, tag="custom"):
    """Use the custom tool ``name``."""

    name: str


class ToolChoiceFileSearch(Tagged, tag="file_search"):
    """Use file search."""


class ToolChoiceWebSearch(Tagged, tag="web_search"):
    """Use web search."""


class ToolChoiceWebSearchPreview(Tagged, tag="web_search_preview"):
    """Use the web search preview."""


class ToolChoiceImageGeneration(Tagged, tag="image_generation"):
    """Use image generation."""


class ToolChoiceComputer(Tagged, tag="computer"):
    """Use the computer tool."""


class ToolChoiceCodeInterpreter(Tagged, tag="code_interpreter"):
    """Use the code interpreter."""


class ToolChoiceProgrammaticToolCalling(Tagged, tag="programmatic_tool_calling"):
    """Use programmatic tool calling."""


class ToolChoiceShell(Tagged, tag="shell"):
    """Use the shell."""


class ToolChoiceApplyPatch(Tagged, tag="apply_patch"):
    """Use apply-patch."""


AllowedTool = Union[
    ToolChoiceFunction,
    ToolChoiceMcp,
    ToolChoiceFileSearch,
    ToolChoiceWebSearch,
    ToolChoiceWebSearchPreview,
    ToolChoiceImageGeneration,
    ToolChoiceComputer,
    ToolChoiceCodeInterpreter,
    ToolChoiceProgrammaticToolCalling,
    ToolChoiceShell,
    ToolChoiceCustom,
    ToolChoiceApplyPatch,
]


class ToolChoiceAllowedTools(Tagged, tag="allowed_tools"):
    """Use only these tools; ``mode`` is ``none``, ``auto`` or ``required``."""

    tools: list[AllowedTool]
    mode: Opt[str] = UNSET


ToolChoice = Union[
    ToolChoiceFunction,
    ToolChoiceMcp,
    ToolChoiceFileSearch,
    ToolChoiceWebSearch,
    ToolChoiceWebSearchPreview,
    ToolChoiceImageGeneration,
    ToolChoiceComputer,
    ToolChoiceCodeInterpreter,
    ToolChoiceProgrammaticToolCalling,
    ToolChoiceShell,
    ToolChoiceCustom,
    ToolChoiceApplyPatch,
    ToolChoiceAllowedTools,
]


# -- tools ----------------------------------------------------------------------------------


class FunctionTool(Tagged, tag="function"):
    """A function the model may call; ``parameters`` is its JSON schema."""

    name: str
    description: Opt[str] = UNSET
    parameters: Opt[dict[str, Any]] = UNSET
    strict: Opt[bool] = UNSET


class ToolWebSearch(Tagged, tag="web_search"):
    """Web search."""


class ToolFileSearch(Tagged, tag="file_search"):
    """File search."""


class ToolCodeInterpreter(Tagged, tag="code_interpreter"):
    """The code interpreter."""


class ToolImageGeneration(Tagged, tag="image_generation"):
    """Image generation."""


class ToolCustom(Tagged, tag="custom"):
    """A custom tool."""


class ToolNamespace(Tagged, tag="namespace"):
    """A tool namespace."""


class ToolSearch(Tagged, tag="tool_search"):
    """Tool search."""


class ToolProgrammaticToolCalling(Tagged, tag="programmatic_tool_calling"):
    """Programmatic tool calling."""


class ToolComputer(Tagged, tag="computer"):
    """The computer tool."""


class ToolApplyPatch(Tagged, tag="apply_patch"):
    """Apply-patch."""


class NetworkPolicyDisabled(Tagged, tag="disabled"):
    """No network access."""


class NetworkPolicyAllowlist(Tagged, tag="allowlist"):
    """Network access to these domains only."""

    allowed_domains: list[str]


NetworkPolicy = Union[NetworkPolicyDisabled, NetworkPolicyAllowlist]


class ShellSkillReference(Tagged, tag="skill_reference"):
    """A stored skill, by id and optional version."""

    skill_id: str
    version: Opt[str] = UNSET


class ShellSkillInlineSource(Model):
    """An inline skill's zip archive, base64 (``type`` ``base64``, ``media_type``
    ``application/zip``)."""

    data: str
    media_type: str
    type: str


class ShellSkillInline(Tagged, tag="inline"):
    """A skill sent inline."""

    description: str
    name: str
    source: ShellSkillInlineSource


ShellSkill = Union[ShellSkillReference, ShellSkillInline]


class ShellEnvironmentContainerAuto(Tagged, tag="container_auto"):
    """A container made for the session; ``memory_limit`` is ``1g``, ``4g``, ..."""

    file_ids: Opt[list[str]] = UNSET
    memory_limit: Opt[str] = UNSET
    network_policy: Opt[NetworkPolicy] = UNSET
    skills: Opt[list[ShellSkill]] = UNSET


class ShellEnvironmentContainerReference(Tagged, tag="container_reference"):
    """An existing container, by id."""

    container_id: str


class ShellLocalSkill(Model):
    """A skill on the local machine."""

    description: str
    name: str
    path: str


class ShellEnvironmentLocal(Tagged, tag="local"):
    """The client's own machine."""

    skills: Opt[list[ShellLocalSkill]] = UNSET


ShellEnvironment = Union[
    ShellEnvironmentContainerAuto, ShellEnvironmentContainerReference, ShellEnvironmentLocal
]


class ToolShell(Tagged, tag="shell"):
    """A shell, in the given environment."""

    environment: Opt[ShellEnvironment] = UNSET


class McpToolFilter(Model):
    """Which MCP tools: read-only ones, or these names."""

    read_only: Opt[bool] = UNSET
    tool_names: Opt[list[str]] = UNSET


class McpApprovalFilter(Model):
    """Which MCP tools always and never need approval."""

    always: Opt[McpToolFilter] = UNSET
    never: Opt[McpToolFilter] = UNSET


class ToolMcp(Tagged, tag="mcp"):
    """An MCP server's tools; ``require_approval`` is ``always``, ``never`` or a filter."""

    allowed_callers: Opt[list[str]] = UNSET
    allowed_tools: Opt[Union[list[str], McpToolFilter]] = UNSET
    authorization: Opt[str] = UNSET
    connector_id: Opt[str] = UNSET
    defer_loading: Opt[bool] = UNSET
    headers: Opt[dict[str, str]] = UNSET
    require_approval: Opt[Union[str, McpApprovalFilter]] = UNSET
    server_description: Opt[str] = UNSET
    server_label: Opt[str] = UNSET
    server_url: Opt[str] = UNSET
    tunnel_id: Opt[str] = UNSET


Tool = Union[
    FunctionTool,
    ToolWebSearch,
    ToolFileSearch,
    ToolCodeInterpreter,
    ToolShell,
    ToolImageGeneration,
    ToolMcp,
    ToolCustom,
    ToolNamespace,
    ToolSearch,
    ToolProgrammaticToolCalling,
    ToolComputer,
    ToolApplyPatch,
]


# -- delegation to a Responses model --------------------------------------------------------


class Reasoning(Model):
    """Reasoning effort (``none`` ... ``xhigh``) and summary (``concise``, ``detailed``,
    ``auto``)."""

    effort: Opt[str] = UNSET
    summary: Opt[str] = UNSET


class TextConfig(Model):
    """Text output settings; ``verbosity`` is ``low``, ``medium`` or ``high``."""

    verbosity: Opt[str] = UNSET


class ResponsesDelegationUpdateConfig(Model):
    """A Responses delegation's settings as an update: every field may be left out.

    ``tool_choice`` is ``auto``, ``none``, ``required`` or a tool choice object."""

    instructions: Opt[str] = UNSET
    max_output_tokens: Opt[int] = UNSET
    model: Opt[str] = UNSET
    parallel_tool_calls: Opt[bool] = UNSET
    reasoning: Opt[Reasoning] = UNSET
    service_tier: Opt[str] = UNSET
    text: Opt[TextConfig] = UNSET
    tool_choice: Opt[Union[str, ToolChoice]] = UNSET
    tools: Opt[list[Tool]] = UNSET


class ResponsesDelegationConfig(ResponsesDelegationUpdateConfig):
    """A Responses delegation's settings: the update's, with the ``model`` named."""

    model: str


# -- delegation to a decisions model --------------------------------------------------------


class QuestionInputText(Tagged, tag="input_text"):
    """Text."""

    text: str


class QuestionInputImage(Tagged, tag="input_image"):
    """An image (URL or data URL); ``detail`` is ``low``, ``high``, ``auto`` or
    ``original``."""

    image_url: str
    detail: Opt[str] = UNSET


class QuestionInputJSON(Tagged, tag="input_json"):
    """A JSON object, or a list of them."""

    data: Union[list[dict[str, Any]], dict[str, Any]]


QuestionInputPart = Union[QuestionInputText, QuestionInputImage, QuestionInputJSON]


class DecisionChoiceOption(Model):
    """One option of a choice question: a string or a boolean, distinct by type."""

    value: Union[str, bool]
    description: Opt[str] = UNSET


class ScoreLevel(Model):
    """One level of a score question."""

    label: str
    description: Opt[str] = UNSET


class ChoiceQuestion(Tagged, tag="choice"):
    """Pick one of ``choices``."""

    choices: list[DecisionChoiceOption]
    instructions: Union[str, list[QuestionInputPart]]
    name: Opt[str] = UNSET


class PredicateQuestion(Tagged, tag="predicate"):
    """Is it true?"""

    instructions: Union[str, list[QuestionInputPart]]
    name: Opt[str] = UNSET


class ScoreQuestion(Tagged, tag="score"):
    """Which of ``levels``?"""

    instructions: Union[str, list[QuestionInputPart]]
    levels: list[ScoreLevel]
    name: Opt[str] = UNSET


DecisionQuestion = Union[ChoiceQuestion, PredicateQuestion, ScoreQuestion]


class DecisionsDelegationUpdateConfig(Model):
    """A decisions delegation's settings as an update."""

    model: Opt[str] = UNSET
    questions: Opt[list[DecisionQuestion]] = UNSET


class DecisionsDelegationConfig(Model):
    """A decisions delegation's settings: its model and questions."""

    model: str
    questions: list[DecisionQuestion]


class DecisionTriggerDecisions(Model):
    """The questions a trigger asks."""

    questions: list[DecisionQuestion]


class DecisionTrigger(Tagged, tag="decisions"):
    """Ask questions on each transcript delta of ``event_type`` (input or output)."""

    decisions: DecisionTriggerDecisions
    event_type: str


# -- delegations ----------------------------------------------------------------------------


class ClientDelegation(Tagged, tag="client"):
    """The client does the work."""

    acknowledgement_delay_ms: Opt[int] = UNSET


class DelegationResponses(Tagged, tag="responses"):
    """A Responses model does the work."""

    responses: ResponsesDelegationConfig
    acknowledgement_delay_ms: Opt[int] = UNSET


class DelegationDecisions(Tagged, tag="decisions"):
    """A decisions model does the work."""

    decisions: DecisionsDelegationConfig
    acknowledgement_delay_ms: Opt[int] = UNSET


class DelegationResponsesUpdate(Tagged, tag="responses"):
    """An update of a Responses delegation (and a fork's delegation)."""

    acknowledgement_delay_ms: Opt[int] = UNSET
    responses: Opt[ResponsesDelegationUpdateConfig] = UNSET


class DelegationDecisionsUpdate(Tagged, tag="decisions"):
    """An update of a decisions delegation."""

    acknowledgement_delay_ms: Opt[int] = UNSET
    decisions: Opt[DecisionsDelegationUpdateConfig] = UNSET
