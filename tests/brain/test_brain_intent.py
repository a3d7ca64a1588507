"""Function calling by intent, arguments as a person would pass them, and multi-step chains.

Property tests draw random function sets, values and chains; the fixed examples are the
cases the issue names (a thermostat for "I'm freezing", a quoted book title, an id lookup).
"""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.base import TurnContext
from gemini_nb.emulator.brain.lib import arguments, intent
from gemini_nb.emulator.brain.lib.function_planning import plan_calls
from gemini_nb.emulator.brain.lib.vocab import (
    FIRST_NAMES,
    LAST_NAMES,
    MONTHS,
    STOPWORDS,
)
from gemini_nb.emulator.brain.skills.functions import FunctionSkill
from gemini_nb.emulator.ids import IdFactory

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NONSENSE = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=8)


def fn(fn_name, description="", **props):
    return {
        "type": "function",
        "name": fn_name,
        "description": description,
        "parameters": {"type": "object", "properties": props, "required": list(props)},
    }


def plan(prompt, fns, choice="auto"):
    return plan_calls(prompt, fns, tool_choice=choice, rng=random.Random(0))


# -- fixed examples ------------------------------------------------------------------------------
THERMOSTAT = fn(
    "set_thermostat",
    "Set the target temperature of the home heating",
    temperature={"type": "number", "minimum": 10, "maximum": 30, "description": "degrees Celsius"},
)
LIGHTS = fn("toggle_lights", "Turn the lights on or off", on={"type": "boolean"})
BOOK = fn("find_book", "Look up a book in the library catalogue", title={"type": "string"})


def test_intent_without_the_functions_words():
    assert plan("I'm freezing, do something", [THERMOSTAT, LIGHTS]) == [
        {"name": "set_thermostat", "arguments": {"temperature": 23}}
    ]
    assert plan("Ugh, it's boiling in here", [THERMOSTAT, LIGHTS])[0]["arguments"]["temperature"] < 21
    assert plan("It's too dark in here", [THERMOSTAT, LIGHTS]) == [
        {"name": "toggle_lights", "arguments": {"on": True}}
    ]
    assert plan("Tell me a joke about cats", [THERMOSTAT, LIGHTS, BOOK]) == []


def test_fahrenheit_units_follow_the_parameter():
    f_tool = fn("set_thermostat", "Set the temperature", temperature_f={"type": "integer"})
    assert plan("I'm freezing", [f_tool])[0]["arguments"] == {"temperature_f": 74}
    assert plan("Set the heating to 72°F", [THERMOSTAT])[0]["arguments"] == {"temperature": 22.2}


def test_quoted_title_passed_exactly_and_enum_by_meaning():
    assert plan('Do you have "The Name of the Wind" by Patrick Rothfuss?', [BOOK, THERMOSTAT]) == [
        {"name": "find_book", "arguments": {"title": "The Name of the Wind"}}
    ]
    ticket = fn(
        "set_priority",
        "Set a ticket's priority",
        ticket_id={"type": "string"},
        priority={"type": "string", "enum": ["low", "medium", "high"]},
    )
    assert plan("Ticket T-991 is urgent, bump it", [ticket]) == [
        {"name": "set_priority", "arguments": {"ticket_id": "T-991", "priority": "high"}}
    ]


def test_event_title_date_colour_and_duration():
    event = fn(
        "create_event",
        "Add an event to the calendar",
        title={"type": "string"},
        date={"type": "string", "format": "date"},
        color={"type": "string", "pattern": "^#[0-9A-F]{6}$"},
        duration_minutes={"type": "integer"},
    )
    assert plan("Add a team lunch on March 5th 2026 in sky blue for 1.5 hours", [event]) == [
        {
            "name": "create_event",
            "arguments": {
                "title": "team lunch",
                "date": "2026-03-05",
                "color": "#87CEEB",
                "duration_minutes": 90,
            },
        }
    ]


def test_relative_dates():
    today = dt.date(2026, 11, 29)  # a Sunday
    assert arguments.dates("tomorrow and next Friday, or in 2 weeks", today) == [
        "2026-11-30",
        "2026-12-04",
        "2026-12-13",
    ]
    assert arguments.dates("on 3/4/2027 or 4 July", today) == ["2027-03-04", "2027-07-04"]


# -- properties ----------------------------------------------------------------------------------
# words that are instructions rather than subjects ("show", "get") never name a function
GROUPS = [
    w
    for w in (sorted(x for x in g if x not in STOPWORDS and "-" not in x) for g in intent.SYNONYMS)
    if len(w) >= 2
]


@FAST
@given(st.sampled_from(GROUPS), st.data(), st.lists(NONSENSE, min_size=1, max_size=6, unique=True))
def test_the_function_named_by_a_synonym_is_picked(group, data, distractors):
    """Among random distractors, the function named with one word of a synonym group is chosen
    for a prompt that uses another word of the same group."""
    named, said = data.draw(st.lists(st.sampled_from(group), min_size=2, max_size=2, unique=True))
    target = fn(f"do_{named}", f"Handles {named} requests")
    others = [fn(f"{d}_{d[::-1]}", f"{d} {d[::-1]} service") for d in distractors]
    fns = data.draw(st.permutations([target, *others]))
    calls = plan(f"Please {said} something for me", fns, choice="any")
    assert calls and calls[0]["name"] == target["name"]


QUOTE = (
    st.text(
        alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" &,-!?:"),
        min_size=2,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda q: len(q) >= 2)
)


@FAST
@given(
    QUOTE,
    st.integers(min_value=1, max_value=5000),
    st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)),
    st.sampled_from(["iso", "month_day", "day_month", "dotted"]),
)
def test_quoted_strings_numbers_and_dates_reach_the_arguments(quote, n, day, style):
    written = {
        "iso": day.isoformat(),
        "month_day": f"{MONTHS[day.month - 1]} {day.day}, {day.year}",
        "day_month": f"{day.day} {MONTHS[day.month - 1]} {day.year}",
        "dotted": f"{day.day:02d}.{day.month:02d}.{day.year}",
    }[style]
    note = fn(
        "save_note",
        "Save a note",
        title={"type": "string"},
        copies={"type": "integer"},
        due={"type": "string", "format": "date"},
    )
    calls = plan(f'Save a note titled "{quote}" with {n} copies due {written}', [note])
    assert calls == [
        {"name": "save_note", "arguments": {"title": quote, "copies": n, "due": day.isoformat()}}
    ]


@FAST
@given(st.sampled_from(sorted(arguments.COLORS)), st.integers(min_value=0, max_value=0xFFFFFF))
def test_colours_become_hex(name, code):
    paint = fn("paint_wall", "Paint the wall", hex_color={"type": "string", "pattern": "^#[0-9A-F]{6}$"})
    assert plan(f"Paint the wall {name}", [paint])[0]["arguments"] == {"hex_color": arguments.COLORS[name]}
    written = f"#{code:06x}"
    assert plan(f"Paint the wall {written}", [paint])[0]["arguments"] == {"hex_color": written.upper()}


ENTITIES = ["user", "customer", "project", "device", "patient", "vehicle", "team", "supplier"]
THINGS = ["invoices", "tasks", "readings", "trips", "members", "shipments", "reviews", "payments"]


def _ctx(input_steps, history, tools):
    return TurnContext(
        request={"input": input_steps},
        model="gemini-3-flash-preview",
        agent=None,
        input_steps=input_steps,
        history=history,
        tools=tools,
        ids=IdFactory(7),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(ENTITIES),
    st.sampled_from(THINGS),
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(LAST_NAMES),
    st.from_regex(r"[A-Z]{2}-[0-9]{3,6}", fullmatch=True),
    st.booleans(),
)
def test_random_chains_use_the_id_from_the_first_result(entity, things, first, last, ident, nested):
    """find_<entity>(name) then get_<things>(<entity>_id): the second call carries the id the
    first call returned, and the final answer states both results."""
    finder = fn(
        f"find_{entity}", f"Find a {entity} by name and return the {entity} id", name={"type": "string"}
    )
    lister = fn(f"get_{things}", f"List the {things} of a {entity}", **{f"{entity}_id": {"type": "string"}})
    tools = [lister, finder]
    user = {
        "type": "user_input",
        "content": [{"type": "text", "text": f"Show me the {things} of {first} {last}"}],
    }
    skill = FunctionSkill()
    one = skill.respond(_ctx([user], [], tools))
    assert one.status == "requires_action"
    [call1] = one.steps
    assert call1["name"] == finder["name"] and call1["arguments"] == {"name": f"{first} {last}"}
    result = {"data": {f"{entity}Id": ident, "name": first}} if nested else {"id": ident}
    history = [user, *one.steps]
    two = skill.respond(
        _ctx([{"type": "function_result", "call_id": call1["id"], "result": result}], history, tools)
    )
    [call2] = two.steps
    assert call2["name"] == lister["name"] and call2["arguments"] == {f"{entity}_id": ident}
    history += [{"type": "function_result", "call_id": call1["id"], "result": result}, *two.steps]
    three = skill.respond(
        _ctx([{"type": "function_result", "call_id": call2["id"], "result": "3 open"}], history, tools)
    )
    assert three.status == "completed" and ident in three.steps[0]["content"][0]["text"]
    assert "3 open" in three.steps[0]["content"][0]["text"]


def _unique_words():
    """Synonym-group words that belong to exactly one group (so their meaning is unambiguous)."""
    from collections import Counter

    seen = Counter(w for g in intent.SYNONYMS for w in g)
    groups = [
        sorted(w for w in g if seen[w] == 1 and w not in STOPWORDS and w.isalpha()) for g in intent.SYNONYMS
    ]
    return [g for g in groups if len(g) >= 2]


UNIQUE = _unique_words()


@FAST
@given(st.lists(st.sampled_from(range(len(UNIQUE))), min_size=2, max_size=5, unique=True), st.data())
def test_enums_are_chosen_by_meaning(picked, data):
    """Enum values from different synonym groups: the prompt says a synonym of one of them."""
    values = [data.draw(st.sampled_from(UNIQUE[g])) for g in picked]
    target = data.draw(st.integers(min_value=0, max_value=len(values) - 1))
    said = data.draw(st.sampled_from([w for w in UNIQUE[picked[target]] if w != values[target]]))
    assert intent.enum_by_meaning(f"please use the {said} one", values) == values[target]
    choose = fn("choose_option", "Pick an option", option={"type": "string", "enum": values})
    assert plan(f"choose the option for {said}", [choose])[0]["arguments"] == {"option": values[target]}
