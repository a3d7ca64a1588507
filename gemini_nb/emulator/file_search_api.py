"""File Search stores: ``client.file_search_stores.*`` and ``.documents.*`` (Developer API, camelCase).

The ``file_search`` tool answers from documents that were put into a store first, so the
emulator keeps stores and documents and lets the brain retrieve from them
(:mod:`.brain.file_search`). Paths (verified against google-genai 3.6 and 1.55):

* ``POST/GET /{ver}/fileSearchStores``, ``GET/DELETE /{ver}/fileSearchStores/{id}`` (``force``);
* ``POST /{ver}/fileSearchStores/{id}:importFile`` ``{"fileName": "files/..."}``: copies a
  Files API upload (the Files API's storage is reused; the document keeps its own bytes);
* ``POST /upload/{ver}/fileSearchStores/{id}:uploadToFileSearchStore``: a resumable upload;
  its chunks go through the Files API's upload session machinery, which calls back here;
* both answer a long-running Operation that is already ``done`` (documents are indexed at
  once); ``GET`` of the operation's name (``client.operations.get``) returns it again;
* ``GET /{ver}/fileSearchStores/{id}/documents`` and ``GET/DELETE .../documents/{doc}``.

Wired as :class:`FileSearchExtension` (see :mod:`gemini_nb.emulator.extension`): it owns the
:class:`FileSearchState`, serves its routes, forgets it on reset, and puts
:class:`FileSearchGuard` in the brain chain so the ``file_search`` tool reads the stores from
``ctx.stores``. It is given the :class:`~gemini_nb.emulator.files_api.FilesExtension` it
builds on: ``importFile`` reads that API's FileStore, and uploads open a session there
(:meth:`~gemini_nb.emulator.files_api.FilesExtension.open_upload`) whose ``finish`` adds the
document.

Store, document and operation ids follow one grammar (:data:`ID_OK`); a path segment that
does not is a 404 before any lookup, so no id ever names another resource.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .brain.base import remembered
from .brain.lib.file_search import extract_text
from .errors import ApiError, invalid, not_found
from .extension import ApiRoute
from .files_api import FilesExtension, UploadSession
from .interactions_api import read_json

_VER = r"(?P<version>v\d+[a-z0-9]*)"
ID_OK = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
"""Store, document and operation ids (what follows ``fileSearchStores/``, ``documents/``...)."""
STORES = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/fileSearchStores/?$")
STORE = re.compile(
    rf"^(?P<prefix>/.*?)?/{_VER}/fileSearchStores/(?P<store>[^/:]+)(?::(?P<verb>[A-Za-z]+))?/?$"
)
DOCS = re.compile(rf"^(?P<prefix>/.*?)?/{_VER}/fileSearchStores/(?P<store>[^/:]+)/documents/?$")
DOC = re.compile(
    rf"^(?P<prefix>/.*?)?/{_VER}/fileSearchStores/(?P<store>[^/:]+)/documents/(?P<doc>[^/:]+)/?$"
)
OPERATION = re.compile(
    rf"^(?P<prefix>/.*?)?/{_VER}/(?P<name>fileSearchStores/(?P<store>[^/:]+)/(?:upload/)?operations/"
    r"(?P<op>[^/:]+))/?$"
)
UPLOAD = re.compile(
    rf"^(?P<prefix>/.*?)?/upload/{_VER}/fileSearchStores/(?P<store>[^/:]+):uploadToFileSearchStore/?$"
)
IMPORT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.ImportFileResponse"
UPLOAD_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.UploadToFileSearchStoreResponse"


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")[:27].strip("-")


class FileSearchState:
    """Stores, their documents (with extracted text) and finished operations, in memory."""

    def __init__(self) -> None:
        self.stores: dict[str, dict[str, Any]] = {}
        self.operations: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._n = 0

    def _suffix(self, *parts: Any) -> str:
        self._n += 1
        return hashlib.sha256(repr((parts, self._n)).encode()).hexdigest()[:12]

    def create_store(self, display_name: str | None) -> dict[str, Any]:
        with self._lock:
            stem = _slug(display_name) or "store"
            name = f"fileSearchStores/{stem}-{self._suffix(display_name)}"
            now = time.time()
            store = {
                "name": name,
                "display_name": display_name,
                "create_ts": now,
                "update_ts": now,
                "docs": {},
            }
            self.stores[name] = store
            return store

    def store(self, name: str) -> dict[str, Any]:
        with self._lock:
            store = self.stores.get(name)
        if store is None:
            raise ApiError(404, f"FileSearchStore {name} not found.", "NOT_FOUND")
        return store

    def add_document(
        self,
        store_name: str,
        data: bytes,
        mime_type: str,
        display_name: str | None,
        metadata: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        store = self.store(store_name)
        with self._lock:
            stem = _slug(display_name) or "document"
            name = f"{store_name}/documents/{stem}-{self._suffix(store_name, display_name)}"
            now = time.time()
            doc = {
                "name": name,
                "display_name": display_name,
                "mime_type": mime_type or "application/octet-stream",
                "size_bytes": len(data),
                "create_ts": now,
                "custom_metadata": metadata or [],
                "text": extract_text(data, mime_type),
                "store": store_name,
            }
            store["docs"][name] = doc
            store["update_ts"] = now
            return doc

    def operation(self, store_name: str, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            path = "upload/operations" if kind == "upload" else "operations"
            name = f"{store_name}/{path}/{kind}-{self._suffix(doc['name'])}"
            op = {
                "name": name,
                "done": True,
                "response": {
                    "@type": UPLOAD_TYPE if kind == "upload" else IMPORT_TYPE,
                    "parent": store_name,
                    "documentName": doc["name"],
                },
            }
            self.operations[name] = op
            return op

    def documents(self, names: list[str]) -> list[dict[str, Any]]:
        """Every document of the named stores (missing stores raise 404 naming them)."""
        out = []
        for name in names:
            out.extend(self.store(name)["docs"].values())
        return out

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self.stores

    def delete_store(self, name: str, force: bool) -> None:
        store = self.store(name)
        if store["docs"] and not force:
            raise ApiError(
                400,
                f"FileSearchStore {name} is not empty; delete its documents first or pass force=true.",
                "FAILED_PRECONDITION",
            )
        with self._lock:
            self.stores.pop(name, None)

    def clear(self) -> None:
        with self._lock:
            self.stores.clear()
            self.operations.clear()


def store_resource(store: dict[str, Any]) -> dict[str, Any]:
    body = {
        "name": store["name"],
        "createTime": _iso(store["create_ts"]),
        "updateTime": _iso(store["update_ts"]),
        "activeDocumentsCount": str(len(store["docs"])),
        "sizeBytes": str(sum(d["size_bytes"] for d in store["docs"].values())),
    }
    if store.get("display_name"):
        body["displayName"] = store["display_name"]
    return body


def document_resource(doc: dict[str, Any]) -> dict[str, Any]:
    body = {
        "name": doc["name"],
        "state": "STATE_ACTIVE",
        "sizeBytes": str(doc["size_bytes"]),
        "mimeType": doc["mime_type"],
        "createTime": _iso(doc["create_ts"]),
        "updateTime": _iso(doc["create_ts"]),
    }
    if doc.get("display_name"):
        body["displayName"] = doc["display_name"]
    if doc.get("custom_metadata"):
        body["customMetadata"] = doc["custom_metadata"]
    return body


def _page(request: Request, items: list[Any], default: int = 10) -> tuple[list[Any], str | None]:
    try:
        size = int(request.query_params.get("pageSize") or default)
    except ValueError:
        raise invalid("page_size", "expected an integer") from None
    size = max(1, min(size, 100))
    token = request.query_params.get("pageToken") or ""
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except (ValueError, UnicodeDecodeError):
        raise invalid("page_token", f"{token!r} was not issued by this server") from None
    nxt = base64.urlsafe_b64encode(str(start + size).encode()).decode() if start + size < len(items) else None
    return items[start : start + size], nxt


def _metadata(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("key"), str) for m in value
    ):
        raise invalid("customMetadata", "expected a list of {key, stringValue|numericValue|stringListValue}")
    return value


def _log(emu: Any, request: Request, body: Any = None) -> None:
    """Into the request log, redacted there (:mod:`gemini_nb.emulator.redact`)."""
    emu.log_request(request.method, request.url.path, request.url.query, request.headers.items(), body)


def _no_method(request: Request) -> ApiError:
    return ApiError(404, f"Method not found: {request.method} {request.url.path}", "NOT_FOUND")


def _store_name(match: re.Match) -> str:
    """``fileSearchStores/{id}`` from the path; an id off the grammar is a 404, never looked up."""
    store = match.group("store")
    if not ID_OK.match(store):
        raise not_found(f"FileSearchStore fileSearchStores/{store} not found: not a valid store id.")
    return f"fileSearchStores/{store}"


def _object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received: the request body must be a JSON object.")
    return body


class FileSearchGuard:
    """Wraps the brain so ``ctx.stores`` is this emulator's File Search state."""

    returns_inner_reply = True
    """Its answer is the inner brain's reply object as that returned it (or a scripted one):
    the store may keep a remembered reply's blob (``Emulator._passes_replies_on``)."""

    def __init__(self, inner: Any, state: FileSearchState):
        self.inner, self.state = inner, state

    def remembered(self, key: bytes) -> bytes | None:
        """A plain-text turn uses no File Search store."""
        return remembered(self.inner, key)

    def respond(self, ctx: Any) -> Any:
        ctx.stores = self.state
        return self.inner.respond(ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class FileSearchExtension:
    """File Search stores as an extension, built on the Files API it is given."""

    def __init__(self, files: FilesExtension):
        self.files = files
        self.state = FileSearchState()

    def routes(self) -> list[ApiRoute]:
        methods = ("GET", "POST", "DELETE", "PUT", "PATCH")
        return [
            ApiRoute(methods, UPLOAD, self.upload_start),
            ApiRoute(methods, OPERATION, self.operation),
            ApiRoute(methods, DOCS, self.documents),
            ApiRoute(methods, DOC, self.document),
            ApiRoute(methods, STORES, self.stores),
            ApiRoute(methods, STORE, self.store),
        ]

    def wrap_brain(self, brain: Any) -> Any:
        return FileSearchGuard(brain, self.state)

    def reset(self) -> None:
        self.state.clear()

    async def stores(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``POST`` (create) and ``GET`` (list) ``/{ver}/fileSearchStores``."""
        if request.method == "POST":
            body = await read_json(request, emu.config.max_body_bytes, required=False)
            _log(emu, request, body)
            body = _object(body)
            display = body.get("displayName", body.get("display_name"))
            if display is not None and (not isinstance(display, str) or len(display) > 512):
                raise invalid("displayName", "expected a string of at most 512 characters")
            return JSONResponse(store_resource(self.state.create_store(display)))
        _log(emu, request)
        if request.method != "GET":
            raise _no_method(request)
        stores = sorted(self.state.stores.values(), key=lambda s: (-s["create_ts"], s["name"]))
        page, nxt = _page(request, [store_resource(s) for s in stores])
        body: dict[str, Any] = {"fileSearchStores": page} if page else {}
        if nxt:
            body["nextPageToken"] = nxt
        return JSONResponse(body)

    async def store(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET``/``DELETE`` a store, ``POST ...:importFile`` a Files API upload into it."""
        verb = match.group("verb")
        if verb == "importFile" and request.method == "POST":
            body = await read_json(request, emu.config.max_body_bytes, required=True)
            _log(emu, request, body)
            return JSONResponse(self._import(_store_name(match), body))
        _log(emu, request)
        name = _store_name(match)
        if verb:
            raise _no_method(request)
        if request.method == "GET":
            return JSONResponse(store_resource(self.state.store(name)))
        if request.method == "DELETE":
            force = (request.query_params.get("force") or "").lower() in ("true", "1")
            self.state.delete_store(name, force)
            return JSONResponse({})
        raise _no_method(request)

    def _import(self, name: str, body: Any) -> dict[str, Any]:
        file_name = body.get("fileName", body.get("file_name")) if isinstance(body, dict) else None
        if not isinstance(file_name, str):
            raise invalid("fileName", "the name of a Files API file (files/...) is required")
        self.state.store(name)
        record = self.files.store.get(file_name)
        if record is None:
            raise invalid(
                "fileName", f"file {file_name} does not exist (it may have been deleted or expired)."
            )
        doc = self.state.add_document(
            name,
            record["content"],
            record["mime_type"],
            record.get("display_name") or record["name"].split("/", 1)[-1],
            _metadata(body.get("customMetadata", body.get("custom_metadata"))),
        )
        return self.state.operation(name, "import", doc)

    async def documents(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET /{ver}/fileSearchStores/{id}/documents`` (paged)."""
        _log(emu, request)
        if request.method != "GET":
            raise _no_method(request)
        store = self.state.store(_store_name(match))
        docs = sorted(store["docs"].values(), key=lambda d: (-d["create_ts"], d["name"]))
        page, nxt = _page(request, [document_resource(d) for d in docs])
        body: dict[str, Any] = {"documents": page} if page else {}
        if nxt:
            body["nextPageToken"] = nxt
        return JSONResponse(body)

    async def document(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET``/``DELETE /{ver}/fileSearchStores/{id}/documents/{doc}``."""
        _log(emu, request)
        store = self.state.store(_store_name(match))
        name = f"{store['name']}/documents/{match.group('doc')}"
        if not ID_OK.match(match.group("doc")):
            raise not_found(f"Document {name} not found: not a valid document id.")
        doc = store["docs"].get(name)
        if doc is None:
            raise not_found(f"Document {name} not found.")
        if request.method == "GET":
            return JSONResponse(document_resource(doc))
        if request.method == "DELETE":
            store["docs"].pop(name, None)
            return JSONResponse({})
        raise _no_method(request)

    async def operation(self, emu: Any, request: Request, match: re.Match) -> Response:
        """``GET`` an import or upload operation (``client.operations.get``)."""
        _log(emu, request)
        _store_name(match)
        if not ID_OK.match(match.group("op")):
            raise not_found(f"Operation {match.group('name')} not found: not a valid operation id.")
        op = self.state.operations.get(match.group("name"))
        if op is None or request.method != "GET":
            raise not_found(f"Operation {match.group('name')} not found.")
        return JSONResponse(op)

    async def upload_start(self, emu: Any, request: Request, match: re.Match) -> Response:
        """Start a resumable upload into a store; the Files API's upload session takes the chunks
        and, on finalize, calls back here to add the document and answer its operation."""
        body = await read_json(request, emu.config.max_body_bytes, required=False)
        _log(emu, request, body)
        name = _store_name(match)
        self.state.store(name)
        if (
            request.headers.get("x-goog-upload-protocol", "").lower() != "resumable"
            or request.headers.get("x-goog-upload-command", "").strip().lower() != "start"
        ):
            raise ApiError(
                400,
                "Only resumable uploads are supported: send X-Goog-Upload-Protocol: "
                "resumable and X-Goog-Upload-Command: start.",
            )
        body = _object(body)
        mime = str(
            request.headers.get("x-goog-upload-header-content-type")
            or body.get("mimeType")
            or "application/octet-stream"
        )
        try:
            size = int(request.headers.get("x-goog-upload-header-content-length", ""))
        except ValueError:
            raise ApiError(
                400,
                "Invalid value at 'X-Goog-Upload-Header-Content-Length': the size of the "
                "upload in bytes is required.",
            ) from None
        if size < 0 or size > emu.config.max_body_bytes * 32:
            raise ApiError(400, f"Invalid upload size {size}.")
        display = body.get("displayName", body.get("display_name"))
        metadata = _metadata(body.get("customMetadata", body.get("custom_metadata")))
        state = self.state

        def finish(data: bytes) -> dict[str, Any]:
            doc = state.add_document(name, data, mime, display, metadata)
            return state.operation(name, "upload", doc)

        upload_id = self.files.open_upload(UploadSession({"mime_type": mime}, size, finish))
        return self.files.started(request, match.group("prefix") or "", match.group("version"), upload_id)
