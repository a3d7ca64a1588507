"""Who is calling: the API key of a request, the auth check, and the path guard.

Kept apart from the routes so every service (interactions, files, the control plane,
record/replay) uses one definition of "the key of this request" -- the same one the
redaction in :mod:`gemini_nb.emulator.redact` scrubs from logs and cassettes.

The path guard answers 404 before routing for any path that could smuggle one resource's
id into another's path: encoded slashes, backslashes and dots (``%2F``, ``%5C``, ``%2E``),
NULs, and ``.``/``..`` segments. Clients normalise plain ``..`` away before sending, so
``interactions.delete("../../_emulator/faults")`` arrives as ``DELETE /_emulator/faults``
*with the API key*; the control plane therefore refuses any request that carries one (an
API call never belongs there), see :func:`has_credentials`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from .errors import ApiError

_SMUGGLE = re.compile(rb"%(?:2f|5c|2e|00)|\\", re.IGNORECASE)


def api_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The key a client sent: ``x-goog-api-key``, then ``?key=``, then ``Authorization: Bearer``."""
    key = headers.get("x-goog-api-key") or query.get("key")
    if not key:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            key = auth[7:].strip()
    return key or None


def request_key(request: Request) -> str | None:
    key = request.headers.get("x-goog-api-key")
    if key:  # what api_key() answers first, without parsing the query
        return key
    return api_key(request.headers, request.query_params)


def has_credentials(request: Request) -> bool:
    """True when the request carries any API credential (key header, ``?key=``, Authorization)."""
    return bool(
        request.headers.get("x-goog-api-key")
        or request.headers.get("authorization")
        or "key" in request.query_params
    )


def check_auth(config: Any, request: Request) -> None:
    """401 without a key; 403 when the emulator pins one and this is not it."""
    key = request_key(request)
    if key is None:
        raise ApiError(
            401,
            "Method doesn't allow unregistered callers (callers without established "
            "identity). Please use an API key (x-goog-api-key header).",
            "UNAUTHENTICATED",
        )
    pinned = config.api_key
    if pinned and key != pinned:
        raise ApiError(403, "API key not valid. Please pass a valid API key.", "PERMISSION_DENIED")


def smuggled(raw_path: bytes) -> bool:
    """True for a raw (undecoded) path that hides a separator or a dot segment."""
    if _SMUGGLE.search(raw_path):
        return True
    return any(seg in (b".", b"..") for seg in raw_path.split(b"/"))


class PathGuard:
    """ASGI middleware: 404 NOT_FOUND for smuggling paths, before any route sees them."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
            if smuggled(raw):
                from starlette.responses import JSONResponse

                err = ApiError(
                    404,
                    "Not found: the path contains an encoded separator or a dot "
                    "segment, which no resource id may contain.",
                    "NOT_FOUND",
                )
                await JSONResponse(err.body(), status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)
