"""Extract the text of a simple PDF: uncompressed and Flate (zlib) content streams, Tj/TJ/'/".

Enough for the PDFs people attach in notebooks when they were produced by ordinary writers
(reportlab, LaTeX with standard fonts, "print to PDF"): each page's content stream holds
the text as string operands of the text-showing operators. No new dependency: streams are
found with a regex, inflated with :mod:`zlib`, and strings are unescaped per the PDF spec.
Encrypted PDFs, CID fonts with custom encodings and scanned images give little or nothing,
which the caller reports honestly.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"<<(.{0,800}?)>>\s*stream\r?\n(.*?)\r?\n?endstream", re.S)
_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<[0-9A-Fa-f\s]*>|\[|\]|"
    rb"[A-Za-z'\"*]+|-?\d*\.?\d+",
    re.S,
)


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i : i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt in _ESC:
            out += _ESC[nxt]
            i += 2
        elif re.match(rb"[0-7]", nxt):
            m = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            out.append(int(m.group(), 8) & 0xFF)
            i += 1 + len(m.group())
        elif nxt in (b"\n", b"\r"):
            i += 2
        else:
            i += 1
    return bytes(out)


def _string(token: bytes) -> str:
    if token.startswith(b"<"):
        hexs = re.sub(rb"\s+", b"", token[1:-1])
        data = bytes.fromhex((hexs + b"0" * (len(hexs) % 2)).decode())
    else:
        data = _unescape(token[1:-1])
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    return data.decode("latin-1")


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for m in _STREAM.finditer(pdf):
        head, body = m.group(1), m.group(2)
        if b"/FlateDecode" in head:
            try:
                body = zlib.decompressobj().decompress(body)
            except zlib.error:
                continue
        elif b"/Filter" in head:
            continue  # other filters (DCT images, LZW...) are not text we can read
        out.append(body)
    return out


def content_text(stream: bytes) -> str:
    """The text shown by one content stream, lines split at text positioning operators."""
    if b"BT" not in stream:
        return ""
    parts: list[str] = []
    operands: list[str] = []  # strings waiting for their text-showing operator
    in_array = False
    array: list[str] = []
    for token in _TOKEN.findall(stream):
        if token == b"[":
            in_array, array = True, []
        elif token == b"]":
            in_array = False
        elif token[:1] in (b"(", b"<"):
            (array if in_array else operands).append(_string(token))
        elif token in (b"Tj", b"'", b'"'):
            if token != b"Tj":
                parts.append("\n")
            parts.extend(_pending(operands))
        elif token == b"TJ":
            parts.append("".join(array))
            operands.clear()
        elif token in (b"Td", b"TD", b"T*", b"ET", b"Tm"):
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            operands.clear()
        elif not in_array and re.fullmatch(rb"[A-Za-z]+", token):
            operands.clear()
    text = "".join(parts)
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines() if line.strip())


def _pending(operands: list[str]) -> list[str]:
    strings = list(operands)
    operands.clear()
    return strings


def extract_text(pdf: bytes) -> str:
    """All readable text of ``pdf`` ('' when none can be extracted)."""
    if not pdf.startswith(b"%PDF"):
        return ""
    pages = [content_text(s) for s in _streams(pdf)]
    return "\n".join(p for p in pages if p).strip()
