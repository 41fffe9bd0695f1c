"""Models of GPT-Live sessions (``/v1/live``): every event, nested object and REST object.

``ServerEvent`` and ``ClientEvent`` are the tagged unions a frame decodes to (``Event``, either
direction); ``SERVER_EVENTS`` and ``CLIENT_EVENTS`` map each wire ``type`` to its class. Two
tags go both ways (``session.input_audio.append``, ``transport.dtmf.send``), each as one class
in both unions, so ``Event`` holds each once.
"""

from collections.abc import Mapping
from typing import Any, Union

from .._models import tag_table
from . import client, delegation, items, server, session
from .client import *  # noqa: F403
from .delegation import *  # noqa: F403
from .items import *  # noqa: F403
from .server import *  # noqa: F403
from .session import *  # noqa: F403

Event = Union[ServerEvent, ClientEvent]  # noqa: F405
"""Any Live frame, either direction."""

SERVER_EVENTS: Mapping[str, type[Any]] = tag_table(ServerEvent)  # noqa: F405
CLIENT_EVENTS: Mapping[str, type[Any]] = tag_table(ClientEvent)  # noqa: F405

__all__ = ["CLIENT_EVENTS", "SERVER_EVENTS", "Event"]
__all__ += client.__all__
__all__ += delegation.__all__
__all__ += items.__all__
__all__ += server.__all__
__all__ += session.__all__
