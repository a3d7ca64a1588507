"""Tool traces: each tool step as one compact, collapsible block (markdown) or one line (plain).

Why its own module: the final output, the live preview and the terminal all show the same
trace, so its shape is decided once. A call and its result are shown together (paired by
``call_id``): the summary line says what ran, its status (ok / error / declined / pending /
running) and its duration; the body holds the arguments and the result, truncated with an
expander for the rest. Built-in tools get their natural form: search queries with result links,
code and its output, fetched URLs with their status, MCP calls, places, documents. Citations in
the answer become numbered links.

Input is plain step dicts plus, optionally, the tool loop's run records (any object with
``status``, ``error``, ``duration_s``, ``result``, ``notes``): nothing here imports the result
module or the SDK.
"""

from __future__ import annotations

import html
import json
from typing import Any

SHORT = 1_500
"""Characters of a result shown before the expander."""
FULL = 20_000
"""Characters of a result inside the expander (the whole value stays in ``result.calls``)."""
MARKS = {"ok": "✓", "error": "✗", "declined": "⊘", "pending": "⏸", "running": "…"}
_BUILTIN_TITLES = {
    "google_search": "search",
    "code_execution": "code execution",
    "url_context": "URL context",
    "google_maps": "maps",
    "file_search": "file search",
    "mcp_server_tool": "MCP",
    "retrieval": "retrieval",
    "tool_search": "tool search",
    "processing": "processing",
}


def _json(value: Any, indent: int | None = 1) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _short(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else _json(value, None)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fence(text: str, lang: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{lang}\n{text}\n{fence}"


def _block(text: str, lang: str = "json") -> str:
    """``text`` in a code fence, cut at :data:`SHORT` with an expander holding up to :data:`FULL`."""
    if len(text) <= SHORT:
        return _fence(text, lang)
    rest = text[:FULL] + ("\n… (cut; the whole value is in result.calls)" if len(text) > FULL else "")
    return (
        _fence(text[:SHORT] + "\n…", lang) + f"\n\n<details><summary>show all ({len(text):,} "
        f"characters)</summary>\n\n{_fence(rest, lang)}\n\n</details>"
    )


def _args(arguments: Any) -> str:
    if not isinstance(arguments, dict):
        return html.escape(_short(arguments, 80))
    return html.escape(", ".join(f"{k}={_short(v, 40)}" for k, v in arguments.items()))


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _seconds(duration: Any) -> str:
    return f" · {duration:.2f} s" if isinstance(duration, (int, float)) else ""


# -- pairing ---------------------------------------------------------------------------------------
def pairs(steps: list[dict[str, Any]]) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Tool steps as (call, result) pairs in call order; a result without a call stands alone."""
    results: dict[Any, dict[str, Any]] = {}
    for step in steps:
        if str(step.get("type", "")).endswith("_result") and step.get("call_id") is not None:
            results.setdefault(step["call_id"], step)
    used: set[int] = set()
    out: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for step in steps:
        kind = str(step.get("type", ""))
        if kind.endswith("_call"):
            result = results.get(step.get("id")) if step.get("id") is not None else None
            if result is not None:
                used.add(id(result))
            out.append((step, result))
        elif kind.endswith("_result") and id(step) not in used:
            out.append((None, step))
    return out


def is_tool_step(step: dict[str, Any]) -> bool:
    kind = str(step.get("type", ""))
    return kind.endswith("_call") or kind.endswith("_result")


# -- markdown --------------------------------------------------------------------------------------
def tool_markdown(call: dict[str, Any] | None, result: dict[str, Any] | None, run: Any = None) -> str:
    """One collapsible block for a call and its result (``run``: the loop's record, if any)."""
    kind = str((call or result or {}).get("type", ""))
    if kind.startswith("function_"):
        return _function_md(call, result, run)
    base = kind.rsplit("_", 1)[0]
    title = _BUILTIN_TITLES.get(base, base.replace("_", " "))
    error = bool(result and result.get("is_error"))
    mark = MARKS["error"] if error else MARKS["ok"] if result is not None else MARKS["running"]
    payload = (result or {}).get("result")
    args = (call or {}).get("arguments") or {}
    if base == "google_search":
        queries = ", ".join(f"“{html.escape(str(q))}”" for q in args.get("queries") or [])
        body = _links(payload) or _generic(payload)
        return _details(f"{mark} {title}: {queries or '…'}", body)
    if base == "code_execution":
        code = args.get("code") or ""
        out = payload if isinstance(payload, str) else _json(payload) if payload is not None else ""
        body = _fence(code, args.get("language") or "python") + (
            "\n\n**output**\n\n" + _block(out, "text") if result is not None else ""
        )
        return _details(f"{mark} {title}{' (error)' if error else ''}", body)
    if base == "url_context":
        urls = args.get("urls") or [r.get("url") for r in payload or [] if isinstance(r, dict)]
        status = {r.get("url"): r.get("status") for r in payload or [] if isinstance(r, dict)}
        lines = [f"- <{u}> {('— ' + str(status[u])) if status.get(u) else ''}".rstrip() for u in urls]
        return _details(f"{mark} {title}: {len(urls)} URL(s)", "\n".join(lines) or "(no URLs)")
    if base == "mcp_server_tool":
        name = (call or result or {}).get("name")
        server = (call or result or {}).get("server_name")
        body = (
            "**arguments**\n\n"
            + _block(_json(args))
            + ("\n\n**result**\n\n" + _block(_json(payload)) if result is not None else "")
        )
        return _details(f"{mark} {title} <code>{html.escape(f'{server}.{name}')}({_args(args)})</code>", body)
    if base == "google_maps":
        queries = ", ".join(f"“{html.escape(str(q))}”" for q in args.get("queries") or [])
        places = [p for r in payload or [] if isinstance(r, dict) for p in r.get("places") or []]
        lines = [
            f"1. [{p.get('name')}]({p.get('url')})" if p.get("url") else f"1. {p.get('name')}" for p in places
        ]
        return _details(f"{mark} {title}: {queries or '…'}", "\n".join(lines) or _generic(payload))
    if base == "file_search":
        docs = [r for r in payload or [] if isinstance(r, dict)]
        lines = [
            f"1. **{html.escape(str(d.get('title') or d.get('file_search_store') or 'document'))}**: "
            f"{html.escape(_short(d.get('text') or '', 200))}"
            for d in docs
        ]
        return _details(f"{mark} {title}: {len(docs)} passage(s)", "\n".join(lines) or "(no passages yet)")
    return _details(
        f"{mark} {title}",
        _generic({k: v for k, v in {**(call or {}), **(result or {})}.items() if k not in ("signature",)}),
    )


def _function_md(call: dict[str, Any] | None, result: dict[str, Any] | None, run: Any) -> str:
    name = (call or result or {}).get("name") or (result or {}).get("call_id")
    arguments = (call or {}).get("arguments") or {}
    status = getattr(run, "status", None)
    if status is None:
        status = ("error" if result.get("is_error") else "ok") if result is not None else "pending"
    value = getattr(run, "result", None) if run is not None and status != "running" else None
    if value is None and result is not None:
        value = result.get("result")
    summary = (
        f"{MARKS.get(status, '·')} <code>{html.escape(str(name))}({_args(arguments)})</code>"
        f"{_seconds(getattr(run, 'duration_s', None))} · {status}"
    )
    body = ["**arguments**", _block(_json(arguments))]
    error = getattr(run, "error", None)
    if error:
        body += ["**error**", html.escape(error)]
    elif status in ("ok",) or (result is not None and status != "running"):
        body += [
            "**result**",
            _block(
                _json(value) if not isinstance(value, str) else value,
                "json" if not isinstance(value, str) else "text",
            ),
        ]
    notes = getattr(run, "notes", None)
    if notes:
        body.append("*" + html.escape("; ".join(notes)) + "*")
    return _details(summary, "\n\n".join(body))


def _links(payload: Any) -> str:
    if not isinstance(payload, list):
        return ""
    items = [r for r in payload if isinstance(r, dict) and r.get("url")]
    return "\n".join(f"1. [{r.get('title') or r['url']}]({r['url']})" for r in items)


def _generic(payload: Any) -> str:
    return _block(_json(payload)) if payload not in (None, {}, []) else "(nothing yet)"


def blocks(
    steps: list[dict[str, Any]], runs: dict[str, Any] | None = None, markup: str = "markdown"
) -> dict[int, str]:
    """Step index -> its rendered block: a call (with its result) at the call's place, a lone
    result at its own; a result shown with its call has no entry."""
    runs = runs or {}
    render = tool_markdown if markup == "markdown" else tool_plain
    position = {id(s): i for i, s in enumerate(steps)}
    out: dict[int, str] = {}
    for call, result in pairs([s for s in steps if is_tool_step(s)]):
        anchor = call if call is not None else result
        out[position[id(anchor)]] = render(call, result, runs.get(str((call or {}).get("id"))))
    return out


def trace_markdown(steps: list[dict[str, Any]], runs: dict[str, Any] | None = None) -> list[str]:
    """Every tool step of ``steps`` as blocks, in order."""
    runs = runs or {}
    return [
        tool_markdown(call, result, runs.get(str((call or {}).get("id"))))
        for call, result in pairs([s for s in steps if is_tool_step(s)])
    ]


# -- plain text ------------------------------------------------------------------------------------
def tool_plain(call: dict[str, Any] | None, result: dict[str, Any] | None, run: Any = None) -> str:
    """One line for a call and its result."""
    kind = str((call or result or {}).get("type", ""))
    if kind.startswith("function_"):
        name = (call or result or {}).get("name")
        status = getattr(run, "status", None) or (
            ("error" if result.get("is_error") else "ok") if result is not None else "pending"
        )
        value = getattr(run, "error", None) or getattr(run, "result", None) if run is not None else None
        if value is None and result is not None:
            value = result.get("result")
        args = ", ".join(f"{k}={_short(v, 40)}" for k, v in ((call or {}).get("arguments") or {}).items())
        tail = f" → {_short(value, 160)}" if value is not None and status != "running" else ""
        took = _seconds(getattr(run, "duration_s", None))
        return f"[{MARKS.get(status, '·')} {name}({args}){took} {status}]{tail}"
    base = kind.rsplit("_", 1)[0]
    title = _BUILTIN_TITLES.get(base, base.replace("_", " "))
    args = (call or {}).get("arguments") or {}
    what = args.get("queries") or args.get("urls") or (args.get("code") or "").strip().splitlines()[:1] or ""
    error = " error" if result and result.get("is_error") else ""
    return f"[{title}{error}: {_short(what, 120)}]" if what else f"[{title}{error}]"


def trace_plain(steps: list[dict[str, Any]], runs: dict[str, Any] | None = None) -> list[str]:
    runs = runs or {}
    return [
        tool_plain(call, result, runs.get(str((call or {}).get("id"))))
        for call, result in pairs([s for s in steps if is_tool_step(s)])
    ]


# -- citations -------------------------------------------------------------------------------------
def citations(steps: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(label, url) of every cited source in the answer's text annotations, first-seen order."""
    seen: dict[str, tuple[str, str | None]] = {}
    for step in steps:
        if step.get("type") != "model_output":
            continue
        notes = [
            n
            for item in step.get("content") or []
            if isinstance(item, dict)
            for n in item.get("annotations") or []
        ]
        notes += step.get("annotations") or []  # a stream's text_annotation_delta lands on the step
        for note in notes:
            if not isinstance(note, dict):
                continue
            url = note.get("url") or note.get("document_uri") or note.get("source")
            label = note.get("title") or note.get("name") or note.get("file_name") or url
            key = str(url or label)
            if label and key not in seen:
                seen[key] = (str(label), url if isinstance(url, str) and "://" in url else None)
    return list(seen.values())


def _listed_in_answer(steps: list[dict[str, Any]], found: list[tuple[str, str | None]]) -> bool:
    """True when the answer already lists every cited link itself (a research report's own
    Sources section): a second list under it would only repeat it."""
    urls = [url for _, url in found]
    if not urls or None in urls:
        return False
    text = " ".join(
        str(item.get("text") or "")
        for step in steps
        if step.get("type") == "model_output"
        for item in step.get("content") or []
        if isinstance(item, dict)
    )
    return all(url in text for url in urls)


def citations_markdown(steps: list[dict[str, Any]]) -> str:
    found = citations(steps)
    if not found or _listed_in_answer(steps, found):
        return ""
    lines = [f"{i}. [{label}]({url})" if url else f"{i}. {label}" for i, (label, url) in enumerate(found, 1)]
    return "**Sources**\n\n" + "\n".join(lines)


def citations_plain(steps: list[dict[str, Any]]) -> str:
    found = citations(steps)
    if not found or _listed_in_answer(steps, found):
        return ""
    return "Sources: " + " ".join(f"[{i}] {url or label}" for i, (label, url) in enumerate(found, 1))


__all__ = [
    "blocks",
    "citations",
    "citations_markdown",
    "citations_plain",
    "is_tool_step",
    "pairs",
    "tool_markdown",
    "tool_plain",
    "trace_markdown",
    "trace_plain",
]
