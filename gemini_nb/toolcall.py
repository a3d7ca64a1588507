"""``ToolCall``: one function call of a turn, as ``result.calls`` lists it.

Why a class of its own (and not the step dict): a call is a model's request (id, name,
arguments) *plus* what the toolkit did with it (the value sent back, an error, how long it
took), and the second half is not part of any wire step. It is light (no heavy imports) because
:mod:`gemini_nb.result` uses it. Dict-style access (``call["name"]``) and equality with the old
``{"id", "name", "arguments"}`` dicts keep earlier code working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, ERROR, PENDING, DECLINED = "ok", "error", "pending", "declined"


@dataclass(eq=False)
class ToolCall:
    """A function call: ``.name``, ``.arguments``, ``.result``, ``.error``, ``.duration_s``, ``.status``.

    ``status`` is ``ok`` (ran, its value was sent back), ``error`` (unknown name, invalid
    arguments, raised, timed out: ``.error`` says which; the model got that message),
    ``declined`` (``--approve`` said no) or ``pending`` (not answered yet: ``--no-auto``,
    a declaration without a function, or the round limit).
    """

    id: str | None
    name: str | None
    arguments: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    duration_s: float | None = None
    status: str = PENDING
    notes: list[str] = field(default_factory=list)
    """What the conversion of the return value changed (rows cut, bytes left out, ...)."""

    # -- dict-style access (older code used dicts) ---------------------------------------
    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def keys(self) -> list[str]:
        return ["id", "name", "arguments", "result", "error", "duration_s", "status"]

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.keys()}

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, ToolCall):
            return self.as_dict() == other.as_dict()
        if isinstance(other, dict):
            return set(other) <= set(self.keys()) and all(getattr(self, k) == v for k, v in other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def ok(self) -> bool:
        return self.status == OK

    def signature(self, limit: int = 120) -> str:
        """``name(a=1, b='x')``, shortened to ``limit`` characters."""
        args = ", ".join(f"{k}={v!r}" for k, v in (self.arguments or {}).items())
        text = f"{self.name}({args})"
        return text if len(text) <= limit else text[: limit - 2] + "…)"


def calls_of(result: Any) -> list[ToolCall]:
    """``result.calls``: every function call of the turn with what became of it."""
    runs: dict[str, ToolCall] = getattr(result, "tool_runs", None) or {}
    answered = {s.get("call_id"): s for s in result.steps if s.get("type") == "function_result"}
    out = []
    for step in result.steps:
        if step.get("type") != "function_call":
            continue
        record = runs.get(str(step.get("id")))
        if record is None:
            record = ToolCall(
                id=step.get("id"),
                name=step.get("name"),
                arguments=step.get("arguments") or {},
                status=PENDING,
            )
            answer = answered.get(step.get("id"))
            if answer is not None:
                record.result = answer.get("result")
                record.status = "error" if answer.get("is_error") else OK
        out.append(record)
    return out


__all__ = ["calls_of", "ToolCall", "OK", "ERROR", "PENDING", "DECLINED"]
