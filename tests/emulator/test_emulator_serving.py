"""Serving as users do: both SDK generations on one emulator, keep-alive longer than the SDK pool,
oversized bodies, followers of running streams, SQLite durability, crashes and huge inputs.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest
from clients import make_client
from emu_process import emulator_process
from wire_helpers import KEY, MODEL, post_raw, read_stream, sse_data, start_stream

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
        proc = subprocess.run(
            [legacy_py, "-c", CROSS_LEGACY, url, job.id], capture_output=True, text=True, timeout=60
        )
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
            resp = http.post(
                "/v1/interactions", content=chunked(), headers={**KEY, "content-type": "application/json"}
            )
        assert resp.status_code == 400 and "exceeds the limit" in resp.text
        assert post_raw(emu, json.dumps({"model": MODEL, "input": "small"})).status_code == 200
    finally:
        emu.configure(max_body_bytes=64 * 1024 * 1024)


def test_second_client_follows_a_running_foreground_stream_and_resumes_background(emu):
    emu.configure(tokens_per_second=150.0)

    async def main():
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30) as http:
            owner, rid = await start_stream(http, emu, "Tell me a long story about owls")
            follower = await read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true")
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
        jobs = [
            client.interactions.create(model=MODEL, input=f"job {i}", background=True).id for i in range(3)
        ]
        with ThreadPoolExecutor(16) as pool:
            made = list(
                pool.map(lambda i: client.interactions.create(model=MODEL, input=f"w{i}").id, range(48))
            )
        # Finished creates are written behind (store.FLUSH_S): a kill -9 right after an answer may
        # lose the last ones, so wait, as the store documents, until the writer has them all.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as con:
                if con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 1 + 3 + 48:
                    break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 1 + 3 + 48  # "gone" is gone
    with emulator_process("--db", db, "--background-ms", "100") as (_, url):
        client = make_client(url)
        assert client.interactions.get(kept.id).status == "completed"
        assert all(client.interactions.get(rid).status == "completed" for rid in made[:5])
        from google.genai._interactions import NotFoundError

        with pytest.raises(NotFoundError):
            client.interactions.get(gone.id)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            client.interactions.get(j).status != "completed" for j in jobs
        ):
            time.sleep(0.05)
        assert all(client.interactions.get(j).status == "completed" for j in jobs)


@pytest.mark.parametrize(
    "body",
    [
        {"input": [{"type": {"x": 1}, "text": "hi"}]},
        {"input": [{"type": ["text"], "text": "hi"}]},
        {"input": [{"type": "user_input", "content": [{"type": {}, "data": "aGk="}]}]},
        {"input": [{"role": "user", "content": [{"type": [], "text": "x"}]}]},
        {"input": "x", "tools": [{"type": ["function"]}]},
        {"input": "x", "service_tier": ["flex"]},
        {
            "agent": "deep-research-pro-preview-12-2025",
            "model": None,
            "input": "x",
            "background": True,
            "agent_config": {"type": {"deep": 1}},
        },
    ],
)
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
        try:  # a loaded CI machine may need long for 3 MB of prompt; its end is what counts
            post_raw(emu, big, timeout=300)
        finally:
            done["big"] = time.monotonic()

    thread = threading.Thread(target=send_big)
    thread.start()
    time.sleep(0.3)
    small = post_raw(emu, json.dumps({"model": MODEL, "input": "hi"}))
    done["small"] = time.monotonic()
    thread.join(320)
    assert small.status_code == 200
    assert done["small"] < done["big"]


@pytest.mark.parametrize(
    "make_db",
    [
        lambda tmp: tmp / "missing-dir" / "x.db",
        lambda tmp: (tmp / "junk.db").write_text("not sqlite") and tmp / "junk.db",
    ],
)
def test_unusable_db_path_is_a_clean_cli_error(tmp_path, make_db):
    db = make_db(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=30,
    )
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
        proc = subprocess.run(
            [legacy_py, "-c", LEGACY_STRICT, url], capture_output=True, text=True, timeout=180
        )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
