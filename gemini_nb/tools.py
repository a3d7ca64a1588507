"""Python functions -> the Interactions API's function declarations (``{"type": "function", ...}``).

Why its own module: a declaration is a pure function of a callable (its signature, type hints and
docstring), so it is built and tested here without a server, an SDK or IPython. The rules:

* the name is the function's ``__name__`` (a lambda has none worth sending: refused);
* the description is the docstring's first paragraph; parameter descriptions come from a Google
  (``Args:``), NumPy (``Parameters`` + dashes) or Sphinx (``:param x:``) section;
* type hints give the JSON Schema: ``str``/``int``/``float``/``bool``, ``Literal``, ``Enum``,
  ``Optional``/unions, ``list[X]``/``tuple``/``set``, ``dict``/``dict[str, X]``, dataclasses,
  TypedDicts, pydantic models, ``datetime``/``date``/``Decimal``; an unannotated parameter is a
  string; ``Annotated[X, "text"]`` adds a description;
* a parameter with a default is not required; ``*args``/``**kwargs`` are not declared.

A type that cannot be declared is a :class:`ToolDeclarationError` naming the function, the
parameter and the type: one line, raised before anything is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import inspect
import re
import types
import typing
from collections.abc import Callable
from typing import Any

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
"""What the API accepts as a function name."""

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    bytes: {"type": "string"},
    _dt.datetime: {"type": "string", "format": "date-time"},
    _dt.date: {"type": "string", "format": "date"},
    _dt.time: {"type": "string", "format": "time"},
    decimal.Decimal: {"type": "number"},
}
_SUPPORTED = (
    "str/int/float/bool, Literal, Enum, Optional, list, dict, a dataclass, a TypedDict or a pydantic model"
)


class ToolDeclarationError(ValueError):
    """A callable that cannot be declared as a tool (one line)."""


def function_name(fn: Callable[..., Any]) -> str:
    """The name a callable is declared under (``functools.partial`` -> its function's name)."""
    target = getattr(fn, "func", fn)  # functools.partial
    name = getattr(target, "__name__", None) or type(target).__name__
    if name == "<lambda>":
        raise ToolDeclarationError(
            "a lambda cannot be a tool (it has no name): define it with def, or pass a declaration dict"
        )
    if not NAME_RE.match(name):
        raise ToolDeclarationError(
            f"{name!r} is not a valid tool name (letters, digits, '_', '.', '-'; at most 64 characters)"
        )
    return name


def declare(fn: Callable[..., Any]) -> dict[str, Any]:
    """The declaration of ``fn``: ``{"type": "function", "name", "description", "parameters"}``."""
    if not callable(fn):
        raise ToolDeclarationError(f"{fn!r} is not callable")
    name = function_name(fn)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise ToolDeclarationError(f"cannot read the signature of {name}") from None
    hints = type_hints(fn)
    description, param_docs = parse_docstring(inspect.getdoc(getattr(fn, "func", fn)) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        hint = hints.get(param.name, param.annotation)
        try:
            schema = schema_for(hint)
        except ToolDeclarationError as exc:
            raise ToolDeclarationError(f"{name}({param.name}): {exc}") from None
        if param_docs.get(param.name) and "description" not in schema:
            schema = {**schema, "description": param_docs[param.name]}
        properties[param.name] = schema
        if param.default is param.empty:
            required.append(param.name)
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    out: dict[str, Any] = {"type": "function", "name": name}
    if description:
        out["description"] = description
    out["parameters"] = parameters
    return out


def type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved hints (``from __future__ import annotations`` too); {} when they cannot resolve."""
    target = getattr(fn, "func", fn)
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(target, "__call__", target)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        return {}


# -- type hints -> JSON Schema -------------------------------------------------------------------
def schema_for(tp: Any) -> dict[str, Any]:
    """The JSON Schema for one type hint (raises :class:`ToolDeclarationError`)."""
    if tp is inspect.Parameter.empty or tp is str:
        return {"type": "string"}
    if tp is Any or tp is object:
        return {}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        schema = schema_for(args[0])
        notes = [a for a in args[1:] if isinstance(a, str)]
        return {**schema, "description": notes[0]} if notes else schema
    if origin is typing.Literal:
        return _enum_schema(list(args))
    if origin is typing.Union or (hasattr(types, "UnionType") and isinstance(tp, types.UnionType)):
        members = [schema_for(a) for a in args]
        return members[0] if len(members) == 1 else {"anyOf": members}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema([m.value for m in tp])
    if (
        origin in (list, tuple, set, frozenset)
        or tp in (list, tuple, set, frozenset)
        or _is_abc(origin, ("Sequence", "MutableSequence", "Iterable", "Collection", "Set"))
    ):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return {
                "type": "array",
                "prefixItems": [schema_for(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        out: dict[str, Any] = {"type": "array"}
        if args:
            out["items"] = schema_for(args[0])
        if origin in (set, frozenset) or tp in (set, frozenset):
            out["uniqueItems"] = True
        return out
    if origin is dict or tp is dict or _is_abc(origin, ("Mapping", "MutableMapping")):
        out = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            out["additionalProperties"] = schema_for(args[1])
        return out
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_schema(tp)
    if isinstance(tp, type) and _is_pydantic_model(tp):
        return _pydantic_schema(tp)
    if isinstance(tp, type) and typing.is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        props = {k: schema_for(v) for k, v in hints.items()}
        out = {"type": "object", "properties": props}
        required = [k for k in hints if k in getattr(tp, "__required_keys__", hints)]
        if required:
            out["required"] = required
        return out
    if isinstance(tp, str):
        raise ToolDeclarationError(f"the type hint {tp!r} does not resolve (defined after the function?)")
    shown = getattr(tp, "__name__", None) or repr(tp)
    raise ToolDeclarationError(f"cannot declare type {shown} (use {_SUPPORTED})")


def _is_abc(origin: Any, names: tuple[str, ...]) -> bool:
    return (
        origin is not None
        and getattr(origin, "__module__", "") == "collections.abc"
        and getattr(origin, "__name__", "") in names
    )


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    kinds = {type(v) for v in values}
    out: dict[str, Any] = {"enum": values}
    if kinds == {str}:
        out = {"type": "string", "enum": values}
    elif kinds == {int}:
        out = {"type": "integer", "enum": values}
    elif kinds <= {int, float}:
        out = {"type": "number", "enum": values}
    elif kinds == {bool}:
        out = {"type": "boolean", "enum": values}
    return out


def _dataclass_schema(tp: type) -> dict[str, Any]:
    hints = typing.get_type_hints(tp, include_extras=True)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(tp):
        if not f.init:
            continue
        props[f.name] = schema_for(hints.get(f.name, f.type))
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    own_doc = tp.__doc__ and not tp.__doc__.startswith(tp.__name__ + "(")  # not the generated one
    doc = parse_docstring(tp.__doc__ or "")[0] if own_doc else ""
    if doc:
        out["description"] = doc
    return out


def _is_pydantic_model(tp: type) -> bool:
    return any(c.__module__.startswith("pydantic") and c.__name__ == "BaseModel" for c in tp.__mro__)


def _pydantic_schema(tp: type) -> dict[str, Any]:
    schema = tp.model_json_schema()  # type: ignore[attr-defined]
    defs = schema.pop("$defs", {})
    try:
        return _inline(schema, defs, ())
    except RecursionError:  # a recursive model keeps its $defs
        return {**schema, "$defs": defs} if defs else schema


def _inline(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """``$ref``s to ``#/$defs/X`` replaced by their definitions (a cycle raises RecursionError)."""
    if isinstance(node, list):
        return [_inline(v, defs, seen) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        key = ref[len("#/$defs/") :]
        if key in seen:
            raise RecursionError(key)
        target = _inline(defs.get(key, {}), defs, seen + (key,))
        rest = {k: _inline(v, defs, seen) for k, v in node.items() if k != "$ref"}
        return {**target, **rest}
    return {k: _inline(v, defs, seen) for k, v in node.items() if k != "title"}


# -- docstrings ------------------------------------------------------------------------------------
_GOOGLE_HEAD = re.compile(r"^(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments)\s*:\s*$")
_SECTION_HEAD = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_GOOGLE_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(:.*)?$")
_SPHINX_PARAM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(description: the first paragraph, {parameter: description}) from a cleaned docstring."""
    lines = inspect.cleandoc(doc).splitlines() if doc else []
    first: list[str] = []
    for line in lines:
        if not line.strip():
            if first:
                break
            continue
        if _GOOGLE_HEAD.match(line.strip()) or _is_numpy_head(lines, line) or line.startswith(":"):
            break
        first.append(line.strip())
    return " ".join(first), {**_sphinx_params(lines), **_numpy_params(lines), **_google_params(lines)}


def _google_params(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    inside, current, base = False, None, None
    for line in lines:
        stripped = line.strip()
        if _GOOGLE_HEAD.match(stripped) and not line[:1].isspace():
            inside, current, base = True, None, None
            continue
        if not inside:
            continue
        if stripped and not line[:1].isspace() and _SECTION_HEAD.match(stripped):
            inside = False
            continue
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        match = _GOOGLE_ITEM.match(stripped)
        if match and (base is None or indent <= base):
            base = indent
            current = match.group(1).lstrip("*")
            out[current] = match.group(3).strip()
        elif current is not None:
            out[current] = (out[current] + " " + stripped).strip()
    return out


def _is_numpy_head(lines: list[str], line: str) -> bool:
    try:
        nxt = lines[lines.index(line) + 1]
    except (ValueError, IndexError):
        return False
    return bool(line.strip()) and set(nxt.strip()) == {"-"}


def _numpy_params(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    i, inside, current = 0, False, None
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and set(nxt.strip()) == {"-"}:  # a section heading
            inside = line.strip().lower() in ("parameters", "other parameters", "keyword arguments")
            current = None
            i += 2
            continue
        if inside and line.strip():
            if not line[:1].isspace():
                match = _NUMPY_ITEM.match(line.strip())
                current = match.group(1).lstrip("*") if match else None
                if current:
                    out[current] = ""
            elif current is not None:
                out[current] = (out[current] + " " + line.strip()).strip()
        i += 1
    return out


def _sphinx_params(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    current = None
    for line in lines:
        match = _SPHINX_PARAM.match(line.strip())
        if match:
            current = match.group(1)
            out[current] = match.group(2).strip()
        elif line.strip().startswith(":"):
            current = None
        elif current is not None and line[:1].isspace() and line.strip():
            out[current] = (out[current] + " " + line.strip()).strip()
    return out


__all__ = [
    "NAME_RE",
    "ToolDeclarationError",
    "declare",
    "function_name",
    "parse_docstring",
    "schema_for",
    "type_hints",
]
