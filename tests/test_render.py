"""The one renderer: markdown + plain text, thoughts, tools, media, footer, badge, live throttle."""
from __future__ import annotations

import base64
import struct

from gemini_nb.render import LiveDisplay, pcm_to_wav, result_bundle
from gemini_nb.render.media import audio_src
from gemini_nb.result import InteractionResult, Usage
from gemini_nb.stream import StreamAssembler

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def _result(**kw):
    steps = [
        {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "Considering *options*"}]},
        {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["weather"]}},
        {"type": "google_search_result", "call_id": "g1", "result": [{"url": "https://x", "title": "X"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Here is **the** answer."},
                                             {"type": "image", "mime_type": "image/png", "data": PNG},
                                             {"type": "audio", "mime_type": "audio/L16;rate=24000",
                                              "data": base64.b64encode(b"\0\1" * 10).decode()}]},
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
    ]
    base = dict(steps=steps, id="v1_abc", status="requires_action", model="gemini-3-flash-preview",
                usage=Usage(input_tokens=12, output_tokens=40, thought_tokens=5), latency=0.25, emulated=True)
    base.update(kw)
    return InteractionResult(**base)


def test_markdown_has_everything():
    data, meta = result_bundle(_result())
    md = data["text/markdown"]
    assert "<details><summary>Thoughts</summary>" in md and "Considering *options*" in md
    assert md.index("Thoughts") < md.index("the** answer")
    assert "tool: google_search_call" in md and "tool: google_search_result" in md
    assert '<img src="data:image/png;base64,' in md
    assert '<audio controls src="data:audio/wav;base64,' in md
    assert "**→ call** `get_weather({\"city\": \"Paris\"})`" in md
    assert "`emulated` · gemini-3-flash-preview · 12 in / 40 out / 5 thought tokens · 0.25 s · v1_abc" in md
    assert meta == {"gemini_nb": {"interaction_id": "v1_abc", "model": "gemini-3-flash-preview",
                                  "usage": Usage(12, 40, 5).as_dict(), "status": "requires_action",
                                  "emulated": True}}


def test_plain_text_is_terminal_friendly():
    plain = result_bundle(_result())[1 - 1]["text/plain"]
    assert "<" not in plain.replace("<image", "").replace("<audio", "")
    assert "[thoughts] Considering *options*" in plain
    assert "Here is **the** answer." in plain and "[image image/png" in plain and "[audio audio/L16" in plain
    assert "→ call get_weather" in plain and "[tool google_search_call]" in plain
    assert plain.splitlines()[-1].startswith("— [emulated] gemini-3-flash-preview")


def test_no_badge_when_live_and_thoughts_hidden():
    data, _ = result_bundle(_result(emulated=False, show_thoughts=False))
    assert "emulated" not in data["text/markdown"] and "Thoughts" not in data["text/markdown"]
    assert "[emulated]" not in data["text/plain"]


def test_partial_and_truncation_notes():
    r = _result(status="interrupted", max_chars=5)
    md = result_bundle(r)[0]["text/markdown"]
    assert "interrupted: partial answer kept" in md and "truncated" in md and "Here " in md
    r = _result(status="error", error="The stream failed mid-answer")
    assert "failed: The stream failed mid-answer" in result_bundle(r)[0]["text/markdown"]


def test_raw_mode():
    data, _ = result_bundle(_result(render_mode="raw"))
    assert data == {"text/plain": "Here is **the** answer."}


def test_pcm_becomes_a_playable_wav():
    pcm = b"\x01\x00" * 24
    wav = pcm_to_wav(pcm, 24000)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and wav.endswith(pcm)
    channels, rate = struct.unpack("<HI", wav[22:28])
    assert (channels, rate) == (1, 24000) and struct.unpack("<H", wav[34:36])[0] == 16
    assert audio_src("audio/L16;codec=pcm;rate=16000", pcm)[1][24:28] == struct.pack("<I", 16000)
    assert audio_src("audio/mp3", b"ID3") == ("audio/mp3", b"ID3")


def test_media_objects_render_alone():
    r = _result()
    image_bundle = r.images[0]._repr_mimebundle_()
    assert image_bundle["image/png"] == PNG
    assert "audio/wav" in r.audio[0]._repr_mimebundle_()["text/html"]


class Sink:
    def __init__(self):
        self.messages = []

    def display(self, data, display_id):
        self.messages.append(("display", data))

    def update(self, data, display_id):
        self.messages.append(("update", data))


def test_live_display_is_throttled_and_ends_empty():
    clock = [0.0]
    sink = Sink()
    live = LiveDisplay(sink, rate=20, emulated=True, clock=lambda: clock[0])
    asm = StreamAssembler()
    live.start()
    asm.feed({"event_type": "step.start", "index": 0, "step": {"type": "thought"}})
    asm.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "thought_summary", "content": {"type": "text", "text": "thinking"}}})
    asm.feed({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}})
    for i in range(1000):  # 1000 deltas over 1 simulated second
        asm.feed({"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "x"}})
        clock[0] += 0.001
        live.tick(asm)
    live.close()
    updates = [m for m in sink.messages if m[0] == "update"]
    assert 18 <= len(updates) <= 22  # ~20 per second, not 1000
    assert sink.messages[0] == ("display", {"text/plain": ""}) and sink.messages[-1] == ("update", {"text/plain": ""})
    middle = updates[5][1]["text/markdown"]
    assert "<details open><summary>Thoughts</summary>" in middle and "`emulated`" in middle


def test_terminal_live_writes_each_character_once():
    import io

    from gemini_nb.render.live import TerminalLive

    out = io.StringIO()
    clock = [0.0]
    live = TerminalLive(out, rate=10, clock=lambda: clock[0])
    asm = StreamAssembler()
    asm.feed({"event_type": "step.start", "index": 0, "step": {"type": "thought"}})
    asm.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "thought_summary", "content": {"type": "text", "text": "plan"}}})
    asm.feed({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}})
    for i in range(100):
        asm.feed({"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": f"{i} "}})
        clock[0] += 0.01
        live.tick(asm)
    live.finish(asm)
    live.close()
    text = "".join(f"{i} " for i in range(100))
    assert out.getvalue() == f"[thinking] plan\n\n{text}\n"
