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


def image_tag(mime_type: str | None, data: bytes | None, uri: str | None = None, alt: str = "image") -> str:
    if data:
        src = f"data:{mime_type or 'image/png'};base64,{base64.b64encode(data).decode('ascii')}"
    else:
        src = uri or ""
    return f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt)}" style="max-width:100%"/>'


def audio_tag(mime_type: str | None, data: bytes | None, uri: str | None = None,
              sample_rate: int | None = None) -> str:
    if data:
        mime, payload = audio_src(mime_type, data, sample_rate)
        src = f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"
    else:
        src = uri or ""
    return f'<audio controls src="{html.escape(src, quote=True)}"></audio>'
