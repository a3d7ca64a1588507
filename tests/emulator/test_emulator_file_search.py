"""File Search stores and the ``file_search`` tool answering from stored documents.

Driven through the unmodified google-genai 3.x SDK (and 1.55 for the legacy check).
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import zlib

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.lib.file_search import (
    chunks,
    extract_text,
    pdf_text,
    retrieve,
)

MODEL = "gemini-3-flash-preview"
HANDBOOK = (
    b"Vacation policy.\n\nEmployees get 25 days of paid vacation per year. Unused days carry over "
    b"until March.\n\nThe office is closed on public holidays.\n\nExpense reports are due by the "
    b"fifth working day of each month."
)


def _store_with_handbook(client):
    store = client.file_search_stores.create(config={"display_name": "HR docs"})
    op = client.file_search_stores.upload_to_file_search_store(
        file_search_store_name=store.name,
        file=io.BytesIO(HANDBOOK),
        config={
            "display_name": "handbook.txt",
            "mime_type": "text/plain",
            "custom_metadata": [{"key": "team", "string_value": "hr"}],
        },
    )
    return store, op


def test_store_lifecycle_upload_import_list_delete(client):
    store, op = _store_with_handbook(client)
    assert store.name.startswith("fileSearchStores/hr-docs-") and store.display_name == "HR docs"
    assert op.done and op.response.parent == store.name
    assert client.operations.get(op).response.document_name == op.response.document_name
    uploaded = client.files.upload(
        file=io.BytesIO(b"Lunch is served from noon to 2pm."),
        config={"mime_type": "text/plain", "display_name": "cafe.txt"},
    )
    imported = client.file_search_stores.import_file(
        file_search_store_name=store.name, file_name=uploaded.name
    )
    assert imported.done and imported.response.document_name.startswith(f"{store.name}/documents/cafe-txt-")
    docs = list(client.file_search_stores.documents.list(parent=store.name))
    assert sorted(d.display_name for d in docs) == ["cafe.txt", "handbook.txt"]
    assert {d.state.value for d in docs} == {"STATE_ACTIVE"}
    got = client.file_search_stores.get(name=store.name)
    assert got.active_documents_count == 2 and got.size_bytes == len(HANDBOOK) + 33
    assert [s.name for s in client.file_search_stores.list()] == [store.name]
    with pytest.raises(Exception, match="not empty"):
        client.file_search_stores.delete(name=store.name)
    client.file_search_stores.documents.delete(name=docs[0].name)
    assert len(list(client.file_search_stores.documents.list(parent=store.name))) == 1
    client.file_search_stores.delete(name=store.name, config={"force": True})
    assert list(client.file_search_stores.list()) == []
    with pytest.raises(Exception, match="not found"):
        client.file_search_stores.get(name=store.name)


def test_file_search_answers_from_the_documents_with_citations(client):
    store, op = _store_with_handbook(client)
    done = client.interactions.create(
        model=MODEL,
        input="How many vacation days do employees get, according to our documents?",
        tools=[{"type": "file_search", "file_search_store_names": [store.name]}],
    )
    kinds = [s.type for s in done.steps]
    assert kinds[-3:] == ["file_search_call", "file_search_result", "model_output"]
    assert "25 days of paid vacation" in done.output_text
    notes = done.steps[-1].content[0].annotations
    assert notes and notes[0].type == "file_citation" and notes[0].source == store.name
    assert notes[0].document_uri == op.response.document_name
    text = done.output_text
    assert "25 days" in text[notes[0].start_index : notes[0].end_index]
    expenses = client.interactions.create(
        model=MODEL,
        input="When are expense reports due per our docs?",
        tools=[{"type": "file_search", "file_search_store_names": [store.name]}],
    )
    assert "fifth working day" in expenses.output_text and "vacation" not in expenses.output_text


def test_no_match_says_so_and_filters_apply(client):
    store, _ = _store_with_handbook(client)
    tool = {"type": "file_search", "file_search_store_names": [store.name]}
    miss = client.interactions.create(
        model=MODEL, input="What do our documents say about parking?", tools=[tool]
    )
    assert "found nothing about parking" in miss.output_text
    filtered = client.interactions.create(
        model=MODEL,
        input="What does our vacation policy say?",
        tools=[{**tool, "metadata_filter": 'team = "sales"'}],
    )
    assert "found nothing" in filtered.output_text
    kept = client.interactions.create(
        model=MODEL,
        input="What does our vacation policy say?",
        tools=[{**tool, "metadata_filter": 'team = "hr"'}],
    )
    assert "25 days" in kept.output_text


def test_unknown_store_next_to_a_real_one_is_a_400(client):
    store, _ = _store_with_handbook(client)
    from google.genai import _interactions as gx

    with pytest.raises(gx.BadRequestError, match="fileSearchStores/ghost"):
        client.interactions.create(
            model=MODEL,
            input="What do our docs say about vacation?",
            tools=[
                {"type": "file_search", "file_search_store_names": [store.name, "fileSearchStores/ghost"]}
            ],
        )


def test_import_of_a_missing_file_is_a_400(emu):
    head = {"x-goog-api-key": "k"}
    store = httpx.post(f"{emu.base_url}/v1beta/fileSearchStores", json={}, headers=head).json()
    bad = httpx.post(
        f"{emu.base_url}/v1beta/{store['name']}:importFile", json={"fileName": "files/nope"}, headers=head
    )
    assert bad.status_code == 400 and "files/nope" in bad.json()["error"]["message"]


def test_pdf_text_is_extracted():
    content = b"BT /F1 12 Tf 72 720 Td (Refunds take 14 days.) Tj T* (Call us \\(daily\\).) Tj ET"
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Length 9 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(content)
        + b"\nendstream\nendobj\n%%EOF"
    )
    assert pdf_text(pdf) == "Refunds take 14 days.\nCall us (daily)."
    assert extract_text(pdf, "application/pdf").startswith("Refunds")
    assert extract_text(b"\x00\xff\xfe", "application/octet-stream") == ""


WORD = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=5, max_size=9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORD, min_size=4, max_size=12, unique=True), st.data())
def test_retrieval_finds_the_paragraph_with_the_asked_word(words, data):
    """Random documents of made-up words: asking for one word returns the paragraph holding it."""
    paras = [" ".join(words[i : i + 2]) + "." for i in range(0, len(words), 2)]
    target = data.draw(st.sampled_from(words))
    doc = {
        "name": "fileSearchStores/s/documents/d",
        "store": "fileSearchStores/s",
        "text": "\n\n".join(paras),
    }
    hits = retrieve(f"What about {target}?", [doc], top_k=1)
    assert len(hits) == 1 and target in hits[0].text.rstrip(".").split()
    assert all(len(c) <= 600 for c in chunks(doc["text"] * 30))


def test_urlsafe_base64_is_accepted_wherever_base64_is(client):
    text = "Ünïcode?>> notes ~~ for the team" * 3
    raw = text.encode()
    safe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "-" in safe or "_" in safe
    done = client.interactions.create(
        model=MODEL,
        input=[
            {"type": "text", "text": "What is in this file?"},
            {"type": "document", "data": safe, "mime_type": "text/plain"},
        ],
    )
    assert "Ünïcode" in done.output_text
    from google.genai import _interactions as gx

    with pytest.raises(gx.BadRequestError, match="base64"):
        client.interactions.create(
            model=MODEL, input=[{"type": "image", "data": "abc$%", "mime_type": "image/png"}]
        )


LEGACY = r"""
import io, json, sys
from google import genai
c = genai.Client(api_key="k", http_options={"base_url": sys.argv[1]})
store = c.file_search_stores.create(config={"display_name": "legacy"})
c.file_search_stores.upload_to_file_search_store(file_search_store_name=store.name,
    file=io.BytesIO(b"The launch code is tango seven."), config={"mime_type": "text/plain"})
r = c.interactions.create(model="gemini-3-flash-preview", input="What is the launch code in our documents?",
    tools=[{"type": "file_search", "file_search_store_names": [store.name]}])
docs = list(c.file_search_stores.documents.list(parent=store.name))
print(json.dumps({"text": r.outputs[-1].text, "docs": len(docs)}))
"""


def test_legacy_sdk_file_search_store(legacy_py, emu):
    out = subprocess.run([legacy_py, "-c", LEGACY, emu.base_url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["docs"] == 1 and "tango seven" in got["text"]


def test_upload_into_a_store_deleted_meanwhile_ends_with_one_clear_404(emu):
    """The chunks go through the Files API's session; finalizing calls back into File Search."""
    head = {"x-goog-api-key": "k"}
    store = httpx.post(f"{emu.base_url}/v1beta/fileSearchStores", json={}, headers=head).json()["name"]
    start = httpx.post(
        f"{emu.base_url}/upload/v1beta/{store}:uploadToFileSearchStore",
        json={"displayName": "late.txt"},
        headers={
            **head,
            "x-goog-upload-protocol": "resumable",
            "x-goog-upload-command": "start",
            "x-goog-upload-header-content-length": "4",
            "x-goog-upload-header-content-type": "text/plain",
        },
    )
    url = start.headers["x-goog-upload-url"]
    assert start.status_code == 200 and "/upload/v1beta/files?upload_id=" in url
    assert httpx.delete(f"{emu.base_url}/v1beta/{store}", headers=head).status_code == 200
    last = httpx.post(
        url,
        content=b"late",
        headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"},
    )
    assert last.status_code == 404 and last.headers["x-goog-upload-status"] == "final"
    assert store in last.json()["error"]["message"]
    assert httpx.get(f"{emu.base_url}/v1beta/files", headers=head).json() == {}  # no stray file
