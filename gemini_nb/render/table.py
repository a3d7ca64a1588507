"""The mime bundle of a ``--schema`` result: its typed table plus the usual footer.

Why here and not in :mod:`gemini_nb.structured`: the result renders itself through this package,
and nothing in ``render`` imports the result or the engine back. It reads only the duck-typed
``result.structured`` (``ok``, ``df``, ``error``, ``schema.name``). A failed validation shows its
one line above the raw answer, which stays visible.
"""

from __future__ import annotations

import html
from typing import Any

from .bundle import result_bundle
from .markdown import BADGE_TEXT, footer, usage_line

MAX_ROWS = 60
MAX_COLS = 30


def table_text(result: Any) -> str:
    """The table alone as text (a terminal prints it after the streamed JSON), or the one-line
    validation error."""
    answer = result.structured
    if not answer.ok:
        return f"[Schema check failed. {answer.error}]"
    return answer.df.to_string(max_rows=MAX_ROWS, max_cols=MAX_COLS)


def table_bundle(result: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    answer = result.structured
    data, metadata = result_bundle(result)
    if answer.ok:
        df = answer.df
        badge = f"<code>{BADGE_TEXT}</code> · " if result.emulated else ""
        data = {
            "text/html": df.to_html(max_rows=MAX_ROWS, max_cols=MAX_COLS)
            + f"<sub>{badge}{html.escape(usage_line(result))}</sub>",
            "text/plain": df.to_string(max_rows=MAX_ROWS, max_cols=MAX_COLS) + "\n" + footer(result, "plain"),
        }
    else:
        warn = f"Schema check failed. {answer.error}"
        data = dict(data)
        if "text/markdown" in data:
            data["text/markdown"] = f"> **{html.escape(warn)}**\n\n" + data["text/markdown"]
        data["text/plain"] = f"[{warn}]\n" + data["text/plain"]
    metadata["gemini_nb"]["schema"] = answer.schema.name
    return data, metadata


__all__ = ["table_bundle", "table_text"]
