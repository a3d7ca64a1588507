"""Multi-step function calls where a later call needs what an earlier one returns.

"Show me the orders of Ana Silva" with ``find_user(name)`` and ``get_orders(user_id)``: the
prompt has no user id, but ``find_user`` is about users and can be called with what the
prompt does say. A model calls ``find_user`` first, reads the id from its result, then calls
``get_orders`` with it. :func:`split_dependencies` finds such pairs in a planned round of
calls; :func:`fill_from_results` puts the earlier results' values into the later call.
"""

from __future__ import annotations

import json
from typing import Any

from . import intent
from .schema_match import Matcher
from .vocab import STOPWORDS, split_words, stem

ID_WORDS = {"id", "ids", "uuid", "key", "number", "num", "no", "code", "ref", "handle"}


def _entity(key: str) -> set[str]:
    """What an id-like parameter identifies: ``user_id`` -> {'user'}; None-like -> empty."""
    words = split_words(key)
    if len(words) < 2 or words[-1] not in ID_WORDS:
        return set()
    return {stem(w) for w in words[:-1] if w not in STOPWORDS}


def _about(fn: dict[str, Any]) -> set[str]:
    """Stems (with synonyms) of a function's name and description."""
    text = f"{fn.get('name', '')} {fn.get('description') or ''}"
    return intent.expand({stem(w) for w in split_words(text) if w not in STOPWORDS})


def _missing_ids(call: dict[str, Any], fn: dict[str, Any], prompt: str) -> list[str]:
    """Required id-like parameters whose planned value the prompt never says."""
    params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
    required = params.get("required") or []
    said = prompt.lower()
    return [k for k in required if _entity(k) and str(call["arguments"].get(k, "")).lower() not in said]


def split_dependencies(
    calls: list[dict[str, Any]], fns: list[dict[str, Any]], prompt: str, plan: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(first round, second round) for ``calls``; the second is empty when nothing depends.

    ``plan(prompt, [fn])`` plans a call of one function (the planner's own argument filling).
    A call moves to the second round, marked ``{"needs": {param: provider name}}``, when a
    required id-like parameter is missing and another function is about that entity.
    """
    by_name = {f.get("name"): f for f in fns}
    first: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for call in calls:
        fn = by_name.get(call["name"]) or {}
        needs: dict[str, str] = {}
        for key in _missing_ids(call, fn, prompt):
            entity = _entity(key)
            providers = [f for f in fns if f is not fn and entity & _about(f)]
            if not providers:
                continue
            provider = providers[0]
            planned = plan(prompt, [provider])
            if not planned:
                continue
            needs[key] = provider["name"]
            if planned[0] not in first:
                first.append(planned[0])
        if needs:
            later.append({**call, "needs": needs})
        elif call not in first:
            first.append(call)
    return (first, later) if later else (calls, [])


def _find(value: Any, key: str, depth: int = 0) -> Any:
    """The value for parameter ``key`` inside a function result, or None."""
    if depth > 4:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value if value.strip() and len(value) < 200 else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, list):
        for item in value:
            found = _find(item, key, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(value, dict):
        return None
    entity = _entity(key)
    for k, v in value.items():  # exact name first, then "id", then "<entity>Id" spellings
        if k == key and not isinstance(v, (dict, list)):
            return v
    for k, v in value.items():
        words = split_words(k)
        if (
            words
            and words[-1] in ID_WORDS
            and (len(words) == 1 or {stem(w) for w in words[:-1]} & entity)
            and not isinstance(v, (dict, list))
        ):
            return v
    for v in value.values():
        if isinstance(v, (dict, list)):
            found = _find(v, key, depth + 1)
            if found is not None:
                return found
    return None


def fill_from_results(
    call: dict[str, Any], fn: dict[str, Any], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """``call`` (without its ``needs`` mark) with each needed value read from ``results``.

    ``results`` are ``{"name", "result"}`` of the earlier round. A value is used only when
    the arguments still validate against the function's schema.
    """
    args = dict(call["arguments"])
    params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else None
    matcher = Matcher(params) if params else None
    for key, provider in (call.get("needs") or {}).items():
        for item in results:
            if item.get("name") != provider:
                continue
            value = _find(item.get("result"), key)
            if value is None:
                continue
            for candidate in (value, str(value)):
                trial = {**args, key: candidate}
                if matcher is None or matcher.ok(params, trial):
                    args = trial
                    break
            break
    return {"name": call["name"], "arguments": args}
