"""Issue 9 row 5: what the brain derives from a chain's history is folded once per turn.

The folded :class:`Summary` must equal a walk of the whole history (same facts, tokens, calls,
report, size), however the steps are split into turns; a brain handed a plain list (no
summary) folds it from scratch and answers the same.
"""

from __future__ import annotations

import base64

from brain_helpers import make_ctx, model, user

from gemini_nb.emulator.brain import history as hist
from gemini_nb.emulator.brain.base import Reply
from gemini_nb.emulator.brain.pipeline import default_brain
from gemini_nb.emulator.brain.skills.report_followup import latest_report
from gemini_nb.emulator.brain.skills.text import known_facts
from gemini_nb.emulator.brain.usage import compute
from gemini_nb.emulator.ids import IdFactory

REPORT = "# Rivers: a research report\n\nThe Nile is long [1].\n\n## Sources\n1. x"
PDF = base64.b64encode(b"%PDF-1.4 /Type /Page /Type /Page /Type /Pages").decode()


def _steps() -> list[dict]:
    return [
        user("My name is Phil and I live in Paris"),
        {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "Thinking it over."}]},
        model("Nice to meet you, Phil!"),
        user("I'm 41 years old"),
        {"type": "function_call", "id": "c1", "name": "lookup", "arguments": {"q": "x"}},
        {"type": "function_result", "call_id": "c1", "name": "lookup", "result": "ok"},
        model(REPORT),
        {
            "type": "user_input",
            "content": [{"type": "document", "data": PDF, "mime_type": "application/pdf"}],
        },
        user("Call me Anna"),
        model("Sure, Anna."),
    ]


def test_folding_turn_by_turn_equals_one_walk_of_the_whole_history():
    steps = _steps()
    whole = hist.fold(hist.EMPTY, steps)
    for cut in range(len(steps) + 1):
        assert hist.fold(hist.fold(hist.EMPTY, steps[:cut]), steps[cut:]) == whole
    assert whole.steps == len(steps) and whole.user_turns == 4
    assert whole.facts == {"name": "Anna", "city": "Paris", "age": "41"}
    assert list(whole.calls) == ["c1"] and whole.report["text"] == REPORT
    assert whole.input_tokens["document"] == 2 * 258 and not whole.plain  # two pages
    assert hist.fold(hist.EMPTY, steps[:3]).plain


def test_the_digest_names_the_content_not_the_turn_boundaries():
    steps = _steps()
    other = [*steps[:2], model("Something else"), *steps[3:]]
    assert hist.fold(hist.EMPTY, steps).digest != hist.fold(hist.EMPTY, other).digest
    assert (
        hist.fold(hist.fold(hist.EMPTY, steps[:5]), steps[5:]).digest == hist.fold(hist.EMPTY, steps).digest
    )


def test_the_brain_reads_the_attached_summary_and_answers_as_from_a_plain_list():
    steps = _steps()
    plain = make_ctx("What is my name?", history=list(steps))
    folded = make_ctx("What is my name?", history=hist.History(steps, hist.fold(hist.EMPTY, steps)))
    assert known_facts(folded) == known_facts(plain) == {"name": "Anna", "city": "Paris", "age": "41"}
    assert latest_report(folded) == latest_report(plain)
    reply = Reply(steps=[model("Your name is Anna.")])
    assert compute(folded, reply) == compute(plain, reply)
    plain.ids = folded.ids = IdFactory(1)
    a, b = default_brain().respond(plain), default_brain().respond(folded)
    assert a.steps == b.steps and a.usage == b.usage


def test_a_summary_that_does_not_match_its_list_is_not_trusted():
    steps = _steps()
    wrong = hist.fold(hist.EMPTY, steps[:2])
    assert hist.History(steps, wrong).summary is None
    assert hist.summarize(hist.History(steps, wrong)) == hist.fold(hist.EMPTY, steps)
