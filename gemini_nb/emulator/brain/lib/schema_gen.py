"""Plausible JSON for a requested JSON Schema (structured output and function arguments).

Clients check structured output with pydantic or jsonschema, so the first duty is to be
*valid*; the second is to look like a model's answer: values follow field names and the
prompt ("three cities in France" gives three French cities). Validity is enforced by
construction and then re-checked with :class:`~.schema_match.Matcher`, retrying with the
advanced RNG before giving up with a :class:`SchemaError`.

Supported: ``type`` (lists, ``null``, OpenAPI upper-case names, ``nullable``), objects
(``properties``/``required``/``additionalProperties``/``patternProperties``/
``propertyNames``/``min``-``maxProperties``), arrays (``items``/``prefixItems``/bounds/
``uniqueItems``), ``enum``/``const``, ``anyOf``/``oneOf``/``allOf``, local ``$ref`` with
``$defs``/``definitions`` (recursion is cut off), string formats/lengths/patterns and
numeric bounds/``multipleOf``. Unknown keywords are ignored.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any

from .schema_match import (
    FORMAT_CHECKS,
    Matcher,
    SchemaError,
    check_schema,
    format_value,
    json_equal,
    norm_types,
    sample_regex,
)
from .schema_match import (
    num as _num,
)
from .vocab import (
    CITY_INFO,
    STOPWORDS,
    Hint,
    Picker,
    analyze_prompt,
    number_range,
    plausible_string,
    prompt_number,
    sentiment,
    singular,
    stem,
)

__all__ = ["SchemaError", "check_schema", "generate"]

_MAX_DEPTH = 40  # hard stop for schemas that cannot bottom out
_SOFT_DEPTH = 10  # beyond this, emit minimal values
_RECURSION = 3  # a $ref seen this many times on the path -> minimal values
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


def _pointer_path(root_path: str, ref: str) -> str:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ref.lstrip("#").split("/") if p]
    return ".".join([root_path, *parts])


# -- merging (allOf, $ref siblings, anyOf branches) --------------------------------------------
def _merge(a: dict, b: dict, path: str) -> dict:
    """Conjunction of two object schemas, as one schema the generator can follow."""
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
            continue
        cur = out[k]
        if k == "properties":
            out[k] = {**cur, **{n: ({"allOf": [cur[n], s]} if n in cur else s) for n, s in v.items()}}
        elif k == "required":
            out[k] = list(dict.fromkeys([*cur, *v]))
        elif k == "type":
            ta, tb = norm_types({"type": cur}) or [], norm_types({"type": v}) or []
            both = [t for t in ta if t in tb] + (
                ["integer"]
                if "integer" in ta + tb
                and "number" in ta + tb
                and ("integer" not in ta or "integer" not in tb)
                else []
            )
            if not both:
                raise SchemaError(f"{path}.type", f"allOf types {ta} and {tb} do not intersect")
            out[k] = list(dict.fromkeys(both))
            out.pop("nullable", None)
        elif k == "enum":
            out[k] = [x for x in cur if any(json_equal(x, y) for y in v)]
            if not out[k]:
                raise SchemaError(f"{path}.enum", "allOf enums do not intersect")
        elif k in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
            out[k] = max(cur, v) if _num(cur) and _num(v) else cur
        elif k in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
            out[k] = min(cur, v) if _num(cur) and _num(v) else cur
        elif k == "multipleOf" and cur != v:
            out[k] = math.lcm(cur, v) if isinstance(cur, int) and isinstance(v, int) else max(cur, v)
        elif k in _SUBSCHEMA_KEYS and cur != v:
            out[k] = (
                v
                if cur is True
                else cur
                if v is True
                else False
                if False in (cur, v)
                else {"allOf": [cur, v]}
            )
        elif k == "anyOf" and cur != v:
            out[k] = [{"allOf": [x, y]} for x in cur for y in v][:32]
        elif k == "const" and not json_equal(cur, v):
            raise SchemaError(f"{path}.const", "allOf consts differ")
    return out


class _Gen:
    """One generation run: the root (for ``$ref``), prompt facts and a distinct-value picker."""

    def __init__(self, root: Any, prompt: str, rng: random.Random, root_path: str):
        self.root, self.rng, self.root_path = root, rng, root_path
        self.info = analyze_prompt(prompt)
        self.picker = Picker(rng)
        self.m = Matcher(root)
        self.vary = 0

    # structure ---------------------------------------------------------------------------
    def flatten(self, s: dict, path: str, refs: tuple) -> tuple[dict, str, tuple]:
        """Resolve ``$ref`` and ``allOf`` into one plain schema (siblings merged in)."""
        for _ in range(64):
            if "$ref" in s:
                ref = s["$ref"]
                target = self.m.resolve(ref)
                rest = {k: v for k, v in s.items() if k != "$ref"}
                if target is False:
                    raise SchemaError(path, f"$ref {ref!r} is a false schema")
                target = {} if target is True else target
                s = _merge(rest, target, path) if rest else target
                refs, path = (*refs, ref), _pointer_path(self.root_path, ref)
            elif "allOf" in s:
                merged = {k: v for k, v in s.items() if k != "allOf"}
                for i, sub in enumerate(s["allOf"]):
                    if sub is False:
                        raise SchemaError(f"{path}.allOf.{i}", "false schema in allOf")
                    if isinstance(sub, dict):
                        sub, _, refs = self.flatten(sub, f"{path}.allOf.{i}", refs)
                        merged = _merge(merged, sub, f"{path}.allOf.{i}")
                s = merged
            else:
                return s, path, refs
        raise SchemaError(path, "$ref/allOf chain does not terminate")

    def value(self, s: Any, path: str, hint: Hint, depth: int, refs: tuple = ()) -> Any:
        """A value for subschema ``s`` located at ``path``."""
        if depth > _MAX_DEPTH:
            raise SchemaError(path, "schema recursion cannot be satisfied within the depth limit")
        if s is False:
            raise SchemaError(path, "false schema cannot be satisfied")
        s, path, refs = self.flatten({} if s is True else s, path, refs)
        hint.title = hint.title or str(s.get("title") or "")
        hint.description = hint.description or str(s.get("description") or "")
        shallow = depth > _SOFT_DEPTH or max((refs.count(r) for r in refs), default=0) >= _RECURSION
        if "const" in s:
            return copy.deepcopy(s["const"])
        if "enum" in s:
            return self.enum(s, path)
        for key in ("anyOf", "oneOf"):
            if key in s:
                return self.branch(s, key, path, hint, depth, refs, shallow)
        types = norm_types(s) or self.infer(s)
        banned = norm_types(s["not"]) if isinstance(s.get("not"), dict) and len(s["not"]) == 1 else None
        if banned:  # {"not": {"type": ...}}: pick a type it does not exclude
            allowed = norm_types(s) or ["string", "integer", "boolean", "object", "array", "null"]
            types = [
                t for t in allowed if t not in banned and not (t == "integer" and "number" in banned)
            ] or types
        nonnull = [t for t in types if t != "null"]
        t = "null" if not nonnull or (shallow and "null" in types) else nonnull[0]
        if t == "null":
            return None
        if t == "boolean":
            return self.picker.pick(f"bool:{path}", [True, False])
        if t in ("integer", "number"):
            return self.number(s, path, hint, t == "integer")
        if t == "string":
            return self.string(s, path, hint)
        if t == "array":
            return self.array(s, path, hint, depth, refs, shallow)
        return self.object(s, path, hint, depth, refs, shallow)

    @staticmethod
    def infer(s: dict) -> list[str]:
        """Type implied by the keywords of an untyped schema (a string when nothing says)."""
        for t, keys in (
            (
                "object",
                (
                    "properties",
                    "required",
                    "additionalProperties",
                    "minProperties",
                    "maxProperties",
                    "patternProperties",
                    "propertyNames",
                ),
            ),
            ("array", ("items", "prefixItems", "minItems", "maxItems", "uniqueItems")),
            ("string", ("minLength", "maxLength", "pattern", "format")),
            ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
        ):
            if any(k in s for k in keys):
                return [t]
        return ["string"]

    def enum(self, s: dict, path: str) -> Any:
        """An enum member that also satisfies sibling keywords, preferring ones the prompt names."""
        rest = {k: v for k, v in s.items() if k != "enum"}
        valid = [e for e in s["enum"] if self.m.ok(rest, e)]
        if not valid:
            raise SchemaError(f"{path}.enum", "no enum value satisfies the other keywords")
        said = [
            i
            for i, e in enumerate(valid)
            if isinstance(e, str)
            and len(e.strip()) > 1
            and e.lower() not in STOPWORDS
            and re.search(r"(?<!\w)%s(?!\w)" % re.escape(e.lower()), self.info.lower)
        ]
        lowered = [str(e).lower() for e in valid]
        if not said and "positive" in lowered and "negative" in lowered and sentiment(self.info) in lowered:
            said = [lowered.index(sentiment(self.info))]
        if said and not self.vary:  # what the prompt asks for, for every item
            return copy.deepcopy(valid[said[self.picker.pick(f"said:{path}", list(range(len(said))))]])
        return copy.deepcopy(valid[self.picker.pick(f"enum:{path}", list(range(len(valid))), said)])

    def branch(self, s: dict, key: str, path: str, hint: Hint, depth: int, refs: tuple, shallow: bool) -> Any:
        """anyOf/oneOf: try branches (null and recursive ones last unless cutting recursion)."""
        base = {k: v for k, v in s.items() if k != key}
        options = list(enumerate(s[key]))

        def rank(item: tuple[int, Any]) -> tuple:
            b = item[1]
            is_null = isinstance(b, dict) and norm_types(b) == ["null"]
            recursive = "$ref" in repr(b)
            return (recursive, not is_null) if shallow else (is_null, 0)

        last: SchemaError | None = None
        base_vary = self.vary
        try:
            for i, b in sorted(options, key=rank):
                if b is False:
                    continue
                for attempt in range(3):
                    self.vary = base_vary + attempt  # retries leave the prompt's values for variety
                    sub = base if b is True else {"allOf": [base, b]} if base else b
                    try:
                        v = self.value(sub, f"{path}.{key}.{i}", Hint(**vars(hint)), depth, refs)
                    except SchemaError as exc:
                        last = exc
                        break
                    if key == "anyOf" or sum(self.m.ok(x, v) for x in s[key]) == 1:
                        return v
        finally:
            self.vary = base_vary
        raise last or SchemaError(f"{path}.{key}", f"no {key} branch can be satisfied exclusively")

    def object(self, s: dict, path: str, hint: Hint, depth: int, refs: tuple, shallow: bool) -> dict:
        """Required properties always; optional ones unless ``maxProperties`` forbids."""
        props = s.get("properties") or {}
        required = list(dict.fromkeys(s.get("required") or []))
        budget = s.get("maxProperties", math.inf) - len(required)
        keys = []
        for k in props:
            if k in required:
                keys.append(k)
            elif props[k] is not False and not shallow and budget > 0:
                keys.append(k)
                budget -= 1
        keys += [k for k in required if k not in props]
        out: dict[str, Any] = {}
        for k in keys:
            sub = props[k] if k in props else self.extra_schema(s, k)
            child = Hint(key=k, parent=hint.key, siblings=out, top=depth == 0)
            try:
                out[k] = self.value(sub, f"{path}.properties.{k}", child, depth + 1, refs)
            except SchemaError:
                if k in required:
                    raise
        addl = s.get("additionalProperties", True)
        want = max(math.ceil(s.get("minProperties", 0)) - len(out), 0)
        if not props and isinstance(addl, dict) and addl and not shallow:
            want = max(want, min(2, math.floor(s.get("maxProperties", 2)) - len(out)))
        for i in range(want):
            for attempt in range(20):
                name = self.extra_key(s, hint, i + attempt * 7)
                if name not in out and name not in props and self.m.ok(s.get("propertyNames", True), name):
                    break
            else:
                raise SchemaError(f"{path}.minProperties", "cannot invent enough property names")
            sub = self.extra_schema(s, name)
            if sub is False:
                raise SchemaError(f"{path}.additionalProperties", "minProperties needs extra properties")
            out[name] = self.value(
                sub, f"{path}.additionalProperties", Hint(key=singular(hint.key)), depth + 1, refs
            )
        return out

    def extra_schema(self, s: dict, name: str) -> Any:
        pats = [v for p, v in (s.get("patternProperties") or {}).items() if re.search(p, name)]
        if pats:
            return pats[0] if len(pats) == 1 else {"allOf": pats}
        return s.get("additionalProperties", True)

    def extra_key(self, s: dict, hint: Hint, i: int) -> str:
        """A name for an additional property: from patternProperties/propertyNames or the field."""
        pats = list(s.get("patternProperties") or {})
        names = s.get("propertyNames")
        if isinstance(names, dict) and "pattern" in names:
            pats = [names["pattern"]]
        if pats:
            return self.regex(pats[i % len(pats)], 1, 24) or f"k{i}"
        if isinstance(names, dict) and "enum" in names:
            return str(names["enum"][i % len(names["enum"])])
        return f"{singular(hint.key) or 'key'}_{i + 1}"

    def array(self, s: dict, path: str, hint: Hint, depth: int, refs: tuple, shallow: bool) -> list:
        """Length from the prompt's counts (clamped to min/maxItems), distinct items if asked."""
        items = s.get("items", True)
        prefix = s.get("prefixItems") or (items if isinstance(items, list) else [])
        rest = (
            s.get("additionalItems", True)
            if isinstance(items, list)
            else (items if "prefixItems" in s or not isinstance(items, list) else True)
        )
        lo = s.get("minItems", 0)
        hi = s.get("maxItems", math.inf)
        if rest is False:
            hi = min(hi, len(prefix))
        if lo > hi:
            raise SchemaError(f"{path}.minItems", f"needs {lo} items but at most {hi} are allowed")
        n, noun = self.count(hint, depth)
        recursive = max((refs.count(r) for r in refs), default=0) >= 2
        if shallow:
            n = lo
        elif n is None:
            n = len(prefix) or (1 if recursive else 4 if hint.has("ingredient", "step", "instruction") else 3)
        n = int(min(max(n, lo), hi))
        item_key = singular(hint.key) if hint.key else noun
        out: list[Any] = []
        for i in range(n):
            sub, sub_path = (
                (prefix[i], f"{path}.prefixItems.{i}") if i < len(prefix) else (rest, f"{path}.items")
            )
            base_vary = self.vary
            for attempt in range(16 if s.get("uniqueItems") else 1):
                self.vary = base_vary + attempt
                v = self.value(sub, sub_path, Hint(key=item_key, parent=hint.key), depth + 1, refs)
                if not s.get("uniqueItems") or not any(json_equal(v, x) for x in out):
                    break
                if isinstance(v, str):  # same text again: number it ("page-2") if the schema allows
                    v = next(
                        (
                            c
                            for c in (f"{v}-{len(out) + 1}", f"{v} {len(out) + 1}", f"{v}{len(out) + 1}")
                            if self.m.ok(sub, c) and not any(json_equal(c, x) for x in out)
                        ),
                        v,
                    )
                    if not any(json_equal(v, x) for x in out):
                        break
            else:
                self.vary = base_vary
                if len(out) >= lo:
                    break
                raise SchemaError(f"{path}.uniqueItems", f"cannot produce {lo} distinct items")
            self.vary = base_vary
            out.append(v)
        contains = s.get("contains")
        if contains is not None and not any(self.m.ok(contains, x) for x in out):
            # one item must also satisfy ``contains``: replace the last one or append
            need = contains if rest is True else {"allOf": [rest, contains]}
            v = self.value(need, f"{path}.contains", Hint(key=item_key, parent=hint.key), depth + 1, refs)
            if len(out) >= hi or (out and len(out) > lo and len(prefix) < len(out)):
                out[-1] = v
            else:
                out.append(v)
        return out

    def count(self, hint: Hint, depth: int) -> tuple[int | None, str]:
        """(count, noun) the prompt asks for: 'three cities' matches a ``cities`` array;
        an unnamed top-level array takes the first count."""
        counts = self.info.counts
        names = {stem(hint.key), stem(singular(hint.key))} if hint.key else set()
        for n, after in counts:
            if names & set(after):
                return n, after[0] if after else ""
        if not hint.key and depth == 0 and counts:
            n, after = counts[0]
            return n, after[0] if after and after[0] else self.info.noun
        return None, self.info.noun if not hint.key and depth == 0 else ""

    # scalars -------------------------------------------------------------------------------
    def string(self, s: dict, path: str, hint: Hint) -> str:
        """Plausible text for the field, else a format value, else a regex sample; all checked."""
        lo, hi = s.get("minLength", 0), s.get("maxLength", math.inf)
        fmt, pattern = s.get("format"), s.get("pattern")
        check = {k: s[k] for k in ("minLength", "maxLength", "pattern", "format") if k in s}
        candidates = []
        if fmt in ("email", "idn-email"):
            candidates.append(
                plausible_string(Hint(key="email", siblings=hint.siblings), self.info, self.picker)
            )
        if fmt == "date":
            candidates += re.findall(r"\b\d{4}-\d{2}-\d{2}\b", self.info.text)
        if fmt and format_value(fmt, self.rng, hint.words):
            candidates.append(format_value(fmt, self.rng, hint.words))
        elif not pattern or not fmt:
            candidates.append(plausible_string(hint, self.info, self.picker))
        for c in candidates:
            if self.m.ok(check, c):
                return c
        if pattern:
            c = self.regex(pattern, lo, hi)
            if c is not None and self.m.ok(check, c):
                return c
            raise SchemaError(
                f"{path}.pattern", f"cannot produce a string matching {pattern!r} with length {lo}..{hi}"
            )
        if fmt in FORMAT_CHECKS:
            raise SchemaError(f"{path}.format", f"format {fmt!r} conflicts with length {lo}..{hi}")
        return self.fit(candidates[-1], lo, hi)

    @staticmethod
    def fit(text: str, lo: int, hi: float) -> str:
        """Pad or trim ``text`` into ``lo..hi`` characters, keeping it readable."""
        filler = " and more"
        while len(text) < lo:
            text += filler
        if len(text) > hi:
            text = text[: int(hi)]
            cut = text.rstrip(" .,")
            text = cut if len(cut) >= lo else text
        return text

    def regex(self, pattern: str, lo: int, hi: float) -> str | None:
        """A sample of ``pattern`` whose length is within bounds (None after many tries)."""
        for attempt in range(60):
            extra = (3, 1, 6, 0, 12, 24)[attempt % 6]
            try:
                c = sample_regex(pattern, self.rng, extra)
            except (re.error, RecursionError, IndexError, ValueError):
                return None
            if len(c) < lo and not pattern.endswith("$"):
                c = c + "x" * (lo - len(c))
            if lo <= len(c) <= hi and re.search(pattern, c):
                return c
        return None

    def number(self, s: dict, path: str, hint: Hint, integer: bool) -> int | float:
        """A plausible number for the field name, moved into bounds and onto ``multipleOf``."""
        check = {
            k: s[k]
            for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
            if k in s and _num(s[k])
        }
        check["type"] = "integer" if integer else "number"
        for k, base in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if s.get(k) is True and base in s:  # draft-4 boolean form
                check[k] = s[base]
        lo = max([check[k] for k in ("minimum", "exclusiveMinimum") if k in check], default=-math.inf)
        hi = min([check[k] for k in ("maximum", "exclusiveMaximum") if k in check], default=math.inf)
        plo, phi, dec = number_range(hint, integer)
        if not self.vary and hint.has("rating", "score", "star") and lo > -math.inf and hi < math.inf:
            plo, phi = lo, hi
        want = None if self.vary else prompt_number(hint, self.info)
        city = CITY_INFO.get(str(hint.siblings.get("city") or hint.siblings.get("name") or ""))
        if want is None and city and hint.has("population"):
            want = city[1]
        if want is None:
            if self.vary and lo > -math.inf and hi < math.inf:
                plo, phi = lo, hi
            want = self.rng.uniform(plo, phi) if dec else self.rng.randint(int(plo), int(phi))
        span = phi - plo or 1
        cands = [want, round(want, dec or 0)]
        if lo > -math.inf and hi < math.inf:
            mid = lo + (hi - lo) * self.rng.uniform(0.2, 0.8)
            cands += [round(mid, dec or 0), round(mid, 2), mid, (lo + hi) / 2]
        elif lo > -math.inf:
            cands += [lo + span * self.rng.uniform(0.1, 1), lo + 1, lo + 0.5]
        elif hi < math.inf:
            cands += [hi - span * self.rng.uniform(0.1, 1), hi - 1, hi - 0.5]
        cands += [math.ceil(lo) if lo > -math.inf else 0, math.floor(hi) if hi < math.inf else 0]
        m = check.get("multipleOf")
        for c in cands:
            c = min(max(c, lo), hi) if integer or m else c
            if m:
                for v in self.multiples(c, m, lo, hi):
                    if self.m.ok(check, v):
                        return int(v) if integer or float(v).is_integer() and isinstance(m, int) else v
                continue
            v = int(round(c)) if integer or dec == 0 and float(round(c)) == c else round(c, dec or 4)
            if integer and not self.m.ok(check, v):
                if lo > -math.inf and v <= lo:
                    v = int(math.floor(lo) + 1)
                elif v >= hi:
                    v = int(math.ceil(hi) - 1)
            if self.m.ok(check, v):
                return v
        raise SchemaError(path, f"no {'integer' if integer else 'number'} satisfies the numeric keywords")

    @staticmethod
    def multiples(c: float, m: float, lo: float, hi: float):
        """Multiples of ``m`` nearest to ``c`` (in float-exact forms jsonschema accepts)."""
        k0 = round(c / m)
        places = max(0, -math.floor(math.log10(m))) + 2 if m < 1 else 0
        for d in range(0, 60):
            for k in {k0 + d, k0 - d}:
                for v in (k * m, round(k * m, places)):
                    if lo <= v <= hi:
                        yield v
        step = math.ceil(1 / m) if m < 1 else 1
        start = math.ceil(lo) if lo > -math.inf else 0
        for i in range(200):
            v = (start // step + i) * step
            if v <= hi:
                yield v


def generate(schema: Any, *, prompt: str = "", rng: random.Random, path: str = "response_format") -> Any:
    """A plausible JSON value valid against ``schema``; deterministic for a seeded ``rng``.

    Raises :class:`SchemaError` (with the JSON path of the offending keyword, prefixed by
    ``path``) when the schema is unusable or unsatisfiable.
    """
    check_schema(schema, path)
    gen = _Gen(schema, prompt, rng, path)
    err = None
    for attempt in range(4):
        gen.vary = attempt
        value = gen.value(schema, path, Hint(), 0)
        err = gen.m.error(schema, value)
        if err is None:
            return value
    raise SchemaError(path, f"could not generate a value satisfying the schema ({err})")
