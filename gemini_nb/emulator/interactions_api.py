"""The Interactions API's routes: create, get (unary or streamed), cancel, delete.

One regex covers the path because the SDKs put any prefix and any version segment in front
of ``interactions`` (``/v1``, ``/v1beta``, ``/proxy/v1alpha``...). An id that is not shaped
like an interaction id (:func:`gemini_nb.emulator.ids.is_interaction_id`) is a 404 before
anything is looked up, so no id ever names another resource.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.responses import Response

from . import dialects
from .auth import check_auth
from .errors import ApiError, not_found
from .extension import ANY, ApiRoute
from .ids import is_interaction_id
from .jsonwire import dumps
from .service import Emulator, StreamAborted
from .validate import loads_body

INTERACTIONS = re.compile(
    r"^(?P<prefix>/.*?)?/(?P<version>v\d+[a-z0-9]*)(?P<scope>/projects/[^/]+/locations/[^/]+)?"
    r"/interactions(?:/(?P<id>[^/:]+)(?P<cancel>/cancel|:cancel)?)?/?$"
)


_JSON_TYPE = (b"content-type", b"application/json")


class Json(Response):
    """A 200 ``JSONResponse``, the same bytes and headers, made without its generic header
    handling and encoded by :mod:`.jsonwire`."""

    media_type = "application/json"

    def __init__(self, content: Any):
        self.status_code = 200
        self.background = None
        self.body = dumps(content)
        self.raw_headers = [(b"content-length", str(len(self.body)).encode("latin-1")), _JSON_TYPE]


class SSEResponse:
    """Streams SSE frames, one write per event; can abort the connection mid-body on purpose.

    ``chunks`` yields lists of frames (a burst of events, :meth:`.Emulator._sse`); each frame
    goes out in its own body message, as a real server sends events as they are produced."""

    headers = [
        (b"content-type", b"text/event-stream; charset=utf-8"),
        (b"cache-control", b"no-cache"),
        (b"x-accel-buffering", b"no"),
    ]

    def __init__(self, chunks: Any):
        self.chunks = chunks

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        try:
            async for batch in self.chunks:
                for chunk in batch:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except StreamAborted:
            return  # returning without the final body makes the server drop the connection
        except (OSError, asyncio.CancelledError):
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _flag(request: Any, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid value at '{name}': expected true or false, got {value!r}")


async def read_body(request: Any, limit: int) -> bytes:
    """The body's bytes, read at most ``limit`` (refused before reading when declared larger)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_big(limit)
    read_within = getattr(request, "read_within", None)
    if read_within is not None:  # a LeanRequest reads without an async generator
        raw = await read_within(limit)
        if raw is None:
            raise _too_big(limit)
        return raw
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_big(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(limit: int) -> ApiError:
    return ApiError(400, f"Request payload size exceeds the limit: {limit} bytes.")


def parse_json(raw: bytes, required: bool) -> Any:
    """The body as strict JSON; None (or a 400 when ``required``) for an empty one."""
    if not raw.strip():
        if required:
            raise ApiError(400, "Invalid JSON payload received: the request body is empty.")
        return None
    return loads_body(raw)


async def read_json(request: Any, limit: int, required: bool) -> Any:
    """The JSON body, read at most ``limit`` bytes (refused before reading when declared larger)."""
    return parse_json(await read_body(request, limit), required)


def _no_method(method: str, path: str) -> ApiError:
    return ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")


async def interactions(emu: Emulator, request: Any, match: re.Match) -> Response:
    """The route's handler; it reads only what a LeanRequest offers (the route is ``lean``)."""
    path, method = request.url.path, request.method
    raw = await read_body(request, emu.config.max_body_bytes) if method in ("POST", "DELETE") else b""
    creating = method == "POST" and match.group("id") is None
    # A create body read before (:mod:`.prepared`) parsed then; it is not parsed again.
    prepared = emu.prepared.get(raw) if creating else None
    body = parse_json(raw, required=False) if prepared is None else None
    # Logged as received, redacted when read (:mod:`.requestlog`); a body that did not parse
    # was refused above and is not logged.
    emu.request_log.append_raw(method, path, request.url.query, list(request.scope["headers"]), raw)
    check_auth(emu.config, request)
    dialect = dialects.choose(request.headers, emu.config.schema)
    if prepared is not None:
        model = prepared.model
    else:
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
            raise _no_method(method, path)
        if body is None and prepared is None:
            raise ApiError(400, "Invalid JSON payload received: the request body is empty.")
        result = await emu.create(body, dialect, fault, raw=raw, prepared=prepared, wire=True)
        return Json(result) if isinstance(result, dict) else SSEResponse(result)
    if (method != "POST") if cancel else (method not in ("GET", "DELETE")):
        raise _no_method(method, path)
    if not is_interaction_id(rid):
        raise not_found(f"Interaction {rid} was not found.")
    if cancel:
        return Json(emu.cancel(rid, dialect))
    if method == "DELETE":
        return Json(emu.delete(rid))
    stream = _flag(request, "stream")
    last_event_id = request.query_params.get("last_event_id")
    if last_event_id and not stream:
        raise ApiError(400, "Invalid value at 'last_event_id': only valid together with stream=true.")
    if stream:
        return SSEResponse(await emu.stream_get(rid, dialect, last_event_id, fault))
    return Json(emu.get(rid, dialect, include_input=bool(_flag(request, "include_input"))))


class InteractionsApi:
    """The core service as an extension; it resumes runs a previous process left (``--db``)."""

    def routes(self) -> list[ApiRoute]:
        # auth=False: the handler logs the request first, then checks the key itself.
        # lean=True: the handler reads only what gemini_nb.emulator.lean.LeanRequest offers.
        return [ApiRoute(ANY, INTERACTIONS, interactions, auth=False, lean=True)]

    async def startup(self, emu: Emulator) -> None:
        await emu.resume_unfinished()
