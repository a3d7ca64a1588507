"""The remaining built-in tools: ``mcp_server``, ``file_search``, ``google_maps``, ``computer_use``.

Split from :mod:`.builtin_tools` (which owns the dispatch) to keep both modules small.
The first three are server-side like search: a call step, a result step, and prose that
cites the result (``file_citation``, ``place_citation``). ``computer_use`` is client-side:
the model asks the *client* to act in a browser through predefined functions
(``open_web_browser``, ``navigate``, ``click_at``, ``type_text_at``, ...) and waits with
``requires_action``; each ``function_result`` the client sends back advances the plan one
action, until the model reports what it did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

from ..base import Reply, TurnContext
from ..lib.web_corpus import QUESTION, CitedText, digest, keywords, search, slug, topic

PLACE_WORDS = re.compile(
    r"\b(near|nearby|restaurants?|caf[eé]s?|coffee|bars?|hotels?|museums?|parks?|shops?|stores?|"
    r"where can i|directions|places?|around here|in town|pharmac(y|ies)|gyms?|bakery|bakeries|"
    r"pizza|sushi|brunch|map)\b",
    re.I,
)
FILE_WORDS = re.compile(
    r"\b(documents?|files?|docs?|manual|handbook|policy|policies|according to|our|internal|"
    r"notes|knowledge base|store|uploaded|pdf|report)\b",
    re.I,
)
BROWSE_WORDS = re.compile(
    r"\b(browse|browser|open|go to|navigate|click|website|web page|webpage|site|book|buy|"
    r"fill (in|out)|sign up|log ?in|screenshot)\b",
    re.I,
)


@dataclass
class ToolRun:
    """The steps one tool produced and how its findings are written into the answer."""

    steps: list[dict[str, Any]]
    write: Callable[[CitedText], None]


def signed(ctx: TurnContext, step: dict[str, Any]) -> dict[str, Any]:
    """Tool steps carry an opaque signature, like thoughts, for stateless replay."""
    step["signature"] = ctx.ids.sign(f"{step['type']}:{step.get('id') or step.get('call_id')}")
    return step


def _mcp_tool_names(tool: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for entry in tool.get("allowed_tools") or []:
        if isinstance(entry, dict):
            names.extend(str(n) for n in entry.get("tools") or [])
    return names


def fits(kind: str, prompt: str, tool: dict[str, Any], only: bool) -> bool:
    """Prompt fit for the tools of this module (see :func:`.builtin_tools.fits`)."""
    if kind == "google_maps":
        return bool(PLACE_WORDS.search(prompt))
    if kind == "file_search":
        return bool(FILE_WORDS.search(prompt)) or (only and bool(QUESTION.search(prompt)))
    if kind == "mcp_server":
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", prompt)}
        server = str(tool.get("name") or "").lower()
        named = any(
            part in words
            for n in _mcp_tool_names(tool)
            for part in re.split(r"[_\-.]", n.lower())
            if len(part) > 3
        )
        return only or named or (bool(server) and server in prompt.lower())
    if kind == "computer_use":
        return only or bool(BROWSE_WORDS.search(prompt))
    return False


# -- mcp_server ---------------------------------------------------------------------------------
GUESSES = [
    (re.compile(r"\bweather|forecast|temperature\b", re.I), "get_weather"),
    (re.compile(r"\bissues?|tickets?|bugs?\b", re.I), "list_issues"),
    (re.compile(r"\bcalendar|meetings?|events?\b", re.I), "list_events"),
    (re.compile(r"\bfiles?|read\b", re.I), "read_file"),
    (re.compile(r"\bemails?|mail\b", re.I), "search_emails"),
]


def _place(prompt: str) -> str | None:
    match = re.search(r"\b(?:in|at|for|near)\s+([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*)", prompt)
    return match.group(1) if match else None


def mcp_server(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    server = str(tool.get("name") or (urlsplit(tool.get("url", "")).hostname or "mcp").split(".")[0])
    names = _mcp_tool_names(tool)
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", prompt)}
    if names:
        name = max(
            names, key=lambda n: (sum(p in words for p in re.split(r"[_\-.]", n.lower())), -names.index(n))
        )
    else:
        name = next((n for rx, n in GUESSES if rx.search(prompt)), "search")
    place = _place(prompt)
    args: dict[str, Any] = {"location": place} if place and "weather" in name else {"query": topic(prompt)}
    h = digest(server, name, prompt)
    if "weather" in name:
        summary = (
            f"{place or 'The requested location'}: {12 + h % 15} °C, "
            f"{['sunny', 'partly cloudy', 'light rain', 'overcast'][h % 4]}, "
            f"wind {5 + h % 20} km/h"
        )
    else:
        summary = (
            f"{2 + h % 4} matching records for '{args.get('query')}'; the most relevant is "
            f"'{topic(prompt).title()} ({2024 + h % 3})', updated {1 + h % 27} days ago"
        )
    call_id = ctx.ids.call_id()
    call = {
        "type": "mcp_server_tool_call",
        "id": call_id,
        "name": name,
        "server_name": server,
        "arguments": args,
    }
    result = {
        "type": "mcp_server_tool_result",
        "call_id": call_id,
        "name": name,
        "server_name": server,
        "result": summary,
    }

    def write(out: CitedText) -> None:
        out.add(f"I asked the **{server}** MCP server (tool `{name}`). It returned: {summary}.\n")

    return ToolRun([call, result], write)


# -- file_search ----------------------------------------------------------------------------------
def file_search(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    from ..lib.file_search import from_stores  # documents really stored in this emulator

    real = from_stores(ctx, tool, prompt)
    if real is not None:
        steps, write = real
        return ToolRun([signed(ctx, step) for step in steps], write)
    stores = [str(s) for s in tool.get("file_search_store_names") or []] or ["fileSearchStores/default-store"]
    top_k = max(1, min(int(tool.get("top_k") or 3), 5))
    subject = topic(prompt)
    pages = search(subject, top_k, offset=1)
    hits = []
    for i, page in enumerate(pages):
        store = stores[i % len(stores)]
        name = f"{slug(subject)}-{['overview', 'guide', 'faq', 'notes', 'policy'][i % 5]}.pdf"
        hits.append(
            {
                "title": name,
                "text": page.facts[i % len(page.facts)],
                "file_search_store": store,
                "page": 1 + digest(name) % 12,
            }
        )
    call_id = ctx.ids.call_id()
    call = {"type": "file_search_call", "id": call_id}
    result = {
        "type": "file_search_result",
        "call_id": call_id,
        "result": [{k: v for k, v in h.items() if k != "page"} for h in hits],
    }

    def write(out: CitedText) -> None:
        out.add(f"Your documents say the following about **{subject}**:\n\n")
        for hit in hits:
            doc = slug(hit["title"])
            out.add("- ").add(
                hit["text"],
                {
                    "type": "file_citation",
                    "file_name": hit["title"],
                    "source": hit["file_search_store"],
                    "document_uri": f"{hit['file_search_store']}/documents/{doc}",
                    "page_number": hit["page"],
                },
            ).add("\n")

    return ToolRun([signed(ctx, call), signed(ctx, result)], write)


# -- google_maps ------------------------------------------------------------------------------------
NAME_WORDS = [
    "Golden",
    "Corner",
    "Riverside",
    "Old Town",
    "Blue Door",
    "Maple",
    "Harbor",
    "Little",
    "Central",
    "Garden",
]
KINDS = {
    "restaurant": "Kitchen",
    "cafe": "Café",
    "café": "Café",
    "coffee": "Coffee House",
    "bar": "Bar",
    "hotel": "Hotel",
    "museum": "Museum",
    "park": "Park",
    "bakery": "Bakery",
    "pizza": "Pizzeria",
    "sushi": "Sushi Bar",
    "gym": "Fitness Club",
    "pharmacy": "Pharmacy",
    "brunch": "Brunch Spot",
}


def google_maps(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> ToolRun:
    lat, lng = tool.get("latitude"), tool.get("longitude")
    subject = topic(prompt)
    near = (
        f" near {lat:.4f},{lng:.4f}"
        if isinstance(lat, (int, float)) and isinstance(lng, (int, float))
        else ""
    )
    queries = [subject + near]
    kind_word = next((k for k in KINDS if re.search(rf"\b{k}", prompt, re.I)), None)
    label = KINDS.get(kind_word or "", "Place")
    places = []
    for i in range(3):
        h = digest(prompt, lat, lng, i)
        name = f"{NAME_WORDS[(h + i) % len(NAME_WORDS)]} {label}"
        place_id = "ChIJ" + "".join(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"[(h >> (6 * k)) % 64]
            for k in range(23)
        )
        url = f"https://maps.google.com/?cid={h % 10**19}"
        reviews = [
            {
                "review_id": f"r{(h >> 8) % 10**8}",
                "title": f"Lovely {label.lower()}, "
                f"{['great service', 'cozy atmosphere', 'worth the wait'][h % 3]}",
                "url": url + "&review=1",
            }
        ]
        rating = 3.9 + (h % 11) / 10
        places.append(
            {
                "name": name,
                "place_id": place_id,
                "url": url,
                "review_snippets": reviews,
                "_blurb": f"rated {rating:.1f}, about {200 + h % 1800} m away, "
                f"open until {['9', '10', '11'][h % 3]} pm",
            }
        )
    result_item: dict[str, Any] = {"places": [{k: v for k, v in p.items() if k != "_blurb"} for p in places]}
    if tool.get("enable_widget"):
        result_item["widget_context_token"] = ctx.ids.sign(f"maps-widget:{subject}")
    call_id = ctx.ids.call_id()
    call = {"type": "google_maps_call", "id": call_id, "arguments": {"queries": queries}}
    result = {"type": "google_maps_result", "call_id": call_id, "result": [result_item]}

    def write(out: CitedText) -> None:
        out.add(f"Here are a few options for **{subject}**{' near you' if near else ''}:\n\n")
        for n, place in enumerate(places, 1):
            out.add(f"{n}. ").add(
                f"**{place['name']}**, {place['_blurb']}.",
                {
                    "type": "place_citation",
                    "name": place["name"],
                    "place_id": place["place_id"],
                    "url": place["url"],
                    "review_snippets": place["review_snippets"],
                },
            ).add("\n")

    return ToolRun([signed(ctx, call), signed(ctx, result)], write)


# -- computer_use (client-side) -----------------------------------------------------------------------
PREDEFINED = (
    "open_web_browser",
    "wait_5_seconds",
    "go_back",
    "go_forward",
    "search",
    "navigate",
    "click_at",
    "hover_at",
    "type_text_at",
    "key_combination",
    "scroll_document",
    "scroll_at",
    "drag_and_drop",
)


def is_computer_turn(ctx: TurnContext) -> bool:
    """True when this turn's function results answer predefined computer-use actions."""
    return all(r.get("name") in PREDEFINED or r.get("name") is None for r in ctx.function_results())


def _plan(prompt: str) -> list[tuple[str, dict[str, Any]]]:
    url = next(iter(re.findall(r"https?://[^\s<>\"')\]]+", prompt)), None)
    typed = re.search(
        r"\b(?:search(?: for)?|type|look up|find)\s+[\"“']?(.+?)[\"”']?(?:\s+on\s+.*)?[.?!]?$", prompt, re.I
    )
    text = typed.group(1).strip() if typed else " ".join(keywords(prompt, 5))
    steps: list[tuple[str, dict[str, Any]]] = [("open_web_browser", {})]
    steps.append(("navigate", {"url": url or "https://www.google.com/search?q=" + quote_plus(text)}))
    steps.append(
        ("type_text_at", {"x": 371, "y": 62, "text": text, "press_enter": True, "clear_before_typing": True})
    )
    steps.append(("click_at", {"x": 412, "y": 338}))
    steps.append(("scroll_document", {"direction": "down"}))
    return steps


def computer_use(ctx: TurnContext, tool: dict[str, Any], prompt: str) -> Reply:
    """The next browser action of the plan for ``prompt``, or the final report when done."""
    excluded = set(tool.get("excluded_predefined_functions") or [])
    plan = [(name, args) for name, args in _plan(prompt) if name not in excluded]
    done = sum(
        1 for s in ctx.conversation if s.get("type") == "function_call" and s.get("name") in PREDEFINED
    )
    if done >= min(len(plan), 4) or not plan:
        last_url = next(
            (
                r.get("result", {}).get("url")
                for r in reversed(ctx.conversation)
                if r.get("type") == "function_result"
                and isinstance(r.get("result"), dict)
                and r["result"].get("url")
            ),
            None,
        )
        where = f" The browser is now at {last_url}." if last_url else ""
        text = (
            f'I completed the task "{prompt.strip()[:120]}" in the browser using {done} '
            f"action{'s' if done != 1 else ''}.{where}"
        )
        return Reply(steps=[{"type": "model_output", "content": [{"type": "text", "text": text}]}])
    name, args = plan[done]
    intro = {
        "open_web_browser": "I'll start by opening a web browser.",
        "navigate": f"Next I'll go to {args.get('url')}.",
        "type_text_at": f'Now I\'ll type "{args.get("text")}" into the search box.',
        "click_at": "I'll open the most relevant result.",
        "scroll_document": "I'll scroll down to read the rest of the page.",
    }[name]
    call = {"type": "function_call", "id": ctx.ids.call_id(), "name": name, "arguments": args}
    return Reply(
        steps=[{"type": "model_output", "content": [{"type": "text", "text": intro}]}, call],
        status="requires_action",
    )
