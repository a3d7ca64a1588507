"""Questions about a finished research report, answered from the report itself.

After a Deep Research run, notebooks ask follow-ups on the same chain ("what did it say about
costs?", "summarize that") to the agent or to a model. A model would read the report in its
context; the emulator does the same mechanically: it finds the report in the chain, ranks
its sentences by shared words with the question, and quotes the best ones with the citations
they carried. Nothing new is searched or invented.
"""

from __future__ import annotations

import re
from typing import Any

from ..base import Reply, TurnContext
from ..history import summarize
from ..lib.file_search import query_stems, score
from ..lib.web_corpus import CitedText

_SUMMARY = re.compile(
    r"\b(summari[sz]e|summary|tl;?dr|key (points|takeaways|findings)|in short|recap|" r"main points)\b", re.I
)
_ASK = re.compile(
    r"\?\s*$|^\s*(who|what|when|where|which|why|how|is|are|does|did|do|can|could|tell me|"
    r"explain|list|give me|according)\b",
    re.I,
)
_NEW_RESEARCH = re.compile(
    r"^\s*(now\s+|please\s+|also\s+)?(research|investigate|look into|study|" r"find out about|dig into)\b",
    re.I,
)


def latest_report(ctx: TurnContext) -> dict[str, Any] | None:
    """The text part of the chain's most recent research report, or None (folded per chain)."""
    return summarize(ctx.history).report


def is_follow_up(ctx: TurnContext) -> bool:
    """A question or summary request on a chain whose last report it can be answered from."""
    prompt = ctx.last_user_text()
    if not prompt.strip() or _NEW_RESEARCH.match(prompt) or latest_report(ctx) is None:
        return False
    return bool(_SUMMARY.search(prompt) or _ASK.search(prompt))


def _sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, section heading) of each prose sentence before the source list."""
    body = text.split("\n## Sources", 1)[0]
    out: list[tuple[int, int, str]] = []
    heading = ""
    pos = 0
    for line in body.split("\n"):
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.strip() and not line.startswith(("|", "*")):
            for m in re.finditer(r"[^.!?]+[.!?](?:\s*\[\d+\])?", line):
                out.append(
                    (pos + m.start() + (len(m.group(0)) - len(m.group(0).lstrip())), pos + m.end(), heading)
                )
        pos += len(line) + 1
    return out


def answer_from_report(ctx: TurnContext) -> Reply:
    """Quote the report's sentences that answer the question (or its summary), with citations."""
    part = latest_report(ctx) or {"text": ""}
    text = str(part.get("text", ""))
    notes = [a for a in part.get("annotations") or [] if isinstance(a, dict)]
    prompt = ctx.last_user_text()
    sentences = _sentences(text)
    title = text.split("\n", 1)[0].lstrip("# ").split(":")[0]
    if _SUMMARY.search(prompt):
        picked = [s for s in sentences if s[2] == "Executive summary"][:3]
        lead = f"In short, the report on {title} found:\n\n"
    else:
        wanted = query_stems(prompt)
        ranked = sorted(
            ((score(wanted, text[a:b]) + 0.5 * score(wanted, h), a, b, h) for a, b, h in sentences),
            key=lambda x: (-x[0], x[1]),
        )
        picked = [(a, b, h) for sc, a, b, h in ranked[:2] if sc > 0]
        lead = f"From the report on {title}:\n\n"
    out = CitedText()
    if not picked:
        heads = sorted({h for _, _, h in sentences if h and h != "Executive summary"})
        out.add(f"The report on {title} doesn't address that. Its sections are: {', '.join(heads)}.")
        return Reply(steps=[{"type": "model_output", "content": [out.part()]}], duration_s=0.1)
    out.add(lead)
    for a, b, heading in sorted(picked):
        quote = re.sub(r"\s*\[\d+\]$", "", text[a:b]).strip()
        cite = next((n for n in notes if a <= n.get("start_index", -1) < b), None)
        where = f" ({heading})" if heading else ""
        out.add("- ").add(
            quote, {k: v for k, v in cite.items() if k not in ("start_index", "end_index")} if cite else None
        ).add(f"{where}\n")
    return Reply(steps=[{"type": "model_output", "content": [out.part()]}], duration_s=0.1)


class ReportFollowUpSkill:
    """Model turns that ask about the chain's research report (agents call the functions directly)."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        if ctx.agent or ctx.tools or ctx.response_format is not None or ctx.function_results():
            return None
        if not is_follow_up(ctx):
            return None
        reply = answer_from_report(ctx)
        reply.duration_s = None
        return reply
