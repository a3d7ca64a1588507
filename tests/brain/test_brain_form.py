"""The text brain follows the form of the request: counts, layout, language, topic, names."""

from __future__ import annotations

import re

import pytest
from brain_helpers import answer, chat
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.lib import form as forms
from gemini_nb.emulator.brain.lib.vocab import FIRST_NAMES
from gemini_nb.emulator.brain.lib.writer import sentence_count, word_count

TOPICS = [
    "photosynthesis",
    "volcanoes",
    "the Roman Empire",
    "machine learning",
    "jazz music",
    "coral reefs",
    "compound interest",
    "the water cycle",
    "black holes",
    "sourdough baking",
    "public transport",
    "quantum computing",
    "honey bees",
    "plate tectonics",
    "solar power",
]
NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    12: "twelve",
}
topics = st.sampled_from(TOPICS)
SLOW = settings(max_examples=40, deadline=None)


def spelled(n: int, as_word: bool) -> str:
    return NUMBER_WORDS[n] if as_word and n in NUMBER_WORDS else str(n)


def sentences_of(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


@SLOW
@given(
    topics,
    st.integers(1, 12),
    st.booleans(),
    st.sampled_from(
        [
            "Explain {t} in {n} sentences",
            "Describe {t} in {n} sentences.",
            "In {n} sentences, explain {t}",
            "Tell me about {t} in exactly {n} sentences please",
        ]
    ),
)
def test_sentence_counts_are_exact_and_distinct(topic, n, as_word, template):
    prompt = (
        template.format(t=topic, n=spelled(n, as_word))
        .replace(" 1 sentences", " one sentence")
        .replace(" one sentences", " one sentence")
    )
    text = answer(prompt)
    assert sentence_count(text) == n, text
    assert len(set(sentences_of(text))) == n  # no repeated filler
    assert not text.lstrip().startswith(("-", "*", "1."))  # prose, not bullets


@SLOW
@given(topics, st.integers(20, 700), st.sampled_from(["essay", "description", "story", "explanation"]))
def test_word_counts_within_tolerance(topic, n, kind):
    text = answer(f"Write a {n}-word {kind} about {topic}")
    assert abs(word_count(text) - n) <= max(6, n // 10), (n, word_count(text))
    assert len(set(sentences_of(text))) == len(sentences_of(text))


@SLOW
@given(topics, st.integers(2, 15), st.booleans())
def test_numbered_list_item_counts(topic, n, as_word):
    text = answer(f"List {spelled(n, as_word)} facts about {topic}")
    numbered = [ln for ln in text.splitlines() if re.match(r"\d+\. ", ln)]
    assert len(numbered) == n and [int(ln.split(".")[0]) for ln in numbered] == list(range(1, n + 1))
    assert len(set(numbered)) == n


@SLOW
@given(topics, st.integers(1, 10), st.booleans())
def test_bullet_point_counts(topic, n, as_word):
    text = answer(f"Give me {spelled(n, as_word)} bullet points about {topic}")
    bullets = [ln for ln in text.splitlines() if ln.startswith("- ")]
    assert len(bullets) == n and len(set(bullets)) == n
    assert all(ln.startswith("- ") for ln in text.splitlines() if ln.strip())


COLUMN_NAMES = st.lists(
    st.sampled_from(
        ["Name", "Year", "Cost", "Speed", "Origin", "Typing", "Use case", "Rating", "Notes", "Region"]
    ),
    min_size=2,
    max_size=5,
    unique=True,
)


@SLOW
@given(topics, COLUMN_NAMES)
def test_markdown_table_with_requested_columns(topic, columns):
    cols = ", ".join(columns[:-1]) + " and " + columns[-1]
    text = answer(f"Summarize {topic} as a markdown table with columns {cols}")
    lines = text.splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == columns
    assert re.fullmatch(r"\|(---\|)+", lines[1])
    assert len(lines) >= 4 and all(ln.count("|") == len(columns) + 1 for ln in lines)


SECTION_NAMES = st.lists(
    st.sampled_from(
        [
            "Background",
            "Method",
            "Results",
            "Discussion",
            "Risks",
            "Summary",
            "Next steps",
            "Costs",
            "Timeline",
        ]
    ),
    min_size=2,
    max_size=5,
    unique=True,
)


@SLOW
@given(topics, SECTION_NAMES)
def test_named_sections_in_order(topic, names):
    text = answer(f"Write a short report on {topic} with sections {', '.join(names)}.")
    assert re.findall(r"^## (.+)$", text, re.M) == names
    bodies = re.split(r"^## .+$", text, flags=re.M)[1:]
    assert all(b.strip() for b in bodies)


@SLOW
@given(
    st.sampled_from(["lighthouse keeper", "a dragon who loves books", "friendship", "a lost robot"]),
    st.integers(80, 600),
)
def test_story_is_narrative_with_beginning_middle_end(subject, n):
    text = answer(f"Write a {n}-word story about {subject}")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert len(paragraphs) >= 3  # a beginning, a middle and an end
    assert not any(ln.lstrip().startswith(("-", "*", "#")) for ln in text.splitlines())
    assert abs(word_count(text) - n) <= max(8, n // 10)
    assert re.search(r"\b(In the end|By the time|returned home|ended where it began)\b", paragraphs[-1])


FOREIGN = {
    "fr": [
        "Explique {t} en deux phrases.",
        "Qu'est-ce que la {t} et pourquoi est-elle importante pour nous ?",
    ],
    "es": ["Explica la {t} en dos frases.", "¿Qué es la {t} y por qué es importante para el mundo?"],
    "de": [
        "Erkläre mir bitte, was die {t} ist und warum sie für uns wichtig ist.",
        "Was ist die {t} und wie funktioniert sie?",
    ],
    "it": [
        "Spiega che cosa è la {t} e perché è importante per il mondo.",
        "Che cosa è la {t} e come funziona per noi?",
    ],
    "pt": [
        "Explique o que é a {t} e porque é importante para o mundo.",
        "O que é a {t} e como funciona para nós?",
    ],
}


@SLOW
@given(
    st.sampled_from(sorted(FOREIGN)),
    st.integers(0, 1),
    st.sampled_from(["fotosintesi", "energia", "democracia", "musica", "fotosynthese", "ciencia"]),
)
def test_language_of_the_prompt_is_kept(lang, which, topic):
    prompt = FOREIGN[lang][which].format(t=topic)
    assert forms.detect_language(prompt) == lang
    text = answer(prompt)
    assert forms.detect_language(text) == lang, text
    assert topic in text.lower()


def test_explicit_language_request_and_two_sentences_in_french():
    text = answer("Explique la photosynthèse en deux phrases")
    assert sentence_count(text) == 2 and forms.detect_language(text) == "fr"
    assert forms.detect_language(answer("Explain volcanoes in Spanish")) == "es"


INSTRUCTIONS = [
    "Make summary shorter please",
    "Shorter please",
    "Can you make it more concise?",
    "Rewrite that as bullet points",
    "Explain it again, in more detail",
    "Make it longer",
    "Please give me a brief answer",
    "Now in three sentences",
]


@pytest.mark.parametrize("prompt", INSTRUCTIONS)
def test_instruction_only_requests_have_no_topic(prompt):
    assert forms.parse(prompt).topic == ""


@SLOW
@given(
    topics,
    st.sampled_from(
        [
            "Explain {t}",
            "Tell me about {t} please",
            "Can you describe {t}?",
            "Write a short overview of {t}",
            "Give me an explanation of {t}",
            "Explain {t} in two sentences",
            "Could you explain {t} briefly?",
        ]
    ),
)
def test_topic_is_extracted_without_instruction_words(topic, template):
    got = forms.parse(template.format(t=topic)).topic
    assert got == topic or got == re.sub(r"^the (?=[A-Z])", "", topic)  # "the water cycle", "Roman Empire"


@given(topics)
@settings(max_examples=15, deadline=None)
def test_shorter_refers_to_the_previous_topic(topic):
    text = chat(f"Explain {topic} in six sentences", "Make summary shorter please")
    assert sentence_count(text) < 6
    assert re.sub(r"^the ", "", topic).lower() in text.lower()
    assert "summary shorter" not in text.lower()


@given(
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(
        ["and I like tea", "and I live in Oslo", "and I'm 30", "and I love hiking", "but I work as a pilot"]
    ),
)
@settings(max_examples=30, deadline=None)
def test_name_recall_stops_at_the_name(name, rest):
    text = chat(f"My name is {name} {rest}.", "What is my name?")
    assert text == f"Your name is {name}."


def test_two_word_names_are_kept():
    assert chat("Hi! My name is Ana Lima.", "What is my name?") == "Your name is Ana Lima."


def test_same_request_same_answer():
    prompt = "Explain coral reefs in four sentences"
    assert answer(prompt) == answer(prompt)


@pytest.mark.parametrize(
    "prompt, fence, needle",
    [
        ("Write a python function that reverses a string", "```python", "def reverse_string"),
        ("Write a JavaScript function that checks if a number is prime", "```javascript", "function isPrime"),
        ("Write a python function that parses invoices", "```python", "def parses_invoices"),
    ],
)
def test_code_requests_get_a_code_block(prompt, fence, needle):
    text = answer(prompt)
    assert fence in text and needle in text and text.count("```") == 2


def test_list_of_named_things_and_a_table_of_capitals():
    fruits = answer("List 5 fruits")
    assert len(re.findall(r"^\d+\. [A-Z]", fruits, re.M)) == 5 and "Mango" in fruits or "Apple" in fruits
    table = answer("Make a table of 4 countries and their capitals")
    assert table.splitlines()[0] == "| Country | Capital |"
    from gemini_nb.emulator.brain.lib.facts import CAPITALS

    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in table.splitlines()[2:]]
    assert len(rows) == 4 and all(CAPITALS[country] == capital for country, capital in rows)


@given(
    st.sampled_from(sorted(__import__("gemini_nb.emulator.brain.lib.facts", fromlist=["x"]).DEFINITIONS)),
    st.integers(1, 6),
)
@settings(max_examples=30, deadline=None)
def test_known_terms_are_defined_first_and_counts_still_hold(term, n):
    from gemini_nb.emulator.brain.lib.facts import DEFINITIONS

    text = answer(f"Explain {term} in {n} sentences")
    assert text.startswith(DEFINITIONS[term]) and sentence_count(text) == n


def test_stated_name_with_a_request_greets_and_answers():
    text = answer("My name is Phil. Suggest a name for my cat.")
    assert text.startswith("Nice to meet you, Phil! How about **")
    one = answer("My name is Phil. Explain the Interactions API in one sentence.")
    assert sentence_count(one) == 1 and one.startswith("The Interactions API is")
    assert (
        chat("My name is Phil. Explain the Interactions API in one sentence.", "What is my name?")
        == "Your name is Phil."
    )


@given(topics, st.integers(2, 16), st.booleans())
@settings(max_examples=30, deadline=None)
def test_poem_line_counts(topic, n, as_word):
    text = answer(f"Write a {spelled(n, as_word)}-line poem about {topic}")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == n and len(set(lines)) == n
    haiku = answer(f"Write a haiku about {topic}")
    assert len(haiku.splitlines()) == 3 and topic.split()[-1].lower() in haiku.lower()


def test_terse_system_instruction_keeps_one_informative_sentence():
    from brain_helpers import make_ctx

    from gemini_nb.emulator.brain.skills.text import TextSkill

    for prompt in ("Tell me about coral reefs", "Tell me about sourdough baking"):
        reply = TextSkill().respond(make_ctx(prompt, system_instruction="Be terse."))
        text = reply.steps[0]["content"][0]["text"]
        assert sentence_count(text) == 1 and not text.startswith("Here is")


WORDS = st.sampled_from(
    [
        "explain",
        "list",
        "5",
        "three",
        "sentences",
        "words",
        "table",
        "columns",
        "with",
        "sections",
        "story",
        "poem",
        "lines",
        "about",
        "the",
        "capital",
        "of",
        "Peru",
        "convert",
        "0",
        "-3.5",
        "km",
        "to",
        "miles",
        "in",
        "French",
        "translate",
        "my",
        "name",
        "is",
        "Ana",
        "?",
        ",",
        "and",
        "shorter",
        "JSON",
        "fields",
        "recipe",
        "for",
        "how",
        "does",
        "why",
    ]
)


@given(st.one_of(st.text(max_size=200), st.lists(WORDS, max_size=25).map(" ".join)))
@settings(max_examples=300, deadline=None)
def test_any_prompt_gets_an_answer(prompt):
    form = forms.parse(prompt)
    assert isinstance(form.topic, str)
    text = answer(prompt) if prompt.strip() else answer("x")
    assert isinstance(text, str) and text.strip()


def test_a_long_prompt_is_read_for_its_form_at_its_start_and_end():
    """A pasted document between the request and its closing line: the form is still found (and
    a multi-megabyte prompt is not scanned whole by every pattern)."""
    filler = "The quarterly report lists revenue, costs and staff numbers. " * 2_000  # ~120 kB
    asked = forms.parse("Summarize this report in 3 bullet points:\n" + filler)
    assert (asked.kind, asked.items) == ("bullets", 3)
    closing = forms.parse(filler + "\nAnswer in exactly 2 sentences.")
    assert closing.sentences == 2
    assert (
        "bullet" not in forms.parse("x " * 2 * forms.READ_CHARS + " in 3 bullet points " + "y " * 9_000).kind
    )


def test_the_same_prompt_is_read_once_and_each_caller_gets_its_own_form():
    forms._parse.cache_clear()
    first = forms.parse("List 4 fruits")
    first.items = 99
    second = forms.parse("List 4 fruits")
    assert second.items == 4 and second is not first
    assert forms._parse.cache_info().hits == 1
