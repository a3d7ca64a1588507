"""Structured answers: validate the JSON a ``--schema`` turn returned, keep it, and make it a typed DataFrame.

Why its own module: this is the toolkit's headline (a question in, a typed table out) and it has
three jobs that every surface shares (the cell, ``ask()``, ``map()``):

* :func:`check` validates the answer with pydantic and, when it does not match, says so in
  **one line** naming each field and what was wrong; the raw JSON is always kept;
* :func:`column_kinds` + :func:`to_frame` give pandas columns real dtypes from the JSON Schema
  (``Int64``, ``float64``, ``boolean``, ``datetime64``, ``category`` for enums and Literals),
  nested objects flattened to dotted names, a list of objects as rows;
* :func:`validate_answer` is the turn engine's *finisher* (see :mod:`gemini_nb.turn`): a failed
  validation never raises, so the chain still records the turn and nothing is lost.

Display lives in :mod:`gemini_nb.render.table` (the result renders itself; render never imports
back).

pandas is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .schemas import Schema, as_schema

MAX_ERRORS = 3
"""Field errors named in the one-line message (the rest are counted)."""
INPUT_CHARS = 40


# -- validation ----------------------------------------------------------------------------------
def _where(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe_validation(exc: Any, name: str) -> str:
    """pydantic's ``ValidationError`` as one line: ``field: what was wrong (got ...)``."""
    errors = exc.errors(include_url=False)
    if errors and errors[0].get("type") == "json_invalid":
        return f"The answer is not valid JSON: {errors[0].get('msg', '').removeprefix('Invalid JSON: ')}"
    parts = []
    for err in errors[:MAX_ERRORS]:
        where = _where(err.get("loc") or ()) or "(the answer)"
        bit = f"{where}: {err.get('msg')}"
        if err.get("type") != "missing" and "input" in err:
            got = repr(err["input"])
            bit += f" (got {got[:INPUT_CHARS] + '...' if len(got) > INPUT_CHARS else got})"
        parts.append(bit)
    more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
    return f"The answer does not match {name}: {'; '.join(parts)}{more}"


class StructuredAnswer:
    """A structured answer: the raw JSON always; the validated ``data`` and ``df`` when it matched,
    else ``error`` (one line)."""

    def __init__(
        self, schema: Schema, raw_json: str, data: Any = None, jsonable: Any = None, error: str | None = None
    ):
        self.schema = schema
        self.raw_json = raw_json
        self.data = data
        self.jsonable = jsonable
        self.error = error
        self._df: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def df(self) -> Any:
        """The answer as a typed DataFrame (None when validation failed)."""
        if not self.ok:
            return None
        if self._df is None:
            kinds, _ = column_kinds(self.schema.json_schema)
            rows = isinstance(self.jsonable, list) and self.schema.many
            values = self.jsonable if rows else [self.jsonable]
            self._df = to_frame([flatten(v) for v in values], kinds)
        return self._df


def check(schema: Schema, text: str) -> StructuredAnswer:
    """Validate ``text`` against ``schema``; never raises for a bad answer."""
    from pydantic import ValidationError

    try:
        value = schema.adapter.validate_json(text)
    except ValidationError as exc:
        return StructuredAnswer(schema, text, error=describe_validation(exc, schema.name))
    jsonable = schema.adapter.dump_python(value, mode="json", by_alias=True)
    data = schema.adapter.dump_python(value, by_alias=True) if schema.plain else value
    return StructuredAnswer(schema, text, data=data, jsonable=jsonable)


def validate_answer(runner: Any, state: Any, result: Any) -> Any:
    """The finisher of a ``--schema`` turn (``(TurnRunner, TurnState, InteractionResult) -> result``):
    attach a :class:`StructuredAnswer`. Typed loosely: the engine imports this module, not back."""
    schema = as_schema(state.opts.schema, state.opts.many)
    if schema is not None and result.status == "completed":
        result.structured = check(schema, result.text)
    return result


# -- DataFrames ----------------------------------------------------------------------------------
def _deref(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with ``$ref`` resolved and ``Optional`` (anyOf X|null) unwrapped."""
    while isinstance(node, dict) and depth < 32:
        depth += 1
        if "$ref" in node:
            node = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
            continue
        options = node.get("anyOf") or node.get("oneOf")
        if options:
            real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if len(real) == 1:
                node = real[0]
                continue
            return {}
        kind = node.get("type")
        if isinstance(kind, list):
            real = [k for k in kind if k != "null"]
            return {**node, "type": real[0]} if len(real) == 1 else {}
        return node
    return {}


def _kind(node: dict[str, Any]) -> Any:
    if "enum" in node:
        return ("category", list(node["enum"]))
    if "const" in node:
        return ("category", [node["const"]])
    kind = node.get("type")
    if kind == "string":
        fmt = node.get("format")
        return "datetime" if fmt in ("date", "date-time") else "str"
    return {"integer": "int", "number": "float", "boolean": "bool"}.get(kind, "object")


def column_kinds(json_schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(column -> kind, whether the answer is a list of rows) for a JSON Schema. Kinds: ``int``,
    ``float``, ``bool``, ``datetime``, ``str``, ``object``, or ``("category", values)``. Nested
    objects become dotted columns; a non-object row is one column named ``value``."""
    defs = {**(json_schema.get("definitions") or {}), **(json_schema.get("$defs") or {})}
    root = _deref(json_schema, defs)
    is_list = root.get("type") == "array"
    row = _deref(root.get("items", {}), defs) if is_list else root
    kinds: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        for name, sub in (node.get("properties") or {}).items():
            sub = _deref(sub, defs)
            column = f"{prefix}{name}"
            if (sub.get("type") == "object" or "properties" in sub) and sub.get("properties") and depth < 8:
                walk(sub, column + ".", depth + 1)
            else:
                kinds[column] = _kind(sub)

    if row.get("properties"):
        walk(row, "", 0)
    else:
        kinds["value"] = _kind(row)
    return kinds, is_list


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON row as one flat dict: nested objects as dotted keys; a scalar as ``value``."""
    if out is None:
        out = {}
        if not isinstance(value, dict):
            out["value"] = value
            return out
    for key, item in value.items():
        if isinstance(item, dict) and item:
            flatten(item, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = item
    return out


def _datetimes(values: Any) -> Any:
    import pandas as pd

    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):  # mixed offsets: one timeline in UTC
        return pd.to_datetime(values, format="ISO8601", utc=True)


def cast(series: Any, kind: Any) -> Any:
    """One column to the dtype ``kind`` asks for; a value that does not fit leaves it as is."""
    import pandas as pd

    try:
        if isinstance(kind, tuple):
            return series.astype(pd.CategoricalDtype(categories=list(dict.fromkeys(kind[1]))))
        if kind == "int":
            return series.astype("Int64")
        if kind == "float":
            return series.astype("float64")
        if kind == "bool":
            return series.astype("boolean")
        if kind == "datetime":
            return _datetimes(series)
    except (ValueError, TypeError, OverflowError):
        return series
    return series


def to_frame(
    rows: list[dict[str, Any]], kinds: dict[str, Any], index: Any = None, extra: dict[str, Any] | None = None
) -> Any:
    """Flat rows -> a DataFrame with the schema's columns first (in schema order), typed; then any
    other keys seen; then ``extra`` columns (name -> kind) in that order."""
    import pandas as pd

    extra = extra or {}
    columns = list(kinds)
    seen = set(columns) | set(extra)
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                columns.append(key)
    columns += list(extra)
    data = {c: [row.get(c) for row in rows] for c in columns}
    frame = pd.DataFrame(data, columns=columns, index=index)
    for column, kind in {**kinds, **extra}.items():
        frame[column] = cast(frame[column], kind)
    return frame


__all__ = [
    "StructuredAnswer",
    "check",
    "validate_answer",
    "describe_validation",
    "column_kinds",
    "flatten",
    "to_frame",
    "cast",
]
