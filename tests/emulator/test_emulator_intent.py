"""Intent-driven function calling through the real SDK: both state modes, personas, chains."""

from __future__ import annotations

MODEL = "gemini-3-flash-preview"
THERMOSTAT = {
    "type": "function",
    "name": "set_thermostat",
    "description": "Set the home heating target",
    "parameters": {
        "type": "object",
        "properties": {
            "temperature": {"type": "number", "description": "degrees Celsius"},
            "mode": {"type": "string", "enum": ["heat", "cool", "off"]},
        },
        "required": ["temperature"],
    },
}
FIND_USER = {
    "type": "function",
    "name": "find_user",
    "description": "Find a user by name; returns the user id",
    "parameters": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
}
GET_ORDERS = {
    "type": "function",
    "name": "get_orders",
    "description": "List a user's orders",
    "parameters": {"type": "object", "properties": {"user_id": {"type": "string"}}, "required": ["user_id"]},
}


def calls_of(interaction):
    return [s for s in interaction.steps if s.type == "function_call"]


def result(call, value):
    return {"type": "function_result", "call_id": call.id, "name": call.name, "result": value}


def test_freezing_sets_a_warmer_temperature_and_the_pirate_answers(client):
    pirate = "You are a pirate. Keep it short."
    first = client.interactions.create(
        model=MODEL, tools=[THERMOSTAT], system_instruction=pirate, input="I'm freezing, do something"
    )
    [call] = calls_of(first)
    assert first.status == "requires_action" and call.name == "set_thermostat"
    assert call.arguments == {"temperature": 23, "mode": "heat"}
    done = client.interactions.create(
        model=MODEL,
        tools=[THERMOSTAT],
        system_instruction=pirate,
        previous_interaction_id=first.id,
        input=[result(call, {"status": "ok", "target": 23})],
    )
    assert done.status == "completed" and done.output_text.startswith("Arr!")
    assert "ok" in done.output_text and "23" in done.output_text


def test_chain_with_previous_interaction_id_in_french(client):
    french = "Always answer in French."
    tools = [GET_ORDERS, FIND_USER]
    one = client.interactions.create(
        model=MODEL,
        tools=tools,
        system_instruction=french,
        input="What has Ana Silva ordered? Show me her orders.",
    )
    [lookup] = calls_of(one)
    assert (lookup.name, lookup.arguments) == ("find_user", {"name": "Ana Silva"})
    two = client.interactions.create(
        model=MODEL,
        tools=tools,
        system_instruction=french,
        previous_interaction_id=one.id,
        input=[result(lookup, {"user": {"id": "U-4417", "name": "Ana Silva"}})],
    )
    [orders] = calls_of(two)
    assert (orders.name, orders.arguments) == ("get_orders", {"user_id": "U-4417"})
    three = client.interactions.create(
        model=MODEL,
        tools=tools,
        system_instruction=french,
        previous_interaction_id=two.id,
        input=[result(orders, {"orders": [{"item": "kettle", "total": 30}]})],
    )
    assert three.status == "completed"
    for word in ("Résultat", "U-4417", "kettle"):
        assert word in three.output_text


def test_chain_with_stateless_history(client):
    tools = [GET_ORDERS, FIND_USER]
    user = {"type": "user_input", "content": [{"type": "text", "text": "List the orders of Bruno Rossi"}]}
    one = client.interactions.create(model=MODEL, tools=tools, input=[user], store=False)
    [lookup] = calls_of(one)
    assert lookup.arguments == {"name": "Bruno Rossi"}
    history = [user, *one.steps, result(lookup, {"id": 981})]
    two = client.interactions.create(model=MODEL, tools=tools, input=history, store=False)
    [orders] = calls_of(two)
    assert orders.arguments == {"user_id": "981"}
    three = client.interactions.create(
        model=MODEL, tools=tools, store=False, input=[*history, *two.steps, result(orders, "no orders yet")]
    )
    assert three.status == "completed" and "no orders yet" in three.output_text
