"""The generic text skill: deterministic answers that depend on the input and the chain.

Not a language model: a handful of recognizable intents (facts the user stated earlier in
the chain, counting, arithmetic, greetings, jokes, echo), a small fact table
(:mod:`.facts`), honest refusals for live data, reading attached documents
(:mod:`.attachments`), and otherwise text in the *form* the request asked for
(:mod:`.form`, :mod:`.writer`). Same conversation in, same words out.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from typing import Any

from ..base import Reply, TurnContext, content_text, folded, text_step
from ..lib import attachments, lexicon, tables, writer
from ..lib import facts as fact_table
from ..lib import form as forms
from ..lib.codegen import code_answer
from ..lib.media_inspect import describe_part, inspect_part
from ..lib.vocab import INGREDIENTS, STEPS, singular
from ..lib.web_corpus import STOP_WORDS as STOP

JOKES = [
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    'I told my computer I needed a break, and it said: "No problem, I\'ll go to sleep."',
    "Why did the notebook kernel restart? It needed some space to clear its head.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
    "Why was the JSON file so calm? It had everything in key-value pairs.",
]
# Names are capitalized words: the case-insensitive part is only the lead-in, so "My name is Ana
# and I like tea" gives "Ana" (a second capitalized word, as in "Ana Lima", is kept).
_PROPER = r"((?:[A-Z][\w\-]*(?: [A-Z][\w\-]*)?)|[a-z][\w\-]*)"
FACT_PATTERNS = {
    "name": re.compile(r"(?i:\bmy name is|\bcall me) " + _PROPER),
    "age": re.compile(r"\bI(?: am|'m) (\d{1,3}) years? old", re.I),
    "city": re.compile(r"(?i:\bI live in) " + _PROPER),
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
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def user_texts(steps: list[dict[str, Any]]) -> list[str]:
    return [content_text(s.get("content")) for s in steps if s.get("type") == "user_input"]


def stated_facts(text: str, facts: dict[str, str]) -> None:
    """Add the facts stated in one user text to ``facts`` (a later statement wins)."""
    for key, pattern in FACT_PATTERNS.items():
        for match in pattern.finditer(text):
            facts[key] = match.group(1).strip()


def known_facts(ctx: TurnContext) -> dict[str, str]:
    """Facts the user stated anywhere in the conversation; later statements win.

    The history's share comes folded when the history carries its summary (:mod:`..history`):
    a long chain is not re-read."""
    summary = folded(ctx.history)
    facts = dict(summary.facts) if summary is not None else {}
    for text in user_texts(ctx.input_steps if summary is not None else ctx.conversation):
        stated_facts(text, facts)
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
    if stated and not _REQUEST.search(prompt):
        if "name" in stated:
            return f"Nice to meet you, {facts['name']}! I'll remember that."
        return f"Got it: your {stated[0]} is {facts.get(stated[0], '')}. I'll remember that."
    greeting = ""
    if "name" in stated:  # "My name is Phil. Explain X": greet, then answer (unless counts are exact)
        asked = forms.parse(prompt)
        if not (asked.sentences or asked.words or asked.items):
            greeting = f"Nice to meet you, {facts['name']}! "
    return greeting + answer_request(ctx, prompt, facts)


def answer_request(ctx: TurnContext, prompt: str, facts: dict[str, str]) -> str:
    """The answer to a request that is not about the user's own stated facts."""
    count = re.search(r"\bcount\b(?:\s+from\s+(-?\d+))?\s+to\s+(-?\d+)", prompt, re.I)
    if count:
        lo, hi = int(count.group(1) or 1), int(count.group(2))
        step = 1 if hi >= lo else -1
        nums = list(range(lo, hi + step, step))[:5000]
        return ", ".join(str(n) for n in nums)
    table_answer = tables.answer(prompt)
    if table_answer:
        return table_answer
    math_answer = arithmetic(prompt.strip())
    if math_answer:
        return math_answer
    known = fact_table.answer(prompt)
    if known:
        return known
    echo = re.search(
        r"^\s*(?:please\s+)?(?:repeat after me|say)[:\s]+[\"“']?(.+?)[\"”']?\s*$", prompt, re.I | re.S
    )
    if echo and len(echo.group(1)) < 2000:
        return echo.group(1)
    if re.search(r"\bjoke\b", prompt, re.I):
        return _pick(JOKES, prompt + str(len(ctx.history)))
    if re.match(r"\s*(hello|hi|hey|good (morning|afternoon|evening))\b", prompt, re.I):
        name = facts.get("name")
        return f"Hello{', ' + name if name else ''}! How can I help you today?"
    if re.search(r"\bwho are you\b|\bintroduce yourself\b|\bwhat are you\b", prompt, re.I):
        who = ctx.model or ctx.agent or "a Gemini model"
        return (
            f"I'm an emulated {who}, answering from gemini_nb's local Interactions API "
            "emulator. My answers are deterministic stand-ins for the real model's."
        )
    naming = re.search(
        r"\b(?:suggest|give me|recommend|pick|choose|think of|come up with)\b.*?\bnames? "
        r"for (?:my|a|an|our|the)?\s*(?:new |little |young )?(\w+)",
        prompt,
        re.I,
    )
    if naming and naming.group(1).lower().rstrip("s") in lexicon.NAMES_FOR:
        names = lexicon.NAMES_FOR[naming.group(1).lower().rstrip("s")]
        first = writer.seed(prompt) % len(names)
        pick = names[first:] + names[:first]
        return (
            f"How about **{pick[0]}**? It's short, friendly and easy to call out. "
            f"Other ideas: {', '.join(pick[1:4])} or {pick[4]}."
        )
    translate = re.search(r"\btranslate\s+[\"'“]?(.+?)[\"'”]?\s+(?:in)?to\s+(\w+)\s*[.?!]?\s*$", prompt, re.I)
    if translate:
        phrase, language = translate.group(1), translate.group(2).capitalize()
        said = lexicon.translate(phrase, language)
        if said:
            return f"\u201c{phrase}\u201d in {language} is **{said}**."
        return (
            f"I can't translate \u201c{phrase[:200]}\u201d into {language} offline: as an emulator "
            "I only know a small phrase bank (hello, thank you, good morning and the like)."
        )
    if fact_table.is_live(prompt):
        return fact_table.live_answer(ctx.model or ctx.agent)
    pasted = attachments.pasted_document(prompt)
    if pasted:
        return attachments.summary(pasted[1])
    return write(ctx, prompt)


_REQUEST = re.compile(
    r"\?|\b(explain|write|tell|list|give|describe|summari[sz]e|suggest|recommend|"
    r"what|how|why|create|generate|make|translate)\b",
    re.I,
)


def _previous(ctx: TurnContext) -> tuple[str, str]:
    """(topic of the latest earlier user turn that had one, the latest model answer text)."""
    topic_, answer = "", ""
    for step in reversed(ctx.history):
        if step.get("type") == "model_output" and not answer:
            answer = content_text(step.get("content"))
        if step.get("type") == "user_input" and not topic_:
            topic_ = forms.parse(content_text(step.get("content"))).topic
    return topic_, answer


def _rows(form: forms.Form) -> list[str]:
    """Table rows the prompt names ('Python and Go', 'Rust vs C') or a lexicon gives."""
    named = re.split(r"\s*(?:,|\band\b|\bvs\.?|\bversus\b)\s*", form.topic)
    named = [n.strip() for n in named if n.strip()]
    if 2 <= len(named) <= 8 and all(len(n.split()) <= 3 for n in named):
        return [n[:1].upper() + n[1:] for n in named]
    things = lexicon.things(form.noun or form.topic)
    return things[: form.items or 5] if things else []


def _cell(row: str, column: str) -> str | None:
    col = column.lower()
    if "capital" in col and row in fact_table.CAPITALS:
        return fact_table.CAPITALS[row]
    if "country" in col:
        return next((c for c, cap in fact_table.CAPITALS.items() if cap == row), None)
    return None


def write(ctx: TurnContext, prompt: str) -> str:
    """Text in the form the request asks for, about its topic (or the previous turn's)."""
    form = forms.parse(prompt)
    key = prompt + str(len(ctx.history))
    if not form.topic:
        previous_topic, previous_answer = _previous(ctx)
        if form.refinement == "shorter" and previous_answer:
            sents = [
                s
                for s in re.split(
                    r"(?<=[.!?])\s+",
                    re.sub(r"(?m)^\s*(?:[-*]|\d+\.)\s+|\*\*|^#+ .*$", "", previous_answer).strip(),
                )
                if s.strip()
            ]
            n = form.sentences or max(1, min(2, len(sents) // 2))
            return " ".join(" ".join(sents[:n]).split())
        form.topic = previous_topic
        if form.refinement == "longer" and form.kind == "default":
            form.kind, form.sentences = "prose", 8
    if form.kind == "code":
        return code_answer(prompt, form.code_language)
    if form.kind == "story":
        names = [m.group(1) for m in re.finditer(r"\b(?:named|called) ([A-Z][a-z]+)", prompt)]
        return writer.story(form, key, names[0] if names else None)
    wants_recipe = re.search(
        r"\brecipe (?:for|of) (?:an? |the )?([\w' \-]+)|"
        r"\bhow (?:do|can) i (?:make|cook|bake) (?:an? |the |some )?([\w' \-]+)",
        prompt,
        re.I,
    )
    if wants_recipe and form.kind == "default":
        dish = (wants_recipe.group(1) or wants_recipe.group(2)).strip()
        theme = lexicon.food_theme(prompt)
        return writer.recipe(
            form,
            key,
            dish,
            theme["ingredients"] if theme else INGREDIENTS,
            theme["steps"] if theme else STEPS[:6],
        )
    if form.kind == "poem":
        return writer.poem(form, key, haiku=bool(re.search(r"\bhaiku\b", prompt, re.I)))
    if form.kind == "sections":
        return writer.sections(form, key)
    if form.kind == "table":
        rows = _rows(form)
        if not form.columns and form.noun and lexicon.things(form.noun):
            extra = [w[:1].upper() + singular(w)[1:] for w in re.findall(r"\btheir (\w+)", prompt)]
            form.columns = [form.noun[:1].upper() + singular(form.noun)[1:], *extra] + (
                [] if extra else ["Description"]
            )
        return writer.table(form, key, rows, _cell)
    if form.kind in ("bullets", "numbered"):
        things = lexicon.things(form.noun) if form.noun else None
        if things and form.items:
            offset = writer.seed(prompt) % len(things)
            things = things[offset:] + things[:offset]
        return writer.listing(form, key, things)
    if form.kind == "prose":
        return writer.prose(form, key)
    return writer.default(form, key)


def style(ctx: TurnContext, text: str) -> str:
    """Apply the system instruction's recognizable requests (terse, pirate, upper case)."""
    si = (ctx.system_instruction or "").lower()
    if not si:
        return text
    if re.search(r"\b(terse|concise|brief|one sentence|short)\b", si):
        flat = re.sub(r"\n+(?:[-*] |\d+\. )?", " ", text).strip()
        sentences = [s for s in re.split(r"(?<=[.!?])\s", flat) if s.strip()] or [flat]
        # the first sentence that says something (not the "Here is a short overview" opener)
        text = next((s for s in sentences if not s.startswith(writer.INTRO_PREFIXES)), sentences[0])
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


MEDIA_KINDS = ("image", "audio", "video", "document")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _media_detail(info: dict[str, Any], part: dict[str, Any]) -> str | None:
    """One sentence of what can be measured about a part beyond :func:`describe_part`."""
    kind = info.get("kind")
    width, height = info.get("width"), info.get("height")
    if kind == "image" and width and height:
        shape = "square" if width == height else "landscape" if width > height else "portrait"
        return f"The image is {width}x{height} pixels ({shape}, {width * height / 1e6:.1f} megapixels)."
    if info.get("pages") is not None:
        pages = info["pages"]
        return f"The document has {pages} page{'s' if pages != 1 else ''}."
    if str(info.get("mime_type", "")).startswith("text/") and isinstance(part.get("data"), str):
        import base64

        text = base64.b64decode(part["data"]).decode("utf-8", "replace")
        first = text.strip().splitlines()[0][:80] if text.strip() else ""
        return f"The document has {len(text.split())} words; it begins \u201c{first}\u201d."
    if info.get("duration_s") is not None:
        extra = ""
        if info.get("sample_rate"):
            channels = info.get("channels") or 1
            extra = f" at {info['sample_rate']} Hz, {'mono' if channels == 1 else f'{channels} channels'}"
        return f"The {kind} lasts {info['duration_s']:.1f} seconds{extra}."
    if info.get("source") in ("uri", "file") and info.get("size_bytes") is None:
        return f"I have the {kind} by reference only, so I can't measure its size."
    return None


_REFERS = re.compile(
    r"\b(?:the|this|that|my|attached|uploaded) (?:document|file|pdf|attachment|code|script|"
    r"csv|text|notes|paper|report|article|function|class)\b|\bit says\b",
    re.I,
)


def _earlier_parts(ctx: TurnContext) -> list[dict[str, Any]]:
    """Readable document parts sent in earlier turns (for follow-up questions about them)."""
    for step in reversed(ctx.history):
        if step.get("type") == "user_input":
            parts = [
                p for p in step.get("content") or [] if isinstance(p, dict) and p.get("type") == "document"
            ]
            if parts:
                return parts
    return []


def describe_media(ctx: TurnContext, prompt: str) -> str | None:
    """An answer about the media parts of this turn (None when there are none).

    Text-like documents (plain text, markdown, code, CSV, JSON) and the text of simple PDFs
    are read and answered from (:mod:`.attachments`). Images, audio and video cannot be
    seen or heard: the answer reports what a careful reader notices first (kind, MIME type,
    size, pixel dimensions, pages, duration), which is what notebook users check to confirm
    their media reached the model intact. A follow-up turn that refers to "the document"
    answers from the documents of the earlier turn. Unreadable inline data raises
    ``ValueError`` (a 400), as the real service refuses it.
    """
    parts = [p for p in ctx.user_parts() if isinstance(p, dict) and p.get("type") in MEDIA_KINDS]
    follow_up = False
    if not parts and prompt.strip() and _REFERS.search(prompt):
        parts, follow_up = _earlier_parts(ctx), True
    if not parts:
        return None
    infos = [inspect_part(p, ctx.files) for p in parts]
    docs = attachments.documents(ctx, parts, infos)
    lines = [] if follow_up else [f"You sent me {_join([describe_part(i) for i in infos])}."]
    if not follow_up:
        lines += [d for d in (_media_detail(i, p) for i, p in zip(infos, parts)) if d]
    for doc in docs:
        if doc is not None:
            label = f"**{doc.name}**: " if len(parts) > 1 and doc.name else ""
            lines.append(label + attachments.answer_doc(doc, prompt))
    unread = [i for d, i in zip(docs, infos) if d is None]
    if follow_up and not any(docs):
        return None
    kinds = _join(sorted({i["kind"] for i in unread})) if unread else ""
    if unread and prompt.strip():
        lines.append(
            f"About your request (\u201c{prompt.strip()[:200]}\u201d): as the emulated "
            f"{ctx.model or 'model'} I work from these properties of the {kinds}, "
            f"not from {'its' if len(unread) == 1 else 'their'} content."
        )
    elif unread:
        lines.append(f"Ask me anything about the {kinds}.")
    return "\n\n".join(lines)


class TextSkill:
    """The fallback skill: always answers with text (about the attached media, if any)."""

    def respond(self, ctx: TurnContext) -> Reply:
        prompt = ctx.last_user_text()
        media = describe_media(ctx, prompt)
        if not prompt and ctx.user_parts():
            prompt = "the attached content"
        text = style(ctx, media if media is not None else compose(ctx, prompt))
        text, status = limit(ctx, text)
        return Reply(steps=[text_step(text)], status=status)
