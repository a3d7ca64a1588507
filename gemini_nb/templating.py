"""``{{name}}`` / ``{{expr}}`` prompt templating from the user namespace.

Only *double* braces are placeholders, so prompts full of code and JSON (single braces) pass
through untouched, unlike ``str.format``-based magics. ``{{{{`` and ``}}}}`` are not special;
to send a literal ``{{`` use ``--no-interpolate``. DataFrames become a compact text table so a
prompt can carry data without a wall of HTML.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

PLACEHOLDER = re.compile(r"\{\{(.+?)\}\}", re.S)
MAX_ROWS = 30
MAX_CHARS = 20_000


class TemplateError(Exception):
    """A placeholder could not be filled; the message names it and is one line."""


def format_value(value: Any) -> str:
    """str() for most values; a compact table for DataFrames and Series."""
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    if module.startswith("pandas") and cls.__name__ in ("DataFrame", "Series"):
        rows = len(value)
        shown = value.head(MAX_ROWS) if rows > MAX_ROWS else value
        text = shown.to_string(max_colwidth=60)
        if rows > MAX_ROWS:
            text += f"\n... ({rows} rows in total, first {MAX_ROWS} shown)"
        return text
    text = str(value)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + f"... ({len(text)} characters in total)"
    return text


def render(template: str, namespace: Mapping[str, Any]) -> str:
    """Fill every ``{{...}}``: a bare name is looked up, anything else is evaluated."""

    def fill(match: re.Match) -> str:
        expr = match.group(1).strip()
        if not expr:
            raise TemplateError("empty placeholder {{}} in the prompt (use --no-interpolate for literal braces)")
        if expr.isidentifier():
            if expr in namespace:
                return format_value(namespace[expr])
            import builtins

            if hasattr(builtins, expr):
                return format_value(getattr(builtins, expr))
            raise TemplateError(f"name '{expr}' is not defined (used as {{{{{expr}}}}} in the prompt; "
                                "--no-interpolate sends it literally)")
        try:
            value = eval(compile(expr, "<prompt>", "eval"), dict(namespace))  # noqa: S307 - user's own code
        except NameError as exc:
            raise TemplateError(f"{exc} (in {{{{{expr}}}}} in the prompt)") from None
        except SyntaxError:
            raise TemplateError(f"{{{{{expr}}}}} in the prompt is not a valid Python expression "
                                "(--no-interpolate sends it literally)") from None
        except Exception as exc:  # the user's expression failed
            raise TemplateError(f"{{{{{expr}}}}} failed: {type(exc).__name__}: {exc}") from None
        return format_value(value)

    return PLACEHOLDER.sub(fill, template)
