"""The ASGI application, built in one visible place from the emulator and its extensions.

Wiring (moto-style: each service is a self-contained extension, nothing registers itself)::

    emulator = Emulator(config, brain, files=FileStore(...), agents=AgentRegistry())
    files = FilesExtension(emulator.files)
    app = create_app(emulator, [files, ScenariosExtension(...), AgentsExtension(emulator.agents),
                                FileSearchExtension(files), InteractionsApi()])

:func:`create_app` then, in this order:

1. builds the **brain chain**: each extension's optional ``wrap_brain(brain)`` wraps the brain,
   the first extension of the list outermost: the Files check runs before anything, then
   scripted scenarios (they match the request as sent, a custom agent by its own id), then
   the custom-agent layer (a saved agent becomes its base agent with the saved instruction
   and tools), then the File Search layer (``ctx.stores``), then layers of extensions added
   later, then the skill pipeline;
2. builds the **control plane** (:class:`gemini_nb.emulator.control.ControlPlane`) with the
   scenario book it edits;
3. builds the **routing table**: control plane first, then every extension's ``routes()`` in
   list order; the first route whose regex matches the decoded path and allows the method
   answers (``auth`` routes check the API key first);
4. registers each extension's optional ``reset()`` with the emulator (``/_emulator/reset``),
   and its optional ``startup(emu)`` / ``shutdown()`` with the lifespan.

The extension interface is documented in :mod:`gemini_nb.emulator.extension`. A new service
(like ``/{v}/agents`` and ``/{v}/fileSearchStores``) is a module with a class whose ``routes()``
returns ``(methods, path regex, async handler(emu, request, match))`` tuples, added to the
list in :func:`standard_extensions`. What one extension needs from another is passed to its
constructor there (File Search gets the Files API); what the core service needs from one
(the saved agents, the uploaded files) is an attribute of :class:`Emulator` set in
:func:`new_emulator`. Every request first passes
:class:`gemini_nb.emulator.auth.PathGuard` (no encoded separators or dot segments). A route
marked ``lean`` (the Interactions API's) is answered by the same dispatch without Starlette's
layers around it when the request is plain enough to look the same either way
(:mod:`gemini_nb.emulator.lean`). Anything
raised is turned into Google's error envelope with the request's key scrubbed; only a bug in
the emulator itself can produce a 500, and it is logged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .agents_api import AgentRegistry, AgentsExtension
from .auth import PathGuard, check_auth, request_key
from .control import ControlPlane
from .errors import ApiError
from .extension import ApiRoute, as_route
from .file_search_api import FileSearchExtension
from .files_api import FilesExtension, FileStore
from .interactions_api import InteractionsApi
from .lean import eligible as is_eligible
from .lean import serve as serve_lean
from .redact import install_log_filters, scrub_text
from .scenarios import ScenariosExtension, load_path
from .service import Emulator

log = logging.getLogger("gemini_nb.emulator")
METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]
ROUTE_CACHE = 1024
"""Paths whose matching routes are remembered (the table is searched once per new path)."""


def error_response(exc: ApiError, request: Request | None = None) -> JSONResponse:
    body = exc.body()
    key = request_key(request) if request is not None else None
    if key:  # an error message never repeats the caller's key
        body["error"]["message"] = scrub_text(body["error"]["message"], (key,))
    return JSONResponse(body, status_code=exc.code, headers=exc.headers)


def standard_extensions(emulator: Emulator) -> list[Any]:
    """What a stock emulator serves: the emulated Files API, scenarios, custom agents, File
    Search stores and the Interactions API, or scenarios and the record/replay proxy. The
    order is the brain chain's (see the module docstring). Bad settings raise ValueError here."""
    config = emulator.config
    scenarios = ScenariosExtension(load_path(config.scenarios) if config.scenarios else [])
    if config.record_dir or config.replay_dir:
        from .recording import ModeExtension

        return [scenarios, ModeExtension(config)]
    if emulator.files is None:
        raise ValueError("the Files API needs Emulator(files=FileStore(...))")
    if emulator.agents is None:
        raise ValueError("custom agents need Emulator(agents=AgentRegistry())")
    files = FilesExtension(emulator.files)
    return [files, scenarios, AgentsExtension(emulator.agents), FileSearchExtension(files), InteractionsApi()]


def new_emulator(config: Any, brain: Any = None) -> Emulator:
    """An emulator with the stores its standard extensions use (only when emulating): the
    Files store and the saved agents, which the core service reads too."""
    if config.record_dir or config.replay_dir:
        return Emulator(config, brain)
    return Emulator(config, brain, files=FileStore(config.db, config), agents=AgentRegistry())


class _QuietAbort(logging.Filter):
    """Hide uvicorn's complaint about streams we cut on purpose (fault injection)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def create_app(
    emulator: Emulator, extensions: Sequence[Any] | None = None, on_ready: Callable[[], None] | None = None
) -> EmulatorApp:
    """The app serving ``emulator`` through ``extensions`` (default: :func:`standard_extensions`)."""
    if not any(isinstance(f, _QuietAbort) for f in logging.getLogger("uvicorn.error").filters):
        logging.getLogger("uvicorn.error").addFilter(_QuietAbort())
    install_log_filters()
    if extensions is None:
        extensions = standard_extensions(emulator)
    brain = emulator.brain
    for ext in reversed(extensions):  # the first extension ends up outermost
        wrap = getattr(ext, "wrap_brain", None)
        if wrap is not None:
            brain = wrap(brain)
    emulator.brain = brain
    book = next((ext.book for ext in extensions if isinstance(ext, ScenariosExtension)), None)
    control = ControlPlane(book if book is not None else ScenariosExtension().book)
    routes: list[ApiRoute] = [*control.routes()]
    for ext in extensions:
        routes.extend(as_route(r) for r in ext.routes())
    emulator.resets = [ext.reset for ext in extensions if callable(getattr(ext, "reset", None))]

    matching: dict[str, tuple[tuple[ApiRoute, Any], ...]] = {}

    def candidates(path: str) -> tuple[tuple[ApiRoute, Any], ...]:
        """(route, match) for every route whose regex matches ``path``, in table order; kept
        per path (the table is fixed), so a busy path is not matched against every route."""
        found = matching.get(path)
        if found is None:
            found = tuple((r, m) for r in routes if (m := r.pattern.match(path)) is not None)
            if len(matching) >= ROUTE_CACHE:
                matching.clear()
            matching[path] = found
        return found

    async def dispatch(request: Any) -> Response:
        """The answer to ``request`` (a Starlette Request, or a LeanRequest for lean routes)."""
        path, method = request.url.path, request.method
        try:
            for route, match in candidates(path):
                if not route.allows(method):
                    continue
                if route.auth:
                    check_auth(emulator.config, request)
                return await route.handler(emulator, request, match)
            raise ApiError(404, f"Method not found: {method} {path}", "NOT_FOUND")
        except ApiError as exc:
            return error_response(exc, request)
        except Exception as exc:  # a bug in the emulator: say so in the envelope, log it
            log.exception("emulator error on %s %s", method, path)
            return error_response(
                ApiError(500, f"Internal emulator error: {type(exc).__name__}: {exc}", "INTERNAL"), request
            )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        for ext in extensions:
            if hasattr(ext, "startup"):
                await ext.startup(emulator)
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            for ext in extensions:
                if hasattr(ext, "shutdown"):
                    await ext.shutdown()
            emulator.close()

    app = EmulatorApp(
        routes=[Route("/{path:path}", dispatch, methods=METHODS)],
        middleware=[Middleware(PathGuard)],
        lifespan=lifespan,
    )
    app.lean, app.dispatch = _lean_decider(candidates), dispatch
    app.state.emulator = emulator
    return app


def _lean_decider(candidates: Callable[[str], tuple[tuple[ApiRoute, Any], ...]]) -> Callable[[dict], bool]:
    """``lean(scope)``: whether the route answering ``scope`` is lean (see :mod:`.lean`); decided
    once per method, path, raw path and query (the table is fixed; a root path is never lean)."""
    decided: dict[tuple, bool] = {}

    def is_lean(scope: dict[str, Any]) -> bool:
        if not is_eligible(scope):
            return False
        method = scope["method"]
        for route, _match in candidates(scope["path"]):
            if route.allows(method):
                return route.lean
        return False

    def lean(scope: dict[str, Any]) -> bool:
        if scope.get("root_path"):
            return False
        key = (scope["method"], scope["path"], scope.get("raw_path"), scope.get("query_string"))
        found = decided.get(key)
        if found is None:
            found = decided[key] = is_lean(scope)
            if len(decided) > ROUTE_CACHE:
                decided.clear()
        return found

    return lean


class EmulatorApp(Starlette):
    """Starlette, with lean routes' requests answered by ``dispatch`` directly (:mod:`.lean`)."""

    lean: Callable[[dict[str, Any]], bool] = staticmethod(lambda scope: False)
    dispatch: Callable[[Any], Any]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.lean(scope):
            await serve_lean(self.dispatch, scope, receive, send)
            return
        await super().__call__(scope, receive, send)
