"""The hot routes' way in: a request served without Starlette's middleware and routing layers.

A create costs the emulator a fraction of a millisecond of its own work, and Starlette's
layers around it (error middleware, the path guard, exception middleware, the router, the
route's request/response wrapper, and building a URL object from the scope) cost a large share
of that again. A route marked ``lean`` (:class:`~gemini_nb.emulator.extension.ApiRoute`; the
Interactions API's) promises that its handler reads only what :class:`LeanRequest` offers:
``method``, ``url.path``, ``url.query``, ``headers``, ``query_params``, ``scope`` and
``stream()``, each the very value a Starlette ``Request`` gives. The app then answers such a
request itself (:func:`gemini_nb.emulator.app.create_app`): the same route table, the same
dispatch function, the same response objects, so the bytes on the wire are the same.

A request takes this path only when it is plainly equal under both: HTTP, GET/POST/DELETE,
no ``root_path``, a printable decoded path without ``?``, ``#`` or ``\\`` (Starlette's URL
re-encodes those), an ASCII printable query without ``#``, and a raw path the path guard
would pass. Anything else (and any path whose first route allowing the method is not lean)
goes through Starlette unchanged. Errors are answered as Starlette's error middleware
would (:func:`serve`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse

from .auth import smuggled

METHODS = frozenset(("GET", "POST", "DELETE"))


def eligible(scope: dict[str, Any]) -> bool:
    """Whether ``scope`` is served the same by :class:`LeanRequest` as by Starlette's Request."""
    if scope["type"] != "http" or scope["method"] not in METHODS or scope.get("root_path"):
        return False
    path: str = scope["path"]
    if "?" in path or "#" in path or "\\" in path or not path.isprintable():
        return False
    query: bytes = scope.get("query_string", b"")
    if query and (not query.isascii() or b"#" in query or not query.decode().isprintable()):
        return False
    raw = scope.get("raw_path") or path.encode("utf-8", "replace")
    return not smuggled(raw)


class LeanHeaders(Headers):
    """Starlette's Headers with lookups from a dict of each name's first value (what its
    linear scan finds), so the misses a request's dialect check makes raise nothing."""

    def __init__(self, scope: dict[str, Any]):
        super().__init__(scope=scope)
        self._first = dict(reversed(self._list))  # the first value of a repeated name wins

    def __getitem__(self, key: str) -> str:
        value = self._first.get(_raw_name(key))
        if value is None:
            raise KeyError(key)
        return value.decode("latin-1")

    def get(self, key: str, default: Any = None) -> Any:
        value = self._first.get(_raw_name(key))
        return default if value is None else value.decode("latin-1")

    def __contains__(self, key: Any) -> bool:
        return _raw_name(key) in self._first


_RAW_NAMES: dict[str, bytes] = {}


def _raw_name(key: str) -> bytes:
    """``key.lower().encode("latin-1")``, remembered for the few names the routes look up."""
    raw = _RAW_NAMES.get(key)
    if raw is None:
        raw = key.lower().encode("latin-1")
        if len(_RAW_NAMES) < 256:
            _RAW_NAMES[key] = raw
    return raw


class LeanURL:
    __slots__ = ("path", "query")

    def __init__(self, path: str, query: str):
        self.path, self.query = path, query


class LeanRequest:
    """What a lean handler may read of a request (see the module docstring)."""

    __slots__ = ("scope", "method", "url", "_receive", "_headers", "_query", "_consumed")

    def __init__(self, scope: dict[str, Any], receive: Any):
        self.scope = scope
        self.method: str = scope["method"]
        self.url = LeanURL(scope["path"], scope.get("query_string", b"").decode())
        self._receive = receive
        self._headers: LeanHeaders | None = None
        self._query: QueryParams | None = None
        self._consumed = False

    @property
    def headers(self) -> LeanHeaders:
        if self._headers is None:
            self._headers = LeanHeaders(self.scope)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    async def read_within(self, limit: int) -> bytes | None:
        """The whole body, or None as soon as it is longer than ``limit`` bytes: what
        reading :meth:`stream` to its end gives, without an async generator."""
        if self._consumed:
            raise RuntimeError("Stream consumed")
        chunks: list[bytes] = []
        size = 0
        while not self._consumed:
            body = await self._next_body()
            if body:
                size += len(body)
                if size > limit:
                    return None
                chunks.append(body)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body's chunks, as ``Request.stream()`` yields them (ends with ``b""``)."""
        if self._consumed:
            raise RuntimeError("Stream consumed")
        while not self._consumed:
            body = await self._next_body()
            if body:
                yield body
        yield b""

    async def _next_body(self) -> bytes:
        """The next ``http.request`` message's bytes (marking the body consumed at its last one);
        a disconnect raises ``ClientDisconnect``, as Starlette's ``Request`` does."""
        while True:
            message = await self._receive()
            if message["type"] == "http.request":
                if not message.get("more_body", False):
                    self._consumed = True
                return message.get("body", b"")
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()


async def serve(respond: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer ``scope`` with ``await respond(LeanRequest)``, errors as Starlette's middleware:
    ``respond`` failing (it turns every error into an envelope, so only a bug can) gets the
    plain 500. Every response sends its start before anything that can fail, so what fails
    later goes on to the server, as it does past Starlette's middleware once a response
    started (and no wrapper is added to the stream's sends)."""
    try:
        response = await respond(LeanRequest(scope, receive))
    except Exception:
        await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
        raise
    await response(scope, receive, send)
