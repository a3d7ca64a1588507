"""The one interface every service of the emulator plugs in through (moto-style wiring).

An *extension* is any object with a ``routes()`` method; :func:`gemini_nb.emulator.app.create_app`
takes a list of them and builds the routing table and the brain chain in one place. Nothing
registers itself at import time and no module global changes at run time.

Required::

    def routes(self) -> Iterable[ApiRoute | tuple]:
        # (methods, path regex, async handler[, auth[, lean]]); handler(emu, request, match) -> Response

Served with ``gemini_nb.emulator.start(extensions=[...])`` (after the standard ones), or
added to :func:`gemini_nb.emulator.app.standard_extensions` to ship with every emulator.

Optional (looked up with ``getattr``; leave them out when not needed)::

    def wrap_brain(self, brain) -> brain   # a layer in front of the brain (earlier in the list = outer)
    def reset(self) -> None                # forget state on /_emulator/reset (and EmulatorHandle.reset)
    async def startup(self, emu) -> None   # once, before the first request
    async def shutdown(self) -> None       # once, after the last one

``methods`` is a tuple of HTTP methods or :data:`ANY`; a route whose path matches but whose
methods do not gives 405. ``auth=True`` (the default) checks the API key before the handler
runs; a handler that must log unauthenticated requests first, or that authenticates in
another way (resumable upload chunks), says ``auth=False`` and does it itself. Paths are
matched on the decoded path after :class:`gemini_nb.emulator.auth.PathGuard` refused any
encoded separator or dot segment. Handlers raise :class:`~gemini_nb.emulator.errors.ApiError`
for every refusal; the app renders the envelope. ``lean=True`` (default False) promises the
handler reads only what :class:`gemini_nb.emulator.lean.LeanRequest` offers, so a plain request
may be answered without Starlette's layers (the Interactions API's route does this).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NamedTuple, Protocol

from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Any, Request, "re.Match[str]"], Awaitable[Response]]
ANY: tuple[str, ...] = ("*",)


class ApiRoute(NamedTuple):
    methods: tuple[str, ...]
    pattern: re.Pattern
    handler: Handler
    auth: bool = True
    lean: bool = False
    """The handler reads only what :class:`gemini_nb.emulator.lean.LeanRequest` offers, so the
    app may serve it without Starlette's layers (see :mod:`gemini_nb.emulator.lean`)."""

    def allows(self, method: str) -> bool:
        if self.methods == ANY or method in self.methods:
            return True
        return method == "HEAD" and "GET" in self.methods


class Extension(Protocol):
    def routes(self) -> Iterable[ApiRoute | tuple]: ...


def as_route(item: ApiRoute | tuple) -> ApiRoute:
    """Plain tuples are accepted too: ``(methods, pattern, handler[, auth])``."""
    if isinstance(item, ApiRoute):
        return item
    methods, pattern, handler, *rest = item
    if isinstance(pattern, str):
        pattern = re.compile(pattern)
    methods = ANY if methods in ("*", None) else tuple(m.upper() for m in methods)
    return ApiRoute(methods, pattern, handler, *rest)
