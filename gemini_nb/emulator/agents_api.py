"""Custom (managed) agents: ``client.agents.create/get/list/delete`` and their use by id.

The 3.x SDK saves an agent configuration under an id (``POST /{ver}/agents`` with
``{"id", "base_agent", "system_instruction", "tools", "agent_config", "base_environment",
"description"}``) and later runs it with ``interactions.create(agent="<id>", ...)``. A custom
agent extends a built-in one (Antigravity by default): the emulator runs the base agent's
behaviour with the saved system instruction, tools and config merged under the request's own.

Wiring (today's mechanism, see :func:`register`): the routes go into
:data:`gemini_nb.emulator.app.EXTRA_ROUTES`; the registry lives in
``emu.extensions["agents"]``; :class:`AgentsGuard` wraps the brain so a turn for a custom
agent reaches the skills as a turn for its base agent. The service asks
:func:`lookup` whether an unknown agent name is a saved one.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import ApiError, invalid, not_found

_VER = r"(?P<version>v\d+[a-z0-9]*)"
AGENTS_LIST = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/agents/?$")
AGENT_ITEM = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/agents/(?P<id>[^/:]+)/?$")
ID_OK = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_BASE = "antigravity-preview-09-2026"
FIELDS = (
    "id",
    "base_agent",
    "description",
    "system_instruction",
    "tools",
    "agent_config",
    "base_environment",
)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class AgentRegistry:
    """Saved agent definitions by id (in memory; cleared by ``/_emulator/reset``)."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, agent: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if agent["id"] in self._items:
                raise ApiError(409, f"Agent {agent['id']} already exists.", "ALREADY_EXISTS")
            self._items[agent["id"]] = agent
        return agent

    def get(self, agent_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(agent_id)

    def __contains__(self, agent_id: object) -> bool:
        return isinstance(agent_id, str) and self.get(agent_id) is not None

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._items, key=lambda k: (self._items[k]["_created"], k))

    def delete(self, agent_id: str) -> bool:
        with self._lock:
            return self._items.pop(agent_id, None) is not None

    def on_reset(self) -> None:
        with self._lock:
            self._items.clear()


def lookup(emu: Any, agent_id: Any) -> dict[str, Any] | None:
    """The saved definition for ``agent_id`` on this emulator, or None."""
    registry = getattr(emu, "extensions", {}).get("agents")
    return registry.get(agent_id) if registry is not None and isinstance(agent_id, str) else None


def public(agent: dict[str, Any]) -> dict[str, Any]:
    """The Agent resource as the SDK reads it (no internal keys, no empty fields)."""
    return {k: agent[k] for k in FIELDS if agent.get(k) not in (None, "", [])}


def _check(body: Any, emu: Any) -> dict[str, Any]:
    """A validated agent definition from a create body (snake_case or camelCase keys)."""
    from .validate import AGENT_RE, KNOWN_AGENTS, _validate_tools, snake_keys

    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received: the request body must be a JSON object.")
    body = snake_keys(body)
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise invalid(unknown[0], f'Unknown name "{unknown[0]}": Cannot find field.')
    agent_id = body.get("id") or emu.ids.file_name().split("/", 1)[-1]
    if not isinstance(agent_id, str) or not ID_OK.match(agent_id):
        raise invalid(
            "id",
            f"{agent_id!r} must be 1-63 lowercase letters, digits or dashes, "
            "starting with a letter and not ending with a dash.",
        )
    if agent_id in KNOWN_AGENTS or AGENT_RE.match(agent_id):
        raise invalid("id", f"{agent_id!r} is the name of a built-in agent; choose another id.")
    base = body.get("base_agent") or DEFAULT_BASE
    if not isinstance(base, str) or (
        base not in KNOWN_AGENTS and not AGENT_RE.match(base) and lookup(emu, base) is None
    ):
        raise invalid("base_agent", f"{base!r} is not a known agent.")
    for key in ("description", "system_instruction"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid(key, "expected a string")
    if body.get("tools") is not None:
        _validate_tools(body["tools"])
    if body.get("agent_config") is not None and not isinstance(body["agent_config"], dict):
        raise invalid("agent_config", "expected an object")
    return {**{k: body.get(k) for k in FIELDS}, "id": agent_id, "base_agent": base, "_created": time.time()}


def resolve(emu: Any, agent_id: str) -> tuple[str, list[dict[str, Any]]]:
    """(built-in agent, chain of saved definitions from the outermost) for ``agent_id``."""
    chain: list[dict[str, Any]] = []
    current = agent_id
    while True:
        agent = lookup(emu, current)
        if agent is None or len(chain) > 8:
            return current, chain
        chain.append(agent)
        current = agent["base_agent"]


class AgentsGuard:
    """Wraps the brain: a turn for a saved agent is answered as a turn for its base agent.

    The saved system instruction comes before the request's own, saved tools before the
    request's tools, and the request's ``agent_config`` keys win over the saved ones.
    """

    def __init__(self, inner: Any, emu: Any):
        self.inner, self.emu = inner, emu

    def respond(self, ctx: Any) -> Any:
        if ctx.agent and lookup(self.emu, ctx.agent) is not None:
            base, chain = resolve(self.emu, ctx.agent)
            instructions = [a["system_instruction"] for a in reversed(chain) if a.get("system_instruction")]
            tools = [t for a in reversed(chain) for t in (a.get("tools") or [])]
            config: dict[str, Any] = {}
            for agent in reversed(chain):
                config.update(agent.get("agent_config") or {})
            ctx.agent = base
            ctx.system_instruction = (
                "\n\n".join([*instructions, *([ctx.system_instruction] if ctx.system_instruction else [])])
                or None
            )
            ctx.tools = [*tools, *ctx.tools]
            ctx.agent_config = {**config, **(ctx.agent_config or {})} or None
        return self.inner.respond(ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _registry(emu: Any) -> AgentRegistry:
    return emu.extensions.setdefault("agents", AgentRegistry())


async def agents_collection(emu: Any, request: Request, match: re.Match) -> Response:
    """``GET /{ver}/agents`` (list, paged) and ``POST /{ver}/agents`` (create)."""
    from .app import _read_json

    registry = _registry(emu)
    if request.method == "POST":
        body = await _read_json(request, emu, required=True)
        emu.log_request(request.method, request.url.path, request.url.query, dict(request.headers), body)
        agent = registry.add(_check(body, emu))
        return JSONResponse(public(agent))
    emu.log_request(request.method, request.url.path, request.url.query, dict(request.headers), None)
    if request.method != "GET":
        raise ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")
    try:
        size = int(request.query_params.get("page_size") or request.query_params.get("pageSize") or 50)
    except ValueError:
        raise invalid("page_size", "expected an integer") from None
    size = max(1, min(size, 1000))
    token = request.query_params.get("page_token") or request.query_params.get("pageToken") or ""
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except (ValueError, UnicodeDecodeError):
        raise invalid("page_token", f"{token!r} was not issued by this server") from None
    ids = registry.ids()
    page = [public(a) for a in (registry.get(i) for i in ids[start : start + size]) if a is not None]
    body: dict[str, Any] = {"agents": page}
    if start + size < len(ids):
        body["next_page_token"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return JSONResponse(body)


async def agent_item(emu: Any, request: Request, match: re.Match) -> Response:
    """``GET`` and ``DELETE /{ver}/agents/{id}``."""
    emu.log_request(request.method, request.url.path, request.url.query, dict(request.headers), None)
    registry = _registry(emu)
    agent_id = match.group("id")
    if request.method == "GET":
        agent = registry.get(agent_id)
        if agent is None:
            raise not_found(f"agents/{agent_id} is not found.")
        return JSONResponse(public(agent))
    if request.method == "DELETE":
        if not registry.delete(agent_id):
            raise not_found(f"agents/{agent_id} is not found.")
        return JSONResponse({})
    raise ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")


def register(app: Any) -> None:
    """Give the app's emulator an agent registry, wrap its brain, and mount the routes."""
    from . import app as app_module

    emu = app.state.emulator
    _registry(emu)
    if not isinstance(emu.brain, AgentsGuard):
        emu.brain = AgentsGuard(emu.brain, emu)
    if not any(handler in (agents_collection, agent_item) for _, handler in app_module.EXTRA_ROUTES):
        app_module.EXTRA_ROUTES.extend([(AGENTS_LIST, agents_collection), (AGENT_ITEM, agent_item)])
