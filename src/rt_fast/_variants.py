"""Generated variants of the models: camelCase keys, and strict shapes for auto-detection.

A variant of a model is a subclass generated from it with one more msgspec config option:
``rename="camel"`` (keys such as ``eventId``, ``inputAudioFormat``) or
``forbid_unknown_fields=True`` (a frame decodes only if its shape is exactly the model's).
msgspec applies these options to the fields a class defines, so the subclass redefines every
field, with nested model types replaced by their own variants. Tags are values and stay as they
are; free-form values (``Any``, ``dict[str, str]``) are user data and keep their keys. Because
variants are subclasses, ``isinstance`` and ``match`` on the original classes work unchanged.
Variants are made once per (model, options) and kept.

One option is rt_fast's own: ``untagged=True`` lets the objects of a union that has an
``Untagged`` class beside it (``rt_fast._models.or_untagged``) come without their tag. msgspec
cannot mix tagged and untagged classes in a union, so such a union becomes a hole: a type
msgspec does not know, whose JSON it hands to ``fill`` (the decoders' ``dec_hook``), which
converts an object without a ``type`` (or with ``null``) to the untagged class and any other
value to the tagged union. Classes that hold no hole are not remade for this option alone.

A hole's JSON is parsed as a free-form value, which range-checks every number in it, where the
tagged twin's decoder only checks the syntax of a member it ignores. So the holed decoders read
numbers through ``number`` (their ``float_hook``): a float out of range becomes
``NumberOutOfRange``, which no typed field takes (an error, as for the tagged twin), which an
ignored member drops (as the tagged twin does), and which ``out_of_range`` finds where a
free-form value kept it (an error, as for the tagged twin): one rule for both.
"""

from __future__ import annotations

import abc
import math
import re
import threading
import types
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

import msgspec

from ._models import UNTAGGED, Model

__all__ = [
    "NAMINGS",
    "Naming",
    "NumberOutOfRange",
    "fill",
    "number",
    "origin",
    "out_of_range",
    "recast",
    "variant",
]

Naming = Literal["snake", "camel"]
NAMINGS: dict[str, dict[str, Any]] = {"snake": {}, "camel": {"rename": "camel"}}

_made: dict[tuple[Any, tuple[tuple[str, Any], ...]], Any] = {}
_making = threading.RLock()  # reentrant: making a variant makes those of its fields
_origin: dict[type, type] = {}
_options: dict[type, dict[str, Any]] = {}


def variant(tp: Any, **options: Any) -> Any:
    """``tp`` (a model, a union, a container of them) with every model swapped for its variant."""
    if not options:
        return tp
    key = (tp, tuple(sorted(options.items())))
    made = _made.get(key)
    if made is None:
        with _making:  # threads asking at once get one class (made once, kept)
            made = _made.get(key)
            if made is None:
                made = _made[key] = _make(tp, options)
    return made


def _make(tp: Any, options: dict[str, Any]) -> Any:
    if isinstance(tp, type) and issubclass(tp, Model):
        return _subclass(tp, options)
    args = get_args(tp)
    if not args or get_origin(tp) is Literal:
        return tp
    union = get_origin(tp) in (Union, types.UnionType)
    if union and options.get("untagged"):
        args = _holed(args, options)
    mapped = tuple(variant(arg, **options) for arg in args)
    if union:
        return Union[mapped]
    return get_origin(tp)[mapped]


def _subclass(cls: type[Model], options: dict[str, Any]) -> type[Model]:
    fields = msgspec.structs.fields(cls)
    annotations = {f.name: variant(f.type, **options) for f in fields}
    config = {key: value for key, value in options.items() if key != "untagged"}
    if not config and all(annotations[f.name] == f.type for f in fields):
        return cls  # ``untagged`` alone, and no hole below: the model as it is

    def body(namespace: dict[str, Any]) -> None:
        namespace["__annotations__"] = annotations
        namespace.update({f.name: f.default for f in fields if f.default is not msgspec.NODEFAULT})
        namespace["__module__"] = cls.__module__
        namespace["__qualname__"] = cls.__qualname__
        namespace["__doc__"] = cls.__doc__

    made = types.new_class(cls.__name__, (cls,), {**config, "tag": cls.__struct_config__.tag}, body)
    _origin[made] = cls
    _options[made] = options
    return made


class Hole(abc.ABC):
    """A union with an ``Untagged`` class beside it, as the ``untagged`` option makes it: its
    values go to ``fill``. Its variant classes are registered as virtual subclasses, as msgspec
    checks that a ``dec_hook`` returns an instance of the type it was asked for."""

    tagged: ClassVar[Any]
    untagged: ClassVar[type[Model]]


def _holed(args: tuple[Any, ...], options: dict[str, Any]) -> tuple[Any, ...]:
    """``args`` of a union, each group of tagged classes with an ``Untagged`` class replaced by
    its hole."""
    for members, untagged in UNTAGGED.items():
        if members <= set(args):
            tagged = tuple(arg for arg in args if arg in members)
            args = (*(arg for arg in args if arg not in members), _hole(tagged, untagged, options))
    return args


def _hole(tagged: tuple[Any, ...], untagged: type[Model], options: dict[str, Any]) -> type[Hole]:
    key = (tagged, tuple(sorted(options.items())))
    made: type[Hole] | None = _made.get(key)
    if made is None:
        union: Any = Union[tuple(variant(member, **options) for member in tagged)]
        namespace = {"tagged": union, "untagged": variant(untagged, **options)}
        made = _made[key] = type(f"{untagged.__name__}Hole", (Hole,), namespace)
        for cls in (*(get_args(union) or (union,)), made.untagged):
            made.register(cls)
    return made


def fill(tp: Any, obj: Any) -> Any:
    """The ``dec_hook`` of decoders made with ``untagged=True``: a hole's value, converted.

    An error inside is re-raised as ``ValueError``, which msgspec reports with the hole's path
    after the error's own (``rt_fast.DecodeError`` joins the two)."""
    if not (isinstance(tp, type) and issubclass(tp, Hole)):
        raise TypeError(f"{tp!r} is not an rt_fast type")
    target = tp.untagged if isinstance(obj, dict) and obj.get("type") is None else tp.tagged
    try:
        return msgspec.convert(obj, target, dec_hook=fill)
    except msgspec.ValidationError as exc:  # worded as msgspec words a number out of range
        raise ValueError(_REFUSED.sub("Number out of range", str(exc))) from None


_REFUSED = re.compile(r"^Expected `[^`]*`, got `NumberOutOfRange`")


class NumberOutOfRange:
    """A JSON number too large for a float, read by a holed decoder (see the module)."""

    __slots__ = ()


_OUT_OF_RANGE = NumberOutOfRange()


def number(text: str) -> Any:
    """The ``float_hook`` of holed decoders: the float, or ``NumberOutOfRange`` (see the module)."""
    value = float(text)
    return _OUT_OF_RANGE if value in (math.inf, -math.inf) else value


def out_of_range(obj: Any) -> str | None:
    """The JSON path of a ``NumberOutOfRange`` a decoded ``obj`` kept in a free-form value (as
    msgspec words paths: ``$.session.tools[0].parameters[...]``), else None."""
    try:
        msgspec.to_builtins(obj)
    except TypeError:  # the only value it cannot encode: find where (a walk, not recursion)
        pass
    else:
        return None
    stack: list[tuple[Any, str]] = [(obj, "$")]
    while stack:
        value, path = stack.pop()
        if value is _OUT_OF_RANGE:
            return path
        if isinstance(value, msgspec.Struct):
            keys = zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True)
            stack.extend((getattr(value, name), f"{path}.{key}") for name, key in keys)
        elif isinstance(value, dict):
            stack.extend((item, f"{path}[...]") for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    return "$"


def origin(cls: type) -> type:
    """The model a variant was generated from (the model itself if it is not a variant)."""
    return _origin.get(cls, cls)


def recast(obj: Any, naming: str) -> Any:
    """``obj`` rebuilt from the classes of ``naming``, to encode it with that naming's keys.

    Models hold models directly, in a list or as a dict's values, never deeper (no list of
    lists of models): so only those are rebuilt, and a free-form value (tool parameters, of
    any depth a decoder took) is kept as it is, not walked: the recursion is as deep as the
    models nest, whatever the frame held."""
    if not isinstance(obj, Model):
        return _held(obj, naming)
    cls = variant(origin(type(obj)), **NAMINGS[naming])
    if type(obj) is cls:
        return obj
    return cls(**{name: _held(getattr(obj, name), naming) for name in obj.__struct_fields__})


def _held(value: Any, naming: str) -> Any:
    """A field's value with the models it holds recast (see ``recast``)."""
    if isinstance(value, Model):
        return recast(value, naming)
    if isinstance(value, list) and any(isinstance(item, Model) for item in value):
        return [recast(item, naming) if isinstance(item, Model) else item for item in value]
    if isinstance(value, dict) and any(isinstance(item, Model) for item in value.values()):
        return {k: recast(v, naming) if isinstance(v, Model) else v for k, v in value.items()}
    return value


def naming_of(cls: type) -> str:
    """The key naming a model class encodes with."""
    return "camel" if _options.get(cls, {}).get("rename") == "camel" else "snake"
