"""Scenario files from a notebook: ``%gemini scenarios PATH`` and ``gemini_nb.load_scenarios``."""

from __future__ import annotations

import pytest
from shell_helpers import run_cell

SCENARIO = """
scenarios:
  - name: capital
    match: {input: "(?i)capital of france"}
    respond: "Scripted: the capital of France is **Paris**."
"""


def cell(ip, source):
    result, out, err = run_cell(ip, source)
    return result, out, err


def test_a_scenario_file_scripts_the_next_answer(ip, emu, tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(SCENARIO)
    result, out, err = cell(ip, f"%gemini scenarios {path}")
    assert result.success, err
    assert "now holds 1" in out
    result, _, err = cell(ip, "%gemini --no-stream What is the capital of France?")
    assert result.success and result.result.text == "Scripted: the capital of France is **Paris**."
    result, out, _ = cell(ip, "%gemini scenarios")
    assert "1 scenario(s) loaded." in out
    result, out, _ = cell(ip, "%gemini scenarios clear")
    assert "cleared" in out
    result, _, _ = cell(ip, "%gemini --no-stream What is the capital of France?")
    assert not result.result.text.startswith("Scripted:")  # the brain answers again


def test_bad_scenarios_are_one_line(ip, emu, tmp_path):
    result, _, err = cell(ip, "%gemini scenarios missing.yaml")
    assert not result.success and "no scenario file" in err and "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - match: {input: 12\n")
    result, _, err = cell(ip, f"%gemini scenarios {bad}")
    assert not result.success and "refused the scenarios" in err


def test_python_surface_and_live_backend_is_a_no_op(session, emu, capsys, monkeypatch):
    from gemini_nb.backend import Backend
    from gemini_nb.scenario_files import load_scenarios

    assert load_scenarios(SCENARIO, session=session) == 1
    assert session.ask("capital of France?", stream=False).text.startswith("Scripted:")
    live = Backend("live", None, "test", False, "k")
    monkeypatch.setattr(session, "backend", lambda: live)
    assert load_scenarios(SCENARIO, session=session) == 0
    assert "Live backend" in capsys.readouterr().out


@pytest.fixture(autouse=True)
def _forget_scenarios(emu):
    yield
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(emu.base_url + "/_emulator/scenarios", method="DELETE"))
