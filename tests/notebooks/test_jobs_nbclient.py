"""Jobs in a real kernel run by nbclient: a front end without widget state (like nbval and CI).

A job that returns at once still ends in the saved notebook with its report, because its display
carries an HTML/markdown fallback that is updated in place when the job ends (nbclient applies
display updates while later cells run). A ``--wait`` cell saves one final display: its progress
region is empty at the start and at the end, so nbval (which ignores updates) and the saved
notebook agree.
"""
from __future__ import annotations

import os

import pytest

AGENT = "deep-research-pro-preview-12-2025"
WIDGET = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.slow


def test_no_wait_and_wait_cells_in_nbclient(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_NB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.6")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "%load_ext gemini_nb",
        "%%gemini -m gemini-3-flash-preview --background\nWhat is 2+2?",
        f"%%gemini --agent {AGENT} --wait\nResearch the history of tea",
        "import time\ntime.sleep(3)",
    )]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", cwd=str(tmp_path)).execute()
    background, waited = nb.cells[1], nb.cells[2]
    displays = [o for o in background.outputs if o.output_type == "display_data"]
    assert len(displays) == 1, background.outputs
    final = displays[0].data
    assert WIDGET in final  # widget front ends keep the widget...
    # ...front ends without widget state keep the report
    assert "2+2 = 4" in final["text/markdown"] and "`emulated`" in final["text/markdown"]
    assert displays[0].metadata["gemini_nb"]["status"] == "completed"
    kinds = [o.output_type for o in waited.outputs]
    assert kinds == ["display_data", "execute_result"], waited.outputs
    assert waited.outputs[0].data == {"text/plain": ""}
    assert "# History of Tea" in waited.outputs[1].data["text/markdown"]
    assert not any(WIDGET in o.get("data", {}) for o in waited.outputs)
    assert os.path.exists(tmp_path / "history.sqlite3")
