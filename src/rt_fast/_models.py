"""The bases every rt_fast model derives from, and the ``Opt`` field alias.

Rules the models follow, in every generation:

* An optional field is ``Opt[T] = UNSET``: absent on the wire is ``UNSET``, JSON ``null`` is
  ``None``, so ``msgspec.to_builtins`` gives back exactly the frame's fields.
* Required means "the API always sends it" (from the official SDK, relaxed where recorded
  frames show otherwise).
* Values the API extends over time (statuses, voices, models, reasons) are plain ``str``; a new
  value never fails a frame. ``Literal`` is kept for tags and for scalar-or-object unions.
* Objects with a discriminator on the wire derive from ``Tagged`` (tag field ``type``) and are
  dispatched by msgspec's tagged unions.
* Where the API lets a sender leave a nested object's ``type`` out (or send it as ``null``) and
  reads the object anyway, its union has an ``Untagged`` class beside it, registered with
  ``or_untagged``: such an object decodes to that class, which keeps its fields and writes its
  ``type`` back as it came (absent or ``null``). msgspec's tagged unions cannot hold an untagged
  class, so at run time the union alias holds the tagged classes only and rt_fast's decoders
  fill the gap (``rt_fast._variants``); type checkers see the whole union.
"""

import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args

import msgspec
from msgspec import UNSET, UnsetType

if TYPE_CHECKING:  # typing_extensions is not a runtime dependency
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - the decorator only informs type checkers

    def dataclass_transform(**_: Any) -> Any:
        return lambda cls: cls


__all__ = [
    "UNSET",
    "ClientEventBase",
    "Model",
    "Opt",
    "ServerEventBase",
    "Tagged",
    "UNTAGGED",
    "UnknownEvent",
    "UnsetType",
    "Untagged",
    "or_untagged",
    "tag_table",
]

T = TypeVar("T")

Opt = Union[T, None, UnsetType]
"""An optional field: ``UNSET`` when absent, ``None`` when sent as ``null``."""


class _ModelMeta(msgspec.StructMeta):
    """Makes every field of every model keyword-only (msgspec's ``kw_only`` is per class)."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **config: Any
    ) -> "_ModelMeta":
        config.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **config)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(msgspec.field,))
class Model(
    msgspec.Struct,
    metaclass=_ModelMeta,
    frozen=True,
    omit_defaults=True,
    gc=False,
    forbid_unknown_fields=True,
):
    """Base of every rt_fast model: immutable, keyword-only, untracked by the GC.

    Models are strict (unknown members forbidden): a frame they take was checked whole. The
    decoders fall back to lenient subclasses generated from them (``rt_fast._variants``), which
    ignore unknown members, as the API's forward compatibility needs.
    """


class Tagged(Model, tag_field="type"):
    """Base of models told apart by their ``type`` on the wire."""

    @property
    def type(self) -> str:
        """The wire ``type`` of this object (its msgspec tag)."""
        tag = self.__struct_config__.tag
        assert isinstance(tag, str)
        return tag


class Untagged(Model):
    """Base of the class an object of a tagged union decodes to when it came without its tag.

    The SDK leaves ``type`` optional or nullable on some nested objects (content parts, audio
    formats, tools, turn detection); each such union has an ``Untagged...`` class beside its
    tagged ones (``rt_fast.ga.UntaggedContentPart``, ...), with the fields they share.

    Attributes:
        type: ``UNSET`` when the object had no ``type``, ``None`` when it had
            ``"type": null``; either way it is written back as it came.
    """

    type: Opt[None] = UNSET


UNTAGGED: dict[frozenset[type], type[Untagged]] = {}
"""The tagged classes of a union -> the ``Untagged`` class beside them (see ``or_untagged``)."""

U = TypeVar("U")


def or_untagged(union: U, untagged: type[Untagged]) -> U:
    """``union``, with ``untagged`` registered as what its objects without a tag decode to."""
    UNTAGGED[frozenset(get_args(union) or (union,))] = untagged
    return union


class ServerEventBase(Tagged):
    """Base of the events a server sends: ``type`` then ``event_id``."""

    event_id: str


class ClientEventBase(Tagged):
    """Base of the events a client sends: ``event_id`` is the client's to give or omit."""

    event_id: Opt[str] = UNSET


class UnknownEvent(Model):
    """A well-formed frame whose ``type`` this version of rt_fast does not know.

    Gateways keep working when the API adds an event type: ``rt_fast.encode`` writes the
    event back as the frame it came as, and ``msgspec.json.decode(event.raw)`` reads its
    content. (``msgspec.to_builtins`` cannot convert a ``msgspec.Raw``: convert the decoded
    content instead.)

    Attributes:
        type: The frame's ``type``.
        event_id: The frame's ``event_id``, or ``UNSET`` where it has none.
        raw: The whole frame, zero-copy (a view of the input, which it keeps alive).

    Examples:
        >>> event = rt_fast.decode_server_event(b'{"type":"brand.new","x":1}')
        >>> event.type, bytes(event.raw)
        ('brand.new', b'{"type":"brand.new","x":1}')
    """

    type: str
    event_id: str | UnsetType = UNSET
    raw: msgspec.Raw


def tag_table(union: Any) -> Mapping[str, type[Any]]:
    """The tag -> class table of a union of tagged Structs, in the union's order."""
    return MappingProxyType({cls.__struct_config__.tag: cls for cls in get_args(union)})
