"""Runs that end under their subscribers: streams of deleted or reset interactions, keep-alives of
background streams, cross-schema streams of running interactions, concurrent streams/polls/cancels.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
from clients import make_client
from wire_helpers import KEY, MODEL, post_raw, read_stream, sse_data, sse_events, start_stream

# -- runs that end under their subscribers ------------------------------------------------


def test_deleting_a_running_interaction_ends_its_streams(emu):
    emu.configure(tokens_per_second=100.0)

    async def main():
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30) as http:
            owner, rid = await start_stream(http, emu, "Tell me a long story about dragons")
            watcher = asyncio.create_task(read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true"))
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
        with httpx.stream("GET", f"{emu.base_url}/v1/interactions/{job.id}?stream=true", headers=KEY) as resp:
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
        with httpx.stream(
            "GET", f"{emu.base_url}/v1beta/interactions/{job.id}?stream=true", headers=legacy, timeout=10
        ) as resp:
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
        bad = httpx.get(
            f"{emu.base_url}/v1beta/interactions/{job2.id}?stream=true&last_event_id=nope", headers=legacy
        )
        assert bad.status_code == 400
        resumed = httpx.get(
            f"{emu.base_url}/v1beta/interactions/{job2.id}?stream=true&last_event_id=evt_3",
            headers=legacy,
            timeout=10,
        )
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
            text = await read_stream(
                http, "POST", "/v1/interactions", json={"model": MODEL, "input": f"story {i}", "stream": True}
            )
            assert sse_data(text)[-1] == "[DONE]"
            return
        resp = await http.post(
            "/v1/interactions", json={"model": MODEL, "input": f"bg {i}", "background": True}
        )
        assert resp.status_code == 200, resp.text
        rid = resp.json()["id"]
        if kind == 1:
            while True:
                got = await http.get(f"/v1/interactions/{rid}")
                assert got.status_code == 200, got.text
                if got.json()["status"] not in ("queued", "in_progress"):
                    return
                await asyncio.sleep(0.02)
        follower = asyncio.create_task(
            read_stream(http, "GET", f"/v1/interactions/{rid}?stream=true", gone_ok=kind == 3)
        )
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
        async with httpx.AsyncClient(base_url=emu.base_url, headers=KEY, timeout=30, limits=limits) as http:
            await asyncio.wait_for(asyncio.gather(*[one(http, i) for i in range(200)]), 60)

    asyncio.run(main())
    deadline = time.monotonic() + 5
    while emu.emulator.runs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(emu.emulator.runs) == 0
