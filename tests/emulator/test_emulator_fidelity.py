"""Fixed examples through the real SDK: the emulator answers in the form that was asked for."""

from __future__ import annotations

import re

from gemini_nb.emulator.brain.lib.writer import sentence_count, word_count

MODEL = "gemini-3-flash-preview"


def ask(client, prompt: str, **kw):
    return client.interactions.create(model=MODEL, input=prompt, **kw)


def test_two_sentences(client):
    text = ask(client, "Explain photosynthesis in two sentences").output_text
    assert sentence_count(text) == 2 and "photosynthesis" in text.lower() and "- " not in text


def test_250_word_story_is_prose(client):
    text = client.interactions.create(
        model=MODEL,
        input="Write a 250-word story about a lighthouse keeper",
        generation_config={"max_output_tokens": 4000},
    ).output_text
    assert abs(word_count(text) - 250) <= 25 and len(text.split("\n\n")) >= 3
    assert not re.search(r"^\s*[-*]", text, re.M)


def test_list_five_and_named_sections(client):
    text = client.interactions.create(model=MODEL, input="List 5 benefits of exercise").output_text
    assert len(re.findall(r"^\d\. ", text, re.M)) == 5
    text = client.interactions.create(
        model=MODEL, input="Write about solar power with sections Background, Method, Results"
    ).output_text
    assert re.findall(r"^## (.+)$", text, re.M) == ["Background", "Method", "Results"]


def test_shorter_follow_up_and_name_recall(client):
    first = ask(client, "My name is Ana and I like tea. Explain tea in six sentences.")
    shorter = client.interactions.create(
        model=MODEL, input="Make summary shorter please", previous_interaction_id=first.id
    )
    assert "summary shorter" not in shorter.output_text.lower() and "tea" in shorter.output_text.lower()
    assert sentence_count(shorter.output_text) < 6
    name = ask(client, "What is my name?", previous_interaction_id=shorter.id)
    assert name.output_text == "Your name is Ana."


def test_capital_and_live_question(client):
    assert "**Lima**" in ask(client, "What is the capital of Peru?").output_text
    text = ask(client, "What's the latest news about the election?").output_text
    assert "can't know this offline" in text


def test_french_prompt_french_answer(client):
    text = ask(client, "Explique la photosynthèse en deux phrases").output_text
    assert sentence_count(text) == 2 and re.search(r"\b(la|le|de|on|il)\b", text)
