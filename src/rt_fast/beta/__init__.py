"""Models of the beta Realtime protocol: every event, nested object and REST object.

Frames decode to these with ``protocol="beta"`` (``OpenAI-Beta: realtime=v1`` sessions).

Every model is a frozen ``msgspec.Struct``, modelled on the official ``openai`` SDK's types
(``openai.types.beta.realtime``) and checked against them by the tests. Names follow two rules:

* an event's class is its wire ``type`` in CamelCase plus ``Event`` (``response.audio.delta`` ->
  ``ResponseAudioDeltaEvent``); where the SDK's name differs, the class's docstring gives it,
  for grep;
* nested objects keep the SDK's names (``RealtimeSessionCreateResponse``, ``RealtimeResponse``,
  ``ConversationItem``, ...).

Attributes are the wire names in snake_case. An optional field absent from the frame is
``msgspec.UNSET`` (``rt_fast.UNSET``), one sent as JSON ``null`` is ``None``, so
``msgspec.to_builtins(event)`` equals the frame's JSON and ``rt_fast.encode`` writes back
exactly the fields that were there. Objects the SDK leaves untagged decode to ``Untagged...``
classes (``rt_fast.Untagged``). Match on classes or fields with ``match``/``case``.

``ServerEvent`` and ``ClientEvent`` are the tagged unions a frame decodes to (``Event``, either
direction); ``SERVER_EVENTS`` and ``CLIENT_EVENTS`` map each wire ``type`` to its class, derived
from the unions. The submodules (``server``, ``client``, ``session``, ``items``, ``responses``)
hold the same classes by role; import them from this package.
"""

from collections.abc import Mapping
from typing import Any, Union

from .._models import tag_table
from . import client, items, responses, server, session
from .client import *  # noqa: F403
from .items import *  # noqa: F403
from .responses import *  # noqa: F403
from .server import *  # noqa: F403
from .session import *  # noqa: F403

Event = Union[ServerEvent, ClientEvent]  # noqa: F405
"""Any beta frame, either direction (server and client tags are disjoint): for mixed logs."""

SERVER_EVENTS: Mapping[str, type[Any]] = tag_table(ServerEvent)  # noqa: F405
"""Each server event's wire ``type`` -> its class (read-only, derived from ``ServerEvent``)."""
CLIENT_EVENTS: Mapping[str, type[Any]] = tag_table(ClientEvent)  # noqa: F405
"""Each client event's wire ``type`` -> its class (read-only, derived from ``ClientEvent``)."""

__all__ = ["CLIENT_EVENTS", "SERVER_EVENTS", "Event"]
__all__ += client.__all__
__all__ += items.__all__
__all__ += responses.__all__
__all__ += server.__all__
__all__ += session.__all__
