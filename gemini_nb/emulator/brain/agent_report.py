"""The deliverables of the research agents: a cited markdown report and an optional chart.

A Deep Research run ends with a structured report: a title, an executive summary, sections
of findings, limitations, a conclusion and a numbered source list, where each cited sentence
carries a ``url_citation`` annotation with exact offsets (built with
:class:`~.web_corpus.CitedText`). With ``visualization`` on, the agent also returns a chart;
here it is a real PNG bar chart drawn with nothing but ``zlib`` so notebooks can display it.
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from .web_corpus import ASPECTS, CitedText, Page, digest, url_citation

PALETTE = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88), (171, 71, 188),
           (0, 172, 193)]


SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs"}


def _title(text: str) -> str:
    words = text.split()
    return " ".join(w if w[:1].isupper() or (i and w.lower() in SMALL) else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def aspects_for(subject: str, n: int) -> list[str]:
    """``n`` distinct aspects of ``subject`` the report is organized around."""
    start = digest("aspects", subject) % len(ASPECTS)
    return [ASPECTS[(start + 5 * i) % len(ASPECTS)] for i in range(n)]


def write_report(subject: str, pages: list[Page], *, sections: int = 3, context: str | None = None,
                 figure: bool = False, plan_note: str | None = None) -> CitedText:
    """The markdown report; every finding cites one of ``pages`` by number and annotation."""
    out = CitedText()
    title = _title(subject)
    numbers = {page.url: n for n, page in enumerate(pages, 1)}

    def cite(page: Page, sentence: str) -> None:
        out.add(sentence, url_citation(page)).add(f" [{numbers[page.url]}]")

    out.add(f"# {title}: a research report\n\n")
    if context:
        out.add(f"*This report builds on our earlier conversation about {context}.*\n\n")
    if plan_note:
        out.add(f"*{plan_note}*\n\n")
    out.add("## Executive summary\n\n")
    cite(pages[0], pages[0].facts[0])
    out.add(" ")
    cite(pages[1 % len(pages)], pages[1 % len(pages)].facts[1])
    out.add(f" Overall, the {len(pages)} sources reviewed agree on the broad picture but differ "
            "on the details, which the sections below set out.\n\n")
    out.add("## Background\n\n")
    cite(pages[2 % len(pages)], pages[2 % len(pages)].facts[0])
    out.add("\n\n## Key findings\n\n")
    for i, aspect in enumerate(aspects_for(subject, sections)):
        page = pages[(i + 3) % len(pages)]
        out.add(f"### {i + 1}. {_title(aspect)}\n\n")
        cite(page, page.facts[i % len(page.facts)])
        out.add(f" Sources that discuss {aspect} in depth tend to emphasize its practical "
                f"consequences for {subject}.\n\n")
    if figure:
        out.add("Figure 1 (above) compares how often each theme appears across the sources.\n\n")
    out.add("## Open questions and limitations\n\n")
    page = pages[-1]
    cite(page, page.facts[-1])
    out.add(" Several sources rely on estimates rather than direct measurement, so the figures "
            "should be read as indicative.\n\n")
    out.add("## Conclusion\n\n")
    out.add(f"The evidence on {subject} is consistent on the fundamentals; the most useful next "
            f"step is to look closely at {aspects_for(subject, 1)[0]} for the specific context "
            "you care about.\n\n")
    out.add("## Sources\n\n")
    for n, page in enumerate(pages, 1):
        out.add(f"{n}. [").add(page.title, url_citation(page)).add(f"]({page.url})\n")
    return out


def chart_png(values: list[float], width: int = 480, height: int = 240) -> bytes:
    """A bar chart of ``values`` as PNG bytes (white background, one colour per bar)."""
    rows = []
    top = max(values) or 1.0
    n = max(1, len(values))
    slot = width // n
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            i = min(x // slot, n - 1)
            bar_h = int((height - 20) * values[i] / top) if i < len(values) else 0
            inside = slot * i + slot // 6 <= x < slot * (i + 1) - slot // 6
            if y >= height - 10 - bar_h and y < height - 10 and inside:
                row += bytes(PALETTE[i % len(PALETTE)])
            elif y == height - 10:
                row += b"\x40\x40\x40"
            else:
                row += b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def figure_part(subject: str, pages: list[Page]) -> dict[str, Any]:
    """An inline PNG image content part charting theme frequency for ``subject``."""
    values = [float(1 + digest(subject, a) % 9) for a in aspects_for(subject, 5)]
    data = base64.b64encode(chart_png(values)).decode("ascii")
    return {"type": "image", "mime_type": "image/png", "data": data}
