"""Structured output stays on topic, and a schema described in prose is honoured."""

from __future__ import annotations

import json
import random
import re

from brain_helpers import make_ctx
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gemini_nb.emulator.brain.lib.lexicon import FOODS, THINGS
from gemini_nb.emulator.brain.lib.schema_gen import generate
from gemini_nb.emulator.brain.skills.structured import StructuredSkill, prose_schema

RECIPE_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "recipe_name": {"type": "string"},
            "ingredients": {"type": "array", "items": {"type": "string"}},
            "steps": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["recipe_name", "ingredients", "steps"],
    },
}


@given(st.sampled_from(sorted(FOODS)), st.integers(1, 6), st.integers(0, 10_000))
@settings(max_examples=50, deadline=None)
def test_food_requests_stay_on_topic(theme, n, seed):
    value = generate(RECIPE_LIST, prompt=f"Give me {n} {theme} recipes", rng=random.Random(seed))
    Draft202012Validator(RECIPE_LIST).validate(value)
    assert len(value) == n
    for recipe in value:
        assert recipe["recipe_name"].split(" ")[0] in " ".join(FOODS[theme]["dishes"])
        assert all(i in FOODS[theme]["ingredients"] for i in recipe["ingredients"])
        assert all(s in FOODS[theme]["steps"] for s in recipe["steps"])


def test_pasta_is_not_a_salad():
    value = generate(RECIPE_LIST, prompt="List 3 popular pasta recipes", rng=random.Random(0))
    assert all(r["recipe_name"] in FOODS["pasta"]["dishes"] for r in value)


@given(
    st.sampled_from(["planet", "fruit", "animal", "country", "instrument"]),
    st.integers(1, 5),
    st.integers(0, 1000),
)
@settings(max_examples=40, deadline=None)
def test_named_things_come_from_the_subject(noun, n, seed):
    schema = {
        "type": "object",
        "properties": {
            noun + "s": {
                "type": "array",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            }
        },
        "required": [noun + "s"],
    }
    value = generate(schema, prompt=f"List {n} {noun}s", rng=random.Random(seed))
    names = [x["name"] for x in value[noun + "s"]]
    assert len(names) == n and all(name in THINGS[noun] for name in names)


FIELD_NAMES = st.lists(
    st.sampled_from(
        [
            "name",
            "age",
            "city",
            "email",
            "price",
            "title",
            "author",
            "year",
            "is_active",
            "tags",
            "country",
            "rating",
            "description",
        ]
    ),
    min_size=1,
    max_size=6,
    unique=True,
)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@given(
    FIELD_NAMES,
    st.sampled_from(
        [
            "Return JSON with fields {f}.",
            "Give me a JSON object with keys {f}",
            "Respond with JSON that has the properties {f}.",
        ]
    ),
)
@settings(max_examples=60, deadline=None)
def test_prose_schema_fields_are_honoured(names, template):
    prompt = template.format(f=_join(names))
    reply = StructuredSkill().respond(make_ctx(prompt))
    text = reply.steps[0]["content"][0]["text"]
    assert text.startswith("```json\n") and text.endswith("\n```")
    value = json.loads(text[8:-4])
    assert list(value) == names
    Draft202012Validator(prose_schema(prompt)).validate(value)


@given(st.integers(1, 9), FIELD_NAMES)
@settings(max_examples=30, deadline=None)
def test_prose_schema_lists(n, names):
    prompt = f"Give me a JSON list of {n} items with fields {_join(names)}"
    value = json.loads(StructuredSkill().respond(make_ctx(prompt)).steps[0]["content"][0]["text"][8:-4])
    assert isinstance(value, list) and len(value) == n and all(list(v) == names for v in value)


def test_prompt_entities_and_numbers_fill_prose_fields():
    prompt = "Return JSON with fields name, age and city for Ana Lima, 34, who lives in Lisbon"
    value = json.loads(StructuredSkill().respond(make_ctx(prompt)).steps[0]["content"][0]["text"][8:-4])
    assert value == {"name": "Ana Lima", "age": 34, "city": "Lisbon"}


def test_no_json_request_means_no_structured_answer():
    for prompt in ("Tell me about JSON parsing", "How are dates stored in JSON?"):
        assert StructuredSkill().respond(make_ctx(prompt)) is None


def test_prose_schema_through_the_sdk(client):
    result = client.interactions.create(
        model="gemini-3-flash-preview", input="Return JSON with fields title, author and year for a novel"
    )
    body = re.search(r"```json\n(.+)\n```", result.output_text, re.S).group(1)
    assert list(json.loads(body)) == ["title", "author", "year"]


def test_response_format_pasta_through_the_sdk(client):
    result = client.interactions.create(
        model="gemini-3-flash-preview", input="Give me 2 pasta recipes", response_format=RECIPE_LIST
    )
    value = json.loads(result.output_text)
    assert len(value) == 2 and all(r["recipe_name"] in FOODS["pasta"]["dishes"] for r in value)


@given(st.sampled_from(sorted(FOODS)), st.sampled_from(["Give me a recipe for {d}", "How do I make {d}?"]))
@settings(max_examples=30, deadline=None)
def test_recipe_requests_use_the_dish_theme(theme, template):
    from brain_helpers import answer

    dish = FOODS[theme]["dishes"][0]
    text = answer(template.format(d=dish.lower()))
    items = re.findall(r"^- (.+)$", text, re.MULTILINE)
    steps = re.findall(r"^\d+\. (.+)$", text, re.MULTILINE)
    assert text.startswith(f"## {dish.lower().capitalize()}")
    assert items and all(i in FOODS[theme]["ingredients"] for i in items)
    assert steps == FOODS[theme]["steps"]


PROSE_WORDS = [
    "return",
    "JSON",
    "with",
    "fields",
    "keys",
    "name",
    "age",
    "and",
    ",",
    "list",
    "of",
    "3",
    "ten",
    "items",
    "as",
    "json",
    "object",
    "is_ok",
    "tags",
    "price",
]


@given(st.lists(st.sampled_from(PROSE_WORDS), max_size=20).map(" ".join))
@settings(max_examples=200, deadline=None)
def test_any_json_prose_prompt_gives_parseable_json_or_nothing(prompt):
    reply = StructuredSkill().respond(make_ctx(prompt or "x"))
    if reply is not None:
        text = reply.steps[0]["content"][0]["text"]
        value = json.loads(text[8:-4])
        schema = prose_schema(prompt)
        Draft202012Validator(schema).validate(value)
