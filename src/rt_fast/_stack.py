"""The stack of the thread that decodes, and how deep a frame it can hold.

msgspec parses nested JSON by recursion in C, about 450 bytes of stack a level of free-form
objects (measured on CPython 3.10-3.13: a 64 KiB thread crashes from ~140 levels, a 256 KiB one
from ~600), and enters the interpreter's recursion check at every level, raising
``RecursionError`` at its limit: ``sys.getrecursionlimit()`` on 3.10 and 3.11 (settable at any
time), the C recursion limit on 3.12 and 3.13 (1,500 and 10,000, not settable), the stack itself
from 3.14 on. A frame can crash the process only on a thread whose stack cannot hold that limit.

Rules:

1. A thread's stack size is learned once per thread, through ctypes: ``pthread_getattr_np``
   (Linux), ``pthread_get_stacksize_np`` (macOS), ``GetCurrentThreadStackLimits`` (Windows).
   Where it cannot be learned, the thread is taken to have ``SMALLEST_STACK`` (64 KiB).
2. It holds ``(stack - RESERVE) // PER_LEVEL`` levels: ``PER_LEVEL`` is 640 bytes (1.4 times
   the most measured), ``RESERVE`` 16 KiB for the frames already on the stack when a decode
   starts (a thread's start, the caller's code, rt_fast's own calls).
3. Where that depth reaches the interpreter's limit, ``max_depth()`` is None: msgspec's own
   ``RecursionError`` (a ``DecodeError`` to callers) stops a frame first, and no frame needs a
   nesting scan. Otherwise it is that depth, and the guard (``rt_fast._guard``) holds every
   frame that could nest deeper to it before msgspec parses it. On 3.10 and 3.11 the limit is
   read at each call, as ``sys.setrecursionlimit`` may raise it.
4. A frame of ``n`` bytes nests at most ``(n - 1) // 2`` levels: one no longer than
   ``this_thread.span`` needs no scan on this thread, whatever the limit, and the hot paths
   ask ``max_depth()`` only for longer ones.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "PER_LEVEL",
    "RESERVE",
    "SHALLOWEST",
    "SMALLEST_STACK",
    "depth_for",
    "max_depth",
    "this_thread",
]

PER_LEVEL = 640
"""Bytes of C stack a level of nesting is given (msgspec takes up to ~450)."""

RESERVE = 16 * 1024
"""Bytes of a thread's stack taken to be in use already when a decode starts."""

SMALLEST_STACK = 64 * 1024
"""The stack of a thread whose stack cannot be learned; the smallest rt_fast is made for."""


def depth_for(stack: int) -> int:
    """The levels of nesting a thread with ``stack`` bytes of stack can decode."""
    return max(1, (stack - RESERVE) // PER_LEVEL)


SHALLOWEST = depth_for(SMALLEST_STACK)
"""The nesting every thread of ``SMALLEST_STACK`` or more can decode (76 levels): no frame of
``2 * SHALLOWEST + 1`` bytes or fewer nests deeper, so such frames need no scan anywhere."""


def _limit() -> Callable[[], int]:
    """The interpreter's limit on msgspec's recursion, as a function read at each call."""
    if sys.version_info >= (3, 14):
        return lambda: 0  # the recursion check measures the stack itself: never a crash
    if sys.version_info >= (3, 12):
        return lambda: 10_000  # the C recursion limit: 1,500 (3.12), 10,000 (3.13)
    return sys.getrecursionlimit


_interpreter_limit = _limit()


class _Thread(threading.local):
    """What rt_fast knows of the calling thread's stack (class values: not learned yet)."""

    depth = -1  # the levels its stack holds
    span = 0  # frames of at most this many bytes nest no deeper (2 * depth + 1): no scan


this_thread = _Thread()
"""``this_thread.span``: the frame size up to which no frame on this thread needs a nesting
scan, whatever the recursion limit (0 until ``max_depth()`` has learned the thread: the hot
paths read it first, and call ``max_depth()`` only for a frame larger than that)."""


def max_depth() -> int | None:
    """The deepest nesting a frame decoded on this thread may have.

    The bound follows the calling thread's stack: on any thread of 64 KiB or more, a frame
    nested deeper is a ``DecodeError``, never a crash.

    Returns:
        The nesting bound in arrays and objects, or None where the interpreter's recursion
        limit (msgspec's ``RecursionError``, reported as ``DecodeError``) stops deep frames
        first.
    """
    depth = this_thread.depth
    if depth < 0:
        size = _stack_size()
        depth = this_thread.depth = depth_for(SMALLEST_STACK if size is None else size)
        this_thread.span = 2 * depth + 1
    return None if depth >= _interpreter_limit() else depth


def _stack_size() -> int | None:
    """This thread's stack size in bytes, or None where it cannot be learned."""
    try:
        import ctypes
    except ImportError:  # pragma: no cover - a Python built without ctypes
        return None
    learn = _LEARN.get(sys.platform)
    try:
        return None if learn is None else learn(ctypes)
    except (OSError, AttributeError, ValueError):  # no such function, or it failed
        return None


def _linux(ctypes: Any) -> int | None:
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_ulong
    attr = ctypes.create_string_buffer(256)  # a pthread_attr_t: 56 or 64 bytes
    if libc.pthread_getattr_np(ctypes.c_ulong(libc.pthread_self()), attr) != 0:
        return None
    try:
        base, size = ctypes.c_void_p(), ctypes.c_size_t()
        if libc.pthread_attr_getstack(attr, ctypes.byref(base), ctypes.byref(size)) != 0:
            return None
        return int(size.value)
    finally:
        libc.pthread_attr_destroy(attr)


def _macos(ctypes: Any) -> int | None:
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_void_p
    libc.pthread_get_stacksize_np.restype = ctypes.c_size_t
    libc.pthread_get_stacksize_np.argtypes = [ctypes.c_void_p]
    return int(libc.pthread_get_stacksize_np(libc.pthread_self()))


def _windows(ctypes: Any) -> int | None:
    low, high = ctypes.c_size_t(), ctypes.c_size_t()
    ctypes.windll.kernel32.GetCurrentThreadStackLimits(ctypes.byref(low), ctypes.byref(high))
    return int(high.value - low.value) or None


_LEARN: dict[str, Callable[[Any], int | None]] = {
    "linux": _linux,
    "darwin": _macos,
    "win32": _windows,
}
