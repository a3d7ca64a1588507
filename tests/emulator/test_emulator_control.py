"""The control plane under ``/_emulator/``: bad settings are refused and never break the API."""

from __future__ import annotations

import json

import httpx
import pytest
from wire_helpers import KEY, MODEL, post_raw

# -- control plane ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,body",
    [
        ("/_emulator/config", {"latency_ms": "abc"}),
        ("/_emulator/config", {"tokens_per_second": -5}),
        ("/_emulator/config", {"keepalive_s": 0}),
        ("/_emulator/config", {"schema": "nope"}),
        ("/_emulator/config", {"background_ms": True}),
        ("/_emulator/faults", {"latency_ms": "x"}),
        ("/_emulator/faults", {"status": 429, "retry_after": "soon"}),
        ("/_emulator/faults", {"status": True}),
        ("/_emulator/seed", {"seed": True}),
    ],
)
def test_bad_control_settings_are_refused_and_do_not_break_the_api(emu, path, body):
    resp = httpx.post(emu.base_url + path, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"
    ok = post_raw(emu, json.dumps({"model": MODEL, "input": "still fine?"}))
    assert ok.status_code == 200, ok.text


def test_options_gets_the_google_error_envelope(emu):
    resp = httpx.request("OPTIONS", emu.base_url + "/v1/interactions", headers=KEY)
    assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND"
