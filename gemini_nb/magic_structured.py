"""The cell side of ``--schema`` and ``--map``: names resolved in the user namespace, ``{{column}}``
filled per row, the result assigned and shown.

Why apart from :mod:`gemini_nb.magic_turn`: a map is not a turn (no chain, no live view, a
DataFrame out), and ``--schema X`` must look ``X`` up in the namespace before anything is built.
Every mistake is one ``UsageError`` line and nothing is sent.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from .errors import redact
from .options import Parsed


def resolve_schema(shell: Any, opts: Any) -> None:
    """``opts.schema`` (the text after ``--schema``) -> a :class:`~gemini_nb.schemas.Schema`."""
    if opts.schema is None:
        return
    from .schemas import SchemaError, resolve

    try:
        opts.schema = resolve(opts.schema, many=opts.many, namespace=shell.user_ns)
    except SchemaError as exc:
        raise UsageError(redact(str(exc))) from None
    opts.many = False  # the Schema already asks for the list


def run_map(shell: Any, session: Any, prompt: str, parsed: Parsed, interpolate: bool) -> Any:
    """``%%gemini --map DF``: the cell's prompt once per row; returns (and ``-o``) the DataFrame."""
    from .errors import GeminiError
    from .mapping import MapError, map_rows

    if not prompt.strip():
        raise UsageError("empty prompt: write it in the cell body (use {{column}} for the row's values)")
    try:
        frame = eval(compile(parsed.map, "<--map>", "eval"), shell.user_ns)  # noqa: S307 - a name, checked
    except Exception as exc:
        raise UsageError(f"--map {parsed.map}: {type(exc).__name__}: {exc}") from None
    if not (hasattr(frame, "itertuples") and hasattr(frame, "columns")):
        raise UsageError(f"--map needs a pandas DataFrame; {parsed.map} is a {type(frame).__name__}")
    opts = parsed.turn
    options = dict(
        system=opts.system,
        thinking=opts.thinking,
        thoughts=opts.thoughts,
        temperature=opts.temperature,
        max_tokens=opts.max_tokens,
        store=opts.store,
    )
    options = {k: v for k, v in options.items() if v is not None}
    try:
        session.backend()
        for notice in session.pop_notices():
            print(notice)
        out = map_rows(
            frame,
            prompt,
            schema=opts.schema,
            concurrency=parsed.concurrency or 16,
            model=opts.model,
            progress=not opts.quiet,
            namespace=shell.user_ns,
            interpolate=interpolate,
            session=session,
            **options,
        )
    except (MapError, GeminiError) as exc:
        raise UsageError(redact(str(exc))) from None
    if parsed.out:
        shell.user_ns[parsed.out] = out
    return None if opts.quiet else out
