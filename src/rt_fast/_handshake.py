"""What the relay decides at a client's opening handshake, before the upgrade: the path, the
client's credential, the model, and what of the request reaches the upstream. Sans-I/O: it
reads a request's path and headers and answers with a status or the upstream's URL and headers.

* Paths: only the API's are served (``PATHS``); any other is 404.
* The client's credential (``ClientRequest.token``) is its ``Authorization: Bearer`` token, or
  the browser's ``openai-insecure-api-key.<token>`` subprotocol (offered beside ``realtime``,
  which is negotiated back as the API does). ``authenticate(request)`` (sync or async) returns
  the session's context, or raises ``Refused`` (401 by default, or 403); anything else it raises
  is a 500, logged without the request. ``token_check(token)`` is the shared-token check.
* A client's ``?model=`` may be limited to an allowlist (403 otherwise, every ``model`` given).
* The path decides the protocol (``protocol_of``): ``/v1/live/sessions`` is GPT-Live's, the
  others Realtime's.
* The upstream's URL is the relay's, with the client's query parameters merged in: each key
  once, the upstream's own values winning, credentials (``api-key``) never taken from a client.
  Each client goes to the upstream's endpoint of its protocol: a Live client to the upstream
  URL with its path's ``/realtime`` ending as ``/live/sessions``
  (``wss://api.openai.com/v1/realtime`` -> ``wss://api.openai.com/v1/live/sessions``, without
  the upstream URL's ``model``: Live takes its model in ``session.start``), a Realtime client
  the other way round.
* Headers reach the upstream by an allowlist (``FORWARDED``: ``OpenAI-Beta``,
  ``OpenAI-Organization``, ``OpenAI-Project``, ``X-Request-Id``); the relay's own upstream
  headers win. The client's ``Authorization`` is forwarded only by a relay that holds no
  upstream credential and checks no client (a pass-through relay); a subprotocol token never is.
  ``OpenAI-Organization`` and ``OpenAI-Project`` choose what a credential bills, so they go
  with the client's credential only: a client cannot bill another project of the relay's key.
"""

from __future__ import annotations

import hmac
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.datastructures import Headers

__all__ = [
    "CREDENTIAL_HEADERS",
    "FORWARDED",
    "PATHS",
    "SCOPES",
    "SUBPROTOCOL",
    "Authenticate",
    "ClientRequest",
    "Gate",
    "Refused",
    "client_request",
    "own_headers",
    "protocol_of",
    "select_subprotocol",
    "token_check",
]

PATHS = frozenset({"/v1/realtime", "/v1/live/sessions", "/openai/realtime", "/openai/v1/realtime"})
"""The API's websocket paths (OpenAI's, GPT-Live's, Azure's): the only ones a relay serves."""

FORWARDED = frozenset({"openai-beta", "openai-organization", "openai-project", "x-request-id"})
"""The client's headers that reach the upstream by default (names in lower case)."""

CREDENTIAL_HEADERS = frozenset({"authorization", "api-key"})
"""Headers that carry an upstream credential (OpenAI's, Azure's)."""

SCOPES = frozenset({"openai-organization", "openai-project"})
"""Headers that choose what a credential bills: they go with the client's credential, never
with the relay's (which sets its own in its upstream headers)."""

LIVE = "/live/sessions"
"""How a GPT-Live path ends."""
_ENDINGS = {"ga": "/realtime", "live": LIVE}  # each protocol's endpoint, beside the other's

SUBPROTOCOL = "realtime"
_KEY_PREFIX = "openai-insecure-api-key."
_CREDENTIAL_PARAMS = frozenset({"api-key"})


class Refused(Exception):
    """Raised by ``authenticate`` to refuse a client before the upgrade.

    Args:
        status: The HTTP status: 401, 403, or another 4xx.
        reason: A short reason the client is told.

    Attributes:
        status: The HTTP status.
        reason: The reason the client is told.

    Raises:
        ValueError: ``status`` is not a 4xx.
    """

    def __init__(self, status: int = HTTPStatus.UNAUTHORIZED, reason: str = "unauthorized"):
        if not 400 <= int(status) <= 499:
            raise ValueError(f"a refusal's status is a 4xx, not {status!r}")
        super().__init__(status, reason)
        self.status, self.reason = int(status), reason


@dataclass(frozen=True)
class ClientRequest:
    """A client's opening handshake, as ``authenticate`` sees it.

    Attributes:
        path: The path, without the query.
        query: The query's parameters, in order.
        headers: The handshake's headers (websockets' ``Headers``).
        peer: The client's address, as the socket gives it.
        token: The client's credential: its bearer token or its subprotocol token, or None.
        subprotocols: The subprotocols the client offered.
    """

    path: str
    query: tuple[tuple[str, str], ...]
    headers: Headers
    peer: Any
    token: str | None
    subprotocols: tuple[str, ...] = field(default=())

    def param(self, name: str) -> str | None:
        """A query parameter's value.

        Args:
            name: The parameter's name (``"model"``).

        Returns:
            The query's first value of ``name``, or None.
        """
        return next((value for key, value in self.query if key == name), None)


Authenticate = Callable[[ClientRequest], Any]
"""``authenticate(request) -> context`` (or an awaitable of it); ``Refused`` refuses."""


def _offered(headers: Headers) -> tuple[str, ...]:
    values = headers.get_all("Sec-WebSocket-Protocol")
    return tuple(p.strip() for value in values for p in value.split(",") if p.strip())


def _token(headers: Headers, offered: tuple[str, ...]) -> str | None:
    """The bearer token of the one ``Authorization`` header (none where there are several), or
    the first subprotocol token."""
    given = headers.get_all("Authorization")
    scheme, _, bearer = (given[0] if len(given) == 1 else "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        return bearer.strip()
    keys = [p[len(_KEY_PREFIX) :] for p in offered if p.startswith(_KEY_PREFIX)]
    return keys[0] if keys else None


def protocol_of(path: str) -> str:
    """The protocol a path speaks: ``"live"`` for Live's, else ``"ga"`` (Realtime's)."""
    return "live" if path.rstrip("/").endswith(LIVE) else "ga"


def _endpoint(path: str, protocol: str) -> str:
    """The upstream's ``path`` for a client of ``protocol``: the other protocol's endpoint
    becomes its own beside it; a path of neither gets Live's appended for a Live client."""
    base = path.rstrip("/")
    if base.endswith(_ENDINGS[protocol]):
        return path
    for ending in _ENDINGS.values():
        if base.endswith(ending):
            return base.removesuffix(ending) + _ENDINGS[protocol]
    return base + LIVE if protocol == "live" else path


def client_request(path: str, headers: Headers, peer: Any) -> ClientRequest:
    """The ``ClientRequest`` of a handshake's request target, headers and peer."""
    target, _, query = path.partition("#")[0].partition("?")  # never urlsplit: "//[" raises
    offered = _offered(headers)
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    return ClientRequest(target, pairs, headers, peer, _token(headers, offered), offered)


def select_subprotocol(offered: Iterable[str]) -> str | None:
    """``realtime`` where the client offered it, as the API answers; else none."""
    return SUBPROTOCOL if SUBPROTOCOL in offered else None


def token_check(expected: str) -> Authenticate:
    """An ``authenticate`` that admits the clients holding ``expected`` (a bearer or subprotocol
    token), compared in constant time; the context is None."""
    wanted = expected.encode()
    if not wanted:
        raise ValueError("the client token is empty")

    def check(request: ClientRequest) -> None:
        given = (request.token or "").encode()
        if not hmac.compare_digest(given, wanted):
            raise Refused(HTTPStatus.UNAUTHORIZED, "missing or wrong client token")

    return check


@dataclass(frozen=True)
class Gate:
    """The relay's handshake rules (see the module)."""

    upstream: str
    headers: Mapping[str, str]
    """The relay's own upstream headers (its credential among them)."""
    authenticate: Authenticate | None = None
    forwarded: frozenset[str] = FORWARDED
    models: frozenset[str] | None = None
    paths: frozenset[str] = PATHS

    @property
    def holds_key(self) -> bool:
        return any(name.lower() in CREDENTIAL_HEADERS for name in self.headers)

    def refusal(self, request: ClientRequest) -> tuple[int, str] | None:
        """The status and reason that refuse ``request`` before authentication, if any."""
        if request.path.rstrip("/") not in self.paths:
            return HTTPStatus.NOT_FOUND, f"no Realtime endpoint at {request.path}"
        return None

    def model_refusal(self, request: ClientRequest) -> tuple[int, str] | None:
        """403 where the client asks for a model outside the allowlist."""
        asked = {value for key, value in request.query if key == "model"}
        if self.models is not None and asked - self.models:
            return HTTPStatus.FORBIDDEN, f"model not allowed: {sorted(asked - self.models)[0]}"
        return None

    async def context(self, request: ClientRequest) -> Any:
        """What ``authenticate`` returns for ``request`` (``Refused`` refuses)."""
        if self.authenticate is None:
            return None
        context = self.authenticate(request)
        return await context if inspect.isawaitable(context) else context

    def url(self, request: ClientRequest) -> str:
        """The upstream's URL for ``request`` (see the module)."""
        parts = urlsplit(self.upstream)
        protocol = protocol_of(request.path)
        parts = parts._replace(path=_endpoint(parts.path, protocol))
        own = parse_qsl(parts.query, keep_blank_values=True)
        if protocol == "live":  # Live takes its model in session.start, never in the URL
            own = [(key, value) for key, value in own if key != "model"]
        taken = {key for key, _ in own} | _CREDENTIAL_PARAMS
        theirs: dict[str, str] = {}
        for key, value in request.query:
            if key not in taken:
                theirs.setdefault(key, value)
        return urlunsplit(parts._replace(query=urlencode(own + list(theirs.items()))))

    def upstream_headers(self, request: ClientRequest) -> list[tuple[str, str]]:
        """The headers the upstream gets for ``request`` (see the module)."""
        mine = {name.lower() for name in self.headers}
        passing = not self.holds_key and self.authenticate is None
        allowed = self.forwarded | {"authorization"} if passing else self.forwarded - SCOPES
        theirs = [
            (name, value)
            for name, value in request.headers.raw_items()
            if name.lower() in allowed and name.lower() not in mine
        ]
        return [*self.headers.items(), *theirs]


def own_headers(api_key: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    """The relay's upstream headers: ``headers``, and ``Authorization: Bearer api_key``."""
    merged = dict(headers or {})
    if api_key is not None:
        if not api_key:
            raise ValueError("the API key is empty")
        merged["Authorization"] = f"Bearer {api_key}"
    return merged
