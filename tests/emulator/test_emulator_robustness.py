"""Bad input never gets a 5xx; the CLI starts as documented; --db survives kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from clients import make_client
from emu_process import emulator_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODEL = "gemini-3-flash-preview"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "model",
        "agent",
        "input",
        "tools",
        "generation_config",
        "stream",
        "background",
        "store",
        "previous_interaction_id",
        "response_format",
        "response_modalities",
        "system_instruction",
        "agent_config",
        "labels",
        "service_tier",
        "safety_settings",
        "continuation_token",
    ]
)
bodies = st.one_of(
    json_values,
    st.dictionaries(field_names, json_values, max_size=6),
    st.fixed_dictionaries(
        {"model": st.just(MODEL), "input": json_values},
        optional={
            "tools": json_values,
            "generation_config": json_values,
            "stream": json_values,
            "response_format": json_values,
        },
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_random_json_bodies_never_5xx(emulator, body):
    with httpx.Client(base_url=emulator.base_url, headers={"x-goog-api-key": "k"}, timeout=10) as http:
        resp = http.post("/v1/interactions", content=json.dumps(body))
        assert resp.status_code < 500, resp.text
        if resp.status_code >= 400:
            err = resp.json()["error"]
            assert err["code"] == resp.status_code and err["message"]
        elif resp.headers["content-type"].startswith("application/json"):
            assert resp.json()["object"] == "interaction"


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.text(alphabet="abcv1/_-:?=&%.", max_size=40),
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH"]),
    body=st.binary(max_size=64),
)
def test_random_paths_and_bytes_never_5xx(emulator, path, method, body):
    with httpx.Client(base_url=emulator.base_url, headers={"x-goog-api-key": "k"}, timeout=10) as http:
        resp = http.request(method, "/" + path.lstrip("/"), content=body)
        assert resp.status_code < 500, resp.text


@pytest.mark.parametrize("entry", [["-m", "gemini_nb.emulator"], ["-m", "gemini_nb.cli", "emulator"]])
def test_cli_prints_ready_line_and_serves(entry):
    with emulator_process("--host", "127.0.0.1", entry=tuple(entry)) as (_, url):
        client = make_client(url)
        assert client.interactions.create(model=MODEL, input="hi").status == "completed"


def test_cli_help_lists_flags():
    out = subprocess.run(
        [sys.executable, "-m", "gemini_nb.emulator", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in ("--host", "--port", "--api-key", "--db", "--latency-ms", "--tokens-per-second"):
        assert flag in out


def test_sqlite_store_survives_kill_9(tmp_path):
    db = str(tmp_path / "emu.db")
    with emulator_process("--db", db) as (proc, url):
        client = make_client(url)
        first = client.interactions.create(model=MODEL, input="My name is Kim")
        second = client.interactions.create(model=MODEL, input="Count to 5", previous_interaction_id=first.id)
        job = client.interactions.create(model=MODEL, input="background job", background=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with emulator_process("--db", db) as (proc, url):
        client = make_client(url)
        assert client.interactions.get(second.id).output_text == "1, 2, 3, 4, 5"
        again = client.interactions.create(
            model=MODEL, input="What is my name?", previous_interaction_id=second.id
        )
        assert "Kim" in again.output_text
        deadline = time.monotonic() + 10
        while client.interactions.get(job.id).status != "completed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.interactions.get(job.id).status == "completed"


def test_start_handle_is_a_context_manager():
    from gemini_nb.emulator import start

    with start() as emu:
        assert emu.running and emu.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(emu.base_url + "/_emulator/health").json()["ok"]
    assert not emu.running
