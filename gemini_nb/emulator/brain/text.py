"""The generic text skill: deterministic answers that depend on the input and the chain.

Not a language model: a handful of recognizable intents (facts the user stated earlier in
the chain, counting, arithmetic, greetings, jokes, echo) and a structured fallback that
quotes the topic. Same conversation in, same words out.
"""
from __future__ import annotations

import ast
import hashlib
import operator
import re
from typing import Any

from .base import Reply, TurnContext, content_text, text_step

JOKES = [
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    "I told my computer I needed a break, and it said: \"No problem, I'll go to sleep.\"",
    "Why did the notebook kernel restart? It needed some space to clear its head.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
    "Why was the JSON file so calm? It had everything in key-value pairs.",
]
FACT_PATTERNS = {
    "name": re.compile(r"\bmy name is ([A-Z][\w\-]*(?: [A-Z][\w\-]*)?)", re.I),
    "age": re.compile(r"\bI(?: am|'m) (\d{1,3}) years? old", re.I),
    "city": re.compile(r"\bI live in ([A-Z][\w\-]*(?: [A-Z][\w\-]*)?)", re.I),
    "favorite color": re.compile(r"\bmy fav(?:ou)?rite colou?r is (\w+)", re.I),
    "job": re.compile(r"\bI(?: am|'m) an? ([a-z][\w\- ]{2,30}?)(?:[.,!]|$)", re.I),
}
QUESTION_PATTERNS = {
    "name": re.compile(r"\bwhat(?:'s| is) my name\b|\bwho am i\b", re.I),
    "age": re.compile(r"\bhow old am i\b", re.I),
    "city": re.compile(r"\bwhere do i live\b", re.I),
    "favorite color": re.compile(r"\bwhat(?:'s| is) my fav(?:ou)?rite colou?r\b", re.I),
    "job": re.compile(r"\bwhat(?:'s| is) my job\b|\bwhat do i do\b", re.I),
}
STOP = {"the", "a", "an", "is", "are", "what", "who", "how", "me", "my", "please", "can", "you",
        "tell", "about", "of", "to", "and", "in", "for", "with", "i", "it", "do", "does", "give",
        "write", "explain", "describe", "some", "this", "that", "why", "when", "where", "which"}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
        ast.FloorDiv: operator.floordiv, ast.USub: operator.neg, ast.UAdd: operator.pos}


def user_texts(steps: list[dict[str, Any]]) -> list[str]:
    return [content_text(s.get("content")) for s in steps if s.get("type") == "user_input"]


def known_facts(ctx: TurnContext) -> dict[str, str]:
    """Facts the user stated anywhere in the conversation; later statements win."""
    facts: dict[str, str] = {}
    for text in user_texts(ctx.conversation):
        for key, pattern in FACT_PATTERNS.items():
            for match in pattern.finditer(text):
                facts[key] = match.group(1).strip()
    return facts


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 100:
            raise ValueError("exponent too large")
        return _OPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.operand))
    raise ValueError("not arithmetic")


def arithmetic(text: str) -> str | None:
    match = re.search(r"(?:what is|what's|calculate|compute)\s+([\d\s+\-*/().^%]+?)\s*\??$", text, re.I)
    if not match or not re.search(r"\d\s*[-+*/^%]\s*\d", match.group(1)):
        return None
    expr = match.group(1).replace("^", "**")
    try:
        value = _eval(ast.parse(expr, mode="eval"))
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{match.group(1).strip()} = {value}"


def topic(text: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'\-]+", text)
    keep = [w for w in words if w.lower() not in STOP][:5]
    return " ".join(keep) or "your question"


def _pick(options: list[str], key: str) -> str:
    digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return options[digest % len(options)]


def compose(ctx: TurnContext, prompt: str) -> str:
    """The answer text before system-instruction styling."""
    facts = known_facts(ctx)
    for key, pattern in QUESTION_PATTERNS.items():
        if pattern.search(prompt):
            if key in facts:
                return f"Your {key} is {facts[key]}." if key != "job" else f"You are a {facts[key]}."
            return f"You haven't told me your {key} yet."
    stated = [k for k, p in FACT_PATTERNS.items() if p.search(prompt)]
    if stated:
        if "name" in stated:
            return f"Nice to meet you, {facts['name']}! I'll remember that."
        return f"Got it: your {stated[0]} is {facts.get(stated[0], '')}. I'll remember that."
    count = re.search(r"\bcount\b(?:\s+from\s+(-?\d+))?\s+to\s+(-?\d+)", prompt, re.I)
    if count:
        lo, hi = int(count.group(1) or 1), int(count.group(2))
        step = 1 if hi >= lo else -1
        nums = list(range(lo, hi + step, step))[:5000]
        return ", ".join(str(n) for n in nums)
    math_answer = arithmetic(prompt.strip())
    if math_answer:
        return math_answer
    echo = re.search(r"(?:repeat after me|say)[:\s]+[\"“']?(.+?)[\"”']?\s*$", prompt, re.I | re.S)
    if echo and len(echo.group(1)) < 2000:
        return echo.group(1)
    if re.search(r"\bjoke\b", prompt, re.I):
        return _pick(JOKES, prompt + str(len(ctx.history)))
    if re.match(r"\s*(hello|hi|hey|good (morning|afternoon|evening))\b", prompt, re.I):
        name = facts.get("name")
        return f"Hello{', ' + name if name else ''}! How can I help you today?"
    if re.search(r"\bwho are you\b|\bintroduce yourself\b|\bwhat are you\b", prompt, re.I):
        who = ctx.model or ctx.agent or "a Gemini model"
        return (f"I'm an emulated {who}, answering from gemini_nb's local Interactions API "
                "emulator. My answers are deterministic stand-ins for the real model's.")
    turns = len(user_texts(ctx.history)) + 1
    subject = topic(prompt)
    points = [
        f"{subject} is best understood by starting from a concrete example.",
        f"The key ideas behind {subject} fit in a few sentences.",
        f"People usually ask about {subject} when they want a quick, practical overview.",
        f"A good next step is to try {subject} on a small case and compare the results.",
        f"Trade-offs matter: what works for {subject} in one setting may not in another.",
        f"There is a lot written about {subject}; the essentials are simpler than they look.",
    ]
    first = _pick(points, prompt)
    rest = [p for p in points if p != first]
    second, third = _pick(rest, prompt + "2"), _pick(rest[::-1], prompt + "3")
    return (f"Here's a short answer about **{subject}**:\n\n- {first}\n- {second}\n- {third}\n\n"
            f"(Turn {turns} of this conversation.)")


def style(ctx: TurnContext, text: str) -> str:
    """Apply the system instruction's recognizable requests (terse, pirate, upper case)."""
    si = (ctx.system_instruction or "").lower()
    if not si:
        return text
    if re.search(r"\b(terse|concise|brief|one sentence|short)\b", si):
        first = re.split(r"(?<=[.!?])\s", text.replace("\n\n- ", " ").strip(), maxsplit=1)[0]
        text = first
    if "pirate" in si:
        text = "Arr! " + text
    if re.search(r"\b(upper ?case|all caps|shout)\b", si):
        text = text.upper()
    return text


def limit(ctx: TurnContext, text: str) -> tuple[str, str]:
    """Honour stop_sequences and max_output_tokens; returns (text, status)."""
    status = "completed"
    for stop in ctx.generation_config.get("stop_sequences") or []:
        if stop and stop in text:
            text = text[: text.index(stop)]
    max_tokens = ctx.generation_config.get("max_output_tokens")
    if isinstance(max_tokens, int) and len(text) > max_tokens * 4:
        text = text[: max_tokens * 4]
        status = "incomplete"
    return text, status


class TextSkill:
    """The fallback skill: always answers with text."""

    def respond(self, ctx: TurnContext) -> Reply:
        prompt = ctx.last_user_text()
        if not prompt and ctx.user_parts():
            prompt = "the attached content"
        text = style(ctx, compose(ctx, prompt))
        text, status = limit(ctx, text)
        return Reply(steps=[text_step(text)], status=status)
