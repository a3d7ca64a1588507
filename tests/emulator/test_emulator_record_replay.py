"""Record and replay, with a second emulator standing in for the real API upstream."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx

from gemini_nb.emulator import start
from gemini_nb.emulator.recording import REDACTED, normalize, scrub

MODEL = "gemini-3-flash-preview"
ENV_KEY = "AIzaSyENV-secret-0123456789abcdefghijk"
CLIENT_KEY = "AIzaSyCLIENT-secret-0123456789abcdefgh"


def notebook(base_url: str, key: str = CLIENT_KEY) -> list:
    """A small 'notebook': chain, stream, poll a background run, upload and use a file."""
    from google import genai

    client = genai.Client(api_key=key, http_options={"base_url": base_url, "retry_options": {"attempts": 1}})
    out: list = []
    first = client.interactions.create(model=MODEL, input="My name is Ada. Tell me about owls.")
    second = client.interactions.create(
        model=MODEL, input="What is my name?", previous_interaction_id=first.id
    )
    out += [first.id, first.output_text, second.id, second.output_text]
    events = list(client.interactions.create(model=MODEL, input="count to 12", stream=True))
    out.append([e.model_dump(mode="json", exclude_none=True) for e in events])
    bg = client.interactions.create(model=MODEL, input="a background essay", background=True)
    statuses = [bg.status]
    while statuses[-1] not in ("completed", "failed"):
        time.sleep(0.05)
        statuses.append(client.interactions.get(bg.id).status)
    out.append((statuses[0], statuses[-1], client.interactions.get(bg.id).output_text))
    f = client.files.upload(file=io.BytesIO(b"%PDF-1.4 cassette"), config={"mime_type": "application/pdf"})
    used = client.interactions.create(
        model=MODEL, input=[{"type": "text", "text": "Summarize"}, {"type": "document", "uri": f.uri}]
    )
    out += [f.name, f.uri, client.files.get(name=f.name).state.value, used.output_text]
    return out


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """Record the notebook once: client -> recorder -> upstream (accepting only the env key)."""
    monkeypatch.setenv("GEMINI_API_KEY", ENV_KEY)
    cassettes = tmp_path / "cassettes"
    with start(api_key=ENV_KEY, seed=7, background_ms=200, tokens_per_second=400) as upstream:
        with start(record_dir=str(cassettes), upstream=upstream.base_url) as recorder:
            assert httpx.get(recorder.base_url + "/_emulator/health").json()["mode"] == "record"
            started = time.monotonic()
            live = notebook(recorder.base_url)
            took = time.monotonic() - started
    monkeypatch.delenv("GEMINI_API_KEY")
    return cassettes, live, took


def test_replay_reproduces_the_recorded_session(recorded):
    cassettes, live, _ = recorded
    with start(replay_dir=str(cassettes), replay_pacing="instant") as player:
        assert httpx.get(player.base_url + "/_emulator/health").json()["mode"] == "replay"
        replayed = notebook(player.base_url, key="any-key-works-on-replay")
    assert replayed == live
    assert live[3] == "Your name is Ada."


def test_cassettes_hold_no_secret(recorded):
    cassettes, _, _ = recorded
    files = sorted(cassettes.glob("*.json"))
    assert len(files) >= 9
    for path in files:
        text = path.read_text()
        assert ENV_KEY not in text and CLIENT_KEY not in text and "AIza" not in text, path.name
        data = json.loads(text)
        assert "x-goog-api-key" not in data["request"]["headers"]
        assert "authorization" not in data["request"]["headers"]


def test_stream_cassette_keeps_event_timing(recorded):
    cassettes, _, _ = recorded
    streams = [json.loads(p.read_text()) for p in sorted(cassettes.glob("*.json"))]
    streams = [c for c in streams if "events" in c["response"]]
    assert streams, "the streamed create was recorded as events"
    events = streams[0]["response"]["events"]
    times = [e["t"] for e in events]
    assert times == sorted(times) and times[-1] > times[0]
    assert events[-1]["data"].startswith("event: done")


def test_recorded_pacing_is_kept_and_instant_is_faster(recorded):
    cassettes, _, _ = recorded
    stream_total = max(
        json.loads(p.read_text())["response"].get("elapsed_s", 0)
        for p in cassettes.glob("*.json")
        if "events" in json.loads(p.read_text())["response"]
    )
    timings = {}
    for pacing in ("recorded", "instant"):
        with start(replay_dir=str(cassettes), replay_pacing=pacing) as player:
            started = time.monotonic()
            notebook(player.base_url)
            timings[pacing] = time.monotonic() - started
    assert timings["recorded"] >= stream_total * 0.9
    assert timings["instant"] < timings["recorded"]


def test_unmatched_request_names_the_closest_cassette(recorded):
    cassettes, _, _ = recorded
    with start(replay_dir=str(cassettes)) as player:
        client = make_client(player.base_url)
        with pytest.raises(gx.NotFoundError) as exc:
            client.interactions.create(model=MODEL, input="My name is Bob. Tell me about owls.")
        message = exc.value.body["error"]["message"]
        assert message.startswith("No cassette matches POST /v1/interactions")
        assert "0001-post-v1-interactions.json" in message and "'input'" in message


def test_reset_rewinds_repeated_requests(recorded):
    cassettes, live, _ = recorded
    with start(replay_dir=str(cassettes), replay_pacing="instant") as player:
        assert notebook(player.base_url) == live
        httpx.post(player.base_url + "/_emulator/reset")
        assert notebook(player.base_url) == live


def test_client_key_is_forwarded_when_the_environment_has_none(tmp_path):
    with start(api_key=CLIENT_KEY) as upstream:
        with start(record_dir=str(tmp_path), upstream=upstream.base_url) as recorder:
            client = make_client(recorder.base_url)
            with pytest.raises(gx.PermissionDeniedError):  # wrong key reaches the upstream
                client.interactions.create(model=MODEL, input="hi")
            from google import genai

            good = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": recorder.base_url})
            assert good.interactions.create(model=MODEL, input="hi").status == "completed"
    assert all(CLIENT_KEY not in p.read_text() for p in tmp_path.glob("*.json"))


def test_unreachable_upstream_is_a_clear_502(tmp_path):
    with start(record_dir=str(tmp_path), upstream="http://127.0.0.1:9") as recorder:
        r = httpx.post(
            recorder.base_url + "/v1/interactions",
            json={"model": MODEL, "input": "x"},
            headers={"x-goog-api-key": "k"},
        )
    assert r.status_code == 502 and "unreachable" in r.json()["error"]["message"]


def test_settings_are_checked_before_serving(tmp_path):
    with pytest.raises(ValueError, match="needs --upstream"):
        start(record_dir=str(tmp_path))
    with pytest.raises(ValueError, match="does not exist"):
        start(replay_dir=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="cannot be combined"):
        start(record_dir=str(tmp_path), upstream="http://x", replay_dir=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", "--replay", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_scrub_and_normalize():
    doc = {
        "api_key": "x",
        "nested": [{"text": "use AIzaSyABCDEFGHIJKLMNOPQRSTUVWXYZ012 here"}],
        "Authorization": "Bearer abc",
        "token_note": "ya29.a0AfH6SM-token",
        "mine": "my-sekrit-value",
        "arguments": {"key": "C major"},
        "short": "k",
    }
    clean = scrub(doc, known=("my-sekrit-value", "k"))
    assert clean == {
        "api_key": REDACTED,
        "nested": [{"text": f"use {REDACTED} here"}],
        "Authorization": REDACTED,
        "token_note": REDACTED,
        "mine": REDACTED,
        "arguments": {"key": "C major"},
        "short": "k",
    }
    a = normalize("post", "//v1/interactions/", "b=2&key=AIzaX&a=1", b'{"z": 1, "a": 2}')
    b = normalize("POST", "/v1/interactions", "a=1&b=2", b'{"a":2,"z":1}')
    assert a == b and a["query"] == "a=1&b=2"
    binary = normalize("POST", "/upload/v1/files", "upload_id=u", b"\x00\xff")
    assert binary["body_size"] == 2 and "body" not in binary


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", *args], stdout=subprocess.PIPE, text=True
    )
    return proc, proc.stdout.readline().strip().rsplit(" ", 1)[-1]


LEGACY_SESSION = """
import io, sys
from google import genai
c = genai.Client(api_key="k", http_options={"base_url": sys.argv[1]})
r = c.interactions.create(model="gemini-3-flash-preview", input="Tell me about herons")
print(r.id, r.outputs[-1].text.splitlines()[0])
print("".join(getattr(e.delta, "text", "") or "" for e in c.interactions.create(
    model="gemini-3-flash-preview", input="count to 5", stream=True) if e.event_type == "content.delta"))
f = c.files.upload(file=io.BytesIO(b"legacy bytes"), config={"mime_type": "text/plain"})
print(f.name, c.files.get(name=f.name).size_bytes)
"""


def test_cli_record_and_replay_with_the_legacy_sdk(legacy_py, tmp_path):
    """1.55 posts upload chunks to the URL as given: the recorder must point it at itself."""
    script = tmp_path / "session.py"
    script.write_text(LEGACY_SESSION)
    cassettes = tmp_path / "cassettes"
    with start(seed=3) as upstream:
        proc, url = _serve("--record", str(cassettes), "--upstream", upstream.base_url)
        try:
            live = subprocess.run([legacy_py, str(script), url], capture_output=True, text=True, timeout=60)
        finally:
            proc.terminate()
            proc.wait(10)
            proc.stdout.close()
    assert live.returncode == 0, live.stderr
    proc, url = _serve("--replay", str(cassettes), "--replay-pacing", "instant")
    try:
        again = subprocess.run([legacy_py, str(script), url], capture_output=True, text=True, timeout=60)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
    assert again.returncode == 0, again.stderr
    assert again.stdout == live.stdout and "1, 2, 3, 4, 5" in live.stdout
