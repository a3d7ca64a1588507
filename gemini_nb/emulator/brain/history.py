"""What the brain derives from a chain's history, folded once per stored interaction.

Several parts of the brain read the whole server-side history on every create: the facts the
user stated (name, city...), the tokens the model re-reads (usage), the number of earlier
turns (thought summaries), the function calls made so far, the chain's latest research
report, and the size that sends a request to a worker thread. Walked from scratch, a create
at turn 200 costs several times one at turn 2. A :class:`Summary` holds all of these for one
history; :func:`fold` extends it by new steps only. The emulator keeps one per cached chain
(``service.Emulator._chain``), so a create continuing a chain folds just its parent's steps,
and hands it over as ``ctx.history``, a :class:`History` (a plain list of the steps that also
carries the summary).

:func:`summarize` is the one way to read it: the attached summary when there is one, a fold
from scratch otherwise (a brain used without the emulator, a test's own ``TurnContext``).
Both give the same values by construction, since each is the same fold over the same steps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import content_text, folded

PLAIN_STEPS = ("user_input", "model_output", "thought")
REPORT_MARK = "a research report"
"""First-line marker of an agent's research report (see ``skills/report_followup.py``)."""


@dataclass(frozen=True)
class Summary:
    """Facts about a sequence of steps; never mutated (a fold makes a new one)."""

    steps: int = 0
    digest: bytes = b""
    """Chained SHA-256 of each step's canonical JSON: equal digests, equal histories."""
    user_turns: int = 0
    """``user_input`` steps."""
    facts: Mapping[str, str] = field(default_factory=dict)
    """Facts the user stated (``skills.text.FACT_PATTERNS``), later statements win."""
    input_tokens: Mapping[str, int] = field(default_factory=dict)
    """Tokens by modality of re-reading these steps (``usage.step_tokens``), in first-seen order."""
    calls: Mapping[Any, dict[str, Any]] = field(default_factory=dict)
    """``function_call`` steps by id."""
    report: dict[str, Any] | None = None
    """The text part of the latest research report."""
    size: int = 0
    """Characters of text plus an eighth of inline data (``Emulator._large``)."""
    plain: bool = True
    """Only text parts in user input, model output and thought steps: nothing the answer
    could read from outside the steps themselves (files, stores, call ids)."""


EMPTY = Summary()


def step_digest(previous: bytes, step: dict[str, Any]) -> bytes:
    return hashlib.sha256(
        previous + json.dumps(step, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).digest()


def is_plain(step: dict[str, Any]) -> bool:
    if step.get("type") not in PLAIN_STEPS:
        return False
    for key in ("content", "summary"):
        parts = step.get(key)
        if parts is None:
            continue
        if not isinstance(parts, list):
            return False
        if any(not isinstance(p, dict) or p.get("type", "text") != "text" for p in parts):
            return False
    return True


def step_size(step: dict[str, Any]) -> int:
    size = 0
    for part in step.get("content") or ():
        if isinstance(part, dict):
            size += len(part.get("text") or "") + len(part.get("data") or "") // 8
    return size


def report_part(step: dict[str, Any]) -> dict[str, Any] | None:
    """The first text part of a ``model_output`` step that is a research report, or None."""
    if step.get("type") != "model_output":
        return None
    for part in step.get("content") or []:
        if (
            isinstance(part, dict)
            and part.get("type") == "text"
            and REPORT_MARK in str(part.get("text", "")).split("\n", 1)[0]
        ):
            return part
    return None


def fold(summary: Summary, steps: Iterable[dict[str, Any]]) -> Summary:
    """``summary`` extended by ``steps`` (appended after the steps it summarizes)."""
    from .skills.text import stated_facts
    from .usage import step_tokens

    n, digest, turns = summary.steps, summary.digest, summary.user_turns
    facts, tokens = dict(summary.facts), dict(summary.input_tokens)
    calls, report, size, plain = summary.calls, summary.report, summary.size, summary.plain
    for step in steps:
        n += 1
        digest = step_digest(digest, step)
        kind = step.get("type")
        if kind == "user_input":
            turns += 1
            stated_facts(content_text(step.get("content")), facts)
        elif kind == "function_call" and step.get("id") is not None:
            calls = {**calls, step.get("id"): step}
        step_tokens(step, tokens)
        found = report_part(step)
        if found is not None:
            report = found
        size += step_size(step)
        plain = plain and is_plain(step)
    return Summary(n, digest, turns, facts, tokens, calls, report, size, plain)


class History(list):
    """A history's steps (a list, as ``TurnContext.history`` always was) with their summary."""

    __slots__ = ("summary",)

    def __init__(self, steps: Iterable[dict[str, Any]] = (), summary: Summary | None = None):
        super().__init__(steps)
        self.summary = summary if summary is not None and summary.steps == len(self) else None


def summarize(steps: list[dict[str, Any]]) -> Summary:
    """The summary of ``steps``: the one a :class:`History` carries, else folded now."""
    summary = folded(steps)
    return summary if summary is not None else fold(EMPTY, steps)
