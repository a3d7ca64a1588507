"""Media going *into* a turn: values and ``--file`` specs -> Interactions API content parts.

Why a module of its own: a prompt may carry a PIL image, a matplotlib figure, a numpy array,
raw bytes, a path, a URL, a Files API name or an IPython ``Image``/``Audio``/``Video``, and
each must become the same thing: a content part (``{"type": "image", "mime_type", "data"}``
with base64 data, or ``{"type", "mime_type", "uri"}``). Deciding *whether* a value is media
(:func:`to_blob`; ``None`` means "template it as text") is kept apart from *sending* it
(:func:`resolve_parts`, which inlines small media and uploads big media through the Files API,
:mod:`gemini_nb.uploads`), so templating stays pure and testable without a server.

MIME types come from the bytes (magic numbers) first, then the file extension, never from
trust in a name alone. Heavy libraries (PIL, matplotlib, numpy, IPython) are never imported
here: a value is recognized by its class's module and name, and only the library that made it
is used to encode it.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from .errors import GeminiError, redact

INLINE_LIMIT = 20 * 1024 * 1024
"""Base64 bytes a request may carry inline (the API's ~20 MB request limit); media that would
push a request past it goes through the Files API instead."""
MAX_URL_BYTES = 2 * 1024**3
"""The largest download ``--file URL`` accepts (the Files API's per-file limit)."""
URL_TIMEOUT_S = 60.0

_FILES_URI = re.compile(r"^https?://[^/?#]+(?:/[^?#]*)?/v\d+[a-z0-9]*/files/([a-z0-9-]{1,64})/?$")
_DOCUMENT_EXT = {
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "text/xml",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}
_DOCUMENT_MIMES = (
    "application/pdf",
    "text/",
    "application/json",
    "application/vnd.openxmlformats",
    "application/msword",
    "application/vnd.ms-",
    "application/vnd.oasis",
)


class MediaError(GeminiError, ValueError):
    """A file or value that cannot be attached; the message is one line and nothing was sent."""

    kind = "media"


@dataclass
class Blob:
    """Media bytes (or a remote uri) with their MIME type and a short label for messages."""

    mime_type: str
    data: bytes | None = None
    uri: str | None = None
    label: str = "media"
    file_name: str | None = None
    """A Files API name (``files/ID``) still to be looked up for its uri and MIME type."""

    @property
    def kind(self) -> str:
        return part_kind(self.mime_type, self.label)


# -- detection -------------------------------------------------------------------------------
def sniff(data: bytes) -> str | None:
    """The MIME type the bytes announce (PNG, JPEG, GIF, WEBP, WAV, MP3, OGG, FLAC, MP4, WEBM,
    PDF, BMP, TIFF), or None when they announce nothing we know."""
    head = bytes(data[:64])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\0\0\0\0":
        return "image/bmp"
    if head.startswith((b"II*\0", b"MM\0*")):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06
    ):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in (b"qt  ",):
            return "video/quicktime"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def mime_for_path(path: str, data: bytes | None = None) -> str | None:
    """Magic numbers first (``data``), then the extension."""
    sniffed = sniff(data) if data else None
    if sniffed:
        return sniffed
    ext = os.path.splitext(str(path))[1].lower()
    return _DOCUMENT_EXT.get(ext) or mimetypes.guess_type(str(path))[0]


def part_kind(mime_type: str, label: str = "media") -> str:
    """``image``/``audio``/``video``/``document`` for a MIME type; :class:`MediaError` otherwise."""
    mime = (mime_type or "").split(";")[0].strip().lower()
    for kind in ("image", "audio", "video"):
        if mime.startswith(kind + "/"):
            return kind
    if mime.startswith(_DOCUMENT_MIMES):
        return "document"
    raise MediaError(
        f"{label}: unsupported type {mime or 'unknown'!r} (images, audio, video, PDF and "
        "text documents can be attached); nothing was sent"
    )


def _class_key(value: Any) -> tuple[str, str]:
    cls = type(value)
    return (getattr(cls, "__module__", "") or "").split(".")[0], cls.__name__


def _mro_names(value: Any) -> set[str]:
    return {f"{c.__module__.split('.')[0]}.{c.__name__}" for c in type(value).__mro__}


def to_blob(value: Any, *, rate: int | None = None, label: str | None = None) -> Blob | None:
    """The value as media, or None when it is not media (the caller templates it as text).

    Raises :class:`MediaError` for a value that *is* media but cannot be used (a missing path,
    an audio array without ``rate``...).
    """
    module, name = _class_key(value)
    names = _mro_names(value)
    label = label or name
    if "PIL.Image" in names or (module == "PIL" and hasattr(value, "save")):
        return Blob("image/png", _pil_png(value), label=label)
    if "matplotlib.Figure" in names or "matplotlib.FigureBase" in names:
        buf = io.BytesIO()
        value.savefig(buf, format="png", bbox_inches="tight")
        return Blob("image/png", buf.getvalue(), label=label)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        mime = sniff(data)
        return Blob(mime, data, label=label) if mime else None
    if isinstance(value, PurePath):
        return path_blob(str(value))
    if module == "numpy" and name == "ndarray":
        return _array_blob(value, rate, label)
    if module == "IPython" and name in ("Image", "Audio", "Video"):
        return _ipython_blob(value, name, label)
    if module == "gemini_nb" and name == "Media":  # an answer's image or speech, sent back for editing
        return _media_blob(value, label)
    if name in ("Uploaded", "File") and str(getattr(value, "name", "") or "").startswith("files/"):
        file_name = files_name(value.name)  # gemini_nb.upload()'s record or the SDK's File
        return Blob("", file_name=file_name, label=file_name or label)
    return None


def _media_blob(media: Any, label: str) -> Blob:
    """``result.images[0]`` / ``result.audio[0]``: its bytes as a file holds them (PCM -> WAV)."""
    if not media.data:
        if media.uri:
            return Blob(media.mime_type.split(";")[0], uri=media.uri, label=label)
        raise MediaError(f"{label}: this {media.mime_type} part holds no data; nothing was sent")
    mime, data = media.playable()
    return Blob(mime, data, label=label)


def _pil_png(image: Any) -> bytes:
    buf = io.BytesIO()
    if getattr(image, "mode", "RGB") not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA")
    image.save(buf, format="PNG")
    return buf.getvalue()


def path_blob(path: str, label: str | None = None) -> Blob:
    """A local file as a Blob (read once; the MIME type from its bytes, then its extension)."""
    label = label or path
    expanded = os.path.expanduser(path)
    if not os.path.isfile(expanded):
        raise MediaError(f"{label}: no such file; nothing was sent")
    try:
        with open(expanded, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise MediaError(f"{label}: cannot read it ({exc.strerror or exc}); nothing was sent") from None
    mime = mime_for_path(expanded, data)
    if not mime or mime == "application/octet-stream":
        raise MediaError(f"{label}: cannot tell its type from its content or extension; nothing was sent")
    return Blob(mime, data, label=os.path.basename(expanded) or label)


def _array_blob(array: Any, rate: int | None, label: str) -> Blob | None:
    """HxW / HxWx3 / HxWx4 images (uint8, or floats in [0, 1]); with ``rate``, a 1-D array (or
    samples x up to 8 channels) is audio, encoded as 16-bit WAV."""
    import numpy as np

    audio_shape = array.ndim == 1 or (array.ndim == 2 and 1 <= array.shape[1] <= 8 < array.shape[0])
    if rate is not None and audio_shape:  # samples, or samples x channels (at most 8)
        if array.size == 0:
            raise MediaError(f"{label}: an empty array is no audio; nothing was sent")
        return Blob("audio/wav", array_to_wav(array, rate), label=label)
    shape = array.shape
    is_image_shape = array.ndim == 2 or (array.ndim == 3 and shape[2] in (3, 4))
    if not is_image_shape or min(shape[:2]) < 2:
        return None
    if array.dtype == np.uint8:
        pixels = array
    elif array.dtype.kind == "f" and np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1:
        pixels = np.round(array * 255).astype(np.uint8)
    else:
        return None
    return Blob("image/png", _png_from_pixels(pixels), label=label)


def _png_from_pixels(pixels: Any) -> bytes:
    """A PNG from a uint8 array, with PIL when installed, else a minimal zlib encoder."""
    try:
        from PIL import Image
    except ImportError:
        import zlib

        import numpy as np

        height, width = pixels.shape[:2]
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        color = {1: 0, 3: 2, 4: 6}[channels]
        rows = np.ascontiguousarray(pixels).reshape(height, -1)
        raw = b"".join(b"\0" + rows[i].tobytes() for i in range(height))

        def chunk(tag: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

        header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def array_to_wav(samples: Any, rate: int) -> bytes:
    """16-bit PCM WAV from an int16 array or floats in [-1, 1] (clipped); 2-D = samples x channels."""
    import numpy as np

    from .render.media import pcm_to_wav

    if not isinstance(rate, int) or isinstance(rate, bool) or not 1000 <= rate <= 384_000:
        raise MediaError(f"--rate must be a sample rate in Hz between 1000 and 384000, got {rate!r}")
    array = np.asarray(samples)
    channels = 1 if array.ndim == 1 else int(array.shape[1])
    if array.dtype == np.int16:
        pcm = array
    elif array.dtype.kind in "iu":
        peak = float(np.abs(array).max() or 1)
        pcm = (array / max(peak, 32767.0) * 32767).astype("<i2")
    else:
        pcm = (np.clip(np.nan_to_num(array.astype(np.float64)), -1.0, 1.0) * 32767).astype("<i2")
    return pcm_to_wav(np.ascontiguousarray(pcm).astype("<i2").tobytes(), rate, channels)


def _ipython_blob(value: Any, name: str, label: str) -> Blob | None:
    data = getattr(value, "data", None)
    if isinstance(data, str) and name != "Audio":  # Image(url=...) keeps no bytes; SVG is text
        data = None
    if isinstance(data, (bytes, bytearray)) and data:
        mime = sniff(bytes(data)) or getattr(value, "mimetype", None)
        if not mime and name == "Image":
            mime = f"image/{getattr(value, 'format', 'png') or 'png'}"
        return Blob(mime or "application/octet-stream", bytes(data), label=label)
    filename = getattr(value, "filename", None)
    if filename:
        return path_blob(filename, label)
    url = getattr(value, "url", None)
    if url:
        return url_blob(url)
    return None


# -- --file specs ------------------------------------------------------------------------------
def files_name(spec: str) -> str | None:
    """``files/ID`` when ``spec`` is a Files API name or URI, else None (validated via ids)."""
    from . import ids

    if spec.startswith("files/"):
        return ids.file_name(spec)
    match = _FILES_URI.match(spec)
    return ids.file_name(match.group(1)) if match else None


def url_blob(url: str, opener: Callable[..., Any] | None = None) -> Blob:
    """Download an http(s) URL (bounded), typed by its bytes, then its Content-Type, then its path."""
    import urllib.error
    import urllib.request

    opener = opener or urllib.request.urlopen
    shown = redact(url)  # a URL may carry a key in its query: never echoed
    try:
        with opener(
            urllib.request.Request(url, headers={"User-Agent": "gemini_nb"}), timeout=URL_TIMEOUT_S
        ) as resp:
            data = resp.read(MAX_URL_BYTES + 1)
            header = (resp.headers.get("Content-Type") or "").split(";")[0].strip() or None
    except urllib.error.HTTPError as exc:
        raise MediaError(f"{shown}: HTTP {exc.code} {exc.reason}; nothing was sent") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise MediaError(f"{shown}: cannot download it ({redact(str(reason))}); nothing was sent") from None
    if len(data) > MAX_URL_BYTES:
        raise MediaError(f"{shown}: larger than {MAX_URL_BYTES // 1024**3} GB; nothing was sent")
    path = url.split("?", 1)[0].split("#", 1)[0]
    generic = header in (None, "application/octet-stream", "binary/octet-stream")
    mime = sniff(data) or (None if generic else header) or mime_for_path(path)
    if not mime:
        raise MediaError(f"{shown}: cannot tell its type; nothing was sent")
    return Blob(mime, data, label=os.path.basename(path) or shown)


def spec_blob(spec: Any, namespace: Mapping[str, Any] | None = None, *, rate: int | None = None) -> Blob:
    """One ``--file``/``files=`` item: a value, a path, a URL, a Files API name/URI, or a variable."""
    if isinstance(spec, Blob):
        return spec
    if not isinstance(spec, str):
        blob = to_blob(spec, rate=rate)
        if blob is None:
            raise MediaError(
                f"cannot attach a {type(spec).__name__} (attach images, figures, arrays, "
                "bytes with a known type, paths, URLs or Files API names); nothing was sent"
            )
        return blob
    text = spec.strip()
    if not text:
        raise MediaError("--file needs a path, URL, Files API name or variable; got an empty string")
    if os.path.isfile(os.path.expanduser(text)):  # a local ./files/x.png is a path, not a name
        return path_blob(text)
    name = files_name(text)
    if name is not None:
        return Blob("", file_name=name, label=name)  # looked up in the Files API when sent
    if re.match(r"^https?://", text, re.I):
        return url_blob(text)
    if namespace is not None and text.isidentifier() and text in namespace:
        value = namespace[text]
        if isinstance(value, str):
            return spec_blob(value, None, rate=rate)
        blob = to_blob(value, rate=rate, label=text)
        if blob is None:
            raise MediaError(
                f"--file {text}: a {type(value).__name__} is not media (images, figures, "
                "arrays, bytes with a known type, paths); nothing was sent"
            )
        return blob
    where = " or a variable" if namespace is not None else ""
    raise MediaError(f"--file {text}: no such file, URL, Files API name{where}; nothing was sent")


# -- sending ---------------------------------------------------------------------------------
def part_for(blob: Blob) -> dict[str, Any]:
    """The content part for a blob with inline data or a uri."""
    part: dict[str, Any] = {"type": blob.kind, "mime_type": blob.mime_type.split(";")[0]}
    if blob.data is not None:
        part["data"] = base64.b64encode(blob.data).decode("ascii")
    else:
        part["uri"] = blob.uri
    return part


def b64_size(n: int) -> int:
    return (n + 2) // 3 * 4


def resolve_parts(
    items: list[Any], *, uploader: Any = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Content parts for ``items`` (strings are text, Blobs media, dicts already parts).

    A Files API name is looked up (``uploader.lookup``) for its uri and MIME type. Inline data
    that would take the request past ``limit`` (default :data:`INLINE_LIMIT`) is uploaded
    (``uploader.upload_blob``), largest first, so the request stays under the limit.
    """
    limit = INLINE_LIMIT if limit is None else limit
    parts: list[dict[str, Any] | Blob] = []
    for item in items:
        if isinstance(item, str):
            if item:
                parts.append({"type": "text", "text": item})
        elif isinstance(item, Blob):
            if item.file_name:
                if uploader is None:
                    raise MediaError(f"{item.label}: a Files API name needs a client; nothing was sent")
                parts.append(uploader.lookup(item.file_name))
            else:
                parts.append(item)
        else:
            parts.append(item)
    blobs = sorted(
        (p for p in parts if isinstance(p, Blob) and p.data is not None),  # big ones last
        key=lambda b: len(b.data or b""),
    )
    total = sum(b64_size(len(b.data or b"")) for b in blobs)
    uploads: set[int] = set()
    while total > limit and blobs:
        biggest = blobs.pop()
        uploads.add(id(biggest))
        total -= b64_size(len(biggest.data or b""))
    for part in parts:  # an unsupported type is refused before anything is uploaded
        if isinstance(part, Blob):
            part_kind(part.mime_type, part.label)
    out = []
    for part in parts:
        if isinstance(part, Blob):
            if id(part) in uploads:
                if uploader is None:
                    raise MediaError(
                        f"{part.label}: too large to send inline and no client to upload it; nothing was sent"
                    )
                out.append(uploader.upload_blob(part))
            else:
                out.append(part_for(part))
        else:
            out.append(part)
    return out


def text_of(parts: list[dict[str, Any]]) -> str:
    """A prompt's text form for logs and the chain: text parts, media as ``[image image/png]``."""
    out = []
    for part in parts:
        if part.get("type") == "text":
            out.append(part.get("text") or "")
        else:
            data = part.get("data") or ""
            where = part.get("uri") or f"{len(data) * 3 // 4 - data[-2:].count('=')} bytes"
            out.append(f"[{part.get('type')} {part.get('mime_type') or ''} {where}]")
    return "".join(out)


def labels(items: list[Any]) -> list[str]:
    """Short descriptions of media items for the history log (never their bytes)."""
    out = []
    for item in items:
        if isinstance(item, dict):
            if item.get("type") != "text":
                out.append(text_of([item]).strip("[]"))
        elif isinstance(item, Blob):
            out.append(f"{item.label} {item.mime_type}".strip())
        elif not isinstance(item, str):  # text is the prompt itself, already logged
            out.append(type(item).__name__)
    return out


__all__ = [
    "labels",
    "Blob",
    "MediaError",
    "INLINE_LIMIT",
    "sniff",
    "mime_for_path",
    "part_kind",
    "to_blob",
    "path_blob",
    "url_blob",
    "spec_blob",
    "array_to_wav",
    "part_for",
    "resolve_parts",
    "text_of",
    "files_name",
]
