"""What a ``--schema`` / ``schema=`` names, turned into one :class:`Schema`: the JSON Schema to send,
and the pydantic validator for the answer.

Why its own module: a schema arrives in many shapes (a pydantic model, a dataclass, a TypedDict,
an Enum, ``list[...]`` of those, a JSON Schema dict, or a compact spec string such as
``"name, population: int, capital: bool"``) and every surface (the cell option, ``ask()``,
``Session.ask()``, ``map()``) must accept the same ones and refuse the rest with the same one
line. Everything below is pure: no network, no display; pydantic is imported on first use.

Compact spec grammar (one line, comma-separated fields)::

    spec   := field ("," field)*
    field  := NAME ["?"] [":" type ["?"]]        # "?" (on the name or the type): optional
    type   := "str" | "int" | "float" | "bool" | "date" | "datetime"
            | "list[" scalar "]" | "enum(" word ("|" word)* ")"

A field without a type is ``str``. An optional field may be missing or null in the answer.
"""

from __future__ import annotations

import copy
import re
from typing import Any

SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}
TYPE_NAMES = (*SCALARS, "list[T]", "enum(a|b)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LIST = re.compile(r"list\[\s*(\w+)\s*\]")
_ENUM = re.compile(r"enum\((.*)\)")
_TYPE_EXPR = re.compile(r"[A-Za-z_][\w.]*(\[[\w.\[\], ]*\])?")
"""A name (``City``, ``models.City``) or a subscripted one (``list[City]``) looked up in a namespace."""


class SchemaError(ValueError):
    """A schema that cannot be used; ``str(exc)`` is one line naming what is wrong."""


# -- compact spec ---------------------------------------------------------------------------------
def _spec_type(text: str, field: str) -> dict[str, Any]:
    text = text.strip()
    if text in SCALARS:
        return dict(SCALARS[text])
    match = _LIST.fullmatch(text)
    if match:
        if match.group(1) not in SCALARS:
            raise SchemaError(
                f"field {field!r}: list[{match.group(1)}] needs a scalar item type ({', '.join(SCALARS)})"
            )
        return {"type": "array", "items": dict(SCALARS[match.group(1)])}
    match = _ENUM.fullmatch(text)
    if match:
        words = [w.strip() for w in match.group(1).split("|")]
        if not all(words):
            raise SchemaError(f"field {field!r}: enum(...) needs non-empty values separated by '|'")
        if len(set(words)) != len(words):
            raise SchemaError(f"field {field!r}: enum(...) repeats a value")
        return {"type": "string", "enum": words}
    raise SchemaError(f"field {field!r}: unknown type {text!r} (known: {', '.join(TYPE_NAMES)})")


def parse_spec(spec: str) -> dict[str, Any]:
    """A compact spec to a JSON Schema object; raises :class:`SchemaError` (one line)."""
    if not spec.strip():
        raise SchemaError("empty schema spec (e.g. 'name, population: int, capital: bool')")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            raise SchemaError(f"empty field in schema spec {spec!r} (a stray comma?)")
        name, _, type_text = part.partition(":")
        name = name.strip()
        optional = name.endswith("?")
        name = name.rstrip("?").strip()
        if not _NAME.fullmatch(name):
            raise SchemaError(f"{name or part!r} is not a field name (letters, digits, _) in schema spec")
        if name in properties:
            raise SchemaError(f"field {name!r} appears twice in schema spec")
        type_text = type_text.strip() if _ else "str"
        if type_text.endswith("?"):
            optional, type_text = True, type_text[:-1].strip()
        if not type_text:
            raise SchemaError(f"field {name!r}: missing type after ':'")
        prop = _spec_type(type_text, name)
        properties[name] = {"anyOf": [prop, {"type": "null"}]} if optional else prop
        if not optional:
            required.append(name)
    return {"type": "object", "title": "Row", "properties": properties, "required": required}


# -- JSON Schema -> a pydantic type (for dicts and specs) --------------------------------------
class _Builder:
    """Turns a JSON Schema into a Python type pydantic validates with (``$ref``/``$defs`` too);
    constructs it does not know become ``Any`` (accepted as they are, never refused)."""

    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.defs = {**(root.get("definitions") or {}), **(root.get("$defs") or {})}
        self.made: dict[str, Any] = {}
        self.count = 0

    def build(self, node: Any, name: str = "Row") -> Any:
        import datetime
        from typing import Any as AnyType
        from typing import Literal, Optional, Union

        if node is True or not isinstance(node, dict):
            return AnyType
        if "$ref" in node:
            key = str(node["$ref"]).rsplit("/", 1)[-1]
            if key not in self.defs:
                raise SchemaError(f"unresolvable $ref {node['$ref']!r} in the JSON Schema")
            if key not in self.made:
                self.made[key] = AnyType  # a recursive schema stops here
                self.made[key] = self.build(self.defs[key], key)
            return self.made[key]
        if "enum" in node and node["enum"]:
            return Literal[tuple(node["enum"])]
        if "const" in node:
            return Literal[node["const"]]
        for key in ("anyOf", "oneOf"):
            if node.get(key):
                options = [self.build(n, name) for n in node[key]]
                return Union[tuple(options)] if len(options) > 1 else options[0]
        kind = node.get("type")
        if isinstance(kind, list):
            nullable = "null" in kind
            kinds = [k for k in kind if k != "null"]
            built = tuple(self.build({**node, "type": k}, name) for k in kinds)
            inner = Union[built] if kinds else type(None)
            return Optional[inner] if nullable else inner
        if kind == "string":
            return {"date": datetime.date, "date-time": datetime.datetime}.get(node.get("format"), str)
        if kind == "integer":
            return int
        if kind == "number":
            return float
        if kind == "boolean":
            return bool
        if kind == "null":
            return type(None)
        if kind == "array":
            return list[self.build(node.get("items", True), name)]
        if kind == "object" or "properties" in node:
            return self._model(node, name)
        return AnyType

    def _model(self, node: dict[str, Any], name: str) -> Any:
        from typing import Optional

        from pydantic import ConfigDict, Field, create_model

        props = node.get("properties") or {}
        if not props:
            return dict
        required = set(node.get("required") or [])
        fields: dict[str, Any] = {}
        for i, (prop, sub) in enumerate(props.items()):
            kind = self.build(sub, f"{name}_{prop}")
            default = ... if prop in required else None
            fields[f"f{i}"] = (kind if prop in required else Optional[kind], Field(default, alias=prop))
        self.count += 1
        title = str(node.get("title") or name)
        safe = re.sub(r"\W", "_", title) or "Row"
        return create_model(safe, __config__=ConfigDict(populate_by_name=True), **fields)


# -- the Schema ------------------------------------------------------------------------------
class Schema:
    """One resolved schema: what is sent (``json_schema``), what validates (``target``), its name.

    ``plain`` is True for a JSON Schema dict or a compact spec: the validated values are then
    handed back as plain dicts/lists rather than the generated models.
    """

    def __init__(
        self, target: Any, json_schema: dict[str, Any], name: str, *, plain: bool, many: bool, source: Any
    ):
        from pydantic import TypeAdapter

        self.target = target
        self.json_schema = json_schema
        self.name = name
        self.plain = plain
        self.many = many
        self.source = source
        self.adapter = TypeAdapter(target)

    @property
    def response_format(self) -> dict[str, Any]:
        """The ``response_format`` of ``interactions.create`` (google-genai 3.x typed text format)."""
        return {"type": "text", "mime_type": "application/json", "schema": self.json_schema}

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Schema {self.name}>"

    def __deepcopy__(self, memo: Any) -> Schema:  # TurnOptions.logged() deep-copies its fields
        return self


def _hoist_defs(items: dict[str, Any]) -> dict[str, Any]:
    """``{"type": "array", "items": schema}`` with the item's ``$defs`` moved to the root, where
    ``#/$defs/...`` references resolve."""
    items = dict(items)
    out: dict[str, Any] = {"type": "array"}
    for key in ("$defs", "definitions"):
        if key in items:
            out[key] = items.pop(key)
    out["items"] = items
    return out


def _type_name(obj: Any) -> str:
    from typing import get_args, get_origin

    if get_origin(obj) is list:
        args = get_args(obj)
        return f"list[{_type_name(args[0]) if args else 'Any'}]"
    return getattr(obj, "__name__", None) or str(obj)


def _is_list_type(obj: Any) -> bool:
    from typing import get_origin

    return get_origin(obj) is list


def resolve(schema: Any, *, many: bool = False, namespace: dict[str, Any] | None = None) -> Schema:
    """Any accepted schema shape to a :class:`Schema`; ``many`` asks for a list of it.

    With a ``namespace`` (the magics), a string that is a name or ``list[Name]`` is looked up
    there first; otherwise a string is a compact spec. Raises :class:`SchemaError` (one line).
    """
    if isinstance(schema, Schema):
        if many and not schema.many:
            return resolve(schema.source, many=True)
        return schema
    if isinstance(schema, str):
        text = schema.strip()
        if namespace is not None and _TYPE_EXPR.fullmatch(text) and ":" not in text:
            try:
                code = compile(text, "<schema>", "eval")
                value = eval(code, dict(namespace))  # noqa: S307 - the user's own names
            except NameError:
                if "," not in text and "[" not in text:
                    raise SchemaError(
                        f"--schema {text}: no such name in the namespace (for a one-field "
                        f"spec write '{text}: str')"
                    ) from None
                value = None
            except Exception as exc:
                raise SchemaError(f"--schema {text}: {type(exc).__name__}: {exc}") from None
            if isinstance(value, str):
                raise SchemaError(
                    f"--schema {text}: that name holds a str, not a schema (for a one-field "
                    f"spec write '{text}: str')"
                )
            if value is not None:
                return resolve(value, many=many)
        json_schema = parse_spec(text)
        return _from_json_schema(json_schema, many=many, source=schema, name="spec")
    if isinstance(schema, dict):
        if not schema:
            raise SchemaError("an empty JSON Schema dict is not a schema")
        return _from_json_schema(
            copy.deepcopy(schema), many=many, source=schema, name=str(schema.get("title") or "JSON Schema")
        )
    if not (isinstance(schema, type) or _is_list_type(schema) or _is_typing_form(schema)):
        raise SchemaError(
            f"cannot use a {type(schema).__name__} as a schema: give a pydantic model, a "
            "dataclass, a TypedDict, an Enum, list[...] of those, a JSON Schema dict or a "
            "spec string like 'name, population: int'"
        )
    from pydantic import TypeAdapter

    target = list[schema] if many else schema
    try:
        json_schema = TypeAdapter(target).json_schema()
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchemaError(f"cannot use {_type_name(schema)} as a schema: {detail}") from None
    return Schema(
        target,
        json_schema,
        _type_name(target),
        plain=False,
        many=many or _is_list_type(schema),
        source=schema,
    )


def _is_typing_form(obj: Any) -> bool:
    """``Literal[...]``, ``Optional[...]`` and other typing forms TypeAdapter accepts."""
    return type(obj).__module__ in ("typing", "typing_extensions", "types")


def _from_json_schema(json_schema: dict[str, Any], *, many: bool, source: Any, name: str) -> Schema:
    if many:
        json_schema = _hoist_defs(json_schema)
    builder = _Builder(json_schema)
    try:
        target = builder.build(json_schema, name="Row")
    except SchemaError:
        raise
    except Exception as exc:  # pydantic refusing a generated model: say so, never a traceback
        raise SchemaError(f"cannot use this JSON Schema: {type(exc).__name__}: {exc}") from None
    is_list = json_schema.get("type") == "array"
    label = f"list[{name}]" if many else name
    return Schema(target, json_schema, label, plain=True, many=is_list, source=source)


def as_schema(value: Any, many: bool = False) -> Schema | None:
    """``TurnOptions.schema`` (+ ``many``) as a :class:`Schema` (None stays None)."""
    if value is None:
        return None
    return resolve(value, many=many)


__all__ = ["Schema", "SchemaError", "parse_spec", "resolve", "as_schema", "SCALARS"]
