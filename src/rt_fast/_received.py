"""What clients sent a server (``rt_fast.server.Received``): the frames, bounded, and their
types and events on demand, for the test that reads them."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from typing import Any

from ._audio import peek_type
from ._decoders import decode_client_event
from ._errors import DecodeError

__all__ = ["Received"]


class Received:
    """What clients sent a server, frame by frame as received.

    It keeps the newest ``MAX_FRAMES`` frames, and of them the newest ``MAX_BYTES``; it is
    safe to read from another thread while the server runs.

    Args:
        protocol: The generation ``events`` decodes the frames by (``"ga"``, ``"live"``, ...).

    Attributes:
        MAX_BYTES: The most bytes of frames kept (64 MiB).
        MAX_FRAMES: The most frames kept (100,000).

    Examples:
        >>> received = rt_fast.server.Received()
        >>> received.add(b'{"type":"response.create"}')
        >>> received.types(), received.events()
        (['response.create'], [ResponseCreateEvent(event_id=UNSET, response=UNSET)])
    """

    MAX_BYTES = 64 * 1024 * 1024
    MAX_FRAMES = 100_000

    def __init__(self, protocol: str = "ga") -> None:
        self.protocol = protocol  # how ``events`` decodes
        self._frames: deque[bytes] = deque()
        self._size = 0
        self._lock = threading.Lock()

    def add(self, frame: bytes) -> None:
        """Keep a received frame, dropping the oldest beyond the bounds.

        Args:
            frame: The frame, as received.
        """
        with self._lock:
            self._frames.append(frame)
            self._size += len(frame)
            while self._size > self.MAX_BYTES or len(self._frames) > self.MAX_FRAMES:
                self._size -= len(self._frames.popleft())

    @property
    def frames(self) -> list[bytes]:
        """The frames kept, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._frames)

    def events(self, tag: str | None = None) -> list[Any]:
        """The frames that decode as GA client events, decoded.

        Args:
            tag: Only the frames of this ``type``; None: all.

        Returns:
            The events, oldest first; frames that do not decode are left out.
        """
        events = []
        for frame in self.frames:
            with contextlib.suppress(DecodeError):
                if tag is None or peek_type(frame) == tag:
                    events.append(decode_client_event(frame, self.protocol))
        return events

    def types(self) -> list[str]:
        """Each frame's ``type``.

        Returns:
            One ``type`` per frame, oldest first (``""`` where it has none).
        """
        types = []
        for frame in self.frames:
            try:
                types.append(peek_type(frame))
            except DecodeError:
                types.append("")
        return types

    def clear(self) -> None:
        """Forget every frame kept."""
        with self._lock:
            self._frames.clear()
            self._size = 0
