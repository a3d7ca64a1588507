"""Deep Research fidelity: plan refinement, requested form (sections, table, length), follow-ups."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.lib.agent_report import body_words, write_report
from gemini_nb.emulator.brain.lib.research_plan import (
    Plan,
    parse_plan,
    refine,
    requested_sections,
    strip_form,
)
from gemini_nb.emulator.brain.lib.web_corpus import search

AGENT = "deep-research-pro-preview-12-2025"
PLANNING = {"type": "deep-research", "collaborative_planning": True}


@pytest.fixture(autouse=True)
def _fast_agents(monkeypatch):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.2")


def run(client, **kwargs):
    created = client.interactions.create(agent=AGENT, background=True, **kwargs)
    deadline = time.monotonic() + 20
    while (got := client.interactions.get(created.id)).status in ("in_progress", "queued"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert got.status == "completed"
    return got


def headings(report: str) -> list[str]:
    return re.findall(r"^### \d+\. (.+)$", report, re.M)


def test_refinement_changes_the_plan_and_only_confirmation_starts_research(client):
    plan = run(client, input="Research urban beekeeping", agent_config=PLANNING)
    first = parse_plan(plan.output_text)
    assert first and first.topic == "urban beekeeping" and len(first.sections) == 3
    refined = run(
        client,
        input="Also cover honey yields, and drop section 1",
        agent_config=PLANNING,
        previous_interaction_id=plan.id,
    )
    assert "google_search_call" not in [s.type for s in refined.steps]
    second = parse_plan(refined.output_text)
    assert second.sections == [*first.sections[1:], "Honey yields"]
    assert "dropped" in refined.output_text and "added “Honey yields”" in refined.output_text
    unclear = run(client, input="Hmm, not sure", agent_config=PLANNING, previous_interaction_id=refined.id)
    assert (
        parse_plan(unclear.output_text).sections == second.sections and "couldn't tell" in unclear.output_text
    )
    done = run(
        client, input="Looks good, go ahead", agent_config=PLANNING, previous_interaction_id=unclear.id
    )
    assert "google_search_call" in [s.type for s in done.steps]
    assert headings(done.output_text) == second.sections and "plan confirmed" in done.output_text


def test_requested_sections_table_and_length(client):
    done = run(
        client,
        input="Research home batteries with sections on cost, safety and recycling. "
        "Include a comparison table. About 450 words.",
    )
    report = done.output_text
    assert report.startswith("# Home Batteries: a research report")
    assert headings(report) == ["Cost", "Safety", "Recycling"]
    table = [line for line in report.splitlines() if line.startswith("| ")]
    assert table[0] == "| Section | Main finding | Source |" and [
        r.split(" | ")[0][2:] for r in table[1:]
    ] == ["Cost", "Safety", "Recycling"]
    assert 0.8 * 450 <= body_words(report) <= 1.25 * 450


def test_follow_up_questions_use_the_report(client):
    report = run(client, input="Research community solar with sections on financing, grid access and tenants")
    asked = run(client, input="What did you find about grid access?", previous_interaction_id=report.id)
    assert "google_search_call" not in [s.type for s in asked.steps]
    text = asked.output_text
    assert text.startswith("From the report on Community Solar") and "(2. Grid access)" in text
    for line in text.splitlines()[2:]:
        assert line[2:].split(" (")[0].rstrip(".") in report.output_text
    summary = client.interactions.create(
        model="gemini-3-flash-preview", input="Can you summarize that?", previous_interaction_id=report.id
    )
    assert summary.output_text.startswith("In short, the report on Community Solar found")
    assert summary.steps[-1].content[0].annotations  # the quoted findings keep their citations
    new = run(client, input="Now research the history of glaciology", previous_interaction_id=report.id)
    assert (
        new.output_text.startswith("# The History of Glaciology")
        or "glaciology" in new.output_text.lower()[:80]
    )


def test_form_words_are_not_the_topic():
    assert (
        strip_form("Research heat pumps, with a comparison table, in about 500 words")
        == "Research heat pumps"
    )
    assert requested_sections("Write it with sections on cost, safety and the history of X.") == [
        "Cost",
        "Safety",
        "The history of X",
    ]


TITLE = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=4, max_size=18)
    .map(lambda t: " ".join(t.split()))
    .filter(lambda t: len(t) >= 4 and " and " not in f" {t} ")
    # words a reply uses for politeness or to point at the plan are never a section's whole title
    .filter(lambda t: not set(t.split()) & {"please", "thanks", "thank", "too", "section", "sections"})
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TITLE, min_size=1, max_size=6, unique_by=str.lower), st.data())
def test_refine_adds_and_drops_like_a_person_would(sections, data):
    plan = Plan("topic", [s[:1].upper() + s[1:] for s in sections])
    drop = data.draw(st.integers(min_value=1, max_value=len(plan.sections)))
    extra = data.draw(TITLE.filter(lambda t: t.lower() not in {s.lower() for s in plan.sections}))
    new, changes = refine(plan, f"Drop section {drop}. Also cover {extra}")
    expected = [s for i, s in enumerate(plan.sections, 1) if i != drop] + [extra[:1].upper() + extra[1:]]
    assert new.sections == expected and len(changes) == 2
    assert parse_plan(new.markdown()).sections == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=250, max_value=900),
    st.lists(TITLE, min_size=2, max_size=4, unique_by=str.lower),
    st.booleans(),
)
def test_report_length_and_sections_follow_the_request(words, titles, table):
    titles = [t[:1].upper() + t[1:] for t in titles]
    pages = search("tidal energy", max(6, words // 40))
    report = write_report("tidal energy", pages, titles=titles, table=table, words=words).text
    assert headings(report) == titles
    assert 0.75 * words <= body_words(report) <= 1.3 * words
    sentences = [
        s for s in re.split(r"(?<=\.)\s+", report.split("## Sources")[0]) if len(s) > 40 and "|" not in s
    ]
    assert len(sentences) == len(set(sentences))  # no repeated filler
    assert ("| Section |" in report) == table
