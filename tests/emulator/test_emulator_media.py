"""Images out, speech out and multimodal input, through the real SDK over HTTP.

Media must be *real* files a viewer or player opens, so every test decodes what came back:
the PNG/JPEG with Pillow (exact pixel sizes per aspect ratio and size tier), the PCM with
numpy (length proportional to the text, not silence, distinct voices per speaker).
"""

from __future__ import annotations

import base64
import io
import json
import pathlib
import subprocess
import wave

import numpy as np
import pytest
from google.genai import _interactions as gx
from PIL import Image

from gemini_nb.emulator.brain.lib.image_gen import ASPECT_RATIOS, image_dimensions
from gemini_nb.emulator.brain.lib.speech import synthesize, synthesize_dialogue

HERE = pathlib.Path(__file__).parent
IMAGE_MODEL = "gemini-3-pro-image-preview"
FLASH_IMAGE = "gemini-2.5-flash-image"
TTS_MODEL = "gemini-2.5-flash-preview-tts"
TEXT_MODEL = "gemini-3-flash-preview"


def decode_image(data: str) -> Image.Image:
    img = Image.open(io.BytesIO(base64.b64decode(data)))
    img.load()
    return img


def pcm(data: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(data), dtype="<i2").astype(np.float64)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2)))


def model_content(interaction) -> list:
    return [p for s in interaction.steps if s.type == "model_output" for p in s.content]


def pitch(samples: np.ndarray, rate: int = 24000) -> float:
    """Median autocorrelation pitch (Hz) over the loud frames of a speech segment."""
    frame, estimates = 1200, []
    lo, hi = rate // 400, rate // 60
    loud = rms(samples) * 0.8
    for start in range(0, len(samples) - frame, frame):
        x = samples[start : start + frame]
        if rms(x) < loud:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, "full")[frame - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        estimates.append(rate / lag)
    assert estimates, "no voiced frames"
    return float(np.median(estimates))


# -- images --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ratio, size", [("16:9", "1K"), ("9:16", "512"), ("21:9", "2K"), ("4:5", "1K"), ("1:1", "4K")]
)
def test_image_format_sizes_are_exact(client, ratio, size):
    interaction = client.interactions.create(
        model=IMAGE_MODEL,
        input="Generate an image of a cat on a hill at sunset",
        response_format={"type": "image", "aspect_ratio": ratio, "image_size": size},
    )
    assert interaction.status == "completed"
    image = interaction.output_image
    assert image is not None and image.type == "image" and image.mime_type == "image/png"
    img = decode_image(image.data)
    assert img.format == "PNG" and img.size == image_dimensions(ratio, size)
    assert [p.type for p in model_content(interaction)] == ["image"]
    usage = {m.modality: m.tokens for m in interaction.usage.output_tokens_by_modality}
    assert usage == {"image": 2000 if size == "4K" else 1120}  # Gemini 3 image billing


@pytest.mark.parametrize("ratio", ASPECT_RATIOS)
def test_all_ten_ratios_through_image_config(client, ratio):
    interaction = client.interactions.create(
        model=FLASH_IMAGE,
        input="A blue square",
        response_modalities=["IMAGE"],
        generation_config={"image_config": {"aspect_ratio": ratio, "image_size": "512"}},
    )
    assert decode_image(interaction.output_image.data).size == image_dimensions(ratio, "512")


def test_jpeg_and_legacy_size_spelling(client):
    interaction = client.interactions.create(
        model=FLASH_IMAGE,
        input="A green forest",
        response_modalities=["IMAGE"],
        response_format={"type": "image", "mime_type": "image/jpeg", "aspect_ratio": "3:2"},
        generation_config={"image_config": {"image_size": "2k"}},
    )
    image = interaction.output_image
    assert image.mime_type == "image/jpeg"
    img = decode_image(image.data)
    assert img.format == "JPEG" and img.size == image_dimensions("3:2", "2K") == (2528, 1696)


def test_same_request_same_image_and_prompt_changes_it(client):
    def make(prompt):
        return client.interactions.create(
            model=IMAGE_MODEL, input=prompt, response_modalities=["IMAGE"]
        ).output_image.data

    assert make("a red sun over the sea") == make("a red sun over the sea")
    assert make("a red sun over the sea") != make("a purple moon over a desert")


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"response_format": {"type": "image", "aspect_ratio": "7:3"}}, "response_format.aspect_ratio"),
        (
            {"response_format": [{"type": "text"}, {"type": "image", "image_size": "8K"}]},
            "response_format[1].image_size",
        ),
        ({"response_format": {"type": "image", "mime_type": "image/tiff"}}, "response_format.mime_type"),
        (
            {"generation_config": {"image_config": {"aspect_ratio": "2:1"}}},
            "generation_config.image_config.aspect_ratio",
        ),
    ],
)
def test_bad_image_options_are_400_naming_the_field(client, extra, field):
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(model=IMAGE_MODEL, input="a cat", **extra)
    assert info.value.status_code == 400
    assert field in str(info.value)
    if "aspect_ratio" in field:
        assert "16:9" in str(info.value)  # the message lists the accepted values


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"response_modalities": ["TEXT", "IMAGE"]},
        {"response_format": [{"type": "text"}, {"type": "image", "aspect_ratio": "16:9"}]},
        {},  # an image model answers text + image by default
    ],
)
def test_interleaved_text_then_image(client, request_kwargs):
    interaction = client.interactions.create(
        model=FLASH_IMAGE, input="Draw a picture of a lighthouse", **request_kwargs
    )
    content = model_content(interaction)
    assert [p.type for p in content] == ["text", "image"]
    assert "lighthouse" in interaction.output_text
    ratio = "16:9" if "response_format" in request_kwargs else "1:1"
    assert decode_image(interaction.output_image.data).size == image_dimensions(ratio, "1K")


def test_interleaved_story_with_several_images(client):
    interaction = client.interactions.create(
        model=FLASH_IMAGE,
        input="Tell a short story about a fox in three images",
        response_modalities=["TEXT", "IMAGE"],
        generation_config={"image_config": {"image_size": "512"}},
    )
    content = model_content(interaction)
    assert [p.type for p in content] == ["text", "image"] * 3
    datas = [p.data for p in content if p.type == "image"]
    assert len(set(datas)) == 3 and all(decode_image(d).size == (512, 512) for d in datas)
    usage = {m.modality: m.tokens for m in interaction.usage.output_tokens_by_modality}
    assert usage["image"] == 3 * 1290 and usage["text"] > 0  # 2.5 Flash Image: 1290 each


def test_image_stream_steps_schema(client):
    stream = client.interactions.create(
        model=IMAGE_MODEL,
        input="A golden star in space",
        response_format=[{"type": "text"}, {"type": "image", "aspect_ratio": "9:16"}],
        stream=True,
    )
    events = list(stream)
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    deltas = [e.delta for e in events if e.event_type == "step.delta"]
    images = [d for d in deltas if d.type == "image"]
    assert len(images) == 1 and type(images[0]).__name__ == "ImageDelta"
    assert images[0].mime_type == "image/png"
    assert decode_image(images[0].data).size == image_dimensions("9:16", "1K")
    assert [d.type for d in deltas][0] == "text" and deltas[-1].type == "image"
    final = events[-1].interaction
    assert any(m.modality == "image" for m in final.usage.output_tokens_by_modality)


def test_image_editing_keeps_input_shape_and_mentions_it(client):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buf, "PNG")
    source = base64.b64encode(buf.getvalue()).decode()
    edited = client.interactions.create(
        model=FLASH_IMAGE,
        input=[
            {"type": "text", "text": "Edit this photo: make the sky blue and add a sun"},
            {"type": "image", "data": source, "mime_type": "image/png"},
        ],
    )
    assert "640x480" in edited.output_text and "edited" in edited.output_text
    first = decode_image(edited.output_image.data)
    assert first.size == image_dimensions("4:3", "1K")  # the ratio closest to 640x480
    # A follow-up edit in the same chain edits the previous output (server-side history).
    again = client.interactions.create(
        model=FLASH_IMAGE, input="Now add a tree on the left", previous_interaction_id=edited.id
    )
    assert f"{first.size[0]}x{first.size[1]}" in again.output_text
    assert again.output_image.data != edited.output_image.data


def test_stateless_history_edits_the_last_generated_image(client):
    first = client.interactions.create(
        model=FLASH_IMAGE,
        input="Generate an image of a cat on a hill",
        response_format={"type": "image", "aspect_ratio": "3:2", "image_size": "512"},
        store=False,
    )
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Generate an image of a cat on a hill"}]},
        *[s.model_dump(exclude_none=True) for s in first.steps],
        {"type": "user_input", "content": [{"type": "text", "text": "Add a tree next to it"}]},
    ]
    edited = client.interactions.create(
        model=FLASH_IMAGE,
        input=history,
        store=False,
        response_modalities=["TEXT", "IMAGE"],
        generation_config={"image_config": {"image_size": "512"}},
    )
    assert "edited" in edited.output_text and "632x424" in edited.output_text
    assert decode_image(edited.output_image.data).size == image_dimensions("3:2", "512")


# -- speech --------------------------------------------------------------------------------
def test_tts_speaks_the_text_after_the_instruction(client):
    interaction = client.interactions.create(model=TTS_MODEL, input="Say cheerfully: Have a wonderful day!")
    audio = interaction.output_audio
    assert audio is not None and audio.type == "audio"
    assert audio.mime_type == "audio/L16;codec=pcm;rate=24000"
    assert audio.sample_rate == 24000 and audio.channels == 1
    raw = base64.b64decode(audio.data)
    assert raw == synthesize("Have a wonderful day!", "Kore")
    samples = pcm(audio.data)
    assert 1.0 < len(samples) / 24000 < 2.5
    assert rms(samples) > 500  # really synthesized, never silence
    assert [p.type for p in model_content(interaction)] == ["audio"]
    assert not any(s.type == "thought" for s in interaction.steps)
    usage = {m.modality: m.tokens for m in interaction.usage.output_tokens_by_modality}
    assert usage == {"audio": usage["audio"]} and usage["audio"] > 0


def test_speech_length_is_proportional_to_text(client):
    def seconds(text):
        audio = client.interactions.create(model=TTS_MODEL, input=f"Read aloud: {text}").output_audio
        return len(base64.b64decode(audio.data)) / 2 / 24000

    short = seconds("Hello there.")
    long = seconds("Hello there. " * 8 + "This sentence goes on for quite a while longer.")
    assert 6 < long / short < 14


@pytest.mark.parametrize(
    "speech_config, voice",
    [
        ({"voice": "Puck", "language": "en-US"}, "Puck"),
        ([{"voice": "charon"}], "Charon"),
        ({"speakers": [{"voice": "Zephyr", "language": "en-GB"}]}, "Zephyr"),
    ],
)
def test_speech_config_forms(client, speech_config, voice):
    interaction = client.interactions.create(
        model=TTS_MODEL,
        input="Say: Good morning everyone",
        response_modalities=["AUDIO"],
        generation_config={"speech_config": speech_config},
    )
    assert base64.b64decode(interaction.output_audio.data) == synthesize("Good morning everyone", voice)


@pytest.mark.parametrize(
    "speech_config, field",
    [
        ({"voice": "Bogus"}, "generation_config.speech_config.voice"),
        (
            [{"voice": "Kore", "speaker": "A"}, {"voice": "Nope", "speaker": "B"}],
            "generation_config.speech_config[1].voice",
        ),
        ({"speakers": [{"voice": "Nobody"}]}, "generation_config.speech_config.speakers[0].voice"),
    ],
)
def test_unknown_voice_is_400_naming_the_field(client, speech_config, field):
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(
            model=TTS_MODEL, input="Say: hi", generation_config={"speech_config": speech_config}
        )
    assert info.value.status_code == 400 and field in str(info.value)


def test_multi_speaker_voices_are_distinguishable(client):
    script = (
        "TTS the following conversation between Alice and Bob:\n"
        "Alice: How's it going today, Bob?\nBob: Not too bad, how about you?"
    )
    interaction = client.interactions.create(
        model=TTS_MODEL,
        input=script,
        response_modalities=["AUDIO"],
        generation_config={
            "speech_config": [
                {"voice": "Zephyr", "speaker": "Alice", "language": "en-US"},
                {"voice": "Puck", "speaker": "Bob", "language": "en-US"},
            ]
        },
    )
    raw = base64.b64decode(interaction.output_audio.data)
    lines = [("Zephyr", "How's it going today, Bob?"), ("Puck", "Not too bad, how about you?")]
    assert raw == synthesize_dialogue(lines)
    first = len(synthesize(lines[0][1], lines[0][0])) // 2
    samples = pcm(interaction.output_audio.data)
    alice, bob = samples[:first], samples[first + 6000 :]
    assert rms(alice) > 500 and rms(bob) > 500
    assert pitch(alice) > 1.25 * pitch(bob)  # a higher and a lower voice


def test_audio_format_wav_and_sample_rate(client):
    interaction = client.interactions.create(
        model=TTS_MODEL,
        input="Say: Testing the audio format",
        response_format={"type": "audio", "mime_type": "audio/wav", "sample_rate": 16000},
    )
    audio = interaction.output_audio
    assert audio.mime_type == "audio/wav"
    with wave.open(io.BytesIO(base64.b64decode(audio.data))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        seconds = w.getnframes() / 16000
    assert 1.0 < seconds < 4.0
    usage = {m.modality: m.tokens for m in interaction.usage.output_tokens_by_modality}
    assert abs(usage["audio"] - seconds * 32) <= 1  # 32 tokens per second of audio


def test_camel_case_formats_on_the_wire(emu):
    import httpx

    body = {
        "model": IMAGE_MODEL,
        "input": "a tiny boat",
        "response_format": {
            "type": "image",
            "aspectRatio": "3:4",
            "imageSize": "512",
            "mimeType": "image/jpeg",
        },
    }
    resp = httpx.post(
        f"{emu.base_url}/v1beta/interactions", json=body, headers={"x-goog-api-key": "k"}, timeout=30
    )
    assert resp.status_code == 200, resp.text
    image = [p for s in resp.json()["steps"] if s["type"] == "model_output" for p in s["content"]][0]
    assert image["mime_type"] == "image/jpeg"
    assert decode_image(image["data"]).size == image_dimensions("3:4", "512")


def test_audio_stream_steps_schema(client):
    events = list(client.interactions.create(model=TTS_MODEL, input="Say: Good night, moon.", stream=True))
    deltas = [e.delta for e in events if e.event_type == "step.delta"]
    assert len(deltas) == 1 and type(deltas[0]).__name__ == "AudioDelta"
    assert deltas[0].mime_type == "audio/L16;codec=pcm;rate=24000" and deltas[0].sample_rate == 24000
    assert base64.b64decode(deltas[0].data) == synthesize("Good night, moon.", "Kore")


def test_general_model_speaks_its_answer(client):
    interaction = client.interactions.create(
        model=TEXT_MODEL, input="What is 6 * 7?", response_modalities=["TEXT", "AUDIO"]
    )
    assert [p.type for p in model_content(interaction)] == ["text", "audio"]
    assert "42" in model_content(interaction)[0].text
    assert base64.b64decode(interaction.output_audio.data) == synthesize(model_content(interaction)[0].text)


# -- legacy schema (google-genai 1.55 in its own virtualenv) ---------------------------------
def test_legacy_sdk_images_and_speech(legacy_py, emulator_url):
    out = subprocess.run(
        [legacy_py, str(HERE / "examples" / "media_outputs_legacy.py"), emulator_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, f"stdout:\n{out.stdout[-2000:]}\nstderr:\n{out.stderr[-4000:]}"
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "ALL OK"
    cases = {c["case"]: c for c in map(json.loads, lines[:-1])}
    assert cases["image"]["types"] == ["text", "image"]
    assert decode_image(cases["image"]["data"]).size == image_dimensions("16:9", "1K") == (1344, 768)
    assert decode_image(cases["image_stream"]["data"]).size == (1024, 1024)
    assert cases["audio"]["mime_type"] == "audio/L16;codec=pcm;rate=24000"
    assert base64.b64decode(cases["audio"]["data"]) == synthesize("Have a wonderful day!", "Kore")
    assert rms(pcm(cases["audio_stream"]["data"])) > 500


# -- multimodal input ----------------------------------------------------------------------
def _png(width: int, height: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _pdf(pages: int) -> str:
    buf = io.BytesIO()
    first, *rest = [Image.new("RGB", (60, 80), (255, 255, 255)) for _ in range(pages)]
    first.save(buf, "PDF", save_all=True, append_images=rest)
    return base64.b64encode(buf.getvalue()).decode()


def test_inline_png_dimensions_in_answer(client):
    interaction = client.interactions.create(
        model=TEXT_MODEL,
        input=[
            {"type": "text", "text": "What is in this image?"},
            {"type": "image", "data": _png(321, 123), "mime_type": "image/png"},
        ],
    )
    text = interaction.output_text
    assert "image/png" in text and "321x123" in text and "landscape" in text
    usage = {m.modality: m.tokens for m in interaction.usage.input_tokens_by_modality}
    assert usage["image"] > 0


def test_inline_pdf_pages_in_answer(client):
    interaction = client.interactions.create(
        model=TEXT_MODEL,
        input=[
            {"type": "text", "text": "Summarize this document."},
            {"type": "document", "data": _pdf(4), "mime_type": "application/pdf"},
        ],
    )
    assert "PDF" in interaction.output_text and "4 pages" in interaction.output_text


def test_inline_text_document_is_read(client):
    notes = "Quarterly notes\nRevenue grew in every region this quarter.\n"
    interaction = client.interactions.create(
        model=TEXT_MODEL,
        input=[
            {"type": "document", "mime_type": "text/plain", "data": base64.b64encode(notes.encode()).decode()}
        ],
    )
    text = interaction.output_text
    assert "text/plain" in text and "9 words" in text and "Quarterly notes" in text


def test_inline_audio_and_video_by_uri(client):
    wav = io.BytesIO()
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x10\x00" * 16000 * 2)
    interaction = client.interactions.create(
        model=TEXT_MODEL,
        input=[
            {"type": "text", "text": "Transcribe the audio and describe the video."},
            {"type": "audio", "data": base64.b64encode(wav.getvalue()).decode(), "mime_type": "audio/wav"},
            {"type": "video", "uri": "https://example.com/media/clip.mp4"},
        ],
    )
    text = interaction.output_text
    assert "audio/wav" in text and "2.0 s" in text and "16000 Hz" in text
    assert "https://example.com/media/clip.mp4" in text and "video/mp4" in text


def test_file_uri_input_is_resolved(client):
    upload = client.files.upload(
        file=io.BytesIO(base64.b64decode(_png(200, 300))),
        config={"mime_type": "image/png", "display_name": "portrait.png"},
    )
    for _ in range(50):
        if client.files.get(name=upload.name).state.name == "ACTIVE":
            break
        import time

        time.sleep(0.1)
    interaction = client.interactions.create(
        model=TEXT_MODEL,
        input=[
            {"type": "text", "text": "Describe it"},
            {"type": "image", "uri": upload.uri, "mime_type": "image/png"},
        ],
    )
    text = interaction.output_text
    assert "portrait.png" in text and "200x300" in text and "portrait" in text


def test_bad_base64_media_is_400(client):
    with pytest.raises(gx.BadRequestError) as info:
        client.interactions.create(
            model=TEXT_MODEL,
            input=[
                {"type": "text", "text": "Look"},
                {"type": "image", "data": "@@not base64@@", "mime_type": "image/png"},
            ],
        )
    assert info.value.status_code == 400 and "data" in str(info.value)


@pytest.mark.parametrize(
    "prompt, spoken",
    [
        ("Say cheerfully: Have a wonderful day!", "Have a wonderful day!"),
        ('Read this in a calm, slow voice: "The tide is coming in."', "The tide is coming in."),
        ("Say hello to everyone", "hello to everyone"),
        ("Welcome to the show.", "Welcome to the show."),
        (
            "### DIRECTOR'S NOTES\nStyle: warm: smiling.\n\n#### TRANSCRIPT\nGood evening, London.",
            "Good evening, London.",
        ),
    ],
)
def test_what_a_tts_prompt_speaks(prompt, spoken):
    from gemini_nb.emulator.brain.skills.media import speech_script

    assert speech_script(prompt)[0] == spoken


@pytest.mark.parametrize(
    "prompt, subject",
    [
        ("Generate an image of a cat on a hill.", "a cat on a hill"),
        ("Please create a photorealistic picture showing two red boats", "two red boats"),
        ("A castle in the clouds", "A castle in the clouds"),
    ],
)
def test_image_subject(prompt, subject):
    from gemini_nb.emulator.brain.skills.media import image_subject

    assert image_subject(prompt) == subject
