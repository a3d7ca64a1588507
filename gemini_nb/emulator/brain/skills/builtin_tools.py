"""Built-in (server-side) tools: ``google_search``, ``code_execution``, ``url_context``, ...

With built-in tools the real service runs the tool itself inside one interaction: the
output is a ``*_call`` step, the matching ``*_result`` step, then the model's answer that
uses (and cites) the result. This skill reproduces that shape for every built-in tool:

* it decides whether the prompt *fits* a tool (URLs for ``url_context``, something to
  compute for ``code_execution``, places for ``google_maps``, a question for search, ...),
  or uses one anyway when ``tool_choice`` is ``any``; ``none`` disables tools;
* several fitting tools run in the order they were declared, like parallel grounding;
* the answer is built with :class:`~.web_corpus.CitedText`, so every ``url_citation`` /
  ``file_citation`` / ``place_citation`` has exact offsets into the text;
* ``computer_use`` is the exception: it is a *client-side* action, so the model emits a
  predefined ``function_call`` and stops with ``requires_action`` (see :mod:`.builtin_services`).

Results are deterministic (the "web" is :mod:`.web_corpus`), except code execution, which
really runs in :mod:`.sandbox`. When the question has an answer in the fact table
(:mod:`.facts`), the first search result states it and the answer leads with it, cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..base import Reply, TurnContext
from ..lib import facts, sandbox
from ..lib.web_corpus import (
    QUESTION,
    CitedText,
    keywords,
    queries_for,
    search,
    search_suggestions_html,
    subject_phrase,
    url_citation,
)
from . import builtin_services
from .builtin_services import ToolRun, signed

URL_RE = re.compile(r"https?://[^\s<>\"'`)\]]+")
CODE_WORDS = re.compile(
    r"\b(code|python|program|script|run|execute|compute|calculate|calculation|sum of|"
    r"product of|primes?|fibonacci|factorial|sort|average|mean|median|std|simulate|plot|"
    r"algorithm)\b|\d\s*(\*\*|[-+*/%^])\s*\d|```",
    re.I,
)
SEARCH_WORDS = re.compile(
    r"\b(search|google|latest|news|current|today|recent|who (is|won|was)|when (is|was|did)|"
    r"what happened|price of|weather|score|look up|find out|sources?|according to)\b",
    re.I,
)
TRIVIAL = re.compile(r"^\s*(hi|hello|hey|thanks|thank you|ok|okay|bye)\b[\s!.?]*$", re.I)


# -- fitting a prompt to a tool -------------------------------------------------------------
def fits(kind: str, prompt: str, tool: dict[str, Any], only: bool) -> bool:
    """Whether a model would plausibly use tool ``kind`` for ``prompt``.

    ``only`` is true when this is the sole built-in tool: then an open question is enough
    (a model given nothing but search grounds every factual answer)."""
    if TRIVIAL.match(prompt):
        return False
    if kind == "url_context":
        return bool(URL_RE.search(prompt))
    if kind == "code_execution":
        return bool(CODE_WORDS.search(prompt))
    if kind == "google_search":
        return bool(SEARCH_WORDS.search(prompt)) or (only and bool(QUESTION.search(prompt)))
    return builtin_services.fits(kind, prompt, tool, only)


def _allowed(ctx: TurnContext, tools: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Tools permitted by ``tool_choice`` and whether one is forced (``any``)."""
    choice = ctx.generation_config.get("tool_choice")
    if isinstance(choice, dict):
        allowed = choice.get("allowed_tools") or {}
        names = set(allowed.get("tools") or [])
        if names:
            tools = [t for t in tools if t.get("type") in names or t.get("name") in names]
        return tools, allowed.get("mode") in ("any", "validated")
    return tools, choice == "any"


# -- the individual tools ---------------------------------------------------------------------
def google_search(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    queries = queries_for(prompt, 2 if len(keywords(prompt, 8)) > 3 else 1)
    subject = subject_phrase(prompt)
    pages = [
        p for i, q in enumerate(queries) for p in search(q, 3 if i == 0 else 1, offset=i * 3, about=subject)
    ]
    known = _plain(facts.answer(prompt))
    if known:  # the first result states the fact, and the answer leads with it
        pages[0].facts.insert(0, known)
        pages[0].snippet = f"{known} {pages[0].snippet}"
    call_id = ctx.ids.call_id()
    call = {"type": "google_search_call", "id": call_id, "arguments": {"queries": queries}}
    if tool.get("search_types"):
        call["search_type"] = tool["search_types"][0]
    items = [{"url": p.url, "title": p.title, "rendered_content": p.snippet} for p in pages]
    items[0]["search_suggestions"] = search_suggestions_html(queries)
    result = {"type": "google_search_result", "call_id": call_id, "result": items, "is_error": False}

    def write(out: CitedText) -> None:
        if known:
            out.add(known, url_citation(pages[0])).add("\n\n")
        out.add(f"Here's what I found about **{subject}**:\n\n")
        for page in pages:
            fact = page.facts[1] if known and page is pages[0] else page.facts[0]
            out.add("- ").add(fact, url_citation(page)).add("\n")
        out.add("\nSources:\n")
        for n, page in enumerate(pages, 1):
            out.add(f"{n}. ").add(page.title, url_citation(page)).add(f" ({page.url})\n")

    return ToolRun([signed(ctx, call), signed(ctx, result)], write)


PAYWALLED = ("wsj.com", "ft.com", "nytimes.com", "economist.com", "bloomberg.com")


def _plain(text: str | None) -> str | None:
    """A fact-table sentence without markdown emphasis (as a web page would state it)."""
    return text.replace("**", "") if text else None


def url_status(url: str) -> str:
    """``success`` for fetchable-looking URLs; ``error``/``paywall``/``unsafe`` otherwise."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _ = parts.port
    except ValueError:
        return "error"
    if not host or "." not in host or host.endswith((".invalid", ".test", ".localhost")):
        return "error"
    if host == "localhost" or re.match(r"^(127\.|10\.|192\.168\.|0\.)", host):
        return "unsafe"
    if any(host == d or host.endswith("." + d) for d in PAYWALLED):
        return "paywall"
    return "success"


def _url_topic(url: str) -> str:
    parts = urlsplit(url)
    words = re.findall(r"[A-Za-z]{3,}", parts.path.replace("_", " ").replace("-", " "))
    words = [w for w in words if w.lower() not in ("html", "htm", "php", "index", "wiki", "www")]
    return " ".join(words[-4:]) or (parts.hostname or url).removeprefix("www.")


def url_context(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    urls = list(dict.fromkeys(u.rstrip(".,;:!?") for u in URL_RE.findall(prompt)))[:20]
    call_id = ctx.ids.call_id()
    statuses = [(u, url_status(u)) for u in urls]
    call = {"type": "url_context_call", "id": call_id, "arguments": {"urls": urls}}
    result = {
        "type": "url_context_result",
        "call_id": call_id,
        "result": [{"url": u, "status": s} for u, s in statuses],
        "is_error": all(s != "success" for _, s in statuses),
    }

    def write(out: CitedText) -> None:
        ok = sum(1 for _, s in statuses if s == "success")
        known = _plain(facts.answer(URL_RE.sub(" ", prompt)))
        first = next((u for u, s in statuses if s == "success"), None)
        if known and first:
            out.add(
                known,
                {
                    "type": "url_citation",
                    "url": first,
                    "title": f"{_url_topic(first)} ({urlsplit(first).hostname})",
                },
            ).add("\n\n")
        out.add(f"I read {ok} of the {len(statuses)} page{'s' if len(statuses) != 1 else ''} you linked.\n\n")
        for url, status in statuses:
            host = urlsplit(url).hostname or url
            if status == "success":
                subject = _url_topic(url)
                out.add(f"- **{host}**: ").add(
                    f"The page covers {subject}; its main points are an overview of {subject}, "
                    f"the context behind it and practical details for readers.",
                    {"type": "url_citation", "url": url, "title": f"{subject} ({host})"},
                ).add("\n")
            else:
                reason = {"paywall": "is behind a paywall", "unsafe": "was blocked as unsafe"}.get(
                    status, "could not be retrieved"
                )
                out.add(f"- {url} {reason} (status: {status}).\n")

    return ToolRun([signed(ctx, call), signed(ctx, result)], write)


def _answer_line(output: str) -> str | None:
    """The value of the last ``label: value`` or ``expr = value`` line of program output."""
    for line in reversed(output.strip().splitlines()):
        match = re.search(r"(?:=|:)\s*(.+)$", line)
        if match:
            return match.group(1).strip()
    return None


def code_execution(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    code = sandbox.write_code(prompt)
    run = sandbox.run_python(code)
    call_id = ctx.ids.call_id()
    call = {"type": "code_execution_call", "id": call_id, "arguments": {"code": code, "language": "python"}}
    result = {
        "type": "code_execution_result",
        "call_id": call_id,
        "result": run.output,
        "is_error": run.is_error,
    }

    def write(out: CitedText) -> None:
        if run.simulated:
            out.add(f"I wrote a Python program but did not run it:\n\n```\n{run.output.strip()}\n```\n")
            return
        if run.is_error:
            reason = "it ran out of time" if run.timed_out else "it raised an error"
            out.add(f"I ran the code, but {reason}:\n\n```\n{run.output.strip()}\n```\n")
            return
        out.add(f"I wrote and ran a short Python program. Its output:\n\n```\n{run.output.strip()}\n```\n")
        value = _answer_line(run.output)
        if value and len(value) < 200:
            out.add(f"\nSo the answer is **{value}**.\n")

    return ToolRun([signed(ctx, call), signed(ctx, result)], write)


HANDLERS: dict[str, Callable[[TurnContext, dict[str, Any], str], ToolRun]] = {
    "google_search": google_search,
    "url_context": url_context,
    "code_execution": code_execution,
    "mcp_server": builtin_services.mcp_server,
    "file_search": builtin_services.file_search,
    "google_maps": builtin_services.google_maps,
}
KINDS = (*HANDLERS, "computer_use")


class BuiltinToolsSkill:
    """Answers turns that declare built-in tools and whose prompt fits one of them."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        if ctx.agent:
            return None
        if ctx.response_format is not None or {"image", "audio"} & set(ctx.response_modalities):
            # The answer must be JSON / media: the structured-output and media skills own it.
            return None
        declared = [t for t in ctx.tools if t.get("type") in KINDS]
        if not declared or ctx.generation_config.get("tool_choice") == "none":
            return None
        tools, forced = _allowed(ctx, declared)
        if not tools:
            return None
        computer = next((t for t in tools if t.get("type") == "computer_use"), None)
        if ctx.function_results():
            if computer is not None and builtin_services.is_computer_turn(ctx):
                return builtin_services.computer_use(ctx, computer, ctx.task_text())
            return None
        prompt = ctx.last_user_text()
        if not prompt.strip():
            return None
        only = len(tools) == 1
        chosen = [t for t in tools if fits(t["type"], prompt, t, only)]
        if not chosen and forced:
            chosen = [tools[0]]
        if not chosen:
            return None
        if any(t.get("type") == "computer_use" for t in chosen):
            return builtin_services.computer_use(ctx, computer or chosen[0], prompt)
        return answer(ctx, chosen, prompt)


def answer(ctx: TurnContext, tools: list[dict[str, Any]], prompt: str) -> Reply:
    """Run each tool, then one ``model_output`` that writes up all their findings."""
    steps: list[dict[str, Any]] = []
    out = CitedText()
    seen: set[str] = set()
    for tool in tools:
        kind = tool["type"]
        if kind in seen and kind != "mcp_server":
            continue
        seen.add(kind)
        run = HANDLERS[kind](ctx, tool, prompt)
        steps.extend(run.steps)
        if out.text:
            out.add("\n")
        run.write(out)
    steps.append({"type": "model_output", "content": [out.part()]})
    return Reply(steps=steps)
