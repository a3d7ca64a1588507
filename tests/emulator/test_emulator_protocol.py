"""The emulator's protocol core, driven through the real google-genai SDK over HTTP."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx

MODEL = "gemini-3-flash-preview"


def text_of(interaction) -> str:
    return interaction.output_text or ""


# -- create, chain, usage ---------------------------------------------------------------


def test_create_returns_thought_then_text_and_usage_adds_up(client):
    r = client.interactions.create(model=MODEL, input="Tell me a joke")
    assert r.status == "completed"
    assert r.id.startswith("v1_")
    assert [s.type for s in r.steps] == ["thought", "model_output"]
    assert r.steps[0].signature
    assert "joke" not in text_of(r).lower() or text_of(r)
    u = r.usage
    assert u.total_input_tokens > 0 and u.total_output_tokens > 0
    assert u.total_tokens == (
        u.total_input_tokens + u.total_output_tokens + u.total_thought_tokens + u.total_tool_use_tokens
    )


def test_answers_are_deterministic_and_depend_on_input(client):
    a = client.interactions.create(model=MODEL, input="Explain photosynthesis")
    b = client.interactions.create(model=MODEL, input="Explain photosynthesis")
    c = client.interactions.create(model=MODEL, input="Explain black holes")
    assert text_of(a) == text_of(b)
    assert text_of(a) != text_of(c)
    assert "photosynthesis" in text_of(a)


def test_chain_remembers_through_previous_interaction_id(client):
    first = client.interactions.create(model=MODEL, input="Hi, my name is Phil.")
    second = client.interactions.create(
        model=MODEL, input="What is my name?", previous_interaction_id=first.id
    )
    assert "Phil" in text_of(second)
    assert second.previous_interaction_id == first.id
    # input tokens grow: the model re-reads the chain
    assert second.usage.total_input_tokens > first.usage.total_input_tokens
    fresh = client.interactions.create(model=MODEL, input="What is my name?")
    assert "Phil" not in text_of(fresh)


def test_stateless_history_as_steps(client):
    first = client.interactions.create(model=MODEL, input="My name is Ada", store=False)
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "My name is Ada"}]},
        *[s.model_dump(exclude_none=True) for s in first.steps],
        {"type": "user_input", "content": [{"type": "text", "text": "What is my name?"}]},
    ]
    second = client.interactions.create(model=MODEL, input=history, store=False)
    assert "Ada" in text_of(second)


def test_tampered_thought_signature_is_rejected(client):
    first = client.interactions.create(model=MODEL, input="My name is Ada", store=False)
    steps = [s.model_dump(exclude_none=True) for s in first.steps]
    steps[0]["signature"] = "dGFtcGVyZWQtc2lnbmF0dXJlLXRoYXQtaXMtbG9uZw=="
    with pytest.raises(gx.BadRequestError) as err:
        client.interactions.create(
            model=MODEL,
            input=[
                {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
                *steps,
                {"type": "user_input", "content": [{"type": "text", "text": "again"}]},
            ],
            store=False,
        )
    assert "signature" in str(err.value)


def test_system_instruction_and_generation_config(client):
    r = client.interactions.create(
        model=MODEL,
        input="Explain gravity",
        system_instruction="Be terse.",
        generation_config={"thinking_level": "low", "thinking_summaries": "none", "temperature": 0.2},
    )
    assert "\n" not in text_of(r)
    thought = r.steps[0]
    assert thought.type == "thought" and not thought.summary
    limited = client.interactions.create(
        model=MODEL, input="Count from 1 to 500", generation_config={"max_output_tokens": 10}
    )
    assert limited.status == "incomplete"
    assert len(text_of(limited)) <= 40


def test_thinking_levels_change_thought_tokens(client):
    tokens = {}
    for level in ("minimal", "low", "medium", "high"):
        r = client.interactions.create(
            model=MODEL, input="Why is the sky blue?", generation_config={"thinking_level": level}
        )
        tokens[level] = r.usage.total_thought_tokens
        summaries = r.steps[0].summary or []
        assert len(summaries) == {"minimal": 0, "low": 1, "medium": 2, "high": 3}[level]
    assert tokens["minimal"] < tokens["low"] < tokens["medium"] < tokens["high"]


def test_async_client(emu):
    client = make_client(emu.base_url)

    async def go():
        r = await client.aio.interactions.create(model=MODEL, input="My name is Lin")
        r2 = await client.aio.interactions.create(
            model=MODEL, input="What is my name?", previous_interaction_id=r.id
        )
        chunks = []
        stream = await client.aio.interactions.create(model=MODEL, input="Count to 30", stream=True)
        async for event in stream:
            if event.event_type == "step.delta" and event.delta.type == "text":
                chunks.append(event.delta.text)
        got = await client.aio.interactions.get(r2.id)
        return r2, "".join(chunks), got

    r2, streamed, got = asyncio.run(go())
    assert "Lin" in text_of(r2)
    assert streamed.startswith("1, 2, 3") and streamed.endswith("30")
    assert got.id == r2.id


# -- streaming -----------------------------------------------------------------------


def collect(events):
    return [e for e in events]


def test_stream_event_order_and_ids(client):
    events = collect(client.interactions.create(model=MODEL, input="Count from 1 to 40", stream=True))
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created" and kinds[1] == "interaction.status_update"
    assert kinds[-1] == "interaction.completed"
    # step.start, step.delta+, step.stop per step, indices increasing from 0
    open_index, seen = None, []
    for e in events[2:-1]:
        if e.event_type == "step.start":
            assert open_index is None
            open_index = e.index
            seen.append(e.index)
        elif e.event_type == "step.delta":
            assert e.index == open_index
        elif e.event_type == "step.stop":
            assert e.index == open_index
            open_index = None
    assert seen == list(range(len(seen))) and len(seen) == 2
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids) and all(ids)
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
    final = events[-1].interaction
    assert final.status == "completed" and final.usage.total_tokens > 0
    stored = client.interactions.get(final.id)
    assert text_of(stored) == text
    assert [s.type for s in stored.steps] == ["user_input", "thought", "model_output"]


def test_stream_thought_deltas_end_with_signature(client):
    events = collect(
        client.interactions.create(
            model=MODEL, input="Why?", stream=True, generation_config={"thinking_level": "medium"}
        )
    )
    thought = [e for e in events if e.event_type == "step.delta" and e.index == 0]
    assert [d.delta.type for d in thought] == ["thought_summary", "thought_summary", "thought_signature"]


def test_resume_stream_after_last_event_id(client):
    events = collect(client.interactions.create(model=MODEL, input="Count from 1 to 60", stream=True))
    rid = events[0].interaction.id
    cut = 6
    resumed = collect(client.interactions.get(rid, stream=True, last_event_id=events[cut - 1].event_id))
    assert [e.event_id for e in resumed] == [e.event_id for e in events[cut:]]
    full = collect(client.interactions.get(rid, stream=True))
    assert [e.event_id for e in full] == [e.event_id for e in events]


def test_dropped_stream_completes_server_side_and_resumes(client, emu):
    emu.add_fault(path="interactions$", method="POST", drop_after_events=7, times=1)
    from google.genai._interactions import APIConnectionError

    seen = []
    with pytest.raises(APIConnectionError):  # the connection was reset mid-body
        for event in client.interactions.create(model=MODEL, input="Count from 1 to 90", stream=True):
            seen.append(event)
    assert 0 < len(seen) <= 7
    rid = seen[0].interaction.id
    rest = collect(client.interactions.get(rid, stream=True, last_event_id=seen[-1].event_id))
    events = seen + rest
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
    assert text == ", ".join(str(i) for i in range(1, 91))
    assert events[-1].event_type == "interaction.completed"


def test_clean_eof_drop_ends_without_completion(client, emu):
    emu.add_fault(method="POST", drop_after_events=3, drop_mode="eof", times=1)
    events = collect(client.interactions.create(model=MODEL, input="Count to 20", stream=True))
    assert len(events) == 3 and events[-1].event_type != "interaction.completed"


def test_in_stream_error_event(client, emu):
    emu.add_fault(
        method="POST",
        error_after_events=4,
        error_code="gateway_timeout",
        message="Deadline expired before operation could complete.",
        times=1,
    )
    events = collect(client.interactions.create(model=MODEL, input="Count to 50", stream=True))
    assert len(events) == 5
    assert events[-1].event_type == "error"
    assert events[-1].error.code == "gateway_timeout"


def test_tokens_per_second_paces_the_stream(client, emu):
    emu.configure(tokens_per_second=200.0)
    t0 = time.monotonic()
    collect(client.interactions.create(model=MODEL, input="Count from 1 to 60", stream=True))
    assert time.monotonic() - t0 >= 0.25  # 60 numbers are 60 tokens at 200/s


# -- state: store, get, delete, background, cancel --------------------------------------------


def test_store_false_is_not_kept(client):
    r = client.interactions.create(model=MODEL, input="Remember nothing", store=False)
    assert r.status == "completed"
    with pytest.raises(gx.NotFoundError):
        client.interactions.get(r.id)
    with pytest.raises(gx.NotFoundError):
        client.interactions.create(model=MODEL, input="next", previous_interaction_id=r.id)


def test_unknown_previous_interaction_is_404(client):
    with pytest.raises(gx.NotFoundError) as err:
        client.interactions.create(model=MODEL, input="hi", previous_interaction_id="v1_nope")
    assert err.value.status_code == 404


def test_store_false_with_background_is_rejected(client):
    with pytest.raises(gx.BadRequestError) as err:
        client.interactions.create(model=MODEL, input="hi", store=False, background=True)
    assert "store" in str(err.value)


def test_get_include_input(client):
    r = client.interactions.create(model=MODEL, input="Hello there")
    got = client.interactions.get(r.id, include_input=True)
    assert got.steps[0].type == "user_input"
    assert got.steps[0].content[0].text == "Hello there"


def test_delete(client):
    r = client.interactions.create(model=MODEL, input="to be deleted")
    assert client.interactions.delete(r.id) is None
    with pytest.raises(gx.NotFoundError):
        client.interactions.get(r.id)
    with pytest.raises(gx.NotFoundError):
        client.interactions.delete(r.id)


def test_background_polls_to_completion(client):
    r = client.interactions.create(model=MODEL, input="My name is Bo", background=True)
    assert r.status == "in_progress"
    statuses = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = client.interactions.get(r.id)
        statuses.add(got.status)
        if got.status == "completed":
            break
        time.sleep(0.02)
    assert "in_progress" in statuses and got.status == "completed"
    assert "Bo" in text_of(got)


def test_background_queued_state(client, emu):
    emu.configure(queue_ms=200)
    r = client.interactions.create(model=MODEL, input="queued job", background=True)
    assert r.status == "queued"
    seen = [r.status]
    while seen[-1] != "completed":
        time.sleep(0.03)
        seen.append(client.interactions.get(r.id).status)
    order = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert order == ["queued", "in_progress", "completed"]


def test_background_stream_follows_progress(client, emu):
    emu.configure(background_ms=400)
    r = client.interactions.create(model=MODEL, input="Count to 30", background=True)
    t0 = time.monotonic()
    events = collect(client.interactions.get(r.id, stream=True))
    assert time.monotonic() - t0 > 0.2
    assert events[-1].event_type == "interaction.completed"


def test_cancel_background(client, emu):
    emu.configure(background_ms=2000)
    r = client.interactions.create(model=MODEL, input="long task", background=True)
    time.sleep(0.1)
    cancelled = client.interactions.cancel(r.id)
    assert cancelled.status == "cancelled"
    assert client.interactions.get(r.id).status == "cancelled"
    with pytest.raises(gx.BadRequestError):
        client.interactions.cancel(r.id)
    done = client.interactions.create(model=MODEL, input="quick")
    with pytest.raises(gx.BadRequestError):
        client.interactions.cancel(done.id)


def test_continuing_a_running_interaction_is_refused(client, emu):
    emu.configure(background_ms=1500)
    r = client.interactions.create(model=MODEL, input="long", background=True)
    with pytest.raises(gx.BadRequestError):
        client.interactions.create(model=MODEL, input="next", previous_interaction_id=r.id)


# -- paths, versions, auth ------------------------------------------------------------------


@pytest.mark.parametrize("api_version", ["v1", "v1beta", "v1alpha"])
def test_any_version_and_prefix(emu, api_version):
    client = make_client(emu.base_url + "/some/proxy/", api_version=api_version)
    r = client.interactions.create(model=MODEL, input="hi")
    assert client.interactions.get(r.id).id == r.id
    assert emu.requests()[-1]["path"] == f"/some/proxy/{api_version}/interactions/{r.id}"


def test_missing_key_is_401(emu):
    resp = httpx.post(emu.base_url + "/v1beta/interactions", json={"model": MODEL, "input": "x"})
    assert resp.status_code == 401
    assert resp.json()["error"]["status"] == "UNAUTHENTICATED"


def test_pinned_key():
    from gemini_nb.emulator import start

    with start(api_key="right-key") as pinned:
        wrong = make_client(pinned.base_url)  # keep a reference: a dropped Client closes itself
        with pytest.raises(gx.PermissionDeniedError):
            wrong.interactions.create(model=MODEL, input="x")
        from google import genai

        ok = genai.Client(api_key="right-key", http_options={"base_url": pinned.base_url})
        assert ok.interactions.create(model=MODEL, input="x").status == "completed"


def test_request_log_redacts_key(client, emu):
    client.interactions.create(model=MODEL, input="logged")
    entry = emu.requests()[-1]
    assert entry["body"]["input"] == "logged"
    assert entry["headers"]["x-goog-api-key"] == "***"
    log = httpx.get(emu.base_url + "/_emulator/requests").json()["requests"]
    assert "test-key" not in str(log)


# -- validation -------------------------------------------------------------------------------


def raw(emu, body, path="/v1beta/interactions", **kw):
    return httpx.post(
        emu.base_url + path,
        headers={"x-goog-api-key": "k"},
        content=body if isinstance(body, (bytes, str)) else None,
        json=None if isinstance(body, (bytes, str)) else body,
        **kw,
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"model": MODEL, "agent": "deep-research-pro-preview-12-2025", "input": "x"}, "model"),
        ({"input": "x"}, "model"),
        ({"model": MODEL}, "input"),
        ({"model": MODEL, "input": "x", "tools": [{"type": "telepathy"}]}, "tools[0].type"),
        ({"model": MODEL, "input": [{"type": "hologram", "data": "x"}]}, "input[0].type"),
        (
            {
                "model": MODEL,
                "input": [
                    {"type": "user_input", "content": [{"type": "text", "text": "a"}, {"type": "smell"}]}
                ],
            },
            "input[0].content[1].type",
        ),
        ({"model": MODEL, "input": [{"type": "image", "data": "***not base64***"}]}, "input[0].data"),
        (
            {"model": MODEL, "input": "x", "generation_config": {"temperature": 7}},
            "generation_config.temperature",
        ),
        (
            {"model": MODEL, "input": "x", "generation_config": {"thinking_level": "huge"}},
            "generation_config.thinking_level",
        ),
        ({"model": MODEL, "input": "x", "generation_config": {"warp": 9}}, "generation_config.warp"),
        ({"model": MODEL, "input": "x", "stream": "yes"}, "stream"),
        ({"model": MODEL, "input": "x", "bogus_field": 1}, "bogus_field"),
        ({"model": MODEL, "input": "x", "response_modalities": ["smell"]}, "response_modalities[0]"),
        (
            {"agent": "deep-research-pro-preview-12-2025", "input": "x", "generation_config": {}},
            "generation_config",
        ),
    ],
)
def test_invalid_requests_name_the_field(emu, body, field):
    resp = raw(emu, body)
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["status"] == "INVALID_ARGUMENT" and err["code"] == 400
    assert field in err["message"]


@pytest.mark.parametrize("body", [b"{not json", b"[1,2,3]", b"\xff\xfe", b"null", b'"str"'])
def test_malformed_bodies_are_400(emu, body):
    resp = raw(emu, body)
    assert resp.status_code == 400
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_unknown_model_is_404(client):
    with pytest.raises(gx.NotFoundError) as err:
        client.interactions.create(model="gpt-4o", input="x")
    assert "gpt-4o" in str(err.value)


def test_agent_requires_background(emu):
    resp = raw(emu, {"agent": "deep-research-pro-preview-12-2025", "input": "x"})
    assert resp.status_code == 400 and "background" in resp.json()["error"]["message"]


def test_unknown_route_and_method(emu):
    assert httpx.get(emu.base_url + "/v1/nothing", headers={"x-goog-api-key": "k"}).status_code == 404
    resp = httpx.put(emu.base_url + "/v1/interactions/abc", headers={"x-goog-api-key": "k"})
    assert resp.status_code == 404 and "error" in resp.json()


def test_last_event_id_requires_stream(emu, client):
    r = client.interactions.create(model=MODEL, input="x")
    resp = httpx.get(
        f"{emu.base_url}/v1/interactions/{r.id}?last_event_id=evt_1", headers={"x-goog-api-key": "k"}
    )
    assert resp.status_code == 400
    resp = httpx.get(
        f"{emu.base_url}/v1/interactions/{r.id}?stream=true&last_event_id=nope",
        headers={"x-goog-api-key": "k"},
    )
    assert resp.status_code == 400


# -- faults and control plane -------------------------------------------------------------------


def test_fault_status_with_retry_after_and_times(client, emu):
    emu.add_fault(method="POST", path="/interactions$", status=429, retry_after=1, times=1)
    with pytest.raises(gx.RateLimitError) as err:
        client.interactions.create(model=MODEL, input="x")
    assert err.value.response.headers["retry-after"] == "1"
    assert err.value.body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert client.interactions.create(model=MODEL, input="x").status == "completed"


def test_sdk_retries_through_transient_faults(emu):
    emu.add_fault(method="POST", status=503, retry_after=0.05, times=2)
    client = make_client(emu.base_url, retry_options={"attempts": 3})
    assert client.interactions.create(model=MODEL, input="x").status == "completed"
    assert sum(1 for r in emu.requests() if r["method"] == "POST") == 3


def test_fault_matches_model(client, emu):
    emu.add_fault(model="gemini-3-pro-preview", status=500, message="pro is down")
    assert client.interactions.create(model=MODEL, input="x").status == "completed"
    with pytest.raises(gx.InternalServerError) as err:
        client.interactions.create(model="gemini-3-pro-preview", input="x")
    assert "pro is down" in str(err.value)


def test_fault_probability_is_seeded(client, emu):
    def run() -> list[bool]:
        emu.reset()
        emu.seed(7)
        emu.add_fault(method="POST", status=500, probability=0.5)
        outcome = []
        for _ in range(20):
            try:
                client.interactions.create(model=MODEL, input="x")
                outcome.append(True)
            except gx.InternalServerError:
                outcome.append(False)
        return outcome

    first, second = run(), run()
    assert first == second and 3 < first.count(True) < 17


def test_fault_latency(client, emu):
    emu.add_fault(method="GET", latency_ms=300)
    r = client.interactions.create(model=MODEL, input="x")
    t0 = time.monotonic()
    client.interactions.get(r.id)
    assert time.monotonic() - t0 >= 0.28


def test_control_plane_over_http(emu):
    base = emu.base_url + "/_emulator"
    assert httpx.get(base + "/health").json()["ok"] is True
    rule = httpx.post(base + "/faults", json={"status": 503, "times": 2}).json()["rules"][0]
    assert rule["status"] == 503 and rule["id"] >= 1
    assert len(httpx.get(base + "/faults").json()["rules"]) == 1
    bad = httpx.post(base + "/faults", json={"status": 200})
    assert bad.status_code == 400
    assert httpx.delete(base + "/faults").json()["ok"]
    assert httpx.get(base + "/faults").json()["rules"] == []
    cfg = httpx.post(base + "/config", json={"latency_ms": 5}).json()
    assert cfg["latency_ms"] == 5
    assert httpx.post(base + "/config", json={"nonsense": 1}).status_code == 400
    assert httpx.post(base + "/reset").json()["ok"]


def test_seed_makes_ids_deterministic(client, emu):
    def ids():
        httpx.post(emu.base_url + "/_emulator/seed", json={"seed": 42})
        return [client.interactions.create(model=MODEL, input="x").id for _ in range(3)]

    assert ids() == ids()
