"""Media from a cell: --file, {{media}} placeholders, media-out options, and the Files API
commands (%gemini upload / files / files delete), in a real IPython shell against the emulator."""

from __future__ import annotations

import io

import numpy as np
import pytest
from shell_helpers import run_cell

from gemini_nb import uploads


def png(width=40, height=20) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buf, format="PNG")
    return buf.getvalue()


def posts(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")]


def one_usage_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("UsageError:") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(autouse=True)
def _fresh_upload_cache(monkeypatch):
    monkeypatch.setattr(uploads, "_cache", {})


def test_help_lists_the_media_options_and_file_commands(ip):
    doc = ip.magics_manager.magics["line"]["gemini"].__doc__
    for text in (
        "--file X",
        "--rate N",
        "--aspect-ratio",
        "--image-size",
        "--modalities",
        "--voice",
        "--speakers",
        "--stop SEQ",
        "--seed",
        "--top-p",
        "--config KEY=VALUE",
        "%gemini upload PATH [--name N]",
        "%gemini files [delete NAME]",
    ):
        assert text in doc, text


def test_figure_placeholder_in_a_cell(ip, emu):
    run_cell(
        ip,
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(3, 2), dpi=40)\nax.plot([1, 3, 2])",
    )
    result, _, err = run_cell(ip, "%%gemini --no-stream\nWhat does {{fig}} show?")
    assert result.success, err
    content = posts(emu)[-1]["body"]["input"][0]["content"]
    assert [p["type"] for p in content] == ["text", "image", "text"]
    assert "You sent me an image (image/png" in result.result.text
    assert ip.user_ns["_"].prompt.startswith("What does [image image/png")


def test_file_option_takes_paths_variables_and_repeats(ip, emu, tmp_path):
    path = tmp_path / "pic.png"
    path.write_bytes(png(11, 5))
    ip.user_ns["arr"] = np.zeros((4, 6, 3), np.uint8)
    ip.user_ns["tone"] = np.sin(np.arange(8000.0) / 5)
    source = f"%%gemini --file {path} --file arr --file tone --rate 8000\nWhat are these?"
    result, _, err = run_cell(ip, source)
    assert result.success, err
    content = posts(emu)[-1]["body"]["input"][0]["content"]
    assert [(p["type"], p["mime_type"]) for p in content[1:]] == [
        ("image", "image/png"),
        ("image", "image/png"),
        ("audio", "audio/wav"),
    ]
    assert "11x5" in result.result.text and "6x4" in result.result.text
    result, _, err = run_cell(ip, f"%gemini --file {path}")  # media alone is a prompt
    assert result.success, err


def test_bad_files_and_options_are_one_line_and_send_nothing(ip, emu):
    ip.user_ns["d"] = {"a": 1}
    for line, text in (
        ("--file missing.png", "no such file"),
        ("--file d", "a dict is not media"),
        ("--file files/BAD", "not a file name"),
        ("--aspect-ratio 7:3", "--aspect-ratio must be"),
        ("--image-size 3K", "--image-size must be"),
        ("--voice Kor", "unknown voice"),
        ("--speakers Alice", "NAME=VOICE"),
        ("--config temprature=1", "not a generation_config"),
        ("--modalities text,smell", "--modalities"),
        ("--top-p 2", "--top-p"),
    ):
        _, _, err = run_cell(ip, f"%%gemini {line}\nHi")
        assert text in one_usage_line(err), (line, err)
    assert posts(emu) == []


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_media_out_options_from_a_cell(ip, emu, stream):
    result, _, err = run_cell(
        ip,
        f"%%gemini {stream} --aspect-ratio 16:9 --image-size 512 "
        "--modalities text,image "
        "--stop END --stop STOP --seed 3 --top-p 0.9 --config thinking_level=low\n"
        "Generate an image of a lighthouse",
    )
    assert result.success, err
    body = posts(emu)[-1]["body"]
    gc = body["generation_config"]
    assert gc["image_config"] == {"aspect_ratio": "16:9", "image_size": "512"}
    assert gc["stop_sequences"] == ["END", "STOP"] and gc["seed"] == 3 and gc["top_p"] == 0.9
    assert gc["thinking_level"] == "low" and body["response_modalities"] == ["text", "image"]
    assert result.result.images[0].size == (688, 384)
    result, _, err = run_cell(
        ip,
        f"%%gemini {stream} -m gemini-2.5-flash-preview-tts --new "
        '--speakers "Alice=Kore,Bob=Puck"\nTTS the following conversation:\n'
        "Alice: Hello.\nBob: Hi there.",
    )
    assert result.success, err
    speech = posts(emu)[-1]["body"]["generation_config"]["speech_config"]
    assert speech[1] == {"speaker": "Bob", "voice": "Puck"}
    assert result.result.audio and "<audio controls" in result.result._repr_mimebundle_()[0]["text/markdown"]


def test_upload_files_and_delete_commands(ip, emu, tmp_path):
    path = tmp_path / "my doc.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    result, out, err = run_cell(ip, f'%gemini upload "{path}" --name report-1')
    assert result.success, err
    assert "Uploaded files/report-1 (application/pdf" in out and "/files/report-1" in out
    assert "Uploading my doc.pdf" in err  # the text progress bar outside a kernel
    result, _, err = run_cell(ip, "%gemini files")
    frame = result.result
    assert list(frame.columns) == [
        "name",
        "display_name",
        "mime_type",
        "size_bytes",
        "state",
        "expires",
        "uri",
    ]
    assert frame.loc[0, "name"] == "files/report-1" and frame.loc[0, "mime_type"] == "application/pdf"
    result, _, err = run_cell(ip, "%%gemini --no-stream --file files/report-1\nSummarize it")
    assert result.success, err
    assert posts(emu)[-1]["body"]["input"][0]["content"][1]["uri"].endswith("/files/report-1")
    _, out, _ = run_cell(ip, "%gemini files delete report-1")
    assert "Deleted files/report-1." in out
    assert len(run_cell(ip, "%gemini files")[0].result) == 0
    _, _, err = run_cell(ip, "%gemini files delete report-1")
    assert "Files API delete of files/report-1 failed" in one_usage_line(err)
    for line, text in (
        ("%gemini upload", "usage: %gemini upload PATH"),
        ("%gemini upload nope.png", "no such file"),
        ("%gemini upload a.png --name", "--name needs a value"),
        ("%gemini files delete ../x", "not a file name"),
        ("%gemini files list", "usage"),
    ):
        _, _, err = run_cell(ip, line)
        assert text in one_usage_line(err), (line, err)


def test_python_files_api_and_ask_with_files(ip, emu, tmp_path):
    import gemini_nb

    path = tmp_path / "pic.png"
    path.write_bytes(png(9, 4))
    record = gemini_nb.upload(path, progress=False)
    assert callable(gemini_nb.files) and list(gemini_nb.files()["name"]) == [record.name]
    result = gemini_nb.ask("What is in it?", files=[record.name], stream=False)
    assert "9x4" in result.text
    ip.user_ns["rec"] = record  # the upload's record works as --file and as {{rec}}
    result, _, err = run_cell(ip, "%%gemini --no-stream --file rec\nAnd {{rec}}?")
    assert result.success, err
    parts = posts(emu)[-1]["body"]["input"][0]["content"]
    assert [p.get("uri") for p in parts] == [None, record.uri, None, record.uri]
    ip.user_ns["pic"] = path
    result = gemini_nb.ask("Look at {{pic}}", namespace=ip.user_ns, stream=False)
    assert [p["type"] for p in posts(emu)[-1]["body"]["input"][0]["content"]] == ["text", "image"]
    assert gemini_nb.delete_file(record.name) == record.name
    assert len(gemini_nb.files()) == 0


def test_upload_under_a_taken_name_is_one_line(ip, emu, tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(png())
    run_cell(ip, f"%gemini upload {path} --name taken-1")
    _, _, err = run_cell(ip, f"%gemini upload {path} --name taken-1")
    line = one_usage_line(err)
    assert line.startswith("UsageError: Files API upload failed: HTTP 409"), line
