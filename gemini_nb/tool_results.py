"""Answering function calls by hand: ``result.reply(...)`` / ``Session.ask(function_results=...)``.

Why apart from the loop: building the request of a reply turn (:mod:`gemini_nb.request`) needs
these, and the request module must not depend on the loop (which depends on the transport).
Pure: the parent turn's steps and the user's values in, ``function_result`` steps out; a value
that matches no pending call, or a pending call left without a value, is one line
(:class:`ReplyError`).
"""

from __future__ import annotations

from typing import Any

from .chain import ChainError
from .toolcall import OK, ToolCall


class ReplyError(ChainError):
    """Function results that do not fit the pending calls (one line)."""


def user_step(prompt: str) -> dict[str, Any]:
    """The ``user_input`` step of a prompt (the same shape :func:`gemini_nb.request.user_step` builds)."""
    return {"type": "user_input", "content": [{"type": "text", "text": prompt}]}


def pending_calls(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Function calls in ``steps`` that no later ``function_result`` answers, in order."""
    answered = {s.get("call_id") for s in steps if s.get("type") == "function_result"}
    return [s for s in steps if s.get("type") == "function_call" and s.get("id") not in answered]


def result_step(record: ToolCall) -> dict[str, Any]:
    """The ``function_result`` input step for one answered call."""
    value = record.result
    if not isinstance(value, (str, dict)):  # the API takes a string, an object or content blocks
        value = {"result": value}
    step = {"type": "function_result", "call_id": record.id, "name": record.name, "result": value}
    if record.status != OK:
        step["is_error"] = True
    return step


def result_steps(results: Any, pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hand-given results -> ``function_result`` steps for ``pending`` calls (raises ReplyError).

    ``results``: a dict keyed by function name (each name called once) or by call id, or a
    list in call order. Every pending call needs a value; values are converted to JSON.
    """
    from .tool_json import to_json

    if not pending:
        raise ReplyError("function_results: the turn this continues has no pending function calls")
    if isinstance(results, dict):
        values = []
        for call in pending:
            if call.get("id") in results:
                values.append(results[call["id"]])
                continue
            same = [c for c in pending if c.get("name") == call.get("name")]
            if call.get("name") in results and len(same) > 1:
                raise ReplyError(
                    f"function_results: {len(same)} pending calls to {call.get('name')}: "
                    "pass a list in call order, or a dict keyed by call id"
                )
            if call.get("name") not in results:
                raise ReplyError(
                    f"function_results: no result for {call.get('name')} "
                    f"(call {call.get('id')}); "
                    f"pending: {', '.join(str(c.get('name')) for c in pending)}"
                )
            values.append(results[call["name"]])
        unknown = set(results) - {c.get("id") for c in pending} - {c.get("name") for c in pending}
        if unknown:
            names = ", ".join(map(str, sorted(unknown)))
            raise ReplyError(f"function_results: {names} matches no pending call")
    elif isinstance(results, (list, tuple)):
        if len(results) != len(pending):
            raise ReplyError(
                f"function_results: {len(results)} value(s) for {len(pending)} pending call(s) "
                f"({', '.join(str(c.get('name')) for c in pending)})"
            )
        values = list(results)
    else:
        raise ReplyError("function_results: pass a dict (function name or call id -> value) or a list")
    steps = []
    for call, value in zip(pending, values):
        if isinstance(value, ToolCall) and value.id == call.get("id"):  # settled already (approval panel)
            steps.append(result_step(value))
            continue
        record = ToolCall(id=call.get("id"), name=call.get("name"), arguments=call.get("arguments") or {})
        if isinstance(value, BaseException):
            record.status, record.error = "error", f"{type(value).__name__}: {value}"
            record.result = {"error": record.error}
        else:
            record.result, record.notes = to_json(value)
            record.status = OK
        steps.append(result_step(record))
    return steps


def reply_input(prompt: str, results: Any, pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The input steps of a turn that answers calls by hand (plus the prompt, when there is one)."""
    steps = result_steps(results, pending)
    if prompt.strip():
        steps.append(user_step(prompt))
    return steps


__all__ = ["ReplyError", "pending_calls", "reply_input", "result_step", "result_steps"]
