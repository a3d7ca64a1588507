"""Background jobs as a person sees them: a real JupyterLab in headless Chromium.

The kernel talks to an emulator in this process (so the test can ask the server what happened).
One notebook: a Deep Research job (long), a ``--background`` model job (short), then a cell
that sleeps. Checked in the rendered page: the short job's display shows the finished report
*while the sleeping cell still runs* (the kernel was free, the job's thread updated the
display); the long job's display shows progress headings, and its Cancel button turns the run
``cancelled`` on the server. Screenshots go to a temporary artifacts directory.
"""
from __future__ import annotations

import os

import pytest

from lab_harness import browser_available, chromium_page, lab_server, write_notebook

pytestmark = pytest.mark.browser

AGENT = "deep-research-pro-preview-12-2025"
CELLS = [
    "%load_ext gemini_nb",
    f"%%gemini --agent {AGENT}\nResearch the history of tea",
    "%%gemini -m gemini-3-flash-preview --background\nWhat is 2+2?",
    "import time\ntime.sleep(25)\nprint('slept')",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = browser_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from gemini_nb.emulator import start

    saved = os.environ.get("GEMINI_NB_EMULATOR_AGENT_SECONDS")
    os.environ["GEMINI_NB_EMULATOR_AGENT_SECONDS"] = "90"  # the agent runs until cancelled
    emu = start(background_ms=2500)  # the model job: a few seconds
    root = tmp_path_factory.mktemp("lab-jobs")
    artifacts = tmp_path_factory.mktemp("artifacts")
    write_notebook(root / "jobs.ipynb", CELLS)
    env = {k: "" for k in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")}
    env["GEMINI_NB_BACKEND"] = emu.base_url
    env["GEMINI_NB_HISTORY"] = str(root / "history.sqlite3")
    try:
        with lab_server(root, env=env) as url, chromium_page() as page:
            yield page, url, emu, artifacts
    finally:
        emu.stop()
        if saved is None:
            os.environ.pop("GEMINI_NB_EMULATOR_AGENT_SECONDS", None)
        else:
            os.environ["GEMINI_NB_EMULATOR_AGENT_SECONDS"] = saved


def _run_all_without_waiting(page, lab_url: str, name: str, timeout_s: float = 180) -> None:
    base, query = lab_url.split("?")
    page.goto(f"{base}/lab/tree/{name}?{query}&reset")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_s * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=timeout_s * 1000)
    # not awaited: the command's promise resolves only when every cell has run
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def _cell(page, n: int):
    return page.locator(".jp-Notebook .jp-CodeCell").nth(n)


def test_a_job_completes_while_another_cell_runs_and_cancel_reaches_the_server(lab):
    page, url, emu, artifacts = lab
    _run_all_without_waiting(page, url, "jobs.ipynb")
    short = _cell(page, 2).locator(".gemini-job")
    short.wait_for(state="visible", timeout=180_000)
    # the short job ends in place while the sleeping cell still runs
    page.wait_for_function(
        """() => { const c = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[2];
                   const s = c && c.querySelector('.gemini-job .gemini-job-state');
                   return s && s.textContent === 'completed'; }""",
        timeout=120_000)
    sleeping = _cell(page, 3).locator(".jp-InputPrompt").inner_text()
    page.screenshot(path=str(artifacts / "job-completed-while-cell-runs.png"), full_page=True)
    assert "*" in sleeping, sleeping  # [*]: the other cell was still running
    report = short.locator(".jp-OutputArea-output").all_inner_texts()
    assert any("4" in text for text in report), report
    # the long job shows progress; Cancel reaches the server (once the kernel is free to hear it)
    long = _cell(page, 1).locator(".gemini-job")
    long.locator(".gemini-job-progress li").first.wait_for(state="attached", timeout=60_000)
    job_id = long.locator(".gemini-job-status code").inner_text()
    page.screenshot(path=str(artifacts / "job-progress.png"), full_page=True)
    long.locator("button.gemini-job-cancel").click()
    page.wait_for_function(
        """() => { const c = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[1];
                   const s = c && c.querySelector('.gemini-job .gemini-job-state');
                   return s && s.textContent === 'cancelled'; }""",
        timeout=120_000)
    page.screenshot(path=str(artifacts / "job-cancelled.png"), full_page=True)
    from clients import make_client

    assert make_client(emu.base_url).interactions.get(job_id).status == "cancelled"
    assert long.locator("button.gemini-job-cancel").is_disabled()
    print(f"screenshots: {artifacts}")
