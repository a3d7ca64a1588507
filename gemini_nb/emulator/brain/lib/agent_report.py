"""The deliverables of the research agents: a cited markdown report and an optional chart.

A Deep Research run ends with a structured report: a title, an executive summary, sections
of findings, limitations, a conclusion and a numbered source list, where each cited sentence
carries a ``url_citation`` annotation with exact offsets (built with
:class:`~.web_corpus.CitedText`). With ``visualization`` on, the agent also returns a chart;
here it is a real PNG bar chart drawn with nothing but ``zlib`` so notebooks can display it.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from typing import Any

from .web_corpus import ASPECTS, CitedText, Page, digest, url_citation

PALETTE = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88), (171, 71, 188), (0, 172, 193)]


SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs"}


def _title(text: str) -> str:
    words = text.split()
    return " ".join(
        w if w[:1].isupper() or (i and w.lower() in SMALL) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def aspects_for(subject: str, n: int) -> list[str]:
    """``n`` distinct aspects of ``subject`` the report is organized around."""
    start = digest("aspects", subject) % len(ASPECTS)
    return [ASPECTS[(start + 5 * i) % len(ASPECTS)] for i in range(n)]


ANALYSIS = [
    "Taken together, the sources suggest that {topic} matters most where {aspect} is concerned.",
    "The evidence on {aspect} is uneven: a few detailed studies sit beside many brief mentions.",
    "For {topic}, {aspect} is where practical decisions are usually made.",
    "Several sources connect {aspect} to the wider debate about {topic}.",
    "Where figures on {aspect} are given, they come with wide margins and differing definitions.",
    "Readers comparing options should weigh {aspect} against cost and feasibility.",
    "The more recent sources treat {aspect} as settled less often than older ones do.",
    "Case descriptions of {aspect} show how much local conditions change the picture.",
]


def _words(text: str) -> int:
    return len(text.split())


def write_report(
    subject: str,
    pages: list[Page],
    *,
    sections: int = 3,
    context: str | None = None,
    figure: bool = False,
    plan_note: str | None = None,
    titles: list[str] | None = None,
    table: bool = False,
    words: int | None = None,
) -> CitedText:
    """The markdown report; every finding cites one of ``pages`` by number and annotation.

    ``titles`` names the finding sections (default: ``sections`` aspects of the subject);
    ``table`` adds a markdown table of the findings; ``words`` is a target length for the
    body (sources excluded): short targets drop background and commentary, long ones add
    further cited findings and analysis, distinct sentences only.
    """
    report = _Report(
        subject,
        pages,
        titles or [_title(a) for a in aspects_for(subject, sections)],
        context=context,
        figure=figure,
        plan_note=plan_note,
        table=table,
        words=words,
    )
    if words is not None:
        report.fit(words)
    return report.render()


class _Report:
    """The report's parts (cited facts per section) and what was left out to meet a length."""

    def __init__(
        self,
        subject: str,
        pages: list[Page],
        titles: list[str],
        *,
        context: str | None,
        figure: bool,
        plan_note: str | None,
        table: bool,
        words: int | None,
    ):
        self.subject, self.pages, self.titles = subject, pages, titles
        self.context, self.figure, self.plan_note, self.table, self.words = (
            context,
            figure,
            plan_note,
            table,
            words,
        )
        self.numbers = {page.url: n for n, page in enumerate(pages, 1)}
        self.facts = [(p, f) for p in pages for f in p.facts]
        self.distinct = len({f for _, f in self.facts})
        self.used: set[str] = set()
        self.summary = [self.fact(0), self.fact(1)]
        self.background = [self.fact(2)]
        self.body: list[list[tuple[Page | None, str]]] = []
        for i, title in enumerate(titles):  # each section opens on its own subject, then the evidence
            template = ANALYSIS[(digest(subject, title) + i) % len(ANALYSIS)]
            lead = template.format(topic=subject, aspect=title.lower())
            self.body.append([(None, lead), self.fact(3 + i)])
        self.limitation = self.fact(len(self.facts) - 1)
        self.dropped: set[str] = set()  # parts left out to meet a length

    def fact(self, i: int) -> tuple[Page, str]:
        """The ``i``-th fact, or the next one not cited yet (repeats only when all are used)."""
        for k in range(len(self.facts)):
            page, text = self.facts[(i + k) % len(self.facts)]
            if text not in self.used:
                self.used.add(text)
                return page, text
        return self.facts[i % len(self.facts)]

    def fit(self, words: int) -> None:
        """Leave parts out while too long, then add findings and analysis while too short."""
        for part in ("commentary", "background", "limitations", "leads"):  # too long: leave parts out
            if body_words(self.render().text) <= words * 1.15:
                break
            self.dropped.add(part)
        if body_words(self.render().text) < words * 0.9:
            self._pad(words)

    def _pad(self, words: int) -> None:
        """Append unused cited facts, then unused analysis sentences, round-robin over sections."""
        titles, body, subject = self.titles, self.body, self.subject
        analysis = [
            (i, t)
            for t in ANALYSIS
            for i in range(len(titles))
            if t.format(topic=subject, aspect=titles[i].lower()) not in {x for _, x in body[i]}
        ]
        extra = 0
        for n in range(len(self.facts) + len(analysis)):
            if body_words(self.render().text) >= words * 0.9:
                break
            sec_i = n % len(body)
            if len(self.used) < self.distinct:
                body[sec_i].append(self.fact(sec_i))
            elif extra < len(analysis):
                k, tpl = analysis[extra]
                extra += 1
                body[k].append((None, tpl.format(topic=subject, aspect=titles[k].lower())))
            else:
                break

    def cite(self, out: CitedText, page: Page, sentence: str) -> None:
        out.add(sentence, url_citation(page)).add(f" [{self.numbers[page.url]}]")

    def render(self) -> CitedText:
        """The report as it stands (called repeatedly while fitting a length)."""
        out = CitedText()
        self._render_opening(out)
        self._render_findings(out)
        if self.table:
            self._render_table(out)
        if self.figure:
            out.add("Figure 1 (above) compares how often each theme appears across the sources.\n\n")
        if "limitations" not in self.dropped:
            out.add("## Open questions and limitations\n\n")
            self.cite(out, *self.limitation)
            if "commentary" not in self.dropped:
                out.add(
                    " Several sources rely on estimates rather than direct measurement, so the "
                    "figures should be read as indicative."
                )
            out.add("\n\n")
        out.add("## Conclusion\n\n")
        out.add(
            f"The evidence on {self.subject} is consistent on the fundamentals; the most useful next "
            f"step is to look closely at {self.titles[0].lower()} for the specific context you "
            "care about.\n\n"
        )
        out.add("## Sources\n\n")
        for n, page in enumerate(self.pages, 1):
            out.add(f"{n}. [").add(page.title, url_citation(page)).add(f"]({page.url})\n")
        return out

    def _render_opening(self, out: CitedText) -> None:
        """Title, context and plan notes, executive summary and background."""
        out.add(f"# {_title(self.subject)}: a research report\n\n")
        if self.context:
            out.add(f"*This report builds on our earlier conversation about {self.context}.*\n\n")
        if self.plan_note:
            out.add(f"*{self.plan_note}*\n\n")
        out.add("## Executive summary\n\n")
        self.cite(out, *self.summary[0])
        out.add(" ")
        self.cite(out, *self.summary[1])
        if "commentary" not in self.dropped:
            out.add(
                f" Overall, the {len(self.pages)} sources reviewed agree on the broad picture but differ "
                "on the details, which the sections below set out."
            )
        if "background" not in self.dropped:
            out.add("\n\n## Background\n\n")
            self.cite(out, *self.background[0])

    def _render_findings(self, out: CitedText) -> None:
        """One numbered section per title: its lead sentence (unless dropped), then citations."""
        out.add("\n\n## Key findings\n\n")
        for i, (title, sentences) in enumerate(zip(self.titles, self.body)):
            out.add(f"### {i + 1}. {title}\n\n")
            lead_out = "leads" in self.dropped and sentences[0][0] is None
            shown = sentences[1:] if lead_out else sentences
            for k, (page, sentence) in enumerate(shown):
                if k:
                    out.add(" ")
                if page is None:
                    out.add(sentence)
                else:
                    self.cite(out, page, sentence)
            if self.words is None:
                out.add(
                    f" Sources that discuss {title.lower()} in depth tend to emphasize its practical "
                    f"consequences for {self.subject}."
                )
            out.add("\n\n")

    def _render_table(self, out: CitedText) -> None:
        """A markdown table: each section's first cited finding and its source number."""
        out.add("| Section | Main finding | Source |\n|---|---|---|\n")
        for title, sentences in zip(self.titles, self.body):
            page, sentence = next(((p, t) for p, t in sentences if p is not None), (self.pages[0], ""))
            cell = sentence.replace("|", "/")
            out.add(f"| {title} | ").add(cell, url_citation(page)).add(f" | [{self.numbers[page.url]}] |\n")
        out.add("\n")


def body_words(report: str) -> int:
    """Words of a report without its title line and source list (what a length request means)."""
    text = report.split("\n## Sources", 1)[0]
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("# ", "|---")))
    return len(re.sub(r"\[\d+\]|[#|*]", " ", text).split())


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
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def figure_part(subject: str, pages: list[Page]) -> dict[str, Any]:
    """An inline PNG image content part charting theme frequency for ``subject``."""
    values = [float(1 + digest(subject, a) % 9) for a in aspects_for(subject, 5)]
    data = base64.b64encode(chart_png(values)).decode("ascii")
    return {"type": "image", "mime_type": "image/png", "data": data}
