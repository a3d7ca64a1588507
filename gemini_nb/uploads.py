"""Uploads for a session's turns: media too big to send inline goes through the Files API
(with a progress bar, reused by content hash), and ``files/NAME`` becomes a content part.

Why its own module: media bigger than a request may carry inline is uploaded automatically
(:func:`prepare_turn` hands an :class:`Uploader` to :func:`gemini_nb.media_in.resolve_parts`);
the same Uploader backs ``%gemini upload`` and ``gemini_nb.upload()`` (:mod:`gemini_nb.file_api`).
An upload is remembered by the SHA-256 of its bytes (per backend) until shortly before the file
expires, so attaching the same recording in ten cells uploads it once.
Every file name is validated (:func:`gemini_nb.ids.file_name`) before it reaches a URL, and
every failure is one :class:`~gemini_nb.errors.GeminiError` line.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ids
from .errors import GeminiError
from .media_in import Blob, MediaError, part_kind, resolve_parts, spec_blob, text_of

REUSE_MARGIN_S = 600.0
"""A cached upload is reused only while it has at least this long left before it expires."""
ACTIVE_POLL_S = 0.2


@dataclass
class Uploaded:
    """What the cache keeps about an upload (a plain record, independent of the SDK's types)."""

    name: str
    uri: str
    mime_type: str
    size_bytes: int
    expires_at: float | None
    display_name: str | None = None


_cache: dict[tuple[str, str], Uploaded] = {}
_lock = threading.Lock()


def failed(action: str, exc: BaseException) -> GeminiError:
    if isinstance(exc, GeminiError):
        return exc
    code = getattr(exc, "code", None) or getattr(exc, "status_code", None)
    status = getattr(exc, "status", None)
    message = getattr(exc, "message", None) or str(exc)
    message = " ".join(str(message).split())
    label = f"HTTP {code}{' ' + status if status else ''}: " if code else f"{type(exc).__name__}: "
    return GeminiError(f"Files API {action} failed: {label}{message[:300]}", kind="files")


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if hasattr(value, "timestamp"):
        return value.timestamp()
    try:
        from datetime import datetime

        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _record(file: Any) -> Uploaded:
    return Uploaded(
        name=file.name,
        uri=file.uri,
        mime_type=file.mime_type or "",
        size_bytes=int(file.size_bytes or 0),
        expires_at=_timestamp(file.expiration_time),
        display_name=file.display_name,
    )


def _state(file: Any) -> str:
    state = getattr(file, "state", None)
    return str(getattr(state, "value", state) or "ACTIVE").upper().replace("FILESTATE.", "")


class Uploader:
    """Uploads and looks up files for one session (its client, backend and timeout)."""

    def __init__(self, session: Any, *, progress: bool | str | None = True):
        self.session = session
        self.progress = progress

    @property
    def client(self) -> Any:
        return self.session.client()

    def _key(self, digest: str) -> tuple[str, str]:
        return (self.session.backend().base_url or "live", digest)

    # -- upload -----------------------------------------------------------------------------
    def upload_blob(
        self, blob: Blob, *, name: str | None = None, display_name: str | None = None, reuse: bool = True
    ) -> dict[str, Any]:
        """The content part (``uri`` + ``mime_type``) for ``blob``, uploading it unless cached."""
        record = self.upload(blob, name=name, display_name=display_name, reuse=reuse)
        return {
            "type": part_kind(record.mime_type, blob.label),
            "mime_type": record.mime_type,
            "uri": record.uri,
        }

    def upload(
        self, blob: Blob, *, name: str | None = None, display_name: str | None = None, reuse: bool = True
    ) -> Uploaded:
        if blob.data is None:
            raise MediaError(f"{blob.label}: nothing to upload (it is already a uri); nothing was sent")
        if name is not None:
            name = ids.file_name(name)
        digest = hashlib.sha256(blob.data).hexdigest()
        key = self._key(digest)
        if reuse and name is None:
            with _lock:
                cached = _cache.get(key)
            if cached is not None and (
                cached.expires_at is None or cached.expires_at - time.time() > REUSE_MARGIN_S
            ):
                return cached
        from .upload_progress import CountingReader, Progress

        bars: list[Progress] = []  # shown once bytes flow: a refused start shows only the error

        def on_read(done: int) -> None:
            if not self.progress:
                return
            if not bars:
                kind = self.progress if isinstance(self.progress, str) else None
                bars.append(Progress(len(blob.data or b""), display_name or blob.label, kind=kind))
            bars[0].update(done)

        reader = CountingReader(blob.data, on_read)
        config: dict[str, Any] = {"mime_type": blob.mime_type.split(";")[0]}
        if name:
            config["name"] = name
        config["display_name"] = (display_name or blob.label)[:512]
        try:
            file = self.client.files.upload(file=reader, config=config)
            file = self._wait_active(file)
        except BaseException as exc:
            for bar in bars:
                bar.close(ok=False)
            if isinstance(exc, KeyboardInterrupt):
                raise GeminiError(
                    f"upload of {blob.label} interrupted (Ctrl-C); nothing was sent", kind="interrupted"
                ) from None
            if isinstance(exc, Exception):
                raise failed("upload", exc) from None
            raise
        for bar in bars:
            bar.close()
        record = _record(file)
        with _lock:
            _cache[key] = record
        return record

    def _wait_active(self, file: Any) -> Any:
        """Video and audio stay PROCESSING for a while: wait (bounded by the session's timeout)."""
        timeout = self.session.settings.timeout or 300
        deadline = time.monotonic() + timeout
        while _state(file) == "PROCESSING":
            if time.monotonic() > deadline:
                raise GeminiError(
                    f"{file.name} was still PROCESSING after {timeout:g} s; try again "
                    "later with --file " + file.name,
                    kind="files",
                )
            time.sleep(ACTIVE_POLL_S)
            file = self.client.files.get(name=file.name)
        if _state(file) == "FAILED":
            raise GeminiError(
                f"{file.name}: the service could not process the file (state FAILED)", kind="files"
            )
        return file

    # -- lookup -------------------------------------------------------------------------------
    def lookup(self, name: str) -> dict[str, Any]:
        """``files/NAME`` (or its URI) -> the content part naming its uri and MIME type."""
        name = ids.file_name(name)
        try:
            file = self._wait_active(self.client.files.get(name=name))
        except Exception as exc:
            raise failed(f"lookup of {name}", exc) from None
        return {"type": part_kind(file.mime_type or "", name), "mime_type": file.mime_type, "uri": file.uri}


def forget(base_url: str, name: str) -> None:
    with _lock:
        for key in [k for k, v in _cache.items() if k[0] == base_url and v.name == name]:
            del _cache[key]


def prepare_turn(
    session: Any,
    prompt: str,
    opts: Any,
    namespace: Mapping[str, Any] | None = None,
    *,
    progress: bool | str | None = True,
) -> str:
    """Resolve ``opts.content`` (the prompt's parts) and ``opts.files`` into content dicts,
    uploading what is too big to send inline; returns the prompt's text form (for the log).

    Raises :class:`MediaError` (one line) before anything is sent when an item cannot be used.
    """
    files = [spec_blob(spec, namespace, rate=opts.rate) for spec in (opts.files or [])]
    if not opts.content and not files:
        return prompt
    items = list(opts.content) if opts.content else [prompt]
    items = [i if isinstance(i, (str, Blob, dict)) else spec_blob(i, rate=opts.rate) for i in items]
    parts = resolve_parts([*items, *files], uploader=Uploader(session, progress=progress))
    opts.content, opts.files = parts, None
    return text_of(parts)


__all__ = ["Uploader", "Uploaded", "prepare_turn", "forget"]
