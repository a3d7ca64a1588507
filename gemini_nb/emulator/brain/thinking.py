"""Thinking: a ``thought`` step in front of the answer, sized by ``thinking_level``.

Gemini 3 models always think; the level changes how much. Every thought carries a
self-verifying ``signature``; its ``summary`` is present with ``thinking_summaries: "auto"``
(the default) and absent with ``"none"``.
"""
from __future__ import annotations

import re
from typing import Any

from .base import Reply, TurnContext, content_text

LEVEL_SENTENCES = {"minimal": 0, "low": 1, "medium": 2, "high": 3, "xhigh": 4}
LEVEL_TOKENS = {"minimal": 0, "low": 24, "medium": 96, "high": 256, "xhigh": 512}
NON_THINKING = re.compile(r"(-tts|-image|imagen-|veo-|lyria-|gemma-|-lite$)")


def thinks(ctx: TurnContext) -> bool:
    model = ctx.model or ""
    return bool(model) and not NON_THINKING.search(model)


def level(ctx: TurnContext) -> str:
    return str(ctx.generation_config.get("thinking_level") or "high")


def _topic(text: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'\-]+", text)
    stop = {"the", "a", "an", "is", "are", "what", "who", "how", "me", "my", "please", "can", "you",
            "tell", "about", "of", "to", "and", "in", "for", "with", "i", "it", "do", "does"}
    keep = [w for w in words if w.lower() not in stop][:6]
    return " ".join(keep) or "the request"


def summary_texts(ctx: TurnContext, reply: Reply, n: int) -> list[str]:
    """Deterministic thought summaries that talk about this request and this answer."""
    prompt = ctx.last_user_text() or content_text([s for s in ctx.input_steps])
    topic = _topic(prompt)
    kinds = sorted({s.get("type") for s in reply.steps} - {"thought"})
    plan = {
        "function_call": "I'll call the available function to get the data I need.",
        "model_output": "I'll write a clear, direct answer.",
    }
    sentences = [
        f"**Understanding the request**\n\nThe user is asking about {topic}. "
        f"I should work out exactly what they need before answering.",
        f"**Checking the context**\n\nThere are {len(ctx.history)} earlier steps in this "
        f"conversation; I'll keep what was said there consistent with this answer.",
        "**Planning the answer**\n\n" + " ".join(plan.get(k, f"I'll produce a {k} step.") for k in kinds),
        "**Double-checking**\n\nI'll verify the details and keep the answer concise.",
    ]
    return sentences[:n]


def add_thoughts(ctx: TurnContext, reply: Reply) -> tuple[Reply, int]:
    """Prefix ``reply`` with a thought step; return it with the thought token count."""
    if not thinks(ctx) or any(s.get("type") == "thought" for s in reply.steps):
        return reply, 0
    lvl = level(ctx)
    n = LEVEL_SENTENCES.get(lvl, 3)
    texts = summary_texts(ctx, reply, n)
    tokens = LEVEL_TOKENS.get(lvl, 256) + sum(len(t) // 4 for t in texts)
    step: dict[str, Any] = {"type": "thought",
                            "signature": ctx.ids.sign(f"thought:{lvl}:{tokens}:{len(ctx.history)}")}
    summaries = ctx.generation_config.get("thinking_summaries", "auto")
    if summaries != "none" and texts:
        step["summary"] = [{"type": "text", "text": t} for t in texts]
    reply.steps = [step, *reply.steps]
    return reply, tokens
