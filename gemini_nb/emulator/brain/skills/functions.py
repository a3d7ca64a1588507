"""Function calling in the emulator: client-side ``function`` tools, their calls and results.

The real service never runs a declared function. It stops with ``requires_action`` and
``function_call`` steps. The client runs the functions and sends ``function_result`` steps
back, either with ``previous_interaction_id`` (server-side history) or after the earlier
steps (stateless history). The model then answers using the results. This skill plays the
model's part. The pure decisions live in :mod:`.functions`: which functions fit the prompt,
with which schema-valid arguments, and how to word an answer from results. What this
module adds is the protocol around them:

* request checks that a real service also makes: malformed ``parameters`` schemas
  (``tools[i].parameters...``) and results whose ``call_id`` answers no call
  (``input[i].call_id``) are 400s, not silently ignored;
* ``generation_config.tool_choice`` (``auto``/``any``/``none``/``validated`` and
  ``{"allowed_tools": {...}}``) is forwarded to the planner;
* chaining: a prompt with sequential clauses ("get X, *then* do Y") is called one phase
  per turn. Each round of results moves on to the next phase, like a model that waits for
  one answer before it decides the next call. A call that needs an id the prompt lacks
  (``get_orders(user_id)``) waits for a function about that entity (``find_user(name)``)
  and takes the id from its result (:mod:`.chains`);
* with a JSON ``response_format``, the answer after the results is structured output
  (see :mod:`.structured`), never the calls themselves.

Results for computer-use actions belong to :mod:`.builtin_tools`, so this skill leaves
them alone.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from ..base import Reply, TurnContext, text_step
from ..history import summarize
from ..lib import persona
from ..lib.chains import fill_from_results, split_dependencies
from ..lib.function_planning import answer_with_results, plan_calls
from ..lib.schema_gen import check_schema
from .builtin_services import PREDEFINED
from .structured import json_request, structured_text

_THEN = re.compile(r"(,?\s*\b(?:and then|then|after that|afterwards|once you have that)\b,?\s*)", re.I)
_MAX_ROUNDS = 6
"""Safety stop: never more call rounds after one user message than this."""


def function_tools(ctx: TurnContext) -> list[dict[str, Any]]:
    """The declared ``function`` tools; raises a ``tools[i].parameters`` error for bad schemas."""
    out = []
    for i, tool in enumerate(ctx.tools):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        params = tool.get("parameters")
        if params is not None:
            check_schema(params, f"tools[{i}].parameters")
        out.append(tool)
    return out


def _mode(choice: Any) -> str:
    if isinstance(choice, dict):
        spec = choice.get("allowed_tools")
        return str(spec.get("mode") or "auto").lower() if isinstance(spec, dict) else "auto"
    return str(choice or "auto").lower()


def _with_mode(choice: Any, mode: str) -> Any:
    """``choice`` with its mode replaced (keeps an ``allowed_tools`` restriction)."""
    if isinstance(choice, dict) and isinstance(choice.get("allowed_tools"), dict):
        return {"allowed_tools": {**choice["allowed_tools"], "mode": mode}}
    return mode


def _rng(text: str, fns: list[dict[str, Any]]) -> random.Random:
    """Planning RNG keyed on the prompt and the functions, not on the turn.

    The same phase planned again in a later turn (to see whether it was already called)
    gives the same arguments, so chaining can recognize its own earlier calls.
    """
    key = json.dumps([text, [f.get("name") for f in fns]], sort_keys=True)
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def plan_phases(prompt: str, fns: list[dict[str, Any]], choice: Any) -> list[list[dict[str, Any]]]:
    """Rounds of calls for ``prompt``: one per sequential clause that calls something.

    A clause that calls nothing on its own ("... and then in London too") stays with the
    clause before it, so the planner still sees it as part of that request. ``any`` only
    forces a call when no clause asks for one.
    """
    mode = _mode(choice)
    if mode == "none":
        return []
    soft = _with_mode(choice, "auto") if mode == "any" else choice
    pieces = _THEN.split(prompt)
    texts: list[str] = []
    sep = ""
    for k, piece in enumerate(pieces):
        if k % 2:  # a separator
            sep = piece
            continue
        if not piece.strip():
            continue
        if texts and not plan_calls(piece, fns, tool_choice=soft, rng=_rng(piece, fns)):
            texts[-1] += sep + piece
        else:
            texts.append(piece)
    phases = []
    for text in texts:
        calls = plan_calls(text, fns, tool_choice=soft, rng=_rng(text, fns))
        if not calls:
            continue
        first, later = split_dependencies(
            calls, fns, text, lambda p, f: plan_calls(p, f, tool_choice="any", rng=_rng(p, f))
        )
        phases.extend([first, later] if later else [first])
    if not phases and mode == "any":
        forced = plan_calls(prompt, fns, tool_choice=choice, rng=_rng(prompt, fns))
        phases = [forced] if forced else []
    return phases


def _input_path(ctx: TurnContext, call_id: Any) -> str:
    """Where the ``function_result`` with ``call_id`` sits in the request as sent."""
    raw = ctx.request.get("input")
    items = raw if isinstance(raw, list) else [raw]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_result" and item.get("call_id") == call_id:
            return f"input[{i}].call_id"
        content = item.get("content") if "role" in item else None
        for j, block in enumerate(content if isinstance(content, list) else []):
            if (
                isinstance(block, dict)
                and block.get("type") == "function_result"
                and block.get("call_id") == call_id
            ):
                return f"input[{i}].content[{j}].call_id"
    return "input.call_id"


def _since_last_user(ctx: TurnContext) -> list[dict[str, Any]]:
    """The steps after the most recent user message: this task's calls and results."""
    conv = ctx.conversation
    last = max((i for i, s in enumerate(conv) if s.get("type") == "user_input"), default=-1)
    return conv[last + 1 :]


def _rounds(steps: list[dict[str, Any]]) -> int:
    """Number of separate runs of ``function_call`` steps (one per model turn that called)."""
    n, inside = 0, False
    for step in steps:
        is_call = step.get("type") == "function_call"
        n += is_call and not inside
        inside = is_call or (inside and step.get("type") == "thought")
    return n


class FunctionSkill:
    """Calls declared functions (``requires_action``) and answers once their results arrive."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        if ctx.agent:
            return None
        fns = function_tools(ctx)
        calls = dict(summarize(ctx.history).calls)  # the history's calls, folded once per chain
        calls.update(
            (s.get("id"), s)
            for s in ctx.input_steps
            if s.get("type") == "function_call" and s.get("id") is not None
        )
        for step in ctx.input_steps:
            if step.get("type") == "function_result" and step.get("call_id") not in calls:
                raise ValueError(
                    f"{_input_path(ctx, step.get('call_id'))}: function_result call_id "
                    f"{step.get('call_id')!r} does not match any function_call in this "
                    "conversation"
                )
        results = ctx.function_results()
        if results:
            return self._after_results(ctx, fns, calls, results)
        if not fns:
            return None
        prompt = ctx.last_user_text()
        if not prompt.strip():
            return None
        json_request(ctx)  # checked for its side effect: a bad response_format is a 400 here too
        phases = plan_phases(prompt, fns, ctx.generation_config.get("tool_choice"))
        return self._call(ctx, phases[0]) if phases else None

    @staticmethod
    def _call(ctx: TurnContext, planned: list[dict[str, Any]]) -> Reply:
        steps = [
            {"type": "function_call", "id": ctx.ids.call_id(), "name": c["name"], "arguments": c["arguments"]}
            for c in planned
        ]
        return Reply(steps=steps, status="requires_action")

    def _after_results(
        self,
        ctx: TurnContext,
        fns: list[dict[str, Any]],
        calls: dict[Any, dict[str, Any]],
        results: list[dict[str, Any]],
    ) -> Reply | None:
        answered = [calls[r["call_id"]] for r in results]
        declared = {t.get("type") for t in ctx.tools if isinstance(t, dict)}
        if "computer_use" in declared and all(c.get("name") in PREDEFINED for c in answered):
            return None  # browser actions: the computer-use loop in builtin_tools continues
        structured = json_request(ctx)
        prompt = ctx.task_text()
        recent = _since_last_user(ctx)
        rounds = _rounds(recent)
        items = []
        for step in recent:
            if step.get("type") == "function_result" and step.get("call_id") in calls:
                call = calls[step["call_id"]]
                items.append(
                    {
                        "name": call.get("name") or step.get("name"),
                        "arguments": call.get("arguments") or {},
                        "result": step.get("result"),
                        "is_error": step.get("is_error"),
                    }
                )
        if fns and prompt.strip() and rounds < _MAX_ROUNDS:
            phases = plan_phases(prompt, fns, ctx.generation_config.get("tool_choice"))
            if rounds < len(phases):  # the next sequential clause still has calls to make
                done = [
                    (s.get("name"), s.get("arguments") or {})
                    for s in recent
                    if s.get("type") == "function_call"
                ]
                by_name = {f.get("name"): f for f in fns}
                ready = [
                    fill_from_results(c, by_name.get(c["name"], {}), items) if c.get("needs") else c
                    for c in phases[rounds]
                ]
                missing = [c for c in ready if (c["name"], c["arguments"]) not in done]
                if missing:
                    return self._call(ctx, missing)
        text = answer_with_results(prompt, items, persona.language(ctx.system_instruction))
        if structured is not None:
            text = structured_text(ctx, structured, f"{prompt}\n{text}")
        else:
            text = persona.apply(ctx.system_instruction, text)
        return Reply(steps=[text_step(text)])
