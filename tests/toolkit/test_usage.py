"""%gemini usage / gemini_nb.usage(): per turn and per model for the kernel, per model from the
history DB, prices from a config trait turned into cost columns, and a PNG chart."""

from __future__ import annotations

import math

import pytest
from shell_helpers import run_cell

from gemini_nb.usage_report import PriceError, check_prices, usage

PNG = b"\x89PNG\r\n\x1a\n"


def test_per_turn_and_per_model_for_this_kernel(session, emu):
    a = session.ask("My name is Phil", stream=False)
    b = session.ask("What is my name?", stream=False, thinking="high")
    c = session.ask("Hi", stream=False, model="gemini-2.5-flash", thread="side")
    report = usage(session, history=False)
    turns = report.turns
    assert list(turns["interaction_id"]) == [a.id, b.id, c.id]
    assert list(turns["thread"]) == ["main", "main", "side"]
    for (_, row), result in zip(turns.iterrows(), (a, b, c)):
        assert row["input_tokens"] == result.usage.input_tokens > 0
        assert row["output_tokens"] == result.usage.output_tokens > 0
        assert row["thought_tokens"] == result.usage.thought_tokens
        assert row["cached_tokens"] == result.usage.cached_tokens
    models = report.models.set_index("model")
    assert models.loc["gemini-3-flash-preview", "turns"] == 2
    flash = models.loc["gemini-3-flash-preview"]
    assert flash["output_tokens"] == a.usage.output_tokens + b.usage.output_tokens
    assert models.loc["gemini-2.5-flash", "input_tokens"] == c.usage.input_tokens
    assert "cost" not in report.turns.columns  # no price table, no cost


def test_history_db_is_summed_per_model_across_sessions(clean_env, emu):
    from gemini_nb.api import Session

    path = str(clean_env / "shared.sqlite3")
    earlier = Session(backend=emu.base_url, history_path=path)
    old = earlier.ask("Hello", stream=False, model="gemini-2.5-flash")
    now = Session(backend=emu.base_url, history_path=path)
    new = now.ask("Hi", stream=False)
    report = usage(now)
    assert len(report.turns) == 1  # this kernel: its own turn only
    history = report.history.set_index("model")
    assert history.loc["gemini-2.5-flash", "input_tokens"] == old.usage.input_tokens
    assert history.loc["gemini-3-flash-preview", "output_tokens"] == new.usage.output_tokens
    assert history["turns"].sum() == 2


def test_prices_turn_tokens_into_cost(session, emu):
    r = session.ask("Explain why the sky is blue.", stream=False, thinking="high")
    u = r.usage
    prices = {"gemini-3-flash-preview": {"input": 0.5, "output": 3.0}}
    report = usage(session, history=False, prices=prices)
    row = report.turns.iloc[0]
    assert row["input_cost"] == pytest.approx(u.input_tokens * 0.5 / 1e6)
    assert row["output_cost"] == pytest.approx((u.output_tokens + u.thought_tokens) * 3.0 / 1e6)
    assert row["cost"] == pytest.approx(row["input_cost"] + row["output_cost"])
    assert report.models.iloc[0]["cost"] == pytest.approx(row["cost"])


def test_cached_price_and_unpriced_models(session, emu):
    from gemini_nb.usage_report import costs

    tokens = {"input_tokens": 1_000_000, "cached_tokens": 400_000, "output_tokens": 0, "thought_tokens": 0}
    cost = costs("m", tokens, {"m": {"input": 1.0, "output": 2.0, "cached": 0.25}})
    assert cost["input_cost"] == pytest.approx(0.6 + 0.1)
    session.ask("Hi", stream=False, model="gemini-2.5-flash")
    report = usage(session, history=False, prices={"gemini-3-flash-preview": {"input": 1, "output": 1}})
    assert math.isnan(report.turns.iloc[0]["cost"])
    assert any("no price for gemini-2.5-flash" in note for note in report.notes)


@pytest.mark.parametrize(
    "prices,fragment",
    [
        ([1, 2], "must be a dict"),
        ({"m": 3}, "must be a dict like"),
        ({"m": {"input": 1}}, "needs 'output'"),
        ({"m": {"input": 1, "output": -2}}, "non-negative number"),
        ({"m": {"input": 1, "output": "3"}}, "non-negative number"),
        ({"m": {"input": 1, "output": 2, "batch": 1}}, "unknown key 'batch'"),
    ],
)
def test_bad_price_tables_are_one_line(prices, fragment):
    with pytest.raises(PriceError, match=fragment):
        check_prices(prices)


def test_chart_is_a_png_output(session, emu, monkeypatch):
    session.ask("My name is Phil", stream=False)
    report = usage(session)
    assert report.chart.startswith(PNG) and len(report.chart) > 2000
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    report._ipython_display_()
    assert "text/html" in shown[0] and "this kernel, per turn" in shown[0]["text/html"].lower()
    import base64

    assert base64.b64decode(shown[1]["image/png"]).startswith(PNG)
    assert 'src="data:image/png;base64,' in report._repr_mimebundle_()["text/html"]


def test_no_turns_no_chart(session):
    report = usage(session, history=False)
    assert report.chart is None and len(report.turns) == 0
    assert "no turns yet" in repr(report)


def test_usage_command(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    run_cell(ip, "%config GeminiMagics.prices = {'gemini-3-flash-preview': {'input': 0.5, 'output': 3.0}}")
    try:
        result, out, err = run_cell(ip, "%gemini usage")
        assert result.success, err
        report = result.result
        assert len(report.turns) == 1 and report.turns.iloc[0]["cost"] > 0
        assert report.chart.startswith(PNG)
        assert report.history["turns"].sum() >= 1
        run_cell(ip, "%config GeminiMagics.prices = {'gemini-3-flash-preview': {'input': 'cheap'}}")
        result, out, err = run_cell(ip, "%gemini usage")
        assert not result.success and "GeminiMagics.prices" in err and "Traceback" not in err
        result, out, err = run_cell(ip, "%gemini usage today")
        assert not result.success and "takes no argument" in err
    finally:
        run_cell(ip, "%config GeminiMagics.prices = {}")


def test_usage_is_a_command_not_a_reserved_word():
    from gemini_nb import commands

    assert "usage" in commands.COMMANDS and "usage" not in commands.PLANNED


def test_lazy_api_names_are_the_functions():
    import gemini_nb
    import gemini_nb.usage_report  # noqa: F401  (a submodule import must not shadow the function)

    assert callable(gemini_nb.usage) and callable(gemini_nb.compare) and callable(gemini_nb.chat)


def test_widget_modules_import_nothing_heavy_until_used():
    import subprocess
    import sys

    code = (
        "import sys, gemini_nb.widgets.chat, gemini_nb.comparison, gemini_nb.usage_report, "
        "gemini_nb.commands; print([m for m in ('anywidget', 'ipywidgets', 'pandas', 'matplotlib', "
        "'google.genai') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
