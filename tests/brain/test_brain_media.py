"""Tests for the emulator brain's media helpers: image_gen, speech, media_inspect."""

from __future__ import annotations

import base64
import io
import time
import wave

import numpy as np
import pytest
from PIL import Image

from gemini_nb.emulator.brain.lib import image_gen, media_inspect, speech
from gemini_nb.emulator.brain.lib.image_gen import (
    ASPECT_RATIOS,
    image_dimensions,
    render_image,
)
from gemini_nb.emulator.brain.lib.media_inspect import describe_part, inspect_part
from gemini_nb.emulator.brain.lib.speech import (
    VOICES,
    pcm_to_wav,
    synthesize,
    synthesize_dialogue,
    voice_for,
    voice_params,
)


def _decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- image_gen ---------------------------------------------------------------------------
def test_aspect_ratios_are_the_documented_ten():
    assert ASPECT_RATIOS == ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


def test_published_dimensions():
    assert image_dimensions() == (1024, 1024)
    assert image_dimensions("16:9", "1K") == (1344, 768)
    assert image_dimensions("9:16", "1k") == (768, 1344)
    assert image_dimensions("21:9", "1K") == (1536, 672)
    assert image_dimensions("16:9", "2K") == (2752, 1536)
    assert image_dimensions("1:1", "4k") == (4096, 4096)
    assert image_dimensions("1:1", "512") == (512, 512)


@pytest.mark.parametrize("size,nominal", [("512", 512), ("1K", 1024), ("2K", 2048), ("4K", 4096)])
def test_dimensions_keep_ratio_area_and_alignment(size, nominal):
    for ratio in ASPECT_RATIOS:
        w, h = image_dimensions(ratio, size)
        a, b = map(int, ratio.split(":"))
        assert w % 8 == 0 and h % 8 == 0, (ratio, size, w, h)
        assert abs((w / h) / (a / b) - 1) < 0.06, (ratio, size, w, h)
        assert 0.8 < (w * h) / nominal**2 < 1.25, (ratio, size, w, h)
        assert (w > h) == (a > b) and (w == h) == (a == b)


@pytest.mark.parametrize("ratio", ASPECT_RATIOS)
def test_rendered_dimensions_every_ratio(ratio):
    for size, mime, fmt in (
        ("512", "image/png", "PNG"),
        ("1K", "image/png", "PNG"),
        ("2K", "image/jpeg", "JPEG"),
    ):
        img = _decode(render_image("a cat on a hill", aspect_ratio=ratio, image_size=size, mime_type=mime))
        assert img.format == fmt
        assert img.size == image_dimensions(ratio, size)


@pytest.mark.parametrize("ratio,mime,fmt", [("16:9", "image/png", "PNG"), ("9:16", "image/webp", "WEBP")])
def test_rendered_4k(ratio, mime, fmt):
    start = time.perf_counter()
    data = render_image("a starry night over mountains", aspect_ratio=ratio, image_size="4K", mime_type=mime)
    elapsed = time.perf_counter() - start
    img = _decode(data)
    assert (img.format, img.size) == (fmt, image_dimensions(ratio, "4K"))
    assert elapsed < 2.0  # ~0.5 s on a laptop; loose bound for slow CI
    assert len(data) < 2_000_000


def test_webp_and_jpeg_at_1k():
    for mime, fmt in (("image/webp", "WEBP"), ("image/jpeg", "JPEG")):
        img = _decode(render_image("red circle", aspect_ratio="4:5", mime_type=mime))
        assert (img.format, img.size) == (fmt, (896, 1152))


def test_png_is_small_and_mode_rgb():
    data = render_image("a sunset over the ocean with a sun, clouds and birds")
    assert data.startswith(b"\x89PNG")
    assert len(data) < 150_000  # flat colours and smooth gradients compress well
    assert _decode(data).mode == "RGB"


def test_render_is_deterministic_and_seed_sensitive():
    a = render_image("a blue house under a tree", aspect_ratio="3:2", seed=3)
    assert a == render_image("a blue house under a tree", aspect_ratio="3:2", seed=3)
    assert a != render_image("a blue house under a tree", aspect_ratio="3:2", seed=4)


def test_prompt_changes_pixels_and_palette():
    red = np.asarray(_decode(render_image("a red square on red ground", image_size="512")), float)
    blue = np.asarray(_decode(render_image("a blue circle in the blue sky", image_size="512")), float)
    assert (np.abs(red - blue).sum(axis=2) > 30).mean() > 0.5
    assert red[..., 0].mean() > red[..., 2].mean() + 30
    assert blue[..., 2].mean() > blue[..., 0].mean() + 30
    # Unknown words still give distinct pictures (hash-derived palette and shapes).
    x = np.asarray(_decode(render_image("quantum entanglement", image_size="512")), float)
    y = np.asarray(_decode(render_image("tax law reform", image_size="512")), float)
    assert (np.abs(x - y).sum(axis=2) > 30).mean() > 0.3


def test_caption_band_is_drawn():
    img = np.asarray(_decode(render_image("hello caption", image_size="512")), float)
    band = img[-12:, :, :]
    assert band.mean() < 60 and band.max() > 200  # dark band with light text


@pytest.mark.parametrize(
    "kwargs,bad",
    [
        ({"aspect_ratio": "7:3"}, "7:3"),
        ({"image_size": "8K"}, "8K"),
        ({"mime_type": "image/gif"}, "image/gif"),
    ],
)
def test_render_rejects_bad_values(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        render_image("x", **kwargs)


def test_image_dimensions_rejects_bad_values():
    with pytest.raises(ValueError, match="'3:1'"):
        image_dimensions("3:1")
    with pytest.raises(ValueError, match="'huge'"):
        image_dimensions("1:1", "huge")


# -- speech --------------------------------------------------------------------------------
SR = speech.SAMPLE_RATE
SENTENCE = "The quick brown fox jumps over the lazy dog while we all watch and wait."


def _samples(pcm: bytes) -> np.ndarray:
    assert len(pcm) % 2 == 0
    return np.frombuffer(pcm, "<i2").astype(float)


def _f0_estimates(x: np.ndarray, sr: int = SR) -> np.ndarray:
    """Autocorrelation pitch of each loud, clearly periodic 40 ms frame."""
    n, hop = int(0.04 * sr), int(0.02 * sr)
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    rms = np.sqrt((frames**2).mean(axis=1))
    out = []
    lo, hi = sr // 400, sr // 70
    for frame in frames[rms > 0.3 * rms.max()]:
        f = (frame - frame.mean()) * np.hanning(n)
        spec = np.fft.rfft(f, 2 * n)
        ac = np.fft.irfft(np.abs(spec) ** 2)[:n]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.5 * ac[0]:
            out.append(sr / lag)
    return np.array(out)


def test_voices_are_the_thirty_prebuilt_ones():
    assert len(VOICES) == 30 and len(set(VOICES)) == 30
    assert {"Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Sulafat", "Zubenelgenubi"} <= set(VOICES)
    f0s = [voice_params(v).f0 for v in VOICES]
    assert len(set(f0s)) == 30
    assert 84 <= min(f0s) <= 90 and 255 <= max(f0s) <= 261


def test_voice_for():
    assert voice_for(None) == "Kore"
    assert voice_for("puck") == "Puck" and voice_for(" ZEPHYR ") == "Zephyr"
    with pytest.raises(ValueError, match="unknown voice 'Bob'.*Zephyr"):
        voice_for("Bob")
    with pytest.raises(ValueError):
        synthesize("hi", "Bob")


def test_pcm_is_loud_unclipped_and_click_free():
    x = _samples(synthesize(SENTENCE, "Kore"))
    assert np.sqrt((x**2).mean()) > 1500  # clearly not silence
    peak = np.abs(x).max()
    assert 22000 < peak < 23500  # normalized to about -3 dBFS, far from clipping
    assert abs(x[0]) < 200 and abs(x[-1]) < 200  # faded in and out


def test_duration_proportional_to_text():
    vp = voice_params("Kore")
    short = _samples(synthesize(SENTENCE, "Kore"))
    long = _samples(synthesize(" ".join([SENTENCE] * 4), "Kore"))
    expected = len(SENTENCE) / (speech.CHARS_PER_SECOND * vp.rate)
    assert abs(len(short) / SR - expected) / expected < 0.1
    assert 3.7 < len(long) / len(short) < 4.3
    cps = len(SENTENCE) / (len(short) / SR)
    assert 12 <= cps <= 16


def test_speech_is_deterministic_and_text_dependent():
    a = synthesize("Hello world", "Puck")
    assert a == synthesize("Hello world", "Puck")
    assert a != synthesize("Hello word", "Puck")


def test_voices_have_measurably_different_pitch():
    low, high = min(VOICES, key=lambda v: voice_params(v).f0), max(VOICES, key=lambda v: voice_params(v).f0)
    est = {}
    for v in (low, high, "Kore", "Puck"):
        f0 = _f0_estimates(_samples(synthesize(SENTENCE, v)))
        assert len(f0) >= 10, v
        est[v] = float(np.median(f0))
        assert abs(est[v] / voice_params(v).f0 - 1) < 0.2, (v, est[v], voice_params(v).f0)
    assert est[high] > 2 * est[low]
    assert est["Kore"] > 1.3 * est["Puck"]


def test_question_rises_at_the_end():
    def tail_pitch(text: str) -> float:
        x = _samples(synthesize(text, "Charon"))
        return float(np.median(_f0_estimates(x[-int(0.5 * SR) :])))

    assert tail_pitch("Are you coming to the party tonight?") > 1.2 * tail_pitch(
        "You are coming to the party tonight."
    )


def test_empty_text_is_a_short_quiet_breath():
    for text in ("", "   \n "):
        x = _samples(synthesize(text))
        assert abs(len(x) / SR - 0.2) < 0.02
        rms = np.sqrt((x**2).mean())
        assert 20 < rms < 2000 and np.abs(x).max() < 3000


def test_long_text_is_fast():
    text = (SENTENCE + " Is this fast enough? Yes, it is! ") * 6
    text = text[:500]
    synthesize("warm up", "Kore")
    start = time.perf_counter()
    pcm = synthesize(text, "Fenrir")
    assert time.perf_counter() - start < 1.5  # ~0.35 s on a laptop
    assert len(pcm) / 2 / SR > 25


def test_other_sample_rate_and_validation():
    x = _samples(synthesize(SENTENCE, "Kore", sample_rate=16000))
    assert abs(len(x) / 16000 - len(SENTENCE) / speech.CHARS_PER_SECOND) < 0.6
    with pytest.raises(ValueError, match="sample_rate"):
        synthesize("hi", sample_rate=100)


def test_dialogue_concatenates_lines_with_gaps():
    lines = [("Puck", "Hi there, how are you?"), ("kore", "Very well, thank you.")]
    pcm = synthesize_dialogue(lines, gap_s=0.5)
    parts = [synthesize(t, v) for v, t in lines]
    gap = int(0.5 * SR) * 2
    assert pcm == parts[0] + b"\0" * gap + parts[1]
    with pytest.raises(ValueError, match="unknown voice"):
        synthesize_dialogue([("Nobody", "hi")])
    with pytest.raises(ValueError, match="line 1 must be a \\(voice, text\\) pair"):
        synthesize_dialogue([("Kore", "hi"), ("Kore",)])
    assert synthesize_dialogue([]) == b""


def test_pcm_to_wav_roundtrip():
    pcm = synthesize("Testing one two three", "Aoede")
    wav = pcm_to_wav(pcm)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24000)
        assert w.getnframes() == len(pcm) // 2
        assert w.readframes(w.getnframes()) == pcm


# -- media_inspect ---------------------------------------------------------------------------
def _image_bytes(fmt: str, size=(640, 480), **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buf, format=fmt, **save)
    return buf.getvalue()


def _pdf(pages: int) -> bytes:
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>"]
    objs += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.mark.parametrize(
    "fmt,mime,save",
    [
        ("PNG", "image/png", {}),
        ("JPEG", "image/jpeg", {"quality": 80}),
        ("JPEG", "image/jpeg", {"progressive": True}),
        ("GIF", "image/gif", {}),
        ("WEBP", "image/webp", {"quality": 80}),
        ("WEBP", "image/webp", {"lossless": True}),
        ("BMP", "image/bmp", {}),
    ],
)
def test_inspect_image_headers(fmt, mime, save):
    data = _image_bytes(fmt, (641, 479), **save)
    info = inspect_part({"type": "image", "data": _b64(data), "mime_type": mime})
    assert info == {
        "kind": "image",
        "mime_type": mime,
        "source": "inline",
        "size_bytes": len(data),
        "width": 641,
        "height": 479,
    }
    # Without mime_type the type is sniffed from the bytes.
    assert inspect_part({"type": "image", "data": _b64(data)})["mime_type"] == mime


def test_inspect_webp_extended_header():
    buf = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 128)).save(buf, format="WEBP", exif=b"Exif\0\0II*\0")
    info = inspect_part({"type": "image", "data": _b64(buf.getvalue())})
    assert (info["width"], info["height"]) == (300, 200)


def test_inspect_generated_image():
    data = render_image("a cat", aspect_ratio="16:9")
    info = inspect_part({"type": "image", "data": _b64(data), "mime_type": "image/png"})
    assert (info["width"], info["height"]) == (1344, 768)


def test_inspect_pdf_counts_pages_not_page_tree():
    data = _pdf(3)
    info = inspect_part({"type": "document", "data": _b64(data), "mime_type": "application/pdf"})
    assert info["pages"] == 3 and info["size_bytes"] == len(data) and info["kind"] == "document"
    assert media_inspect.pdf_pages(_pdf(1)) == 1
    # Pages hidden in a compressed object stream: fall back to the page tree's /Count.
    hidden = b"%PDF-1.7\n1 0 obj\n<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 >>\nendobj\n%%EOF"
    assert media_inspect.pdf_pages(hidden) == 2


def test_inspect_wav_and_raw_pcm():
    pcm = b"\x01\x00" * int(2.5 * SR)
    info = inspect_part({"type": "audio", "data": _b64(pcm_to_wav(pcm)), "mime_type": "audio/wav"})
    assert info["duration_s"] == pytest.approx(2.5) and info["sample_rate"] == SR
    assert describe_part(info) == "an audio clip (audio/wav, 2.5 s)"
    raw = inspect_part({"type": "audio", "data": _b64(pcm), "mime_type": speech.MIME_TYPE})
    assert raw["duration_s"] == pytest.approx(2.5) and raw["source"] == "inline"
    raw16 = inspect_part({"type": "audio", "data": _b64(pcm), "mime_type": "audio/pcm", "sample_rate": 16000})
    assert raw16["duration_s"] == pytest.approx(2.5 * SR / 16000)


@pytest.mark.parametrize("data", ["not base64!!", "abcde", "YWJj\u00e9"])
def test_bad_base64_is_a_value_error(data):
    with pytest.raises(ValueError, match="input image part: data is not valid base64"):
        inspect_part({"type": "image", "data": data, "mime_type": "image/png"})


def test_base64_with_whitespace_and_no_padding_is_accepted():
    data = _image_bytes("PNG", (10, 20))
    text = _b64(data).rstrip("=")
    text = "\n".join(text[i : i + 60] for i in range(0, len(text), 60))
    assert inspect_part({"type": "image", "data": text})["height"] == 20


def test_inspect_uri_and_files_api():
    info = inspect_part({"type": "video", "uri": "https://example.com/clip.mp4"})
    assert info == {
        "kind": "video",
        "uri": "https://example.com/clip.mp4",
        "source": "uri",
        "mime_type": "video/mp4",
        "size_bytes": None,
    }
    assert describe_part(info) == "a video at https://example.com/clip.mp4 (video/mp4)"

    class Files:
        def get(self, uri):
            if uri.endswith("/files/abc123"):
                return {"mime_type": "application/pdf", "size_bytes": "46080", "display_name": "report.pdf"}
            return None

    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123"
    info = inspect_part({"type": "document", "uri": uri}, files=Files())
    assert info["source"] == "file" and info["mime_type"] == "application/pdf"
    assert info["size_bytes"] == 46080 and info["display_name"] == "report.pdf"
    assert "report.pdf" in describe_part(info) and "45.0 KB" in describe_part(info)
    unknown = inspect_part({"type": "image", "uri": uri.replace("abc123", "zzz")}, files=Files())
    assert unknown["source"] == "file" and unknown["size_bytes"] is None


def test_inspect_text_and_missing_payload():
    assert inspect_part({"type": "text", "text": "héllo"})["size_bytes"] == 6
    with pytest.raises(ValueError, match="data or uri"):
        inspect_part({"type": "audio", "mime_type": "audio/wav"})


def test_describe_examples():
    assert (
        describe_part(
            {
                "kind": "image",
                "mime_type": "image/png",
                "source": "inline",
                "size_bytes": 12595,
                "width": 640,
                "height": 480,
            }
        )
        == "an image (image/png, 640x480, 12.3 KB)"
    )
    assert (
        describe_part(
            {
                "kind": "document",
                "mime_type": "application/pdf",
                "source": "inline",
                "size_bytes": 46080,
                "pages": 3,
            }
        )
        == "a PDF document (application/pdf, 3 pages, 45.0 KB)"
    )


def test_heavy_dependencies_are_imported_lazily():
    """The emulator must import fast: PIL and numpy only inside functions."""
    import ast
    import inspect as pyinspect

    for module in (image_gen, speech, media_inspect):
        tree = ast.parse(pyinspect.getsource(module))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom)}
        assert not names & {"PIL", "numpy"}, module.__name__
