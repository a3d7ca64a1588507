"""A live tool trace as a person sees it: JupyterLab in headless Chromium, the embedded emulator.

The notebook hands the model a Python function that takes a few seconds; while it runs, the
cell's live output must already show the call (name, arguments, "running"); at the end the
cell shows one final display with the call collapsed (status ok, duration), an expander that
opens on the arguments and the result, and the answer that used the result.
"""

from __future__ import annotations

import os

import pytest

from lab_harness import browser_available, chromium_page, lab_server, write_notebook

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
def lab(tmp_path_factory):
    reason = browser_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("lab-tools")
    write_notebook(root / "tools.ipynb", CELLS)
    env = {k: "" for k in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND")}
    env["GEMINI_NB_HISTORY"] = str(root / "history.sqlite3")
    with lab_server(root, env=env) as url, chromium_page() as page:
        yield page, url, root


def _cell_text(cell: int) -> str:
    return (
        f"() => {{ const c = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[{cell}];"
        " return c ? c.querySelector('.jp-OutputArea').innerText : ''; }"
    )


def test_live_trace_then_final_collapsible_call(lab):
    page, url, root = lab
    base, query = url.split("?")
    page.goto(f"{base}/lab/tree/tools.ipynb?{query}&reset")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
        timeout=120_000,
    )
    # not awaited: the command's promise resolves only when every cell has run
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    # while get_weather sleeps, the live region shows the call as running
    live = page.wait_for_function(
        f"() => {{ const t = ({_cell_text(2)})();"
        f" return t.includes('{FUNCTION}') && t.includes('running') ? t : null; }}",
        timeout=120_000,
        polling=200,
    ).json_value()
    assert "sunny" not in live
    page.wait_for_function(
        "() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
        " return prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }",
        timeout=120_000,
    )
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=120_000,
    )
    page.screenshot(path=str(root / "tools.png"), full_page=True)
    area = page.locator(".jp-Notebook .jp-CodeCell").nth(2).locator(".jp-OutputArea-output")
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
