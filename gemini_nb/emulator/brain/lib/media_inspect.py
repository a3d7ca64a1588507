"""Look inside multimodal input parts so the brain can talk about what it was given.

A real model "sees" an image or "hears" a clip; the emulator cannot, but it can read
the facts a careful reader would notice first: what kind of media it is, its size, the
pixel dimensions of an image, the page count of a PDF, the length of a sound clip. That
is enough for answers like "You sent an image (image/png, 640x480, 12.3 KB)", and it
lets notebook tests check that media really travelled intact through the SDK.

Headers are parsed with ``struct`` only (no Pillow): this runs for every request that
carries media and must stay cheap. Invalid base64 raises ``ValueError``, which the
protocol layer reports as a 400, as the real API does.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import struct
from typing import Any

_KINDS = {"image", "audio", "video", "document", "text"}
_DEFAULT_MIME = {
    "image": "image/png",
    "audio": "audio/wav",
    "video": "video/mp4",
    "document": "application/pdf",
    "text": "text/plain",
}
_B64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")
_B64_URL = re.compile(rb"^[A-Za-z0-9_-]*={0,2}$")


def _decode_b64(data: Any, kind: str) -> bytes:
    """Strict-but-practical base64: whitespace and missing padding are tolerated."""
    if isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    elif isinstance(data, str):
        try:
            raw = data.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"input {kind} part: data is not valid base64") from None
    else:
        raise ValueError(f"input {kind} part: data is not valid base64 (got {type(data).__name__})")
    raw = re.sub(rb"\s+", b"", raw)
    if len(raw) % 4 == 1:
        raise ValueError(f"input {kind} part: data is not valid base64")
    raw += b"=" * (-len(raw) % 4)
    try:
        if _B64.match(raw):
            return base64.b64decode(raw, validate=True)
        if _B64_URL.match(raw):
            return base64.urlsafe_b64decode(raw)
    except (binascii.Error, ValueError):
        pass
    raise ValueError(f"input {kind} part: data is not valid base64")


def sniff_mime(data: bytes) -> str | None:
    """Mime type from magic bytes, for parts that omit ``mime_type``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"BM") and len(data) > 26:
        return "image/bmp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3")):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    return None


# -- image headers ---------------------------------------------------------------------
def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from a PNG, JPEG, GIF, WEBP or BMP header, else None."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data.startswith(b"BM") and len(data) >= 26:
            w, h = struct.unpack("<ii", data[18:26])
            return w, abs(h)
    except struct.error:  # truncated header: size unknown, not an error
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk JPEG markers to the first start-of-frame (SOF0-SOF15 except DHT/JPG/DAC)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        if marker == 0xDA:  # start of scan before any frame header: give up
            return None
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


# -- documents and audio -----------------------------------------------------------------
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", re.S)


def pdf_pages(data: bytes) -> int | None:
    """Number of ``/Type /Page`` objects (not ``/Pages``), or the page tree's ``/Count``
    when the pages hide inside compressed object streams."""
    if not data.startswith(b"%PDF-"):
        return None
    n = len(_PAGE.findall(data))
    if n:
        return n
    counts = [int(a or b) for a, b in _COUNT.findall(data)]
    return max(counts) if counts else None


def wav_info(data: bytes) -> dict[str, Any] | None:
    """Sample rate, channels, bit depth and duration from a RIFF/WAVE file's chunks."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"WAVE"):
        return None
    i, fmt, data_len = 12, None, None
    while i + 8 <= len(data):
        cid, size = data[i : i + 4], struct.unpack("<I", data[i + 4 : i + 8])[0]
        if cid == b"fmt " and size >= 16:
            fmt = struct.unpack("<HHIIHH", data[i + 8 : i + 24])
        elif cid == b"data":
            data_len = min(size, len(data) - i - 8)  # streaming writers may leave 0xFFFFFFFF
            break
        i += 8 + size + (size & 1)
    if fmt is None or data_len is None:
        return None
    _, channels, rate, _, block_align, bits = fmt
    if not rate or not block_align:
        return None
    return {
        "sample_rate": rate,
        "channels": channels,
        "bits_per_sample": bits,
        "duration_s": round(data_len / (rate * block_align), 3),
    }


def _pcm_params(mime: str, part: dict) -> tuple[int, int] | None:
    """``(rate, channels)`` for raw 16-bit PCM mime types like ``audio/L16;rate=24000``."""
    base = mime.split(";")[0].strip().lower()
    if base not in ("audio/l16", "audio/pcm", "audio/raw", "audio/x-raw"):
        return None
    params = dict(re.findall(r";\s*([\w-]+)\s*=\s*([\w.]+)", mime.lower()))
    rate = params.get("rate") or part.get("sample_rate") or part.get("sampleRate")
    channels = params.get("channels") or part.get("channels") or 1
    try:
        return int(rate), int(channels)
    except (TypeError, ValueError):
        return None


# -- public API ----------------------------------------------------------------------------
def _is_files_uri(uri: str) -> bool:
    return "/files/" in uri or uri.startswith("files/")


def _record_get(record: Any, *keys: str) -> Any:
    """First non-empty field of a Files API record (a dict, or an SDK-style object)."""
    for key in keys:
        value = record.get(key) if isinstance(record, dict) else getattr(record, key, None)
        if value not in (None, ""):
            return value
    return None


def inspect_part(part: dict, files: Any = None) -> dict[str, Any]:
    """Facts about one content part: ``kind``, ``mime_type``, ``source``, ``size_bytes``
    and, where the bytes allow, ``width``/``height``, ``pages``, ``duration_s``.

    ``source`` is ``"inline"`` (base64 ``data``), ``"file"`` (a Files API uri, looked up
    through ``files.get(uri)`` when given) or ``"uri"`` (any other reference).
    """
    if not isinstance(part, dict):
        raise ValueError(f"input part must be an object, got {type(part).__name__}")
    kind = str(part.get("type") or "text")
    if kind not in _KINDS:  # not media (e.g. a tool block): nothing to look into
        return {"kind": kind, "mime_type": part.get("mime_type"), "source": "inline", "size_bytes": None}
    if kind == "text":
        text = str(part.get("text") or "")
        return {
            "kind": "text",
            "mime_type": "text/plain",
            "source": "inline",
            "size_bytes": len(text.encode("utf-8")),
            "chars": len(text),
        }
    mime = part.get("mime_type") or part.get("mimeType")
    info: dict[str, Any] = {"kind": kind}
    data, uri = part.get("data"), part.get("uri")
    if data not in (None, ""):
        raw = _decode_b64(data, kind)
        mime = mime or sniff_mime(raw) or _DEFAULT_MIME[kind]
        info.update(mime_type=mime, source="inline", size_bytes=len(raw))
        info.update(_analyze(raw, str(mime), part))
    elif uri:
        uri = str(uri)
        info["uri"] = uri
        record = files.get(uri) if files is not None and _is_files_uri(uri) else None
        info["source"] = "file" if _is_files_uri(uri) else "uri"
        if record:
            mime = mime or _record_get(record, "mime_type", "mimeType")
            size = _record_get(record, "size_bytes", "sizeBytes")
            if size is not None:
                info["size_bytes"] = int(size)
            name = _record_get(record, "display_name", "displayName")
            if name:
                info["display_name"] = str(name)
            content = _record_get(record, "content")
            if isinstance(content, (bytes, bytearray)):  # the emulator's own Files API keeps bytes
                info.setdefault("size_bytes", len(content))
                info.update(_analyze(bytes(content), str(mime or sniff_mime(bytes(content)) or ""), part))
        if not mime:
            mime = mimetypes.guess_type(uri.split("?")[0])[0] or _DEFAULT_MIME[kind]
        info["mime_type"] = mime
        info.setdefault("size_bytes", None)
    else:
        raise ValueError(f"input {kind} part: needs either data or uri")
    return info


def part_bytes(part: dict, files: Any = None) -> bytes | None:
    """The bytes of a media part: inline base64 ``data``, or the content of a Files API upload
    the emulator holds (None for other references, which it cannot fetch)."""
    data, uri = part.get("data"), part.get("uri")
    if data not in (None, ""):
        return _decode_b64(data, str(part.get("type") or "document"))
    if uri and files is not None and _is_files_uri(str(uri)):
        record = files.get(str(uri))
        content = _record_get(record, "content") if record else None
        if isinstance(content, (bytes, bytearray)):
            return bytes(content)
    return None


def _analyze(raw: bytes, mime: str, part: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if mime.startswith("image/") or raw[:4] in (b"\x89PNG", b"GIF8") or raw[:2] == b"\xff\xd8":
        size = image_size(raw)
        if size:
            out["width"], out["height"] = size
    if mime == "application/pdf" or raw.startswith(b"%PDF-"):
        pages = pdf_pages(raw)
        if pages is not None:
            out["pages"] = pages
    if mime.startswith("audio/"):
        wav = wav_info(raw)
        if wav:
            out.update(wav)
        else:
            pcm = _pcm_params(mime, part)
            if pcm and pcm[0] > 0 and pcm[1] > 0:
                rate, channels = pcm
                out.update(
                    sample_rate=rate, channels=channels, duration_s=round(len(raw) / (rate * channels * 2), 3)
                )
    return out


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


_ARTICLE = {
    "image": "an image",
    "audio": "an audio clip",
    "video": "a video",
    "document": "a document",
    "text": "a text",
}


def describe_part(info: dict[str, Any]) -> str:
    """One human phrase for an :func:`inspect_part` result.

    Examples: ``an image (image/png, 640x480, 12.3 KB)``, ``a PDF document
    (application/pdf, 3 pages, 45.0 KB)``, ``an audio clip (audio/wav, 2.5 s)``,
    ``a video at https://example.com/v.mp4 (video/mp4)``.
    """
    kind = info.get("kind", "document")
    mime = str(info.get("mime_type") or "")
    if kind == "text":
        return f"a text ({info.get('chars', 0)} characters)"
    noun = "a PDF document" if mime == "application/pdf" else _ARTICLE.get(kind, f"a {kind}")
    details = [mime] if mime else []
    if info.get("display_name"):
        details.insert(0, f'"{info["display_name"]}"')
    if info.get("width") and info.get("height"):
        details.append(f"{info['width']}x{info['height']}")
    if info.get("pages") is not None:
        pages = info["pages"]
        details.append(f"{pages} page" + ("" if pages == 1 else "s"))
    if info.get("duration_s") is not None:
        details.append(f"{info['duration_s']:.1f} s")
    elif info.get("size_bytes") is not None:
        details.append(_human_size(int(info["size_bytes"])))
    where = ""
    if info.get("source") == "file":
        where = f" from file {info.get('uri')}"
    elif info.get("source") == "uri":
        where = f" at {info.get('uri')}"
    return f"{noun}{where} ({', '.join(details)})" if details else f"{noun}{where}"
