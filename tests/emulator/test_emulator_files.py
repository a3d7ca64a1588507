"""The Files API through the real SDK: resumable upload, get, list, delete, files as input."""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx
from google.genai import errors

from gemini_nb.emulator import start
from gemini_nb.emulator.brain.base import Reply, text_step

MODEL = "gemini-3-flash-preview"


def test_upload_path_and_stream_fill_the_file_resource(client, tmp_path):
    doc = tmp_path / "notes.txt"
    doc.write_text("hello files api")
    f = client.files.upload(file=doc, config={"display_name": "Notes"})
    assert f.name.startswith("files/") and f.display_name == "Notes"
    assert f.mime_type == "text/plain" and f.size_bytes == len("hello files api")
    assert f.state.value == "ACTIVE" and f.source.value == "UPLOADED"
    assert f.uri.endswith("/v1/" + f.name) and f.create_time and f.expiration_time > f.create_time
    digest = hashlib.sha256(b"hello files api").hexdigest().encode()
    assert base64.b64decode(f.sha256_hash) == digest

    g = client.files.upload(file=io.BytesIO(b"%PDF-1.4 tiny"), config={"mime_type": "application/pdf"})
    got = client.files.get(name=g.name)
    assert (got.name, got.mime_type, got.size_bytes, got.uri) == (g.name, "application/pdf", 13, g.uri)


def test_multi_chunk_upload_over_the_wire(emu):
    """The SDK's chunking, replayed by hand: offsets checked, no key needed on chunks."""
    start_r = httpx.post(
        emu.base_url + "/upload/v1beta/files",
        json={"file": {"display_name": "big"}},
        headers={
            "x-goog-api-key": "k",
            "x-goog-upload-protocol": "resumable",
            "x-goog-upload-command": "start",
            "x-goog-upload-header-content-length": "10",
            "x-goog-upload-header-content-type": "application/octet-stream",
        },
    )
    assert start_r.status_code == 200 and start_r.headers["x-goog-upload-status"] == "active"
    url = start_r.headers["x-goog-upload-url"]
    first = httpx.post(
        url, content=b"01234", headers={"x-goog-upload-command": "upload", "x-goog-upload-offset": "0"}
    )
    assert first.headers["x-goog-upload-status"] == "active"
    wrong = httpx.post(
        url,
        content=b"56789",
        headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "3"},
    )
    assert wrong.status_code == 400 and wrong.headers["x-goog-upload-status"] == "final"
    assert "Offset 3" in wrong.json()["error"]["message"]
    done = httpx.post(
        url,
        content=b"56789",
        headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "5"},
    )
    assert done.status_code == 200 and done.headers["x-goog-upload-status"] == "final"
    body = done.json()["file"]
    assert body["sizeBytes"] == "10" and body["displayName"] == "big" and "/v1beta/files/" in body["uri"]
    again = httpx.post(
        url, content=b"x", headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "10"}
    )
    assert again.status_code == 404


def test_upload_start_needs_a_key(emu):
    r = httpx.post(
        emu.base_url + "/upload/v1/files",
        json={"file": {}},
        headers={
            "x-goog-upload-protocol": "resumable",
            "x-goog-upload-command": "start",
            "x-goog-upload-header-content-length": "1",
            "x-goog-upload-header-content-type": "text/plain",
        },
    )
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_named_file_and_duplicate_name(client):
    f = client.files.upload(file=io.BytesIO(b"a"), config={"mime_type": "text/plain", "name": "my-doc"})
    assert f.name == "files/my-doc"
    with pytest.raises(errors.ClientError) as exc:
        client.files.upload(file=io.BytesIO(b"b"), config={"mime_type": "text/plain", "name": "my-doc"})
    assert exc.value.code == 409
    with pytest.raises(errors.ClientError) as exc:
        client.files.upload(file=io.BytesIO(b"b"), config={"mime_type": "text/plain", "name": "Bad_Name"})
    assert exc.value.code == 400 and "file.name" in exc.value.message


def test_list_paginates_newest_first(client):
    names = [
        client.files.upload(file=io.BytesIO(b"x" * i), config={"mime_type": "text/plain"}).name
        for i in range(1, 6)
    ]
    pager = client.files.list(config={"page_size": 2})
    assert len(pager.page) == 2
    listed = [f.name for f in pager]
    assert listed == list(reversed(names))


def test_delete_then_get_is_refused(client):
    f = client.files.upload(file=io.BytesIO(b"bye"), config={"mime_type": "text/plain"})
    client.files.delete(name=f.name)
    with pytest.raises(errors.ClientError) as exc:
        client.files.get(name=f.name)
    assert exc.value.code == 403 and "may not exist" in exc.value.message
    with pytest.raises(errors.ClientError):
        client.files.delete(name=f.name)
    assert list(client.files.list()) == []


def test_reset_clears_files(emu, client):
    client.files.upload(file=io.BytesIO(b"x"), config={"mime_type": "text/plain"})
    emu.reset()
    assert list(client.files.list()) == []


class SpyBrain:
    """Answers with what ``ctx.files`` says about each Files URI of the input."""

    def respond(self, ctx):
        seen = []
        for part in ctx.user_parts():
            if part.get("uri"):
                record = ctx.files.get(part["uri"])
                seen.append(
                    "not a file"
                    if record is None
                    else f"{record['name']} {record['mime_type']} {record['size_bytes']} {record['state']}"
                )
        return Reply(steps=[text_step("; ".join(seen) or "none")])


@pytest.fixture
def media_emu():
    handle = start(brain=SpyBrain(), files_processing_ms=400)
    yield handle
    handle.stop()


def test_video_processes_then_serves_as_input(media_emu):
    client = make_client(media_emu.base_url)
    video = client.files.upload(file=io.BytesIO(b"\0" * 2048), config={"mime_type": "video/mp4"})
    assert video.state.value == "PROCESSING"
    part = {"type": "video", "uri": video.uri, "mime_type": "video/mp4"}
    with pytest.raises(gx.BadRequestError) as exc:
        client.interactions.create(model=MODEL, input=[{"type": "text", "text": "describe"}, part])
    err = exc.value.body["error"]
    assert err["status"] == "FAILED_PRECONDITION"
    assert "input[0].content[1].uri" in err["message"]  # 3.4 sends content lists as a user_input step
    deadline = time.time() + 5
    while client.files.get(name=video.name).state.value != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.05)
    result = client.interactions.create(model=MODEL, input=[{"type": "text", "text": "describe"}, part])
    assert result.output_text == f"{video.name} video/mp4 2048 ACTIVE"
    # The real service's URI form resolves by name too.
    real_uri = "https://generativelanguage.googleapis.com/v1beta/" + video.name
    again = client.interactions.create(model=MODEL, input=[{"type": "video", "uri": real_uri}])
    assert again.output_text.startswith(video.name)


def test_unknown_file_input_names_the_field(media_emu):
    client = make_client(media_emu.base_url)
    steps = [
        {
            "type": "user_input",
            "content": [{"type": "text", "text": "hi"}, {"type": "document", "uri": "files/nosuchfile"}],
        }
    ]
    with pytest.raises(gx.BadRequestError) as exc:
        client.interactions.create(model=MODEL, input=steps)
    message = exc.value.body["error"]["message"]
    assert "input[0].content[1].uri" in message and "files/nosuchfile" in message
    # Ordinary web URLs are not Files references.
    ok = client.interactions.create(
        model=MODEL,
        input=[{"type": "image", "uri": "https://example.com/files/cat", "mime_type": "image/png"}],
    )
    assert ok.output_text == "not a file"


def test_generic_brain_sees_the_uploaded_file(client):
    pdf = client.files.upload(
        file=io.BytesIO(b"%PDF-1.4\n"), config={"mime_type": "application/pdf", "display_name": "report"}
    )
    result = client.interactions.create(
        model=MODEL, input=[{"type": "text", "text": "Summarize this"}, {"type": "document", "uri": pdf.uri}]
    )
    assert result.status == "completed" and result.output_text


def test_files_survive_a_restart_with_db(tmp_path):
    db = str(tmp_path / "emu.sqlite")
    with start(db=db) as first:
        client = make_client(first.base_url)  # keep a reference: a collected Client closes its pool
        f = client.files.upload(file=io.BytesIO(b"persist"), config={"mime_type": "text/plain"})
    with start(db=db) as second:
        client = make_client(second.base_url)
        got = client.files.get(name=f.name)
        assert got.size_bytes == 7 and got.sha256_hash == f.sha256_hash


def test_files_work_with_the_legacy_sdk(legacy_py, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
        script = textwrap.dedent(f"""
            import io
            from google import genai
            c = genai.Client(api_key="k", http_options={{"base_url": "{url}"}})
            f = c.files.upload(file=io.BytesIO(b"legacy"), config={{"mime_type": "text/plain"}})
            assert f.uri.startswith("{url}/v1beta/files/"), f.uri
            assert c.files.get(name=f.name).size_bytes == 6
            assert [x.name for x in c.files.list()] == [f.name]
            c.files.delete(name=f.name)
            r = c.interactions.create(model="gemini-3-flash-preview", input="hi")
            print("OK", r.status)
        """)
        out = subprocess.run([legacy_py, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "OK completed"
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_async_client_uploads_too(client):
    import asyncio

    async def session():
        f = await client.aio.files.upload(file=io.BytesIO(b"async!"), config={"mime_type": "text/plain"})
        got = await client.aio.files.get(name=f.name)
        names = [x.name async for x in await client.aio.files.list()]
        await client.aio.files.delete(name=f.name)
        return got.size_bytes, names == [f.name]

    assert asyncio.run(session()) == (6, True)
