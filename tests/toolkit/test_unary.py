"""A turn's non-streamed create (gemini_nb.unary): the same bytes on the wire and the same
``Interaction`` as the SDK's plain create, its errors and its continuation, with fewer models."""

from __future__ import annotations

import base64

import pytest

from gemini_nb import unary
from gemini_nb.stream import to_plain

MODEL = "gemini-3-flash-preview"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")).decode()

REQUESTS = [
    {"model": MODEL, "input": "Tell me a joke", "store": False},
    {
        "model": MODEL,
        "input": [
            {"text": "What is in this picture?"},
            {"type": "image", "data": PNG, "mime_type": "image/png"},
        ],
        "system_instruction": "Answer in one sentence.",
        "generation_config": {"temperature": 0.2, "thinking_level": "low", "max_output_tokens": 200},
    },
    {
        "model": MODEL,
        "input": "What's the weather in Paris?",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "The weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }
        ],
    },
    {
        "model": MODEL,
        "input": "List three cities with their countries.",
        "response_format": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
            },
        },
        "response_mime_type": "application/json",
    },
]


def _posts(emu) -> list[dict]:
    return [
        r["body"] for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]


def _steady(value):
    if isinstance(value, dict):
        return {
            k: _steady(v)
            for k, v in value.items()
            if k not in ("id", "created", "updated", "continuation_ids")
        }
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


@pytest.mark.parametrize("request_", REQUESTS, ids=["text", "media-list", "tools", "schema"])
def test_the_same_request_and_the_same_interaction_as_the_plain_create(client, emu, request_):
    plain = client.interactions.create(**request_)
    cheap = unary.create(client, request_)
    assert type(cheap) is type(plain) and type(plain).__name__ == "Interaction"  # result.raw unchanged
    sent_plain, sent_cheap = _posts(emu)[-2:]
    assert sent_cheap == sent_plain  # the same body on the wire
    assert _steady(to_plain(cheap)) == _steady(to_plain(plain))
    assert getattr(cheap, "output_text", None) == getattr(plain, "output_text", None)


def test_a_chained_create_continues_the_chain(client, emu):
    first = unary.create(client, {"model": MODEL, "input": "Remember the word teal."})
    second = unary.create(
        client, {"model": MODEL, "input": "Which word?", "previous_interaction_id": first.id}
    )
    assert _posts(emu)[-1]["previous_interaction_id"] == first.id and second.id != first.id


def test_fewer_pydantic_models_per_call(client, emu, monkeypatch):
    from google.genai._gaos.utils import serializers

    built: list[int] = []
    real = serializers.create_model
    monkeypatch.setattr(serializers, "create_model", lambda *a, **k: built.append(1) or real(*a, **k))
    client.interactions.create(**REQUESTS[0])
    plain, built[:] = len(built), []
    unary.create(client, REQUESTS[0])
    assert len(built) < plain and len(built) <= 1  # only the body serializer's


def test_an_error_status_raises_what_the_plain_create_raises(client, emu):
    emu.fault(status=429, times=2, retry_after=3)
    with pytest.raises(Exception) as plain:
        client.interactions.create(**REQUESTS[0])
    with pytest.raises(Exception) as cheap:
        unary.create(client, REQUESTS[0])
    assert type(cheap.value) is type(plain.value) and getattr(cheap.value, "status_code", None) == 429


def test_an_unknown_field_gets_the_sdks_own_error(client, emu):
    with pytest.raises(TypeError, match="unexpected keyword"):
        unary.create(client, {"model": MODEL, "input": "hi", "not_a_field": 1})


class _Raw:
    """A stand-in for ``with_raw_response``: one canned JSON answer per create."""

    def __init__(self, answers):
        self.answers, self.requests = answers, []

    def create(self, **kwargs):
        self.requests.append(kwargs["request"].body)
        data = self.answers[len(self.requests) - 1]
        return type("Response", (), {"json": lambda _self: data})()


def _hop(rid, status, text, usage, token=None):
    return {
        "id": rid,
        "status": status,
        "created": f"2026-01-01T00:00:0{rid[-1]}Z",
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
        "usage": usage,
        **({"continuation_token": token} if token else {}),
    }


def _client(answers):
    raw = _Raw(answers)
    interactions = type("Interactions", (), {"with_raw_response": raw})()
    return type("Client", (), {"interactions": interactions})(), raw


def test_an_answer_cut_at_the_decode_limit_is_continued_and_merged_like_the_sdk():
    client, raw = _client(
        [
            _hop(
                "hop1",
                "requires_continuation",
                "one ",
                {"total_input_tokens": 5, "total_output_tokens": 3},
                "t1",
            ),
            _hop("hop2", "completed", "two", {"total_input_tokens": 7, "total_output_tokens": 2}),
        ]
    )
    merged = unary.create(client, {"model": MODEL, "input": "Say a lot"})
    hop = raw.requests[1]  # a stored chain: the issuing hop is the previous one, the input not resent
    assert (hop.continuation_token, hop.previous_interaction_id, getattr(hop, "input", None)) == (
        "t1",
        "hop1",
        None,
    )
    assert merged.id == "hop2" and merged.status == "completed" and merged.output_text == "one two"
    assert to_plain(merged)["continuation_ids"] == ["hop1", "hop2"]
    usage = to_plain(merged.usage)
    assert (usage["total_input_tokens"], usage["total_output_tokens"], usage["initial_input_tokens"]) == (
        12,
        5,
        5,
    )


def test_a_failed_hop_after_progress_keeps_the_answer_so_far():
    from google.genai import errors

    client, raw = _client(
        [_hop("hop1", "requires_continuation", "one ", {"total_output_tokens": 3}, "t1")]  # no second answer
    )
    with pytest.raises(errors.ContinuationInterruptedError) as caught:
        unary.create(client, {"model": MODEL, "input": "Say a lot", "store": False})
    assert caught.value.continuation_token == "t1" and raw.requests[1].input == "Say a lot"
    assert caught.value.partial_interaction.output_text == "one "


def test_background_runs_are_not_continued_here():
    client, raw = _client([_hop("hop1", "requires_continuation", "one ", {}, "t1")])
    assert unary.create(client, {"model": MODEL, "input": "x", "background": True}).id == "hop1"
    assert len(raw.requests) == 1
