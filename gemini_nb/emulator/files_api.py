"""The Files API: resumable uploads, get, list, delete, and URIs usable as interaction input.

The google-genai SDK uploads in two steps (both verified on the wire, 1.55 and 3.4):

1. ``POST {prefix}/upload/{ver}/files`` with ``X-Goog-Upload-Protocol: resumable``,
   ``X-Goog-Upload-Command: start``, ``X-Goog-Upload-Header-Content-Length/-Type`` and a JSON
   body ``{"file": {"mime_type", "size_bytes", "display_name"?, "name"?}}``; the answer carries
   the session URL in ``X-Goog-Upload-URL``.
2. ``POST <session url>`` per chunk with ``X-Goog-Upload-Command: upload`` (``upload, finalize``
   on the last one) and ``X-Goog-Upload-Offset``. **These requests carry no API key** (the
   session id is the credential), so the upload path is a Starlette route of its own, ahead of
   the authenticated catch-all. Every answer carries ``X-Goog-Upload-Status``: without it the
   SDK retries the chunk with back-off instead of reporting the error.

Wired as :class:`FilesExtension` (see :mod:`gemini_nb.emulator.extension`): get/list/delete
are authenticated routes and answer the camelCase JSON of the Developer API (``mimeType``,
``sizeBytes`` as a string...). At most ``max_files`` files are kept, the oldest deleted first.
Media (video, audio) stays ``PROCESSING`` for ``files_processing_ms`` after upload, like the
real service; the state is derived from the clock, so it also holds after a restart.

Other APIs that take a resumable upload (File Search's ``uploadToFileSearchStore``) reuse the
chunk handling: they open an :class:`UploadSession` with a ``finish`` callback through
:meth:`FilesExtension.open_upload` and answer the start with :meth:`FilesExtension.started`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import check_auth
from .brain.base import remembered
from .errors import ApiError
from .extension import ApiRoute
from .validate import loads_body

_VER = r"(?P<version>v\d+[a-z0-9]*)"
FILES_LIST = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/files/?$")
FILE_ITEM = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/files/(?P<id>[^/:]+)(?P<verb>:[a-zA-Z]+)?/?$")
UPLOAD = re.compile(rf"^(?P<prefix>/.*?)?/upload/{_VER}/files/?$")
FILE_REF = re.compile(
    r"^(?:files/|https?://[^/?#]+(?:/[^?#]*)?/v\d+[a-z0-9]*/files/)"
    r"([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)/?$"
)
NAME_OK = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
TTL_S = 48 * 3600
PROCESSED_KINDS = ("video/", "audio/")


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def file_name_of(ref: str) -> str | None:
    """``files/abc`` from a name, an emulator URI or a googleapis URI; None if not a file ref."""
    match = FILE_REF.match(str(ref or "").strip())
    return f"files/{match.group(1)}" if match else None


class FileStore:
    """Uploaded files (metadata + bytes) in memory, mirrored to SQLite when ``db`` is given."""

    def __init__(self, db: str | None = None, config: Any = None):
        self.config = config
        """Read on every state check, so ``POST /_emulator/config`` changes apply at once."""
        self._items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.db = db
        if db:
            with self._sql() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, "
                    "meta TEXT NOT NULL, data BLOB NOT NULL)"
                )
                for name, meta, data in conn.execute("SELECT name, meta, data FROM files"):
                    self._items[name] = {**json.loads(meta), "content": bytes(data)}

    @contextlib.contextmanager
    def _sql(self):
        """A short-lived connection per write: uploads are rare, and nothing is left open."""
        conn = sqlite3.connect(self.db, isolation_level=None, timeout=10)
        try:
            yield conn
        finally:
            conn.close()

    def add(self, meta: dict[str, Any], data: bytes) -> dict[str, Any]:
        record = {**meta, "content": data}
        with self._lock:
            if record["name"] in self._items:
                raise ApiError(409, f"File {record['name']} already exists.", "ALREADY_EXISTS")
            self._items[record["name"]] = record
            victims = self._over_cap()
            if self.db:
                with self._sql() as conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO files(name, meta, data) VALUES(?,?,?)",
                        (record["name"], json.dumps(meta), data),
                    )
                    conn.executemany("DELETE FROM files WHERE name=?", [(v,) for v in victims])
        return record

    def _over_cap(self) -> list[str]:
        """Forget the oldest files beyond ``max_files`` (insertion order is upload order)."""
        cap = getattr(self.config, "max_files", None) or len(self._items)
        victims = list(self._items)[: max(0, len(self._items) - cap)]
        for name in victims:
            del self._items[name]
        return victims

    def get(self, ref: str) -> dict[str, Any] | None:
        """The record for a name or URI (snake_case metadata, ``state`` now, ``content`` bytes)."""
        name = file_name_of(ref)
        with self._lock:
            record = self._items.get(name) if name else None
        if record is None:
            return None
        if record["expire_ts"] <= time.time():
            self.delete(record["name"])
            return None
        return {**record, "state": self.state(record)}

    def state(self, record: dict[str, Any]) -> str:
        if record["mime_type"].startswith(PROCESSED_KINDS):
            delay_ms = getattr(self.config, "files_processing_ms", 300.0)
            if time.time() < record["create_ts"] + delay_ms / 1000.0:
                return "PROCESSING"
        return "ACTIVE"

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._items, key=lambda n: (-self._items[n]["create_ts"], n))

    def delete(self, ref: str) -> bool:
        name = file_name_of(ref)
        with self._lock:
            existed = self._items.pop(name, None) is not None if name else False
            if existed and self.db:
                with self._sql() as conn:
                    conn.execute("DELETE FROM files WHERE name=?", (name,))
        return existed

    def clear(self) -> None:
        with self._lock:
            self._items = {}
            if self.db:
                with self._sql() as conn:
                    conn.execute("DELETE FROM files")


def resource(record: dict[str, Any], state: str) -> dict[str, Any]:
    """The File resource as the Developer API spells it (camelCase, int64 as string)."""
    body = {
        "name": record["name"],
        "mimeType": record["mime_type"],
        "sizeBytes": str(record["size_bytes"]),
        "createTime": _iso(record["create_ts"]),
        "updateTime": _iso(record["create_ts"]),
        "expirationTime": _iso(record["expire_ts"]),
        "sha256Hash": record["sha256_hash"],
        "uri": record["uri"],
        "state": state,
        "source": "UPLOADED",
    }
    if record.get("display_name"):
        body["displayName"] = record["display_name"]
    return body


def _not_found(name: str) -> ApiError:
    # The real service answers 403 for unknown files (it does not reveal existence).
    return ApiError(
        403,
        f"You do not have permission to access the File {name.split('/', 1)[-1]} or it may not exist.",
        "PERMISSION_DENIED",
    )


# -- resumable upload ---------------------------------------------------------------------


class UploadSession:
    """One resumable upload in progress: what was declared, the bytes so far, and what
    finalizing does (``finish(data) -> JSON answer``; None stores a file in the FileStore)."""

    def __init__(
        self, meta: dict[str, Any], size: int, finish: Callable[[bytes], dict[str, Any]] | None = None
    ):
        self.meta, self.size, self.finish = meta, size, finish
        self.buffer = bytearray()
        self.created = time.time()


def _upload_answer(
    status: str, body: Any = None, code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    heads = {"x-goog-upload-status": status, **(headers or {})}
    if body is None:
        return Response(b"", status_code=code, headers=heads)
    return JSONResponse(body, status_code=code, headers=heads)


def _upload_error(exc: ApiError) -> Response:
    # "final" stops the SDK's chunk retry loop; the JSON body becomes its APIError.
    return _upload_answer("final", exc.body(), exc.code, exc.headers)


async def _start_upload(
    emu: Any, files: FilesExtension, request: Request, prefix: str, version: str
) -> Response:
    check_auth(emu.config, request)
    protocol = request.headers.get("x-goog-upload-protocol", "")
    command = request.headers.get("x-goog-upload-command", "")
    if protocol.lower() != "resumable" or command.strip().lower() != "start":
        raise ApiError(
            400,
            "Only resumable uploads are supported: send X-Goog-Upload-Protocol: "
            "resumable and X-Goog-Upload-Command: start.",
        )
    raw = await request.body()
    body = loads_body(raw) if raw.strip() else {}
    info = body.get("file") if isinstance(body, dict) else None
    info = info if isinstance(info, dict) else {}
    mime = (
        request.headers.get("x-goog-upload-header-content-type")
        or info.get("mime_type")
        or info.get("mimeType")
    )
    if not mime:
        raise ApiError(400, "Invalid value at 'file.mime_type': the MIME type of the upload is required.")
    size_text = request.headers.get("x-goog-upload-header-content-length")
    if size_text is None:
        size_text = info.get("size_bytes", info.get("sizeBytes"))
    try:
        size = int(size_text)
    except (TypeError, ValueError):
        raise ApiError(
            400,
            "Invalid value at 'X-Goog-Upload-Header-Content-Length': the size of "
            "the upload in bytes is required.",
        ) from None
    if size < 0 or size > emu.config.max_body_bytes * 32:
        raise ApiError(400, f"Invalid upload size {size}: the limit is 2 GB per file.")
    name = info.get("name")
    if name:
        short = str(name).split("/", 1)[-1] if str(name).startswith("files/") else str(name)
        if not NAME_OK.match(short):
            raise ApiError(
                400,
                f"Invalid value at 'file.name': {name!r} must be 1-40 lowercase "
                "letters, digits or dashes, not starting or ending with a dash.",
            )
        name = f"files/{short}"
        if files.store.get(name) is not None:
            raise ApiError(409, f"File {name} already exists.", "ALREADY_EXISTS")
    display = info.get("display_name") or info.get("displayName")
    meta = {"name": name, "display_name": display, "mime_type": str(mime), "version": version}
    return files.started(request, prefix, version, files.open_upload(UploadSession(meta, size)))


async def _upload_chunk(
    emu: Any, files: FilesExtension, request: Request, upload_id: str, prefix: str
) -> Response:
    session = files.sessions.get(upload_id)
    if session is None:
        raise ApiError(404, f"Upload session {upload_id} was not found or has already finished.", "NOT_FOUND")
    commands = {c.strip().lower() for c in request.headers.get("x-goog-upload-command", "").split(",")}
    if commands & {"cancel"}:
        files.sessions.pop(upload_id, None)
        return _upload_answer("cancelled")
    if "query" in commands:
        return _upload_answer(
            "active", None, headers={"x-goog-upload-size-received": str(len(session.buffer))}
        )
    if not commands & {"upload", "finalize"}:
        raise ApiError(400, "X-Goog-Upload-Command must be 'upload', 'finalize', 'query' or 'cancel'.")
    data = await request.body()
    if "upload" in commands:
        try:
            offset = int(request.headers.get("x-goog-upload-offset", ""))
        except ValueError:
            raise ApiError(400, "X-Goog-Upload-Offset is required with the upload command.") from None
        if offset != len(session.buffer):
            raise ApiError(
                400,
                f"X-Goog-Upload-Offset {offset} does not match the {len(session.buffer)} "
                "bytes received so far.",
            )
        session.buffer.extend(data)
        if len(session.buffer) > session.size:
            files.sessions.pop(upload_id, None)
            raise ApiError(
                400, f"Received {len(session.buffer)} bytes but the upload declared {session.size}."
            )
    if "finalize" not in commands:
        return _upload_answer("active")
    files.sessions.pop(upload_id, None)
    if len(session.buffer) != session.size:
        raise ApiError(
            400, f"Upload finalized with {len(session.buffer)} bytes but it declared {session.size}."
        )
    if session.finish is not None:  # an upload another API started (File Search)
        return _upload_answer("final", session.finish(bytes(session.buffer)))
    record = _create(emu, files.store, request, session, prefix)
    return _upload_answer("final", {"file": resource(record, files.store.state(record))})


def _create(
    emu: Any, store: FileStore, request: Request, session: UploadSession, prefix: str
) -> dict[str, Any]:
    meta = dict(session.meta)
    name = meta["name"] or emu.ids.file_name()
    data = bytes(session.buffer)
    now = time.time()
    base = str(request.base_url).rstrip("/")
    meta.update(
        name=name,
        size_bytes=len(data),
        create_ts=now,
        expire_ts=now + TTL_S,
        sha256_hash=base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode(),
        uri=f"{base}{prefix}/{meta.pop('version')}/{name}",
    )
    return store.add(meta, data)


def _peek_json(raw: bytes) -> Any:
    try:
        return loads_body(raw) if raw.strip() else None
    except ApiError:
        return None


# -- get / list / delete ------------------------------------------------------------------


async def list_files(emu: Any, store: FileStore, request: Request) -> Response:
    emu.log_request(request.method, request.url.path, request.url.query, request.headers.items(), None)
    if request.method != "GET":
        raise ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")
    try:
        size = int(request.query_params.get("pageSize") or 10)
    except ValueError:
        raise ApiError(400, "Invalid value at 'page_size': expected an integer.") from None
    size = max(1, min(size, 100))
    token = request.query_params.get("pageToken") or ""
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, f"Invalid value at 'page_token': {token!r} was not issued by this server."
        ) from None
    page = []
    names = store.names()
    for name in names[start : start + size]:
        record = store.get(name)
        if record is not None:
            page.append(resource(record, record["state"]))
    body: dict[str, Any] = {"files": page} if page else {}
    if start + size < len(names):
        body["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return JSONResponse(body)


async def file_item(emu: Any, store: FileStore, request: Request, match: re.Match) -> Response:
    emu.log_request(request.method, request.url.path, request.url.query, request.headers.items(), None)
    name = f"files/{match.group('id')}"
    if not NAME_OK.match(match.group("id")):  # not a file id at all: never looked up
        raise ApiError(404, f"File {name} was not found: not a valid file name.", "NOT_FOUND")
    if match.group("verb"):
        if match.group("verb") == ":download":
            raise ApiError(
                400,
                f"File {name} was uploaded, and only generated files can be downloaded.",
                "FAILED_PRECONDITION",
            )
        raise ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")
    if request.method == "GET":
        record = store.get(name)
        if record is None:
            raise _not_found(name)
        return JSONResponse(resource(record, record["state"]))
    if request.method == "DELETE":
        if not store.delete(name):
            raise _not_found(name)
        return JSONResponse({})
    raise ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")


# -- files as interaction input -------------------------------------------------------------


def _file_refs(value: Any, path: str):
    """(field path, uri) for every content part whose ``uri`` points at the Files API."""
    if isinstance(value, dict):
        uri = value.get("uri")
        if isinstance(uri, str) and file_name_of(uri):
            yield f"{path}.uri" if path else "uri", uri
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield from _file_refs(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _file_refs(item, f"{path}[{i}]")


def check_input_files(store: FileStore, request: dict[str, Any]) -> None:
    """Refuse an interaction whose input names a missing or still-processing file."""
    for field, uri in _file_refs(request.get("input"), "input"):
        record = store.get(uri)
        if record is None:
            raise ApiError(
                400,
                f"Invalid value at '{field}': file {file_name_of(uri)} does not "
                "exist (it may have been deleted or expired).",
            )
        if record["state"] != "ACTIVE":
            raise ApiError(
                400,
                f"Invalid value at '{field}': file {record['name']} is "
                f"{record['state']}, not ACTIVE yet; poll files.get until it is.",
                "FAILED_PRECONDITION",
            )


class FilesGuard:
    """Wraps the brain so every answer starts with the Files check above.

    The check needs the original request (to name the field) and must run before any skill,
    scenarios included; the brain is the one hook every create goes through. Attribute
    access falls through to the wrapped brain (``emu.brain.skills`` keeps working).
    """

    returns_inner_reply = True
    """Its answer is the inner brain's reply object as that returned it (or a scripted one):
    the store may keep a remembered reply's blob (``Emulator._passes_replies_on``)."""

    def __init__(self, inner: Any, store: FileStore):
        self.inner, self.store = inner, store

    def remembered(self, key: bytes) -> bytes | None:
        """A plain-text turn (the only kind with a memo key) names no file: nothing to check."""
        return remembered(self.inner, key)

    def respond(self, ctx: Any) -> Any:
        check_input_files(self.store, ctx.request)
        return self.inner.respond(ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class FilesExtension:
    """The Files API as an extension: its routes, its upload sessions, the input check."""

    def __init__(self, store: FileStore):
        self.store = store
        self.sessions: dict[str, UploadSession] = {}
        """Uploads in progress by id; other APIs add theirs through :meth:`open_upload`."""

    def routes(self) -> list[ApiRoute]:
        methods = ("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS")
        # Upload chunks carry no API key (the session id is the credential): auth=False.
        return [
            ApiRoute(("POST", "PUT"), UPLOAD, self.upload, auth=False),
            ApiRoute(methods, FILES_LIST, self.list),
            ApiRoute(methods, FILE_ITEM, self.item),
        ]

    def wrap_brain(self, brain: Any) -> Any:
        return FilesGuard(brain, self.store)

    def reset(self) -> None:
        self.store.clear()
        self.sessions.clear()

    # -- the upload session machinery, shared with APIs that take uploads (File Search) --------
    def open_upload(self, session: UploadSession) -> str:
        """Keep ``session`` for its chunks and return its id (the chunks' only credential).

        Another API that accepts a resumable upload opens a session with a ``finish``
        callback: the chunks then go through this API's upload route (offsets, sizes,
        query/cancel) and finalizing answers ``finish(data)`` instead of storing a file."""
        now = time.time()
        for stale in [k for k, v in self.sessions.items() if v.created < now - 86400]:
            self.sessions.pop(stale, None)  # abandoned uploads, like the real service's expiry
        upload_id = uuid.uuid4().hex
        self.sessions[upload_id] = session
        return upload_id

    @staticmethod
    def started(request: Request, prefix: str, version: str, upload_id: str) -> Response:
        """The answer to an upload's ``start`` command: where to send the chunks."""
        base = str(request.base_url).rstrip("/")
        url = f"{base}{prefix}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable"
        return _upload_answer(
            "active", None, headers={"x-goog-upload-url": url, "x-goog-upload-chunk-granularity": "262144"}
        )

    async def list(self, emu: Any, request: Request, match: re.Match) -> Response:
        return await list_files(emu, self.store, request)

    async def item(self, emu: Any, request: Request, match: re.Match) -> Response:
        return await file_item(emu, self.store, request, match)

    async def upload(self, emu: Any, request: Request, match: re.Match) -> Response:
        """Both steps of a resumable upload share one path; the ``upload_id`` tells them apart."""
        prefix = match.group("prefix") or ""
        upload_id = request.query_params.get("upload_id")
        emu.log_request(
            request.method,
            request.url.path,
            request.url.query,
            request.headers.items(),
            None if upload_id else _peek_json(await request.body()),
        )
        try:
            if upload_id:
                return await _upload_chunk(emu, self, request, upload_id, prefix)
            return await _start_upload(emu, self, request, prefix, match.group("version"))
        except ApiError as exc:
            return _upload_error(exc)
