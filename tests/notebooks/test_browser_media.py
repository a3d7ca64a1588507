"""Media as a person sees it in JupyterLab (headless Chromium, embedded emulator, no key):
an attached matplotlib figure reaches the model and the answer describes it; a generated 16:9
image renders at its size; a two-speaker dialogue renders as an audio player that plays; an
upload shows a progress bar widget and then the file's name and URI."""
from __future__ import annotations

import pytest
from lab_harness import cell_outputs as outputs
from lab_harness import ran_notebook

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext gemini_nb",
    ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
     "fig, ax = plt.subplots(figsize=(4, 2), dpi=50)\nax.plot([1, 3, 2])\nplt.close(fig)"),
    "%%gemini --no-stream\nWhat does this chart show? {{fig}}",
    "%%gemini -m gemini-3-pro-image-preview --aspect-ratio 16:9 --image-size 512\nDraw a lighthouse at dusk",
    ('%%gemini -m gemini-2.5-flash-preview-tts --speakers "Alice=Kore,Bob=Puck" --new\n'
     "TTS the following conversation:\nAlice: Did the chart arrive?\nBob: Yes, it went up, then down."),
    "fig.savefig('chart.png')\n%gemini upload chart.png --name chart-1",
]


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory, browser_ready):
    with ran_notebook(tmp_path_factory.mktemp("lab_media"), "media.ipynb", CELLS) as page:
        yield page


def test_attached_figure_round_trips(lab_page):
    text = "\n".join(outputs(lab_page, 2).all_inner_texts())
    assert "You sent me an image (image/png" in text, text  # the emulator measured the figure
    assert "Traceback" not in text


def test_generated_image_renders_at_its_size(lab_page):
    area = outputs(lab_page, 3)
    img = area.locator("img").first
    img.wait_for(state="attached", timeout=30_000)
    size = lab_page.evaluate("(el) => el.complete ? [el.naturalWidth, el.naturalHeight] : null",
                             img.element_handle())
    assert size == [688, 384]
    assert "688x384" in "\n".join(area.all_inner_texts())  # the caption under the image


def test_two_speaker_dialogue_plays(lab_page):
    audio = outputs(lab_page, 4).locator("audio").first
    audio.wait_for(state="attached", timeout=30_000)
    duration = lab_page.evaluate(
        """(el) => new Promise(resolve => {
            if (el.readyState >= 1) return resolve(el.duration);
            el.addEventListener('loadedmetadata', () => resolve(el.duration));
            el.addEventListener('error', () => resolve(-1));
            el.load();
        })""", audio.element_handle())
    assert duration > 1.0


def test_upload_shows_a_progress_bar_then_the_name(lab_page):
    area = outputs(lab_page, 5)
    text = "\n".join(area.all_inner_texts())
    assert "Uploaded files/chart-1 (image/png" in text and "/files/chart-1" in text, text
    area.locator(".widget-hprogress").first.wait_for(state="attached", timeout=30_000)  # ipywidgets bar
    assert "chart.png:" in text  # its label: name and bytes sent
