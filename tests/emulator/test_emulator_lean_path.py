"""Issue 9 rows 3a-3d: the Interactions API's lean path answers exactly like the Starlette path.

The app serves a plain request to a ``lean`` route (:mod:`gemini_nb.emulator.lean`) without
Starlette's layers. Two twin emulators (same seed, same requests in the same order) get every
request, one through :class:`~gemini_nb.emulator.app.EmulatorApp` (lean when eligible), the
other through ``Starlette.__call__`` (the full stack); status, headers, body bytes, the body
message pattern and the request log must be identical (timestamps aside: two clocks).
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from starlette.applications import Starlette

from gemini_nb.emulator.app import create_app, new_emulator
from gemini_nb.emulator.config import EmulatorConfig

MODEL = "gemini-3-flash-preview"
KEY = "test-key-0123456789"
STAMP = re.compile(rb'"(created|updated)":"[0-9T:Z-]+"')


def _scope(method: str, path: str, query: bytes = b"", headers=None, body: bytes = b"", **extra) -> dict:
    raw_headers = [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    scope.update(extra)
    return scope


async def _call(app, scope: dict, body: bytes) -> list[dict]:
    """Every message the app sends for one request."""
    messages: list[dict] = []
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        messages.append(message)

    try:
        await app(scope, receive, send)
    except Exception as exc:  # noqa: BLE001 -- a server would log it; the messages are compared
        messages.append({"type": "raised", "error": type(exc).__name__})
    return messages


def _shape(messages: list[dict]) -> list:
    """Messages with timestamps blanked (the twins' clocks may straddle a second)."""
    out = []
    for m in messages:
        if m["type"] == "http.response.body":
            out.append(("body", STAMP.sub(b'"\\1":"T"', m.get("body", b"")), m.get("more_body", False)))
        elif m["type"] == "http.response.start":
            out.append(("start", m["status"], [tuple(h) for h in m["headers"]]))
        else:
            out.append(tuple(sorted(m.items())))
    return out


class Twins:
    """Two emulators with one seed: ``lean`` serves through EmulatorApp, ``full`` through Starlette."""

    def __init__(self, **settings):
        self.emus, self.apps = [], []
        for _ in range(2):
            emu = new_emulator(EmulatorConfig(seed=7, **settings))
            self.emus.append(emu)
            self.apps.append(create_app(emu))

    async def both(
        self, method: str, path: str, body: bytes = b"", query: bytes = b"", headers=None, **extra
    ):
        lean = await _call(self.apps[0], _scope(method, path, query, headers, body, **extra), body)
        full_app = self.apps[1]
        full = await _call(
            lambda s, r, w: Starlette.__call__(full_app, s, r, w),
            _scope(method, path, query, headers, body, **extra),
            body,
        )
        assert _shape(lean) == _shape(full), (method, path, query, body)
        return lean

    def close(self):
        for emu in self.emus:
            emu.close()


def _json(messages) -> dict:
    return json.loads(b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body"))


def _create(prompt: str = "Tell me a joke", **extra) -> bytes:
    return json.dumps({"model": MODEL, "input": prompt, **extra}).encode()


AUTH = {"x-goog-api-key": KEY, "content-type": "application/json"}


def test_creates_gets_and_streams_answer_alike_on_both_paths():
    async def run():
        twins = Twins()
        try:
            for _ in range(3):  # the first reads the body, the next ones reuse it (and the memo)
                first = await twins.both("POST", "/v1beta/interactions", _create(), headers=AUTH)
            rid = _json(first)["id"]
            await twins.both(
                "POST", "/v1beta/interactions", _create("Next?", previous_interaction_id=rid), headers=AUTH
            )
            for _ in range(2):
                await twins.both(
                    "POST", "/v1beta/interactions", _create("Count from 1 to 30", stream=True), headers=AUTH
                )
            await twins.both("GET", f"/v1beta/interactions/{rid}", headers=AUTH)
            await twins.both("GET", f"/v1beta/interactions/{rid}", query=b"stream=true", headers=AUTH)
            await twins.both(
                "GET", f"/v1beta/interactions/{rid}", query=b"stream=true&last_event_id=evt_2", headers=AUTH
            )
            await twins.both("GET", f"/v1beta/interactions/{rid}", query=b"include_input=true", headers=AUTH)
            await twins.both("GET", f"/proxy/v1alpha/interactions/{rid}", headers=AUTH)
            await twins.both("GET", f"/v1beta/interactions/{rid}", query=f"key={KEY}".encode())
            await twins.both("GET", f"/v1beta/interactions/{rid}", headers={"authorization": f"Bearer {KEY}"})
            legacy = {**AUTH, "x-emulator-schema": "legacy"}
            await twins.both("POST", "/v1beta/interactions", _create(), headers=legacy)
            await twins.both("DELETE", f"/v1beta/interactions/{rid}", headers=AUTH)
            await twins.both("GET", f"/v1beta/interactions/{rid}", headers=AUTH)
            logs = [list(emu.request_log) for emu in twins.emus]
            assert logs[0] == logs[1] and len(logs[0]) == 16
            assert KEY not in json.dumps(logs[0])
        finally:
            twins.close()

    asyncio.run(run())


@pytest.mark.parametrize(
    "method, path, body, query, headers",
    [
        ("POST", "/v1beta/interactions", _create(), b"", {"content-type": "application/json"}),  # no key
        ("POST", "/v1beta/interactions", b"{not json", b"", AUTH),
        ("POST", "/v1beta/interactions", b"", b"", AUTH),
        ("POST", "/v1beta/interactions", b'{"model": "' + MODEL.encode() + b'", "inpt": "x"}', b"", AUTH),
        ("POST", "/v1beta/interactions", _create(agent="deep-research-pro-preview-12-2025"), b"", AUTH),
        ("POST", "/v1beta/interactions", b'{"model": "nope", "input": "x"}', b"", AUTH),
        ("POST", "/v1beta/interactions", _create("x" * 50), b"", {**AUTH, "content-length": "99999999"}),
        ("GET", "/v1beta/interactions/not-an-id", b"", b"", AUTH),
        ("GET", "/v1beta/interactions/v1_missing", b"", b"", AUTH),
        ("GET", "/v1beta/interactions/v1_missing", b"", b"stream=maybe", AUTH),
        ("GET", "/v1beta/interactions/v1_missing", b"", b"last_event_id=evt_1", AUTH),
        ("GET", "/v1beta/interactions", b"", b"", AUTH),
        ("POST", "/v1beta/interactions/v1_missing/cancel", b"", b"", AUTH),
        ("PUT", "/v1beta/interactions", _create(), b"", AUTH),
        ("POST", "/v1beta/interactions/..%2F_emulator", _create(), b"", AUTH),
        ("POST", "/_emulator/reset", b"", b"", {}),
    ],
)
def test_refusals_answer_alike_on_both_paths(method, path, body, query, headers):
    async def run():
        twins = Twins()
        try:
            messages = await twins.both(method, path, body, query, headers)
            assert messages[0]["status"] != 500
        finally:
            twins.close()

    asyncio.run(run())


def test_faults_answer_alike_on_both_paths():
    async def run():
        twins = Twins()
        try:
            for emu in twins.emus:
                emu.faults.add({"method": "POST", "model": MODEL, "status": 503, "times": 1})
                emu.faults.add({"path": "interactions", "drop_after_events": 3, "times": 1})
                emu.faults.add({"path": "interactions", "error_after_events": 4, "times": 1})
                emu.faults.add(
                    {"path": "interactions", "drop_after_events": 2, "drop_mode": "eof", "times": 1}
                )
            answers = []
            for _ in range(5):
                body = _create("Count from 1 to 30", stream=True)
                answers.append(await twins.both("POST", "/v1beta/interactions", body, headers=AUTH))
            assert answers[0][0]["status"] == 503
            assert answers[1][-1] != {"type": "http.response.body", "body": b"", "more_body": False}  # cut
            assert b"event: error" in answers[2][-2]["body"]
            assert answers[3][-1] == {"type": "http.response.body", "body": b"", "more_body": False}
        finally:
            twins.close()

    asyncio.run(run())


def test_a_stream_writes_one_event_per_body_message():
    async def run():
        twins = Twins()
        try:
            body = _create("Count from 1 to 300", stream=True)
            messages = await twins.both("POST", "/v1beta/interactions", body, headers=AUTH)
            frames = [m["body"] for m in messages[1:-1]]
            assert len(frames) > 100
            assert all(f.count(b"\n\n") == 1 and f.endswith(b"\n\n") for f in frames)
            assert frames[-1] == b"event: done\ndata: [DONE]\n\n"
        finally:
            twins.close()

    asyncio.run(run())


def test_only_plain_requests_to_lean_routes_skip_starlette():
    emu = new_emulator(EmulatorConfig())
    app = create_app(emu)
    try:
        assert app.lean(_scope("POST", "/v1beta/interactions"))
        assert app.lean(_scope("GET", "/v1beta/interactions/v1_abc", query=b"stream=true"))
        assert not app.lean(_scope("PUT", "/v1beta/interactions"))  # Starlette answers other methods
        assert not app.lean(_scope("POST", "/v1beta/files"))  # not a lean route
        assert not app.lean(_scope("POST", "/_emulator/reset"))
        assert not app.lean(_scope("POST", "/v1beta/interactions", root_path="/api"))
        assert not app.lean(_scope("POST", "/v1beta/interactions%2F", raw_path=b"/v1beta/interactions%2F"))
        assert not app.lean(_scope("POST", "/v1beta/interactions?x"))  # a decoded ? re-encodes in URL
        assert not app.lean(_scope("GET", "/v1beta/interactions/v1_a", query="k=\u00e9".encode()))
        assert not app.lean(_scope("GET", "/v1beta/interactions/v1_a", query=b"a#b"))

        async def run():
            await _call(app, _scope("POST", "/v1beta/interactions", headers=AUTH, body=_create()), _create())

        asyncio.run(run())
        assert app.middleware_stack is None  # Starlette's stack was never even built
    finally:
        emu.close()
