"""Regression tests from the protocol/robustness audit of the emulator.

Bad JSON that Python's parser lets through (NaN, 1e309, lone surrogates, deep nesting),
streams whose interaction is deleted or reset, cross-schema streams of running
interactions, keep-alives, control-plane settings, concurrency, and google-genai 2.0.0
(Stainless, steps schema, ``Api-Revision: 2026-05-20``, ``partial_arguments``, camelCase
typed formats) both through the real SDK (when available) and at the wire level.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest

from conftest import make_client
from emu_process import emulator_process

MODEL = "gemini-3-flash-preview"
KEY = {"x-goog-api-key": "k"}


def post_raw(emu, raw: str | bytes, path: str = "/v1/interactions", headers=None) -> httpx.Response:
    with httpx.Client(base_url=emu.base_url, timeout=30) as http:
        return http.post(path, content=raw, headers={**KEY, "content-type": "application/json",
                                                     **(headers or {})})


def sse_data(text: str) -> list[str]:
    return [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]


def sse_events(text: str) -> list[dict]:
    return [json.loads(d) for d in sse_data(text) if d != "[DONE]"]


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


@pytest.mark.parametrize("fragment", [
    '"input":[{"type":"text","text":"x","extra":NaN}]',
    '"input":"x","generation_config":{"temperature":Infinity}',
    '"input":"x","response_format":{"type":"number","minimum":-Infinity}',
    '"input":"x","response_format":{"type":"number","maximum":1e309}',
    '"input":[{"type":"function_call","id":"c","name":"f","arguments":{"v":1e400}},'
    '{"type":"function_result","call_id":"c","result":"ok"}]',
])
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


@pytest.mark.parametrize("body,field", [
    ({"input": [{"type": "thought", "summary": 5}, {"type": "user_input", "content": "hi"}]},
     "input[0].summary"),
    ({"input": [{"type": "thought", "summary": [7]}, {"type": "user_input", "content": "hi"}]},
     "input[0].summary[0]"),
    ({"input": [{"type": "thought", "signature": 12}, {"type": "user_input", "content": "hi"}]},
     "input[0].signature"),
    ({"input": "x", "system_instruction": {"parts": 5}}, "system_instruction"),
])
def test_malformed_steps_name_the_field(emu, body, field):
    resp = post_raw(emu, json.dumps({"model": MODEL, **body}))
    assert resp.status_code == 400, resp.text
    assert f"'{field}'" in resp.json()["error"]["message"]


def test_strict_loader_unit():
    from gemini_nb.emulator.errors import ApiError
    from gemini_nb.emulator.validate import loads_body

    assert loads_body(b'{"a":[1,2.5,"\\ud83d\\udc4b"]}') == {"a": [1, 2.5, "👋"]}
    for raw in (b"NaN", b"[Infinity]", b"[-Infinity]", b"[1e309]", b'["\\udfff"]',
                b"[" * 101 + b"]" * 101, b'{"k":' * 101 + b"1" + b"}" * 101, b"\xff"):
        with pytest.raises(ApiError) as info:
            loads_body(raw)
        assert info.value.code == 400
    assert loads_body(b"[" * 100 + b"]" * 100) is not None


# -- runs that end under their subscribers ------------------------------------------------

async def _read_stream(http: httpx.AsyncClient, method: str, url: str, gone_ok: bool = False,
                       **kw) -> str | None:
    async with http.stream(method, url, **kw) as resp:
        if gone_ok and resp.status_code == 404:  # deleted before this GET arrived
            return None
        assert resp.status_code == 200
        return (await resp.aread()).decode()


def test_deleting_a_running_interaction_ends_its_streams(emu):
    emu.configure(tokens_per_second=100.0)

    async def main():
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30) as http:
            owner = asyncio.create_task(_read_stream(
                http, "POST", "/v1/interactions",
                json={"model": MODEL, "input": "Tell me a long story about dragons", "stream": True}))
            for _ in range(100):
                if emu.emulator.runs:
                    break
                await asyncio.sleep(0.02)
            rid = next(iter(emu.emulator.runs))
            watcher = asyncio.create_task(_read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true"))
            await asyncio.sleep(0.2)
            assert (await http.delete(f"/v1/interactions/{rid}")).json() == {}
            texts = await asyncio.wait_for(asyncio.gather(owner, watcher), 10)
            assert (await http.get(f"/v1/interactions/{rid}")).status_code == 404
            return texts

    for text in asyncio.run(main()):
        events = sse_events(text)
        assert events[-1]["event_type"] == "error"
        assert events[-1]["error"]["code"] == "not_found" and events[-1]["event_id"]
        assert "[DONE]" not in sse_data(text)
    assert len(emu.emulator.runs) == 0


def test_reset_ends_streams_of_background_runs(emu):
    emu.configure(background_ms=5000)
    client = make_client(emu.base_url)
    job = client.interactions.create(model=MODEL, input="long job", background=True)
    seen: list = []

    def follow():
        for event in client.interactions.get(job.id, stream=True):
            seen.append(event.event_type)

    thread = threading.Thread(target=follow)
    thread.start()
    time.sleep(0.3)
    emu.reset()
    thread.join(10)
    assert not thread.is_alive(), "stream hung after reset"
    assert seen and seen[-1] == "error"


def test_3x_sdk_tolerates_keepalives_on_a_background_stream(emu):
    emu.configure(background_ms=300, latency_ms=600.0)  # a long silence before the first event
    emu.emulator.config.keepalive_s = 0.1
    try:
        client = make_client(emu.base_url)
        job = client.interactions.create(model=MODEL, input="slow job", background=True)
        with httpx.stream("GET", f"{emu.base_url}/v1/interactions/{job.id}?stream=true",
                          headers=KEY) as resp:
            raw = resp.read().decode()
        assert ": keep-alive" in raw
        for block in raw.split("\n\n"):  # every block is a comment or has a data line
            lines = [line for line in block.splitlines() if line]
            assert not lines or lines[0].startswith(":") or any(l.startswith("data: ") for l in lines)
        job2 = client.interactions.create(model=MODEL, input="slow job 2", background=True)
        events = list(client.interactions.get(job2.id, stream=True))
        assert events[-1].event_type == "interaction.completed"
        assert all(not isinstance(e, str) and "Unknown" not in type(e).__name__ for e in events)
    finally:
        emu.emulator.config.keepalive_s = 15.0


def test_other_schema_stream_of_a_running_interaction_keeps_alive(emu):
    """A legacy client streaming a steps-created running interaction gets keep-alives at once
    (not a silent wait for the end), then the whole translated stream."""
    emu.configure(background_ms=1000)
    emu.emulator.config.keepalive_s = 0.1
    try:
        client = make_client(emu.base_url)
        job = client.interactions.create(model=MODEL, input="job", background=True)
        legacy = {**KEY, "x-emulator-schema": "legacy"}
        started = time.monotonic()
        with httpx.stream("GET", f"{emu.base_url}/v1beta/interactions/{job.id}?stream=true",
                          headers=legacy, timeout=10) as resp:
            assert resp.status_code == 200
            chunks = resp.iter_raw()
            first = next(chunks)
            assert time.monotonic() - started < 0.6
            raw = (first + b"".join(chunks)).decode()
        assert first.startswith(b": keep-alive")
        kinds = [e["event_type"] for e in sse_events(raw)]
        assert kinds[0] == "interaction.start" and kinds[-1] == "interaction.complete"
        assert sse_data(raw)[-1] == "[DONE]"
        # resuming in the other schema validates the id against the translated events
        job2 = client.interactions.create(model=MODEL, input="j2", background=True)
        bad = httpx.get(f"{emu.base_url}/v1beta/interactions/{job2.id}?stream=true&last_event_id=nope",
                        headers=legacy)
        assert bad.status_code == 400
        resumed = httpx.get(f"{emu.base_url}/v1beta/interactions/{job2.id}?stream=true"
                            "&last_event_id=evt_3", headers=legacy, timeout=10)
        assert sse_events(resumed.text)[0]["event_id"] == "evt_4"
    finally:
        emu.emulator.config.keepalive_s = 15.0


def test_injected_stream_error_carries_an_event_id(emu):
    emu.add_fault(path="interactions$", error_after_events=3)
    resp = post_raw(emu, json.dumps({"model": MODEL, "input": "hi", "stream": True}))
    events = sse_events(resp.text)
    assert events[-1]["event_type"] == "error"
    assert all(e.get("event_id") for e in events)
    assert events[-1]["event_id"] == "evt_4"


def test_concurrent_streams_polls_cancels_and_deletes(emu):
    emu.configure(tokens_per_second=400.0, background_ms=300)

    async def one(http: httpx.AsyncClient, i: int):
        kind = i % 4
        if kind == 0:
            text = await _read_stream(http, "POST", "/v1/interactions",
                                      json={"model": MODEL, "input": f"story {i}", "stream": True})
            assert sse_data(text)[-1] == "[DONE]"
            return
        resp = await http.post("/v1/interactions", json={"model": MODEL, "input": f"bg {i}",
                                                         "background": True})
        assert resp.status_code == 200, resp.text
        rid = resp.json()["id"]
        if kind == 1:
            while True:
                got = await http.get(f"/v1/interactions/{rid}")
                assert got.status_code == 200, got.text
                if got.json()["status"] not in ("queued", "in_progress"):
                    return
                await asyncio.sleep(0.02)
        follower = asyncio.create_task(_read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true",
                                                    gone_ok=kind == 3))
        await asyncio.sleep(0.05)
        if kind == 2:
            resp = await http.post(f"/v1/interactions/{rid}/cancel")
            assert resp.status_code in (200, 400), resp.text
        else:
            resp = await http.delete(f"/v1/interactions/{rid}")
            assert resp.status_code == 200 and resp.json() == {}
        text = await follower
        if text is not None:
            assert sse_events(text)[-1]["event_type"] in ("interaction.completed", "error")

    async def main():
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30,
                                     limits=limits) as http:
            await asyncio.wait_for(asyncio.gather(*[one(http, i) for i in range(200)]), 60)

    asyncio.run(main())
    deadline = time.monotonic() + 5
    while emu.emulator.runs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(emu.emulator.runs) == 0


# -- control plane ---------------------------------------------------------------------

@pytest.mark.parametrize("path,body", [
    ("/_emulator/config", {"latency_ms": "abc"}),
    ("/_emulator/config", {"tokens_per_second": -5}),
    ("/_emulator/config", {"keepalive_s": 0}),
    ("/_emulator/config", {"schema": "nope"}),
    ("/_emulator/config", {"background_ms": True}),
    ("/_emulator/faults", {"latency_ms": "x"}),
    ("/_emulator/faults", {"status": 429, "retry_after": "soon"}),
    ("/_emulator/faults", {"status": True}),
    ("/_emulator/seed", {"seed": True}),
])
def test_bad_control_settings_are_refused_and_do_not_break_the_api(emu, path, body):
    resp = httpx.post(emu.base_url + path, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"
    ok = post_raw(emu, json.dumps({"model": MODEL, "input": "still fine?"}))
    assert ok.status_code == 200, ok.text


def test_options_gets_the_google_error_envelope(emu):
    resp = httpx.request("OPTIONS", emu.base_url + "/v1/interactions", headers=KEY)
    assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND"


# -- google-genai 2.0.0 on the wire ------------------------------------------------------

SDK2 = {**KEY, "api-revision": "2026-05-20", "accept": "application/json",
        "x-goog-api-client": "google-genai-sdk/2.0.0 gl-python/3.11.7",
        "user-agent": "google-genai-sdk/2.0.0 gl-python/3.11.7"}
WEATHER = {"type": "function", "name": "get_weather", "description": "Gets weather",
           "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                          "required": ["location"]}}


def test_sdk2_wire_steps_schema_and_partial_arguments(emu):
    body = {"input": "Weather in Paris?", "model": MODEL, "tools": [WEATHER], "stream": True}
    resp = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2)
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = sse_events(resp.text)
    assert events[0]["event_type"] == "interaction.created"
    start = next(e for e in events if e["event_type"] == "step.start"
                 and e["step"]["type"] == "function_call")
    assert start["step"]["arguments"] == {} and start["step"]["id"] and start["step"]["name"]
    deltas = [e["delta"] for e in events if e["event_type"] == "step.delta"
              and e["delta"]["type"] == "arguments_delta"]
    assert deltas and all(d["partial_arguments"] == d["arguments"] for d in deltas)
    assert json.loads("".join(d["partial_arguments"] for d in deltas)) == {"location": "Paris"}
    assert events[-1]["interaction"]["status"] == "requires_action"


def test_sdk2_wire_camelcase_typed_formats_and_role_turns(emu):
    body = {"input": "Give a person", "model": MODEL,
            "response_format": {"type": "text", "mimeType": "application/json",
                                "schema": {"type": "object", "properties": {"name": {"type": "string"}},
                                           "required": ["name"]}}}
    got = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2).json()
    assert "outputs" not in got and "name" in json.loads(got["steps"][-1]["content"][-1]["text"])
    body = {"input": "a cat", "model": "gemini-3-pro-image-preview",
            "response_format": [{"type": "text"}, {"type": "image", "aspectRatio": "16:9",
                                                   "mimeType": "image/png"}]}
    got = post_raw(emu, json.dumps(body), path="/v1beta/interactions", headers=SDK2).json()
    image = next(c for s in got["steps"] if s["type"] == "model_output" for c in s["content"]
                 if c["type"] == "image")
    png = base64.b64decode(image["data"])
    width, height = struct.unpack(">II", png[16:24])
    assert abs(width / height - 16 / 9) < 0.05
    turns = [{"role": "user", "content": "My name is Ann"}, {"role": "model", "content": "Hi Ann"},
             {"role": "user", "content": "What is my name?"}]
    got = post_raw(emu, json.dumps({"model": MODEL, "input": turns}), path="/v1beta/interactions",
                   headers=SDK2).json()
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
        pytest.skip("set GEMINI_NB_SDK2_PYTHON to a python with google-genai==2.0.0 "
                    "(the wire-level tests above cover its protocol)")
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


# -- both generations on one running emulator ----------------------------------------------

CROSS_LEGACY = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from google import genai
client = genai.Client(api_key="k", http_options={"base_url": sys.argv[1]})
steps_id = sys.argv[2]
events = list(client.interactions.get(steps_id, stream=True))
got = client.interactions.get(steps_id)
job = client.interactions.create(model="gemini-3-flash-preview", input="legacy job", background=True)
print(json.dumps({"types": [type(e).__name__ for e in events], "last": events[-1].event_type,
                  "outputs": [o.type for o in got.outputs], "job": job.id}))
"""


def test_legacy_and_steps_clients_stream_each_others_running_interactions(legacy_py):
    with emulator_process("--background-ms", "1500") as (_, url):
        httpx.post(url + "/_emulator/config", json={"keepalive_s": 0.2})
        client = make_client(url)
        job = client.interactions.create(model=MODEL, input="steps job", background=True)
        proc = subprocess.run([legacy_py, "-c", CROSS_LEGACY, url, job.id], capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["types"][0] == "InteractionEvent" and out["last"] == "interaction.complete"
        assert {"ContentStart", "ContentDelta", "ContentStop"} <= set(out["types"])
        assert out["outputs"][-1] == "text"
        events = list(client.interactions.get(out["job"], stream=True))
        assert events[0].event_type == "interaction.created"
        assert events[-1].event_type == "interaction.completed"
        assert all("Unknown" not in type(e).__name__ for e in events)


def test_legacy_readers_never_see_steps_only_statuses(emu):
    """A 1.x client reading a 3.x-created interaction gets statuses its schema knows: a
    ``queued`` run is ``in_progress`` to it (its polling loop must not stop early)."""
    emu.configure(queue_ms=2000, background_ms=100)
    client = make_client(emu.base_url)
    job = client.interactions.create(model=MODEL, input="queued job", background=True)
    assert client.interactions.get(job.id).status == "queued"
    legacy = {**KEY, "x-emulator-schema": "legacy"}
    got = httpx.get(f"{emu.base_url}/v1beta/interactions/{job.id}", headers=legacy).json()
    assert got["status"] == "in_progress" and got["outputs"] == []
    from gemini_nb.emulator.dialects import LEGACY, STEPS, wire_status
    assert wire_status("incomplete", LEGACY) == "completed"
    assert wire_status("budget_exceeded", LEGACY) == "completed"
    assert wire_status("queued", STEPS) == "queued"
    client.interactions.cancel(job.id)


def test_server_keeps_idle_connections_longer_than_the_sdk_pool():
    """uvicorn's default 5 s keep-alive equals httpx's pool expiry: a pooled connection could
    be closed by the server just as the SDK reuses it."""
    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.server import build

    emulator, server = build(EmulatorConfig())
    try:
        assert server.config.timeout_keep_alive > 5
    finally:
        emulator.close()


def test_oversized_bodies_are_refused_without_buffering_them(emu):
    emu.configure(max_body_bytes=1000)
    try:
        declared = post_raw(emu, json.dumps({"model": MODEL, "input": "x" * 5000}))
        assert declared.status_code == 400 and "exceeds the limit" in declared.text

        def chunked():  # no content-length: the limit applies while reading
            yield b'{"model":"%s","input":"' % MODEL.encode()
            for _ in range(100):
                yield b"y" * 100
            yield b'"}'

        with httpx.Client(base_url=emu.base_url, timeout=30) as http:
            resp = http.post("/v1/interactions", content=chunked(),
                             headers={**KEY, "content-type": "application/json"})
        assert resp.status_code == 400 and "exceeds the limit" in resp.text
        assert post_raw(emu, json.dumps({"model": MODEL, "input": "small"})).status_code == 200
    finally:
        emu.configure(max_body_bytes=64 * 1024 * 1024)


def test_second_client_follows_a_running_foreground_stream_and_resumes_background(emu):
    emu.configure(tokens_per_second=150.0)

    async def main():
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30) as http:
            owner = asyncio.create_task(_read_stream(
                http, "POST", "/v1/interactions",
                json={"model": MODEL, "input": "Tell me a long story about owls", "stream": True}))
            for _ in range(100):
                if emu.emulator.runs:
                    break
                await asyncio.sleep(0.02)
            rid = next(iter(emu.emulator.runs))
            follower = await _read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true")
            return await owner, follower

    owner, follower = asyncio.run(main())
    assert sse_data(owner) == sse_data(follower) and sse_data(owner)[-1] == "[DONE]"

    emu.configure(tokens_per_second=None, background_ms=1000)
    client = make_client(emu.base_url)
    job = client.interactions.create(model=MODEL, input="background resume", background=True)
    time.sleep(0.3)
    assert client.interactions.get(job.id).status == "in_progress"
    rest = list(client.interactions.get(job.id, stream=True, last_event_id="evt_2"))
    assert rest[0].event_id == "evt_3" and rest[-1].event_type == "interaction.completed"
    ids = [int(e.event_id.split("_")[1]) for e in rest]
    assert ids == list(range(3, 3 + len(ids)))


def test_sqlite_delete_survives_restart_and_concurrent_writers_keep_the_db_sound(tmp_path):
    import signal
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    db = str(tmp_path / "emu.db")
    with emulator_process("--db", db, "--background-ms", "2000") as (proc, url):
        client = make_client(url)
        kept = client.interactions.create(model=MODEL, input="keep me")
        gone = client.interactions.create(model=MODEL, input="delete me")
        client.interactions.delete(gone.id)
        jobs = [client.interactions.create(model=MODEL, input=f"job {i}", background=True).id
                for i in range(3)]
        with ThreadPoolExecutor(16) as pool:
            made = list(pool.map(lambda i: client.interactions.create(model=MODEL, input=f"w{i}").id,
                                 range(48)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 1 + 3 + 48  # "gone" is gone
    with emulator_process("--db", db, "--background-ms", "100") as (_, url):
        client = make_client(url)
        assert client.interactions.get(kept.id).status == "completed"
        assert all(client.interactions.get(rid).status == "completed" for rid in made[:5])
        with pytest.raises(Exception) as info:
            client.interactions.get(gone.id)
        assert getattr(info.value, "status_code", None) == 404
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
                client.interactions.get(j).status != "completed" for j in jobs):
            time.sleep(0.05)
        assert all(client.interactions.get(j).status == "completed" for j in jobs)


@pytest.mark.parametrize("body", [
    {"input": [{"type": {"x": 1}, "text": "hi"}]},
    {"input": [{"type": ["text"], "text": "hi"}]},
    {"input": [{"type": "user_input", "content": [{"type": {}, "data": "aGk="}]}]},
    {"input": [{"role": "user", "content": [{"type": [], "text": "x"}]}]},
    {"input": "x", "tools": [{"type": ["function"]}]},
    {"input": "x", "service_tier": ["flex"]},
    {"agent": "deep-research-pro-preview-12-2025", "model": None, "input": "x", "background": True,
     "agent_config": {"type": {"deep": 1}}},
])
def test_unhashable_enum_values_are_400(emu, body):
    body = {"model": MODEL, **body}
    if body.get("model") is None:
        del body["model"]
    resp = post_raw(emu, json.dumps(body))
    assert resp.status_code == 400, resp.text


def test_a_run_that_crashes_fails_cleanly_and_is_forgotten(emu):
    """If persisting progress blows up (disk full, a bug), subscribers get an error event and
    the run does not stay in ``emu.runs`` forever."""
    emu.configure(background_ms=600)
    client = make_client(emu.base_url)
    job = client.interactions.create(model=MODEL, input="doomed job", background=True)
    run = emu.emulator.runs[job.id]

    def broken(record):
        raise OSError("disk full")

    run.persist = broken
    events = list(client.interactions.get(job.id, stream=True))
    assert events[-1].event_type == "error"
    deadline = time.monotonic() + 5
    while emu.emulator.runs and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(emu.emulator.runs) == 0


def test_a_huge_input_does_not_stall_other_requests(emu):
    """The brain reads a multi-megabyte prompt in a worker thread: meanwhile the event loop
    keeps answering (a small request is served long before the big one completes)."""
    big = json.dumps({"model": MODEL, "input": "word " * 600_000})
    done: dict[str, float] = {}

    def send_big():
        post_raw(emu, big)
        done["big"] = time.monotonic()

    thread = threading.Thread(target=send_big)
    thread.start()
    time.sleep(0.3)
    small = post_raw(emu, json.dumps({"model": MODEL, "input": "hi"}))
    done["small"] = time.monotonic()
    thread.join(60)
    assert small.status_code == 200
    assert done["small"] < done["big"]


@pytest.mark.parametrize("make_db", [lambda tmp: tmp / "missing-dir" / "x.db",
                                     lambda tmp: (tmp / "junk.db").write_text("not sqlite") and tmp / "junk.db"])
def test_unusable_db_path_is_a_clean_cli_error(tmp_path, make_db):
    db = make_db(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "gemini_nb.emulator", "--port", "0", "--db", str(db)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "cannot use --db" in proc.stderr and "Traceback" not in proc.stderr


LEGACY_STRICT = r"""
import json, sys, time, httpx, warnings
warnings.simplefilter("ignore")
from pydantic import TypeAdapter
from google.genai._interactions.types import interaction as I, interaction_sse_event as E
url = sys.argv[1]
H = {"x-goog-api-key": "k", "x-goog-api-client": "google-genai-sdk/1.55.0"}
M = "gemini-3-flash-preview"
fn = {"type": "function", "name": "get_weather", "description": "Gets weather",
      "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}
cases = [
    dict(model=M, input="hi"),
    dict(model=M, input="search the web for TPUs news", tools=[{"type": "google_search"}]),
    dict(model=M, input="compute 2**10 with python", tools=[{"type": "code_execution"}]),
    dict(model=M, input="summarize https://example.com/a", tools=[{"type": "url_context"}]),
    dict(model=M, input="use the weather service for Paris",
         tools=[{"type": "mcp_server", "name": "weather_service", "url": "https://example.com/mcp"}]),
    dict(model=M, input="find in my files the policy",
         tools=[{"type": "file_search", "file_search_store_names": ["fileSearchStores/abc"]}]),
    dict(model=M, input="restaurants near me", tools=[{"type": "google_maps", "latitude": 1.5, "longitude": 2.5}]),
    dict(model=M, input="open example.com in the browser and click login",
         tools=[{"type": "computer_use", "environment": "browser"}]),
    dict(model=M, input="Weather in Boston?", tools=[fn]),
    dict(model="gemini-3-pro-image-preview", input="a cat"),
    dict(model="gemini-2.5-flash-preview-tts", input="say hello"),
    dict(agent="deep-research-pro-preview-12-2025", input="Research TPUs", background=True),
]
body_type, event_type = TypeAdapter(I.Interaction), TypeAdapter(E.InteractionSSEEvent)
problems = []
for kw in cases:
    got = httpx.post(url + "/v1beta/interactions", headers=H, json=kw, timeout=60).json()
    if kw.get("background"):
        while got["status"] == "in_progress":
            time.sleep(0.1)
            got = httpx.get(url + "/v1beta/interactions/" + got["id"], headers=H).json()
        sse = httpx.get(url + "/v1beta/interactions/" + got["id"] + "?stream=true", headers=H, timeout=60).text
    else:
        sse = httpx.post(url + "/v1beta/interactions", headers=H, json={**kw, "stream": True}, timeout=60).text
    try:
        body_type.validate_python(got)
    except Exception as exc:
        problems.append([kw["input"], "body", str(exc)[:300]])
    for line in sse.splitlines():
        if line.startswith("data: {"):
            try:
                event_type.validate_python(json.loads(line[6:]))
            except Exception as exc:
                problems.append([kw["input"], line[:80], str(exc)[:300]])
print(json.dumps(problems))
"""


def test_legacy_bodies_and_events_validate_strictly_against_1_55_types(legacy_py):
    """1.55 parses leniently (pydantic ``construct``), so a wrong field type would slip
    through the SDK; validate every body and event against its types for real."""
    with emulator_process("--background-ms", "150") as (_, url):
        proc = subprocess.run([legacy_py, "-c", LEGACY_STRICT, url], capture_output=True, text=True,
                              timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
