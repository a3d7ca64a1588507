"""map's row sender: the same wire request as the SDK's plain call, at a fraction of its cost.

Shape, not time: how many throw-away pydantic models and thread hops a row costs, how many clients
a map builds, and that only the map's own client is configured (the SDK is never patched).
"""

from __future__ import annotations

import asyncio
import time

import pandas as pd
import pytest

from gemini_nb import map_send, mapping
from gemini_nb.map_send import RowSender, inline_auth_hook, request_model
from gemini_nb.mapping import map_rows

MODEL = "gemini-3-flash-preview"
RICH = {
    "model": MODEL,
    "input": "Name a city",
    "system_instruction": "Answer in French.",
    "generation_config": {"thinking_level": "minimal", "temperature": 0.5},
    "response_format": {"type": "object", "properties": {"name": {"type": "string"}}},
    "response_mime_type": "application/json",
    "store": False,
}


def sdk_client(url):
    from google import genai

    return genai.Client(api_key="test-key", http_options={"base_url": url, "retry_options": {"attempts": 1}})


def bodies(emu):
    return [r["body"] for r in emu.requests() if r.get("method") == "POST"]


def test_the_cheap_call_sends_the_same_body_as_the_plain_one(emu):
    async def both():
        aio = sdk_client(emu.base_url).aio
        sender = RowSender.for_request(aio, RICH)
        assert sender.model is not None  # the fast path applies to this request
        fast = await sender(dict(RICH))
        plain = await RowSender(aio)(dict(RICH))
        await aio.aclose()
        return fast, plain

    fast, plain = asyncio.run(both())
    first, second = bodies(emu)
    assert first == second and first["system_instruction"] == "Answer in French."
    assert isinstance(fast, dict) and fast["status"] == "completed" and fast["steps"]
    assert type(plain).__name__ == "Interaction"  # the plain call still parses (for comparison)


def test_a_row_costs_one_pydantic_model_not_three_and_no_thread_hop(session, emu, monkeypatch):
    from google.genai._gaos.utils import serializers

    made, hops = [], []
    real_create_model, real_to_thread = serializers.create_model, asyncio.to_thread
    monkeypatch.setattr(
        serializers, "create_model", lambda *a, **k: made.append(a[0]) or real_create_model(*a, **k)
    )
    monkeypatch.setattr(asyncio, "to_thread", lambda *a, **k: hops.append(a[0]) or real_to_thread(*a, **k))
    df = pd.DataFrame({"q": [f"Count to {i}" for i in range(6)]})
    out = map_rows(df, "{{q}}", session=session, progress=False, concurrency=3)
    assert out["error"].isna().all() and out["text"].notna().all()
    assert made == ["Marshaller"] * 6  # the body's serializer only: no request/answer re-validation
    assert hops == []  # the auth hook ran on the loop, not through asyncio.to_thread


def test_one_client_per_map(session, emu, monkeypatch):
    backend = session.backend()
    built = []
    real = type(backend).client

    def counting(self, *args, **kwargs):
        built.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(backend), "client", counting)
    df = pd.DataFrame({"q": [f"Count to {i}" for i in range(8)]})
    assert map_rows(df, "{{q}}", session=session, progress=False, concurrency=4)["error"].isna().all()
    assert len(built) == 1


def test_only_the_maps_own_client_runs_the_hook_inline(emu):
    from google.genai._gaos._hooks.adapters import SyncToAsyncBeforeRequestAdapter

    def before_hooks(client):
        return client.aio.interactions.sdk_configuration.__dict__["_async_hooks"].before_request_hooks

    mine, other = sdk_client(emu.base_url), sdk_client(emu.base_url)
    assert inline_auth_hook(mine.aio) is True
    assert not any(isinstance(h, SyncToAsyncBeforeRequestAdapter) for h in before_hooks(mine))
    assert any(isinstance(h, SyncToAsyncBeforeRequestAdapter) for h in before_hooks(other))
    asyncio.run(
        RowSender.for_request(mine.aio, {"model": MODEL, "input": "hi"})({"model": MODEL, "input": "hi"})
    )
    (logged,) = [r for r in emu.requests() if r.get("method") == "POST"]
    assert "x-goog-api-key" in {k.lower() for k in logged["headers"]}  # the hook still authenticated


def test_refreshable_credentials_keep_the_thread():
    class Hooks:
        before_request_hooks = ["adapter"]

    class Config:
        def __init__(self, security):
            self.security = security
            self._async_hooks = Hooks()

    class Aio:
        def __init__(self, security):
            self.interactions = type("I", (), {"sdk_configuration": Config(security)})()

    assert inline_auth_hook(Aio(lambda: None)) is False  # a token provider may block: keep to_thread
    assert inline_auth_hook(Aio(None)) is False


@pytest.mark.parametrize(
    "request_",
    [
        {"model": MODEL, "input": "hi", "not_a_field": 1},  # unknown to the model: the SDK's own error
        {"model": MODEL, "input": [{"type": "text", "text": "hi"}]},  # content lists: SDK normalizes
    ],
)
def test_requests_the_model_cannot_take_use_the_plain_call(request_):
    aio = sdk_client("http://127.0.0.1:9").aio
    assert request_model(aio, request_) is None
    assert request_model(aio, {"model": MODEL, "input": "hi"}) is not None


def test_a_client_without_the_raw_accessor_uses_the_plain_call():
    class Interactions:
        async def create(self, **request):
            return {"status": "completed", "plain": request}

    aio = type("Aio", (), {"interactions": Interactions()})()
    sender = RowSender.for_request(aio, {"model": MODEL, "input": "hi"})
    assert sender.model is None
    assert asyncio.run(sender({"model": MODEL, "input": "hi"}))["plain"] == {"model": MODEL, "input": "hi"}


def test_an_answer_cut_at_the_decode_limit_is_continued_and_merged():
    first = {
        "id": "hop1",
        "status": map_send.CONTINUE,
        "continuation_token": "tok",
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Hel"}]}],
        "usage": {"total_input_tokens": 5, "total_output_tokens": 3},
    }
    final = {
        "id": "hop2",
        "status": "completed",
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "lo"}]}],
        "usage": {"total_input_tokens": 7, "total_output_tokens": 2},
    }
    sent = []

    class Raw:
        async def json(self):
            return first

    class Interactions:
        @property
        def with_raw_response(self):
            return self

        async def create(self, request=None, **kwargs):
            if not sent:
                sent.append(("raw", request))
                return Raw()
            sent.append(("parsed", request))
            return final

    aio = type("Aio", (), {"interactions": Interactions()})()
    sender = RowSender.for_request(aio, {"model": MODEL, "input": "Say hello"})
    assert sender.model is not None
    merged = asyncio.run(sender({"model": MODEL, "input": "Say hello"}))
    assert [kind for kind, _ in sent] == ["raw", "parsed"]
    hop = sent[1][1].body
    assert (hop.continuation_token, hop.previous_interaction_id, hop.input) == ("tok", "hop1", None)
    assert merged["id"] == "hop2" and merged["status"] == "completed"
    assert [s["content"][0]["text"] for s in merged["steps"]] == ["Hel", "lo"]
    assert merged["usage"] == {"total_input_tokens": 12, "total_output_tokens": 5}


def test_progress_is_reported_on_a_timer_not_per_row(session, emu):
    seen = []
    df = pd.DataFrame({"q": [f"Count to {i}" for i in range(60)]})
    start = time.monotonic()
    out = map_rows(df, "{{q}}", session=session, progress=seen.append, concurrency=8)
    elapsed = time.monotonic() - start
    assert out["error"].isna().all() and seen[-1].finished and seen[-1].done == 60
    assert len(seen) <= elapsed / mapping.REPORT_EVERY + 2  # one snapshot per tick, whatever the rows
