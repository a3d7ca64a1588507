"""google-genai 2.0.0 (Stainless, steps schema, ``Api-Revision: 2026-05-20``, ``partial_arguments``,
camelCase typed formats) through the real SDK and at the wire level.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess

import pytest
from emu_process import emulator_process
from wire_helpers import KEY, MODEL, post_raw, sse_events

# -- google-genai 2.0.0 on the wire ------------------------------------------------------

SDK2 = {
    **KEY,
    "api-revision": "2026-05-20",
    "accept": "application/json",
    "x-goog-api-client": "google-genai-sdk/2.0.0 gl-python/3.11.7",
    "user-agent": "google-genai-sdk/2.0.0 gl-python/3.11.7",
}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets weather",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


def test_sdk2_wire_steps_schema_and_partial_arguments(emu):
    body = {"input": "Weather in Paris?", "model": MODEL, "tools": [WEATHER], "stream": True}
    resp = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2)
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = sse_events(resp.text)
    assert events[0]["event_type"] == "interaction.created"
    start = next(
        e for e in events if e["event_type"] == "step.start" and e["step"]["type"] == "function_call"
    )
    assert start["step"]["arguments"] == {} and start["step"]["id"] and start["step"]["name"]
    deltas = [
        e["delta"]
        for e in events
        if e["event_type"] == "step.delta" and e["delta"]["type"] == "arguments_delta"
    ]
    assert deltas and all(d["partial_arguments"] == d["arguments"] for d in deltas)
    assert json.loads("".join(d["partial_arguments"] for d in deltas)) == {"location": "Paris"}
    assert events[-1]["interaction"]["status"] == "requires_action"


def test_sdk2_wire_camelcase_typed_formats_and_role_turns(emu):
    body = {
        "input": "Give a person",
        "model": MODEL,
        "response_format": {
            "type": "text",
            "mimeType": "application/json",
            "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        },
    }
    got = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2).json()
    assert "outputs" not in got and "name" in json.loads(got["steps"][-1]["content"][-1]["text"])
    body = {
        "input": "a cat",
        "model": "gemini-3-pro-image-preview",
        "response_format": [
            {"type": "text"},
            {"type": "image", "aspectRatio": "16:9", "mimeType": "image/png"},
        ],
    }
    got = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2).json()
    image = next(
        c for s in got["steps"] if s["type"] == "model_output" for c in s["content"] if c["type"] == "image"
    )
    png = base64.b64decode(image["data"])
    width, height = struct.unpack(">II", png[16:24])
    assert abs(width / height - 16 / 9) < 0.05
    turns = [
        {"role": "user", "content": "My name is Ann"},
        {"role": "model", "content": "Hi Ann"},
        {"role": "user", "content": "What is my name?"},
    ]
    got = post_raw(
        emu, json.dumps({"model": MODEL, "input": turns}), path="/v1beta/interactions", headers=SDK2
    ).json()
    assert "Ann" in got["steps"][-1]["content"][-1]["text"]


def test_api_revision_picks_the_schema():
    from gemini_nb.emulator.dialects import LEGACY, STEPS, choose

    assert choose({"api-revision": "2026-05-20", "x-goog-api-client": "google-genai-sdk/1.55.0"}) == STEPS
    assert choose({"api-revision": "2026-05-07"}) == LEGACY
    assert choose({"x-goog-api-client": "google-genai-sdk/2.0.0 gl-python/3.11"}) == STEPS


SDK2_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from google import genai
assert genai.__version__.startswith("2."), genai.__version__
client = genai.Client(api_key="k", http_options={"base_url": sys.argv[1], "retry_options": {"attempts": 1}})
M = "gemini-3-flash-preview"
out = {}
first = client.interactions.create(model=M, input="My name is Phil")
out["create"] = [first.status, [s.type for s in first.steps], type(first.created).__name__]
second = client.interactions.create(model=M, input="What is my name?", previous_interaction_id=first.id)
out["chain"] = second.steps[-1].content[-1].text
events = list(client.interactions.create(model=M, input="Tell me a story", stream=True))
out["stream"] = [events[0].event_type, events[-1].event_type, all(e.event_id for e in events)]
tools = [{"type": "function", "name": "get_weather", "description": "Gets weather",
          "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}]
args = ""
for e in client.interactions.create(model=M, input="Weather in Paris?", tools=tools, stream=True):
    if e.event_type == "step.delta" and e.delta.type == "arguments_delta":
        args += e.delta.partial_arguments
out["args"] = json.loads(args)
call = client.interactions.create(model=M, input="Weather in Boston?", tools=tools)
fc = [s for s in call.steps if s.type == "function_call"][0]
done = client.interactions.create(model=M, previous_interaction_id=call.id, tools=tools,
    input=[{"type": "function_result", "call_id": fc.id, "name": fc.name, "result": "sunny"}])
out["function"] = [call.status, done.status]
job = client.interactions.create(model=M, input="long task", background=True)
while client.interactions.get(job.id).status in ("queued", "in_progress"):
    time.sleep(0.05)
out["background"] = [job.status, client.interactions.get(job.id).status]
job2 = client.interactions.create(model=M, input="another long task", background=True)
out["cancel"] = client.interactions.cancel(job2.id).status
whole = list(client.interactions.get(second.id, stream=True))
rest = list(client.interactions.get(second.id, stream=True, last_event_id=whole[2].event_id))
out["resume"] = [len(whole) - 3 == len(rest), rest[0].event_id]
out["delete"] = client.interactions.delete(first.id)
try:
    client.interactions.get(first.id)
except Exception as exc:
    out["after_delete"] = type(exc).__name__
print(json.dumps(out))
"""


def test_google_genai_2_0_sdk_end_to_end():
    py = os.environ.get("GEMINI_NB_SDK2_PYTHON")
    if not py or not shutil.which(py):
        if os.environ.get("CI"):
            pytest.fail("CI must provide GEMINI_NB_SDK2_PYTHON (google-genai 2.0.0 venv; .ci/run builds it)")
        pytest.skip(
            "set GEMINI_NB_SDK2_PYTHON to a python with google-genai==2.0.0 "
            "(the wire-level tests above cover its protocol)"
        )
    with emulator_process("--background-ms", "150") as (_, url):
        proc = subprocess.run([py, "-c", SDK2_SCRIPT, url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["create"] == ["completed", ["thought", "model_output"], "datetime"]
    assert out["chain"] == "Your name is Phil."
    assert out["stream"] == ["interaction.created", "interaction.completed", True]
    assert out["args"] == {"location": "Paris"}
    assert out["function"] == ["requires_action", "completed"]
    assert out["background"] == ["in_progress", "completed"]
    assert out["cancel"] == "cancelled"
    assert out["resume"] == [True, "evt_4"]
    assert out["delete"] == {} and out["after_delete"] == "NotFoundError"
