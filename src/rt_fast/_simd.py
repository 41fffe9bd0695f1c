"""Optional compiled scans (the ``speed`` extra): stringzilla's SIMD byteset counts.

Nothing here changes an answer. Where stringzilla is installed, ``count_byteset(data, OPENERS)``
counts a frame's ``[`` and ``{`` bytes in one SIMD pass (strings included, so it is an upper bound
of the nesting): a frame holding at most the thread's depth (``_stack.max_depth()``) of them cannot
nest deeper, whatever its type, and the codec may hand it to msgspec without walking it. Where it is
not installed, ``count_byteset`` is None and the codec decides by the frame's type instead (slower;
the same answers). ``find_first_not_of(data, PLAIN, begin, end) < 0`` tells, in one SIMD pass, that
an audio payload is a plain JSON string, so the audio fast path may copy it into the event as it is.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["OPENERS", "PLAIN", "count_byteset", "find_first_not_of"]

OPENERS = "[{"
PLAIN = "".join(map(chr, range(0x20, 0x7F))).replace("\\", "").replace('"', "")
"""The bytes a JSON string holds as themselves: printable ASCII but the quote and backslash. A
run of them is a string's text exactly as msgspec reads it (no escape, no control character,
nothing for UTF-8 to check)."""

count_byteset: Callable[..., int] | None  # (data, chars[, start, end])
find_first_not_of: Callable[..., int] | None
try:
    import stringzilla
except ImportError:  # pragma: no cover - exercised where stringzilla is absent
    count_byteset = find_first_not_of = None
else:
    count_byteset, find_first_not_of = stringzilla.count_byteset, stringzilla.find_first_not_of
