"""The one renderer: markdown + plain text, thoughts, tools, media, footer, badge, live throttle."""

from __future__ import annotations

import base64
import struct

import pytest
from display_sink import RecordingSink

from gemini_nb.render import LiveDisplay, pcm_to_wav, result_bundle
from gemini_nb.render.media import audio_src
from gemini_nb.result import InteractionResult, Usage
from gemini_nb.stream import StreamAssembler

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def _result(**kw):
    steps = [
        {
            "type": "thought",
            "signature": "c2ln",
            "summary": [{"type": "text", "text": "Considering *options*"}],
        },
        {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["weather"]}},
        {"type": "google_search_result", "call_id": "g1", "result": [{"url": "https://x", "title": "X"}]},
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "Here is **the** answer."},
                {"type": "image", "mime_type": "image/png", "data": PNG},
                {
                    "type": "audio",
                    "mime_type": "audio/L16;rate=24000",
                    "data": base64.b64encode(b"\0\1" * 10).decode(),
                },
            ],
        },
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
    ]
    base = dict(
        steps=steps,
        id="v1_abc",
        status="requires_action",
        model="gemini-3-flash-preview",
        usage=Usage(input_tokens=12, output_tokens=40, thought_tokens=5),
        latency=0.25,
        emulated=True,
    )
    base.update(kw)
    return InteractionResult(**base)


def test_markdown_has_everything():
    data, meta = result_bundle(_result())
    md = data["text/markdown"]
    assert "<details><summary>Thoughts</summary>" in md and "Considering *options*" in md
    assert md.index("Thoughts") < md.index("the** answer")
    assert "<details><summary>✓ search: “weather”</summary>" in md and "1. [X](https://x)" in md
    assert '<img src="data:image/png;base64,' in md
    assert '<audio controls src="data:audio/wav;base64,' in md
    assert "<summary>⏸ <code>get_weather(city=Paris)</code> · pending</summary>" in md
    assert "`emulated` · gemini-3-flash-preview · 12 in / 40 out / 5 thought tokens · 0.25 s · v1_abc" in md
    assert meta == {
        "gemini_nb": {
            "interaction_id": "v1_abc",
            "model": "gemini-3-flash-preview",
            "usage": Usage(12, 40, 5).as_dict(),
            "status": "requires_action",
            "emulated": True,
        }
    }


def test_plain_text_is_terminal_friendly():
    plain = result_bundle(_result())[1 - 1]["text/plain"]
    assert "<" not in plain.replace("<image", "").replace("<audio", "")
    assert "[thoughts] Considering *options*" in plain
    assert "Here is **the** answer." in plain and "[image image/png" in plain and "[audio audio/L16" in plain
    assert "[⏸ get_weather(city=Paris) pending]" in plain and '[search: ["weather"]]' in plain
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


def test_live_display_is_throttled_and_ends_empty():
    clock = [0.0]
    sink = RecordingSink()
    live = LiveDisplay(sink, rate=20, emulated=True, clock=lambda: clock[0])
    asm = StreamAssembler()
    live.start()
    asm.feed({"event_type": "step.start", "index": 0, "step": {"type": "thought"}})
    asm.feed(
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "thinking"}},
        }
    )
    asm.feed({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}})
    for i in range(1000):  # 1000 deltas over 1 simulated second
        asm.feed({"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "x"}})
        clock[0] += 0.001
        live.tick(asm)
    live.close()
    updates = [m for m in sink.messages if m[0] == "update"]
    assert 18 <= len(updates) <= 22  # ~20 per second, not 1000
    assert sink.messages[0] == ("display", {"text/plain": ""}) and sink.messages[-1] == (
        "update",
        {"text/plain": ""},
    )
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
    asm.feed(
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "plan"}},
        }
    )
    asm.feed({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}})
    for i in range(100):
        asm.feed({"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": f"{i} "}})
        clock[0] += 0.01
        live.tick(asm)
    live.finish(asm)
    live.close()
    text = "".join(f"{i} " for i in range(100))
    assert out.getvalue() == f"[thinking] plan\n\n{text}\n"


# -- bounded live updates (issue 9) ------------------------------------------------------------
def _long_stream(live, clock, *, deltas, chunk, step):
    """Feed ``deltas`` text deltas of ``chunk`` characters, ``step`` simulated seconds apart."""
    asm = StreamAssembler()
    live.start()
    asm.feed({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})
    for i in range(deltas):
        text = (f"{i:06d} " + "y" * chunk)[: chunk - 1] + ("\n" if i % 10 == 9 else " ")
        asm.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": text}})
        clock[0] += step
        live.tick(asm)
    asm.feed({"event_type": "interaction.completed", "interaction": {"id": "v1_long", "status": "completed"}})
    return asm


def _wire_bytes(data) -> int:
    """A display message's bytes on IOPub: its JSON data plus the message envelope."""
    import json

    from gemini_nb.render.live import ENVELOPE

    return len(json.dumps(data, ensure_ascii=False).encode()) + ENVELOPE


@pytest.mark.parametrize("step", [0.0005, 0.05], ids=["fast-stream", "slow-stream"])
def test_live_bytes_for_a_long_answer_stay_within_3x_of_the_answer(step):
    """20,000 deltas (200 KB): every live update plus the final display < 3x the answer's bytes,
    whatever the pace; updates stay at the throttle's rate."""
    clock = [0.0]
    sink = RecordingSink()
    live = LiveDisplay(sink, rate=20, emulated=True, clock=lambda: clock[0])
    asm = _long_stream(live, clock, deltas=20_000, chunk=10, step=step)
    live.close()
    answer = asm.result(emulated=True)
    final, _ = result_bundle(answer)
    live_bytes = sum(_wire_bytes(data) for _, data in sink.messages)
    assert live_bytes + _wire_bytes(final) <= 3 * len(answer.text.encode())
    updates = [m for m in sink.messages if m[0] == "update"]
    assert len(updates) <= 20 * clock[0] + 2
    assert len(updates) >= min(20 * clock[0], 100) * 0.5  # still a live preview, not a frozen one
    assert sink.messages[-1] == ("update", {"text/plain": ""})


def test_live_updates_in_any_second_are_bounded_by_the_throttle():
    clock = [0.0]
    stamps = []

    class Timed(RecordingSink):
        def update(self, data, display_id):
            stamps.append(clock[0])

    live = LiveDisplay(Timed(), rate=20, clock=lambda: clock[0])
    _long_stream(live, clock, deltas=5_000, chunk=20, step=0.0003)
    assert stamps and max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps) <= 21


def test_the_opening_display_counts_in_the_throttle():
    """Every display message counts, the opening one too: the first update waits an interval."""
    clock = [0.0]
    stamps = []

    class Timed(RecordingSink):
        def display(self, data, display_id):
            stamps.append(("display", clock[0]))

        def update(self, data, display_id):
            stamps.append(("update", clock[0]))

    live = LiveDisplay(Timed(), rate=20, clock=lambda: clock[0])
    asm = StreamAssembler()
    live.start()
    for _ in range(200):  # text from the first millisecond on
        asm.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "x"}})
        clock[0] += 0.001
        live.tick(asm)
    live.close()
    times = [t for _, t in stamps]
    assert stamps[0] == ("display", 0.0) and len(stamps) >= 4
    assert all(later - earlier >= 0.05 for earlier, later in zip(times[:-2], times[1:-1]))


def test_live_preview_shows_a_bounded_tail():
    clock = [0.0]
    sink = RecordingSink()
    live = LiveDisplay(sink, rate=20, tail=2000, clock=lambda: clock[0])
    _long_stream(live, clock, deltas=3_000, chunk=10, step=0.01)
    sizes = [len(data["text/markdown"]) for kind, data in sink.messages if "text/markdown" in data]
    assert sizes and max(sizes) <= 2000 + 300 and sink.messages[-1][1]["text/markdown"].startswith("… ")


def test_failed_turn_keeps_its_partial_on_screen():
    clock = [0.0]
    sink = RecordingSink()
    live = LiveDisplay(sink, rate=20, emulated=True, clock=lambda: clock[0])
    asm = _long_stream(live, clock, deltas=2_000, chunk=10, step=0.01)
    partial = asm.result(status="error", emulated=True)
    partial.error = "The stream failed mid-answer: boom."
    live.close(partial)
    assert sink.messages[-2] == ("update", {"text/plain": ""})  # nbval and nbclient agree...
    kind, data = sink.messages[-1]
    assert kind == "display" and live.shown  # ...on one complete display of the partial
    markdown = data["text/markdown"]
    assert partial.text in markdown and "failed: The stream failed mid-answer" in markdown


def test_one_footer_for_every_surface():
    from gemini_nb.render import echo_epilogue, footer, render_markdown, render_plain

    result = _result()
    assert render_markdown(result).endswith(footer(result))
    assert footer(result).startswith("<sub>`emulated` · ")
    assert render_plain(result).splitlines()[-1] == footer(result, "plain") == echo_epilogue(result)[-1]
    assert echo_epilogue(result)[:-1] == [
        "[1 image(s), 1 audio part(s): see _.images / _.audio]",
        '[search: ["weather"]]',
        "[⏸ get_weather(city=Paris) pending]",
        "[status: requires_action]",
    ]


def test_one_off_results_never_mention_a_chain_head():
    chained = result_bundle(_result(status="interrupted"))[0]["text/markdown"]
    one_off = result_bundle(_result(status="interrupted", keeps_chain=False))[0]["text/markdown"]
    assert "the chain head did not move" in chained and "chain head" not in one_off


def test_sources_are_not_listed_twice_when_the_answer_lists_them():
    """A research report carries its own Sources section: the cited links are not repeated."""
    from gemini_nb.render.trace import citations_markdown, citations_plain

    note = {"type": "url_citation", "url": "https://example.org/a", "title": "A"}
    cited = [
        {"type": "model_output", "content": [{"type": "text", "text": "Claim [1].", "annotations": [note]}]}
    ]
    assert "**Sources**" in citations_markdown(cited) and citations_plain(cited).startswith("Sources:")
    report = [
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "annotations": [note],
                    "text": "Claim [1].\n\n## Sources\n1. https://example.org/a",
                }
            ],
        }
    ]
    assert citations_markdown(report) == "" and citations_plain(report) == ""
