"""The control plane under ``/_emulator/``: reset, seed, faults, request log, settings, scenarios.

A service of the same shape as the others (``routes()`` of :class:`ApiRoute`), built by the app
factory with what it controls passed in explicitly (the scenario book). Unauthenticated on
purpose (it is a local test tool) -- and for the same reason it refuses any request that
carries an API key: an API call never belongs here, and one that arrives here was steered by
a crafted id (``interactions.delete("../../_emulator/faults")``, normalised by the client).
Every answer is JSON.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .auth import has_credentials
from .errors import ApiError, not_found
from .extension import ApiRoute
from .scenarios import ScenarioBook, ScenarioError, parse
from .validate import loads_body


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    return loads_body(raw)


def _version() -> str:
    try:
        return metadata.version("gemini_nb")
    except metadata.PackageNotFoundError:
        return "unknown"


def _mode(config) -> str:
    return "record" if config.record_dir else "replay" if config.replay_dir else "emulate"


class ControlPlane:
    """``/_emulator/*`` routes; ``scenarios`` is the book ``/_emulator/scenarios`` edits."""

    def __init__(self, scenarios: ScenarioBook):
        self.book = scenarios

    def routes(self) -> list[ApiRoute]:
        table = [
            ("health", ("GET",), self.health),
            ("reset", ("POST",), self.reset),
            ("seed", ("POST",), self.seed),
            ("faults", ("GET", "POST", "DELETE"), self.faults),
            ("requests", ("GET", "DELETE"), self.requests_log),
            ("config", ("GET", "POST"), self.settings),
            ("scenarios", ("GET", "POST", "DELETE"), self.scenarios),
        ]
        return [
            ApiRoute(methods, re.compile(rf"^/_emulator/{name}/?$"), _guard(handler), auth=False)
            for name, methods, handler in table
        ]

    async def health(self, request: Request, emu) -> JSONResponse:
        return JSONResponse(
            {
                "ok": True,
                "emulator": "gemini_nb",
                "version": _version(),
                "interactions_running": len(emu.runs),
                "mode": _mode(emu.config),
            }
        )

    async def reset(self, request: Request, emu) -> JSONResponse:
        emu.reset()
        return JSONResponse({"ok": True})

    async def seed(self, request: Request, emu) -> JSONResponse:
        data = await _json(request)
        value = data.get("seed") if isinstance(data, dict) else None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ApiError(400, "'seed' must be an integer or null")
        emu.reseed(value)
        return JSONResponse({"ok": True, "seed": value})

    async def faults(self, request: Request, emu) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse({"rules": emu.faults.list()})
        if request.method == "DELETE":
            emu.faults.clear()
            return JSONResponse({"ok": True})
        return JSONResponse({"rules": emu.faults.add(await _json(request))})

    async def requests_log(self, request: Request, emu) -> JSONResponse:
        if request.method == "DELETE":
            emu.request_log.clear()
            return JSONResponse({"ok": True})
        return JSONResponse({"requests": list(emu.request_log)})

    async def settings(self, request: Request, emu) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse(emu.config.as_dict())
        data = await _json(request)
        if not isinstance(data, dict):
            raise ApiError(400, "settings must be a JSON object")
        try:
            return JSONResponse(emu.config.update(data))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None

    async def scenarios(self, request: Request, emu) -> JSONResponse:
        """GET lists, DELETE clears, POST adds scenarios (a JSON or YAML document in the body)."""
        book = self.book
        if request.method == "DELETE":
            book.clear()
            return JSONResponse({"ok": True, "scenarios": []})
        if request.method == "POST":
            raw = (await request.body()).decode("utf-8", "replace")
            if not raw.strip():
                raise ApiError(400, "POST /_emulator/scenarios needs a JSON or YAML scenario document")
            try:
                loaded = parse(raw, request.query_params.get("source") or "request body")
            except ScenarioError as exc:
                raise ApiError(400, str(exc)) from None
            if request.query_params.get("replace", "").lower() in ("1", "true"):
                book.clear()
            book.add(loaded)
        return JSONResponse({"scenarios": book.list()})


def _guard(handler):
    async def wrapped(emu, request: Request, match: re.Match) -> JSONResponse:
        if has_credentials(request):
            raise not_found(
                f"Method not found: {request.method} {request.url.path} (the control "
                "plane takes no API key; this request was meant for the API)."
            )
        return await handler(request, emu)

    return wrapped
