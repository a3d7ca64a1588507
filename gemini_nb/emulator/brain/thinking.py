"""Thinking: a ``thought`` step in front of the answer, sized by ``thinking_level``.

Gemini 3 models always think; the level changes how much. Every thought carries a
self-verifying ``signature``; its ``summary`` is present with ``thinking_summaries: "auto"``
(the default) and absent with ``"none"``.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Reply, TurnContext, content_text
from .history import summarize

LEVEL_SENTENCES = {"minimal": 0, "low": 1, "medium": 2, "high": 3, "xhigh": 4}
LEVEL_TOKENS = {"minimal": 0, "low": 24, "medium": 96, "high": 256, "xhigh": 512}
NON_THINKING = re.compile(r"(-tts|-image|imagen-|veo-|lyria-|gemma-|-lite$)")


def thinks(ctx: TurnContext) -> bool:
    model = ctx.model or ""
    return bool(model) and not NON_THINKING.search(model)


def level(ctx: TurnContext) -> str:
    return str(ctx.generation_config.get("thinking_level") or "high")


_IMPERATIVE = (
    r"(?i)(count|use|list|write|explain|tell|give|show|draw|say|translate|summari[sz]e|make|"
    r"create|find|compute|calculate|describe|compare|name|suggest|generate|plan|read|run)\b"
)


_MY = re.compile(r"(?i)\bmy\b")


def _asked(prompt: str) -> str:
    """What the request asks, in a few words, read with the same form reader the writer uses."""
    from .lib.form import parse

    form = parse(prompt)
    subject = form.topic or form.noun
    if not subject:
        words = re.findall(r"[A-Za-z][A-Za-z'\-]+", prompt)
        subject = " ".join(words[:6])
    shape = _shape(form)
    if not subject:
        asked = "The user wants an answer."
    elif shape and form.noun and subject == form.noun:
        asked = f"The user wants {shape}{subject}."
    elif shape:
        asked = f"The user wants {shape}about {subject}."
    elif re.match(_IMPERATIVE, subject):
        asked = f"The user asks me to {subject[0].lower()}{subject[1:]}."
    elif re.match(r"(?i)(which|what|who|whom|how|why|when|where|is|are|does|do|can|should)\b", subject):
        asked = f"The user asks: {subject[0].upper()}{subject[1:].rstrip('?')}?"
    else:
        asked = f"The user is asking about {_MY.sub('their', subject)}."
    name = re.search(r"\b[Mm]y name is ([A-Z][\w'-]+)", prompt)
    if name:
        asked = f"The user introduced themselves as {name.group(1)}. " + asked
    return asked


def _shape(form) -> str:
    """'one sentence ', 'a 250-word story ', 'a table of 5 fruits '... ('' when no form is asked)."""
    if form.sentences:
        return "one sentence " if form.sentences == 1 else f"{form.sentences} sentences "
    if form.kind == "story":
        return f"a {form.words}-word story " if form.words else "a story "
    if form.kind in ("table", "bullets", "numbered"):
        what = {"table": "a table", "bullets": "a bulleted list", "numbered": "a numbered list"}[form.kind]
        return f"{what} of {form.items} " if form.items else f"{what} "
    if form.words:
        return f"about {form.words} words "
    if form.kind in ("code", "poem", "sections"):
        return {"code": "code ", "poem": "a poem ", "sections": "named sections "}[form.kind]
    return ""


def summary_texts(ctx: TurnContext, reply: Reply, n: int) -> list[str]:
    """Deterministic thought summaries that talk about this request and this answer."""
    prompt = ctx.last_user_text() or content_text([s for s in ctx.input_steps])
    kinds = sorted({s.get("type") for s in reply.steps} - {"thought"})
    plan = {
        "function_call": "I'll call the available function to get the data I need.",
        "model_output": "I'll write a clear, direct answer in the form that was asked for.",
    }
    turns = summarize(ctx.history).user_turns
    context = (
        f"This continues a conversation of {turns} earlier turn{'s' if turns != 1 else ''}; I'll "
        "keep what was said there consistent with this answer."
        if turns
        else "This is the start of the conversation, so everything I need is in the request."
    )
    sentences = [
        f"**Understanding the request**\n\n{_asked(prompt)} I should work out exactly what they need "
        "before answering.",
        f"**Checking the context**\n\n{context}",
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
    step: dict[str, Any] = {
        "type": "thought",
        "signature": ctx.ids.sign(f"thought:{lvl}:{tokens}:{len(ctx.history)}"),
    }
    summaries = ctx.generation_config.get("thinking_summaries", "auto")
    if summaries != "none" and texts:
        step["summary"] = [{"type": "text", "text": t} for t in texts]
    reply.steps = [step, *reply.steps]
    return reply, tokens
