"""compare() and %%gemini --compare against the emulator: the DataFrame, concurrency, one
variant's error kept to its row, the chain left alone, and the side-by-side display."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from shell_helpers import run_cell

from gemini_nb.comparison import COLUMNS, CompareError, compare, variants

MODELS = ["gemini-3-flash-preview", "gemini-2.5-flash"]


def posts(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("interactions")]


def test_two_models_give_a_two_row_frame_and_leave_the_chain_alone(session, emu):
    first = session.ask("My name is Phil", stream=False)
    frame = compare("What is 2+2?", models=MODELS, session=session, show=False)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 2
    assert list(frame["model"]) == MODELS and list(frame["variant"]) == MODELS
    assert frame["error"].isna().all(), frame["error"].tolist()
    assert all("4" in text for text in frame["text"])
    assert (frame["input_tokens"] > 0).all() and (frame["output_tokens"] > 0).all()
    assert (frame["latency_s"] > 0).all() and frame["interaction_id"].nunique() == 2
    bodies = [p["body"] for p in posts(emu)[1:]]
    assert sorted(b["model"] for b in bodies) == sorted(MODELS)
    assert all("previous_interaction_id" not in b for b in bodies)  # one-off turns...
    assert session.chain.head().id == first.id and len(session.chain.turns) == 1  # ...the chain did not move


def test_settings_variants(session, emu):
    frame = compare(
        "Explain why the sky is blue.",
        settings=[{"thinking": "low"}, {"thinking": "high"}],
        session=session,
        show=False,
    )
    assert list(frame["variant"]) == [
        "gemini-3-flash-preview · thinking=low",
        "gemini-3-flash-preview · thinking=high",
    ]
    levels = sorted(p["body"]["generation_config"]["thinking_level"] for p in posts(emu))
    assert levels == ["high", "low"]
    low, high = frame["thought_tokens"]
    assert high > low > 0


def test_models_times_settings_and_common_options(session, emu):
    frame = compare(
        "Hi",
        models=MODELS,
        settings=[{"temperature": 0.1}, {"temperature": 0.9}],
        system="Be brief.",
        session=session,
        show=False,
    )
    assert len(frame) == 4
    assert all(p["body"]["system_instruction"] == "Be brief." for p in posts(emu))


def test_an_error_in_one_model_does_not_sink_the_rest(session, emu):
    frame = compare("What is 2+2?", models=["gemini-3-flash-preview", "palm-2"], session=session, show=False)
    good, bad = frame.iloc[0], frame.iloc[1]
    assert pd.isna(good["error"]) and "4" in good["text"]
    assert "palm-2" in bad["error"] and "\n" not in bad["error"] and bad["text"] == ""


def test_variants_run_concurrently(session, emu, monkeypatch):
    from gemini_nb.api import Session

    barrier = threading.Barrier(3, timeout=20)  # only met if all three are in flight together
    original = Session.ask

    def ask(self, prompt, **options):
        barrier.wait()
        return original(self, prompt, **options)

    monkeypatch.setattr(Session, "ask", ask)
    frame = compare("Hi", models=[*MODELS, "gemini-2.5-pro"], session=session, show=False)
    assert frame["error"].isna().all(), frame["error"].tolist()


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(models=["gemini-3-flash-preview"]), "two or more variants"),
        (dict(models=[]), "two or more variants"),
        (dict(models=["a", ""]), "empty model name"),
        (dict(models=[f"m{i}" for i in range(9)]), "at most 8"),
        (dict(settings=[{"thinking": "low"}, "high"]), "settings[1] must be a dict"),
        (dict(models=MODELS, thread="x"), "'thread' does not apply"),
    ],
)
def test_bad_requests_are_one_line_and_send_nothing(session, emu, kwargs, fragment):
    with pytest.raises(CompareError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        compare("Hi", session=session, show=False, **kwargs)
    assert posts(emu) == []


def test_unknown_option_is_refused_before_sending(session, emu):
    with pytest.raises(CompareError, match="unknown option 'colour'"):
        compare("Hi", models=MODELS, colour="red", session=session, show=False)
    assert posts(emu) == []


def test_duplicate_variants_get_distinct_labels():
    labels = [v.label for v in variants(["a", "a"], None)]
    assert labels == ["a", "a #2"]


def test_view_has_two_columns_and_fallbacks(session, emu):
    from gemini_nb.comparison import run
    from gemini_nb.widgets.compare_view import CompareView

    frame, results = run("What is 2+2?", variants(MODELS, None), session)
    view = CompareView(frame, results)
    grid = view.widget()
    assert len(grid.children) == 2
    assert "repeat(2," in grid.layout.grid_template_columns
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].count("<th>") == 2 and "tokens" in bundle["text/html"]
    assert bundle["text/plain"].count("== ") == 2


def test_compare_cell(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    head = ip.user_ns["_"].id
    result, out, err = run_cell(
        ip, "%%gemini --compare gemini-3-flash-preview,gemini-2.5-flash -o df --thinking low\nWhat is 2+2?"
    )
    assert result.success, err
    frame = ip.user_ns["df"]
    assert len(frame) == 2 and frame["error"].isna().all()
    assert type(result.result).__name__ == "CompareView"
    assert all(p["body"]["generation_config"]["thinking_level"] == "low" for p in posts(emu)[1:])
    from gemini_nb import api

    assert api.default_session().chain.head().id == head


@pytest.mark.parametrize(
    "line,fragment",
    [
        ("--compare gemini-3-flash-preview", "two or more comma-separated models"),
        ("--compare a,,b", "two or more comma-separated models"),
        ("--compare a,b -m c", "-m/--model cannot be used with --compare"),
        ("--compare a,b --from -1", "--from cannot be used with --compare"),
    ],
)
def test_compare_cell_mistakes_are_one_line(ip, emu, line, fragment):
    result, out, err = run_cell(ip, f"%%gemini {line}\nHi")
    assert not result.success
    assert fragment in err and "Traceback" not in err
    assert posts(emu) == []


def test_compare_is_in_the_help(ip):
    doc = ip.magics_manager.magics["cell"]["gemini"].__doc__
    assert "--compare M1,M2" in doc


def test_compare_turns_are_logged_and_counted_by_usage(session, emu):
    from gemini_nb.usage_report import usage

    frame = compare("What is 2+2?", models=MODELS, session=session, show=False)
    logged = {row["interaction_id"] for row in session.history().rows()}
    assert set(frame["interaction_id"]) <= logged
    report = usage(session)
    assert len(report.turns) == 0  # not the kernel's chain...
    assert set(report.history["model"]) == set(MODELS)  # ...but in the history DB
