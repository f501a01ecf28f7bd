"""A tiny realtime app: ask a question, get the model's text answer (GA realtime protocol)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

from websockets.asyncio.client import connect


async def ask(
    realtime_url: str, headers: dict[str, str], question: str, ca_bundle: Path | None = None
) -> str:
    """Open a session, send ``question`` as a user message, return the text reply."""
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    async with connect(realtime_url, additional_headers=headers, ssl=context) as ws:
        await ws.send(
            json.dumps(
                {
                    "type": "session.update",
                    "session": {"type": "realtime", "output_modalities": ["text"]},
                }
            )
        )
        await ws.send(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": question}],
                    },
                }
            )
        )
        await ws.send(json.dumps({"type": "response.create"}))
        text = []
        async for message in ws:
            event = json.loads(message)
            if event["type"] == "response.output_text.delta":
                text.append(event["delta"])
            elif event["type"] == "error":
                raise RuntimeError(event["error"]["message"])
            elif event["type"] == "response.done":
                return "".join(text)
    raise RuntimeError("the session closed before the answer")
