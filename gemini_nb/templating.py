"""``{{name}}`` / ``{{expr}}`` prompt templating from the user namespace.

Only *double* braces are placeholders, so prompts full of code and JSON (single braces) pass
through untouched, unlike ``str.format``-based magics. ``{{{{`` and ``}}}}`` are not special and
an empty ``{{}}`` is literal text; to send other literal ``{{...}}`` use ``--no-interpolate``. An
expression may end in braces (``{{ {'a': 1} }}``): the placeholder is the shortest one that
compiles. DataFrames and Series become a compact text table (first 30 rows, 20 columns) so a
prompt can carry data without a wall of HTML.

Media values (a PIL image, a matplotlib Figure, bytes with a known type, a ``Path``, an image
array, an IPython ``Image``/``Audio``/``Video``; see :func:`gemini_nb.media_in.to_blob`) are not
text: :func:`render_parts` puts each one *at its position* in a list of parts (text, image,
text...), which the turn sends as content parts. :func:`render` keeps the text-only contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_ROWS = 30
MAX_COLS = 20
MAX_CHARS = 20_000
MAX_CLOSERS = 16
"""How many ``}}`` a placeholder may try as its end (``{{ {'a': {'b': 1}} }}`` needs 2)."""
MAX_EXPR_CHARS = 2_000
"""The longest ``{{expression}}``; longer text between braces is not a placeholder."""


class TemplateError(Exception):
    """A placeholder could not be filled; the message names it and is one line."""


def format_value(value: Any) -> str:
    """str() for most values; a compact table for DataFrames and Series."""
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    if module.startswith("pandas") and cls.__name__ in ("DataFrame", "Series"):
        rows = len(value)
        shown = value.head(MAX_ROWS) if rows > MAX_ROWS else value
        if cls.__name__ == "DataFrame":
            text = shown.to_string(max_colwidth=60, max_cols=MAX_COLS)
        else:  # Series.to_string has no max_colwidth
            text = shown.to_string()
        if rows > MAX_ROWS:
            text += f"\n... ({rows} rows in total, first {MAX_ROWS} shown)"
        return text
    text = str(value)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + f"... ({len(text)} characters in total)"
    return text


def _placeholders(template: str):
    """(start, end, expression) for each ``{{...}}``. An expression may itself end in braces
    (``{{ {'a': {'b': 1}} }}``): the following ``}}`` are tried in turn until the text compiles,
    at most :data:`MAX_CLOSERS` of them and none past :data:`MAX_EXPR_CHARS`, so a long prompt
    full of braces costs time linear in its length (each ``}}`` is a candidate for a bounded
    number of placeholders), never quadratic."""
    pos = 0
    while True:
        start = template.find("{{", pos)
        if start < 0:
            return
        if template.startswith("}}", start + 2):  # "{{}}" is literal text, not a placeholder
            pos = start + 4
            continue
        first = end = template.find("}}", start + 2)
        if end < 0:
            return
        for _ in range(MAX_CLOSERS):
            if end < 0 or end - start > MAX_EXPR_CHARS:
                end = -1
                break
            try:
                compile(template[start + 2 : end].strip(), "<prompt>", "eval")
                break
            except Exception:  # SyntaxError; ValueError/RecursionError/MemoryError on odd input
                end = template.find("}}", end + 1)
        else:
            end = -1
        if end < 0:
            end = first  # nothing compiles: report the shortest placeholder
        yield start, end + 2, template[start + 2 : end]
        pos = end + 2


def render(template: str, namespace: Mapping[str, Any]) -> str:
    """Fill every ``{{...}}``: a bare name is looked up, anything else is evaluated."""
    out: list[str] = []
    pos = 0
    for start, end, expr in _placeholders(template):
        out.append(template[pos:start])
        out.append(_fill(expr, namespace))  # text only: media values are str()-ed here
        pos = end
    out.append(template[pos:])
    return "".join(out)


def render_parts(template: str, namespace: Mapping[str, Any], *, rate: int | None = None) -> str | list[Any]:
    """Like :func:`render`, but a media value becomes a :class:`~gemini_nb.media_in.Blob` at its
    position: a list of text strings and Blobs when any placeholder is media, else the text."""
    out: list[Any] = []
    text: list[str] = []
    pos = 0
    media = False
    for start, end, expr in _placeholders(template):
        text.append(template[pos:start])
        value = _fill(expr, namespace, media=True, rate=rate)
        if isinstance(value, str):
            text.append(value)
        else:
            media = True
            out.extend(["".join(text), value])
            text = []
        pos = end
    text.append(template[pos:])
    if not media:
        return "".join(text)
    out.append("".join(text))
    return [item for item in out if not isinstance(item, str) or item]


def _fill(raw: str, namespace: Mapping[str, Any], *, media: bool = False, rate: int | None = None) -> Any:
    try:
        value = _fill_value(raw, namespace)
        if not media or isinstance(value, str):
            return format_value(value)
        from .media_in import to_blob

        blob = to_blob(value, rate=rate, label=f"{{{{{raw.strip()}}}}}")
        return format_value(value) if blob is None else blob
    except TemplateError:
        raise
    except Exception as exc:
        from .media_in import MediaError

        if isinstance(exc, MediaError):
            raise TemplateError(str(exc)) from None
        return _text_failed(raw, exc)
    except BaseException as exc:
        return _text_failed(raw, exc)


def _text_failed(raw: str, exc: BaseException) -> str:
    """Turning the value into text (or media) failed: a broken ``__str__``, Ctrl-C, ..."""
    expr = raw.strip()
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    raise TemplateError(
        f"{{{{{expr}}}}} could not be turned into text: {type(exc).__name__}: {detail}"
    ) from None


def _fill_value(raw: str, namespace: Mapping[str, Any]) -> Any:
    """The placeholder's value (not yet text)."""
    expr = raw.strip()
    if not expr:
        raise TemplateError("empty placeholder {{}} in the prompt (use --no-interpolate for literal braces)")
    if expr.isidentifier():
        if expr in namespace:
            return namespace[expr]
        import builtins

        if hasattr(builtins, expr):
            return getattr(builtins, expr)
        raise TemplateError(
            f"name '{expr}' is not defined (used as {{{{{expr}}}}} in the prompt; "
            "--no-interpolate sends it literally)"
        )
    try:
        value = eval(compile(expr, "<prompt>", "eval"), dict(namespace))  # noqa: S307 - user's own code
    except NameError as exc:
        raise TemplateError(f"{exc} (in {{{{{expr}}}}} in the prompt)") from None
    except SyntaxError:
        raise TemplateError(
            f"{{{{{expr}}}}} in the prompt is not a valid Python expression "
            "(--no-interpolate sends it literally)"
        ) from None
    except KeyboardInterrupt:
        raise TemplateError(f"{{{{{expr}}}}} was interrupted (KeyboardInterrupt); nothing was sent") from None
    except BaseException as exc:  # the user's expression failed (even SystemExit: one line, not an exit)
        detail = f": {str(exc).strip().splitlines()[0]}" if str(exc).strip() else ""
        raise TemplateError(f"{{{{{expr}}}}} failed: {type(exc).__name__}{detail}") from None
    return value


def prompt_items(
    prompt: Any, namespace: Mapping[str, Any] | None, rate: int | None
) -> tuple[str, list | None]:
    """``ask()``'s prompt: a string (``{{...}}`` filled from ``namespace`` when given) or a list of
    parts (strings and media values); -> (text form, parts or None)."""
    from .media_in import spec_blob

    if isinstance(prompt, (list, tuple)):
        items = [p if isinstance(p, (str, dict)) else spec_blob(p, rate=rate) for p in prompt]
        return "".join(p for p in items if isinstance(p, str)), items
    if not isinstance(prompt, str):
        blob = spec_blob(prompt, rate=rate)
        return "", [blob]
    if namespace is None:
        return prompt, None
    filled = render_parts(prompt, namespace, rate=rate)
    if isinstance(filled, str):
        return filled, None
    return "".join(p for p in filled if isinstance(p, str)), filled
