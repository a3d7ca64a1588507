"""Build a TurnContext and run the text brain directly (no server), for property tests."""

from __future__ import annotations

from typing import Any

from gemini_nb.emulator.brain.base import TurnContext
from gemini_nb.emulator.brain.skills.text import TextSkill


def user(text: str) -> dict[str, Any]:
    return {"type": "user_input", "content": [{"type": "text", "text": text}]}


def model(text: str) -> dict[str, Any]:
    return {"type": "model_output", "content": [{"type": "text", "text": text}]}


def make_ctx(
    prompt: str = "",
    history: list[dict[str, Any]] | None = None,
    parts: list[dict[str, Any]] | None = None,
    files: Any = None,
    **extra: Any,
) -> TurnContext:
    content = list(parts or [])
    if prompt:
        content.insert(0, {"type": "text", "text": prompt})
    return TurnContext(
        request={},
        model="gemini-3-flash-preview",
        agent=None,
        input_steps=[{"type": "user_input", "content": content}],
        history=list(history or []),
        files=files,
        **extra,
    )


def answer(prompt: str = "", **kw: Any) -> str:
    reply = TextSkill().respond(make_ctx(prompt, **kw))
    return "".join(p.get("text", "") for s in reply.steps for p in s.get("content") or [])


def chat(*prompts: str) -> str:
    """Run several turns through the text brain; the last answer."""
    history: list[dict[str, Any]] = []
    text = ""
    for prompt in prompts:
        text = answer(prompt, history=history)
        history += [user(prompt), model(text)]
    return text
