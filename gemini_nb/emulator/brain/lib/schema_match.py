"""A small JSON Schema matcher, format values and a regex sampler for :mod:`schema_gen`.

The emulator must not depend on ``jsonschema`` at runtime, yet the generator needs to
know whether a candidate satisfies a schema (``oneOf`` must match exactly one branch,
enum members must fit sibling keywords, the final value is self-checked). This module
implements the subset of draft 2020-12 that :mod:`schema_gen` generates for, using the
same numeric rules as ``jsonschema`` so both agree on edge cases like float ``multipleOf``.
It also holds the static checks (:func:`check_schema`) that reject unusable schemas early.
"""

from __future__ import annotations

import ipaddress
import random
import re
import string
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

try:  # Python 3.11+ moved the regex parser; the old module warns on import there.
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

OPENAPI_TYPES = {
    "STRING": "string",
    "OBJECT": "object",
    "ARRAY": "array",
    "INTEGER": "integer",
    "NUMBER": "number",
    "BOOLEAN": "boolean",
    "NULL": "null",
}
JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")


def norm_types(schema: dict) -> list[str] | None:
    """Declared types, lower-cased (OpenAPI ``STRING``), with ``nullable: true`` adding null."""
    t = schema.get("type")
    if t is None:
        return None
    types = [OPENAPI_TYPES.get(x, x) for x in (t if isinstance(t, list) else [t])]
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types


def is_type(value: Any, t: str) -> bool:
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            or (isinstance(value, float) and value.is_integer())
        )
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "object": dict, "array": list}.get(t, ()))


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0 but True != 1, recursively."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if is_type(a, "number") and is_type(b, "number"):
        return a == b
    return type(a) is type(b) and a == b


def multiple_ok(value: float, m: float) -> bool:
    """``multipleOf`` exactly as jsonschema decides it (float quotient must be integral)."""
    if isinstance(m, float):
        try:
            q = value / m
            return int(q) == q
        except (OverflowError, ValueError):
            return False
    return value % m == 0


# -- formats -----------------------------------------------------------------------------
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)
_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


def _valid_date(s: str) -> bool:
    try:
        return bool(_DATE_RE.match(s)) and bool(date.fromisoformat(s))
    except ValueError:
        return False


def _valid_time(s: str) -> bool:
    m = _TIME_RE.match(s)
    return bool(m) and int(m[1]) < 24 and int(m[2]) < 60 and int(m[3]) < 61


def _valid_ip(s: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(s).version == version
    except ValueError:
        return False


def _valid_uuid(s: str) -> bool:
    try:
        return len(s) == 36 and bool(uuid.UUID(s))
    except ValueError:
        return False


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date": _valid_date,
    "time": _valid_time,
    "date-time": lambda s: len(s) > 11 and s[10] in "Tt" and _valid_date(s[:10]) and _valid_time(s[11:]),
    "email": lambda s: bool(_EMAIL_RE.match(s)),
    "uri": lambda s: bool(_URI_RE.match(s)),
    "url": lambda s: bool(_URI_RE.match(s)),
    "uuid": _valid_uuid,
    "ipv4": lambda s: _valid_ip(s, 4),
    "ipv6": lambda s: _valid_ip(s, 6),
    "hostname": lambda s: bool(_HOST_RE.match(s)),
}


def format_value(fmt: str, rng: random.Random, words: list[str]) -> str | None:
    """A value of a known format, built from ``words`` (the field's name) when sensible."""
    slug = "-".join(words[:3]) or "item"
    if fmt == "date":
        return f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "time":
        return f"{rng.randint(7, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}:00Z"
    if fmt == "date-time":
        return f"{format_value('date', rng, words)}T{format_value('time', rng, words)}"
    if fmt == "email":
        return f"{slug.replace('-', '.')}@example.com"
    if fmt in ("uri", "url", "uri-reference", "iri"):
        return f"https://www.example.com/{slug}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "ipv4":
        return f"192.0.2.{rng.randint(1, 254)}"
    if fmt == "ipv6":
        return f"2001:db8::{rng.randint(1, 0xFFFF):x}"
    if fmt == "hostname":
        return f"{slug}.example.com"
    return None


# -- regex sampling ----------------------------------------------------------------------
_PRINTABLE = [c for c in string.ascii_letters + string.digits + " -_.,:@"]
_CATEGORIES = {
    sre_c.CATEGORY_DIGIT: string.digits,
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_c.CATEGORY_NOT_DIGIT: string.ascii_letters + "_-",
    sre_c.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
    sre_c.CATEGORY_NOT_WORD: " -.,:",
}


def _charset(items: list, ignore_case: bool) -> list[str]:
    negate = any(op is sre_c.NEGATE for op, _ in items)
    chars: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            chars.add(chr(av))
        elif op is sre_c.RANGE:
            lo, hi = av
            chars.update(chr(c) for c in range(lo, min(hi, lo + 400) + 1))
        elif op is sre_c.CATEGORY:
            chars.update(_CATEGORIES.get(av, ""))
    if negate:
        if ignore_case:
            chars |= {c.swapcase() for c in chars}
        return [c for c in _PRINTABLE if c not in chars]
    return sorted(chars)


def sample_regex(pattern: str, rng: random.Random, extra: int = 3) -> str:
    """One string matching ``pattern``, sampled from its parse tree.

    Unbounded repeats take ``min + rng(0..extra)`` copies; anchors and look-arounds emit
    nothing (callers verify with ``re.search`` and retry). Raises ``re.error`` on bad syntax.
    """
    tree = sre_parse.parse(pattern)
    ignore_case = bool(tree.state.flags & re.IGNORECASE)
    groups: dict[int, str] = {}

    def emit(seq) -> str:
        out = []
        for op, av in seq:
            if op is sre_c.LITERAL:
                out.append(chr(av))
            elif op is sre_c.NOT_LITERAL:
                out.append(rng.choice([c for c in _PRINTABLE if c != chr(av)]))
            elif op is sre_c.ANY:
                out.append(rng.choice(string.ascii_letters + string.digits))
            elif op is sre_c.IN:
                out.append(rng.choice(_charset(av, ignore_case) or ["a"]))
            elif op is sre_c.BRANCH:
                out.append(emit(rng.choice(av[1])))
            elif op is sre_c.SUBPATTERN:
                text = emit(av[-1])
                if av[0]:
                    groups[av[0]] = text
                out.append(text)
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
                lo, hi, sub = av
                hi = lo + extra if hi == sre_c.MAXREPEAT else min(hi, lo + max(extra, 1) * 4)
                out.extend(emit(sub) for _ in range(rng.randint(lo, max(lo, hi))))
            elif op is getattr(sre_c, "ATOMIC_GROUP", None):
                out.append(emit(av))
            elif op is sre_c.GROUPREF:
                out.append(groups.get(av, ""))
            elif op is sre_c.GROUPREF_EXISTS:
                out.append(emit(av[1] if av[0] in groups else (av[2] or [])))
            # AT (anchors), ASSERT, ASSERT_NOT: zero-width, nothing to emit
        return "".join(out)

    return emit(tree)


# -- static checks -------------------------------------------------------------------------
_SUBSCHEMA_KEYS = (
    "additionalProperties",
    "items",
    "additionalItems",
    "propertyNames",
    "not",
    "contains",
    "unevaluatedProperties",
    "unevaluatedItems",
)
_LIST_KEYS = ("anyOf", "oneOf", "allOf", "prefixItems")
_MAP_KEYS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


_SCHEMA = (dict, bool)
_KEYWORD_KINDS = [
    ("pattern", (str,), "a string"),
    ("format", (str,), "a string"),
    ("uniqueItems", (bool,), "a boolean"),
    ("nullable", (bool,), "a boolean"),
    ("additionalProperties", _SCHEMA, "a schema"),
    ("propertyNames", _SCHEMA, "a schema"),
    ("not", _SCHEMA, "a schema"),
    ("contains", _SCHEMA, "a schema"),
    ("items", (dict, bool, list), "a schema"),
    ("additionalItems", _SCHEMA, "a schema"),
    *[(key, (dict,), "an object") for key in _MAP_KEYS],
]


class SchemaError(ValueError):
    """The schema cannot be used: malformed, unsatisfiable or with an unresolvable ``$ref``.

    ``path`` is the dotted JSON path of the offending keyword, so the emulator can answer
    with a 400 that points at the exact spot in the request.
    """

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


def num(x: Any) -> bool:
    """A JSON number (bools are ints in Python but not numbers in JSON)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_SIZE_CAPS = {"minItems": 1000, "minLength": 100_000, "minProperties": 1000}
"""Minimums beyond these cannot be answered in one response; the real API rejects them too."""
_MAX_WEIGHT = 100_000


def check_schema(schema: Any, path: str = "response_format") -> None:
    """Raise :class:`SchemaError` if ``schema`` is unusable; generate nothing.

    Catches non-object schemas, unknown type names, bad ``$ref``s, invalid patterns and
    contradictory bounds (``minItems > maxItems`` and friends).
    """
    _SchemaChecker(Matcher(schema)).walk(schema, path)


class _SchemaChecker:
    """One pass over a schema tree; each subschema object is checked once (``$defs`` may repeat)."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.seen: set[int] = set()

    def walk(self, s: Any, p: str, weight: int = 1) -> None:
        """Check ``s`` at JSON path ``p``; ``weight`` is how many copies enclosing arrays demand."""
        if isinstance(s, bool):
            return
        if not isinstance(s, dict):
            raise SchemaError(p, f"schema must be an object or boolean, got {type(s).__name__}")
        if id(s) in self.seen:
            return
        self.seen.add(id(s))
        _check_type(s, p)
        _check_ref(s, p, self.matcher)
        _check_keyword_kinds(s, p)
        _check_bounds(s, p)
        _check_patterns(s, p)
        weight = _check_sizes(s, p, weight)
        _check_required(s, p)
        self.walk_children(s, p, weight)

    def walk_children(self, s: dict, p: str, weight: int) -> None:
        """Recurse into property maps, schema lists and single subschemas, in keyword order."""
        for key in _MAP_KEYS:
            if key in s:
                if not isinstance(s[key], dict):
                    raise SchemaError(f"{p}.{key}", f"{key} must be an object")
                for name, sub in s[key].items():
                    self.walk(sub, f"{p}.{key}.{name}", weight)
        for key in _LIST_KEYS:
            for i, sub in enumerate(s.get(key, [])):
                self.walk(sub, f"{p}.{key}.{i}", weight)
        for key in _SUBSCHEMA_KEYS:
            if key in s:
                if isinstance(s[key], list):
                    for i, sub in enumerate(s[key]):
                        self.walk(sub, f"{p}.{key}.{i}", weight)
                else:
                    self.walk(s[key], f"{p}.{key}", weight)


def _check_type(s: dict, p: str) -> None:
    """``type`` is a known name or a non-empty list of them (JSON or OpenAPI spelling)."""
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not types:
            raise SchemaError(f"{p}.type", "empty type list")
        for t in types:
            if not isinstance(t, str) or (t not in JSON_TYPES and t not in OPENAPI_TYPES):
                raise SchemaError(f"{p}.type", f"unknown type {t!r}")


def _check_ref(s: dict, p: str, matcher: Matcher) -> None:
    """``$ref`` is a string that resolves inside the root schema."""
    if "$ref" in s:
        if not isinstance(s["$ref"], str):
            raise SchemaError(f"{p}.$ref", "$ref must be a string")
        try:
            matcher.resolve(s["$ref"])
        except (KeyError, IndexError, ValueError, TypeError):
            raise SchemaError(f"{p}.$ref", f"unresolvable $ref {s['$ref']!r}") from None


def _check_keyword_kinds(s: dict, p: str) -> None:
    """Each keyword holds the JSON kind it must (arrays, strings, booleans, schemas, names)."""
    for key in ("enum", "required", *_LIST_KEYS):
        if key in s and not isinstance(s[key], list):
            raise SchemaError(f"{p}.{key}", f"{key} must be an array")
    for key, kinds, what in _KEYWORD_KINDS:
        if key in s and not (
            isinstance(s[key], kinds)
            and (bool not in kinds or key != "uniqueItems" or isinstance(s[key], bool))
        ):
            raise SchemaError(f"{p}.{key}", f"{key} must be {what}")
    if any(not isinstance(r, str) for r in s.get("required", [])):
        raise SchemaError(f"{p}.required", "required must list property names")
    if "exclusiveMinimum" in s or "exclusiveMaximum" in s:
        for k in ("exclusiveMinimum", "exclusiveMaximum"):
            if k in s and not (num(s[k]) or isinstance(s[k], bool)):
                raise SchemaError(f"{p}.{k}", f"{k} must be a number")
    for key in ("enum", "anyOf", "oneOf", "allOf"):
        if key in s and not s[key]:
            raise SchemaError(f"{p}.{key}", f"{key} must not be empty")


def _check_bounds(s: dict, p: str) -> None:
    """Size and numeric bounds are numbers that leave at least one value; ``multipleOf`` > 0."""
    for lo, hi in (
        ("minItems", "maxItems"),
        ("minLength", "maxLength"),
        ("minProperties", "maxProperties"),
        ("minimum", "maximum"),
    ):
        for k in (lo, hi):
            if k in s and not num(s[k]):
                raise SchemaError(f"{p}.{k}", f"{k} must be a number")
            if k in s and "imum" not in k and s[k] < 0:
                raise SchemaError(f"{p}.{k}", f"{k} must not be negative")
        if lo in s and hi in s and s[lo] > s[hi]:
            raise SchemaError(f"{p}.{lo}", f"{lo} {s[lo]} > {hi} {s[hi]}")
    lo_v = [s[k] for k in ("minimum", "exclusiveMinimum") if num(s.get(k))]
    hi_v = [s[k] for k in ("maximum", "exclusiveMaximum") if num(s.get(k))]
    if lo_v and hi_v:
        lo, hi = max(lo_v), min(hi_v)
        strict = num(s.get("exclusiveMinimum")) or num(s.get("exclusiveMaximum"))
        if lo > hi or (strict and lo >= hi):
            raise SchemaError(
                f"{p}.exclusiveMinimum" if "exclusiveMinimum" in s else f"{p}.minimum",
                "numeric bounds leave no value",
            )
    if "multipleOf" in s and (not num(s["multipleOf"]) or s["multipleOf"] <= 0):
        raise SchemaError(f"{p}.multipleOf", "multipleOf must be a positive number")


def _check_patterns(s: dict, p: str) -> None:
    """``pattern`` and the ``patternProperties`` keys compile as regular expressions."""
    patterns = [(f"{p}.pattern", s.get("pattern"))] + [
        (f"{p}.patternProperties", k) for k in (s.get("patternProperties") or {})
    ]
    for where, pat in patterns:
        if pat is not None:
            try:
                re.compile(pat)
            except (re.error, TypeError) as exc:
                raise SchemaError(where, f"invalid pattern {pat!r}: {exc}") from None


def _check_sizes(s: dict, p: str, weight: int) -> int:
    """Minimum sizes stay answerable, alone and multiplied through nested arrays; the new weight."""
    for key, cap in _SIZE_CAPS.items():
        if s.get(key, 0) > cap:
            raise SchemaError(f"{p}.{key}", f"{key} {s[key]} is too large to enforce (at most {cap})")
    weight *= max(1, int(s.get("minItems", 0)), len(s.get("prefixItems", [])))
    if weight > _MAX_WEIGHT:  # nested arrays whose minimum sizes multiply out of bounds
        raise SchemaError(
            f"{p}.minItems", f"nested minimum sizes need over {_MAX_WEIGHT} values: too complex to enforce"
        )
    return weight


def _check_required(s: dict, p: str) -> None:
    """Required properties are allowed (not ``false``) and fit within ``maxProperties``."""
    props = s.get("properties") or {}
    for req in s.get("required", []):
        if props.get(req, True) is False:
            raise SchemaError(f"{p}.required", f"required property {req!r} is forbidden (false schema)")
    if "maxProperties" in s and len(set(s.get("required", []))) > s["maxProperties"]:
        raise SchemaError(f"{p}.maxProperties", "fewer allowed properties than required ones")


# -- matching ----------------------------------------------------------------------------
class Matcher:
    """First-error validator for the supported keyword subset; ``root`` resolves ``$ref``."""

    def __init__(self, root: Any):
        self.root = root

    def resolve(self, ref: str) -> Any:
        """A local ``#/...`` JSON pointer into the root schema; KeyError when missing."""
        if not ref.startswith("#"):
            raise KeyError(ref)
        node = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def ok(self, schema: Any, value: Any) -> bool:
        return self.error(schema, value) is None

    def error(self, schema: Any, v: Any, path: str = "$") -> str | None:
        """None when ``v`` satisfies ``schema``, else a short description of the first failure."""
        if schema is True or schema == {}:
            return None
        if schema is False:
            return f"{path}: false schema"
        s = schema
        if "$ref" in s:
            err = self.error(self.resolve(s["$ref"]), v, path)
            if err:
                return err
        types = norm_types(s)
        if types and not any(is_type(v, t) for t in types):
            return f"{path}: not of type {types}"
        if "enum" in s and not any(json_equal(v, e) for e in s["enum"]):
            return f"{path}: not in enum"
        if "const" in s and not json_equal(v, s["const"]):
            return f"{path}: not const"
        if is_type(v, "number") and (err := _number_error(s, v, path)):
            return err
        if isinstance(v, str) and (err := _string_error(s, v, path)):
            return err
        if isinstance(v, list) and (err := self._array_error(s, v, path)):
            return err
        if isinstance(v, dict) and (err := self._object_error(s, v, path)):
            return err
        return self._combinator_error(s, v, path)

    def _array_error(self, s: dict, v: list, path: str) -> str | None:
        """Item count, uniqueness, ``contains``, then each item against its (prefix) schema."""
        if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", len(v)):
            return f"{path}: bad item count"
        if s.get("uniqueItems") and any(json_equal(a, b) for i, a in enumerate(v) for b in v[i + 1 :]):
            return f"{path}: items not unique"
        if "contains" in s:
            hits = sum(self.ok(s["contains"], item) for item in v)
            if hits < s.get("minContains", 1) or hits > s.get("maxContains", hits):
                return f"{path}: 'contains' not satisfied"
        prefix = s.get("prefixItems", s["items"] if isinstance(s.get("items"), list) else [])
        rest = s.get("additionalItems" if isinstance(s.get("items"), list) else "items", True)
        for i, item in enumerate(v):
            err = self.error(prefix[i] if i < len(prefix) else rest, item, f"{path}[{i}]")
            if err:
                return err
        return None

    def _object_error(self, s: dict, v: dict, path: str) -> str | None:
        """Property count, required keys, then each member by name, pattern or the fallback."""
        if len(v) < s.get("minProperties", 0) or len(v) > s.get("maxProperties", len(v)):
            return f"{path}: bad property count"
        missing = [k for k in s.get("required", []) if k not in v]
        if missing:
            return f"{path}: missing {missing}"
        props, pats = s.get("properties", {}), s.get("patternProperties", {})
        for k, item in v.items():
            sub = f"{path}.{k}"
            if "propertyNames" in s and self.error(s["propertyNames"], k, sub):
                return f"{sub}: bad property name"
            hit = [p for p in pats if re.search(p, k)]
            for p in hit:
                err = self.error(pats[p], item, sub)
                if err:
                    return err
            if k in props:
                err = self.error(props[k], item, sub)
            elif not hit:
                err = self.error(s.get("additionalProperties", True), item, sub)
            else:
                err = None
            if err:
                return err
        return None

    def _combinator_error(self, s: dict, v: Any, path: str) -> str | None:
        """``allOf``, ``anyOf``, ``oneOf`` and ``not``."""
        for sub in s.get("allOf", []):
            err = self.error(sub, v, path)
            if err:
                return err
        if "anyOf" in s and not any(self.ok(b, v) for b in s["anyOf"]):
            return f"{path}: no anyOf branch matches"
        if "oneOf" in s and sum(self.ok(b, v) for b in s["oneOf"]) != 1:
            return f"{path}: not exactly one oneOf branch matches"
        if "not" in s and self.ok(s["not"], v):
            return f"{path}: matches 'not'"
        return None


def _number_error(s: dict, v: Any, path: str) -> str | None:
    """Inclusive and exclusive bounds (draft 4 booleans or 2020-12 numbers) and ``multipleOf``."""
    if "minimum" in s and v < s["minimum"] or "maximum" in s and v > s["maximum"]:
        return f"{path}: out of range"
    ex_lo = (
        s["minimum"] if s.get("exclusiveMinimum") is True and "minimum" in s else s.get("exclusiveMinimum")
    )
    ex_hi = (
        s["maximum"] if s.get("exclusiveMaximum") is True and "maximum" in s else s.get("exclusiveMaximum")
    )
    if num(ex_lo) and v <= ex_lo or num(ex_hi) and v >= ex_hi:
        return f"{path}: outside the exclusive bounds"
    if "multipleOf" in s and not multiple_ok(v, s["multipleOf"]):
        return f"{path}: not a multiple of {s['multipleOf']}"
    return None


def _string_error(s: dict, v: str, path: str) -> str | None:
    """Length, ``pattern`` and the supported ``format`` checks."""
    if len(v) < s.get("minLength", 0) or len(v) > s.get("maxLength", len(v)):
        return f"{path}: bad length"
    if "pattern" in s and not re.search(s["pattern"], v):
        return f"{path}: pattern mismatch"
    check = FORMAT_CHECKS.get(s.get("format", ""))
    if check and not check(v):
        return f"{path}: bad format {s['format']}"
    return None
