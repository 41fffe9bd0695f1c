"""The relay's default limits (``rt_fast.relay.Limits``), apart from the relay so that ``rt-fast
relay --help`` shows them without importing websockets or dataclasses."""

from __future__ import annotations

from typing import Any

__all__ = ["LIMITS"]

LIMITS: dict[str, Any] = {
    "sessions": 100,
    "idle_seconds": 300.0,
    "session_seconds": 3600.0,
    "client_frame_bytes": 16 * 1024 * 1024,  # the API's audio appends reach 15 MiB
    "server_frame_bytes": 16 * 1024 * 1024,
}
