"""Custom (managed) agents: ``client.agents.create/get/list/delete`` and their use by id.

The 3.x SDK saves an agent configuration under an id (``POST /{ver}/agents`` with
``{"id", "base_agent", "system_instruction", "tools", "agent_config", "base_environment",
"description"}``) and later runs it with ``interactions.create(agent="<id>", ...)``. A custom
agent extends a built-in one (Antigravity by default): the emulator runs the base agent's
behaviour with the saved system instruction, tools and config merged under the request's own.

Wired as :class:`AgentsExtension` (see :mod:`gemini_nb.emulator.extension`): it serves the
routes of its :class:`AgentRegistry`, forgets it on reset, and puts :class:`AgentsGuard` in
the brain chain so a turn for a custom agent reaches the skills as a turn for its base agent.
The core service needs the same registry to accept a saved id as ``agent`` and to know
whether it is background-only; it reads it as ``Emulator.agents``, which
:func:`gemini_nb.emulator.app.new_emulator` sets to the registry this extension serves.

Ids follow one grammar (:data:`ID_OK`); a path segment that does not is a 404 before any
lookup, so an agent id never names another resource.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .brain.base import remembered
from .errors import ApiError, invalid, not_found
from .extension import ApiRoute
from .interactions_api import read_json
from .validate import AGENT_RE, KNOWN_AGENTS, _validate_tools, snake_keys

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

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def resolve(self, agent_id: str) -> tuple[str, list[dict[str, Any]]]:
        """(built-in agent, chain of saved definitions from the outermost) for ``agent_id``."""
        chain: list[dict[str, Any]] = []
        current = agent_id
        while True:
            agent = self.get(current) if isinstance(current, str) else None
            if agent is None or len(chain) > 8:
                return current, chain
            chain.append(agent)
            current = agent["base_agent"]


def public(agent: dict[str, Any]) -> dict[str, Any]:
    """The Agent resource as the SDK reads it (no internal keys, no empty fields)."""
    return {k: agent[k] for k in FIELDS if agent.get(k) not in (None, "", [])}


def _check(body: Any, registry: AgentRegistry, ids: Any) -> dict[str, Any]:
    """A validated agent definition from a create body (snake_case or camelCase keys)."""
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received: the request body must be a JSON object.")
    body = snake_keys(body)
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise invalid(unknown[0], f'Unknown name "{unknown[0]}": Cannot find field.')
    agent_id = body.get("id") or "agent-" + ids.file_name().split("/", 1)[-1]
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
        base not in KNOWN_AGENTS and not AGENT_RE.match(base) and base not in registry
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


class AgentsGuard:
    """Wraps the brain: a turn for a saved agent is answered as a turn for its base agent.

    The saved system instruction comes before the request's own, saved tools before the
    request's tools, and the request's ``agent_config`` keys win over the saved ones.
    """

    returns_inner_reply = True
    """Its answer is the inner brain's reply object as that returned it (or a scripted one):
    the store may keep a remembered reply's blob (``Emulator._passes_replies_on``)."""

    def __init__(self, inner: Any, registry: AgentRegistry):
        self.inner, self.registry = inner, registry

    def remembered(self, key: bytes) -> bytes | None:
        """A turn with a memo key names no agent."""
        return remembered(self.inner, key)

    def respond(self, ctx: Any) -> Any:
        if ctx.agent and ctx.agent in self.registry:
            base, chain = self.registry.resolve(ctx.agent)
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


def _log(emu: Any, request: Request, body: Any = None) -> None:
    """Into the request log, redacted there (:mod:`gemini_nb.emulator.redact`)."""
    emu.log_request(request.method, request.url.path, request.url.query, request.headers.items(), body)


def _no_method(request: Request) -> ApiError:
    return ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")


class AgentsExtension:
    """Custom agents as an extension: their routes, the registry, the brain layer."""

    def __init__(self, registry: AgentRegistry | None = None):
        self.registry = registry if registry is not None else AgentRegistry()

    def routes(self) -> list[ApiRoute]:
        methods = ("GET", "POST", "DELETE", "PUT", "PATCH")
        return [ApiRoute(methods, AGENTS_LIST, self.collection), ApiRoute(methods, AGENT_ITEM, self.item)]

    def wrap_brain(self, brain: Any) -> Any:
        return AgentsGuard(brain, self.registry)

    def reset(self) -> None:
        self.registry.clear()

    async def collection(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET /{ver}/agents`` (list, paged) and ``POST /{ver}/agents`` (create)."""
        if request.method == "POST":
            body = await read_json(request, emu.config.max_body_bytes, required=True)
            _log(emu, request, body)
            agent = self.registry.add(_check(body, self.registry, emu.ids))
            return JSONResponse(public(agent))
        _log(emu, request)
        if request.method != "GET":
            raise _no_method(request)
        query = request.query_params
        try:
            size = int(query.get("page_size") or query.get("pageSize") or 50)
        except ValueError:
            raise invalid("page_size", "expected an integer") from None
        size = max(1, min(size, 1000))
        token = query.get("page_token") or query.get("pageToken") or ""
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        except (ValueError, UnicodeDecodeError):
            raise invalid("page_token", f"{token!r} was not issued by this server") from None
        ids = self.registry.ids()
        page = [public(a) for a in (self.registry.get(i) for i in ids[start : start + size]) if a is not None]
        body: dict[str, Any] = {"agents": page}
        if start + size < len(ids):
            body["next_page_token"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return JSONResponse(body)

    async def item(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET`` and ``DELETE /{ver}/agents/{id}``."""
        _log(emu, request)
        agent_id = match.group("id")
        if not ID_OK.match(agent_id):  # not an agent id at all: never looked up
            raise not_found(f"agents/{agent_id} is not found: not a valid agent id.")
        if request.method == "GET":
            agent = self.registry.get(agent_id)
            if agent is None:
                raise not_found(f"agents/{agent_id} is not found.")
            return JSONResponse(public(agent))
        if request.method == "DELETE":
            if not self.registry.delete(agent_id):
                raise not_found(f"agents/{agent_id} is not found.")
            return JSONResponse({})
        raise _no_method(request)
