"""Models of the GA (current) Realtime protocol: every event, nested object and REST object.

``ServerEvent`` and ``ClientEvent`` are the tagged unions a frame decodes to;
``SERVER_EVENTS`` and ``CLIENT_EVENTS`` map each wire ``type`` to its class.
"""

from collections.abc import Mapping
from typing import Any

from .._models import tag_table
from .client import *  # noqa: F403
from .client import ClientEvent
from .client import __all__ as _client_all
from .items import *  # noqa: F403
from .items import __all__ as _items_all
from .responses import *  # noqa: F403
from .responses import __all__ as _responses_all
from .server import *  # noqa: F403
from .server import ServerEvent
from .server import __all__ as _server_all
from .session import *  # noqa: F403
from .session import __all__ as _session_all

SERVER_EVENTS: Mapping[str, type[Any]] = tag_table(ServerEvent)
CLIENT_EVENTS: Mapping[str, type[Any]] = tag_table(ClientEvent)

__all__ = sorted(
    [
        "CLIENT_EVENTS",
        "SERVER_EVENTS",
        "ClientEvent",
        "ServerEvent",
        *_client_all,
        *_items_all,
        *_responses_all,
        *_server_all,
        *_session_all,
    ]
)
