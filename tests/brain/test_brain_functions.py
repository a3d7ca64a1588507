"""Function calling: selection, tool_choice, parallel calls, schema-valid arguments, answers."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from gemini_nb.emulator.brain.lib.function_planning import (
    answer_with_results,
    plan_calls,
    score_function,
)

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the current weather for a location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}
TIME = {
    "type": "function",
    "name": "get_time",
    "description": "Current local time in a timezone",
    "parameters": {
        "type": "object",
        "properties": {"timezone": {"type": "string"}},
        "required": ["timezone"],
    },
}
SEARCH = {
    "type": "function",
    "name": "searchWeb",
    "description": "Search the web for pages",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "max_results": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["query"],
    },
}
CONVERT = {
    "type": "function",
    "name": "convert_currency",
    "description": "Convert an amount between currencies",
    "parameters": {
        "type": "object",
        "properties": {
            "amount": {"type": "number", "exclusiveMinimum": 0},
            "from_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "to_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
        "required": ["amount", "from_currency", "to_currency"],
    },
}
EMAIL = {
    "type": "function",
    "name": "send_email",
    "description": "Send an email message",
    "parameters": {
        "type": "object",
        "properties": {
            "to": {"type": "string", "format": "email"},
            "subject": {"type": "string"},
            "body": {"type": "string"},
        },
        "required": ["to", "subject"],
    },
}
NOARGS = {"type": "function", "name": "list_files", "description": "List the files in the workspace"}
TOOLS = [WEATHER, TIME, SEARCH, CONVERT, EMAIL, NOARGS]


def plan(prompt, tools=TOOLS, choice="auto", seed=0):
    calls = plan_calls(prompt, tools, tool_choice=choice, rng=random.Random(seed))
    by_name = {t.get("name"): t for t in tools}
    for call in calls:
        params = by_name[call["name"]].get("parameters")
        if params:
            Draft202012Validator(params, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
                call["arguments"]
            )
        else:
            assert call["arguments"] == {}
    return calls


# -- selection -------------------------------------------------------------------------------------
def test_single_call_with_location_from_prompt():
    assert plan("What's the weather in Paris?") == [
        {"name": "get_weather", "arguments": {"location": "Paris"}}
    ]
    assert plan("Weather in Boston, MA?") == [
        {"name": "get_weather", "arguments": {"location": "Boston, MA"}}
    ]


def test_enum_value_from_prompt():
    assert plan("How hot is it in Rome, in fahrenheit?", [WEATHER]) == [
        {"name": "get_weather", "arguments": {"location": "Rome", "unit": "fahrenheit"}}
    ]


def test_plain_greeting_makes_no_call():
    assert plan("hello") == []
    assert plan("Tell me a joke about cats") == []


def test_parallel_calls_same_function():
    assert plan("weather in Paris and London") == [
        {"name": "get_weather", "arguments": {"location": "Paris"}},
        {"name": "get_weather", "arguments": {"location": "London"}},
    ]
    assert [c["arguments"]["location"] for c in plan("Weather in Paris, London and Rome")] == [
        "Paris",
        "London",
        "Rome",
    ]


def test_parallel_calls_different_functions():
    calls = plan("What's the weather in Paris and the time in Tokyo?")
    assert [c["name"] for c in calls] == ["get_weather", "get_time"]
    assert calls[0]["arguments"] == {"location": "Paris"}
    assert calls[1]["arguments"] == {"timezone": "Asia/Tokyo"}


def test_query_numbers_and_codes():
    assert plan("Search for python tutorials") == [
        {"name": "searchWeb", "arguments": {"query": "python tutorials"}}
    ]
    assert plan('search the web for "best pizza", top 5 results') == [
        {"name": "searchWeb", "arguments": {"query": "best pizza", "max_results": 5}}
    ]
    assert plan("Convert 100 USD to EUR") == [
        {
            "name": "convert_currency",
            "arguments": {"amount": 100, "from_currency": "USD", "to_currency": "EUR"},
        }
    ]


def test_origin_destination_ids_and_quoted_conjunctions():
    flights = {
        "type": "function",
        "name": "search_flights",
        "description": "Find flights between cities",
        "parameters": {
            "type": "object",
            "properties": {
                "destination": {"type": "string"},
                "origin": {"type": "string"},
                "date": {"type": "string", "format": "date"},
            },
            "required": ["origin", "destination"],
        },
    }
    assert plan("Find flights from Paris to London on 2025-06-01", [flights]) == [
        {
            "name": "search_flights",
            "arguments": {"destination": "London", "origin": "Paris", "date": "2025-06-01"},
        }
    ]
    order = {
        "type": "function",
        "name": "lookup_order",
        "description": "Look up an order by its id",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    }
    assert plan("Where is my order A-12345?", [order]) == [
        {"name": "lookup_order", "arguments": {"order_id": "A-12345"}}
    ]
    assert plan('search the web for "salt and pepper"', [SEARCH]) == [
        {"name": "searchWeb", "arguments": {"query": "salt and pepper"}}
    ]


def test_missing_values_still_validate():
    (call,) = plan("send an email please")
    assert call["name"] == "send_email" and "@" in call["arguments"]["to"]
    assert plan("list my files") == [{"name": "list_files", "arguments": {}}]


def test_score_prefers_name_words():
    assert score_function("what's the weather", WEATHER) > score_function("what's the weather", TIME)
    assert score_function("hello there", WEATHER) == 0


# -- tool_choice ------------------------------------------------------------------------------------
def test_tool_choice_none_and_any():
    assert plan("weather in Paris", choice="none") == []
    (call,) = plan("hello", [WEATHER, TIME], choice="any")
    assert call["name"] in ("get_weather", "get_time")
    assert plan("weather in Paris", choice="ANY")[0]["name"] == "get_weather"


def test_allowed_tools_restrict_candidates():
    choice = {"allowed_tools": {"mode": "any", "tools": ["get_time"]}}
    assert [c["name"] for c in plan("weather in Paris", choice=choice)] == ["get_time"]
    assert plan("weather in Paris", choice={"allowed_tools": {"mode": "auto", "tools": ["get_time"]}}) == []
    assert (
        plan("weather in Paris", choice={"allowed_tools": {"mode": "none", "tools": ["get_weather"]}}) == []
    )
    assert plan(
        "weather in Paris", choice={"allowed_tools": {"mode": "validated", "tools": ["get_weather"]}}
    ) == [{"name": "get_weather", "arguments": {"location": "Paris"}}]


def test_validated_skips_unusable_schemas_auto_does_not():
    broken = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "strng"}}},
    }
    assert plan_calls("weather in Paris", [broken], tool_choice="validated", rng=random.Random(0)) == []
    # auto is not schema-constrained: the call still goes out with what the prompt says
    assert plan_calls("weather in Paris", [broken], rng=random.Random(0)) == [
        {"name": "get_weather", "arguments": {"location": "Paris"}}
    ]


def test_non_function_tools_are_ignored():
    tools = [{"type": "google_search"}, {"type": "code_execution"}, WEATHER]
    assert plan("weather in Oslo", tools)[0]["arguments"] == {"location": "Oslo"}


class Address(BaseModel):
    city: str
    zip_code: str = Field(pattern=r"^\d{5}$")


class Booking(BaseModel):
    guest_name: str
    nights: int = Field(ge=1, le=30)
    address: Address
    tags: list[str] = []


def test_pydantic_parameters():
    tool = {
        "type": "function",
        "name": "book_hotel",
        "description": "Book a hotel room",
        "parameters": Booking.model_json_schema(),
    }
    (call,) = plan("Book a hotel for Grace Hopper for 3 nights", [tool])
    Booking.model_validate(call["arguments"])
    assert call["arguments"]["nights"] == 3 and call["arguments"]["guest_name"] == "Grace Hopper"


# -- hypothesis: arguments always validate ---------------------------------------------------------
names = st.sampled_from(
    [
        "location",
        "city",
        "query",
        "unit",
        "amount",
        "count",
        "date",
        "email",
        "name",
        "timezone",
        "limit",
        "enabled",
        "tags",
        "currency",
        "options",
        "x",
    ]
)
leaf = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "string", "format": "date"}),
    st.just({"type": "string", "pattern": r"^[A-Z]{3}$"}),
    st.just({"type": "string", "minLength": 2, "maxLength": 8}),
    st.just({"type": "string", "format": "email"}),
    st.lists(
        st.sampled_from(["celsius", "fahrenheit", "metric", "fast", "slow"]),
        min_size=1,
        max_size=3,
        unique=True,
    ).map(lambda e: {"type": "string", "enum": e}),
    st.tuples(st.integers(-5, 5), st.integers(0, 50)).map(
        lambda t: {"type": "integer", "minimum": t[0], "maximum": t[0] + t[1]}
    ),
    st.just({"type": "number", "exclusiveMinimum": 0, "maximum": 1000}),
    st.just({"type": "boolean"}),
    st.just({"type": "array", "items": {"type": "string"}, "maxItems": 3}),
)
param_schemas = st.recursive(
    leaf,
    lambda c: st.builds(
        lambda props, req: {"type": "object", "properties": props, "required": [k for k in props if req]},
        st.dictionaries(names, c, max_size=3),
        st.booleans(),
    ),
    max_leaves=6,
)
prompts = st.sampled_from(
    [
        "weather in Paris and London",
        "Convert 250 GBP to JPY on 2025-03-01",
        "do the thing in fahrenheit, fast",
        'search "quantum dots" and email bob@example.com',
        "hello",
        "call my tool for Ada Lovelace with 7 items",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    props=st.dictionaries(names, param_schemas, min_size=0, max_size=4),
    req=st.lists(st.booleans(), min_size=4, max_size=4),
    prompt=prompts,
    choice=st.sampled_from(["auto", "any", "validated"]),
    seed=st.integers(0, 999),
)
def test_generated_arguments_always_validate(props, req, prompt, choice, seed):
    params = {"type": "object", "properties": props, "required": [k for k, r in zip(props, req) if r]}
    tool = {
        "type": "function",
        "name": "do_thing",
        "description": "A tool that does the thing",
        "parameters": params,
    }
    calls = plan(prompt, [tool, WEATHER], choice=choice, seed=seed)
    if choice == "any":
        assert calls
    assert calls == plan(prompt, [tool, WEATHER], choice=choice, seed=seed)


# -- answers ---------------------------------------------------------------------------------------
def test_answer_mentions_every_result():
    items = [
        {
            "name": "get_weather",
            "arguments": {"location": "Paris"},
            "result": {"temperature": 21, "unit": "celsius", "condition": "sunny"},
        },
        {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}, "result": "14:05"},
        {"name": "convert_currency", "arguments": {"amount": 100, "from_currency": "USD"}, "result": 92.5},
        {"name": "list_files", "arguments": {}, "result": ["a.txt", "b.txt"]},
        {"name": "send_email", "arguments": {"to": "bob@example.com"}, "result": {"status": "sent", "id": 7}},
    ]
    text = answer_with_results("weather, time, money, files and mail", items)
    assert "The weather in Paris is sunny, 21°C." in text
    assert "The time in Tokyo is 14:05." in text
    for fragment in ("92.5", "a.txt and b.txt", "sent", "bob@example.com"):
        assert fragment in text


def test_answer_handles_errors_content_blocks_and_empty():
    text = answer_with_results(
        "",
        [
            {
                "name": "get_weather",
                "arguments": {"location": "Oz"},
                "result": {"error": "unknown city"},
                "is_error": True,
            }
        ],
    )
    assert "couldn't" in text and "unknown city" in text and "Oz" in text
    text = answer_with_results(
        "",
        [
            {
                "name": "lookup_fact",
                "arguments": {},
                "result": [{"type": "text", "text": "Water boils at 100°C"}],
            }
        ],
    )
    assert "Water boils at 100°C" in text
    assert answer_with_results("", [])


@pytest.mark.parametrize("result", ["cloudy", 12, 3.75, True, None, {"a": {"b": [1, 2]}}, [], ["x"]])
def test_answer_any_result_shape(result):
    text = answer_with_results(
        "?", [{"name": "get_weather", "arguments": {"location": "Lima"}, "result": result}]
    )
    assert text.endswith(".") and "Lima" in text


@pytest.mark.parametrize(
    "call, expected",
    [
        (
            {
                "name": "convert_currency",
                "arguments": {"amount": 100, "from_currency": "USD", "to_currency": "EUR"},
                "result": 92.5,
            },
            "Converting 100 USD to EUR gives 92.5.",
        ),
        (
            {
                "name": "calculate_mortgage",
                "arguments": {"principal": 300000, "rate": 4.5, "years": 30},
                "result": {"monthly_payment": 1520.06},
            },
            "Calculating the mortgage with principal 300,000, rate 4.5 and years 30 gives 1,520.06.",
        ),
        (
            {
                "name": "get_stock_price",
                "arguments": {"symbol": "GOOG"},
                "result": {"price": 171.2, "currency": "USD"},
            },
            "The stock price for GOOG is 171.2 USD.",
        ),
        (
            {
                "name": "search_flights",
                "arguments": {"destination": "Rome"},
                "result": [{"flight": "AZ101", "price": 120}, {"flight": "FR22", "price": 80}],
            },
            "The flights in Rome are AZ101 (price 120) and FR22 (price 80).",
        ),
    ],
)
def test_results_read_naturally(call, expected):
    assert answer_with_results("question", [call]) == expected
