"""A live tool trace as a person sees it: JupyterLab in headless Chromium, the embedded emulator.

The notebook hands the model a Python function that takes a few seconds; while it runs, the
cell's live output must already show the call (name, arguments, "running"); at the end the
cell shows one final display with the call collapsed (status ok, duration), an expander that
opens on the arguments and the result, and the answer that used the result.
"""

from __future__ import annotations

import pytest
from lab_harness import cell_outputs, lab_notebook, open_notebook, start_run_all, wait_all_run, write_notebook

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext gemini_nb",
    "import time\n"
    "def get_weather(location: str) -> dict:\n"
    "    '''Gets the current weather for a city.'''\n"
    "    time.sleep(4)\n"
    "    return {'location': location, 'sky': 'sunny', 'temp': 21}",
    "%%gemini --tools get_weather\nUse get_weather for Paris",
]
FUNCTION = "get_weather(location=Paris)"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser_ready):
    root = tmp_path_factory.mktemp("lab-tools")
    with lab_notebook(root, "tools.ipynb", CELLS) as (page, url):
        yield page, url, root


def _cell_text(cell: int) -> str:
    return (
        f"() => {{ const c = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[{cell}];"
        " return c ? c.querySelector('.jp-OutputArea').innerText : ''; }"
    )


def test_live_trace_then_final_collapsible_call(lab):
    page, url, root = lab
    open_notebook(page, url, "tools.ipynb", timeout_s=120)
    start_run_all(page)
    # while get_weather sleeps, the live region shows the call as running
    live = page.wait_for_function(
        f"() => {{ const t = ({_cell_text(2)})();"
        f" return t.includes('{FUNCTION}') && t.includes('running') ? t : null; }}",
        timeout=120_000,
        polling=200,
    ).json_value()
    assert "sunny" not in live
    wait_all_run(page, timeout_s=120)
    page.screenshot(path=str(root / "tools.png"), full_page=True)
    area = cell_outputs(page, 2)
    texts = [t for t in area.all_inner_texts() if t.strip() and "no API key found" not in t]
    assert len(texts) == 1, texts  # the live region emptied; one final display
    final = texts[0]
    assert "sunny" in final and "running" not in final and "emulated" in final and " s · v1_" in final
    call = area.locator("details", has_text=FUNCTION).first
    summary = call.locator("summary").first.inner_text()
    assert FUNCTION in summary and "ok" in summary and " s" in summary
    assert call.get_attribute("open") is None
    call.locator("summary").first.click()
    assert call.get_attribute("open") is not None
    assert '"sky": "sunny"' in call.inner_text()


def test_approve_buttons_run_the_call_only_after_a_click(lab):
    """``--approve`` in Lab: the cell ends with Run/Decline buttons; nothing ran; a click runs the
    function (the kernel is idle, so the click reaches it) and the answer appears below."""
    page, url, root = lab
    cells = [CELLS[0], CELLS[1].replace("time.sleep(4)", "print('RAN', location)"),
             "%%gemini --tools get_weather --approve --no-stream\nUse get_weather for Paris"]
    write_notebook(root / "approve.ipynb", cells)
    open_notebook(page, url, "approve.ipynb", timeout_s=120)
    start_run_all(page)
    wait_all_run(page, timeout_s=120)
    area = cell_outputs(page, 2)
    run = page.locator(".gnb-approval button", has_text="Run").first
    run.wait_for(timeout=30_000)
    before = "\n".join(area.all_inner_texts())
    assert "waiting for your approval" in before and "RAN" not in before and "sunny" not in before
    run.click()
    page.wait_for_function(
        f"() => {{ const t = ({_cell_text(2)})(); return t.includes('sunny') ? t : null; }}",
        timeout=60_000, polling=200)
    page.screenshot(path=str(root / "approve.png"), full_page=True)
    after = "\n".join(area.all_inner_texts())
    assert "ran in" in after and "ok" in after
    assert page.locator(".gnb-approval button", has_text="Run").first.is_disabled()
