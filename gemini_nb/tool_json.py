"""A tool's return value -> something JSON can carry back to the model (plus a note on what changed).

Why its own module: a Python function returns whatever it likes (a DataFrame, a dataclass, numpy
numbers, datetimes, bytes...), the API takes JSON only, and a value that cannot be sent must
never crash the turn. :func:`to_json` converts what has an obvious JSON form and says so in a
note when something was lost (rows cut, bytes left out, an object sent as its ``repr``); the note
goes to the model with the value and shows in the trace. Pure: pandas/numpy/pydantic are only
recognised, never imported.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import math
import uuid
from pathlib import PurePath
from typing import Any

MAX_ROWS = 200
"""Rows of a DataFrame (or items of a long list) sent to the model."""
MAX_REPR = 2_000
"""Characters of the ``repr`` sent for an object with no JSON form."""
MAX_DEPTH = 20


def to_json(value: Any, *, max_rows: int = MAX_ROWS) -> tuple[Any, list[str]]:
    """(a JSON-able value, notes about what was converted or left out)."""
    notes: list[str] = []
    return _convert(value, notes, max_rows, 0), notes


def _convert(value: Any, notes: list[str], max_rows: int, depth: int) -> Any:
    if depth > MAX_DEPTH:
        notes.append("nesting deeper than 20 levels sent as repr")
        return _repr(value, notes)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, enum.Enum):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        notes.append(f"non-finite number {value!r} sent as a string")
        return repr(value)
    if isinstance(value, enum.Enum):
        return _convert(value.value, notes, max_rows, depth + 1)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, (uuid.UUID, PurePath)):
        return str(value)
    if isinstance(value, complex):
        return {"real": value.real, "imag": value.imag}
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and len(text) <= MAX_REPR:
            notes.append("bytes decoded as UTF-8 text")
            return text
        notes.append(f"{len(data)} bytes of binary data left out (return text or a dict to send content)")
        return f"<{len(data)} bytes>"
    kind = _kind(value)
    if kind == "dataframe":
        return _frame(value, notes, max_rows, depth)
    if kind == "series":
        return _convert(value.to_dict(), notes, max_rows, depth + 1)
    if kind == "numpy_scalar":
        return _convert(value.item(), notes, max_rows, depth + 1)
    if kind == "ndarray":
        if value.size > max_rows * 50:
            notes.append(f"array of shape {value.shape} sent as its first {max_rows} rows")
            value = value[:max_rows]
        return _convert(value.tolist(), notes, max_rows, depth + 1)
    if kind == "pydantic":
        return _convert(value.model_dump(mode="json"), notes, max_rows, depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _convert(
            {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, notes, max_rows, depth + 1
        )
    if isinstance(value, dict):
        return {
            str(k) if not isinstance(k, str) else k: _convert(v, notes, max_rows, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if isinstance(value, (set, frozenset)):
            try:
                items = sorted(items)
            except TypeError:
                pass
        if len(items) > max_rows * 50:
            notes.append(f"{len(items)} items: the first {max_rows * 50} sent")
            items = items[: max_rows * 50]
        return [_convert(v, notes, max_rows, depth + 1) for v in items]
    return _repr(value, notes)


def _kind(value: Any) -> str | None:
    """Recognise pandas/numpy/pydantic objects by their class, without importing the libraries."""
    for cls in type(value).__mro__:
        module, name = cls.__module__, cls.__name__
        if module.startswith("pandas") and name == "DataFrame":
            return "dataframe"
        if module.startswith("pandas") and name == "Series":
            return "series"
        if module == "numpy" and name == "ndarray":
            return "ndarray"
        if module == "numpy" and name == "generic":
            return "numpy_scalar"
        if module.startswith("pydantic") and name == "BaseModel":
            return "pydantic"
    return None


def _frame(frame: Any, notes: list[str], max_rows: int, depth: int) -> Any:
    rows = len(frame)
    if rows > max_rows:
        notes.append(f"DataFrame of {rows} rows: the first {max_rows} sent")
        frame = frame.head(max_rows)
    records = (
        frame.reset_index().to_dict(orient="records")
        if _named_index(frame)
        else frame.to_dict(orient="records")
    )
    return _convert(records, notes, max_rows, depth + 1)


def _named_index(frame: Any) -> bool:
    return any(name is not None for name in getattr(frame.index, "names", [None]))


def _repr(value: Any, notes: list[str]) -> str:
    text = repr(value)
    if len(text) > MAX_REPR:
        text = text[:MAX_REPR] + "…"
    notes.append(f"{type(value).__name__} has no JSON form: sent as its repr")
    return text


__all__ = ["MAX_ROWS", "to_json"]
