"""Stream normalization: SDK events (steps schema, legacy names, unknown variants) -> steps."""

from __future__ import annotations

import base64
import json

import pytest

from gemini_nb.stream import StreamAssembler, StreamError, result_from_interaction


def _sdk(events):
    """Parse wire dicts the way google-genai 3.x does, to feed real SDK objects."""
    from google.genai._gaos.types.interactions.interactionsseevent import (
        InteractionSSEEvent,
    )
    from pydantic import TypeAdapter

    adapter = TypeAdapter(InteractionSSEEvent)
    return [adapter.validate_python(e) for e in events]


THOUGHT_AND_TEXT = [
    {
        "event_type": "interaction.created",
        "interaction": {"id": "v1_a", "status": "in_progress", "model": "m"},
    },
    {"event_type": "interaction.status_update", "interaction_id": "v1_a", "status": "in_progress"},
    {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
    {
        "event_type": "step.delta",
        "index": 0,
        "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Plan A"}},
    },
    {
        "event_type": "step.delta",
        "index": 0,
        "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Plan B"}},
    },
    {"event_type": "step.delta", "index": 0, "delta": {"type": "thought_signature", "signature": "c2ln"}},
    {"event_type": "step.stop", "index": 0},
    {
        "event_type": "step.start",
        "index": 1,
        "step": {"type": "model_output", "content": [{"type": "text", "text": "Based"}]},
    },
    {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": " on"}},
    {
        "event_type": "step.delta",
        "index": 1,
        "delta": {"type": "image", "mime_type": "image/png", "data": "aGk="},
    },
    {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": " more"}},
    {"event_type": "step.stop", "index": 1},
    {
        "event_type": "step.start",
        "index": 2,
        "step": {"type": "function_call", "id": "k1", "name": "get_weather", "arguments": {}},
    },
    {
        "event_type": "step.delta",
        "index": 2,
        "delta": {"type": "arguments_delta", "arguments": '{"location":'},
    },
    {"event_type": "step.delta", "index": 2, "delta": {"type": "arguments_delta", "arguments": '"Paris"}'}},
    {"event_type": "step.stop", "index": 2},
    {
        "event_type": "interaction.completed",
        "interaction": {
            "id": "v1_a",
            "status": "requires_action",
            "usage": {"total_input_tokens": 3, "total_output_tokens": 4, "total_thought_tokens": 5},
        },
    },
]


@pytest.mark.parametrize("convert", [list, _sdk], ids=["dicts", "sdk-objects"])
def test_thought_text_image_and_function_call(convert):
    asm = StreamAssembler()
    for event in convert(THOUGHT_AND_TEXT):
        asm.feed(event)
    assert asm.completed and asm.thought_text == "Plan A\n\nPlan B"
    result = asm.result()
    assert result.id == "v1_a" and result.status == "requires_action" and result.model == "m"
    assert result.text == "Based on more"
    assert result.thoughts == ["Plan A\n\nPlan B"] and result.thought_signatures == ["c2ln"]
    assert result.calls == [{"id": "k1", "name": "get_weather", "arguments": {"location": "Paris"}}]
    assert result.images[0].data == b"hi" and result.images[0].mime_type == "image/png"
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.thought_tokens) == (3, 4, 5)
    kinds = [s["type"] for s in result.steps]
    assert kinds == ["thought", "model_output", "function_call"]
    json.dumps(result.steps)  # plain, resendable as stateless history


def test_legacy_event_names_are_tolerated():
    events = [
        {"event_type": "interaction.start", "interaction": {"id": "v1_l", "status": "in_progress"}},
        {"event_type": "content.start", "index": 0, "content": {"type": "thought"}},
        {
            "event_type": "content.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "hmm"}},
        },
        {"event_type": "content.stop", "index": 0},
        {"event_type": "content.start", "index": 1, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "Hel"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "lo"}},
        {"event_type": "content.stop", "index": 1},
        {"event_type": "content.start", "index": 2, "content": {"type": "function_call"}},
        {
            "event_type": "content.delta",
            "index": 2,
            "delta": {"type": "function_call", "id": "c", "name": "f", "arguments": {"a": 1}},
        },
        {"event_type": "content.stop", "index": 2},
        {
            "event_type": "interaction.complete",
            "interaction": {"id": "v1_l", "status": "completed", "usage": {"total_reasoning_tokens": 9}},
        },
    ]
    for convert in (list, _sdk):  # 3.x surfaces them as UnknownInteractionSSEEvent
        asm = StreamAssembler()
        for event in convert(events):
            asm.feed(event)
        result = asm.result()
        assert result.text == "Hello" and result.thoughts == ["hmm"] and asm.completed
        assert result.calls == [{"id": "c", "name": "f", "arguments": {"a": 1}}]
        assert result.usage.thought_tokens == 9


def test_error_event_raises_after_keeping_partial():
    asm = StreamAssembler()
    events = THOUGHT_AND_TEXT[:9] + [
        {"event_type": "error", "error": {"code": "gateway_timeout", "message": "Deadline"}}
    ]
    with pytest.raises(StreamError) as info:
        for event in _sdk(events):
            asm.feed(event)
    assert info.value.code == "gateway_timeout" and "Deadline" in info.value.message
    partial = asm.result(status="error")
    assert partial.text == "Based on" and partial.partial


def test_unknown_events_and_fragments_are_skipped():
    asm = StreamAssembler()
    assert asm.feed({"event_type": "something.new", "x": 1}) == ""
    assert asm.feed("partial fragment") == ""
    asm.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "orphan"}})
    assert asm.text == "orphan" and not asm.completed
    assert asm.result().status == "interrupted"


def test_continuation_hops_do_not_collide_on_index():
    hop = lambda iid, status, text: [
        {"event_type": "interaction.created", "interaction": {"id": iid, "status": "in_progress"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": text}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {"id": iid, "status": status}},
    ]
    asm = StreamAssembler()
    for event in hop("v1_1", "requires_continuation", "one ") + hop("v1_2", "completed", "two"):
        asm.feed(event)
    assert asm.text == "one two" and asm.id == "v1_2" and asm.completed


def test_streamed_audio_chunks_are_joined():
    pcm = bytes(range(200))
    chunks = [base64.b64encode(pcm[:100]).decode(), base64.b64encode(pcm[100:]).decode()]
    asm = StreamAssembler()
    asm.feed({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})
    for c in chunks:
        asm.feed(
            {
                "event_type": "step.delta",
                "index": 0,
                "delta": {"type": "audio", "mime_type": "audio/L16;rate=24000", "data": c},
            }
        )
    asm.feed({"event_type": "interaction.completed", "interaction": {"id": "v", "status": "completed"}})
    audio = asm.result().audio
    assert len(audio) == 1 and audio[0].data == pcm


def test_non_streamed_interaction_and_legacy_outputs():
    from google.genai._gaos.types.interactions.interaction import Interaction

    inter = Interaction.model_validate(
        {
            "id": "v1_x",
            "status": "completed",
            "model": "m",
            "steps": [
                {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
                {"type": "thought", "signature": "s", "summary": [{"type": "text", "text": "T"}]},
                {
                    "type": "model_output",
                    "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}],
                },
                {"type": "google_search_call", "id": "g", "arguments": {"queries": ["x"]}},
            ],
            "usage": {"total_input_tokens": 7},
        }
    )
    result = result_from_interaction(inter)
    assert result.text == "Hello there" and result.thoughts == ["T"] and result.raw is inter
    assert [s["type"] for s in result.tool_steps] == ["google_search_call"]
    legacy = result_from_interaction(
        {
            "id": "v1_y",
            "status": "completed",
            "outputs": [
                {"type": "thought", "signature": "c2ln"},
                {"type": "text", "text": "a"},
                {"type": "text", "text": "b"},
            ],
        }
    )
    assert legacy.text == "ab" and legacy.thought_signatures == ["c2ln"]


# -- linear reads (issue 9) -------------------------------------------------------------------
@pytest.mark.parametrize("convert", [list, _sdk], ids=["dicts", "sdk-objects"])
def test_cheap_reads_match_the_full_text(convert):
    asm = StreamAssembler()
    asm.feed(convert(THOUGHT_AND_TEXT[:1])[0])
    events = [{"event_type": "step.start", "index": 0, "step": {"type": "model_output"}}]
    events += [
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": f"{i},"}}
        for i in range(500)
    ]
    for event in convert(events):
        asm.feed(event)
    full = "".join(f"{i}," for i in range(500))
    assert asm.text_length == len(full)
    for n in (0, 1, 7, 100, len(full), len(full) + 5):
        assert asm.text_tail(n) == (full[-n:] if n else "")
    for start in (0, 10, len(full) - 3, len(full)):
        assert asm.text_from(start) == full[start:]
    assert asm.text == full and asm.text_joins == 1
    assert asm.text == full and asm.text_joins == 1  # cached until more text arrives
    asm.feed(convert([events[1]])[0])
    assert asm.text_tail(4) == "9,0," and asm.text_joins == 1  # a tail never joins everything
    assert asm.text == full + "0," and asm.text_joins == 2


def test_text_for_an_earlier_step_after_a_later_one_still_reads_in_step_order():
    asm = StreamAssembler()
    for event in [
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "first "}},
        {
            "event_type": "step.start",
            "index": 1,
            "step": {"type": "model_output", "content": [{"type": "text", "text": "third"}]},
        },
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "second "}},
    ]:
        asm.feed(event)
    assert asm.text == "first second third" == asm.result().text
    assert asm.text_tail(5) == "third" and asm.text_from(6) == "second third"


def test_thought_reads_and_last_event_id():
    asm = StreamAssembler()
    events = [dict(e, event_id=f"evt_{i + 1}") for i, e in enumerate(THOUGHT_AND_TEXT)]
    for event in _sdk(events[:6]):
        asm.feed(event)
    assert asm.thought_text == "Plan A\n\nPlan B" and asm.thought_length == 14
    assert asm.thought_tail(6) == "Plan B" and asm.thought_from(8) == "Plan B"
    assert asm.last_event_id == "evt_6"
    for event in events[6:]:
        asm.feed(event)
    assert asm.last_event_id == f"evt_{len(events)}"
