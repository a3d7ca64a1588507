"""Images and audio as self-contained data URIs, so a saved notebook keeps them.

The API returns speech as raw 24 kHz, 16-bit, mono PCM (``audio/L16``, ``audio/pcm``...), which
no browser plays; it is wrapped in a WAV header here. Already-containerized audio (wav, mp3,
ogg, ...) passes through untouched.
"""

from __future__ import annotations

import base64
import html
import struct

PCM_RATE = 24_000
_RAW_PCM = ("audio/l16", "audio/pcm", "audio/raw", "audio/x-raw", "audio/s16le")


def decode_b64(data: object) -> bytes | None:
    """Inline media bytes as the API sends them (base64 text), tolerating bytes and bad input."""
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    try:
        return base64.b64decode(data)  # type: ignore[arg-type]
    except Exception:
        return None


def is_raw_pcm(mime_type: str | None) -> bool:
    mime = (mime_type or "").lower()
    return mime.startswith(_RAW_PCM)


def _rate_from_mime(mime_type: str, default: int) -> int:
    for param in mime_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "rate" and value.isdigit():
            return int(value)
    return default


def pcm_to_wav(pcm: bytes, rate: int = PCM_RATE, channels: int = 1, width: int = 2) -> bytes:
    """A minimal RIFF/WAVE container around little-endian PCM samples."""
    byte_rate = rate * channels * width
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, byte_rate, channels * width, width * 8)
    header += b"data" + struct.pack("<I", len(pcm))
    return header + pcm


def audio_src(mime_type: str | None, data: bytes | None, sample_rate: int | None = None) -> tuple[str, bytes]:
    """(mime, bytes) ready for an ``<audio>`` tag: raw PCM becomes ``audio/wav``."""
    mime = mime_type or "audio/wav"
    data = data or b""
    if is_raw_pcm(mime):
        rate = sample_rate or _rate_from_mime(mime, PCM_RATE)
        return "audio/wav", pcm_to_wav(data, rate)
    return mime.split(";")[0], data


def image_size(data: bytes | None) -> tuple[int, int] | None:
    """``(width, height)`` read from a PNG, GIF, JPEG or WEBP header, without decoding pixels."""
    if not data:
        return None
    try:
        if data.startswith(b"\x89PNG") and len(data) >= 24:
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
            kind = data[12:16]
            if kind == b"VP8X":
                return (int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
            if kind == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if kind == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if data.startswith(b"\xff\xd8"):
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    return None
                marker = data[i + 1]
                length = struct.unpack(">H", data[i + 2 : i + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                    return w, h
                i += 2 + length
    except struct.error:
        return None
    return None


def image_tag(mime_type: str | None, data: bytes | None, uri: str | None = None, alt: str = "image") -> str:
    size = image_size(data)
    if data:
        src = f"data:{mime_type or 'image/png'};base64,{base64.b64encode(data).decode('ascii')}"
    else:
        src = uri or ""
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    title = f' title="{size[0]}x{size[1]} {html.escape(mime_type or "")}"' if size else ""
    return (
        f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt)}"{dims}{title} '
        f'style="max-width:100%;height:auto"/>'
    )


def media_caption(mime_type: str | None, data: bytes | None, sample_rate: int | None = None) -> str:
    """``image/png 1344x768, 51.2 KB`` or ``audio/L16 3.2 s, 24 kHz, 150.0 KB``: shown under media."""
    size = len(data or b"")
    kb = f"{size / 1024:.1f} KB"
    mime = (mime_type or "").split(";")[0]
    if mime.startswith("image/"):
        dims = image_size(data)
        return f"{mime} {dims[0]}x{dims[1]}, {kb}" if dims else f"{mime}, {kb}"
    if mime.startswith("audio/") and data:
        wav_mime, wav = audio_src(mime_type, data, sample_rate)
        if wav[:4] == b"RIFF" and len(wav) >= 44:
            channels, rate = struct.unpack("<HI", wav[22:28])
            bits = struct.unpack("<H", wav[34:36])[0] or 16
            seconds = (len(wav) - 44) / max(rate * channels * bits // 8, 1)
            return f"{mime} {seconds:.1f} s, {rate / 1000:g} kHz, {kb}"
    return f"{mime}, {kb}"


def audio_tag(
    mime_type: str | None, data: bytes | None, uri: str | None = None, sample_rate: int | None = None
) -> str:
    if data:
        mime, payload = audio_src(mime_type, data, sample_rate)
        src = f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"
    else:
        src = uri or ""
    return f'<audio controls src="{html.escape(src, quote=True)}"></audio>'
