"""Read attached documents and answer from their content: summaries, code, tables, questions.

A model given a text file, a CSV, some source code or a PDF answers from what is *in* it.
The emulator can do the same for text it can decode: plain text, markdown, source code, CSV,
JSON (inline base64, Files API uploads the emulator holds) and the text of simple PDFs
(:mod:`.pdf_text`). Summaries quote the document's key sentences (highest word-frequency
score, in document order); questions are answered with the sentence that shares the most
content words with the question; code explanations list the functions, classes, loops and
types found (``ast`` for Python, regexes for other languages). Images, audio and video are
still described from their measurable properties only.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..base import TurnContext
from . import tables
from .media_inspect import part_bytes
from .pdf_text import extract_text
from .vocab import stem

TEXT_MIMES = (
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-python",
    "application/x-sh",
    "application/x-yaml",
    "application/yaml",
    "application/csv",
    "application/sql",
    "application/x-ipynb+json",
    "application/toml",
)
CODE_EXT = {
    "py": "python",
    "js": "javascript",
    "ts": "typescript",
    "java": "java",
    "go": "go",
    "rs": "rust",
    "c": "c",
    "cpp": "c++",
    "h": "c",
    "rb": "ruby",
    "sh": "bash",
    "sql": "sql",
    "kt": "kotlin",
    "swift": "swift",
    "php": "php",
    "cs": "c#",
    "r": "r",
}
STOP = {
    "the",
    "a",
    "an",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "and",
    "or",
    "but",
    "with",
    "as",
    "by",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "from",
    "what",
    "which",
    "who",
    "whom",
    "how",
    "why",
    "when",
    "where",
    "does",
    "do",
    "did",
    "say",
    "says",
    "about",
    "document",
    "file",
    "text",
    "pdf",
    "me",
    "tell",
    "please",
    "can",
    "you",
    "i",
    "we",
    "our",
    "there",
    "their",
    "they",
    "he",
    "she",
    "his",
    "her",
    "has",
    "have",
    "had",
    "not",
    "no",
    "so",
    "according",
    "mention",
    "mentioned",
    "attached",
    "uploaded",
    "paper",
    "article",
    "report",
}
_SUMMARY = re.compile(
    r"\b(summar|tl;?dr|key points|main points|overview|gist|what is (?:this|it|the "
    r"\w+) about|what's (?:this|it) about|outline)",
    re.I,
)
_EXPLAIN = re.compile(r"\b(explain|what does|walk me through|describe|review|how does|document)\b", re.I)


@dataclass
class Doc:
    """One readable attachment."""

    name: str
    mime: str
    text: str
    language: str | None = None
    """Programming language for source code, else None."""


def _language(name: str, mime: str, text: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in CODE_EXT:
        return CODE_EXT[ext]
    for key, lang in (
        ("python", "python"),
        ("javascript", "javascript"),
        ("typescript", "typescript"),
        ("x-java", "java"),
        ("x-c", "c"),
        ("x-go", "go"),
        ("x-rust", "rust"),
        ("x-sh", "bash"),
        ("sql", "sql"),
    ):
        if key in mime:
            return lang
    if mime.startswith("text/plain") or not mime:
        if re.search(r"^\s*(def|class) \w+.*:\s*$|^\s*import \w+", text, re.M):
            return "python"
        if re.search(r"\bfunction \w+\s*\(|=>\s*\{|\bconst \w+ =", text):
            return "javascript"
        for pattern, lang in (
            (r"^package \w+|^func \w+\(", "go"),
            (r"^\s*(?:pub )?fn \w+\(", "rust"),
            (r"\bpublic (?:static )?(?:class|void)\b", "java"),
            (r"#include <\w+(?:\.h)?>", "c"),
        ):
            if re.search(pattern, text, re.M):
                return lang
    return None


def _readable(mime: str, name: str) -> bool:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return (
        mime.startswith("text/")
        or mime in TEXT_MIMES
        or mime.endswith(("+json", "+xml"))
        or ext in CODE_EXT
        or ext in ("md", "txt", "csv", "json", "yaml", "yml", "toml")
    )


def read_part(part: dict[str, Any], info: dict[str, Any], files: Any) -> Doc | None:
    """The text of one media part when it is text-like or a PDF (None otherwise)."""
    mime = str(info.get("mime_type") or "").lower()
    name = str(info.get("display_name") or part.get("uri") or "")
    if not (_readable(mime, name) or mime == "application/pdf"):
        return None
    raw = part_bytes(part, files)
    if raw is None:
        return None
    if mime == "application/pdf" or raw.startswith(b"%PDF"):
        text = extract_text(raw)
    else:
        text = raw.decode("utf-8", "replace")
    return Doc(name=name, mime=mime, text=text, language=_language(name, mime, text))


def sentences(text: str) -> list[str]:
    """Sentences (and heading/list lines) of a document, markdown markers removed."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[#*\-]|\d+\.)\s)", text):
        block = re.sub(r"^\s*(?:#+|[*\-]|\d+\.)\s*", "", block.strip())
        block = re.sub(r"\s+", " ", block)
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])", block):
            if len(s.split()) >= 3:
                out.append(s.strip())
    return out


def _content_words(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-zA-Z][a-zA-Z'\-]+|\d+", text.lower()) if w not in STOP]


def key_sentences(text: str, n: int = 3) -> list[str]:
    """The ``n`` sentences with the highest average content-word frequency, in document order."""
    sents = sentences(text)
    freq = Counter(w for s in sents for w in set(_content_words(s)))
    scored = []
    for i, s in enumerate(sents):
        words = _content_words(s)
        score = sum(freq[w] for w in set(words)) / (len(set(words)) + 1) if words else 0
        scored.append((score + (0.5 if i == 0 else 0), -i, s))
    best = sorted(scored, reverse=True)[:n]
    return [s for _, i, s in sorted(best, key=lambda x: -x[1])]


def best_match(text: str, question: str) -> tuple[str | None, int]:
    """(sentence sharing the most content words with ``question``, overlap count)."""
    want = set(_content_words(question))
    best, best_score = None, 0
    for s in sentences(text):
        have = set(_content_words(s))
        score = len(want & have)
        if score > best_score:
            best, best_score = s, score
    return best, best_score


def _quote(s: str, limit: int = 300) -> str:
    s = s if len(s) <= limit else s[:limit].rsplit(" ", 1)[0] + "…"
    return f"\u201c{s}\u201d"


# -- code ----------------------------------------------------------------------------------------
def explain_python(source: str) -> list[str] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = []
    doc = ast.get_docstring(tree)
    if doc:
        lines.append(f"Its module docstring says: {_quote(doc.strip().splitlines()[0])}.")
    imports = sorted(
        {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])
            if a.name
        }
    )
    if imports:
        lines.append(f"It imports {', '.join(f'`{i}`' for i in imports)}.")
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [
                f"`{m.name}`" for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            lines.append(
                f"Class `{node.name}`"
                + (f" (based on {bases})" if bases else "")
                + (f" with methods {', '.join(methods)}." if methods else ".")
            )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = ", ".join(
                f"`{a.arg}`" + (f" ({ast.unparse(a.annotation)})" if a.annotation else "")
                for a in node.args.args
            )
            ret = f", returning {ast.unparse(node.returns)}" if node.returns else ""
            fdoc = ast.get_docstring(node)
            said = f"; its docstring says {_quote(fdoc.splitlines()[0])}" if fdoc else ""
            lines.append(
                f"Function `{node.name}`"
                + (f" takes {args}" if args else " takes no arguments")
                + ret
                + said
                + "."
            )
    loops = Counter(
        type(n).__name__
        for n in ast.walk(tree)
        if isinstance(
            n, (ast.For, ast.While, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.AsyncFor)
        )
    )
    if loops:
        names = {
            "For": "`for` loop",
            "While": "`while` loop",
            "ListComp": "list comprehension",
            "DictComp": "dict comprehension",
            "SetComp": "set comprehension",
            "GeneratorExp": "generator expression",
            "AsyncFor": "`async for` loop",
        }
        parts = [f"{c} {names[k]}{'s' if c > 1 else ''}" for k, c in sorted(loops.items())]
        lines.append(f"It iterates with {', '.join(parts)}.")
    types = sorted(
        {
            ast.unparse(n)
            for n in ast.walk(tree)
            for n in [getattr(n, "annotation", None), getattr(n, "returns", None)]
            if n is not None
        }
    )
    if types:
        lines.append(f"Types used in annotations: {', '.join(f'`{t}`' for t in types[:12])}.")
    if any(isinstance(n, ast.Try) for n in ast.walk(tree)):
        lines.append("It handles errors with `try`/`except`.")
    return lines


_FUNC_RES = [
    r"\bfunction\s+(\w+)\s*\(",
    r"\b(?:const|let|var)\s+(\w+)\s*=\s*(?:async\s*)?\([^)]*\)\s*=>",
    r"\bfn\s+(\w+)",
    r"\bfunc\s+(?:\([^)]*\)\s*)?(\w+)",
    r"\bdef\s+(\w+)",
    r"^\s*(?:public|private|protected|static|final|inline|virtual|\s)*[\w<>\[\],]+\s+(\w+)"
    r"\s*\([^;{]*\)\s*\{",
]
_TYPES = (
    r"\b(int|long|float|double|char|bool|boolean|string|String|void|byte|u8|u32|u64|i32|i64|f32|f64|"
    r"usize|Vec|HashMap|Map|List|Array|Promise|Optional|Result|Option|struct|interface|enum)\b"
)


def explain_other(source: str, language: str) -> list[str]:
    funcs = []
    for pattern in _FUNC_RES:
        funcs += [
            m
            for m in re.findall(pattern, source, re.M)
            if m not in ("if", "for", "while", "switch", "return", "catch")
        ]
    funcs = list(dict.fromkeys(funcs))
    classes = list(dict.fromkeys(re.findall(r"\b(?:class|struct|interface|trait|impl)\s+(\w+)", source)))
    fors, whiles = len(re.findall(r"\bfor\b", source)), len(re.findall(r"\bwhile\b", source))
    types = sorted(set(re.findall(_TYPES, source)))
    lines = []
    if funcs:
        lines.append(
            f"It defines the function{'s' if len(funcs) > 1 else ''} "
            f"{', '.join(f'`{f}`' for f in funcs[:12])}."
        )
    if classes:
        lines.append(f"Types/classes declared: {', '.join(f'`{c}`' for c in classes[:12])}.")
    if fors or whiles:
        loop = [
            f"{fors} `for` loop{'s' if fors != 1 else ''}" if fors else "",
            f"{whiles} `while` loop{'s' if whiles != 1 else ''}" if whiles else "",
        ]
        lines.append(f"It iterates with {' and '.join(x for x in loop if x)}.")
    if types:
        lines.append(f"Types it uses: {', '.join(f'`{t}`' for t in types)}.")
    return lines or [f"I could not find function or class definitions in this {language} source."]


def explain_code(doc: Doc) -> str:
    lines = explain_python(doc.text) if doc.language == "python" else None
    if lines is None:
        lines = explain_other(doc.text, doc.language or "source")
    n = len(doc.text.splitlines())
    head = f"This is {doc.language or 'source'} code ({n} line{'s' if n != 1 else ''})."
    return head + "\n\n" + "\n".join(f"- {line}" for line in lines)


# -- answers ---------------------------------------------------------------------------------------
def _csv_answer(doc: Doc, prompt: str) -> str | None:
    if "csv" not in doc.mime and not doc.name.lower().endswith(".csv"):
        return None
    computed = tables.answer(prompt + "\n" + doc.text) if prompt.strip() else None
    parsed = tables.parse_table(doc.text)
    if computed:
        return computed
    if parsed:
        header, rows, _ = parsed
        return (
            f"The CSV has {len(rows)} rows and {len(header)} columns: {', '.join(header)}. "
            f"The first row is {', '.join(f'{h}={v}' for h, v in zip(header, rows[0]))}."
        )
    return None


def _json_answer(doc: Doc) -> str | None:
    if "json" not in doc.mime and not doc.name.lower().endswith(".json"):
        return None
    try:
        value = json.loads(doc.text)
    except ValueError:
        return "The file is labelled JSON but does not parse as JSON."
    if isinstance(value, dict):
        return f"The JSON object has {len(value)} keys: {', '.join(f'`{k}`' for k in list(value)[:15])}."
    if isinstance(value, list):
        keys = sorted({k for v in value if isinstance(v, dict) for k in v})
        return f"The JSON array holds {len(value)} items" + (
            f" with the keys {', '.join(f'`{k}`' for k in keys[:15])}." if keys else "."
        )
    return f"The JSON value is {json.dumps(value)[:200]}."


def summary(text: str, n: int = 3) -> str:
    picks = key_sentences(text, n)
    if not picks:
        return "It contains too little running text to summarize."
    return "In summary, its key sentences are:\n\n" + "\n".join(f"- {_quote(s)}" for s in picks)


def answer_doc(doc: Doc, prompt: str) -> str:
    """What the model says about one readable document, for this prompt."""
    if not doc.text.strip():
        return (
            "I could not extract any text from it (it may be scanned, encrypted or use fonts I "
            "cannot decode), so I can only report its properties."
        )
    csv = _csv_answer(doc, prompt)
    if csv:
        return csv
    asks_summary = bool(_SUMMARY.search(prompt)) or not prompt.strip()
    if doc.language and (asks_summary or _EXPLAIN.search(prompt)):
        return explain_code(doc)
    js = _json_answer(doc)
    if js and (asks_summary or _EXPLAIN.search(prompt)):
        return js
    if not asks_summary:
        sentence, overlap = best_match(doc.text, prompt)
        if sentence and overlap:
            return f"The document answers this: {_quote(sentence)}"
        if re.search(r"\?\s*$|^\s*(who|what|when|where|which|why|how|is|are|does|did)\b", prompt, re.I):
            return "I could not find anything about that in the document."
    return summary(doc.text)


def documents(ctx: TurnContext, parts: list[dict[str, Any]], infos: list[dict[str, Any]]) -> list[Doc | None]:
    """A :class:`Doc` (or None) for each media part of this turn."""
    return [
        read_part(p, i, ctx.files)
        if p.get("type") in ("document", "text") or str(i.get("mime_type", "")).startswith("text/")
        else None
        for p, i in zip(parts, infos)
    ]


def pasted_document(prompt: str) -> tuple[str, str] | None:
    """(instruction, body) when the prompt pastes a long text after a summarize-style request."""
    m = re.match(
        r"\s*((?:please\s+)?(?:summari[sz]e|tl;?dr|give me the (?:key|main) points of|what are the "
        r"(?:key|main) points (?:of|in)|what is this (?:text|article) about)[^:\n]{0,80})"
        r"[:\n]\s*(.+)",
        prompt,
        re.I | re.S,
    )
    if m and len(m.group(2).split()) >= 30:
        return m.group(1), m.group(2)
    return None
