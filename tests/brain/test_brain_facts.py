"""The fact table answers direct questions; unknown and live questions get honest answers."""

from __future__ import annotations

import re

import pytest
from brain_helpers import answer
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.lib import facts

COUNTRIES = sorted(facts.CAPITALS)


def test_table_is_big_enough():
    assert len(facts.CAPITALS) >= 60


@given(
    st.sampled_from(COUNTRIES),
    st.sampled_from(
        [
            "What is the capital of {c}?",
            "what's the capital city of {c}",
            "Tell me the capital of {c}.",
            "Capital of {c}?",
            "Do you know the capital of {c}?",
        ]
    ),
)
@settings(max_examples=80, deadline=None)
def test_every_capital_is_answered(country, template):
    text = answer(template.format(c=country))
    assert f"**{facts.CAPITALS[country]}**" in text and country in text


def test_peru_and_aliases():
    assert answer("What is the capital of Peru?") == "The capital of Peru is **Lima**."
    assert "Washington, D.C." in answer("What's the capital of the USA?")
    assert "**London**" in answer("What is the UK's capital?")


def test_unknown_country_is_not_guessed():
    text = answer("What is the capital of Wakanda?")
    assert "don't have" in text and "Wakanda" in text and "**" not in text


LENGTHS = ["km", "m", "cm", "mm", "mile", "foot", "inch", "yard"]
MASSES = ["kg", "g", "lb", "ounce"]


@given(
    st.sampled_from([LENGTHS, MASSES]).flatmap(
        lambda units: st.tuples(st.sampled_from(units), st.sampled_from(units))
    ),
    st.integers(1, 5000),
)
@settings(max_examples=80, deadline=None)
def test_conversions_round_trip(units, value):
    src, dst = units
    there = facts.convert(value, src, dst)
    assert facts.convert(there, dst, src) == pytest.approx(value)
    text = answer(f"Convert {value} {src} to {dst}")
    shown = re.search(r"\*\*([\d,.]+)", text).group(1).replace(",", "")
    assert float(shown) == pytest.approx(there, rel=1e-3, abs=0.01)


@given(st.floats(-100, 300, allow_nan=False).map(lambda x: round(x, 1)))
@settings(max_examples=40, deadline=None)
def test_temperatures(celsius):
    text = answer(f"What is {celsius} C in F?")
    shown = float(re.search(r"\*\*(-?[\d,.]+)", text).group(1).replace(",", ""))
    assert shown == pytest.approx(celsius * 9 / 5 + 32, abs=0.01)


@pytest.mark.parametrize(
    "question, needle",
    [
        ("When did the Berlin Wall fall?", "9 November 1989"),
        ("When did humans first land on the Moon?", "20 July 1969"),
        ("When did World War II end?", "1945"),
        ("When did WW1 start?", "28 July 1914"),
        ("What is the speed of light?", "299,792,458"),
        ("What is the value of pi?", "3.14159"),
        ("What is the boiling point of water?", "100 °C"),
        ("When did the Titanic sink?", "15 April 1912"),
    ],
)
def test_constants_and_events(question, needle):
    assert needle in answer(question)


@given(st.sampled_from(facts.EVENTS + facts.CONSTANTS))
@settings(max_examples=60, deadline=None)
def test_every_listed_fact_is_reachable(entry):
    keys, sentence = entry
    question = "What do you know about " + " ".join(keys) + "?"
    assert facts.answer(question) is not None


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather today in Paris?",
        "What are the latest news headlines?",
        "What is Apple's stock price right now?",
        "Who won the game last night?",
        "What time is it?",
        "What is today's exchange rate for EUR to USD?",
    ],
)
def test_live_questions_are_declined_honestly(question):
    text = answer(question)
    assert "can't know this offline" in text and "google_search" in text


def test_live_questions_with_search_are_searched(client):
    result = client.interactions.create(
        model="gemini-3-flash-preview",
        input="What's the weather today in Paris?",
        tools=[{"type": "google_search"}],
    )
    types = [s.type for s in result.steps]
    assert "google_search_call" in types and "google_search_result" in types
    assert "can't know this offline" not in result.output_text


def test_search_answer_states_and_cites_the_fact(client):
    result = client.interactions.create(
        model="gemini-3-flash-preview",
        input="What is the capital of Peru?",
        tools=[{"type": "google_search"}],
    )
    part = result.steps[-1].content[0]
    assert part.text.startswith("The capital of Peru is Lima.")
    first = part.annotations[0]
    assert part.text[first.start_index : first.end_index] == "The capital of Peru is Lima."
    found = next(s for s in result.steps if s.type == "google_search_result")
    assert first.url in [r.url for r in found.result]
    assert "The capital of Peru is Lima." in found.result[0].rendered_content


def test_url_context_answer_states_and_cites_the_fact(client):
    url = "https://en.wikipedia.org/wiki/Peru"
    result = client.interactions.create(
        model="gemini-3-flash-preview",
        tools=[{"type": "url_context"}],
        input=f"What is the capital of Peru according to {url} ?",
    )
    part = result.steps[-1].content[0]
    assert part.text.startswith("The capital of Peru is Lima.")
    first = part.annotations[0]
    assert (
        first.url == url and part.text[first.start_index : first.end_index] == "The capital of Peru is Lima."
    )


@given(
    st.sampled_from(sorted(__import__("gemini_nb.emulator.brain.lib.lexicon", fromlist=["x"]).PHRASES)),
    st.sampled_from(["French", "Spanish", "German", "Italian", "Portuguese"]),
    st.sampled_from(["Translate {p} into {l}", 'Please translate "{p}" to {l}.']),
)
@settings(max_examples=40, deadline=None)
def test_phrase_bank_translations(phrase, language, template):
    from gemini_nb.emulator.brain.lib.lexicon import PHRASES, TRANSLATION_LANGUAGES

    text = answer(template.format(p=phrase, l=language))
    assert f"**{PHRASES[phrase][TRANSLATION_LANGUAGES.index(language.lower())]}**" in text


def test_unknown_translation_is_declined():
    assert "can't translate" in answer("Translate the whole of Hamlet into German")


def test_thought_summaries_read_the_request_like_the_writer_does():
    """Thoughts name what was asked (form, subject, a stated name) without instruction words."""
    from gemini_nb.emulator.brain.thinking import _asked

    assert _asked("My name is Phil. Explain the Interactions API in one sentence.") == (
        "The user introduced themselves as Phil. The user wants one sentence about Interactions API."
    )
    assert _asked("What is my name?") == "The user is asking about their name."
    assert _asked("Count from 1 to 20") == "The user asks me to count from 1 to 20."
    assert _asked("List 5 fruits as a table") == "The user wants a table of 5 fruits."
    assert _asked("Which of these cities is warmest in July?") == (
        "The user asks: Which of these cities is warmest in July?"
    )
