"""``DecodeError``: the one exception a decode call raises for bad input.

Its message names the offending field and its JSON path, as msgspec words them
(``Object missing required field `id` - at `$.session` ``), and carries at most a short excerpt
of the input, never the whole frame: audio frames are large. The path is also structured data:
``path`` (the JSON path string) and ``loc`` (its keys and indices).
"""

from __future__ import annotations

import re

__all__ = ["DecodeError"]

_AT = re.compile(r"(?: - at `\$[^`]*`)+$")  # one path, or several from the innermost out
_STEPS_AT = re.compile(r" - at `\$([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]*)`")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_MAX_MESSAGE = 300


class DecodeError(ValueError):
    """A frame that is not valid JSON, or not valid for the model it was decoded as.

    A subclass of ``ValueError``: the one exception a decode call raises for bad input. The
    message names the offending field and its JSON path (``Object missing required field `id`
    - at `$.session```).

    Args:
        message: What is wrong, ending with `` - at `<path>` `` where there is a path.
        path: The JSON path of the offending value.
        line: The 1-based line number, when decoding lines.
        loc: The path as keys and indices; parsed from ``path`` when not given.

    Attributes:
        path: The JSON path of the offending value (``"$"`` for the frame itself).
        loc: The same path as a tuple of keys and indices (``("session", "id")``).
        field: The offending field's name when there is one, else None.
        line: The 1-based line number when decoding lines, else None.

    Examples:
        >>> try:
        ...     rt_fast.decode_server_event(b'{"type":"session.created","event_id":"e"}')
        ... except rt_fast.DecodeError as exc:
        ...     print(exc.path, exc.field)
        $ session
    """

    path: str
    loc: tuple[str | int, ...]
    field: str | None
    line: int | None

    def __init__(
        self,
        message: str,
        *,
        path: str = "$",
        line: int | None = None,
        loc: tuple[str | int, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.loc = _parse_path(path) if loc is None else loc
        missing = _MISSING.search(message)
        last = self.loc[-1] if self.loc else None
        self.field = missing.group(1) if missing else (last if isinstance(last, str) else None)
        self.line = line

    @classmethod
    def from_exception(cls, exc: BaseException, *, line: int | None = None) -> DecodeError:
        """Translate an exception raised while decoding into a ``DecodeError``.

        Args:
            exc: The exception msgspec (or a Unicode or recursion check) raised.
            line: The 1-based line number of the frame, when decoding lines.

        Returns:
            The ``DecodeError``, its message and path taken from ``exc``.
        """
        message = str(exc) or type(exc).__name__
        if isinstance(exc, RecursionError):
            message = "JSON is nested too deeply"
        elif isinstance(exc, UnicodeError):
            message = f"invalid Unicode in input: {getattr(exc, 'reason', exc)}"
        path = "$"
        match = _AT.search(message)
        if match:  # a value converted inside another (``_variants.fill``) has its path first
            path += "".join(reversed(_STEPS_AT.findall(match.group())))
            message = f"{message[: match.start()]} - at `{path}`"
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 30] + " ... " + message[-25:]
        if line is not None:
            message = f"line {line}: {message}"
        return cls(message, path=path, line=line)


def _parse_path(path: str) -> tuple[str | int, ...]:
    """``$.a.b[0]`` -> ``("a", "b", 0)``; a dict key msgspec elides (``[...]``) stays ``"..."``."""
    return tuple(
        key or (int(index) if index.isdigit() else index)
        for key, index in _STEP.findall(path.removeprefix("$"))
    )
