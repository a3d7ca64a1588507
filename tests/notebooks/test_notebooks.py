"""Every tutorial passes plain nbval (full comparison), the quickstart's outputs in nbclient, and
`gemini-nb demo` / `refresh-notebooks` work.

Everything runs with no API key and no network: the kernel uses the embedded emulator. A
tutorial whose stored outputs are stale fails here with the command that refreshes it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
QUICKSTART = ROOT / "notebooks" / "01_quickstart.ipynb"
REFRESH = "gemini-nb refresh-notebooks"


def _clean_env(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND",
                        "GEMINI_NB_EMULATOR_SEED")}
    env["GEMINI_NB_HISTORY"] = str(tmp_path / "history.sqlite3")
    return env


def test_there_are_tutorials():
    assert QUICKSTART in NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_tutorial_was_executed_in_full(notebook):
    """nbval does not compare a cell that was never run: every code cell must carry outputs."""
    nb = nbformat.read(notebook, as_version=4)
    unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None]
    assert not unrun, f"{notebook.name}: cells {unrun} were never executed; run: {REFRESH} {notebook}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_tutorial_passes_plain_nbval(notebook, tmp_path):
    """Full comparison with no flags: gemini_nb's pytest plugin does the normalising."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval", str(notebook)],
        cwd=tmp_path, env=_clean_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        f"{notebook.name} differs from its stored outputs (stale?). If the new outputs are right, "
        f"refresh them with: {REFRESH} {notebook}\n\n" + proc.stdout[-3000:] + proc.stderr[-2000:])


def test_refresh_notebooks_restores_stale_outputs(tmp_path, monkeypatch, capsys):
    """The command the failure message names really makes a stale notebook pass again."""
    for name, value in _clean_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    from gemini_nb.demo import refresh_main

    nb = nbformat.read(QUICKSTART, as_version=4)
    cell = next(c for c in nb.cells if c.source == "%%gemini\nWhat is my name?")
    result = next(o for o in cell.outputs if o.output_type == "execute_result")
    result.data["text/plain"] = "stale answer"
    stale = tmp_path / "stale.ipynb"
    nbformat.write(nb, stale)
    assert refresh_main([str(stale)]) == 0
    assert f"Refreshed {stale}" in capsys.readouterr().out
    fresh = nbformat.read(stale, as_version=4)
    cell = next(c for c in fresh.cells if c.source == "%%gemini\nWhat is my name?")
    text = next(o for o in cell.outputs if o.output_type == "execute_result").data["text/plain"]
    assert "Your name is Phil" in text
    assert all("execution" not in c.metadata for c in fresh.cells)  # no timing churn in diffs


def test_refresh_notebooks_runs_the_kernel_as_a_keyless_rerun_does(tmp_path, monkeypatch, capsys):
    """No key and no backend choice reach the kernel: `%gemini backend` stores the line that a
    keyless `pytest --nbval` re-run prints again (not "chosen by GEMINI_NB_BACKEND")."""
    for name, value in _clean_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GEMINI_API_KEY", "not-a-real-key")
    monkeypatch.setenv("GEMINI_NB_BACKEND", "live")
    from gemini_nb.demo import refresh_main

    path = tmp_path / "backend.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%load_ext gemini_nb"),
                                         nbformat.v4.new_code_cell("%gemini backend")])
    nbformat.write(nb, path)
    assert refresh_main([str(path)]) == 0
    out = "".join(o.get("text", "") for o in nbformat.read(path, as_version=4).cells[1].outputs)
    assert "Backend: emulator backend (emulated)" in out
    assert "chosen by default (no API key)." in out
    assert os.environ["GEMINI_API_KEY"] == "not-a-real-key" and os.environ["GEMINI_NB_BACKEND"] == "live"


def test_refresh_notebooks_bad_path_is_one_line(tmp_path, capsys):
    from gemini_nb.demo import refresh_main

    assert refresh_main([str(tmp_path / "nope.ipynb")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"gemini-nb refresh-notebooks: no such notebook: {tmp_path / 'nope.ipynb'}"


def test_refresh_notebooks_names_the_failing_cell_and_its_error(tmp_path, monkeypatch, capsys):
    for name, value in _clean_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    from gemini_nb.demo import refresh_main

    broken = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                                   nbformat.v4.new_code_cell("1 / 0  # oops")]), broken)
    assert refresh_main([str(broken)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"gemini-nb refresh-notebooks: {broken} failed: cell '1 / 0  # oops' raised "
                   "ZeroDivisionError: division by zero")


def test_quickstart_outputs_in_nbclient(tmp_path, monkeypatch):
    for name, value in _clean_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    from gemini_nb.demo import execute_notebook

    nb = execute_notebook(QUICKSTART, history=tmp_path / "h.sqlite3")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    by_source = {c.source.splitlines()[0] + "|" + c.source.splitlines()[-1]: c for c in cells}
    streamed = by_source["%%gemini|What is my name?"]
    kinds = [o.output_type for o in streamed.outputs]
    # the live region is emptied; the answer appears once, as the cell's value
    assert kinds == ["display_data", "execute_result"]
    assert streamed.outputs[0].data == {"text/plain": ""}
    result = streamed.outputs[1]
    assert "Phil" in result.data["text/markdown"] and "`emulated`" in result.data["text/markdown"]
    assert result.metadata["gemini_nb"]["interaction_id"].startswith("v1_")
    error_cell = next(c for c in cells if "palm-2" in c.source)
    errors = [o.text for o in error_cell.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert len(errors) == 1 and errors[0].startswith("UsageError: Model 'palm-2' not found")
    assert errors[0].count("\n") == 1


def test_demo_writes_html(tmp_path, monkeypatch, capsys):
    for name, value in _clean_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    from gemini_nb.demo import demo_main

    assert demo_main(["--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    html = tmp_path / "demo" / "01_quickstart.html"
    assert str(html) in out and html.exists()
    text = html.read_text()
    assert "Your name is Phil" in text and "emulated" in text


def test_lab_without_jupyterlab_says_how(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "jupyterlab":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    from gemini_nb.demo import lab_main

    assert lab_main([]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install" in err
