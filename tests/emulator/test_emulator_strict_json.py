"""Bad JSON that Python's parser lets through (NaN, 1e309, lone surrogates, deep nesting) and
wrong-typed fields: always a 400 naming the field, never a 500.
"""

from __future__ import annotations

import json

import httpx
import pytest
from wire_helpers import KEY, MODEL, post_raw, sse_data, sse_events

# -- JSON Python accepts but no encoder can write back -----------------------------------


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_json_is_400_not_500(emu, depth):
    raw = '{"model":"%s","input":%s"x"%s}' % (MODEL, "[" * depth, "]" * depth)
    resp = post_raw(emu, raw)
    assert resp.status_code == 400, resp.text
    assert "nesting" in resp.json()["error"]["message"]


def test_moderate_nesting_is_still_accepted(emu):
    schema = {"type": "string"}
    for _ in range(20):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"]}
    resp = post_raw(emu, json.dumps({"model": MODEL, "input": "nested", "response_format": schema}))
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "fragment",
    [
        '"input":[{"type":"text","text":"x","extra":NaN}]',
        '"input":"x","generation_config":{"temperature":Infinity}',
        '"input":"x","response_format":{"type":"number","minimum":-Infinity}',
        '"input":"x","response_format":{"type":"number","maximum":1e309}',
        '"input":[{"type":"function_call","id":"c","name":"f","arguments":{"v":1e400}},'
        '{"type":"function_result","call_id":"c","result":"ok"}]',
    ],
)
def test_non_finite_numbers_are_400(emu, fragment):
    resp = post_raw(emu, '{"model":"%s",%s}' % (MODEL, fragment))
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("stream", [False, True])
def test_lone_surrogates_are_400(emu, stream):
    raw = '{"model":"%s","input":"\\ud800 hello","stream":%s}' % (MODEL, json.dumps(stream))
    resp = post_raw(emu, raw)
    assert resp.status_code == 400 and "surrogate" in resp.json()["error"]["message"]
    tools = '[{"type":"function","name":"f","description":"\\udc00","parameters":{"type":"object"}}]'
    resp = post_raw(emu, '{"model":"%s","input":"call f","tools":%s}' % (MODEL, tools))
    assert resp.status_code == 400


def test_valid_unicode_round_trips_in_json_and_sse(emu):
    text = "Ünïcödé 日本語 👋 (\\ud83d\\udc4b escaped pair) \u202e rtl"
    raw = json.dumps({"model": MODEL, "input": text + " \ud83d\udc4b"}, ensure_ascii=True)
    resp = post_raw(emu, raw)
    assert resp.status_code == 200
    got = httpx.get(f"{emu.base_url}/v1/interactions/{resp.json()['id']}", headers=KEY).json()
    assert got["steps"][0]["content"][0]["text"] == text + " 👋"
    streamed = post_raw(emu, json.dumps({"model": MODEL, "input": text, "stream": True}))
    assert streamed.status_code == 200 and sse_data(streamed.text)[-1] == "[DONE]"
    sse_events(streamed.text)  # every data line is strict JSON


def test_ten_thousand_content_parts(emu):
    parts = [{"type": "text", "text": f"part {i}"} for i in range(10_000)]
    for stream in (False, True):
        resp = post_raw(emu, json.dumps({"model": MODEL, "input": parts, "stream": stream}))
        assert resp.status_code == 200, resp.text[:300]


@pytest.mark.parametrize(
    "body,field",
    [
        (
            {"input": [{"type": "thought", "summary": 5}, {"type": "user_input", "content": "hi"}]},
            "input[0].summary",
        ),
        (
            {"input": [{"type": "thought", "summary": [7]}, {"type": "user_input", "content": "hi"}]},
            "input[0].summary[0]",
        ),
        (
            {"input": [{"type": "thought", "signature": 12}, {"type": "user_input", "content": "hi"}]},
            "input[0].signature",
        ),
        ({"input": "x", "system_instruction": {"parts": 5}}, "system_instruction"),
    ],
)
def test_malformed_steps_name_the_field(emu, body, field):
    resp = post_raw(emu, json.dumps({"model": MODEL, **body}))
    assert resp.status_code == 400, resp.text
    assert f"'{field}'" in resp.json()["error"]["message"]


def test_strict_loader_unit():
    from gemini_nb.emulator.errors import ApiError
    from gemini_nb.emulator.validate import loads_body

    assert loads_body(b'{"a":[1,2.5,"\\ud83d\\udc4b"]}') == {"a": [1, 2.5, "👋"]}
    for raw in (
        b"NaN",
        b"[Infinity]",
        b"[-Infinity]",
        b"[1e309]",
        b'["\\udfff"]',
        b"[" * 101 + b"]" * 101,
        b'{"k":' * 101 + b"1" + b"}" * 101,
        b"\xff",
    ):
        with pytest.raises(ApiError) as info:
            loads_body(raw)
        assert info.value.code == 400
    assert loads_body(b"[" * 100 + b"]" * 100) is not None
