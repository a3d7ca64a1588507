"""What a research request asks for, and the collaborative plan as it is refined turn by turn.

A Deep Research prompt often says how the report should look ("sections on cost, safety and
adoption", "include a comparison table", "about 600 words"), and with collaborative planning
the user answers the proposed plan with refinements ("also cover regulation", "drop section
2") before confirming. This module reads those requests and keeps the plan as plain markdown
in the chain (the plan the agent last showed is parsed back), so no state lives outside the
conversation. Confirmation is a separate, explicit reply (:data:`APPROVAL`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

APPROVAL = re.compile(
    r"^\s*(yes|yep|ok|okay|sure|go ahead|proceed|looks good|sounds good|perfect|great|"
    r"approved?|confirm(ed)?|do it|start|lgtm|go for it|that works)\b[^?]*$",
    re.I,
)
PLAN_TITLE = "## Proposed research plan"
_ADD = re.compile(
    r"\b(?:also\s+)?(?:cover|include|add|look (?:at|into)|research|discuss|investigate|"
    r"focus on|a section (?:on|about))\s+(?:a section (?:on|about)\s+)?(.+)",
    re.I,
)
_DROP = re.compile(
    r"\b(?:drop|remove|skip|leave out|omit|exclude|cut|no need for|don'?t (?:cover|include))"
    r"\s+(?:the\s+)?(.+)",
    re.I,
)
_SECTIONS = re.compile(
    r"\b(?:sections?|chapters?|parts?|headings?)\s+(?:on|about|for|covering|titled|named|:)\s*"
    r"(.+?)(?:[.;\n]|$)",
    re.I,
)
_WORDS = re.compile(
    r"\b(?:about|around|roughly|approximately|at least|at most|under|no more than|"
    r"max(?:imum)?|in)?\s*(\d{2,5})[-\s]*words?\b",
    re.I,
)


@dataclass
class Plan:
    """A research plan: the topic and its section titles, in order."""

    topic: str
    sections: list[str] = field(default_factory=list)

    def markdown(self, note: str | None = None) -> str:
        lines = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.sections))
        head = f"{PLAN_TITLE}\n\n" + (f"*{note}*\n\n" if note else "")
        return (
            f"{head}Topic: **{self.topic}**\n\nSections:\n\n{lines}\n\nThe report ends with a "
            "synthesis and cited sources. Reply to confirm this plan, or tell me what to change "
            '("also cover ...", "drop section 2"), and I\'ll start the research.'
        )


def parse_plan(text: str) -> Plan | None:
    """The plan in a message this module wrote, or None."""
    if not text.startswith(PLAN_TITLE):
        return None
    topic = re.search(r"Topic: \*\*(.+?)\*\*", text)
    sections = re.findall(r"^\d+\. (.+)$", text, re.M)
    return Plan(topic.group(1) if topic else "the topic", sections)


def _items(text: str) -> list[str]:
    """'cost, safety and the history of X' -> ['cost', 'safety', 'the history of X']."""
    text = re.sub(r"\b(?:please|thanks|thank you|too|as well|section|sections)\b", " ", text, flags=re.I)
    parts = re.split(r",|;|\band\b|\s&\s", text)
    out = []
    for p in parts:
        p = " ".join(p.split()).strip(" .!?:'\"")
        if p:
            out.append(p[:1].upper() + p[1:])
    return out


_FORM = re.compile(
    r",?\s*\b(?:with|including|include|and|plus)?\s*(?:a|an|one)?\s*(?:comparison\s+|summary\s+)?"
    r"(?:tables?|charts?)\b(?:\s+(?:comparing|of|with)\s+[^,.;]+)?|"
    r",?\s*\b(?:in|of)?\s*(?:about|around|roughly|approximately|at least|at most|under|"
    r"no more than)?\s*\d{2,5}[-\s]*words?\b|"
    r",?\s*\b(?:with|in)\s+(?:\w+\s+)?(?:sections?|chapters?|parts?)\b[^.;]*",
    re.I,
)


def strip_form(prompt: str) -> str:
    """The prompt without its requests about form (tables, lengths, sections): the topic part."""
    return " ".join(_FORM.sub(" ", prompt).split())


def requested_sections(prompt: str) -> list[str]:
    """Section titles the prompt names ("with sections on cost, safety and adoption")."""
    m = _SECTIONS.search(prompt)
    return _items(m.group(1)) if m else []


def wants_table(prompt: str) -> bool:
    return bool(re.search(r"\btables?\b|\btabular\b|\bcompar(e|ison) (chart|grid)\b", prompt, re.I))


def target_words(prompt: str) -> int | None:
    """The report length asked for in words, if any."""
    m = _WORDS.search(prompt)
    return int(m.group(1)) if m else None


def refine(plan: Plan, reply: str) -> tuple[Plan, list[str]]:
    """``plan`` changed as ``reply`` asks; returns (new plan, what changed, for the note).

    Clauses are read one by one, so "drop section 2 and also cover regulation" does both.
    A section is dropped by number or by a shared word; additions are appended.
    """
    sections = list(plan.sections)
    changes: list[str] = []
    for clause in re.split(
        r"(?<=[.;!])\s+|,\s*(?:and\s+)?(?=(?:also|drop|remove|skip|add|include|cover)\b)|"
        r"\band\s+(?=(?:also|drop|remove|skip|add|include|cover)\b)",
        reply,
    ):
        drop = _DROP.search(clause)
        if drop:
            target = drop.group(1).strip(" .!")
            number = re.search(r"\b(?:section|part|item|point|number)?\s*#?(\d+)\b", target)
            if number and 1 <= int(number.group(1)) <= len(sections):
                removed = sections.pop(int(number.group(1)) - 1)
            else:
                words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", target)} - {"section", "the", "part"}
                hit = next(
                    (s for s in sections if words & {w.lower() for w in re.findall(r"[A-Za-z]{3,}", s)}), None
                )
                if hit is None:
                    continue
                sections.remove(hit)
                removed = hit
            changes.append(f"dropped “{removed}”")
            continue
        add = _ADD.search(clause)
        if add:
            for item in _items(add.group(1)):
                if item.lower() not in {s.lower() for s in sections}:
                    sections.append(item)
                    changes.append(f"added “{item}”")
    return Plan(plan.topic, sections), changes
