"""Questions about a table pasted into the prompt: which row is highest/lowest, totals, means.

Notebook users interpolate DataFrames into prompts (``{{df}}`` renders as pandas' text
table), so "Which of these cities is warmest?" should be answered from the numbers, not with
a generic paragraph. Understands pandas ``to_string`` output, markdown pipe tables and CSV.
"""

from __future__ import annotations

import re

MAX_WORDS = {
    "warmest",
    "hottest",
    "largest",
    "biggest",
    "highest",
    "most",
    "maximum",
    "greatest",
    "longest",
    "tallest",
    "richest",
    "oldest",
    "heaviest",
    "fastest",
    "best",
    "top",
    "wettest",
    "busiest",
    "max",
}
MIN_WORDS = {
    "coldest",
    "coolest",
    "smallest",
    "lowest",
    "least",
    "fewest",
    "minimum",
    "shortest",
    "cheapest",
    "youngest",
    "lightest",
    "slowest",
    "worst",
    "driest",
    "min",
}
HINTS = {
    "warmest": ("temp", "high", "warm", "hot", "c", "f"),
    "hottest": ("temp", "high", "hot"),
    "coldest": ("temp", "low", "cold"),
    "coolest": ("temp", "low", "cold"),
    "cheapest": ("price", "cost"),
    "richest": ("income", "gdp", "wealth"),
    "oldest": ("age", "year", "founded"),
    "youngest": ("age", "year"),
    "tallest": ("height",),
    "heaviest": ("weight", "mass"),
    "longest": ("length",),
}


def _number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").replace("$", "").replace("%", "").replace("€", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _split(line: str) -> list[str]:
    if "|" in line:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    if line.count(",") >= 1 and not re.search(r"\s{2,}", line.strip()):
        return [c.strip() for c in line.split(",")]
    cells = re.split(r"\s{2,}", line.strip())
    return cells if len(cells) > 1 else line.split()


def parse_table(text: str) -> tuple[list[str], list[list[str]], str] | None:
    """The first table in ``text``: (header, rows, the text around it), or None."""
    lines = [ln for ln in text.splitlines()]
    for start, line in enumerate(lines):
        header = _split(line)
        if len(header) < 2 or any(_number(h) is not None for h in header if h):
            continue
        rows = []
        end = start + 1
        for end in range(start + 1, len(lines) + 1):
            if end == len(lines):
                break
            row_line = lines[end]
            if re.fullmatch(r"\s*\|?[\s:\-|]+\|?\s*", row_line) and "-" in row_line:
                continue  # markdown separator
            cells = _split(row_line)
            if len(cells) == len(header) + 1 and re.fullmatch(r"-?\d+", cells[0]):
                cells = cells[1:]  # pandas index
            if len(cells) != len(header):
                break
            rows.append(cells)
        if len(rows) >= 2:
            return header, rows, "\n".join(lines[:start] + lines[end:])
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


def answer(prompt: str) -> str | None:
    """An answer computed from the prompt's table, or None if the question is not about one."""
    table = parse_table(prompt)
    if table is None:
        return None
    header, rows, question = table
    words = set(re.findall(r"[a-z]+", question.lower()))
    numeric = [i for i in range(len(header)) if all(_number(r[i]) is not None for r in rows)]
    labels = [i for i in range(len(header)) if i not in numeric]
    if not numeric:
        return None
    label = labels[0] if labels else None

    def name(row: list[str]) -> str:
        return row[label] if label is not None else f"row {rows.index(row) + 1}"

    def column(keys: set[str]) -> int:
        for i in numeric:
            parts = set(re.split(r"[_\s\-()]+", header[i].lower()))
            if parts & keys:
                return i
        return numeric[0]

    hint_words = set(words)
    for word in words:
        hint_words.update(HINTS.get(word, ()))
    col = column(hint_words)
    values = [(_number(r[col]), r) for r in rows]
    superlative_max = words & MAX_WORDS
    superlative_min = words & MIN_WORDS
    if superlative_max or superlative_min:
        reverse = bool(superlative_max) and not (superlative_min and not superlative_max)
        word = sorted(superlative_max or superlative_min)[0]
        ranked = sorted(values, key=lambda v: v[0], reverse=reverse)
        best_value, best = ranked[0]
        ranking = ", ".join(f"{name(r)} ({_fmt(v)})" for v, r in ranked)
        return (
            f"**{name(best)}** is the {word}, with {header[col]} = {_fmt(best_value)}.\n\n"
            f"Ranked by {header[col]}: {ranking}."
        )
    if words & {"average", "mean", "avg"}:
        mean = sum(v for v, _ in values) / len(values)
        return f"The average {header[col]} across the {len(rows)} rows is {_fmt(round(mean, 4))}."
    if words & {"total", "sum", "altogether", "combined"}:
        return f"The total {header[col]} across the {len(rows)} rows is {_fmt(sum(v for v, _ in values))}."
    if re.search(r"\bhow many (rows|entries|items|records)\b", question.lower()):
        return f"The table has {len(rows)} rows and {len(header)} columns ({', '.join(header)})."
    return None
