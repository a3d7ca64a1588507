"""Values people say one way and functions want another: dates, colours, numbers with units.

A model passes "March 5th 2025" to a ``date`` parameter as ``2025-03-05``, "sky blue" to a
``hex_color`` as ``#87CEEB`` and "72°F" to ``temperature_celsius`` as 22.2. These readers
do that for the function-calling planner (:mod:`.functions`). Relative dates ("tomorrow",
"next Friday") are resolved against ``today``, which callers pass in (the planner uses the
UTC date, the one input here that is not in the request).
"""

from __future__ import annotations

import datetime as dt
import re

from .vocab import MONTHS, NUMBER_WORDS, WEEKDAYS

COLORS = {
    "black": "#000000",
    "white": "#FFFFFF",
    "red": "#FF0000",
    "green": "#008000",
    "lime": "#00FF00",
    "blue": "#0000FF",
    "yellow": "#FFFF00",
    "cyan": "#00FFFF",
    "aqua": "#00FFFF",
    "magenta": "#FF00FF",
    "fuchsia": "#FF00FF",
    "silver": "#C0C0C0",
    "gray": "#808080",
    "grey": "#808080",
    "maroon": "#800000",
    "olive": "#808000",
    "purple": "#800080",
    "teal": "#008080",
    "navy": "#000080",
    "orange": "#FFA500",
    "pink": "#FFC0CB",
    "brown": "#A52A2A",
    "gold": "#FFD700",
    "beige": "#F5F5DC",
    "coral": "#FF7F50",
    "crimson": "#DC143C",
    "indigo": "#4B0082",
    "violet": "#EE82EE",
    "lavender": "#E6E6FA",
    "turquoise": "#40E0D0",
    "salmon": "#FA8072",
    "khaki": "#F0E68C",
    "ivory": "#FFFFF0",
    "mint": "#98FF98",
    "tan": "#D2B48C",
    "chocolate": "#D2691E",
    "tomato": "#FF6347",
    "sky blue": "#87CEEB",
    "light blue": "#ADD8E6",
    "dark blue": "#00008B",
    "royal blue": "#4169E1",
    "dark green": "#006400",
    "light green": "#90EE90",
    "forest green": "#228B22",
    "dark red": "#8B0000",
    "light gray": "#D3D3D3",
    "light grey": "#D3D3D3",
    "dark gray": "#A9A9A9",
    "dark grey": "#A9A9A9",
    "hot pink": "#FF69B4",
    "sea green": "#2E8B57",
    "steel blue": "#4682B4",
}
_COLOR_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, COLORS), key=len, reverse=True)) + r")\b", re.I
)
_HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_MONTH = {m.lower(): i for i, m in enumerate(MONTHS, 1)} | {m[:3].lower(): i for i, m in enumerate(MONTHS, 1)}
_MON_RE = r"(" + "|".join(sorted(_MONTH, key=len, reverse=True)) + r")\.?"
_DAY_RE = r"(\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAY = {d.lower(): i for i, d in enumerate(WEEKDAYS)}


def colors(text: str) -> list[str]:
    """Hex codes (``#RRGGBB``, upper case) of the colours ``text`` names or writes, in order."""
    found: list[tuple[int, str]] = []
    for m in _HEX_RE.finditer(text):
        code = m.group(0)[1:]
        if len(code) == 3:
            code = "".join(c * 2 for c in code)
        found.append((m.start(), "#" + code.upper()))
    for m in _COLOR_RE.finditer(text):
        found.append((m.start(), COLORS[m.group(1).lower()]))
    return [c for _, c in sorted(found)]


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def dates(text: str, today: dt.date) -> list[str]:
    """ISO dates (``YYYY-MM-DD``) written in ``text``, in order.

    Reads ISO, ``YYYY/MM/DD``, ``DD.MM.YYYY``, US ``MM/DD/YYYY``, "March 5th(, 2025)",
    "5 March (2025)", "today", "tomorrow", "yesterday", "in N days/weeks" and "(next) Friday".
    A day and month without a year means the next such date from ``today``.
    """
    found: list[tuple[int, dt.date]] = []

    def add(pos: int, day: dt.date | None) -> None:
        if day is not None and all(abs(p - pos) > 2 for p, _ in found):
            found.append((pos, day))

    def upcoming(m: int, d: int) -> dt.date | None:
        day = _date(today.year, m, d)
        if day is not None and day < today:
            day = _date(today.year + 1, m, d)
        return day

    for m in re.finditer(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b", text):
        add(m.start(), _date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in re.finditer(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", text):
        add(m.start(), _date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in re.finditer(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text):
        add(m.start(), _date(int(m.group(3)), int(m.group(1)), int(m.group(2))))
    for m in re.finditer(rf"\b{_MON_RE}\s+{_DAY_RE}\b(?:,?\s+(\d{{4}}))?", text, re.I):
        month, day = _MONTH[m.group(1).lower()], int(m.group(2))
        add(m.start(), _date(int(m.group(3)), month, day) if m.group(3) else upcoming(month, day))
    for m in re.finditer(rf"\b{_DAY_RE}\s+(?:of\s+)?{_MON_RE}\b(?:,?\s+(\d{{4}}))?", text, re.I):
        day, month = int(m.group(1)), _MONTH[m.group(2).lower()]
        add(m.start(), _date(int(m.group(3)), month, day) if m.group(3) else upcoming(month, day))
    for word, delta in (
        ("today", 0),
        ("tonight", 0),
        ("tomorrow", 1),
        ("yesterday", -1),
        ("day after tomorrow", 2),
    ):
        for m in re.finditer(rf"\b{word}\b", text, re.I):
            add(m.start(), today + dt.timedelta(days=delta))
    for m in re.finditer(r"\bin\s+(\d+|\w+)\s+(day|week)s?\b", text, re.I):
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS.get(m.group(1).lower())
        if n is not None:
            add(m.start(), today + dt.timedelta(days=n * (7 if m.group(2).lower() == "week" else 1)))
    for m in re.finditer(r"\b(next\s+|this\s+|on\s+)?(" + "|".join(_WEEKDAY) + r")\b", text, re.I):
        ahead = (_WEEKDAY[m.group(2).lower()] - today.weekday()) % 7
        if ahead == 0 or (m.group(1) or "").strip().lower() == "next" and ahead < 1:
            ahead += 7
        add(m.start(), today + dt.timedelta(days=ahead))
    return [d.isoformat() for _, d in sorted(found)]


def _num(text: str) -> float | None:
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return float(text)
    return float(NUMBER_WORDS[text.lower()]) if text.lower() in NUMBER_WORDS else None


_UNITS = {
    "c": ("temp", "c"),
    "°c": ("temp", "c"),
    "celsius": ("temp", "c"),
    "degrees celsius": ("temp", "c"),
    "f": ("temp", "f"),
    "°f": ("temp", "f"),
    "fahrenheit": ("temp", "f"),
    "degrees fahrenheit": ("temp", "f"),
    "km": ("len", "km"),
    "kilometers": ("len", "km"),
    "kilometres": ("len", "km"),
    "mi": ("len", "mi"),
    "miles": ("len", "mi"),
    "mile": ("len", "mi"),
    "kg": ("mass", "kg"),
    "kilograms": ("mass", "kg"),
    "lb": ("mass", "lb"),
    "lbs": ("mass", "lb"),
    "pounds": ("mass", "lb"),
    "%": ("pct", "%"),
    "percent": ("pct", "%"),
    "minutes": ("dur", "min"),
    "min": ("dur", "min"),
    "mins": ("dur", "min"),
    "hours": ("dur", "h"),
    "hour": ("dur", "h"),
    "h": ("dur", "h"),
    "seconds": ("dur", "s"),
    "secs": ("dur", "s"),
    "s": ("dur", "s"),
}
_QTY_RE = re.compile(
    r"(-?\d+(?:\.\d+)?|\b(?:"
    + "|".join(NUMBER_WORDS)
    + r"))\s*("
    + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
    + r")(?![\w°])",
    re.I,
)


def quantities(text: str) -> list[tuple[int, float, str, str]]:
    """(offset, number, kind, unit) of numbers written with a unit ("72°F", "5 km", "ten minutes")."""
    out = []
    for m in _QTY_RE.finditer(text):
        value = _num(m.group(1))
        if value is not None:
            kind, unit = _UNITS[m.group(2).lower()]
            out.append((m.start(), value, kind, unit))
    return out


def convert(value: float, unit: str, wanted: str) -> float:
    """``value`` from ``unit`` into ``wanted`` (same kind); rounded to 1 decimal."""
    if unit == wanted:
        return value
    table = {
        ("f", "c"): lambda v: (v - 32) * 5 / 9,
        ("c", "f"): lambda v: v * 9 / 5 + 32,
        ("mi", "km"): lambda v: v * 1.609344,
        ("km", "mi"): lambda v: v / 1.609344,
        ("lb", "kg"): lambda v: v * 0.45359237,
        ("kg", "lb"): lambda v: v / 0.45359237,
        ("h", "min"): lambda v: v * 60,
        ("min", "h"): lambda v: v / 60,
        ("s", "min"): lambda v: v / 60,
        ("min", "s"): lambda v: v * 60,
        ("h", "s"): lambda v: v * 3600,
        ("s", "h"): lambda v: v / 3600,
    }
    fn = table.get((unit, wanted))
    return round(fn(value), 1) if fn else value


def wanted_unit(key: str, description: str) -> str | None:
    """The unit a parameter asks for in its name or description, e.g. ``temp_f`` -> 'f'."""
    words = re.findall(r"[a-z°%]+", f"{key} {description}".lower().replace("_", " "))
    for w in words:
        if w in ("celsius", "°c") or w == "c" and "temp" in key.lower():
            return "c"
        if w in ("fahrenheit", "°f") or w == "f" and "temp" in key.lower():
            return "f"
        if w in ("km", "kilometers", "kilometres"):
            return "km"
        if w in ("miles", "mi"):
            return "mi"
        if w in ("kg", "kilograms"):
            return "kg"
        if w in ("lb", "lbs", "pounds"):
            return "lb"
        if w in ("minutes", "mins", "min"):
            return "min"
        if w in ("seconds", "secs"):
            return "s"
        if w in ("hours",):
            return "h"
    return None
