"""A gateway relay that holds the OpenAI key: clients present a token of yours, the relay checks
it before the upgrade, fixes the session's instructions, forwards every frame's bytes
unchanged, and bills each user the tokens their sessions used.

    OPENAI_API_KEY=sk-... RELAY_TOKENS=token-of-ada:ada \
        python examples/gateway_relay.py --upstream wss://api.openai.com/v1/realtime --port 8766

Clients then connect to ``ws://HOST:8766/v1/realtime`` with ``Authorization: Bearer
token-of-ada`` (the official SDK: ``OpenAI(api_key="token-of-ada",
websocket_base_url="ws://HOST:8766/v1")``). It serves until Ctrl-C (or SIGTERM), then prints the
bill. Needs the ``ws`` extra (``pip install 'rt-fast[ws]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from rt_fast import ga, relay

GATEWAY = ga.SessionUpdateEvent(
    session=ga.RealtimeSessionCreateRequest(instructions="You are the gateway's agent. Be brief.")
)


class Gateway:
    """Who may connect, and what each user owes."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens, self.billed = tokens, dict.fromkeys(tokens.values(), 0)

    def authenticate(self, request: relay.ClientRequest) -> str:
        user = self.tokens.get(request.token or "")
        if user is None:
            raise relay.Refused(401, "unknown token")
        return user

    async def on_open(self, session: relay.Session) -> None:
        await session.send_to_upstream(GATEWAY)  # before any frame of the client's

    def on_close(self, session: relay.Session) -> None:
        self.billed[session.context] += session.usage["total_tokens"]
        print(f"session {session.id} of {session.context}: {session.usage['total_tokens']} tokens")


def no_session_changes(event: ga.SessionUpdateEvent, frame: bytes) -> None:
    """Clients may not reconfigure the session: their session.update is dropped."""
    return None


async def serve(upstream: str, host: str, port: int, gateway: Gateway) -> None:
    running = await relay.relay(
        upstream,
        host=host,
        port=port,
        api_key=os.environ["OPENAI_API_KEY"],  # never sent to a client
        authenticate=gateway.authenticate,
        client={"session.update": no_session_changes},
        on_open=gateway.on_open,
        on_close=gateway.on_close,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with running:  # leaving closes the relay and waits for its sessions to end
        where = running.sockets[0].getsockname()
        print(f"listening on ws://{where[0]}:{where[1]}/v1/realtime", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", default="wss://api.openai.com/v1/realtime")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766, help="0: a free port")
    args = parser.parse_args()
    if "OPENAI_API_KEY" not in os.environ:
        parser.error("set OPENAI_API_KEY: the key the relay holds for the upstream")
    pairs = [pair.split(":", 1) for pair in os.environ.get("RELAY_TOKENS", "").split(",")]
    if not all(len(pair) == 2 and all(pair) for pair in pairs):
        parser.error("set RELAY_TOKENS to TOKEN:USER[,TOKEN:USER...]: who may connect")
    gateway = Gateway({token: user for token, user in pairs})
    asyncio.run(serve(args.upstream, args.host, args.port, gateway))
    bill = (f"{user} {tokens} tokens" for user, tokens in gateway.billed.items())
    print("billed:", ", ".join(bill))


if __name__ == "__main__":
    main()
