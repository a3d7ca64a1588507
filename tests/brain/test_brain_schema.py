"""Structured output generator: always schema-valid, plausible, deterministic, clear errors."""

from __future__ import annotations

import enum
import random
import re
from datetime import datetime
from datetime import time as dtime
from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, Field

from gemini_nb.emulator.brain.lib.schema_gen import SchemaError, check_schema, generate
from gemini_nb.emulator.brain.lib.vocab import COUNTRIES, FIRST_NAMES, RECIPES

# jsonschema checks date-time/time/uri/hostname only with optional extras; check them here
# independently of the generator's own matcher so a bug there cannot hide.
FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _dt(s: object) -> bool:
    return not isinstance(s, str) or bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", s)
        and datetime.fromisoformat(s.replace("Z", "+00:00"))
    )


@FORMATS.checks("time")
def _time(s: object) -> bool:
    return not isinstance(s, str) or bool(
        re.fullmatch(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", s)
        and dtime.fromisoformat(s.replace("Z", "+00:00"))
    )


@FORMATS.checks("uri")
def _uri(s: object) -> bool:
    return not isinstance(s, str) or bool(urlparse(s).scheme and urlparse(s).netloc)


@FORMATS.checks("hostname")
def _host(s: object) -> bool:
    return not isinstance(s, str) or all(
        re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", p) for p in s.split(".")
    )


def assert_valid(schema, value):
    Draft202012Validator(schema, format_checker=FORMATS).validate(value)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(value)


def gen(schema, prompt="", seed=0):
    value = generate(schema, prompt=prompt, rng=random.Random(seed))
    assert_valid(schema, value)
    return value


# -- random schemas ------------------------------------------------------------------------------
PATTERNS = [
    r"^[A-Z]{3}$",
    r"^\d{5}$",
    r"^[a-z0-9_]+$",
    r"^[a-z]+-\d{2,4}$",
    r"^(foo|bar|baz)[0-9]?$",
    r"^\+?[0-9 ]{7,12}$",
    r"^[A-Fa-f0-9]{8}$",
    r"[aeiou]{2}",
    r"^\w+@\w+\.com$",
    r"^(\d{3})-\1$",
    r"^[^\s]{4,}$",
    r"^(?:[A-Z][a-z]+ ?){1,3}$",
]
FORMAT_NAMES = ["date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]
KEYS = [
    "name",
    "first_name",
    "last_name",
    "city",
    "country",
    "email",
    "age",
    "price",
    "rating",
    "year",
    "tags",
    "title",
    "summary",
    "id",
    "population",
    "description",
    "ingredients",
    "steps",
    "phone",
    "url",
    "count",
    "value",
    "code",
    "is_active",
    "score",
    "created_at",
    "zip",
    "x",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-50, 50),
    st.text(max_size=6),
    st.floats(-100, 100, allow_nan=False).map(lambda f: round(f, 2)),
)


@st.composite
def string_schemas(draw):
    s: dict = {"type": "string"}
    kind = draw(st.sampled_from(["plain", "len", "pattern", "format"]))
    if kind == "len":
        lo = draw(st.integers(0, 12))
        s["minLength"] = lo
        if draw(st.booleans()):
            s["maxLength"] = lo + draw(st.integers(0, 20))
    elif kind == "pattern":
        s["pattern"] = draw(st.sampled_from(PATTERNS))
    elif kind == "format":
        s["format"] = draw(st.sampled_from(FORMAT_NAMES))
    return s


@st.composite
def number_schemas(draw):
    integer = draw(st.booleans())
    s: dict = {"type": "integer" if integer else "number"}
    lo = draw(st.one_of(st.none(), st.integers(-1000, 1000)))
    ex_lo, ex_hi = draw(st.booleans()), draw(st.booleans())
    multiple = draw(
        st.one_of(
            st.none(),
            st.sampled_from([2, 3, 5, 10]) if integer else st.sampled_from([0.5, 0.25, 0.1, 0.01, 2]),
        )
    )
    # wide enough that every combination below leaves at least one value
    width = draw(st.integers(0 if multiple is None and not (ex_lo or ex_hi) else 25, 500))
    if lo is not None:
        s["exclusiveMinimum" if ex_lo else "minimum"] = lo
    if draw(st.booleans()):
        top = (lo if lo is not None else draw(st.integers(-1000, 1000))) + width
        s["exclusiveMaximum" if ex_hi else "maximum"] = top
    if multiple is not None:
        s["multipleOf"] = multiple
    return s


def _simple(t: str) -> dict:
    return {
        "string": {"type": "string"},
        "integer": {"type": "integer", "minimum": 0},
        "boolean": {"type": "boolean"},
        "null": {"type": "null"},
        "object": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        "array": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    }[t]


scalars = st.one_of(
    string_schemas(),
    number_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(json_scalars, min_size=1, max_size=5, unique_by=repr).map(lambda e: {"enum": e}),
    json_scalars.map(lambda c: {"const": c}),
    st.just({}),
    st.sampled_from(["string", "integer", "boolean"]).map(lambda t: {"type": [t, "null"]}),
)


def compound(children):
    def obj(draw_props, req_flags, addl):
        props = dict(draw_props)
        req = [k for k, f in zip(props, req_flags) if f]
        s = {"type": "object", "properties": props, "required": req}
        if addl is not None:
            s["additionalProperties"] = addl
        return s

    objects = st.builds(
        obj,
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
        st.lists(st.booleans(), min_size=5, max_size=5),
        st.one_of(st.none(), st.booleans(), st.just({"type": "integer"})),
    )

    @st.composite
    def arrays(draw):
        lo = draw(st.integers(0, 3))
        s = {"type": "array", "items": draw(children), "minItems": lo}
        if draw(st.booleans()):
            s["maxItems"] = lo + draw(st.integers(0, 4))
        if draw(st.booleans()):
            s["items"] = draw(
                st.sampled_from([{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 10**6}])
            )
            s["uniqueItems"] = True
        if draw(st.integers(0, 4)) == 0:
            s["prefixItems"] = draw(st.lists(children, min_size=1, max_size=3))
            s.pop("uniqueItems", None)
            s["maxItems"] = max(s.get("maxItems", 0), len(s["prefixItems"]) + 2)
        return s

    one_of = st.lists(
        st.sampled_from(["string", "integer", "boolean", "null", "object", "array"]),
        min_size=1,
        max_size=4,
        unique=True,
    ).map(lambda ts: {"oneOf": [_simple(t) for t in ts]})
    return st.one_of(
        objects,
        arrays(),
        st.lists(children, min_size=1, max_size=3).map(lambda b: {"anyOf": b}),
        one_of,
        st.tuples(children, st.text("abc", max_size=6)).map(
            lambda t: {"allOf": [t[0], {"description": t[1]}]}
        ),
    )


schemas = st.recursive(scalars, compound, max_leaves=10)


@st.composite
def with_defs(draw):
    inner = draw(schemas)
    return {
        "$defs": {"Item": inner},
        "type": "object",
        "properties": {
            "item": {"$ref": "#/$defs/Item"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "maxItems": 3},
        },
        "required": ["item"],
    }


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    schema=st.one_of(schemas, with_defs()),
    seed=st.integers(0, 2**16),
    prompt=st.sampled_from(["", "List three cities in France", "Give me 5 recipes", "a list of 4 users"]),
)
def test_random_schemas_always_validate(schema, seed, prompt):
    gen(schema, prompt, seed)


@FAST
@given(schema=schemas, seed=st.integers(0, 2**16))
def test_deterministic_for_a_seed(schema, seed):
    assert generate(schema, rng=random.Random(seed)) == generate(schema, rng=random.Random(seed))


# -- pydantic -------------------------------------------------------------------------------------
class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str
    zip_code: str = Field(pattern=r"^\d{5}$")


class Person(BaseModel):
    first_name: str
    last_name: str
    email: str
    age: int = Field(ge=0, le=130)
    favorite_color: Color
    address: Address | None = None
    tags: list[str] = Field(default_factory=list, max_length=4)
    score: float = Field(gt=0, lt=1)


class Team(BaseModel):
    name: str
    members: list[Person] = Field(min_length=1)
    lead: Person | None = None


class Node(BaseModel):
    name: str
    children: list[Node] = []
    parent: Node | None = None


class Category(BaseModel):
    title: str
    sub: Category


@pytest.mark.parametrize("model", [Address, Person, Team, Node])
@pytest.mark.parametrize("seed", range(8))
def test_pydantic_schemas(model, seed):
    schema = model.model_json_schema()
    value = gen(schema, "Build a small team of engineers", seed)
    model.model_validate(value)


def test_recursive_model_terminates_and_stays_small():
    value = gen(Node.model_json_schema(), "a family tree", 3)
    text = repr(value)
    assert text.count("'name'") < 40


def test_unsatisfiable_recursion_is_a_schema_error():
    with pytest.raises(SchemaError, match="recursion"):
        generate(
            {
                "$ref": "#/$defs/Category",
                "$defs": {"Category": Category.model_json_schema()["$defs"]["Category"]},
            }
            if "$defs" in Category.model_json_schema()
            else Category.model_json_schema(),
            rng=random.Random(0),
        )


# -- keywords ------------------------------------------------------------------------------------
def _lower(schema):
    """OpenAPI upper-case types and nullable -> JSON Schema, to validate with jsonschema."""
    if isinstance(schema, list):
        return [_lower(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _lower(v) for k, v in schema.items() if k != "nullable"}
    if "type" in schema:
        out["type"] = [schema["type"].lower()] + (["null"] if schema.get("nullable") else [])
    if "properties" in schema:
        out["properties"] = {k: _lower(v) for k, v in schema["properties"].items()}
    return out


def test_openapi_style_types():
    schema = {
        "type": "OBJECT",
        "properties": {
            "name": {"type": "STRING"},
            "age": {"type": "INTEGER"},
            "ok": {"type": "BOOLEAN"},
            "score": {"type": "NUMBER", "nullable": True},
            "tags": {"type": "ARRAY", "items": {"type": "STRING"}},
        },
        "required": ["name", "age"],
    }
    value = generate(schema, rng=random.Random(1))
    assert_valid(_lower(schema), value)
    assert isinstance(value["age"], int) and value["score"] is not None


def test_oneof_matches_exactly_one_branch():
    schema = {"oneOf": [{"type": "number"}, {"type": "integer"}]}
    for seed in range(20):
        value = gen(schema, seed=seed)
        assert isinstance(value, float) and not value.is_integer()


def test_not_type_and_contains():
    assert not isinstance(gen({"not": {"type": "string"}}), str)
    value = gen({"type": "array", "items": {"type": ["string", "integer"]}, "contains": {"type": "integer"}})
    assert any(isinstance(v, int) for v in value)
    assert 5 in gen({"type": "array", "contains": {"const": 5}, "minItems": 2, "maxItems": 2})


def test_no_type_is_inferred():
    assert isinstance(gen({"properties": {"a": {"minimum": 3}}, "required": ["a"]})["a"], (int, float))
    assert isinstance(gen({"minItems": 2}), list)
    assert isinstance(gen({"minLength": 4}), str)


def test_additional_and_pattern_properties():
    value = gen({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 3})
    assert len(value) >= 3
    value = gen(
        {
            "type": "object",
            "patternProperties": {"^x_[a-z]+$": {"type": "string"}},
            "additionalProperties": False,
            "minProperties": 2,
        }
    )
    assert len(value) == 2 and all(k.startswith("x_") for k in value)


def test_max_properties_limits_optional_fields():
    schema = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in "abcdef"},
        "required": ["a"],
        "maxProperties": 3,
    }
    assert len(gen(schema)) == 3


def test_float_multiple_of_is_exact():
    for m in (0.1, 0.01, 0.3, 0.05):
        for seed in range(10):
            gen({"type": "number", "multipleOf": m, "minimum": 1, "maximum": 50}, seed=seed)


@pytest.mark.parametrize(
    "pattern",
    PATTERNS
    + [r"^[A-Z]{2}-\d{4}-[a-z]{2,3}$", r"(?i)^abc[xyz]+$", r"^(?=.*\d)[a-z\d]{6,10}$", r"^\S+\s\S+$"],
)
def test_patterns(pattern):
    for seed in range(5):
        assert re.search(pattern, gen({"type": "string", "pattern": pattern}, seed=seed))


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "schema, path",
    [
        (
            {"type": "object", "properties": {"age": {"type": "integr"}}},
            r"response_format\.properties\.age\.type: unknown type 'integr'",
        ),
        ({"type": "array", "minItems": 3, "maxItems": 1}, r"response_format\.minItems"),
        ({"$ref": "#/$defs/Missing"}, r"response_format\.\$ref: unresolvable"),
        ([1, 2], r"response_format: schema must be"),
        ({"type": "string", "pattern": "("}, r"response_format\.pattern"),
        ({"type": "integer", "minimum": 5, "maximum": 1}, r"response_format\.minimum"),
        ({"properties": {"a": {"items": {"type": "bogus"}}}}, r"response_format\.properties\.a\.items\.type"),
        ({"anyOf": []}, r"response_format\.anyOf"),
        ({"type": "object", "properties": {"a": False}, "required": ["a"]}, r"response_format\.required"),
    ],
)
def test_schema_errors_name_the_path(schema, path):
    with pytest.raises(SchemaError, match=path):
        check_schema(schema)
    with pytest.raises(SchemaError, match=path):
        generate(schema, rng=random.Random(0))


def test_generation_time_unsatisfiable():
    with pytest.raises(SchemaError, match="uniqueItems"):
        generate(
            {"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True},
            rng=random.Random(0),
        )
    with pytest.raises(SchemaError, match=r"response_format\.enum"):
        generate({"type": "integer", "enum": ["a", "b"]}, rng=random.Random(0))
    with pytest.raises(SchemaError, match="integer"):
        generate({"type": "integer", "minimum": 1.2, "maximum": 1.8}, rng=random.Random(0))
    with pytest.raises(SchemaError, match=r"^my\.path"):
        check_schema({"type": "nope"}, path="my.path")


# -- plausibility --------------------------------------------------------------------------------
CITIES = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    },
}


def test_three_french_cities():
    value = gen(CITIES, "List three cities in France with their population")
    french = {c[0] for c in COUNTRIES["France"][2]}
    assert len(value) == 3 and all(v["city"] in french for v in value)
    assert len({v["city"] for v in value}) == 3
    assert all(100_000 < v["population"] < 5_000_000 for v in value)


def test_counts_respect_bounds_and_nouns():
    schema = {
        "type": "object",
        "properties": {
            "recipes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "ingredients": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "ingredients"],
                },
            }
        },
    }
    value = gen(schema, "Give me 5 recipes with 3 ingredients each")
    assert len(value["recipes"]) == 5 and all(len(r["ingredients"]) == 3 for r in value["recipes"])
    assert all(r["name"] in RECIPES for r in value["recipes"])
    assert len(gen({"type": "array", "items": {"type": "string"}}, "a list of 4 colors")) == 4
    assert len(gen({"type": "array", "items": {"type": "string"}, "maxItems": 2}, "ten animals")) == 2


def test_prompt_names_and_numbers_are_reused():
    schema = {
        "type": "object",
        "properties": {
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "age": {"type": "integer"},
        },
    }
    value = gen(schema, "Create a profile for Ada Lovelace, aged 36")
    assert value == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada.lovelace@example.com",
        "age": 36,
    }


def test_field_names_drive_values():
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "price": {"type": "number"},
            "rating": {"type": "number", "minimum": 0, "maximum": 10},
            "birth_date": {"type": "string"},
            "summary": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "country": {"type": "string"},
            "url": {"type": "string"},
            "phone": {"type": "string"},
            "year": {"type": "integer"},
        },
    }
    for seed in range(5):
        v = gen(schema, "Describe Japanese gardens", seed)
        assert v["name"].split()[0] in FIRST_NAMES
        assert 18 <= v["age"] <= 90 and 1950 <= v["year"] <= 2024 and 0 <= v["rating"] <= 10
        assert round(v["price"], 2) == v["price"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["birth_date"])
        assert "japanese gardens" in v["summary"].lower()
        assert v["country"] == "Japan" and v["url"].startswith("https://") and v["phone"].startswith("+")
        assert 2 <= len(v["tags"]) <= 5


def test_enum_prefers_prompt_mention():
    schema = {"type": "object", "properties": {"unit": {"enum": ["celsius", "fahrenheit", "kelvin"]}}}
    assert all(gen(schema, "temperature in Fahrenheit please", s)["unit"] == "fahrenheit" for s in range(5))


def _to_openapi(schema):
    """JSON Schema -> Gemini/OpenAPI style (upper-case types, ``nullable``), same meaning."""
    if isinstance(schema, list):
        return [_to_openapi(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: (
            v
            if k in ("enum", "const", "required")
            else {n: _to_openapi(s) for n, s in v.items()}
            if k in ("properties", "$defs")
            else _to_openapi(v)
        )
        for k, v in schema.items()
    }
    t = schema.get("type")
    if isinstance(t, list) and len(t) == 2 and "null" in t:
        out["type"], out["nullable"] = [x for x in t if x != "null"][0].upper(), True
    elif isinstance(t, str):
        out["type"] = t.upper()
    return out


@FAST
@given(schema=schemas, seed=st.integers(0, 2**16))
def test_openapi_style_schemas_validate(schema, seed):
    value = generate(_to_openapi(schema), rng=random.Random(seed))
    assert_valid(schema, value)
