"""Questions over a table interpolated into the prompt are answered from its numbers."""

import pandas as pd
import pytest

from gemini_nb.emulator.brain.lib import tables

CITIES = pd.DataFrame(
    {
        "city": ["Paris", "Rome", "Oslo", "New York"],
        "july_high_c": [26, 31, 22, 29],
        "population_m": [2.1, 2.8, 0.7, 8.3],
    }
)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Which of these cities is warmest in July?", "**Rome** is the warmest"),
        ("Which city is coldest?", "**Oslo** is the coldest"),
        ("Which city has the largest population_m?", "**New York** is the largest"),
        ("What is the average july_high_c?", "The average july_high_c across the 4 rows is 27"),
        ("What is the total population_m?", "The total population_m across the 4 rows is 13.9"),
        ("How many rows are there?", "The table has 4 rows and 3 columns"),
    ],
)
def test_pandas_table_questions(question, expected):
    prompt = f"{question}\n{CITIES.to_string()}"
    assert expected in tables.answer(prompt)


def test_multi_word_labels_survive_pandas_alignment():
    prompt = "Which is largest by population_m?\n" + CITIES.to_string()
    assert tables.answer(prompt).startswith("**New York**")


def test_markdown_and_csv_tables():
    md = "Which is cheapest?\n| item | price |\n|---|---|\n| tea | 3.50 |\n| coffee | 2.75 |"
    assert tables.answer(md).startswith("**coffee** is the cheapest")
    csv = "Which is the best score?\nname,score\nAda,91\nBo,78\nCy,85"
    assert tables.answer(csv).startswith("**Ada** is the best")


def test_no_table_or_no_numbers_is_not_answered():
    assert tables.answer("Explain photosynthesis") is None
    assert tables.answer("Which is warmest?\nname  colour\nA  red\nB  blue") is None


def test_through_the_emulator(client):
    prompt = "Which of these cities is warmest in July?\n" + CITIES.to_string()
    r = client.interactions.create(model="gemini-3-flash-preview", input=prompt)
    assert r.output_text.startswith("**Rome** is the warmest")
