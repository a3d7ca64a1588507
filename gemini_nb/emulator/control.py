"""The control plane under ``/_emulator/``: reset, seed, faults, request log, settings, scenarios.

Unauthenticated on purpose (it is a local test tool); every answer is JSON.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .errors import ApiError


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    from .validate import loads_body
    return loads_body(raw)


def _guard(handler):
    async def wrapped(request: Request) -> JSONResponse:
        try:
            return await handler(request, request.app.state.emulator)
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.code)
    return wrapped


async def health(request: Request, emu) -> JSONResponse:
    from .. import __version__
    return JSONResponse({"ok": True, "emulator": "gemini_nb", "version": __version__,
                         "interactions_running": len(emu.runs), "mode": _mode(emu.config)})


def _mode(config) -> str:
    return "record" if config.record_dir else "replay" if config.replay_dir else "emulate"


async def reset(request: Request, emu) -> JSONResponse:
    emu.reset()
    replayer = emu.extensions.get("replayer")
    if replayer is not None:  # replay the cassettes from the start again
        replayer.reset()
    return JSONResponse({"ok": True})


async def seed(request: Request, emu) -> JSONResponse:
    data = await _json(request)
    value = data.get("seed") if isinstance(data, dict) else None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ApiError(400, "'seed' must be an integer or null")
    emu.reseed(value)
    return JSONResponse({"ok": True, "seed": value})


async def faults(request: Request, emu) -> JSONResponse:
    if request.method == "GET":
        return JSONResponse({"rules": emu.faults.list()})
    if request.method == "DELETE":
        emu.faults.clear()
        return JSONResponse({"ok": True})
    return JSONResponse({"rules": emu.faults.add(await _json(request))})


async def requests_log(request: Request, emu) -> JSONResponse:
    if request.method == "DELETE":
        emu.request_log.clear()
        return JSONResponse({"ok": True})
    return JSONResponse({"requests": list(emu.request_log)})


async def settings(request: Request, emu) -> JSONResponse:
    if request.method == "GET":
        return JSONResponse(emu.config.as_dict())
    data = await _json(request)
    if not isinstance(data, dict):
        raise ApiError(400, "settings must be a JSON object")
    try:
        return JSONResponse(emu.config.update(data))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


async def scenarios(request: Request, emu) -> JSONResponse:
    """GET lists, DELETE clears, POST adds scenarios (a JSON or YAML document in the body)."""
    from .scenarios import ScenarioError, book_for, parse

    book = book_for(emu)
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


def control_routes() -> list[Route]:
    return [
        Route("/_emulator/health", _guard(health), methods=["GET"]),
        Route("/_emulator/reset", _guard(reset), methods=["POST"]),
        Route("/_emulator/seed", _guard(seed), methods=["POST"]),
        Route("/_emulator/faults", _guard(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/requests", _guard(requests_log), methods=["GET", "DELETE"]),
        Route("/_emulator/config", _guard(settings), methods=["GET", "POST"]),
        Route("/_emulator/scenarios", _guard(scenarios), methods=["GET", "POST", "DELETE"]),
    ]
