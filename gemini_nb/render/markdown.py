"""The one renderer: an ``InteractionResult`` (or a live snapshot) -> markdown + plain text.

Markdown is the rich form (JupyterLab, VS Code, ``nbconvert --to markdown`` all keep it); the
``text/plain`` twin must read well in terminal IPython, so it never contains HTML. Thoughts go
in a collapsible ``<details>`` block, tools as compact traces, media as data URIs, and every
output ends with a small footer: model, tokens in/out/thought, latency, id, and the
"emulated" badge when the answer did not come from Google.
"""

from __future__ import annotations

import json
from typing import Any

from . import media as _media
from . import trace as _trace

BADGE_MD = "`emulated`"
BADGE_TEXT = "[emulated]"


def _short_json(value: Any, limit: int = 300) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _truncate(text: str, limit: int | None) -> tuple[str, bool]:
    if limit and len(text) > limit:
        return text[:limit], True
    return text, False


def usage_line(result: Any) -> str:
    """``model · 12 in / 40 out / 5 thought tokens · 0.31 s · id`` (no badge, no markup)."""
    bits = []
    if result.model:
        bits.append(result.model)
    u = result.usage
    bits.append(f"{u.input_tokens} in / {u.output_tokens} out / {u.thought_tokens} thought tokens")
    if result.latency is not None:
        bits.append(f"{result.latency:.2f} s")
    if result.id:
        bits.append(result.id)
    return " · ".join(bits)


def footer(result: Any, markup: str = "markdown") -> str:
    """The one footer of every output: badge, model, tokens, latency, id.

    ``markdown``: ``<sub>`emulated` · model · ...</sub>``; ``plain``: ``— [emulated] model · ...``
    (terminal IPython, ``text/plain``, and the line printed after a terminal stream).
    """
    if markup == "plain":
        return "— " + (BADGE_TEXT + " " if result.emulated else "") + usage_line(result)
    return f"<sub>{BADGE_MD + ' · ' if result.emulated else ''}{usage_line(result)}</sub>"


def echo_epilogue(result: Any) -> list[str]:
    """What follows an answer already echoed to a terminal: media and calls it cannot show
    inline, a non-final status, then the footer (the text itself is not repeated)."""
    lines = []
    if result.images or result.audio:
        lines.append(
            f"[{len(result.images)} image(s), {len(result.audio)} audio part(s): see _.images / _.audio]"
        )
    lines.extend(_trace.trace_plain(result.steps, getattr(result, "tool_runs", None)))
    if result.status not in ("completed", None):
        lines.append(f"[status: {result.status}]")
    lines.append(footer(result, "plain"))
    return lines


def _status_note(result: Any) -> str | None:
    if result.status == "interrupted":
        head = "; the chain head did not move" if getattr(result, "keeps_chain", True) else ""
        return f"interrupted: partial answer kept{head}"
    if result.status == "error":
        return f"failed: {result.error}" if result.error else "failed: partial answer kept"
    if result.status not in ("completed", None):
        note = getattr(result, "tool_note", None)
        pending = (
            sum(1 for s in result.steps if s.get("type") == "function_call")
            if result.status == "requires_action"
            else 0
        )
        extra = f"; {note}" if note else (" (pending calls: answer with .reply({...}))" if pending else "")
        return f"status: {result.status}{extra}"
    return None


def _tool_md(step: dict[str, Any]) -> str:
    kind = step.get("type", "")
    if kind == "function_call":
        return f"**→ call** `{step.get('name')}({_short_json(step.get('arguments') or {})})`"
    if kind == "function_result":
        name = step.get("name") or step.get("call_id")
        return f"**← result** `{name}`: `{_short_json(step.get('result'))}`"
    payload = {k: v for k, v in step.items() if k not in ("type", "signature")}
    return (
        f"<details><summary>tool: {kind}</summary>\n\n```json\n"
        f"{json.dumps(payload, indent=1, ensure_ascii=False, default=str)[:4000]}\n```\n\n</details>"
    )


def _tool_text(step: dict[str, Any]) -> str:
    kind = step.get("type", "")
    if kind == "function_call":
        return f"→ call {step.get('name')}({_short_json(step.get('arguments') or {})})"
    if kind == "function_result":
        return f"← result {step.get('name') or step.get('call_id')}: {_short_json(step.get('result'))}"
    payload = {k: v for k, v in step.items() if k not in ("type", "signature")}
    return f"[tool {kind}] {_short_json(payload, 200)}"


def _media_md(item: dict[str, Any]) -> str:
    data = _media.decode_b64(item.get("data"))
    caption = _media.media_caption(item.get("mime_type"), data, item.get("sample_rate")) if data else ""
    caption = f"\n\n<sub>{caption}</sub>" if caption else ""
    if item.get("type") == "image":
        return _media.image_tag(item.get("mime_type"), data, item.get("uri")) + caption
    if item.get("type") == "audio":
        tag = _media.audio_tag(item.get("mime_type"), data, item.get("uri"), item.get("sample_rate"))
        return tag + caption
    return f"[{item.get('type')}: {item.get('mime_type') or ''} {item.get('uri') or ''}]"


def _media_text(item: dict[str, Any]) -> str:
    data = _media.decode_b64(item.get("data"))
    if data and item.get("type") in ("image", "audio"):
        caption = _media.media_caption(item.get("mime_type"), data, item.get("sample_rate"))
        return f"[{item.get('type')} {caption}]"
    size = f"{len(data)} bytes" if data else (item.get("uri") or "")
    return f"[{item.get('type')} {item.get('mime_type') or ''} {size}]".replace("  ", " ")


def _thoughts_md(thoughts: list[str], open_: bool = False) -> str:
    body = "\n\n".join(thoughts)
    return f"<details{' open' if open_ else ''}><summary>Thoughts</summary>\n\n{body}\n\n</details>"


def render_markdown(result: Any) -> str:
    parts: list[str] = []
    note = _status_note(result)
    if result.show_thoughts and result.thoughts:
        parts.append(_thoughts_md(result.thoughts))
    budget = result.max_chars or None  # None: no limit
    tools = _trace.blocks(result.steps, getattr(result, "tool_runs", None))
    for index, step in enumerate(result.steps):
        kind = step.get("type")
        if kind == "model_output":
            for item in step.get("content") or []:
                if item.get("type") == "text":
                    text, cut = item.get("text") or "", False
                    if budget is not None:
                        cut = len(text) > budget
                        text, budget = text[:budget], max(budget - len(text), 0)
                    if text or cut:
                        parts.append(text + ("\n\n*… truncated (full text in `.text`)*" if cut else ""))
                else:
                    parts.append(_media_md(item))
        elif kind in ("thought", "user_input"):
            continue
        elif index in tools:
            parts.append(tools[index])
        elif not _trace.is_tool_step(step):
            parts.append(_tool_md(step))
    parts.append(_trace.citations_markdown(result.steps))
    if note:
        parts.append(f"> **{note}**")
    parts.append(footer(result, "markdown"))
    return "\n\n".join(p for p in parts if p)


def render_plain(result: Any) -> str:
    lines: list[str] = []
    if result.show_thoughts and result.thoughts:
        lines.append("[thoughts] " + "\n".join(result.thoughts).replace("\n", "\n  "))
    out: list[str] = []
    tools = _trace.blocks(result.steps, getattr(result, "tool_runs", None), "plain")
    for index, step in enumerate(result.steps):
        kind = step.get("type")
        if kind == "model_output":
            for item in step.get("content") or []:
                if item.get("type") == "text":
                    out.append(item.get("text") or "")
                else:
                    out.append("\n" + _media_text(item) + "\n")
        elif index in tools:
            out.append("\n" + tools[index] + "\n")
        elif kind not in ("thought", "user_input") and not _trace.is_tool_step(step):
            out.append("\n" + _tool_text(step) + "\n")
    text, cut = _truncate("".join(out).strip("\n"), result.max_chars)
    if text:
        lines.append(text + (" … [truncated]" if cut else ""))
    sources = _trace.citations_plain(result.steps)
    if sources:
        lines.append(sources)
    note = _status_note(result)
    if note:
        lines.append(f"[{note}]")
    lines.append(footer(result, "plain"))
    return "\n".join(lines)


def render_raw(result: Any) -> str:
    return result.text


def live_markdown(
    thoughts: str,
    text: str,
    emulated: bool,
    *,
    cut: bool = False,
    thoughts_open: bool = True,
    trace: str = "",
) -> str:
    """The streaming preview from bounded pieces: the thoughts' tail, the tool trace so far,
    then the answer's tail (``cut``: earlier text is not shown; the final display has all of it)."""
    parts = []
    if thoughts:
        parts.append(_thoughts_md([thoughts], open_=thoughts_open))
    if trace:
        parts.append(trace)
    parts.append(("… " if cut else "") + text + " ▌")
    parts.append(f"<sub>{BADGE_MD + ' · ' if emulated else ''}streaming…</sub>")
    return "\n\n".join(parts)


def live_plain(thoughts: str, text: str, *, cut: bool = False, trace: str = "") -> str:
    """The preview's ``text/plain`` twin (already bounded by the caller)."""
    lead = f"[thinking] {thoughts}\n" if thoughts and not text else ""
    return lead + (trace + "\n" if trace else "") + ("…" if cut else "") + text + " ▌"
