"""The magics' rich output as a person sees it: a real JupyterLab in headless Chromium.

Runs a notebook on the embedded emulator (no key, no network) through Lab's own "run all"
command, then checks the rendered DOM: streamed answer replaced by one final display, the
emulated badge, collapsible thoughts that expand, the usage footer, an inline image that
decodes, an audio player whose WAV the browser accepts, and a one-line error.
"""
from __future__ import annotations

import pytest
from lab_harness import cell_outputs as outputs
from lab_harness import ran_notebook

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext gemini_nb",
    "%%gemini\nHi, my name is Phil.",
    "%%gemini --thinking medium\nWhat is my name?",
    "%%gemini -m gemini-3-pro-image-preview --no-stream\nDraw a red circle on a blue sky",
    "%%gemini -m gemini-2.5-flash-preview-tts --no-stream\nSay cheerfully: Have a wonderful day!",
    "%%gemini -m palm-2\nThis model does not exist",
]


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory, browser_ready):
    with ran_notebook(tmp_path_factory.mktemp("lab"), "magics.ipynb", CELLS) as page:
        yield page


def test_streamed_answer_ends_as_one_rendered_result(lab_page):
    area = outputs(lab_page, 2)
    text = area.all_inner_texts()
    answer = [t for t in text if "Your name is Phil" in t]
    assert len(answer) == 1, text
    assert "emulated" in answer[0]
    assert "tokens" in answer[0]  # the usage footer


def test_thoughts_are_collapsible(lab_page):
    details = outputs(lab_page, 2).locator("details").first
    assert details.get_attribute("open") is None
    summary_text = details.locator("summary").inner_text()
    assert "Thoughts" in summary_text
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    assert "Understanding the request" in details.inner_text()


def test_inline_image_decodes(lab_page):
    img = outputs(lab_page, 3).locator("img").first
    img.wait_for(state="attached", timeout=30_000)
    width = lab_page.evaluate("(el) => el.complete ? el.naturalWidth : -1", img.element_handle())
    assert width and width > 0


def test_audio_player_accepts_the_speech(lab_page):
    audio = outputs(lab_page, 4).locator("audio").first
    audio.wait_for(state="attached", timeout=30_000)
    duration = lab_page.evaluate(
        """(el) => new Promise(resolve => {
            if (el.readyState >= 1) return resolve(el.duration);
            el.addEventListener('loadedmetadata', () => resolve(el.duration));
            el.addEventListener('error', () => resolve(-1));
            el.load();
        })""", audio.element_handle())
    assert duration > 0.5  # "Have a wonderful day!" spoken at 24 kHz


def test_error_is_one_line(lab_page):
    text = "\n".join(outputs(lab_page, 5).all_inner_texts())
    assert "palm-2" in text and "Traceback" not in text
    assert len([line for line in text.splitlines() if line.strip()]) == 1
