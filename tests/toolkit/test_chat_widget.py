"""The chat panel's Python side, against the emulator: send, stop, the shared chain, threads,
attachments, the comm-message budget of the stream, and the no-front-end fallback."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from datetime import datetime, timezone

import pytest
from shell_helpers import control, run_cell

pytest.importorskip("anywidget")

from gemini_nb.widgets.chat import ChatPanel, chat  # noqa: E402
from gemini_nb.widgets.chat_turn import media_part, with_parts  # noqa: E402
from gemini_nb.widgets.live import MAX_RATE, WidgetLive  # noqa: E402


def posts(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("interactions")]


def until(predicate, what: str, limit: float = 30.0):
    """Poll a condition (not a timing assertion: the limit only ends a hung test)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def png_1x1() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_send_streams_into_the_transcript_and_joins_the_chain(session, emu):
    panel = ChatPanel(session)
    panel.send("My name is Phil", wait=True)
    first = panel.last
    assert first.status == "completed" and "Phil" in first.text
    assert session.chain.head().id == first.id  # the panel's turn is the chain's head
    assert panel.live.messages >= 3  # start (clear), at least one delta, close (clear)
    assert len(panel.transcript.children) == 2  # the question and the rendered answer
    answer = panel.transcript.children[1].outputs[0]["data"]
    assert "Phil" in answer["text/markdown"] and "`emulated`" in answer["text/markdown"]
    follow = session.ask("What is my name?", stream=False)
    assert "Phil" in follow.text and follow.previous_interaction_id == first.id


def test_panel_and_cells_share_the_kernel_chain(ip, emu):
    from gemini_nb import api

    _, _, err = run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    cell_id = ip.user_ns["_"].id
    panel = ChatPanel()  # the kernel's session, as gemini_nb.chat() uses it
    assert panel.session is api.default_session()
    assert "My name is Phil" in panel.transcript_text()  # the cell's turn is shown at once
    panel.send("What is my name?", wait=True)
    assert "Phil" in panel.last.text, panel.errors
    assert posts(emu)[-1]["body"]["previous_interaction_id"] == cell_id
    result, _, err = run_cell(ip, "%%gemini --no-stream\nWhat did I ask you?")
    assert result.success, err
    assert posts(emu)[-1]["body"]["previous_interaction_id"] == panel.last.id
    assert panel.sync() == 1 and "What did I ask you?" in panel.transcript_text()


def test_own_thread_leaves_the_main_chain_alone(session, emu):
    session.ask("My name is Phil", stream=False)
    main_head = session.chain.head().id
    side = ChatPanel(session, thread="side")
    assert side.transcript_text() == ""  # the main thread's turns are not the side thread's
    side.send("What is my name?", wait=True)
    assert "previous_interaction_id" not in posts(emu)[-1]["body"]
    assert session.chain.head().id == main_head
    assert session.chain.head("side").id == side.last.id


def test_controls_become_request_fields(session, emu):
    panel = ChatPanel(session, model="gemini-2.5-flash", thinking="low", tools=["google_search"])
    panel.tools["code_execution"].value = True
    panel.send("What is 2+2?", wait=True)
    body = posts(emu)[-1]["body"]
    assert body["model"] == "gemini-2.5-flash"
    assert body["generation_config"]["thinking_level"] == "low"
    assert [t["type"] for t in body["tools"]] == ["google_search", "code_execution"]
    assert panel.last.status == "completed", panel.errors


def test_bad_controls_are_one_line(session):
    with pytest.raises(ValueError, match="unknown tool 'bing'"):
        ChatPanel(session, tools=["bing"])
    with pytest.raises(ValueError, match="thinking must be one of"):
        ChatPanel(session, thinking="lots")


def test_stop_keeps_the_partial_answer_and_the_head(session, emu):
    session.ask("My name is Phil", stream=False)
    head = session.chain.head().id
    control(emu.base_url, "config", {"tokens_per_second": 40})
    try:
        panel = ChatPanel(session)
        panel.send("Write a long story about a cat named Tom.")
        until(lambda: panel.live is not None and panel.live.text_sent > 0, "some text streamed")
        panel.stop()
        result = panel.wait(30)
    finally:
        control(emu.base_url, "config", {"tokens_per_second": None})
    assert result.status == "interrupted"
    assert result.text  # what had arrived is kept...
    assert "interrupted" in panel.transcript.children[-1].outputs[0]["data"]["text/markdown"]
    assert session.chain.head().id == head  # ...and the chain head did not move
    assert not panel.busy and not panel.send_button.disabled
    from gemini_nb import api

    assert api.last() is result


def test_a_failed_turn_is_one_line_in_the_panel(session, emu):
    panel = ChatPanel(session, model="palm-2")
    panel.send("Hello there", wait=True)
    assert len(panel.errors) == 1 and "palm-2" in panel.errors[0]
    assert "\n" not in panel.errors[0]
    assert "palm-2" in panel.status.value
    assert session.chain.head() is None


def test_busy_and_empty_sends_are_refused_with_a_status_line(session, emu):
    panel = ChatPanel(session)
    assert panel.send("   ") is None and "type a question" in panel.status.value
    control(emu.base_url, "config", {"tokens_per_second": 40})
    try:
        panel.send("Write a long story about a cat named Tom.")
        assert panel.send("And another?") is None and "still being answered" in panel.status.value
        panel.stop()
        panel.wait(30)
    finally:
        control(emu.base_url, "config", {"tokens_per_second": None})
    assert len([r for r in posts(emu)]) == 1


def test_enter_in_the_input_sends(session, emu):
    panel = ChatPanel(session)
    panel.input._received(panel.input, {"type": "submit", "text": "My name is Phil"}, [])
    panel.wait(30)
    assert "Phil" in panel.last.text
    assert panel.input.value == ""


def test_upload_becomes_an_inline_part(session, emu):
    panel = ChatPanel(session)
    image = png_1x1()
    panel.upload.value = (
        {
            "name": "dot.png",
            "type": "image/png",
            "size": len(image),
            "content": memoryview(image),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    panel.send("What is in this image?", wait=True)
    sent = posts(emu)[-1]["body"]["input"]
    if sent[0].get("type") == "user_input":  # the SDK (3.x) wraps content parts in a user step
        sent = sent[0]["content"]
    assert sent[0] == {"type": "text", "text": "What is in this image?"}
    assert sent[1]["type"] == "image" and sent[1]["mime_type"] == "image/png"
    assert base64.b64decode(sent[1]["data"]) == image
    assert panel.last.status == "completed", panel.errors
    assert panel.upload.value == ()  # an attachment goes with one question only
    assert "dot.png" in panel.transcript.children[0].value


def test_an_unusable_upload_sends_nothing(session, emu):
    panel = ChatPanel(session)
    panel.upload.value = (
        {
            "name": "tool.exe",
            "type": "application/x-msdownload",
            "size": 3,
            "content": memoryview(b"MZ\x90"),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert panel.send("Run this") is None
    assert "cannot attach application/x-msdownload" in panel.status.value
    assert posts(emu) == []


def test_parts_join_a_stateless_history_input():
    request = {"input": [{"type": "user_input", "content": [{"type": "text", "text": "hi"}]}]}
    with_parts(request, "hi", [media_part("a.txt", b"hello")])
    content = request["input"][-1]["content"]
    assert [c["type"] for c in content] == ["text", "document"]
    with pytest.raises(ValueError, match="inline limit"):
        media_part("big.png", b"\0" * (20 * 1024 * 1024 + 1))


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeStream:
    """A StreamView stand-in with the assembler's cheap reads."""

    def __init__(self):
        self.text, self.thought = "", ""

    @property
    def text_length(self):
        return len(self.text)

    @property
    def thought_length(self):
        return len(self.thought)

    def text_from(self, start):
        return self.text[start:]

    def thought_from(self, start):
        return self.thought[start:]


def test_stream_sends_at_most_25_comm_messages_a_second_whatever_the_event_rate():
    from gemini_nb.widgets.front import StreamView

    view = StreamView()
    sent = []
    view.comm.send = lambda data=None, metadata=None, buffers=None: sent.append(data)
    clock = FakeClock()
    live = WidgetLive(view, rate=1000, clock=clock)  # asked for far more than the cap
    stream = FakeStream()
    live.start()
    for i in range(20_000):  # 10,000 events a second for 2 seconds
        clock.now = i / 10_000
        if i < 500:
            stream.thought += "t"
        else:
            stream.text += "word "
        live.tick(stream)
    live.close()
    deltas = [m for m in sent if m["content"]["type"] == "delta"]
    assert len(sent) <= 2 * MAX_RATE + 3  # the deltas, plus start and close
    assert len(deltas) >= 2 * MAX_RATE - 2  # and it does update all along
    text = "".join(m["content"]["text"] for m in deltas)
    thought = "".join(m["content"]["thought"] for m in deltas)
    assert stream.text.startswith(text) and len(text) >= len(stream.text) - 5 * 5 * 500
    assert thought == stream.thought  # deltas add up: only new text crosses the wire
    assert sent[-1]["content"] == {"type": "clear"}


def test_chat_outside_a_kernel_says_so_in_one_line(capsys):
    assert chat() is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "needs a Jupyter front end with widgets" in out


def test_chat_command_is_a_command_not_a_reserved_word(ip):
    from gemini_nb import commands

    assert "chat" in commands.COMMANDS and "chat" not in commands.PLANNED
    result, out, err = run_cell(ip, "%gemini chat")
    assert result.success, err
    assert "needs a Jupyter front end" in out  # a plain IPython shell has no widget front end


def test_the_panel_parts_satisfy_the_engine_seams(session):
    from gemini_nb.seams import LiveView, Transport, TurnHost
    from gemini_nb.widgets.chat_turn import PanelHost, Stopper

    assert isinstance(WidgetLive(FakeStream()), LiveView)
    host = PanelHost(session, Stopper())
    assert isinstance(host, TurnHost)
    assert isinstance(host.client(), Transport)
    assert host.chain is session.chain and host.settings is session.settings


def test_panel_turns_are_logged_to_history(session, emu):
    panel = ChatPanel(session)
    panel.send("My name is Phil", wait=True)
    rows = session.history().rows()
    assert rows[-1]["interaction_id"] == panel.last.id and rows[-1]["status"] == "completed"
    assert rows[-1]["prompt"] == "My name is Phil"


def test_chat_in_a_kernel_returns_the_panel_or_one_line(clean_env, emu, monkeypatch, capsys):
    from gemini_nb import api

    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    monkeypatch.setattr(api, "in_kernel", lambda: True)
    panel = chat(thread="side", model="gemini-2.5-flash")
    assert isinstance(panel, ChatPanel) and panel.session is api.default_session()
    assert panel.thread == "side" and panel.model.value == "gemini-2.5-flash"
    monkeypatch.setenv("GEMINI_NB_BACKEND", "ftp://nowhere")
    monkeypatch.setattr(api, "_default", None)
    assert chat() is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "ftp://nowhere" in out[0]


def test_chat_command_checks_its_thread_name(ip):
    result, out, err = run_cell(ip, "%gemini chat side/../x")
    assert not result.success and "optional THREAD name" in err and "Traceback" not in err
