"""Media in and out: detection, templating into parts, the Files API, and every media option,
through the real SDK against the emulator (its request log shows what was sent)."""

from __future__ import annotations

import base64
import http.server
import io
import threading
import wave

import numpy as np
import pytest

from gemini_nb import media_in, media_out, templating, uploads
from gemini_nb.errors import GeminiError
from gemini_nb.media_in import Blob, MediaError
from gemini_nb.request import OptionError
from gemini_nb.result import Media


def png(width=40, height=20, color="red") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def wav(seconds=0.1, rate=24000) -> bytes:
    return media_in.array_to_wav(np.zeros(int(seconds * rate)), rate)


def posts(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")]


def uploads_seen(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and "/upload/" in r["path"] and r.get("body")]


def user_content(body):
    """The content parts of the last user_input step of a request body."""
    steps = body["input"]
    assert isinstance(steps, list), steps
    return [s for s in steps if s.get("type") == "user_input"][-1]["content"]


@pytest.fixture(autouse=True)
def _fresh_upload_cache(monkeypatch):
    monkeypatch.setattr(uploads, "_cache", {})


# -- detection ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "head,mime",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, "image/jpeg"),
        (b"GIF89a" + b"\0" * 8, "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"RIFF\0\0\0\0WAVEfmt ", "audio/wav"),
        (b"ID3\x04" + b"\0" * 8, "audio/mpeg"),
        (b"\xff\xfb\x90\x00" + b"\0" * 8, "audio/mpeg"),
        (b"OggS\0\x02" + b"\0" * 8, "audio/ogg"),
        (b"fLaC\0\0\0\x22", "audio/flac"),
        (b"\0\0\0\x20ftypisom" + b"\0" * 8, "video/mp4"),
        (b"\x1a\x45\xdf\xa3" + b"\0" * 8, "video/webm"),
        (b"%PDF-1.7\n", "application/pdf"),
    ],
)
def test_sniff_knows_the_magic_numbers(head, mime):
    assert media_in.sniff(head) == mime


def test_sniff_ignores_text_and_unknown_bytes():
    assert media_in.sniff(b"hello world") is None
    assert media_in.to_blob(b"hello world") is None  # templated as text, not sent as media


def test_values_become_blobs():
    from PIL import Image

    blob = media_in.to_blob(Image.new("RGBA", (8, 6)))
    assert blob.mime_type == "image/png" and media_in.sniff(blob.data) == "image/png"
    assert media_in.to_blob(wav()).mime_type == "audio/wav"
    assert media_in.to_blob(np.zeros((10, 12, 3), np.uint8)).mime_type == "image/png"
    gray = media_in.to_blob(np.linspace(0, 1, 64).reshape(8, 8))
    from PIL import Image as I

    assert I.open(io.BytesIO(gray.data)).size == (8, 8)
    assert media_in.to_blob(np.arange(10)) is None  # a data vector stays text
    assert media_in.to_blob(np.array([[5.0, 70.0], [3.0, 1.0]])) is None  # not pixel values: text
    assert media_in.to_blob("text") is None and media_in.to_blob(42) is None


def test_an_answers_image_and_speech_can_be_sent_back():
    image = media_in.to_blob(Media("image/png", png(30, 10)), label="img")
    assert (image.mime_type, image.data, image.kind) == ("image/png", png(30, 10), "image")
    speech = media_in.to_blob(Media("audio/L16;codec=pcm;rate=24000", np.zeros(2400, "<i2").tobytes()))
    assert speech.mime_type == "audio/wav" and media_in.sniff(speech.data) == "audio/wav"
    remote = media_in.to_blob(Media("image/png", None, uri="https://example.org/a.png"))
    assert remote.uri == "https://example.org/a.png" and remote.data is None
    with pytest.raises(MediaError, match="holds no data"):
        media_in.to_blob(Media("image/png", None), label="empty")


def test_numpy_audio_needs_a_rate_and_becomes_wav():
    tone = np.sin(np.linspace(0, 100, 8000)).astype(np.float32)
    blob = media_in.to_blob(tone, rate=8000)
    assert blob.mime_type == "audio/wav"
    with wave.open(io.BytesIO(blob.data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (8000, 1, 8000)
    stereo = media_in.to_blob(np.zeros((100, 2), np.int16), rate=16000)
    with wave.open(io.BytesIO(stereo.data)) as w:
        assert w.getnchannels() == 2
    with pytest.raises(MediaError, match="--rate"):
        media_in.array_to_wav(tone, 5)


def test_matplotlib_figure_is_a_png():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([1, 2, 3])
    blob = media_in.to_blob(fig)
    plt.close(fig)
    assert blob.mime_type == "image/png" and media_in.sniff(blob.data) == "image/png"


def test_ipython_image_and_audio(tmp_path):
    from IPython.display import Audio, Image

    assert media_in.to_blob(Image(data=png())).mime_type == "image/png"
    audio = media_in.to_blob(Audio(np.sin(np.arange(800.0)), rate=8000))
    assert audio.mime_type == "audio/wav" and audio.data.startswith(b"RIFF")
    path = tmp_path / "clip.png"
    path.write_bytes(png())
    assert media_in.to_blob(Image(filename=str(path))).data == path.read_bytes()


def test_path_values_and_bad_paths(tmp_path):
    doc = tmp_path / "report.pdf"
    doc.write_bytes(b"%PDF-1.4\n%%EOF\n")
    blob = media_in.to_blob(doc)
    assert blob.mime_type == "application/pdf" and blob.kind == "document"
    with pytest.raises(MediaError, match="no such file"):
        media_in.to_blob(tmp_path / "missing.png")
    odd = tmp_path / "x.bin"
    odd.write_bytes(b"\0\1\2")
    with pytest.raises(MediaError, match="cannot tell its type"):
        media_in.to_blob(odd)
    with pytest.raises(MediaError, match="unsupported type"):
        media_in.part_kind("application/zip", "x.zip")


def test_placeholders_put_media_at_their_position():
    from PIL import Image

    img = Image.new("RGB", (4, 4))
    namespace = {"a": img, "b": wav(), "who": "Phil"}
    parts = templating.render_parts("Compare {{a}} with {{b}} for {{who}}.", namespace)
    assert [type(p).__name__ for p in parts] == ["str", "Blob", "str", "Blob", "str"]
    assert parts[0] == "Compare " and parts[2] == " with " and parts[4] == " for Phil."
    assert parts[3].mime_type == "audio/wav"
    assert templating.render_parts("plain {{who}}", {"who": "Phil"}) == "plain Phil"
    assert templating.render("see {{a}}", {"a": b"hello"}) == "see b'hello'"  # text stays text


def test_media_placeholder_errors_are_one_line(tmp_path):
    with pytest.raises(templating.TemplateError, match="no such file"):
        templating.render_parts("{{p}}", {"p": tmp_path / "nope.png"})


# -- media out options ---------------------------------------------------------------------------
def test_media_out_values_are_validated_up_front():
    with pytest.raises(media_out.MediaOptionError, match="16:9"):
        media_out.aspect_ratio("16x9")
    with pytest.raises(media_out.MediaOptionError, match="1K, 2K"):
        media_out.image_size("3K")
    assert media_out.image_size("2k") == "2K" and media_out.voice("kore") == "Kore"
    with pytest.raises(media_out.MediaOptionError, match="unknown voice 'Kor'"):
        media_out.voice("Kor")
    assert media_out.speakers("Alice=Kore, Bob=puck") == [
        {"speaker": "Alice", "voice": "Kore"},
        {"speaker": "Bob", "voice": "Puck"},
    ]
    with pytest.raises(media_out.MediaOptionError, match="NAME=VOICE"):
        media_out.speakers("Alice:Kore")
    with pytest.raises(media_out.MediaOptionError, match="once"):
        media_out.speakers("A=Kore,a=Puck")
    assert media_out.modalities("TEXT, image") == ["text", "image"]
    with pytest.raises(media_out.MediaOptionError, match="modalities"):
        media_out.modalities("text,smell")


def test_config_values_parse_as_json_with_dotted_keys():
    assert media_out.config_items(
        [
            "temperature=0.5",
            "speech_config=[]",
            "image_config.aspect_ratio=4:3",
            'image_config.image_size="2K"',
            "thinking_level=low",
        ]
    ) == {
        "temperature": 0.5,
        "speech_config": [],
        "thinking_level": "low",
        "image_config": {"aspect_ratio": "4:3", "image_size": "2K"},
    }
    with pytest.raises(media_out.MediaOptionError, match="temprature: not a generation_config field"):
        media_out.config_items(["temprature=1"])
    with pytest.raises(media_out.MediaOptionError, match="KEY=VALUE"):
        media_out.config_items(["seed"])


# -- results -----------------------------------------------------------------------------------
def test_media_save_to_pil_and_size(tmp_path):
    image = Media("image/png", png(30, 10))
    assert image.size == (30, 10) and image.to_pil().size == (30, 10)
    image.save(tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes() == image.data
    pcm = np.zeros(2400, "<i2").tobytes()
    speech = Media("audio/L16;codec=pcm;rate=24000", pcm)
    speech.save(tmp_path / "x.wav")
    with wave.open(str(tmp_path / "x.wav")) as w:
        assert (w.getframerate(), w.getnframes()) == (24000, 2400)
    with pytest.raises(ValueError, match="no inline data"):
        Media("image/png", None, uri="files/abc").save(tmp_path / "b.png")


def test_image_size_from_headers():
    from PIL import Image

    from gemini_nb.render.media import image_size

    for fmt in ("PNG", "JPEG", "GIF", "WEBP"):
        buf = io.BytesIO()
        Image.new("RGB", (37, 21), "blue").save(buf, format=fmt)
        assert image_size(buf.getvalue()) == (37, 21), fmt
    assert image_size(b"junk") is None


# -- against the emulator: media in ---------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_pil_image_placeholder_reaches_the_model(session, emu, stream):
    from PIL import Image

    result = session.ask(
        "Describe {{img}} briefly", namespace={"img": Image.new("RGB", (64, 32), "red")}, stream=stream
    )
    assert "64x32" in result.text
    content = user_content(posts(emu)[-1]["body"])
    assert [p["type"] for p in content] == ["text", "image", "text"]
    assert content[1]["mime_type"] == "image/png" and base64.b64decode(content[1]["data"])[:4] == b"\x89PNG"
    row = session.history().dataframe().iloc[-1]  # the log names the media, never holds its bytes
    assert row["prompt"].startswith("Describe [image image/png") and "iVBOR" not in str(row["options"])
    assert "image image/png" in str(row["options"])


def test_figure_array_bytes_and_path_as_files(session, emu, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1), dpi=50)
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Page>>endobj\n%%EOF\n")
    result = session.ask(
        "What are these?", stream=False, files=[fig, np.zeros((6, 9), np.uint8), wav(0.5), pdf, str(pdf)]
    )
    plt.close(fig)
    content = user_content(posts(emu)[-1]["body"])
    assert [(p["type"], p.get("mime_type")) for p in content] == [
        ("text", None),
        ("image", "image/png"),
        ("image", "image/png"),
        ("audio", "audio/wav"),
        ("document", "application/pdf"),
        ("document", "application/pdf"),
    ]
    assert "9x6" in result.text and "0.5 s" in result.text


def test_numpy_audio_with_rate(session, emu):
    tone = np.sin(np.linspace(0, 2000, 16000))
    result = session.ask(["Listen:", tone], rate=16000, stream=False)
    part = user_content(posts(emu)[-1]["body"])[1]
    assert part["type"] == "audio" and part["mime_type"] == "audio/wav"
    assert "16000 Hz" in result.text


@pytest.fixture
def http_file(tmp_path):
    (tmp_path / "pic.png").write_bytes(png(12, 7))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_is_downloaded_and_sent(session, emu, http_file):
    result = session.ask("What is it?", files=[f"{http_file}/pic.png"], stream=False)
    part = user_content(posts(emu)[-1]["body"])[1]
    assert part["mime_type"] == "image/png" and "12x7" in result.text
    with pytest.raises(MediaError, match="HTTP 404"):
        session.ask("x", files=[f"{http_file}/missing.png"])
    assert len(posts(emu)) == 1  # the failed attachment sent nothing


def test_files_name_and_uri_are_looked_up(session, emu, tmp_path):
    from gemini_nb import file_api

    path = tmp_path / "speech.wav"
    path.write_bytes(wav(0.2))
    record = file_api.upload(path, session=session, progress=False)
    assert record.name.startswith("files/") and record.mime_type == "audio/wav"
    for spec in (record.name, record.uri):
        result = session.ask("What is in it?", files=[spec], stream=False)
        part = user_content(posts(emu)[-1]["body"])[1]
        assert part == {"type": "audio", "mime_type": "audio/wav", "uri": record.uri}
        assert "0.2 s" in result.text or "0.2 seconds" in result.text
    with pytest.raises(GeminiError, match="not a file name"):
        session.ask("x", files=["files/../../_emulator/reset"])


def test_big_media_is_uploaded_once_and_reused(session, emu, monkeypatch):
    monkeypatch.setattr(media_in, "INLINE_LIMIT", 600)
    big = png(300, 200, "green")
    assert len(big) > 500
    small = Blob("image/png", png(2, 2))
    first = session.ask(["Compare", big, small], stream=False)
    content = user_content(posts(emu)[-1]["body"])
    assert "uri" in content[1] and "data" not in content[1]
    assert "data" in content[2]  # the small one stays inline
    assert "300x200" in first.text
    session.ask(["Again", big], stream=True)
    assert "uri" in user_content(posts(emu)[-1]["body"])[1]
    assert len(uploads_seen(emu)) == 1  # reused by content hash


def test_reuse_stops_near_expiry_and_after_delete(session, emu, tmp_path):
    from gemini_nb import file_api

    path = tmp_path / "a.png"
    path.write_bytes(png())
    one = file_api.upload(path, session=session, progress=False)
    assert file_api.upload(path, session=session, progress=False) is one
    one.expires_at = 0  # expired: upload again
    two = file_api.upload(path, session=session, progress=False)
    assert two.name != one.name
    file_api.delete_file(two.name, session)
    three = file_api.upload(path, session=session, progress=False)
    assert three.name not in (one.name, two.name)
    assert len(uploads_seen(emu)) == 3


def test_stateless_history_resends_the_media(session, emu):
    from PIL import Image

    session.ask(["Look:", Image.new("RGB", (5, 5))], store=False, stream=False)
    session.ask("And now?", store=False, stream=False)
    steps = posts(emu)[-1]["body"]["input"]
    first = steps[0]
    assert first["type"] == "user_input" and first["content"][1]["type"] == "image"


def test_unattachable_values_are_one_line(session, emu):
    with pytest.raises(MediaError, match="cannot attach a dict"):
        session.ask("x", files=[{"a": 1}])
    with pytest.raises(MediaError, match="no such file, URL, Files API name"):
        session.ask("x", files=["nope.png"])
    assert posts(emu) == []


# -- against the emulator: media out ----------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_every_media_option_reaches_the_request(session, emu, stream):
    result = session.ask(
        "Generate an image of a red barn",
        aspect_ratio="16:9",
        image_size="512",
        modalities="text,image",
        stop=["END"],
        seed=7,
        top_p=0.5,
        config=["thinking_level=low", "image_config.output_mime_type=image/png"],
        stream=stream,
    )
    body = posts(emu)[-1]["body"]
    gc = body["generation_config"]
    assert gc["image_config"] == {
        "aspect_ratio": "16:9",
        "image_size": "512",
        "output_mime_type": "image/png",
    }
    assert gc["stop_sequences"] == ["END"] and gc["seed"] == 7 and gc["top_p"] == 0.5
    assert gc["thinking_level"] == "low"
    assert body["response_modalities"] == ["text", "image"]
    assert result.images and result.images[0].size == (688, 384)
    assert "688x384" in result._repr_mimebundle_()[0]["text/markdown"]


@pytest.mark.parametrize("stream", [False, True])
def test_voices_and_speakers(session, emu, stream, tmp_path):
    tts = "gemini-2.5-flash-preview-tts"
    one = session.ask("Say: hello", model=tts, voice="puck", stream=stream, new=True)
    assert posts(emu)[-1]["body"]["generation_config"]["speech_config"] == [{"voice": "Puck"}]
    two = session.ask(
        "TTS the following conversation:\nAlice: Hi Bob.\nBob: Hi Alice.",
        model=tts,
        speakers="Alice=Kore,Bob=Puck",
        stream=stream,
        new=True,
    )
    assert posts(emu)[-1]["body"]["generation_config"]["speech_config"] == [
        {"speaker": "Alice", "voice": "Kore"},
        {"speaker": "Bob", "voice": "Puck"},
    ]
    for result in (one, two):
        clip = result.audio[0]
        clip.save(tmp_path / "x.wav")
        with wave.open(str(tmp_path / "x.wav")) as w:
            assert w.getframerate() == 24000 and w.getnframes() > 1000
        html = result._repr_mimebundle_()[0]["text/markdown"]
        assert "<audio controls" in html and "data:audio/wav;base64" in html


def test_bad_media_options_are_one_line_and_send_nothing(session, emu):
    for kwargs, text in (
        ({"aspect_ratio": "7:3"}, "--aspect-ratio"),
        ({"voice": "Bogus"}, "unknown voice"),
        ({"voice": "Kore", "speakers": "A=Puck"}, "not both"),
        ({"top_p": 3}, "--top-p"),
        ({"config": ["nope=1"]}, "not a generation_config field"),
    ):
        with pytest.raises(OptionError, match=text):
            session.ask("x", **kwargs)
    assert posts(emu) == []


def test_other_create_fields_pass_through_and_typos_are_one_line(session, emu):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    session.ask("Give me a number", response_format=schema, stream=False)
    assert posts(emu)[-1]["body"]["response_format"] == schema
    session.ask("Hi", request={"service_tier": "flex"}, stream=False)
    assert posts(emu)[-1]["body"]["service_tier"] == "flex"
    with pytest.raises(TypeError, match="unknown option 'respons_format'"):
        session.ask("x", respons_format=schema)
    with pytest.raises(OptionError, match="unknown request field 'servce_tier'"):
        session.ask("x", request={"servce_tier": "flex"})
    with pytest.raises(OptionError, match="use model="):
        session.ask("x", request={"model": "m"})


def test_agent_refuses_media_generation_settings(session, emu):
    with pytest.raises(OptionError, match="--seed"):
        session.ask("research", agent="deep-research-pro-preview-12-2025", seed=3)


def test_progress_bar_widget_and_text(capsys):
    from gemini_nb.upload_progress import CountingReader, Progress

    bar = Progress(10, "clip.wav", kind="widget")
    reader = CountingReader(b"0123456789", bar.update)
    assert reader.read(4) == b"0123" and bar._bar.value == 4 and "clip.wav" in bar._text.value
    reader.seek(0)
    assert reader.read() == b"0123456789" and bar._bar.value == 10
    bar.close()
    assert bar._bar.bar_style == "success"
    text = Progress(2048, "x.png", kind="text")
    text.update(1024)
    text.close()
    err = capsys.readouterr().err
    assert "Uploading x.png: 1.0 KB / 2.0 KB (50%)" in err and err.endswith(" done\n")


def test_ipython_video_by_filename(tmp_path):
    from IPython.display import Video

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x20ftypisom" + b"\0" * 64)
    blob = media_in.to_blob(Video(str(clip)))
    assert blob.mime_type == "video/mp4" and blob.kind == "video"


def test_a_local_files_directory_is_a_path_not_a_files_api_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "photo.png").write_bytes(png(3, 3))
    assert media_in.spec_blob("files/photo.png").mime_type == "image/png"
    assert media_in.spec_blob("files/abc-1").file_name == "files/abc-1"


def test_url_errors_never_echo_a_key():
    key = "AIza" + "S" * 35
    with pytest.raises(MediaError) as info:
        media_in.url_blob(f"http://127.0.0.1:1/x.png?key={key}")
    assert key not in str(info.value) and "cannot download it" in str(info.value)


def test_ctrl_c_during_an_upload_is_one_line(session, emu, monkeypatch):
    monkeypatch.setattr(media_in, "INLINE_LIMIT", 10)
    files_api = session.client().files

    def interrupted(**kwargs):
        kwargs["file"].read(10)  # some bytes went out, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(files_api, "upload", interrupted)
    with pytest.raises(GeminiError, match="interrupted \\(Ctrl-C\\); nothing was sent"):
        session.ask(["Look", png()])
    assert posts(emu) == []
