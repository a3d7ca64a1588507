"""Background jobs as a person sees them: a real JupyterLab, and Notebook 7, in headless Chromium.

The kernel talks to an emulator in this process (so the test can ask the server what happened).
One notebook: a Deep Research job (long), a ``--background`` model job (short), then a cell
that sleeps. Checked in the rendered page: the short job's display shows the finished report
*while the sleeping cell still runs* (the kernel was free, the job's thread updated the
display); the long job's display shows progress headings, and its Cancel button turns the run
``cancelled`` on the server. The same notebook runs in both front ends (Notebook 7 has its own
page and shell, the same ipywidgets). Screenshots go to the artifacts folder (see ``conftest``).
"""
from __future__ import annotations

import os

import pytest
from lab_harness import kernel_env, lab_server, open_notebook, start_run_all, write_notebook

pytestmark = pytest.mark.browser

AGENT = "deep-research-pro-preview-12-2025"
CELLS = [
    "%load_ext gemini_nb",
    f"%%gemini --agent {AGENT}\nResearch the history of tea",
    "%%gemini -m gemini-3-flash-preview --background\nWhat is 2+2?",
    "import time\ntime.sleep(25)\nprint('slept')",
]
LONG, SHORT, SLEEPING = 1, 2, 3


@pytest.fixture(scope="module")
def emulator(browser_ready):
    from gemini_nb.emulator import start

    saved = os.environ.get("GEMINI_NB_EMULATOR_AGENT_SECONDS")
    os.environ["GEMINI_NB_EMULATOR_AGENT_SECONDS"] = "90"  # the agent runs until cancelled
    emu = start(background_ms=2500)  # the model job: a few seconds
    try:
        yield emu
    finally:
        emu.stop()
        if saved is None:
            os.environ.pop("GEMINI_NB_EMULATOR_AGENT_SECONDS", None)
        else:
            os.environ["GEMINI_NB_EMULATOR_AGENT_SECONDS"] = saved


def _job_state_is(cell: int, state: str) -> str:
    """A page predicate: the job display in code cell ``cell`` shows ``state``."""
    return (f"() => {{ const c = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[{cell}];"
            " const s = c && c.querySelector('.gemini-job .gemini-job-state');"
            f" return !!s && s.textContent === '{state}'; }}")


@pytest.mark.parametrize("app", ["jupyterlab", "notebook"])
def test_a_job_completes_while_another_cell_runs_and_cancel_reaches_the_server(
        app, emulator, browser, artifacts, tmp_path):
    if app == "notebook":
        pytest.importorskip("notebook")
    write_notebook(tmp_path / "jobs.ipynb", CELLS)
    with lab_server(tmp_path, env=kernel_env(tmp_path, emulator.base_url), app=app) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        try:
            open_notebook(page, url, "jobs.ipynb", app)
            start_run_all(page)
            _check_jobs(page, emulator, artifacts, tag=app)
        finally:
            page.close()


def _check_jobs(page, emu, artifacts, tag: str) -> None:
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    short = cells.nth(SHORT).locator(".gemini-job")
    short.wait_for(state="visible", timeout=180_000)
    # the short job ends in place while the sleeping cell still runs
    page.wait_for_function(_job_state_is(SHORT, "completed"), timeout=120_000)
    sleeping = cells.nth(SLEEPING).locator(".jp-InputPrompt").inner_text()
    page.screenshot(path=str(artifacts / f"job-completed-while-cell-runs-{tag}.png"), full_page=True)
    assert "*" in sleeping, sleeping  # [*]: the other cell was still running
    report = short.locator(".jp-OutputArea-output").all_inner_texts()
    assert any("4" in text for text in report), report
    # the long job shows progress; Cancel reaches the server (once the kernel is free to hear it)
    long = cells.nth(LONG).locator(".gemini-job")
    long.locator(".gemini-job-progress li").first.wait_for(state="attached", timeout=60_000)
    job_id = long.locator(".gemini-job-status code").inner_text()
    page.screenshot(path=str(artifacts / f"job-progress-{tag}.png"), full_page=True)
    long.locator("button.gemini-job-cancel").click()
    page.wait_for_function(_job_state_is(LONG, "cancelled"), timeout=120_000)
    page.screenshot(path=str(artifacts / f"job-cancelled-{tag}.png"), full_page=True)
    from clients import make_client

    assert make_client(emu.base_url).interactions.get(job_id).status == "cancelled"
    assert long.locator("button.gemini-job-cancel").is_disabled()
