"""Let ``%gemini What is my name?`` be a prompt, not an IPython help request.

IPython reads a line ending in ``?`` as "show help" before any magic runs. This cleanup
transformer (it runs before IPython's help transformer) turns ``%gemini <text>?`` into an
explicit ``run_line_magic`` call. ``%gemini?`` and ``%gemini??`` alone still show the help.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"^(?P<indent>\s*)%gemini(?P<body>\s+\S.*?\?)\s*$")


def protect_question_mark(lines: list[str]) -> list[str]:
    """An ``input_transformers_cleanup`` hook: rewrite single-line ``%gemini ...?`` cells."""
    out = []
    for line in lines:
        match = _LINE.match(line.rstrip("\n"))
        if match is None:
            out.append(line)
            continue
        newline = "\n" if line.endswith("\n") else ""
        out.append(
            f"{match['indent']}get_ipython().run_line_magic('gemini', {match['body'].strip()!r}){newline}"
        )
    return out
