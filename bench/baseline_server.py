"""The trivial baseline: answers with the emulator's own recorded bytes, with its connection settings.

``bench/http_bench.py`` records the emulator's exact response (status, headers, body; for a
stream, each SSE event as sent) for every request the bench makes, and starts this server with
that recording. It reads and parses the JSON body (so request handling is not free either),
then replays the bytes: non-streamed in one final body message (as the emulator's JSON
responses send it), streamed one event per ASGI body message as the emulator flushes them,
then the closing empty one. It has no validation, storage or generation, so emulator/baseline
is what the emulator's own logic costs.

Connection settings are not copied by hand: the uvicorn ``Config`` values are taken from the
emulator's own ``build()`` and the listening socket from its ``bind()`` (TCP_NODELAY), so the
two servers cannot drift apart. Prints the same "listening on" line as the emulator.

    python bench/baseline_server.py RECORDING.json
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys

# uvicorn.Config settings that shape connections and framing; all are copied from the emulator.
COPIED = (
    "loop",
    "http",
    "ws",
    "lifespan",
    "log_level",
    "access_log",
    "timeout_keep_alive",
    "timeout_graceful_shutdown",
    "limit_concurrency",
    "limit_max_requests",
    "backlog",
    "h11_max_incomplete_event_size",
    "server_header",
    "date_header",
    "proxy_headers",
)


def load(path: str) -> dict[str, dict]:
    """{"create"|"stream": {"status", "headers": [[k, v]...], "chunks": [base64...]}}."""
    with open(path) as f:
        raw = json.load(f)
    return {
        name: {
            "status": rec["status"],
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in rec["headers"]],
            "chunks": [base64.b64decode(c) for c in rec["chunks"]],
        }
        for name, rec in raw.items()
    }


def make_app(recording: dict[str, dict]):
    from starlette.applications import Starlette
    from starlette.routing import Route

    class Replay:
        """A raw ASGI response sending the recorded chunks, like the emulator's SSEResponse."""

        def __init__(self, rec: dict):
            self.rec = rec

        async def __call__(self, scope, receive, send) -> None:
            rec = self.rec
            headers = list(rec["headers"])
            sized = any(k.lower() == b"content-length" for k, _ in headers)
            if len(rec["chunks"]) == 1 and not sized:
                headers.append((b"content-length", str(len(rec["chunks"][0])).encode()))
                sized = True
            await send({"type": "http.response.start", "status": rec["status"], "headers": headers})
            if sized and len(rec["chunks"]) == 1:  # a JSON answer: one body message, as Starlette sends it
                await send({"type": "http.response.body", "body": rec["chunks"][0], "more_body": False})
                return
            for chunk in rec["chunks"]:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def interactions(request):
        body = json.loads(await request.body())
        return Replay(recording["stream" if body.get("stream") else "create"])

    return Starlette(routes=[Route("/{path:path}", interactions, methods=["POST"])])


def emulator_uvicorn_settings() -> dict:
    """The emulator's uvicorn Config values for :data:`COPIED`, read from its ``build()``."""
    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.server import build

    emulator, server = build(EmulatorConfig())
    settings = {name: getattr(server.config, name) for name in COPIED if hasattr(server.config, name)}
    close = getattr(emulator, "close", None)
    if close:
        close()
    return settings


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from gemini_nb.emulator.server import bind

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: baseline_server.py RECORDING.json", file=sys.stderr)
        return 2
    app = make_app(load(args[0]))
    settings = emulator_uvicorn_settings()
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    print(f"Baseline server listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
