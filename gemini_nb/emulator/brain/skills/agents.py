"""Agents: Deep Research (and the simpler Antigravity/code agents) as background runs.

The real Deep Research agent works for minutes: it plans, searches the web in rounds, reads
sources, and finally writes a long cited report, reporting progress as thought summaries.
The emulator reproduces that *shape* quickly and deterministically:

* output steps: ``thought`` (planning) → ``google_search_call``/``google_search_result``
  rounds, each followed by a progress ``thought`` ("searching N sources", "reading",
  "synthesizing") → an optional chart → the ``model_output`` report with ``url_citation``
  annotations (:mod:`.agent_report`);
* ``Reply.duration_s`` asks the background runner to spread those steps over time, so
  polling sees ``in_progress`` then ``completed`` and ``GET ?stream=true`` shows the thought
  summaries arriving before the report. The pace is ``GEMINI_NB_EMULATOR_AGENT_SECONDS``
  (seconds for a standard Deep Research run, default 1.5 — short so tests and tutorials stay
  fast; the "max" agent takes 1.6× as long, Antigravity half);
* ``agent_config`` is honoured: ``thinking_summaries: "none"`` keeps thoughts signature-only,
  ``visualization: "auto"`` adds a real PNG chart, ``collaborative_planning: true`` first
  answers with a research plan and researches once the next turn confirms it;
* agent and model turns mix in one chain: the research topic falls back to earlier user
  turns when the new prompt is only a follow-up ("go deeper", "yes, proceed");
* the form asked for is kept (:mod:`.research_plan`): named sections, a table, a length in
  words; a collaborative plan is refined by replies ("also cover X", "drop section 2") and
  researched only after an explicit confirmation; a question about a finished report is
  answered from the report (:mod:`.report_followup`), without new research.

Deep Research requests without ``background: true`` never get here: the service rejects
them (400, see :func:`background_only`); Antigravity-style agents also run synchronously.
"""

from __future__ import annotations

import os
from typing import Any

from .. import usage
from ..base import Reply, TurnContext, content_text
from ..lib import persona, sandbox
from ..lib.agent_report import aspects_for, figure_part, write_report
from ..lib.research_plan import (
    APPROVAL,
    Plan,
    parse_plan,
    refine,
    requested_sections,
    strip_form,
    target_words,
    wants_table,
)
from ..lib.web_corpus import Page, digest, keywords, queries_for, search, subject_phrase
from .report_followup import answer_from_report, is_follow_up
from .text import compose

AGENT_SECONDS_ENV = "GEMINI_NB_EMULATOR_AGENT_SECONDS"
DEFAULT_SECONDS = 1.5


def profile(agent: str) -> dict[str, Any]:
    """How an agent id behaves: kind, relative duration, search rounds and report depth."""
    if agent.startswith("deep-research-max"):
        return {"kind": "research", "pace": 1.6, "rounds": 3, "per_query": 3, "sections": 4}
    if agent.startswith("deep-research"):
        return {"kind": "research", "pace": 1.0, "rounds": 2, "per_query": 2, "sections": 3}
    return {"kind": "worker", "pace": 0.5, "rounds": 0, "per_query": 0, "sections": 0}


def background_only(agent: str) -> bool:
    """Whether the API refuses ``agent`` without ``background=true``.

    Deep Research runs for minutes and is documented as background-only; Antigravity (and
    agents built on it) runs in the foreground, its stream open for the whole loop.
    """
    return profile(agent)["kind"] == "research"


def agent_seconds() -> float:
    """Emulator-wide pace of agent runs (seconds for a standard Deep Research run)."""
    try:
        value = float(os.environ.get(AGENT_SECONDS_ENV, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return max(0.0, value)


def _user_texts(steps: list[dict[str, Any]]) -> list[str]:
    return [content_text(s.get("content")) for s in steps if s.get("type") == "user_input"]


def research_subject(ctx: TurnContext) -> tuple[str, str | None]:
    """(subject, earlier context): the new prompt's topic, or the chain's for a follow-up."""
    prompt = strip_form(ctx.last_user_text())
    earlier = [
        strip_form(t) for t in _user_texts(ctx.history) if len(keywords(t)) >= 2 and not APPROVAL.match(t)
    ]
    context = subject_phrase(earlier[-1]) if earlier else None
    if len(keywords(prompt)) >= 2 and not APPROVAL.match(prompt):
        subject = subject_phrase(prompt)
        return subject, (context if context and context != subject else None)
    if context:
        return context, None
    return subject_phrase(prompt or "the requested topic"), None


def _pending_plan(ctx: TurnContext) -> Plan | None:
    """The research plan the chain's last model answer proposed (awaiting confirmation), or None."""
    for step in reversed(ctx.history):
        if step.get("type") == "model_output":
            return parse_plan(content_text(step.get("content")))
    return None


def _requests(ctx: TurnContext) -> str:
    """The user's words since the last finished report: where form requests (table, length) are."""
    texts: list[str] = []
    for step in ctx.conversation:
        text = content_text(step.get("content")) if step.get("type") == "model_output" else ""
        if "a research report" in text[:300]:
            texts = []
        elif step.get("type") == "user_input":
            texts.append(content_text(step.get("content")))
    return "\n".join(texts)


class AgentSkill:
    """Answers every ``agent`` request (background-only; the service enforces that)."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        if not ctx.agent:
            return None
        config = dict(ctx.agent_config or ctx.request.get("agent_config") or {})
        prof = profile(ctx.agent)
        if prof["kind"] == "worker":
            reply = _worker(ctx, config)
        else:
            reply = _research(ctx, config, prof)
        thought_tokens = sum(
            len(content_text(s.get("summary"))) // 4 + 64 for s in reply.steps if s.get("type") == "thought"
        )
        reply.usage = usage.compute(ctx, reply, thought_tokens)
        # Builders give duration_s as a fraction of a full run (a plan is quicker than research).
        reply.duration_s = agent_seconds() * prof["pace"] * (reply.duration_s or 1.0)
        return reply


class _Thoughts:
    """Makes thought steps; drops summaries when ``thinking_summaries`` is ``"none"``."""

    def __init__(self, ctx: TurnContext, config: dict[str, Any]):
        self.ctx, self.summaries = ctx, config.get("thinking_summaries", "auto") != "none"
        self.n = 0

    def __call__(self, heading: str, body: str) -> dict[str, Any]:
        self.n += 1
        step: dict[str, Any] = {
            "type": "thought",
            "signature": self.ctx.ids.sign(f"agent:{self.ctx.agent}:{self.n}"),
        }
        if self.summaries:
            step["summary"] = [{"type": "text", "text": f"**{heading}**\n\n{body}"}]
        return step


def _search_round(
    ctx: TurnContext, queries: list[str], per_query: int, offset: int, about: str
) -> tuple[list[dict[str, Any]], list[Page]]:
    pages = [
        p for i, q in enumerate(queries) for p in search(q, per_query, offset + i * per_query, about=about)
    ]
    call_id = ctx.ids.call_id()
    call = {
        "type": "google_search_call",
        "id": call_id,
        "arguments": {"queries": queries},
        "signature": ctx.ids.sign(f"google_search_call:{call_id}"),
    }
    items = [{"url": p.url, "title": p.title, "rendered_content": p.snippet} for p in pages]
    result = {
        "type": "google_search_result",
        "call_id": call_id,
        "result": items,
        "is_error": False,
        "signature": ctx.ids.sign(f"google_search_result:{call_id}"),
    }
    return [call, result], pages


def _propose_plan(
    think: _Thoughts, pending: Plan | None, prompt: str, subject: str, titles: list[str]
) -> Reply:
    """Collaborative planning: answer with the (possibly refined) plan instead of researching."""
    note = None
    if pending is not None:
        refined, changes = refine(pending, prompt)
        note = (
            ("Updated plan: " + "; ".join(changes) + ".")
            if changes
            else (
                "I couldn't tell what to change, so the plan is as before: say what to add or drop, "
                "or confirm it."
            )
        )
        titles = refined.sections
    plan = think(
        "Planning the research",
        f'I\'m proposing {len(titles)} sections on "{subject}" '
        "and will wait for confirmation before searching.",
    )
    text = Plan(subject, titles).markdown(note)
    return Reply(
        steps=[plan, {"type": "model_output", "content": [{"type": "text", "text": text}]}],
        duration_s=0.3,
    )


def _search_rounds(
    ctx: TurnContext,
    think: _Thoughts,
    steps: list[dict[str, Any]],
    subject: str,
    aspects: list[str],
    rounds: int,
    per_query: int,
) -> list[Page]:
    """Run the search rounds, appending each round's calls, results and progress thought to
    ``steps``; the distinct pages found."""
    pages: list[Page] = []
    for rnd in range(rounds):
        base = (
            queries_for(subject, 3)
            if rnd == 0
            else [f"{subject} {aspects[(rnd + k) % len(aspects)]}" for k in range(2)]
        )
        found, new = _search_round(ctx, base, per_query, rnd * 6, subject)
        steps.extend(found)
        pages.extend(p for p in new if p.url not in {q.url for q in pages})
        sites = sorted({p.site for p in pages})
        if rnd == 0:
            steps.append(
                think(
                    f"Searching {len(pages)} sources",
                    f"I found {len(pages)} sources so far, including "
                    f"{', '.join(sites[:3])}. Next I'll look for more specific "
                    f"evidence on {aspects[0]}.",
                )
            )
        else:
            steps.append(
                think(
                    "Reading and cross-checking",
                    f"I'm reading {len(pages)} pages in depth. They agree on the "
                    f"basics of {subject}, but differ on {aspects[rnd % len(aspects)]}; "
                    "I'll note where the evidence is thin.",
                )
            )
    return pages


def _research(ctx: TurnContext, config: dict[str, Any], prof: dict[str, Any]) -> Reply:
    pending = _pending_plan(ctx)
    prompt = ctx.last_user_text()
    if pending is None and is_follow_up(ctx):
        return answer_from_report(ctx)
    think = _Thoughts(ctx, config)
    if pending is not None:
        subject, context = pending.topic, None
        titles = pending.sections
    else:
        subject, context = research_subject(ctx)
        titles = requested_sections(prompt) or [
            a[:1].upper() + a[1:] for a in aspects_for(subject, prof["sections"])
        ]
    aspects = [t.lower() for t in titles] or aspects_for(subject, prof["sections"])
    collaborative = bool(config.get("collaborative_planning"))
    if collaborative and (pending is None or not APPROVAL.match(prompt)):
        return _propose_plan(think, pending, prompt, subject, titles)
    questions = "; ".join(f"({chr(97 + i)}) what is known about its {a}" for i, a in enumerate(aspects))
    plan = think(
        "Planning the research",
        f'I\'m breaking "{subject}" into {len(aspects)} questions: {questions}. '
        "I'll start broad, then follow the most promising sources.",
    )
    asked = _requests(ctx)
    words = target_words(asked)
    steps: list[dict[str, Any]] = [plan]
    rounds = max(prof["rounds"], min(6, (words or 0) // 250))  # long reports need more sources
    pages = _search_rounds(ctx, think, steps, subject, aspects, rounds, prof["per_query"])
    if config.get("enable_bigquery_tool"):
        steps.append(
            think(
                "Checking structured data",
                f"BigQuery access is enabled, so I looked for public tables about "
                f"{subject} to back up the figures.",
            )
        )
    steps.append(
        think(
            "Synthesizing the report",
            f"I have enough material from {len(pages)} sources. I'll organize the "
            f"findings into {len(aspects)} sections and cite every claim.",
        )
    )
    figure = config.get("visualization") == "auto"
    if figure:
        steps.append({"type": "model_output", "content": [figure_part(subject, pages)]})
    plan_note = "Research plan confirmed; here are the results." if pending is not None else None
    report = write_report(
        subject,
        pages,
        sections=len(aspects),
        context=context,
        figure=figure,
        plan_note=plan_note,
        titles=titles,
        table=wants_table(asked),
        words=words,
    )
    steps.append({"type": "model_output", "content": [report.part()]})
    return Reply(steps=steps)


def _worker(ctx: TurnContext, config: dict[str, Any]) -> Reply:
    """Antigravity/code agents: plan, do the work (running code when it helps), report."""
    prompt = ctx.last_user_text() or "the task"
    think = _Thoughts(ctx, config)
    steps: list[dict[str, Any]] = [
        think(
            "Planning the task",
            f"The task is: {prompt.strip()[:160]}. I'll work out the steps, do them, and check the result.",
        )
    ]
    from .builtin_tools import CODE_WORDS  # local: builtin_tools imports the whole tool set

    lines = []
    if CODE_WORDS.search(prompt):
        code = sandbox.write_code(prompt)
        run = sandbox.run_python(code)
        call_id = ctx.ids.call_id()
        steps.append(
            {"type": "code_execution_call", "id": call_id, "arguments": {"code": code, "language": "python"}}
        )
        steps.append(
            {
                "type": "code_execution_result",
                "call_id": call_id,
                "result": run.output,
                "is_error": run.is_error,
            }
        )
        verdict = (
            "did not run: there is no sandbox for it here; I'll say so."
            if run.simulated
            else "ran with an error; I'll report it."
            if run.is_error
            else "ran successfully; the output looks right."
        )
        steps.append(think("Checking the result", "The program " + verdict))
        did = "wrote (but did not run)" if run.simulated else "wrote and ran"
        lines.append(
            f"I {did} a Python program:\n\n```python\n{code.strip()}\n```\n\n"
            f"Output:\n\n```\n{run.output.strip()}\n```"
        )
    else:
        lines.append(compose(ctx, prompt))
    model = config.get("model")
    footer = f"\n\n_Worked with {model}._" if model else ""
    text = (
        f"## Task\n\n{prompt.strip()[:300]}\n\n## What I did\n\n"
        + "\n\n".join(lines)
        + f"\n\n## Result\n\nDone in {len(steps)} step{'s' if len(steps) != 1 else ''} "
        f"(run {digest(ctx.agent, prompt) % 9000 + 1000}).{footer}"
    )
    text = persona.apply(ctx.system_instruction, text)
    steps.append({"type": "model_output", "content": [{"type": "text", "text": text}]})
    return Reply(steps=steps)
