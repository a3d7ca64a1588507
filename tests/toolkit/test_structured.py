"""Structured output: schemas in every accepted shape, typed DataFrames, validation, on every surface."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, field_validator
from shell_helpers import run_cell
from typing_extensions import TypedDict

from gemini_nb import schemas, structured
from gemini_nb.schemas import SchemaError, parse_spec, resolve


class Size(str, enum.Enum):
    big = "big"
    small = "small"


class Address(BaseModel):
    street: str
    zip: int


class City(BaseModel):
    name: str
    population: int
    capital: bool
    size: Size
    founded: datetime.date | None = None
    address: Address


@dataclasses.dataclass
class Point:
    x: float
    label: Literal["a", "b"]


class Person(TypedDict):
    name: str
    age: int


class Picky(BaseModel):
    name: str
    population: int

    @field_validator("population")
    @classmethod
    def _negative(cls, value: int) -> int:
        raise ValueError("must be negative")


# -- compact spec -------------------------------------------------------------------------------
def test_spec_grammar():
    schema = parse_spec(
        "name, population: int, capital: bool?, day?: date, at: datetime, tags: list[str], "
        "kind: enum(a|b|c), ratio: float"
    )
    props = schema["properties"]
    assert list(props) == ["name", "population", "capital", "day", "at", "tags", "kind", "ratio"]
    assert props["name"] == {"type": "string"}
    assert props["population"] == {"type": "integer"}
    assert props["capital"] == {"anyOf": [{"type": "boolean"}, {"type": "null"}]}
    assert props["day"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["kind"] == {"type": "string", "enum": ["a", "b", "c"]}
    assert schema["required"] == ["name", "population", "at", "tags", "kind", "ratio"]


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("", "empty schema spec"),
        ("name,", "stray comma"),
        ("name, name: int", "appears twice"),
        ("1abc: int", "not a field name"),
        ("n: integer", "unknown type 'integer'"),
        ("n: list[list[str]]", "unknown type"),
        ("n: list[City]", "scalar item type"),
        ("n: enum(a||b)", "non-empty values"),
        ("n: enum(a|a)", "repeats"),
        ("n:", "missing type"),
    ],
)
def test_spec_errors_are_one_line(spec, fragment):
    with pytest.raises(SchemaError) as info:
        parse_spec(spec)
    assert fragment in str(info.value) and "\n" not in str(info.value)


_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_types = st.sampled_from(
    [
        "",
        "str",
        "int",
        "float",
        "bool",
        "date",
        "datetime",
        "list[str]",
        "list[int]",
        "enum(x|y)",
        "enum(on|off|auto)",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_names, _types, st.booleans()), min_size=1, max_size=6, unique_by=lambda t: t[0]))
def test_spec_property_round_trip(fields):
    """Any spec from the grammar parses to those fields, and its validator takes a matching answer."""
    spec = ", ".join(f"{n}{'?' if opt else ''}{': ' + t if t else ''}" for n, t, opt in fields)
    schema = resolve(spec)
    props = schema.json_schema["properties"]
    assert list(props) == [n for n, _, _ in fields]
    assert schema.json_schema["required"] == [n for n, _, opt in fields if not opt]
    sample = {
        "": "s",
        "str": "s",
        "int": 3,
        "float": 1.5,
        "bool": True,
        "date": "2024-01-02",
        "datetime": "2024-01-02T03:04:05Z",
        "list[str]": ["a"],
        "list[int]": [1],
        "enum(x|y)": "y",
        "enum(on|off|auto)": "auto",
    }
    answer = {n: sample[t] for n, t, opt in fields if not opt}
    checked = structured.check(schema, json.dumps(answer))
    assert checked.ok, checked.error
    assert list(checked.df.columns) == [n for n, _, _ in fields]


# -- resolving every shape -------------------------------------------------------------------------
def test_resolve_shapes():
    assert resolve(City).target is City and not resolve(City).many
    many = resolve(City, many=True)
    assert many.many and many.json_schema["type"] == "array" and "$defs" in many.json_schema
    assert resolve(list[City]).many
    assert resolve(Point).json_schema["properties"]["label"]["enum"] == ["a", "b"]
    assert resolve(Person).json_schema["required"] == ["name", "age"]
    assert resolve(Size).json_schema["enum"] == ["big", "small"]
    raw = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    got = resolve(raw, many=True)
    assert got.json_schema == {"type": "array", "items": raw} and got.plain
    assert resolve("City", namespace={"City": City}).target is City
    assert resolve("list[City]", namespace={"City": City}).many
    assert resolve("name: str", namespace={"City": City}).plain


@pytest.mark.parametrize(
    "value, fragment",
    [
        (42, "cannot use a int as a schema"),
        ({}, "empty JSON Schema"),
        ({"$ref": "#/$defs/Nope"}, "unresolvable $ref"),
    ],
)
def test_resolve_refuses_in_one_line(value, fragment):
    with pytest.raises(SchemaError) as info:
        resolve(value)
    assert fragment in str(info.value)


def test_unknown_name_in_namespace_says_how_to_write_a_spec():
    with pytest.raises(SchemaError) as info:
        resolve("Town", namespace={})
    assert "no such name" in str(info.value) and "'Town: str'" in str(info.value)
    with pytest.raises(SchemaError, match="holds a str, not a schema"):
        resolve("name", namespace={"name": "Bob"})


# -- DataFrames -----------------------------------------------------------------------------------
_KINDS = {
    "int": ({"type": "integer"}, [1, None, 3], "Int64"),
    "float": ({"type": "number"}, [1.5, None, 2.0], "float64"),
    "bool": ({"type": "boolean"}, [True, None, False], "boolean"),
    "date": ({"type": "string", "format": "date"}, ["2024-01-02", None, "2023-12-31"], "datetime64"),
    "datetime": (
        {"type": "string", "format": "date-time"},
        ["2024-01-02T03:04:05", None, "2024-01-02T00:00:00"],
        "datetime64",
    ),
    "enum": ({"enum": ["x", "y"]}, ["x", None, "y"], "category"),
    "const": ({"const": "k"}, ["k", "k", None], "category"),
}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=6), st.booleans())
def test_dtype_mapping_property(kinds, optional):
    """Each JSON Schema kind becomes its pandas dtype, nullable or not, in schema order."""
    props, rows = {}, [{}, {}, {}]
    for i, kind in enumerate(kinds):
        node, values, _ = _KINDS[kind]
        props[f"c{i}"] = {"anyOf": [node, {"type": "null"}]} if optional else node
        for row, value in zip(rows, values):
            row[f"c{i}"] = value
    column_kinds, is_list = structured.column_kinds({"type": "object", "properties": props})
    assert not is_list
    frame = structured.to_frame(rows, column_kinds)
    assert list(frame.columns) == list(props)
    for i, kind in enumerate(kinds):
        assert str(frame[f"c{i}"].dtype).startswith(_KINDS[kind][2]), (kind, frame[f"c{i}"].dtype)


def test_nested_objects_flatten_and_a_list_becomes_rows():
    schema = resolve(City, many=True)
    answer = [
        {
            "name": "Paris",
            "population": 2,
            "capital": True,
            "size": "big",
            "address": {"street": "Rue", "zip": 75001},
        },
        {
            "name": "Lyon",
            "population": 1,
            "capital": False,
            "size": "small",
            "founded": "1900-01-01",
            "address": {"street": "Quai", "zip": 69001},
        },
    ]
    checked = structured.check(schema, json.dumps(answer))
    df = checked.df
    assert list(df.columns) == [
        "name",
        "population",
        "capital",
        "size",
        "founded",
        "address.street",
        "address.zip",
    ]
    assert [str(df[c].dtype) for c in ("population", "capital", "size", "address.zip")] == [
        "Int64",
        "boolean",
        "category",
        "Int64",
    ]
    assert str(df["founded"].dtype).startswith("datetime64")
    assert df["founded"].isna().tolist() == [True, False]
    assert list(df["size"].cat.categories) == ["big", "small"]
    assert isinstance(checked.data[0], City) and checked.data[1].address.zip == 69001


def test_validation_failure_is_one_line_per_field_and_keeps_the_raw_json():
    bad = json.dumps(
        {"name": "Paris", "population": "many", "capital": True, "size": "huge", "address": {"street": "x"}}
    )
    checked = structured.check(resolve(City), bad)
    assert not checked.ok and checked.df is None and checked.raw_json == bad
    assert "\n" not in checked.error
    for fragment in (
        "population: Input should be a valid integer",
        "(got 'many')",
        "size:",
        "address.zip: Field required",
    ):
        assert fragment in checked.error, checked.error
    broken = structured.check(resolve(City), '{"name": ')
    assert broken.error.startswith("The answer is not valid JSON")


# -- ask() / Session.ask() against the emulator ----------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_ask_with_schema_many_returns_typed_table(session, emu, stream):
    result = session.ask("List cities in France", schema=City, many=True, stream=stream)
    sent = [r for r in emu.requests() if r.get("method") == "POST"][-1]
    body = sent.get("body") or sent.get("json") or sent
    assert "response_format" in json.dumps(body)
    assert result.schema_error is None and len(result.data) >= 1
    assert all(isinstance(c, City) for c in result.data)
    assert str(result.df["population"].dtype) == "Int64" and "address.zip" in result.df.columns
    assert json.loads(result.raw_json)[0]["name"] == result.data[0].name
    data, meta = result._repr_mimebundle_()
    assert "<table" in data["text/html"] and "[emulated]" in data["text/html"]
    assert "population" in data["text/plain"] and meta["gemini_nb"]["schema"] == "list[City]"
    assert session.chain.head().id == result.id


def test_ask_compact_spec_gives_dicts(clean_env, emu, monkeypatch):
    import gemini_nb

    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    result = gemini_nb.ask("Describe Paris", schema="name, population: int, capital: bool", stream=False)
    assert set(result.data) == {"name", "population", "capital"}
    assert isinstance(result.data["population"], int)
    assert list(result.df.columns) == ["name", "population", "capital"] and len(result.df) == 1


def test_failed_validation_never_raises_and_the_chain_records_the_turn(session):
    result = session.ask("Describe Paris", schema=Picky, stream=False)
    assert result.status == "completed" and result.data is None and result.df is None
    assert result.schema_error.startswith(
        "The answer does not match Picky: population: Value error, must be negative"
    )
    assert json.loads(result.raw_json)["name"] and result.text == result.raw_json
    assert session.chain.head().id == result.id
    data, _ = result._repr_mimebundle_()
    assert "Schema check failed" in data["text/markdown"] and "Schema check failed" in repr(result)


def test_bad_schema_in_ask_is_one_line_and_nothing_is_sent(session, emu):
    from gemini_nb.request import OptionError

    with pytest.raises(OptionError, match="unknown type 'number'"):
        session.ask("hi", schema="n: number")
    with pytest.raises(OptionError, match="--many needs --schema"):
        session.ask("hi", many=True)
    assert not [r for r in emu.requests() if r.get("method") == "POST"]


# -- the magics -----------------------------------------------------------------------------------
def test_magic_schema_many_shows_a_table(ip, emu):
    ip.user_ns["City"] = City
    result, out, err = run_cell(ip, "%%gemini --schema City --many -o cities\nList cities in France")
    assert result.success, err
    value = ip.user_ns["cities"]
    assert value is result.result and isinstance(value.data[0], City)
    assert "<table" in value._repr_mimebundle_()[0]["text/html"]
    result, _, _ = run_cell(ip, '%%gemini --schema "name, population: int" --no-stream\nDescribe Lyon')
    assert list(result.result.df.columns) == ["name", "population"]


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("--schema Nowhere", "no such name in the namespace"),
        ("--schema 'n: numbr'", "unknown type 'numbr'"),
        ("--many", "--many needs --schema"),
        ("--concurrency 4", "--concurrency applies to --map only"),
        ("--map df --new", "--new does not apply"),
        ("--map df --stream", "--stream does not apply"),
        ("--map df --concurrency 0", "between 1 and 256"),
    ],
)
def test_magic_schema_errors_are_one_line(ip, emu, line, fragment):
    result, _, err = run_cell(ip, f"%%gemini {line}\nhi")
    assert not result.success and fragment in str(result.error_in_exec or err)
    assert not [r for r in emu.requests() if r.get("method") == "POST"]


def test_help_lists_structured_options(ip):
    doc = ip.magics_manager.magics["line"]["gemini"].__doc__
    for option in ("--schema", "--many", "--map", "--concurrency"):
        assert option in doc


def test_schema_objects_survive_option_logging():
    from gemini_nb.request import TurnOptions

    opts = TurnOptions(schema=schemas.resolve(City), many=True)
    assert opts.logged()["schema"] is opts.schema and str(opts.schema) == "City"


def test_enum_schema_is_one_categorical_column(session):
    result = session.ask("Pick a size", schema=Size, stream=False)
    assert isinstance(result.data, Size)
    assert list(result.df.columns) == ["value"] and str(result.df["value"].dtype) == "category"


def test_terminal_ipython_prints_the_table_after_the_streamed_json(ip, emu, monkeypatch):
    from gemini_nb import api

    monkeypatch.setattr(api, "in_terminal", lambda: True)
    result, out, err = run_cell(
        ip, "%%gemini --stream --no-thoughts --schema 'name, population: int'\nDescribe Paris"
    )
    assert result.success, err
    value = ip.user_ns["_"]
    assert out.count(value.raw_json[:20]) == 1  # the JSON streamed once
    table = value.df.to_string()
    assert table in out and out.index(table) > out.index(value.raw_json[:20])
    assert out.rstrip().splitlines()[-1].startswith("— [emulated]")
