"""Structured output through the real google-genai SDK over HTTP (3.x in-process, 1.55 subprocess).

The contract a notebook relies on: whatever form the schema is sent in, ``output_text`` is
JSON that validates against it (checked here with jsonschema Draft 2020-12 and with
pydantic's own ``model_validate_json``), streamed or not, and bad schemas are 400s naming
the offending path.
"""

from __future__ import annotations

import enum
import json

import httpx
import pytest
from clients import make_client
from emu_process import run_legacy
from google.genai import _interactions as gx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field
from test_brain_schema import assert_valid, schemas, with_defs

MODEL = "gemini-3-flash-preview"
CITIES = {
    "type": "object",
    "properties": {
        "cities": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 5},
        "country": {"type": "string"},
    },
    "required": ["cities", "country"],
}


class Genre(str, enum.Enum):
    fiction = "fiction"
    science = "science"
    history = "history"


class Author(BaseModel):
    name: str
    born: int | None = None
    email: str | None = None


class Book(BaseModel):
    title: str
    genre: Genre
    authors: list[Author] = Field(min_length=1, max_length=3)
    rating: float = Field(ge=0, le=5)
    tags: list[str] = []
    sequel: Book | None = None


class Recipe(BaseModel):
    name: str
    ingredients: list[str] = Field(min_length=2)
    minutes: int = Field(gt=0, le=240)
    vegetarian: bool


class Library(BaseModel):
    city: str
    books: list[Book]
    open_days: list[str] = Field(max_length=7)


def post(base_url: str, body: dict) -> httpx.Response:
    """A raw create request, for wire forms the 3.x SDK no longer sends (2.0.0 camelCase)."""
    return httpx.post(
        f"{base_url}/v1beta/interactions",
        json={"model": MODEL, **body},
        headers={"x-goog-api-key": "test-key"},
        timeout=30,
    )


def raw_text(body: dict) -> str:
    return "".join(
        p["text"]
        for s in body["steps"]
        if s["type"] == "model_output"
        for p in s["content"]
        if p["type"] == "text"
    )


@pytest.mark.parametrize("form", ["raw", "typed", "list"])
def test_schema_forms_streamed_and_not(client, form):
    response_format = {
        "raw": CITIES,
        "typed": {"type": "text", "mime_type": "application/json", "schema": CITIES},
        "list": [{"type": "text", "mime_type": "application/json", "schema": CITIES}],
    }[form]
    kwargs = dict(model=MODEL, input="List three cities in Italy", response_format=response_format)
    unary = client.interactions.create(**kwargs)
    assert unary.status == "completed"
    value = json.loads(unary.output_text)
    Draft202012Validator(CITIES).validate(value)
    assert len(value["cities"]) == 3 and value["country"] == "Italy"
    events = list(client.interactions.create(stream=True, **kwargs))
    text = "".join(e.delta.text for e in events if type(e).__name__ == "StepDelta" and e.delta.type == "text")
    assert json.loads(text) == value


def test_camel_case_typed_format_and_camel_case_property_names(emu):
    schema = {
        "type": "object",
        "properties": {"mimeType": {"type": "string"}, "callId": {"type": "string"}},
        "required": ["mimeType", "callId"],
        "additionalProperties": False,
    }
    for response_format in ({"type": "text", "mimeType": "application/json", "schema": schema}, schema):
        resp = post(emu.base_url, {"input": "Describe a file", "response_format": response_format})
        assert resp.status_code == 200, resp.text
        Draft202012Validator(schema).validate(json.loads(raw_text(resp.json())))


def test_json_mode_without_schema_gives_a_plausible_object(client):
    interaction = client.interactions.create(
        model=MODEL,
        input="Name four rivers in Europe",
        response_format={"type": "text", "mime_type": "application/json"},
    )
    value = json.loads(interaction.output_text)
    assert isinstance(value, dict) and len(value["rivers"]) == 4
    plain = client.interactions.create(
        model=MODEL,
        input="Tell me about Rome",
        response_format={"type": "text", "mime_type": "application/json"},
    )
    assert json.loads(plain.output_text)["topic"] == "Rome"


def test_enum_mode_answers_with_the_bare_value(emu):
    resp = post(
        emu.base_url,
        {
            "input": "Is this review positive? 'Loved it!'",
            "response_mime_type": "text/x.enum",
            "response_format": {"type": "string", "enum": ["positive", "negative", "neutral"]},
        },
    )
    assert resp.status_code == 200, resp.text
    assert raw_text(resp.json()) in ("positive", "negative", "neutral")


def test_plain_text_format_is_not_json(client):
    interaction = client.interactions.create(model=MODEL, input="Say hello", response_format={"type": "text"})
    assert interaction.output_text == "hello"


@pytest.mark.parametrize(
    "response_format, path",
    [
        ({"type": "object", "properties": {"age": {"type": "int"}}}, "response_format.properties.age.type"),
        (
            {"type": "text", "mime_type": "application/json", "schema": {"$ref": "#/$defs/Missing"}},
            "response_format.schema.$ref",
        ),
        (
            [
                {
                    "type": "text",
                    "mime_type": "application/json",
                    "schema": {"type": "array", "minItems": 4, "maxItems": 2},
                }
            ],
            "response_format[0].schema",
        ),
        ({"type": "array", "minItems": 10**7}, "response_format.minItems"),
    ],
)
def test_bad_schemas_are_400_naming_the_path(client, response_format, path):
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(model=MODEL, input="anything", response_format=response_format)
    assert info.value.status_code == 400 and path in str(info.value)


@pytest.mark.parametrize(
    "model, prompt",
    [
        (Book, "Recommend a science book"),
        (Recipe, "A quick vegetarian pasta recipe"),
        (Library, "A library in Lisbon with two books"),
        (Author, "A famous author"),
    ],
)
@pytest.mark.parametrize("typed", [False, True])
def test_pydantic_models_validate(client, model, prompt, typed):
    schema = model.model_json_schema()
    response_format = {"type": "text", "mime_type": "application/json", "schema": schema} if typed else schema
    interaction = client.interactions.create(model=MODEL, input=prompt, response_format=response_format)
    model.model_validate_json(interaction.output_text)
    assert_valid(schema, json.loads(interaction.output_text))


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    schema=st.one_of(schemas, with_defs()).filter(lambda s: s != {}),  # 3.x sends {} as {"type": "text"}
    prompt=st.sampled_from(["", "List three cities in France", "Give me 5 recipes", "a list of 4 users"]),
)
def test_random_schemas_through_the_sdk_validate(emu, schema, prompt):
    client = make_client(emu.base_url)
    interaction = client.interactions.create(
        model=MODEL, input=prompt or "json please", response_format=schema
    )
    assert interaction.status == "completed"
    assert_valid(schema, json.loads(interaction.output_text))


def test_legacy_sdk_json_mode(legacy_py):
    out = run_legacy(
        legacy_py,
        """
        schema = {"type": "object", "properties": {"name": {"title": "Name", "type": "string"},
                  "age": {"title": "Age", "type": "integer"}}, "required": ["name", "age"], "title": "M"}
        first = client.interactions.create(model=MODEL, input="Invent a person", response_format=schema,
                                           response_mime_type="application/json")
        events = list(client.interactions.create(model=MODEL, input="Invent a person", response_format=schema,
                                                 response_mime_type="application/json", stream=True))
        streamed = "".join(e.delta.text for e in events if type(e).__name__ == "ContentDelta"
                           and e.delta.type == "text")
        free = client.interactions.create(model=MODEL, input="List two colors",
                                          response_mime_type="application/json")
        print(json.dumps({"text": first.outputs[-1].text, "streamed": streamed,
                          "free": free.outputs[-1].text}))
    """,
    )
    value = json.loads(out["text"])
    assert set(value) == {"name", "age"} and isinstance(value["age"], int)
    assert json.loads(out["streamed"]) == value
    assert len(json.loads(out["free"])["colors"]) == 2
