"""The command line's gateway commands, ``serve`` and ``relay`` (the ``ws`` extra): thin
wrappers of ``rt_fast.server`` and ``rt_fast.relay``, imported only when run."""

from __future__ import annotations

import argparse
import importlib
from typing import Any


def _gateway(module: str, command: str) -> Any:
    """``rt_fast.<module>``, or the error that says which extra to install."""
    try:
        return importlib.import_module(f"rt_fast.{module}")
    except ModuleNotFoundError:
        needs = f"rt-fast {command} needs websockets: pip install 'rt-fast[ws]'"
        raise ModuleNotFoundError(needs) from None


def _cmd_serve(args: argparse.Namespace) -> int:
    server = _gateway("server", "serve")
    recording = server.Recording.load(args.replay)
    label = args.replay or "the bundled sample"
    server.run(recording, host=args.host, port=args.port, pace=args.pace, label=label)
    return 0


def add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="a local Realtime server that plays a recorded session (needs the ws extra)",
        description="Answer at /v1/realtime as the official SDK's clients call it "
        "(websocket_base_url='ws://HOST:PORT/v1'), any API key: session.created on connect, "
        "session.update -> session.updated, input_audio_buffer.commit/clear acknowledged, "
        "response.create -> the log's next recorded response, bytes unchanged, and an error "
        "event for a frame that does not decode (the connection stays open).",
    )
    serve.add_argument("--replay", metavar="LOG", help="the session log to play "
                       "(default: the bundled sample)")  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="default: 8765 (0: any free)")
    serve.add_argument("--pace", choices=("fast", "realtime"), default="fast",
                       help="audio as fast as the client reads, or at its own pace")  # fmt: skip
    serve.set_defaults(run=_cmd_serve)


def _cmd_relay(args: argparse.Namespace) -> int:
    relay = _gateway("relay", "relay")
    relay.run(args.upstream, host=args.host, port=args.port, record=args.record)
    return 0


def add_relay(commands: Any) -> None:
    relay = commands.add_parser(
        "relay",
        help="a local proxy to a Realtime server, bytes unchanged (needs the ws extra)",
        description="Forward both directions between the clients that connect here and "
        "UPSTREAM, every frame's bytes unchanged; the client's query string (?model=...) and "
        "Authorization reach the upstream; closes cross both ways. A frame that could route "
        "two ways (type repeated) or is not a JSON object with a type is refused with an error "
        "event to its sender. --record appends every frame of both directions, in order, one a "
        "line, as a JSONL log rt-fast stats reads.",
    )
    relay.add_argument("--upstream", required=True, metavar="URL",
                       help="e.g. wss://api.openai.com/v1/realtime")  # fmt: skip
    relay.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    relay.add_argument("--port", type=int, default=8766, help="default: 8766 (0: any free)")
    relay.add_argument("--record", metavar="LOG", help="append every frame to this JSONL log")
    relay.set_defaults(run=_cmd_relay)
