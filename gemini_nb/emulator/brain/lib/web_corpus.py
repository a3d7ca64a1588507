"""A deterministic, offline stand-in for "the web": search hits, pages and cited prose.

Grounded answers (``google_search``, ``url_context``, the deep-research agents) need
sources that look real — a title, a URL, a snippet — and prose that cites them with exact
character offsets. Nothing here touches the network: every page is derived from the query
text with a hash, so the same query always yields the same sources, and URLs live under
reserved example domains so nobody mistakes them for real citations.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

# A prompt that asks something (a tool fits a question even without its keywords).
QUESTION = re.compile(r"\?\s*$|^\s*(who|what|when|where|which|why|how|is|are|does|did|can)\b", re.I)

STOP_WORDS = frozenset(
    {
        "a",
        "about",
        "an",
        "and",
        "are",
        "can",
        "describe",
        "do",
        "does",
        "explain",
        "for",
        "give",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "please",
        "some",
        "tell",
        "that",
        "the",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "write",
        "you",
    }
)
"""Question and instruction words that never name a topic (shared with the text skill)."""

STOP = STOP_WORDS | {
    "any",
    "at",
    "be",
    "best",
    "by",
    "could",
    "current",
    "did",
    "find",
    "from",
    "get",
    "good",
    "google",
    "had",
    "happened",
    "has",
    "have",
    "into",
    "its",
    "know",
    "latest",
    "like",
    "list",
    "look",
    "near",
    "nearby",
    "need",
    "news",
    "now",
    "on",
    "our",
    "recent",
    "report",
    "research",
    "said",
    "say",
    "says",
    "search",
    "should",
    "show",
    "summarize",
    "summary",
    "than",
    "their",
    "them",
    "then",
    "there",
    "today",
    "top",
    "up",
    "us",
    "use",
    "using",
    "want",
    "was",
    "we",
    "web",
    "were",
    "will",
    "won",
    "would",
    "your",
}
"""... plus the words of a search request (what to look up is what is left)."""
SITES = [
    ("en.wikipedia.example.org", "wiki", "{Title} - Wikipedia"),
    ("www.britannica.example.com", "topic", "{Title} | Britannica"),
    ("news.example.com", "2026/articles", "What to know about {title} | Example News"),
    ("research.example.edu", "papers", "A survey of {title} (Example University)"),
    ("blog.example.net", "posts", "{Title}: a practical guide"),
    ("data.example.org", "datasets", "{Title}: key figures and statistics"),
]
ASPECTS = [
    "history",
    "adoption",
    "costs",
    "performance",
    "safety",
    "regulation",
    "design",
    "environmental impact",
    "public opinion",
    "future outlook",
    "key players",
    "limitations",
]
FACTS = [
    "{Title} has been documented for decades, and most overviews trace its development "
    "through several distinct phases.",
    "Recent coverage of {title} highlights {a1} and {a2} as the main points of discussion.",
    "Analysts note that {title} depends heavily on context, especially on {a1}.",
    "Estimates about {title} vary between sources; the figures most often cited concern {a1}.",
    "Surveys suggest that interest in {title} has grown steadily, driven by {a1}.",
    "Critics of current approaches to {title} point to {a2} as an unresolved issue.",
    "Comparisons across regions show that {a1} shapes how {title} is understood and used.",
    "Practitioners recommend starting with {a2} when evaluating {title} for the first time.",
]


def digest(*parts: Any) -> int:
    """A stable integer hash (Python's ``hash`` is salted per process)."""
    return int(hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest(), 16)


def keywords(text: str, limit: int = 6) -> list[str]:
    """Content words of ``text`` in order, without stop words, URLs or duplicates."""
    text = re.sub(r"https?://\S+", " ", text)
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-]*", text):
        low = word.lower()
        if low in STOP or len(low) < 2 or low in (w.lower() for w in seen):
            continue
        seen.append(word)
        if len(seen) >= limit:
            break
    return seen


def topic(text: str, limit: int = 5) -> str:
    """A short noun-phrase-like topic for prose and titles ("Eiffel Tower history")."""
    words = keywords(text, limit)
    return " ".join(words) if words else "the topic"


REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could|would) you\s+)?(?:please\s+)?(?:do (?:some )?research on|"
    r"research|investigate|write (?:me )?(?:a |an )?(?:\w+ )?report (?:on|about)|tell me about|"
    r"explain|summari[sz]e|find out about|look into|what do you know about|give me an overview of|"
    r"search (?:the web )?for|look up|find)\s+",
    re.I,
)


def subject_phrase(text: str, limit: int = 9) -> str:
    """The subject as the user phrased it ("the economics of solar panels" -> "economics of
    solar panels"), for prose; falls back to :func:`topic` for questions and long prompts."""
    text = re.sub(r"https?://\S+", " ", text).strip()
    text = REQUEST.sub("", text, count=1)
    text = re.sub(r"^(?:what|who|where|which)\s+(?:is|are|was|were)\s+", "", text, flags=re.I)
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I).strip().rstrip("?.!:; ")
    words = text.split()
    if (
        not words
        or len(words) > limit
        or re.match(r"(who|what|when|where|which|why|how|is|are|does|did|can)\b", text, re.I)
    ):
        return topic(text or "the topic")
    return " ".join(words)


def queries_for(text: str, n: int = 2) -> list[str]:
    """Search queries a model would plausibly issue for ``text`` (first is the plain topic)."""
    base = topic(text, 6)
    out = [base]
    extras = ["latest developments", "overview", "statistics", "explained", "pros and cons"]
    for i in range(1, n):
        out.append(f"{base} {extras[(digest(text, i) + i) % len(extras)]}")
    return out[: max(1, n)]


def slug(text: str, sep: str = "-") -> str:
    return sep.join(re.findall(r"[a-z0-9]+", text.lower()))[:60] or "page"


@dataclass
class Page:
    """One search hit: what a result list shows plus a few facts the page "says"."""

    url: str
    title: str
    snippet: str
    facts: list[str] = field(default_factory=list)
    site: str = ""


def _title_case(text: str) -> str:
    return " ".join(w if w[:1].isupper() else w[:1].upper() + w[1:] for w in text.split())


def search(query: str, n: int = 3, offset: int = 0, about: str | None = None) -> list[Page]:
    """``n`` deterministic pages for ``query`` (``offset`` picks further, different sites).

    ``about`` names the subject the pages' facts talk about (default: the query's topic), so
    refined queries ("X statistics") still yield prose about X."""
    subject = topic(query, 6)
    title_l, title_t = subject, _title_case(subject)
    about = about or subject
    about_cap = about[:1].upper() + about[1:]
    pages = []
    start = digest(query) % len(SITES)
    for i in range(n):
        host, path, title_tpl = SITES[(start + offset + i) % len(SITES)]
        name = slug(subject, "_").capitalize() if "wiki" in path else slug(subject)
        url = f"https://{host}/{path}/{name}"
        h = digest(query, offset + i)
        a1, a2 = ASPECTS[h % len(ASPECTS)], ASPECTS[(h // 7 + 3) % len(ASPECTS)]
        if a2 == a1:
            a2 = ASPECTS[(ASPECTS.index(a1) + 1) % len(ASPECTS)]
        facts = [
            FACTS[(h // 13 + k * 3) % len(FACTS)].format(title=about, Title=about_cap, a1=a1, a2=a2)
            for k in range(2)
        ]
        title = title_tpl.format(title=title_l, Title=title_t)
        snippet = f"{facts[0]} This page covers {a1} and {a2} of {about}."
        pages.append(Page(url=url, title=title, snippet=snippet, facts=facts, site=host))
    return pages


def search_suggestions_html(queries: list[str]) -> str:
    """The "search suggestions" chip block the real API returns for display next to answers."""
    chips = "".join(
        f'<a class="chip" href="https://www.google.com/search?q={"+".join(q.split())}">{q}</a>'
        for q in queries
    )
    return f'<div class="container"><div class="carousel">{chips}</div></div>'


class CitedText:
    """Builds answer text piece by piece while recording citations with exact offsets.

    ``start_index``/``end_index`` are Python string (code point) offsets into the final
    text, so ``text[start:end]`` is exactly the cited span; the legacy dialect converts
    them to UTF-8 byte offsets as the 1.x schema documents.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.annotations: list[dict[str, Any]] = []

    def add(self, text: str, citation: dict[str, Any] | None = None) -> CitedText:
        if citation is not None and text:
            lead = len(text) - len(text.lstrip())
            tail = len(text.rstrip())
            self.annotations.append(
                {**citation, "start_index": self._length + lead, "end_index": self._length + tail}
            )
        self._parts.append(text)
        self._length += len(text)
        return self

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def part(self) -> dict[str, Any]:
        """The text content part, with annotations when there are any."""
        part: dict[str, Any] = {"type": "text", "text": self.text}
        if self.annotations:
            part["annotations"] = list(self.annotations)
        return part


def url_citation(page: Page) -> dict[str, Any]:
    return {"type": "url_citation", "url": page.url, "title": page.title}
