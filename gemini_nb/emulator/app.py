"""The ASGI application: routing, auth, fault injection and the request log.

Starlette gives us requests and lifespan; routing is one regex over the path because the
SDKs put any prefix and any version segment in front of ``interactions`` (``/v1``,
``/v1beta``, ``/proxy/v1alpha``...). Anything raised is turned into Google's error envelope;
only a bug in the emulator itself can produce a 500, and it is logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import dialects
from .control import control_routes
from .errors import ApiError
from .service import Emulator, StreamAborted
from .validate import loads_body

log = logging.getLogger("gemini_nb.emulator")

INTERACTIONS = re.compile(
    r"^(?P<prefix>/.*?)?/(?P<version>v\d+[a-z0-9]*)(?P<scope>/projects/[^/]+/locations/[^/]+)?"
    r"/interactions(?:/(?P<id>[^/:]+)(?P<cancel>/cancel|:cancel)?)?/?$")
# Extra routes registered by optional modules (e.g. the Files API): (regex, handler).
EXTRA_ROUTES: list[tuple[re.Pattern, Callable[..., Any]]] = []


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code, headers=exc.headers)


class SSEResponse:
    """Streams SSE bytes, flushing per event; can abort the connection mid-body on purpose."""

    headers = [(b"content-type", b"text/event-stream; charset=utf-8"),
               (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]

    def __init__(self, chunks: Any):
        self.chunks = chunks

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        try:
            async for chunk in self.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except StreamAborted:
            return  # returning without the final body makes the server drop the connection
        except (OSError, asyncio.CancelledError):
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _api_key(request: Request) -> str | None:
    key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
    if not key:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            key = auth[7:].strip()
    return key or None


def _check_auth(emu: Emulator, request: Request) -> None:
    key = _api_key(request)
    if key is None:
        raise ApiError(401, "Method doesn't allow unregistered callers (callers without established "
                            "identity). Please use an API key (x-goog-api-key header).",
                       "UNAUTHENTICATED")
    pinned = emu.config.api_key
    if pinned and key != pinned:
        raise ApiError(403, "API key not valid. Please pass a valid API key.", "PERMISSION_DENIED")


def _flag(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid value at '{name}': expected true or false, got {value!r}")


async def _read_json(request: Request, emu: Emulator, required: bool) -> Any:
    limit = emu.config.max_body_bytes
    too_big = ApiError(400, f"Request payload size exceeds the limit: {limit} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big  # refuse before reading anything
    chunks, size = [], 0
    async for chunk in request.stream():  # bounded: stop reading at the limit
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if required:
            raise ApiError(400, "Invalid JSON payload received: the request body is empty.")
        return None
    return loads_body(raw)


async def dispatch(request: Request) -> Response:
    emu: Emulator = request.app.state.emulator
    path, method = request.url.path, request.method
    try:
        for pattern, handler in EXTRA_ROUTES:
            match = pattern.match(path)
            if match:
                _check_auth(emu, request)
                return await handler(emu, request, match)
        match = INTERACTIONS.match(path)
        if not match:
            raise ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")
        body = await _read_json(request, emu, required=False) if method in ("POST", "DELETE") else None
        emu.log_request(method, path, request.url.query, dict(request.headers), body)
        _check_auth(emu, request)
        dialect = dialects.choose(request.headers, emu.config.schema)
        model = body.get("model") if isinstance(body, dict) else None
        fault = emu.match_fault(method, path, model)
        if fault is not None:
            if fault.latency_ms:
                await asyncio.sleep(fault.latency_ms / 1000.0)
            if fault.status:
                raise fault.error()
        rid, cancel = match.group("id"), match.group("cancel")
        if rid is None:
            if method != "POST":
                raise ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")
            if body is None:
                raise ApiError(400, "Invalid JSON payload received: the request body is empty.")
            result = await emu.create(body, dialect, fault)
            if isinstance(result, dict):
                return JSONResponse(result)
            return SSEResponse(result)
        if cancel:
            if method != "POST":
                raise ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")
            return JSONResponse(emu.cancel(rid, dialect))
        if method == "DELETE":
            return JSONResponse(emu.delete(rid))
        if method != "GET":
            raise ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")
        stream = _flag(request, "stream")
        last_event_id = request.query_params.get("last_event_id")
        if last_event_id and not stream:
            raise ApiError(400, "Invalid value at 'last_event_id': only valid together with stream=true.")
        if stream:
            return SSEResponse(await emu.stream_get(rid, dialect, last_event_id, fault))
        return JSONResponse(emu.get(rid, dialect, include_input=bool(_flag(request, "include_input"))))
    except ApiError as exc:
        return error_response(exc)
    except Exception as exc:  # a bug in the emulator: say so in the envelope, log it
        log.exception("emulator error on %s %s", method, path)
        return error_response(ApiError(500, f"Internal emulator error: {type(exc).__name__}: {exc}",
                                       "INTERNAL"))


class _QuietAbort(logging.Filter):
    """Hide uvicorn's complaint about streams we cut on purpose (fault injection)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def create_app(emulator: Emulator, on_ready: Callable[[], None] | None = None) -> Starlette:
    logging.getLogger("uvicorn.error").addFilter(_QuietAbort())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        await emulator.resume_unfinished()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            emulator.close()

    methods = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]
    app = Starlette(routes=[*control_routes(), Route("/{path:path}", dispatch, methods=methods)],
                    lifespan=lifespan)
    app.state.emulator = emulator
    from .files_api import register as register_files
    register_files(app)
    from .agents_api import register as register_agents
    register_agents(app)
    from .file_search_api import register as register_file_search
    register_file_search(app)
    return app
