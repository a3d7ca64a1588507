"""Issue 7 items 2 and 3, emulator side: ids never route elsewhere, keys never reach a log.

Two canaries: ``KEY`` is the API key (sent as header, ``?key=`` and ``Bearer``), ``BODY`` sits
in credential-named body fields. Neither is key-shaped, so only the by-name and by-value
redaction can catch them. Every route is exercised, then every log, record, cassette and
response is searched: zero hits.
"""

from __future__ import annotations

import io
import json
import logging
import time

import httpx
import pytest

from gemini_nb.emulator import start

MODEL = "gemini-3-flash-preview"
KEY = "canary-key-5f0c2e8b7d41"
BODY = "canary-body-9a3e6c1f0b72"


def _client(base_url: str):
    from google import genai

    return genai.Client(api_key=KEY, http_options={"base_url": base_url, "retry_options": {"attempts": 1}})


def _secret_body(text: str, **extra) -> dict:
    return {
        "model": MODEL,
        "input": text,
        "store": True,
        **extra,
        "tools": [
            {
                "type": "mcp_server",
                "name": "vault",
                "url": "https://mcp.example.com/v",
                "headers": {
                    "Authorization": f"Token {BODY}",
                    "x-api-key": BODY,
                    "nested": {"password": BODY, "token": BODY},
                },
            }
        ],
    }


def _exercise(base: str) -> list[str]:
    """Every API route with the canaries in it; returns every response text."""
    seen: list[str] = []
    client = _client(base)
    first = client.interactions.create(model=MODEL, input="hello there")
    seen.append(first.model_dump_json())
    seen.append(
        "".join(
            e.model_dump_json()
            for e in client.interactions.create(model=MODEL, input="stream a little", stream=True)
        )
    )
    seen.append(client.interactions.get(first.id).model_dump_json())
    with httpx.Client(base_url=base, timeout=30) as raw:
        for params, headers in (
            ({"key": KEY}, {}),
            ({}, {"authorization": f"Bearer {KEY}"}),
            ({}, {"x-goog-api-key": KEY}),
        ):
            made = raw.post(
                "/v1beta/interactions",
                params=params,
                headers=headers,
                json=_secret_body("remember this", previous_interaction_id=first.id),
            )
            seen.append(made.text)
            rid = made.json()["id"]
            seen.append(
                raw.get(
                    f"/v1beta/interactions/{rid}", params={**params, "include_input": "true"}, headers=headers
                ).text
            )
            seen.append(
                raw.get(
                    f"/v1beta/interactions/{rid}", params={**params, "stream": "true"}, headers=headers
                ).text
            )
            bg = raw.post(
                "/v1beta/interactions",
                params=params,
                headers=headers,
                json={**_secret_body("a long background essay"), "background": True},
            ).json()
            seen.append(json.dumps(bg))
            seen.append(
                raw.post(f"/v1beta/interactions/{bg['id']}/cancel", params=params, headers=headers).text
            )
            seen.append(raw.delete(f"/v1beta/interactions/{rid}", params=params, headers=headers).text)
            # errors: a bad body, an unknown id, a crafted id, the control plane with a key
            seen.append(
                raw.post(
                    "/v1beta/interactions",
                    params=params,
                    headers=headers,
                    json={"model": MODEL, "input": "x", "api_key": BODY},
                ).text
            )
            seen.append(raw.get("/v1beta/interactions/v1_nope", params=params, headers=headers).text)
            seen.append(raw.get("/_emulator/requests", params=params, headers=headers).text)
            seen.append(
                raw.post("/_emulator/config", params=params, headers=headers, json={"api_key": BODY}).text
            )
    upload = client.files.upload(file=io.BytesIO(b"secret-free bytes"), config={"mime_type": "text/plain"})
    seen.append(upload.model_dump_json())
    seen.append(client.files.get(name=upload.name).model_dump_json())
    seen.append("".join(f.model_dump_json() for f in client.files.list()))
    client.files.delete(name=upload.name)
    seen.extend(_exercise_agents_and_stores(base, client))
    return seen


def _exercise_agents_and_stores(base: str, client) -> list[str]:
    """The custom-agent and File Search routes, the key sent all three ways."""
    import warnings

    warnings.filterwarnings("ignore", message="Agents usage is experimental")
    seen = [
        client.agents.create(id="vault-agent", system_instruction="Be brief.").model_dump_json(),
        client.agents.get("vault-agent").model_dump_json(),
        client.agents.list().model_dump_json(),
    ]
    store = client.file_search_stores.create(config={"display_name": "vault"})
    op = client.file_search_stores.upload_to_file_search_store(
        file_search_store_name=store.name,
        file=io.BytesIO(b"The vault opens at nine."),
        config={"mime_type": "text/plain", "display_name": "vault.txt"},
    )
    seen += [store.model_dump_json(), op.model_dump_json(), client.operations.get(op).model_dump_json()]
    with httpx.Client(base_url=base, timeout=30) as raw:
        for params, headers in (
            ({"key": KEY}, {}),
            ({}, {"authorization": f"Bearer {KEY}"}),
            ({}, {"x-goog-api-key": KEY}),
        ):
            for method, path, body in (
                ("POST", "/v1beta/agents", {"id": "leaky", "api_key": BODY}),
                ("GET", "/v1beta/agents/vault-agent", None),
                ("GET", "/v1beta/agents/Bad_Id", None),
                ("POST", "/v1beta/fileSearchStores", {"displayName": "x", "password": BODY}),
                ("GET", f"/v1beta/{store.name}", None),
                ("GET", f"/v1beta/{store.name}/documents", None),
                ("GET", f"/v1beta/{op.response.document_name}", None),
                ("POST", f"/v1beta/{store.name}:importFile", {"fileName": "files/none", "token": BODY}),
                ("GET", "/v1beta/fileSearchStores/Bad.Id", None),
            ):
                seen.append(raw.request(method, path, params=params, headers=headers, json=body).text)
    client.file_search_stores.delete(name=store.name, config={"force": True})
    client.agents.delete("vault-agent")
    return seen


def _server_log(caplog) -> str:
    """What the emulator process logged (uvicorn, gemini_nb), not the test's own HTTP clients."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("uvicorn", "gemini_nb")))


def _assert_clean(label: str, text: str) -> None:
    assert KEY not in text, f"{label} holds the API key"
    assert BODY not in text, f"{label} holds a secret body field"


def test_no_route_logs_or_answers_a_secret(caplog):
    caplog.set_level(logging.DEBUG)
    with start(log_level="debug") as emu:
        responses = _exercise(emu.base_url)
        time.sleep(0.3)  # let the background run and the cancel settle
        log = httpx.get(emu.base_url + "/_emulator/requests").json()["requests"]
    assert len(log) > 30
    assert any(e["query"].startswith("key=REDACTED") for e in log)  # logged, name kept, value gone
    for i, text in enumerate(responses):
        _assert_clean(f"response {i}", text)
    _assert_clean("/_emulator/requests", json.dumps(log))
    _assert_clean("the emulator's log", _server_log(caplog))


def test_request_log_keeps_redacted_names(emu):
    httpx.post(
        emu.base_url + "/v1beta/interactions",
        params={"key": KEY, "alt": "json"},
        headers={"cookie": f"sid={KEY}"},
        json=_secret_body("hi"),
    )
    entry = emu.requests()[-1]
    assert entry["query"].startswith("key=") and "alt=json" in entry["query"]
    assert entry["headers"]["cookie"] == "***"
    headers = entry["body"]["tools"][0]["headers"]
    assert headers["Authorization"] != f"Token {BODY}" and headers["nested"]["password"] != BODY
    assert entry["body"]["input"] == "hi"


@pytest.mark.parametrize(
    "path, body",
    [
        ("/v1beta/agents", {"id": "logged-agent", "description": "d", "api_key": BODY}),
        ("/v1beta/fileSearchStores", {"displayName": "logged", "password": BODY}),
    ],
)
def test_new_services_log_through_the_redaction(emu, path, body):
    httpx.post(
        emu.base_url + path,
        params={"key": KEY, "alt": "json"},
        headers={"cookie": f"sid={KEY}", "x-goog-api-key": KEY},
        json=body,
    )
    entry = emu.requests()[-1]
    assert entry["path"] == path and entry["query"].startswith("key=") and "alt=json" in entry["query"]
    assert entry["headers"]["cookie"] == "***" and entry["headers"]["x-goog-api-key"] == "***"
    _assert_clean("the request log", json.dumps(entry))
    kept = {k: v for k, v in body.items() if k not in ("api_key", "password")}
    assert {k: entry["body"][k] for k in kept} == kept


def test_record_mode_keeps_no_secret(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with start() as upstream, start(record_dir=str(tmp_path), upstream=upstream.base_url) as proxy:
        responses = _exercise(proxy.base_url)
        time.sleep(0.3)
        logs = [httpx.get(e.base_url + "/_emulator/requests").json() for e in (proxy, upstream)]
    cassettes = sorted(tmp_path.glob("*.json"))
    assert len(cassettes) > 20
    for path in cassettes:
        _assert_clean(path.name, path.read_text())
    for i, text in enumerate(responses):
        _assert_clean(f"response {i}", text)
    _assert_clean("request logs", json.dumps(logs))
    _assert_clean("the emulator's log", _server_log(caplog))


def test_access_log_lines_are_redacted():
    from gemini_nb.emulator.redact import AccessLogFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/v1beta/interactions/v1_a?key={KEY}&x=1", "1.1", 200),
        None,
    )
    assert AccessLogFilter().filter(record)
    line = record.getMessage()
    assert KEY not in line and "x=1" in line and "/v1beta/interactions/v1_a" in line


# -- ids never route elsewhere (issue 7 item 2) -------------------------------------------------


def test_sdk_crafted_ids_never_reach_the_control_plane(emu, client):
    from google.genai import _interactions as gx

    emu.add_fault(path="never-matches", status=500)
    with pytest.raises(gx.NotFoundError) as deleted:
        client.interactions.delete("../../_emulator/faults")
    assert deleted.value.status_code == 404
    assert len(httpx.get(emu.base_url + "/_emulator/faults").json()["rules"]) == 1
    with pytest.raises(gx.NotFoundError) as health:
        client.interactions.get("../../_emulator/health")
    assert health.value.status_code == 404
    with pytest.raises(gx.NotFoundError) as reset:
        client.interactions.cancel("../../_emulator/reset")
    assert reset.value.status_code == 404
    assert len(httpx.get(emu.base_url + "/_emulator/faults").json()["rules"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/v1beta/interactions/..%2F..%2F_emulator%2Ffaults",
        "/v1beta/interactions/%2E%2E/%2E%2E/_emulator/faults",
        "/v1beta/interactions/v1_abc%2Fcancel",
        "/v1beta/files/..%2f_emulator",
        "/v1beta/interactions/..\\_emulator",
        "/%5Femulator/faults",
        "/_emulator%2Ffaults",
        "/v1beta/interactions/v1_a%00",
        "/v1beta/agents/..%2F..%2F_emulator%2Ffaults",
        "/v1beta/agents/%2E%2E",
        "/v1beta/fileSearchStores/..%2Ffiles%2Fabc",
        "/v1beta/fileSearchStores/s%2Fdocuments%2Fd",
        "/v1beta/fileSearchStores/s/documents/..%2F..%2F..%2F_emulator%2Ffaults",
        "/v1beta/fileSearchStores/s/operations/%2E%2E%5Cx",
        "/upload/v1beta/fileSearchStores/..%2F_emulator:uploadToFileSearchStore",
        "/v1beta/fileSearchStores/s/../../_emulator/faults",
    ],
)
def test_encoded_separators_and_dots_are_404(emu, path):
    emu.add_fault(path="never-matches", status=500)
    for method in ("GET", "DELETE", "POST"):
        with httpx.Client() as raw:
            request = raw.build_request(method, emu.base_url + "/", headers={"x-goog-api-key": "k"})
            request.url = request.url.copy_with(raw_path=path.encode())
            resp = raw.send(request)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["error"]["status"] == "NOT_FOUND"
    assert len(httpx.get(emu.base_url + "/_emulator/faults").json()["rules"]) == 1


def test_raw_dot_segments_are_404(emu):
    with httpx.Client() as raw:
        request = raw.build_request("DELETE", emu.base_url + "/", headers={"x-goog-api-key": "k"})
        request.url = request.url.copy_with(raw_path=b"/v1beta/interactions/../../_emulator/faults")
        assert raw.send(request).status_code == 404


@pytest.mark.parametrize("rid", ["abc", "v1_", "v1_a.b", "v1_a b", "v1_" + "a" * 300, "files", "v1_%C3%A9"])
def test_malformed_interaction_ids_are_404_without_lookup(emu, rid):
    for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/cancel")):
        resp = httpx.request(
            method, f"{emu.base_url}/v1beta/interactions/{rid}{suffix}", headers={"x-goog-api-key": "k"}
        )
        assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND", (method, rid)


def test_sdk_crafted_agent_and_store_names_never_reach_the_control_plane(emu, client):
    import warnings

    from google.genai import _interactions as gx
    from google.genai import errors

    warnings.filterwarnings("ignore", message="Agents usage is experimental")
    emu.add_fault(path="never-matches", status=500)
    for call in (
        lambda: client.agents.delete("../../_emulator/faults"),
        lambda: client.agents.get("../../_emulator/health"),
    ):
        with pytest.raises(gx.NotFoundError):
            call()
    up = "fileSearchStores/s/documents/../../../../_emulator"
    for call in (
        lambda: client.file_search_stores.delete(name="fileSearchStores/../../_emulator/faults"),
        lambda: client.file_search_stores.get(name="fileSearchStores/../../_emulator/health"),
        lambda: client.file_search_stores.documents.delete(name=up + "/faults"),
        lambda: client.file_search_stores.import_file(
            file_search_store_name="fileSearchStores/../../_emulator/reset", file_name="files/a"
        ),
    ):
        with pytest.raises(errors.ClientError) as refused:
            call()
        assert refused.value.code == 404
    assert len(httpx.get(emu.base_url + "/_emulator/faults").json()["rules"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/v1beta/agents/{bad}",
        "/v1beta/fileSearchStores/{bad}",
        "/v1beta/fileSearchStores/{bad}/documents",
        "/v1beta/fileSearchStores/{store}/documents/{bad}",
        "/v1beta/fileSearchStores/{bad}/operations/op-1",
        "/v1beta/fileSearchStores/{store}/operations/{bad}",
        "/v1beta/fileSearchStores/{bad}:importFile",
        "/upload/v1beta/fileSearchStores/{bad}:uploadToFileSearchStore",
    ],
)
def test_malformed_agent_store_and_document_ids_are_404_without_lookup(emu, path):
    """Ids off the grammar (upper case, dots, underscores, too long, %-encoded) name nothing."""
    head = {"x-goog-api-key": "k"}
    store = httpx.post(emu.base_url + "/v1beta/fileSearchStores", json={}, headers=head).json()["name"]
    for bad in ("Bad", "a.b", "a_b", "-a", "a" * 70, "%C3%A9", "a%20b"):
        url = emu.base_url + path.format(bad=bad, store=store.split("/")[1])
        for method in ("GET", "DELETE", "POST"):
            resp = httpx.request(method, url, headers=head, json={})
            assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND", (method, url)
            if method == "GET":
                assert "not a valid" in resp.json()["error"]["message"], url


def test_real_api_shaped_ids_are_accepted_as_ids(emu, client):
    made = client.interactions.create(model=MODEL, input="hi")
    assert client.interactions.get(made.id).id == made.id
    from gemini_nb.emulator.ids import is_interaction_id

    assert is_interaction_id(made.id) and is_interaction_id("v1_ChdQa2VfWjRxN0Z1LXp3Z0E-_")
    assert not is_interaction_id("../v1_a") and not is_interaction_id("v1_a/b")


def test_control_plane_refuses_requests_that_carry_a_key(emu):
    base = emu.base_url + "/_emulator/health"
    assert httpx.get(base).status_code == 200
    for kwargs in (
        {"headers": {"x-goog-api-key": "k"}},
        {"params": {"key": "k"}},
        {"headers": {"authorization": "Bearer k"}},
    ):
        assert httpx.get(base, **kwargs).status_code == 404


def test_settings_never_show_a_key_in_the_upstream_url():
    from gemini_nb.emulator.config import EmulatorConfig

    shown = EmulatorConfig(upstream=f"https://example.com/api?key={KEY}&alt=sse", api_key=KEY).as_dict()
    assert KEY not in json.dumps(shown) and shown["upstream"].endswith("alt=sse")


@pytest.mark.parametrize("fid", ["Bad_Name", "a.b", "-dash", "x" * 41, "%C3%A9t%C3%A9"])
def test_malformed_file_ids_are_404_and_unknown_ones_403(emu, fid):
    headers = {"x-goog-api-key": "k"}
    for method in ("GET", "DELETE"):
        resp = httpx.request(method, f"{emu.base_url}/v1beta/files/{fid}", headers=headers)
        assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND", (method, fid)
    assert httpx.get(f"{emu.base_url}/v1beta/files/abc123", headers=headers).status_code == 403
