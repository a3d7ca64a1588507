"""Function calling through the real google-genai SDK over HTTP (3.x in-process, 1.55 subprocess).

What a notebook relies on: the call comes back as a typed ``FunctionCallStep`` with
arguments valid against the declared schema and ``requires_action``; streamed, the step
shell carries id/name and the ``arguments_delta`` fragments rebuild the same arguments;
results sent back (server-side or stateless history) produce an answer that uses them.
"""

from __future__ import annotations

import json

import pytest
from clients import make_client
from emu_process import run_legacy
from google.genai import _interactions as gx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_brain_functions import param_schemas

MODEL = "gemini-3-flash-preview"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}
CONVERT = {
    "type": "function",
    "name": "convert_currency",
    "description": "Convert an amount of money",
    "parameters": {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "from_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "to_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
        "required": ["amount", "from_currency", "to_currency"],
    },
}
TOOLS = [WEATHER, CONVERT]
SCHEMAS = {t["name"]: t["parameters"] for t in TOOLS}


def calls_of(interaction) -> list:
    return [s for s in interaction.steps if s.type == "function_call"]


def assert_valid_call(call) -> None:
    assert type(call).__name__ == "FunctionCallStep"
    assert call.id and call.name in SCHEMAS
    Draft202012Validator(SCHEMAS[call.name]).validate(call.arguments)


def result_step(call, result) -> dict:
    return {"type": "function_result", "call_id": call.id, "name": call.name, "result": result}


def test_call_requires_action_with_valid_arguments(client):
    interaction = client.interactions.create(
        model=MODEL, input="What's the weather in Paris in fahrenheit?", tools=TOOLS
    )
    assert interaction.status == "requires_action"
    [call] = calls_of(interaction)
    assert_valid_call(call)
    assert call.name == "get_weather"
    assert call.arguments == {"location": "Paris", "unit": "fahrenheit"}


def test_streamed_call_matches_unary(client):
    kwargs = dict(model=MODEL, input="Convert 250 GBP to JPY", tools=TOOLS)
    unary = calls_of(client.interactions.create(**kwargs))[0]
    events = list(client.interactions.create(stream=True, **kwargs))
    starts = [e for e in events if type(e).__name__ == "StepStart" and e.step.type == "function_call"]
    assert len(starts) == 1
    shell = starts[0].step
    assert type(shell).__name__ == "FunctionCallStep" and shell.id and shell.name == "convert_currency"
    assert shell.arguments == {}
    index = starts[0].index
    deltas = [e.delta for e in events if type(e).__name__ == "StepDelta" and e.index == index]
    assert deltas and all(type(d).__name__ == "ArgumentsDelta" for d in deltas)
    assert json.loads("".join(d.arguments for d in deltas)) == unary.arguments
    assert unary.arguments == {"amount": 250, "from_currency": "GBP", "to_currency": "JPY"}
    final = [e for e in events if type(e).__name__ == "InteractionCompletedEvent"][-1]
    assert final.interaction.status == "requires_action"


def test_round_trip_with_previous_interaction_id(client):
    first = client.interactions.create(model=MODEL, input="What's the weather in Boston?", tools=TOOLS)
    [call] = calls_of(first)
    second = client.interactions.create(
        model=MODEL,
        previous_interaction_id=first.id,
        input=[result_step(call, {"temperature": 21, "unit": "celsius", "condition": "sunny"})],
    )
    assert second.status == "completed"
    assert "Boston" in second.output_text and "sunny" in second.output_text and "21" in second.output_text
    assert not calls_of(second)


def test_stateless_round_trip(client):
    user = {"type": "user_input", "content": [{"type": "text", "text": "What's the weather in Tokyo?"}]}
    first = client.interactions.create(model=MODEL, input=[user], tools=TOOLS, store=False)
    [call] = calls_of(first)
    second = client.interactions.create(
        model=MODEL,
        tools=TOOLS,
        store=False,
        input=[user, *first.steps, result_step(call, "rainy, 14 degrees")],
    )
    assert second.status == "completed"
    assert "Tokyo" in second.output_text and "rainy, 14 degrees" in second.output_text


def test_parallel_calls_answered_in_any_order(client):
    first = client.interactions.create(
        model=MODEL,
        input="What's the weather in Paris and in Tokyo, and convert 100 USD to EUR?",
        tools=TOOLS,
    )
    calls = calls_of(first)
    assert [c.name for c in calls] == ["get_weather", "get_weather", "convert_currency"]
    assert [c.arguments.get("location") for c in calls[:2]] == ["Paris", "Tokyo"]
    assert len({c.id for c in calls}) == 3
    for call in calls:
        assert_valid_call(call)
    results = {"Paris": "cloudy", "Tokyo": "clear skies"}
    inputs = [
        result_step(c, results.get(c.arguments.get("location"), {"converted": 92.4})) for c in reversed(calls)
    ]
    second = client.interactions.create(model=MODEL, previous_interaction_id=first.id, input=inputs)
    assert second.status == "completed"
    for word in ("Paris", "cloudy", "Tokyo", "clear skies", "92.4"):
        assert word in second.output_text


def test_sequential_clauses_chain_one_round_at_a_time(client):
    first = client.interactions.create(
        model=MODEL, tools=TOOLS, input="Get the weather in Rome, then convert 40 EUR to USD"
    )
    assert [c.name for c in calls_of(first)] == ["get_weather"]
    second = client.interactions.create(
        model=MODEL,
        tools=TOOLS,
        previous_interaction_id=first.id,
        input=[result_step(calls_of(first)[0], "hot and sunny")],
    )
    assert second.status == "requires_action"
    [convert] = calls_of(second)
    assert convert.arguments == {"amount": 40, "from_currency": "EUR", "to_currency": "USD"}
    third = client.interactions.create(
        model=MODEL, tools=TOOLS, previous_interaction_id=second.id, input=[result_step(convert, "43.1 USD")]
    )
    assert third.status == "completed"
    assert "hot and sunny" in third.output_text and "43.1" in third.output_text


@pytest.mark.parametrize(
    "choice, prompt, expected",
    [
        ("none", "What's the weather in Paris?", []),
        ("auto", "Tell me a joke", []),
        ("any", "Tell me a joke", ["get_weather"]),
        ("validated", "What's the weather in Paris?", ["get_weather"]),
        (
            {"allowed_tools": {"mode": "any", "tools": ["convert_currency"]}},
            "What's the weather in Paris?",
            ["convert_currency"],
        ),
        (
            {"allowed_tools": {"mode": "auto", "tools": ["convert_currency"]}},
            "What's the weather in Paris?",
            [],
        ),
    ],
)
def test_tool_choice(client, choice, prompt, expected):
    interaction = client.interactions.create(
        model=MODEL, input=prompt, tools=TOOLS, generation_config={"tool_choice": choice}
    )
    calls = calls_of(interaction)
    assert [c.name for c in calls] == expected
    assert interaction.status == ("requires_action" if expected else "completed")
    for call in calls:
        assert_valid_call(call)


def test_unknown_call_id_is_a_400_naming_the_input(client):
    first = client.interactions.create(model=MODEL, input="Weather in Oslo?", tools=TOOLS)
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(
            model=MODEL,
            previous_interaction_id=first.id,
            input=[
                result_step(calls_of(first)[0], "ok"),
                {"type": "function_result", "call_id": "no_such_call", "name": "get_weather", "result": "x"},
            ],
        )
    assert info.value.status_code == 400 and "input[1].call_id" in str(info.value)


def test_malformed_parameters_schema_is_a_400_naming_the_path(client):
    bad = {**CONVERT, "parameters": {"type": "object", "properties": {"amount": {"type": "money"}}}}
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(model=MODEL, input="Convert 5 USD", tools=[WEATHER, bad])
    assert info.value.status_code == 400 and "tools[1].parameters.properties.amount.type" in str(info.value)


def test_structured_answer_after_results(client):
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "summary": {"type": "string"},
            "temperature_c": {"type": "number"},
        },
        "required": ["city", "summary", "temperature_c"],
    }
    first = client.interactions.create(
        model=MODEL, input="What's the weather in Lima?", tools=TOOLS, response_format=schema
    )
    assert first.status == "requires_action"
    second = client.interactions.create(
        model=MODEL,
        previous_interaction_id=first.id,
        response_format=schema,
        input=[result_step(calls_of(first)[0], "warm")],
    )
    Draft202012Validator(schema).validate(json.loads(second.output_text))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    params=param_schemas.filter(lambda s: s.get("type") == "object"),
    prompt=st.sampled_from(
        [
            "weather in Paris",
            "do the thing for Ada Lovelace with 7 items",
            "Convert 250 GBP to JPY on 2025-03-01",
            "hello",
        ]
    ),
    stream=st.booleans(),
)
def test_random_parameter_schemas_give_valid_arguments(emu, params, prompt, stream):
    client = make_client(emu.base_url)
    tool = {"type": "function", "name": "do_thing", "description": "Does the thing", "parameters": params}
    kwargs = dict(model=MODEL, input=prompt, tools=[tool], generation_config={"tool_choice": "any"})
    if stream:
        events = list(client.interactions.create(stream=True, **kwargs))
        text = "".join(
            e.delta.arguments
            for e in events
            if type(e).__name__ == "StepDelta" and e.delta.type == "arguments_delta"
        )
        arguments = [json.loads(text)]
    else:
        arguments = [c.arguments for c in calls_of(client.interactions.create(**kwargs))]
    assert arguments
    for args in arguments:
        Draft202012Validator(params).validate(args)


def test_legacy_sdk_function_calling(legacy_py):
    out = run_legacy(
        legacy_py,
        """
        W = {"type": "function", "name": "get_weather", "description": "Gets weather",
             "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                            "required": ["location"]}}
        first = client.interactions.create(model=MODEL, input="Weather in Boston?", tools=[W])
        call = [o for o in first.outputs if o.type == "function_call"][0]
        events = list(client.interactions.create(model=MODEL, input="Weather in Boston?", tools=[W], stream=True))
        deltas = [e.delta for e in events if type(e).__name__ == "ContentDelta"
                  and e.delta.type == "function_call"]
        starts = [type(e.content).__name__ for e in events if type(e).__name__ == "ContentStart"]
        second = client.interactions.create(model=MODEL, previous_interaction_id=first.id, input=[
            {"type": "function_result", "call_id": call.id, "name": call.name, "result": "sunny, 25C"}])
        stateless = client.interactions.create(model=MODEL, tools=[W], input=[
            {"role": "user", "content": "Weather in Boston?"},
            {"role": "model", "content": first.outputs},
            {"role": "user", "content": [{"type": "function_result", "call_id": call.id,
                                          "name": call.name, "result": "foggy"}]}])
        print(json.dumps({
            "status": first.status, "call": [type(call).__name__, call.id, call.name, call.arguments],
            "deltas": [[d.id, d.name, d.arguments] for d in deltas], "starts": starts,
            "final": [e.interaction.status for e in events if e.event_type == "interaction.complete"],
            "second": [second.status, second.outputs[-1].text],
            "stateless": [stateless.status, stateless.outputs[-1].text]}))
    """,
    )
    assert out["status"] == "requires_action"
    kind, call_id, name, arguments = out["call"]
    assert kind == "FunctionCallContent" and call_id and name == "get_weather"
    assert arguments == {"location": "Boston"}
    assert len(out["deltas"]) == 1 and out["deltas"][0][1:] == ["get_weather", {"location": "Boston"}]
    assert "FunctionCallContent" in out["starts"]
    assert out["final"] == ["requires_action"]
    assert out["second"][0] == "completed" and "sunny, 25C" in out["second"][1]
    assert out["stateless"][0] == "completed" and "foggy" in out["stateless"][1]
