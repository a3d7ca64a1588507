"""The widgets as a person uses them: a real JupyterLab (and Notebook 7) in headless Chromium.

The chat panel renders; typing a question and pressing Enter (then the Send button) shows a
streamed answer (thoughts and text appear in the live view before the final answer lands in
the transcript); the next ``%%gemini`` cell continues from the panel's turn. Compare shows two
columns side by side; ``%gemini usage`` shows its chart as an image. Screenshots are saved in
a temporary artifacts folder (its path is printed; ``GEMINI_NB_ARTIFACTS`` chooses it).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lab_harness import cell_outputs, kernel_env, lab_server, open_notebook, write_notebook

pytestmark = pytest.mark.browser

SETUP = ("%load_ext gemini_nb\n"
         "from gemini_nb.emulator import start\n"
         "emu = start(tokens_per_second=120)  # slow enough that the stream is visible")
CELLS = [
    SETUP,
    "%gemini backend {{emu.base_url}}",
    "import gemini_nb\ngemini_nb.chat()",
    "%%gemini --no-stream\nWhat is my name?",
    "%%gemini --compare gemini-3-flash-preview,gemini-2.5-flash\nWhat is 2+2?",
    "%gemini usage",
]
CHAT, FOLLOW_UP, COMPARE, USAGE = 2, 3, 4, 5

WATCH_STREAM = """() => {
  window.__gnbStreamed = 0;
  const seen = () => {
    for (const el of document.querySelectorAll('.gnb-stream-body, .gnb-thought')) {
      window.__gnbStreamed = Math.max(window.__gnbStreamed, el.textContent.length);
    }
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def run_cell(page, index: int, timeout_s: float = 120) -> None:
    """Run one cell with the notebook's own command; wait for its count and an idle kernel."""
    page.evaluate("""(i) => { const panel = window.jupyterapp.shell.currentWidget;
        panel.content.activeCellIndex = i;
        return window.jupyterapp.commands.execute('notebook:run-cell'); }""",
                  index)
    page.wait_for_function(
        """(i) => { const cell = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[i];
           const prompt = cell && cell.querySelector('.jp-InputPrompt');
           return prompt && /\\[\\d+\\]/.test(prompt.textContent)
             && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'; }""",
        arg=index, timeout=timeout_s * 1000)


def chat_flow(page, artifacts: Path, tag: str) -> None:
    """Panel renders; Enter sends; Send sends; answers stream; the next cell continues."""
    for index in (0, 1, CHAT):
        run_cell(page, index)
    panel = page.locator(".gnb-chat")
    panel.wait_for(state="visible", timeout=60_000)
    page.evaluate(WATCH_STREAM)
    box = panel.locator("textarea.gnb-chat-input")
    box.click()
    box.type("My name is Phil")
    box.press("Shift+Enter")  # a new line, not a send
    assert box.input_value() == "My name is Phil\n"
    box.type("Nice to meet you.")
    box.press("Enter")
    answers = panel.locator(".gnb-chat-answer")
    answers.first.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.gnb-chat-answer') && "
                           "/Phil/.test(document.querySelector('.gnb-chat-answer').textContent)",
                           timeout=60_000)
    assert page.evaluate("() => window.__gnbStreamed") > 0  # the live view showed text before the end
    assert box.input_value() == ""
    assert "emulated" in answers.first.inner_text()
    page.evaluate(WATCH_STREAM)
    box.click()
    box.type("What is my name?")
    panel.locator("button", has_text="Send").click()
    page.wait_for_function("() => document.querySelectorAll('.gnb-chat-answer').length >= 2", timeout=60_000)
    assert "Your name is Phil" in answers.nth(1).inner_text()
    assert page.evaluate("() => window.__gnbStreamed") > 0
    page.screenshot(path=str(artifacts / f"chat-{tag}.png"), full_page=True)
    run_cell(page, FOLLOW_UP)  # the panel's turns are the chain's: the cell continues from them
    text = "\n".join(cell_outputs(page, FOLLOW_UP).all_inner_texts())
    assert "Your name is Phil" in text, text
    page.screenshot(path=str(artifacts / f"chat-then-cell-{tag}.png"), full_page=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts, browser):
    root = tmp_path_factory.mktemp("lab-widgets")
    write_notebook(root / "widgets.ipynb", CELLS)
    with lab_server(root, env=kernel_env(root)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        open_notebook(page, url, "widgets.ipynb", "jupyterlab")
        yield page
        page.close()


def test_chat_panel_in_jupyterlab(lab, artifacts):
    chat_flow(lab, artifacts, "lab")


def test_stop_keeps_the_partial_answer_in_lab(lab, artifacts):
    panel = lab.locator(".gnb-chat")
    answers = panel.locator(".gnb-chat-answer")
    before = answers.count()
    lab.evaluate(WATCH_STREAM)
    box = panel.locator("textarea.gnb-chat-input")
    box.click()
    box.type("Write a long story about a cat named Tom.")
    box.press("Enter")
    lab.wait_for_function("() => window.__gnbStreamed > 0", timeout=60_000)
    panel.locator("button", has_text="Stop").click()
    lab.wait_for_function("() => { const all = document.querySelectorAll('.gnb-chat-answer');"
                          " return /interrupted/.test(all[all.length - 1].textContent); }", timeout=60_000)
    # the panel first caught up with the cell run since (its turn is on the chain): one more answer
    assert answers.count() == before + 2
    assert "What is my name?" in panel.locator(".gnb-chat-you").nth(-2).inner_text()
    assert "partial answer kept" in panel.inner_text()
    lab.screenshot(path=str(artifacts / "chat-stopped-lab.png"), full_page=True)


def test_stream_markdown_renderer_escapes_and_formats(lab):
    from gemini_nb.widgets.front import MARKDOWN_JS

    source = MARKDOWN_JS
    page = lab.context.browser.new_page()
    try:
        page.goto("about:blank")
        sample = ("# Title\n\nSome **bold**, *it*, `a<b>` and [x](https://e.org) "
                  "<img src=x onerror=alert(1)> [y](javascript:alert(1))\n\n- one\n- two\n\n"
                  "1. first\n\n```\n<script>\n```")
        out = page.evaluate("""async ([src, sample]) => {
            const mod = await import('data:text/javascript,' + encodeURIComponent(src));
            return mod.markdown(sample);
        }""", [source, sample])
    finally:
        page.close()
    assert "<h1>Title</h1>" in out and "<strong>bold</strong>" in out and "<em>it</em>" in out
    assert "<code>a&lt;b&gt;</code>" in out
    assert '<a href="https://e.org" target="_blank" rel="noopener noreferrer">x</a>' in out
    assert "<img" not in out and "&lt;img" in out and 'href="javascript' not in out
    assert "<ul><li>one</li><li>two</li></ul>" in out and "<ol><li>first</li></ol>" in out
    assert "<pre><code>&lt;script&gt;</code></pre>" in out


def test_compare_shows_two_columns_side_by_side(lab, artifacts):
    run_cell(lab, COMPARE)
    columns = cell_outputs(lab, COMPARE).locator(".gnb-compare .gnb-compare-column")
    columns.first.wait_for(state="visible", timeout=60_000)
    assert columns.count() == 2
    left, right = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and right["x"] >= left["x"] + left["width"] - 1
    assert "gemini-3-flash-preview" in columns.nth(0).inner_text()
    assert "gemini-2.5-flash" in columns.nth(1).inner_text()
    assert "tokens" in columns.nth(0).inner_text() and "4" in columns.nth(1).inner_text()
    lab.screenshot(path=str(artifacts / "compare-lab.png"), full_page=True)


def test_usage_chart_is_an_image(lab, artifacts):
    run_cell(lab, USAGE)
    img = cell_outputs(lab, USAGE).locator("img").first
    img.wait_for(state="attached", timeout=30_000)
    width = lab.evaluate("(el) => el.complete ? el.naturalWidth : -1", img.element_handle())
    assert width > 300
    assert "per turn" in "\n".join(cell_outputs(lab, USAGE).all_inner_texts())
    img.scroll_into_view_if_needed()
    lab.screenshot(path=str(artifacts / "usage-lab.png"), full_page=True)


def test_chat_panel_in_notebook7(tmp_path_factory, artifacts, browser):
    pytest.importorskip("notebook")
    root = tmp_path_factory.mktemp("nb7-widgets")
    write_notebook(root / "widgets.ipynb", CELLS)
    with lab_server(root, env=kernel_env(root), app="notebook") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        try:
            open_notebook(page, url, "widgets.ipynb", "notebook")
            chat_flow(page, artifacts, "notebook7")
        finally:
            page.close()
