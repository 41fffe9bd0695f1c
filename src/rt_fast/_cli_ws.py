"""The command line's gateway commands, ``serve`` and ``relay`` (the ``ws`` extra): thin
wrappers of ``rt_fast.server`` and ``rt_fast.relay``, imported only when run.

What stops a gateway from starting is one line (``rt-fast: ...``, exit status 2, as every
command's errors): a port outside 0..65535 or an upstream that is not a ``ws://``/``wss://``
URL, at parse time; a recording that cannot be played (unreadable, a bad line, no GA
``session.created``, no response), named by its log (``--replay -``, standard input, as
``<stdin>``); an address it cannot listen on (a host that does not
resolve, a port taken or not allowed), named by host and port.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from ._limits import LIMITS


def _gateway(module: str, command: str) -> Any:
    """``rt_fast.<module>``, or the error that says which extra to install."""
    try:
        return importlib.import_module(f"rt_fast.{module}")
    except ModuleNotFoundError:
        needs = f"rt-fast {command} needs websockets: pip install 'rt-fast[ws]'"
        raise ModuleNotFoundError(needs) from None


def _port(text: str) -> int:
    """A TCP port, at parse time."""
    port = int(text) if text.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: PORT is 0 (any free) to 65535")
    return port


# A host name's label, once IDNA-encoded: letters, digits, '-' (not first or last) and '_'.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def _valid_host(host: str) -> bool:
    """Whether ``host`` is an IP address or a name of labels (``_LABEL``), dot-separated."""
    import ipaddress  # only where a host is given: every command's start would pay for it

    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return True
    try:
        name = host.encode("idna").decode()
    except UnicodeError:  # an empty label, one too long
        return False
    return all(_LABEL.fullmatch(label) for label in name.removesuffix(".").split("."))


def _ws_url(text: str) -> str:
    """A websocket URL (``ws://`` or ``wss://`` and a valid host, no whitespace), at parse time."""
    from urllib.parse import urlsplit  # only for the relay: as ipaddress above

    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError: a port out of range or not a number
    except ValueError:  # that, or a bad IPv6 address
        parts = None
    if (parts is None or parts.scheme not in ("ws", "wss") or not parts.hostname
            or not _valid_host(parts.hostname) or any(c.isspace() for c in text)):  # fmt: skip
        raise argparse.ArgumentTypeError(f"{text!r} is not a ws:// or wss:// URL with a host")
    return text


def _listening(command: str, args: argparse.Namespace, run: Callable[[], None]) -> int:
    """Run a gateway until interrupted; an address it cannot listen on is an ``OSError`` naming
    host and port (a file's error, ``--record``'s, names the file already)."""
    try:
        run()
    except (OSError, UnicodeError) as exc:  # UnicodeError: a host name IDNA cannot encode
        if isinstance(exc, OSError) and exc.filename is not None:
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise OSError(f"{command} cannot listen on {args.host} port {args.port}: {reason}") from exc
    return 0


def _recording(server: Any, log: str | None) -> Any:
    """The recording ``serve`` plays (``-``: standard input); a log it cannot play is an error
    naming the log (standard input as ``<stdin>``, as every command names it)."""
    source = sys.stdin.buffer if log == "-" else log
    try:
        return server.Recording.load(source)
    except ValueError as exc:  # DecodeError too
        name: str | None = getattr(source, "name", log)  # standard input's: <stdin>
        if name is None or name in str(exc):
            raise
        raise ValueError(f"cannot play {name}: {exc}") from exc


def _played(server: Any, args: argparse.Namespace) -> tuple[Any, str, str]:
    """What ``serve`` plays, named, and in which protocol: the log's (``--protocol`` must agree),
    else the bundled sample (GA) or, for Live, a script saying "OK." each turn."""
    if args.replay is None and args.protocol == "live":
        return server.Script(), "a script that says 'OK.' each turn", "live"
    recording = _recording(server, args.replay)
    label = {None: "the bundled sample", "-": "standard input"}.get(args.replay, args.replay)
    protocol = args.protocol or recording.protocol
    if protocol != recording.protocol:
        name = "GA" if recording.protocol == "ga" else "Live"
        raise ValueError(f"cannot play {label} with --protocol {protocol}: it is a {name} "
                         f"session log (--protocol {recording.protocol} plays it)")  # fmt: skip
    return recording, label, protocol


def _cmd_serve(args: argparse.Namespace) -> int:
    server = _gateway("server", "serve")
    played, label, protocol = _played(server, args)
    run = functools.partial(server.run, played, host=args.host, port=args.port,
                            pace=args.pace, label=label, protocol=protocol)  # fmt: skip
    return _listening("serve", args, run)


def add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="a local Realtime server that plays a recorded session (needs the ws extra)",
        description="Answer at /v1/realtime as the official SDK's clients call it "
        "(websocket_base_url='ws://HOST:PORT/v1'), any API key, as the API does: session.created "
        "on connect, session.updated holding the merged session, conversation items, server VAD "
        "on appended audio, cancels, the API's errors; each response.create (or turn the VAD "
        "commits) gets the log's next recorded response, bytes unchanged, and a frame that "
        "does not decode gets an error event (the connection stays open). Scripted replies: "
        "rt_fast.server.Script, or the pytest fixture realtime_server. With --protocol live "
        "(a Live log's default), GPT-Live at /v1/live/sessions as client.live.connect() calls "
        "it: session.start answered with session.started, speech in appended audio answered "
        "with the input transcript, the next turn's output transcript and audio and the "
        "usage, session.close with session.closed; the pytest fixture live_server.",
    )
    serve.add_argument("--replay", metavar="LOG", help="the session log to play, - for "
                       "standard input (default: the bundled sample)")  # fmt: skip
    serve.add_argument("--protocol", choices=("ga", "live"), default=None,
                       help="the API to answer as (default: the log's, GA's)")  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=_port, default=8765, help="default: 8765 (0: any free)")
    serve.add_argument("--pace", choices=("fast", "realtime"), default="fast",
                       help="audio as fast as the client reads, or at its own pace")  # fmt: skip
    serve.set_defaults(run=_cmd_serve)


def _secret(flag: str, name: str | None) -> str | None:
    """The value of the environment variable ``name`` (a key never on the command line), or
    ``ValueError`` naming the flag where it is unset or empty."""
    if name is None:
        return None
    value = os.environ.get(name, "")
    if not value:
        raise ValueError(f"{flag} {name}: the environment variable is unset or empty")
    return value


def _limits(relay: Any, args: argparse.Namespace) -> Any:
    """The relay's ``Limits``: its defaults, but for the flags given."""
    given = {field: getattr(args, field) for _, field, _, _ in _LIMIT_FLAGS}
    return relay.Limits(**{field: value for field, value in given.items() if value is not None})


def _cmd_relay(args: argparse.Namespace) -> int:
    relay = _gateway("relay", "relay")
    settings = {"api_key": _secret("--api-key-env", args.api_key_env),
                "client_token": _secret("--client-token-env", args.client_token_env),
                "limits": _limits(relay, args), "models": args.model or None}  # fmt: skip
    run = functools.partial(relay.run, args.upstream, host=args.host, port=args.port,
                            record=args.record, metrics_port=args.metrics_port,
                            **settings)  # fmt: skip
    return _listening("relay", args, run)


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """A positive number of ``kind``, at parse time."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
        return value

    return parse


_LIMIT_FLAGS = (  # flag, Limits field, type, help
    ("--max-sessions", "sessions", int, "sessions open at once; more are refused (503)"),
    ("--idle-timeout", "idle_seconds", float, "seconds without a frame before a session closes"),
    ("--max-session-seconds", "session_seconds", float, "seconds a session may last"),
    ("--max-client-frame", "client_frame_bytes", int, "bytes of the largest client frame"),
    ("--max-server-frame", "server_frame_bytes", int, "bytes of the largest upstream frame"),
)


def _add_limits(parser: Any) -> None:
    for flag, field, kind, text in _LIMIT_FLAGS:
        metavar = "N" if kind is int else "SECONDS"
        parser.add_argument(flag, dest=field, type=_positive(kind), metavar=metavar,
                            help=f"{text} (default: {LIMITS[field]})")  # fmt: skip


def add_relay(commands: Any) -> None:
    relay = commands.add_parser(
        "relay",
        help="a local proxy to a Realtime server, bytes unchanged (needs the ws extra)",
        description="Forward both directions between the clients that connect here and "
        "UPSTREAM, every frame's bytes unchanged; the client's query parameters join UPSTREAM's "
        "own (which win), its Authorization reaches the upstream unless the relay holds a key "
        "(--api-key-env); closes cross both ways (none "
        "for none, 1011 when a connection is lost). A client frame the decoder refuses (any "
        "generation), one whose type only servers send (response.done, ...), or a binary one "
        "is refused with an error event to the client; every upstream frame is forwarded. "
        "--record appends every frame either side sent, a line each with its arrival time, "
        "direction and session (raw CR/LF as tabs), the relay's error replies included: a log "
        "rt-fast stats, report and serve --replay read; "
        "never to a gzip or zstd LOG, and on a new line; a line is written whole or not at all, "
        "and a LOG that cannot be written (a full disk) stops the recording with a warning, "
        "not the sessions. The upstream is printed without its query (where keys go).",
    )
    relay.add_argument("--upstream", required=True, metavar="URL", type=_ws_url,
                       help="e.g. wss://api.openai.com/v1/realtime")  # fmt: skip
    relay.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    relay.add_argument("--port", type=_port, default=8766, help="default: 8766 (0: any free)")
    relay.add_argument("--record", metavar="LOG", help="append every frame to this JSONL log")
    relay.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="the environment variable holding "
        "the upstream API key (the relay then forwards no client credential)",
    )
    relay.add_argument(
        "--client-token-env",
        metavar="NAME",
        help="the environment variable "
        "holding the token clients must present (bearer or subprotocol): 401 else",
    )
    relay.add_argument(
        "--model",
        action="append",
        metavar="MODEL",
        help="a model clients may ask for with ?model= (repeatable; default: any)",
    )
    relay.add_argument(
        "--metrics-port",
        type=_port,
        metavar="P",
        help="serve Prometheus metrics at http://HOST:P/metrics (metrics extra)",
    )
    _add_limits(relay)
    relay.set_defaults(run=_cmd_relay)
