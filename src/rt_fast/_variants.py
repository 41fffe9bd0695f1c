"""Generated variants of the models: camelCase keys, and strict shapes for auto-detection.

A variant of a model is a subclass generated from it with one more msgspec config option:
``rename="camel"`` (keys such as ``eventId``, ``inputAudioFormat``) or
``forbid_unknown_fields=True`` (a frame decodes only if its shape is exactly the model's).
msgspec applies these options to the fields a class defines, so the subclass redefines every
field, with nested model types replaced by their own variants. Tags are values and stay as they
are; free-form values (``Any``, ``dict[str, str]``) are user data and keep their keys. Because
variants are subclasses, ``isinstance`` and ``match`` on the original classes work unchanged.
Variants are made once per (model, options) and kept.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

import msgspec

from ._models import Model

__all__ = ["Naming", "NAMINGS", "origin", "recast", "variant"]

Naming = Literal["snake", "camel"]
NAMINGS: dict[str, dict[str, Any]] = {"snake": {}, "camel": {"rename": "camel"}}

_made: dict[tuple[Any, tuple[tuple[str, Any], ...]], Any] = {}
_origin: dict[type, type] = {}
_options: dict[type, dict[str, Any]] = {}


def variant(tp: Any, **options: Any) -> Any:
    """``tp`` (a model, a union, a container of them) with every model swapped for its variant."""
    if not options:
        return tp
    key = (tp, tuple(sorted(options.items())))
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
    mapped = tuple(variant(arg, **options) for arg in args)
    if get_origin(tp) in (Union, types.UnionType):
        return Union[mapped]
    return get_origin(tp)[mapped]


def _subclass(cls: type[Model], options: dict[str, Any]) -> type[Model]:
    fields = msgspec.structs.fields(cls)

    def body(namespace: dict[str, Any]) -> None:
        namespace["__annotations__"] = {f.name: variant(f.type, **options) for f in fields}
        namespace.update({f.name: f.default for f in fields if f.default is not msgspec.NODEFAULT})
        namespace["__module__"] = cls.__module__
        namespace["__qualname__"] = cls.__qualname__
        namespace["__doc__"] = cls.__doc__

    config = {**options, "tag": cls.__struct_config__.tag}
    made = types.new_class(cls.__name__, (cls,), config, body)
    _origin[made] = cls
    _options[made] = options
    return made


def origin(cls: type) -> type:
    """The model a variant was generated from (the model itself if it is not a variant)."""
    return _origin.get(cls, cls)


def recast(obj: Any, naming: str) -> Any:
    """``obj`` rebuilt from the classes of ``naming``, to encode it with that naming's keys."""
    if isinstance(obj, Model):
        cls = variant(origin(type(obj)), **NAMINGS[naming])
        if type(obj) is cls:
            return obj
        values = {name: recast(getattr(obj, name), naming) for name in obj.__struct_fields__}
        return cls(**values)
    if isinstance(obj, list):
        return [recast(item, naming) for item in obj]
    if isinstance(obj, dict):
        return {key: recast(value, naming) for key, value in obj.items()}
    return obj


def naming_of(cls: type) -> str:
    """The key naming a model class encodes with."""
    return "camel" if _options.get(cls, {}).get("rename") == "camel" else "snake"
