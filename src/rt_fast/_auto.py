"""Auto-detection (``protocol="auto"``): which generation a frame is, when it is not known.

The rule: a frame goes to the first generation, in the order GA, beta, translation, Live, whose
models take its whole shape (every key known, every value valid, every tag present), else to
the first that takes it whole with nested tags absent where the API lets them go
(``rt_fast._models.or_untagged``). A tag that only one generation has can only go there; a tag
that several share (``session.created``, ``response.done``, ``error``, ...) goes where its
shape fits, so a beta ``session.created`` (a session without ``type``) is beta and a GA one GA,
and a frame both generations read identically (``error``, ``input_audio_buffer.committed``) is
GA. Live shares ``session.updated``, ``session.update``, ``error`` and ``response.create`` with
GA, and ``session.closed``, ``session.output_audio.delta`` and the transcript deltas with
translation; its shapes differ (a session with ``status``; ``client_event_id``; ``start_ms``
and ``end_ms``; an audio delta without ``event_id``), so a Live frame is Live wherever it holds
what only Live has. The frames the generations cannot tell apart are read the same by both: a
bare ``response.create`` (GA) or ``session.close`` (translation), a ``session.update`` of an
empty session (beta), an ``error`` with neither ``client_event_id`` (GA), an audio delta with
``event_id`` and nothing else (translation). A frame no generation takes whole (it has fields
this version does not know) goes to the first generation whose tag table has its ``type``; a
well-formed frame whose ``type`` no generation has is an ``UnknownEvent``.

``Generations`` holds each generation's decoders, in that order, and applies the rule to a
frame the strict models rejected (``rt_fast._codec``'s auto decoder reads through it);
``merge_leads`` makes one route table of theirs; the rest read msgspec's rejections for the
rule (``untagged_error`` serves every decoder's lenient path too) and make the
``UnknownEvent`` of a frame no generation has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import msgspec

from ._audio import either, routed_keys
from ._errors import DecodeError
from ._guard import conflict_error, conflicting_key
from ._models import UNSET, UnknownEvent
from ._route import INPUT_ERRORS, Head, head_decode

__all__ = ["Generation", "Generations", "merge_leads", "unknown_event", "untagged_error"]

_SHAPE = ("Object contains unknown field", "Object missing required field")
_TAG_ERRORS = ("Object missing required field `type` - at `$", "Expected `str` - at `$")


def unknown_event(data: bytes | bytearray | str, head: Head) -> UnknownEvent:
    """The event of a well-formed frame of an unknown type. Its ``raw`` is the caller's
    ``bytes`` or ``str`` (which cannot change); a ``bytearray``, which can, is copied."""
    key = conflicting_key(data, routed_keys(head.type))
    if key is not None:
        raise conflict_error(key)
    event_id = head.event_id if isinstance(head.event_id, str) else UNSET
    raw = msgspec.Raw(bytes(data) if data.__class__ is bytearray else data)
    return UnknownEvent(type=head.type, event_id=event_id, raw=raw)


def _keeps(event: Any, loc: tuple[str | int, ...]) -> bool:
    """Whether the decoded ``event`` holds a value at ``loc`` (a frame's JSON path)."""
    value = msgspec.to_builtins(event.raw if isinstance(event, UnknownEvent) else event)
    for key in loc:
        if key == "...":
            return True
        if isinstance(value, dict) and key in value:
            value = value[key]
            continue
        if not isinstance(value, list) or not isinstance(key, int) or key >= len(value):
            return False
        value = value[key]
    return True


def _refused(rejections: Iterable[BaseException]) -> list[DecodeError]:
    """The strict models' rejections of a frame that name a member's value (not a member they
    do not know, nor one it misses): a generation knew that member and refused its value."""
    refused = []
    for exc in rejections:
        if isinstance(exc, msgspec.ValidationError) and not str(exc).startswith(_SHAPE):
            error = DecodeError.from_exception(exc)
            if error.loc:
                refused.append(error)
    return refused


def untagged_error(exc: BaseException) -> bool:
    """Whether msgspec rejected a frame for a nested object without its tag (or with ``null``):
    only then can the decoders that take such objects read what the tagged ones did not."""
    if not isinstance(exc, msgspec.ValidationError):
        return False
    message = str(exc)
    if not message.startswith(_TAG_ERRORS):
        return False
    return message.startswith(_TAG_ERRORS[0]) or (
        message.endswith(".type`")
        and not message.endswith("`$.type`")  # the frame's own tag, which cannot go
    )


def merge_leads(tables: list[dict[Any, Any]]) -> dict[Any, Any]:
    """The route table of several generations' unions (``_codec.Lead`` by lead): a lead's
    patterns in any of them (None if any may always hold a free-form value), an audio route
    taking what any of theirs takes, by the first that does (``_audio.either``)."""
    merged: dict[Any, Any] = {}
    for table in tables:
        for key, lead in table.items():
            have = merged.setdefault(key, lead)
            if have is not lead:
                both = (have.markers or ()) + (lead.markers or ())
                always = have.markers is None or lead.markers is None
                markers = None if always else tuple(dict.fromkeys(both))
                audio = either(have.audio, lead.audio) if have.audio and lead.audio else None
                merged[key] = have._replace(
                    markers=markers, audio=audio or have.audio or lead.audio
                )
    return merged


Decode = Callable[[Any], Any]


class Generation(NamedTuple):
    """How one generation reads a frame: its strict models, the strict models that take nested
    objects without their tag (None where its union has none), its guarded decode (lenient
    after strict), and the tags it has."""

    strict: Decode
    without_tags: Decode | None
    guarded: Decode
    tags: Iterable[str]


class Generations:
    """The generations, in auto-detection's order, and the rule that picks one for a frame."""

    def __init__(self, generations: list[Generation]) -> None:
        self.generations = generations
        self.by_tag: dict[str, list[int]] = {}  # a tag -> the generations that have it
        for index, generation in enumerate(generations):
            for tag in generation.tags:
                self.by_tag.setdefault(tag, []).append(index)

    def decode(self, data: Any) -> Any:
        """Guarded: the first generation taking the frame whole, with every tag present, then
        with nested tags absent where they may be; else the first with its type.

        A later generation may take a frame the first rejects only if it keeps the value the
        first one rejected: one that reads an invalid value as an unknown member it drops
        would turn a wrong frame into a different, valid one."""
        rejected: list[BaseException] = []
        for generation in self.generations:
            try:
                return generation.strict(data)
            except INPUT_ERRORS as exc:  # kept without its traceback, which would hold a cycle
                rejected.append(exc.with_traceback(None))
        try:
            head = head_decode(data)
        except INPUT_ERRORS as exc:
            raise DecodeError.from_exception(exc) from None
        having = self.by_tag.get(head.type)
        if having is None:
            return unknown_event(data, head)
        for index in having:
            without_tags = self.generations[index].without_tags
            if without_tags is not None and untagged_error(rejected[index]):
                try:
                    return without_tags(data)
                except INPUT_ERRORS:
                    pass
        refused = _refused(rejected[index] for index in having)
        errors: list[DecodeError] = []
        for index in having:
            try:
                event = self.generations[index].guarded(data)
            except DecodeError as exc:
                errors.append(exc)
                continue
            if not all(_keeps(event, error.loc) for error in refused):
                continue  # it drops a member whose value a generation knowing it refuses
            if not errors or errors[0].loc is None or _keeps(event, errors[0].loc):
                return event
        raise (errors or refused)[0]  # the first generation with the tag says what is wrong
