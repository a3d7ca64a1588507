"""Baseline for bench/emulator.py: the same Starlette+uvicorn stack answering canned bytes.

It does no validation, storage or generation, so emulator/baseline isolates what the
emulator itself costs on top of HTTP + the SDK. Prints the same ready line as the emulator.
"""
import asyncio
import json
import socket
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

INTERACTION = json.dumps({
    "id": "v1_baseline", "object": "interaction", "model": "gemini-3-flash-preview",
    "status": "completed", "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",
    "steps": [{"type": "thought", "signature": "c2ln"},
              {"type": "model_output", "content": [{"type": "text", "text": "Hello there"}]}],
    "usage": {"total_input_tokens": 3, "total_output_tokens": 3, "total_tokens": 6}}).encode()


def _event(data: dict) -> bytes:
    return f"event: {data['event_type']}\ndata: {json.dumps(data)}\n\n".encode()


def stream_body(deltas: int = 100) -> list[bytes]:
    events = [_event({"event_type": "interaction.created", "interaction": {
        "id": "v1_b", "status": "in_progress", "object": "interaction"}}),
        _event({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})]
    events += [_event({"event_type": "step.delta", "index": 0,
                       "delta": {"type": "text", "text": f"{i}, "}}) for i in range(deltas)]
    events += [_event({"event_type": "step.stop", "index": 0}),
               _event({"event_type": "interaction.completed", "interaction": {
                   "id": "v1_b", "status": "completed", "usage": {"total_tokens": 5}}}),
               b"event: done\ndata: [DONE]\n\n"]
    return events


async def interactions(request: Request):
    body = await request.json()
    if body.get("stream"):
        chunks = stream_body()

        async def gen():
            for chunk in chunks:
                yield chunk
        from starlette.responses import StreamingResponse
        return StreamingResponse(gen(), media_type="text/event-stream")
    return Response(INTERACTION, media_type="application/json")


def main() -> None:
    app = Starlette(routes=[Route("/{p:path}", interactions, methods=["POST"])])
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # same as the emulator
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"Gemini emulator listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    sys.exit(main())
