"""Beta conversation items and their content parts.

Reference: ``openai.types.beta.realtime`` (``conversation_item.py``,
``conversation_item_content.py``, ``conversation_item_with_reference.py``,
``response_content_part_added_event.py``). Unlike GA, the beta SDK has one item class whose
``type`` (``message``, ``function_call``, ``function_call_output``) may be absent, and content
parts whose ``type`` may be absent; so items and parts here are untagged, every field is
optional, and ``type`` is a plain string. Beta items carry ``object: "realtime.item"``.
"""

from .._models import UNSET, Model, Opt

__all__ = [
    "ContentPart",
    "ConversationItem",
    "ConversationItemContent",
    "ConversationItemWithReference",
]


class ConversationItemContent(Model):
    """A content part of an item; ``transcript`` is ``null`` until transcribed.

    ``type`` is ``input_text``, ``input_audio``, ``text``, ``audio`` or ``item_reference``
    (which carries ``id``).
    """

    type: Opt[str] = UNSET
    id: Opt[str] = UNSET
    text: Opt[str] = UNSET
    transcript: Opt[str] = UNSET
    audio: Opt[str] = UNSET


class ContentPart(Model):
    """Part of ``response.content_part.*`` events, ``text`` or ``audio`` (the SDK's ``Part``)."""

    type: Opt[str] = UNSET
    text: Opt[str] = UNSET
    transcript: Opt[str] = UNSET
    audio: Opt[str] = UNSET


class _ConversationItemFields(Model):
    """The fields of a beta item, in the order the server sends them."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    type: Opt[str] = UNSET
    status: Opt[str] = UNSET
    role: Opt[str] = UNSET
    content: Opt[list[ConversationItemContent]] = UNSET
    name: Opt[str] = UNSET
    call_id: Opt[str] = UNSET
    arguments: Opt[str] = UNSET
    output: Opt[str] = UNSET


class ConversationItem(_ConversationItemFields):
    """An item: a message, a function call, or a function call output.

    Messages carry ``role`` and ``content``; function calls ``name``, ``call_id`` and
    ``arguments``; function call outputs ``call_id`` and ``output``.
    """


class ConversationItemWithReference(_ConversationItemFields):
    """An item of ``response.create`` input, or a reference to an existing item.

    A reference has ``type: "item_reference"`` and the ``id`` of the item.
    """
