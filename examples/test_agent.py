"""Testing an agent against the local Realtime server: ``pytest examples/test_agent.py``.

The agent below books tables: it asks the model, runs the function the model calls, and
returns what the model said. The test scripts what the "model" does (a function call, then a
sentence) with the ``realtime_server`` fixture that installing rt_fast registers with pytest,
and checks what the agent did and sent. Needs the ``ws`` extra (the server) and the official
SDK the agent is written with: ``pip install 'rt-fast[ws]' openai pytest``.
"""

from __future__ import annotations

import json
from typing import Any

from openai import OpenAI

BOOKINGS: list[dict[str, Any]] = []


def book(people: int) -> str:
    """The agent's tool: book a table (here: remember it)."""
    BOOKINGS.append({"people": people})
    return f"booked for {people}"


def agent(client: OpenAI, request: str) -> str:
    """One turn: send the user's request, run the tools the model calls, return its answer."""
    with client.realtime.connect(model="gpt-realtime") as conn:
        text = {"type": "input_text", "text": request}
        item = {"type": "message", "role": "user", "content": [text]}
        conn.conversation.item.create(item=item)  # type: ignore[arg-type]
        conn.response.create()
        for event in conn:
            if event.type == "response.done":
                calls = [o for o in event.response.output or [] if o.type == "function_call"]
                if not calls:
                    break
                for call in calls:
                    output = book(**json.loads(call.arguments or "{}"))
                    done = {"type": "function_call_output", "call_id": call.call_id}
                    conn.conversation.item.create(item={**done, "output": output})  # type: ignore[arg-type]
                conn.response.create()
            elif event.type == "response.output_audio_transcript.done":
                answer = event.transcript
    return answer


def test_the_agent_books_a_table(realtime_server: Any) -> None:
    realtime_server.script.call("book", {"people": 2}).say("Booked for two.")
    client = OpenAI(api_key="sk-test", websocket_base_url=realtime_server.base_url)
    assert agent(client, "A table for two, please.") == "Booked for two."
    assert BOOKINGS == [{"people": 2}]
    sent = realtime_server.received.types()
    assert sent.count("response.create") == 2 and "conversation.item.create" in sent
