"""Retrieval over File Search store documents: chunking, text extraction and ranking.

The ``file_search`` tool is only useful when it answers from what was uploaded. A real
store embeds chunks and ranks them by similarity; the emulator ranks the same chunks by
shared word stems (with the query's instruction words removed), deterministically, so the
passages it cites are ones that really contain the asked-about words. Pure functions: the
store itself lives in :mod:`gemini_nb.emulator.file_search_api`.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from .vocab import STOPWORDS, split_words, stem

TEXT_MIMES = (
    "text/",
    "application/json",
    "application/xml",
    "application/x-python",
    "application/javascript",
    "application/x-yaml",
    "application/yaml",
    "application/csv",
    "application/x-sh",
    "application/sql",
)
_QUERY_NOISE = {
    "what",
    "whats",
    "who",
    "when",
    "where",
    "which",
    "why",
    "how",
    "does",
    "did",
    "say",
    "says",
    "according",
    "document",
    "documents",
    "doc",
    "docs",
    "file",
    "files",
    "our",
    "tell",
    "me",
    "about",
    "please",
    "uploaded",
    "store",
    "search",
    "find",
    "is",
    "are",
}


@dataclass
class Passage:
    """One retrieved chunk with where it came from."""

    text: str
    title: str
    store: str
    document: str
    score: float
    page: int | None = None


def pdf_text(data: bytes) -> str:
    """The text drawn by a PDF's ``Tj``/``TJ`` operators (plain or Flate-compressed streams)."""
    chunks: list[bytes] = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        chunks.append(raw)
    out: list[str] = []
    for raw in chunks:
        for op in re.finditer(rb"\[(.*?)\]\s*TJ|\((.*?)(?<!\\)\)\s*Tj|(T\*|ET)", raw, re.S):
            if op.group(3):
                out.append("\n")
                continue
            body = op.group(1) if op.group(1) is not None else b"(" + op.group(2) + b")"
            for piece in re.findall(rb"\(((?:\\.|[^\\)])*)\)", body, re.S):
                text = re.sub(rb"\\([()\\])", rb"\1", piece)
                out.append(text.decode("latin-1"))
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()


def extract_text(data: bytes, mime_type: str) -> str:
    """The readable text of a document ('' for kinds the emulator cannot read)."""
    mime = (mime_type or "").lower()
    if mime == "application/pdf" or data[:5] == b"%PDF-":
        return pdf_text(data)
    if mime.startswith(TEXT_MIMES) or not mime:
        return data.decode("utf-8", "replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return text if text.isprintable() or "\n" in text else ""


def chunks(text: str, max_chars: int = 600) -> list[str]:
    """Paragraph-sized pieces of ``text``; long paragraphs are split between sentences."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        sentences = re.split(r"(?<=[.!?])\s+", para)
        current = ""
        for sentence in sentences:
            if current and len(current) + len(sentence) + 1 > max_chars:
                out.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            out.append(current)
    return out


def query_stems(query: str) -> set[str]:
    """Content stems of a question, without question and instruction words."""
    return {
        stem(w) for w in split_words(query) if w not in STOPWORDS and w not in _QUERY_NOISE and len(w) > 1
    }


def score(query: set[str], text: str) -> float:
    """Shared stems, rarer (longer) words weighing a little more; 0 when nothing is shared."""
    words = {stem(w) for w in split_words(text)}
    return sum(1.0 + min(len(s), 10) / 10 for s in query & words)


def _matches(meta: list[dict[str, Any]] | None, flt: str | None) -> bool:
    """A small subset of AIP-160 filters: ``key = "value"`` / ``key = 3`` joined by AND."""
    if not flt:
        return True
    values = {}
    for item in meta or []:
        key = item.get("key")
        if "string_value" in item or "stringValue" in item:
            values[key] = str(item.get("string_value", item.get("stringValue")))
        elif "numeric_value" in item or "numericValue" in item:
            values[key] = str(item.get("numeric_value", item.get("numericValue")))
    for clause in re.split(r"\s+AND\s+", flt.strip()):
        m = re.match(r"^\s*([\w.]+)\s*(=|!=)\s*\"?([^\"]*?)\"?\s*$", clause)
        if not m:
            return False
        key, op, want = m.groups()
        have = values.get(key)
        try:
            same = have is not None and float(have) == float(want)
        except ValueError:
            same = have == want
        if (op == "=") != same:
            return False
    return True


def retrieve(
    query: str, documents: list[dict[str, Any]], top_k: int = 3, metadata_filter: str | None = None
) -> list[Passage]:
    """The ``top_k`` best chunks of ``documents`` for ``query`` (none when nothing matches).

    Each document is ``{"name", "display_name", "store", "text", "custom_metadata"}``.
    """
    wanted = query_stems(query)
    found: list[Passage] = []
    for doc in documents:
        if not _matches(doc.get("custom_metadata"), metadata_filter):
            continue
        for piece in chunks(doc.get("text") or ""):
            s = score(wanted, piece)
            if s > 0:
                found.append(
                    Passage(
                        piece,
                        doc.get("display_name") or doc["name"].rsplit("/", 1)[-1],
                        doc["store"],
                        doc["name"],
                        s,
                    )
                )
    found.sort(key=lambda p: (-p.score, p.document, p.text))
    best = found[0].score if found else 0.0
    return [p for p in found[: max(1, top_k)] if p.score >= best / 2]


def best_sentence(query: set[str], passage: str) -> str:
    """The sentence of ``passage`` sharing most stems with the query (ties: the earliest)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", passage) if s.strip()] or [passage]
    return max(sentences, key=lambda s: (score(query, s), -sentences.index(s))).strip()


def from_stores(ctx: Any, tool: dict[str, Any], prompt: str) -> tuple[list[dict[str, Any]], Any] | None:
    """``(steps, write)`` of a ``file_search`` run over the emulator's real stores, or None
    when the tool names none of them (the caller then keeps its generic behaviour).

    Steps: ``file_search_call`` then ``file_search_result`` with the retrieved chunks (the
    caller signs them); ``write(out)`` quotes the best sentence of each passage with a
    ``file_citation``.
    """
    state = getattr(ctx, "stores", None)
    names = [str(s) for s in tool.get("file_search_store_names") or []]
    if state is None or not names or not any(n in state for n in names):
        return None
    missing = [n for n in names if n not in state]
    if missing:
        raise ValueError(f"tools.file_search_store_names: FileSearchStore {missing[0]} does not exist.")
    top_k = tool.get("top_k") if isinstance(tool.get("top_k"), int) and tool["top_k"] > 0 else 3
    docs = state.documents(names)
    passages = retrieve(prompt, docs, top_k, tool.get("metadata_filter"))
    wanted = query_stems(prompt)
    call_id = ctx.ids.call_id()
    call = {"type": "file_search_call", "id": call_id}
    result = {
        "type": "file_search_result",
        "call_id": call_id,
        "result": [{"title": p.title, "text": p.text, "file_search_store": p.store} for p in passages],
    }

    def write(out: Any) -> None:
        if not passages:
            subject = " ".join(w for w in dict.fromkeys(split_words(prompt)) if stem(w) in wanted) or "that"
            out.add(
                f"I searched {len(docs)} document{'s' if len(docs) != 1 else ''} in "
                f"{', '.join(names)} and found nothing about {subject}.\n"
            )
            return
        out.add("According to your documents:\n\n")
        seen: set[str] = set()
        for p in passages:
            sentence = best_sentence(wanted, p.text)
            if sentence in seen:
                continue
            seen.add(sentence)
            out.add("- ").add(
                sentence,
                {
                    "type": "file_citation",
                    "file_name": p.title,
                    "source": p.store,
                    "document_uri": p.document,
                },
            ).add(f" ({p.title})\n")

    return [call, result], write
