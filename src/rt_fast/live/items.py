"""The items of a Live session's decisions context, and the decisions its model makes.

Reference: ``openai.types.live`` (``decision_*_message.py``, ``decision_stored_*_message.py``,
``decision_item_create_event.py``, ``decision_item_created_event.py``) and
``openai.types.decision``. The SDK has a class per message role, and one set of item classes
for what a client sends (``id`` optional) and another for what the server stores (``id``
required); on the wire messages share the tag ``message`` (which the SDK lets a sender leave
out), so here they are one class, ``role`` tells them apart, and each item class is shared by
both directions with ``id`` optional. Content parts of every role are one union.
"""

from typing import TYPE_CHECKING, Union

from .._models import UNSET, Model, Opt, Tagged, Untagged, or_untagged
from .delegation import QuestionInputImage, QuestionInputJSON, QuestionInputText

__all__ = [
    "ChoiceAnswer",
    "ChoiceProbability",
    "Decision",
    "DecisionAnswer",
    "DecisionContentPart",
    "DecisionCustomToolCall",
    "DecisionCustomToolCallOutput",
    "DecisionFunctionCall",
    "DecisionFunctionCallOutput",
    "DecisionInputTokensDetails",
    "DecisionItem",
    "DecisionMessage",
    "DecisionOutputTokensDetails",
    "DecisionUsage",
    "OutputText",
    "PredicateAnswer",
    "Refusal",
    "RefusalAnswer",
    "ScoreAnswer",
    "ScoreProbability",
    "UntaggedDecisionMessage",
]


class OutputText(Tagged, tag="output_text"):
    """Text an assistant message carries."""

    text: str


class Refusal(Tagged, tag="refusal"):
    """A refusal an assistant message carries."""

    refusal: str


DecisionContentPart = Union[
    QuestionInputText, QuestionInputImage, QuestionInputJSON, OutputText, Refusal
]


class DecisionMessage(Tagged, tag="message"):
    """A user, developer, system or assistant message (``role``); ``content`` is a string or
    parts. ``phase`` (``commentary``, ``final_answer``) is an assistant message's."""

    role: str
    content: Union[str, list[DecisionContentPart]]
    id: Opt[str] = UNSET
    phase: Opt[str] = UNSET


class UntaggedDecisionMessage(Untagged):
    """A message sent without its ``type``."""

    role: str
    content: Union[str, list[DecisionContentPart]]
    id: Opt[str] = UNSET
    phase: Opt[str] = UNSET


class DecisionFunctionCall(Tagged, tag="function_call"):
    """A function call; ``status`` is ``in_progress``, ``completed`` or ``incomplete``."""

    arguments: str
    call_id: str
    name: str
    id: Opt[str] = UNSET
    namespace: Opt[str] = UNSET
    status: Opt[str] = UNSET


class DecisionFunctionCallOutput(Tagged, tag="function_call_output"):
    """A function call's output: a string or parts."""

    call_id: str
    output: Union[str, list[DecisionContentPart]]
    id: Opt[str] = UNSET
    status: Opt[str] = UNSET


class DecisionCustomToolCall(Tagged, tag="custom_tool_call"):
    """A custom tool call."""

    call_id: str
    input: str
    name: str
    id: Opt[str] = UNSET
    namespace: Opt[str] = UNSET
    status: Opt[str] = UNSET


class DecisionCustomToolCallOutput(Tagged, tag="custom_tool_call_output"):
    """A custom tool call's output: a string or parts."""

    call_id: str
    output: Union[str, list[DecisionContentPart]]
    id: Opt[str] = UNSET
    status: Opt[str] = UNSET


_TAGGED_ITEMS = Union[
    DecisionMessage,
    DecisionFunctionCall,
    DecisionFunctionCallOutput,
    DecisionCustomToolCall,
    DecisionCustomToolCallOutput,
]
if not TYPE_CHECKING:  # the runtime union first, as documentation tools read it
    DecisionItem = or_untagged(_TAGGED_ITEMS, UntaggedDecisionMessage)
else:
    DecisionItem = Union[_TAGGED_ITEMS, UntaggedDecisionMessage]


# -- decisions ------------------------------------------------------------------------------


class PredicateAnswer(Tagged, tag="predicate"):
    """The probability that a predicate question is true."""

    probability: float
    name: Opt[str] = UNSET


class ChoiceProbability(Model):
    """One option's probability; ``value`` is a string or a boolean."""

    probability: float
    value: Union[str, bool]


class ChoiceAnswer(Tagged, tag="choice"):
    """The option chosen, with every option's probability."""

    choice: Union[str, bool]
    confidence: float
    probabilities: list[ChoiceProbability]
    name: Opt[str] = UNSET


class ScoreProbability(Model):
    """One level's probability."""

    label: str
    probability: float
    value: int


class ScoreAnswer(Tagged, tag="score"):
    """The score given, with every level's probability."""

    confidence: float
    probabilities: list[ScoreProbability]
    score: float
    name: Opt[str] = UNSET


class RefusalAnswer(Tagged, tag="refusal"):
    """The model declined this question (the others may still have answers)."""

    name: Opt[str] = UNSET


DecisionAnswer = Union[PredicateAnswer, ChoiceAnswer, ScoreAnswer, RefusalAnswer]


class DecisionInputTokensDetails(Model):
    """Input tokens written to and read from the cache."""

    cache_write_tokens: int
    cached_tokens: int


class DecisionOutputTokensDetails(Model):
    """Output tokens spent reasoning."""

    reasoning_tokens: int


class DecisionUsage(Model):
    """A decision's token usage."""

    input_tokens: int
    input_tokens_details: DecisionInputTokensDetails
    output_tokens: int
    output_tokens_details: DecisionOutputTokensDetails
    total_tokens: int


class Decision(Model):
    """A decisions model's answers, in question order (the SDK's ``openai.types.Decision``)."""

    answers: list[DecisionAnswer]
    model: str
    usage: DecisionUsage
