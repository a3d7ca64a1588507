"""``--approve`` with buttons: the turn stops with its calls pending, nothing runs until a click,
and the panel continues the turn with the same safe executor as the loop.

Clicks are ipywidgets' own ``Button.click()`` (what a front end's click triggers in the kernel);
the rendering in a real JupyterLab is covered by ``tests/notebooks/test_browser_tools.py``.
"""

from __future__ import annotations

import pytest
from shell_helpers import run_cell
from test_tool_loop import _fresh, get_weather  # noqa: F401 - the recording tool and its reset

import gemini_nb
from gemini_nb.widgets.approval import ApprovalPanel


def results_sent(emu):
    bodies = [r["body"] for r in emu.requests() if r.get("method") == "POST" and "interactions" in r["path"]]
    return [
        s for s in bodies[-1].get("input") or [] if isinstance(s, dict) and s.get("type") == "function_result"
    ]


def buttons(panel):
    """The panel's buttons by label, in order (``Run``, ``Decline`` per call, then the all-buttons)."""
    import ipywidgets as w

    found = []

    def walk(widget):
        if isinstance(widget, w.Button):
            found.append(widget)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(panel.widget())
    return found


def test_nothing_runs_until_approved_then_the_turn_continues(session, emu):
    result = session.ask("Use get_weather for Paris", tools=[get_weather], approve="buttons", stream=False)
    assert result.status == "requires_action" and get_weather.calls == []
    assert [c.name for c in result.pending_calls] == ["get_weather"]
    assert "waiting for your approval" in result._repr_mimebundle_()[0]["text/markdown"]
    seen = []
    panel = gemini_nb.approve(result, on_result=seen.append)
    run, decline = buttons(panel)
    assert get_weather.calls == []  # drawing the panel runs nothing
    run.click()
    assert get_weather.calls == ["Paris"]
    assert results_sent(emu)[0]["result"]["sky"] == "sunny"
    assert panel.next.status == "completed" and "sunny" in panel.next.text
    assert seen == [panel.next]
    assert run.disabled and decline.disabled
    assert "ok" in panel._rows[result.pending_calls[0].id][2].value


def test_decline_sends_the_refusal_and_never_runs(session, emu):
    result = session.ask("Use get_weather for Rome", tools=[get_weather], approve="buttons", stream=False)
    panel = ApprovalPanel(result)
    _, decline = buttons(panel)
    decline.click()
    assert get_weather.calls == []
    [sent] = results_sent(emu)
    assert sent["result"] == {"error": "the user declined to run get_weather"} and sent["is_error"] is True
    assert panel.next.status == "completed"
    decline.click()  # a second click changes nothing
    assert len(results_sent(emu)) == 1 and panel.records[0].status == "declined"


def test_a_call_to_a_function_not_handed_over_cannot_run_even_when_approved(session, emu):
    result = session.ask("Use get_weather for Oslo", tools=[get_weather], approve="buttons", stream=False)
    result.approval.functions.clear()  # as if the model named a function the user never gave
    panel = ApprovalPanel(result)
    panel.run_all()
    assert get_weather.calls == []
    assert panel.records[0].status == "error" and "no function named" in panel.records[0].error
    assert results_sent(emu)[0]["is_error"] is True


def test_a_result_without_pending_approval_is_refused_in_one_line(session, emu):
    result = session.ask("Hello", stream=False)
    with pytest.raises(ValueError, match="nothing awaits approval"):
        gemini_nb.approve(result)


def test_a_failed_continuation_is_shown_and_nothing_is_lost(session, emu):
    result = session.ask("Use get_weather for Lima", tools=[get_weather], approve="buttons", stream=False)
    panel = ApprovalPanel(result)
    panel.widget()
    emu.fault(status=503, times=5)
    panel.run_all()
    assert get_weather.calls == ["Lima"] and panel.next is None
    assert panel.error and panel.error in panel._status_html.value.replace("&#x27;", "'")
    assert result.id in session.chain.turns  # the chain still has the turn the panel continues


def test_magic_in_a_kernel_shows_the_panel_and_keeps_out_on_the_latest(ip, emu, monkeypatch):
    from gemini_nb import api

    monkeypatch.setattr(api, "in_kernel", lambda: True)
    ip.user_ns["get_weather"] = get_weather
    outcome, _, err = run_cell(
        ip, "%%gemini --tools get_weather --approve --no-stream -o w\nUse get_weather for Bern"
    )
    assert outcome.success, err
    panel = outcome.result
    assert isinstance(panel, ApprovalPanel) and get_weather.calls == []
    assert ip.user_ns["w"] is panel.result
    buttons(panel)[0].click()
    assert get_weather.calls == ["Bern"]
    assert ip.user_ns["w"] is panel.next and ip.user_ns["_"] is panel.next


def test_approve_with_prompt_keeps_the_y_n_question_in_a_kernel(ip, emu, monkeypatch):
    from gemini_nb import api

    monkeypatch.setattr(api, "in_kernel", lambda: True)
    monkeypatch.setattr("builtins.input", lambda text: "y")
    ip.user_ns["get_weather"] = get_weather
    run_cell(ip, "%config GeminiMagics.approve_with = 'prompt'")
    try:
        outcome, _, err = run_cell(
            ip, "%%gemini --tools get_weather --approve --no-stream\nUse get_weather for Kyiv"
        )
    finally:
        run_cell(ip, "%config GeminiMagics.approve_with = 'auto'")
    assert outcome.success, err
    assert get_weather.calls == ["Kyiv"] and not isinstance(outcome.result, ApprovalPanel)
