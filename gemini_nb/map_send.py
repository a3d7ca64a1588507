"""One map row's ``interactions.create`` through the SDK's async client, at the least CPU per call.

Why its own module: google-genai 3.x (Speakeasy code) builds three throw-away pydantic models on
every create (``pydantic.create_model`` in ``unmarshal`` for the keyword arguments, in
``marshal_json`` for the body, in ``unmarshal`` again for the answer): about two thirds of the
client's CPU per call, which caps one process near 30 creates/s on a 2-core machine and so sets
the pace of a big ``map``. Two of the three (all but the body's) are work a map does not need:

* the request goes in as a ``CreateInteractionRequest`` validated by the SDK's own (compiled)
  model class, so the SDK does not re-validate keyword arguments through a fresh model;
* the answer is read with ``with_raw_response`` and kept as JSON: the map turns every answer into
  a plain dict anyway (``stream.to_plain``), so parsing it into pydantic objects first was wasted.
  Error statuses still raise the SDK's usual exceptions (the raw accessor parses those eagerly),
  so retries, ``Retry-After`` and error messages are unchanged.

Another cost is waiting, not CPU: the async SDK runs its (synchronous) auth hook through
``asyncio.to_thread`` on every request, and under load each such hop costs 100-300 ms (a worker
thread must win the GIL from the loop, twice). When the client authenticates with a plain API key
the hook only sets headers, so this map's own client runs it inline on its event loop instead
(:func:`inline_auth_hook`); a client with refreshable credentials keeps the thread.

What the parsed call did that the raw one does not, automatic continuation of an answer cut at
the decode limit (``status: requires_continuation``), is kept: the next hops go through the SDK's
parsed create (which continues any further hops itself) and are merged as the SDK merges them.
Nothing in the SDK is patched: only the map's own client instance is configured, so other code in
the process uses the SDK unchanged. When this SDK lacks one of these pieces, or the request has a
field its model does not know, rows use the plain ``create(**request)``.
"""

from __future__ import annotations

from typing import Any

CONTINUE = "requires_continuation"


def request_model(aio: Any, request: dict[str, Any]) -> Any:
    """The SDK's ``CreateInteractionRequest`` class when the fast path applies to ``request``
    (a representative row's request), else None (use the plain keyword call). Rows are validated
    without the SDK's body normalizer, so only a plain-text ``input`` (which it leaves alone)
    qualifies."""
    from .sdk_request import typed

    interactions = getattr(aio, "interactions", None)
    if interactions is None or not hasattr(type(interactions), "with_raw_response"):
        return None
    validated = typed(request) if isinstance(request.get("input"), str) else None
    return None if validated is None else type(validated)


class _InlineHook:
    """The SDK's synchronous before-request hook, called on the event loop (it only sets headers)."""

    def __init__(self, hook: Any):
        self.hook = hook

    async def before_request(self, context: Any, request: Any) -> Any:
        return self.hook.before_request(context, request)


def inline_auth_hook(aio: Any) -> bool:
    """Run this client's auth hook inline rather than in a thread, when its credentials are a static
    API key (no token refresh that could block). Only this client instance changes. True if done."""
    try:
        from google.genai._gaos._hooks.adapters import SyncToAsyncBeforeRequestAdapter
    except ImportError:
        return False
    config = getattr(getattr(aio, "interactions", None), "sdk_configuration", None)
    hooks = vars(config).get("_async_hooks") if config is not None else None
    security = getattr(config, "security", None)
    hooked = getattr(hooks, "before_request_hooks", None)
    if not isinstance(hooked, list) or callable(security) or not getattr(security, "api_key", None):
        return False
    hooks.before_request_hooks = [
        _InlineHook(h._sync_hook) if type(h) is SyncToAsyncBeforeRequestAdapter else h for h in hooked
    ]
    return True


class RowSender:
    """``await sender(request)`` -> the interaction (a JSON dict on the fast path, else the SDK's)."""

    def __init__(self, aio: Any, model: Any = None):
        self.aio = aio
        self.model = model

    @classmethod
    def for_request(cls, aio: Any, request: dict[str, Any]) -> RowSender:
        """The sender for a map's own client, ``request`` being a representative row's."""
        inline_auth_hook(aio)
        return cls(aio, request_model(aio, request))

    async def __call__(self, request: dict[str, Any]) -> Any:
        if self.model is None:
            return await self.aio.interactions.create(**request)
        typed = self.model.model_validate({"body": request})
        response = await self.aio.interactions.with_raw_response.create(request=typed)
        data = await response.json()
        if isinstance(data, dict) and data.get("status") == CONTINUE and data.get("continuation_token"):
            data = await self._continue(typed, data)
        return data

    async def _continue(self, typed: Any, first: dict[str, Any]) -> dict[str, Any]:
        """The hops after ``first`` through the SDK's parsed create (it continues further hops
        itself), merged like the SDK: the final hop's fields, steps concatenated, usage summed."""
        from .stream import to_plain

        updates: dict[str, Any] = {"continuation_token": first["continuation_token"]}
        if first.get("id") and getattr(typed.body, "store", None) is not False:
            updates.update(previous_interaction_id=first["id"], input=None)  # the server has the input
        nxt = typed.model_copy(update={"body": typed.body.model_copy(update=updates)})
        rest = to_plain(await self.aio.interactions.create(request=nxt)) or {}
        merged = {**rest, "steps": [*(first.get("steps") or ()), *(rest.get("steps") or ())]}
        merged["usage"] = _sum_usage(first.get("usage") or {}, rest.get("usage") or {})
        return merged


def _sum_usage(first: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    out = {**first, **rest}
    for key in set(first) & set(rest):
        a, b = first[key], rest[key]
        if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
            out[key] = a + b
    return out


__all__ = ["RowSender", "request_model", "inline_auth_hook"]
