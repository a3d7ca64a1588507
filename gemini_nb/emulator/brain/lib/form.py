"""Read the *form* a request asks for: counts, layout, language and the bare topic.

"Explain X in two sentences", "a 250-word story", "list 5 ...", "three bullet points", "as a
markdown table", "with sections Background, Method, Results", "in French": a model honours
these before it says anything, so the emulator parses them once here and the writer
(:mod:`.writer`) produces exactly that shape. The topic is what is left after the
instruction words are removed ("Make summary shorter please" has none of its own: it
refers to the previous turn's topic).
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field

from .vocab import NUMBER_WORDS

FOREIGN_NUMBERS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "ein": 1,
    "einem": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "due": 2,
    "tre": 3,
    "quattro": 4,
    "um": 1,
    "dois": 2,
    "duas": 2,
    "três": 3,
    "quatro": 4,
}
_ALL_NUMBERS = {**NUMBER_WORDS, **FOREIGN_NUMBERS}
_NUM = r"(\d{1,4}|" + "|".join(sorted(_ALL_NUMBERS, key=len, reverse=True)) + r")"
_SENTENCE = r"(?:sentences?|phrases?|sätzen?|satz|frases?|frasi)"
LANG_STOP = {
    "en": {
        "the",
        "and",
        "is",
        "of",
        "to",
        "in",
        "what",
        "how",
        "please",
        "explain",
        "write",
        "about",
        "with",
        "a",
        "for",
        "me",
        "you",
    },
    "fr": {
        "le",
        "la",
        "les",
        "des",
        "est",
        "et",
        "une",
        "un",
        "du",
        "que",
        "qui",
        "pour",
        "sur",
        "dans",
        "avec",
        "explique",
        "écris",
        "quelle",
        "quel",
        "pourquoi",
        "comment",
        "moi",
        "en",
        "au",
        "ce",
        "il",
        "on",
        "son",
        "sa",
        "ses",
        "ne",
        "pas",
        "faut",
        "quand",
        "souvent",
        "surtout",
        "voici",
        "lorsqu'ils",
        "d'abord",
        "elle",
        "sont",
        "aux",
        "nous",
        "vous",
    },
    "es": {
        "el",
        "la",
        "los",
        "las",
        "es",
        "y",
        "una",
        "un",
        "que",
        "del",
        "por",
        "para",
        "con",
        "qué",
        "cuál",
        "explica",
        "escribe",
        "cómo",
        "sobre",
        "me",
        "en",
        "lo",
        "se",
        "su",
        "sus",
        "al",
        "conviene",
        "cuando",
        "primero",
        "suelen",
        "habla",
        "aquí",
        "tienes",
        "porqué",
        "mundo",
    },
    "de": {
        "der",
        "die",
        "das",
        "und",
        "ist",
        "ein",
        "eine",
        "nicht",
        "mit",
        "von",
        "zu",
        "was",
        "wie",
        "warum",
        "erkläre",
        "schreibe",
        "über",
        "mir",
        "ich",
        "den",
        "dem",
        "auf",
        "für",
        "sich",
        "lohnt",
        "wer",
        "oft",
        "sie",
        "vor",
        "allem",
        "um",
        "seine",
        "sein",
        "ihre",
        "hier",
        "uns",
        "wichtig",
    },
    "it": {
        "il",
        "lo",
        "gli",
        "della",
        "di",
        "che",
        "è",
        "e",
        "una",
        "un",
        "per",
        "con",
        "cosa",
        "come",
        "perché",
        "spiega",
        "scrivi",
        "sul",
        "sulla",
        "mi",
        "del",
        "nel",
        "si",
        "quando",
        "prima",
        "spesso",
        "soprattutto",
        "ecco",
        "sua",
        "suoi",
        "dei",
        "noi",
        "funziona",
    },
    "pt": {
        "o",
        "os",
        "as",
        "é",
        "e",
        "um",
        "uma",
        "que",
        "do",
        "da",
        "para",
        "com",
        "não",
        "como",
        "porque",
        "explique",
        "escreva",
        "sobre",
        "me",
        "em",
        "no",
        "na",
        "vale",
        "pena",
        "quando",
        "primeiro",
        "muitas",
        "vezes",
        "sobretudo",
        "aqui",
        "está",
        "sua",
        "seus",
        "nós",
        "mundo",
    },
}
_FOREIGN_VERBS = {
    "explique",
    "expliquez",
    "décris",
    "écris",
    "donne",
    "raconte",
    "erkläre",
    "erklär",
    "beschreibe",
    "schreibe",
    "gib",
    "bitte",
    "explica",
    "describe",
    "escribe",
    "dame",
    "cuéntame",
    "spiega",
    "descrivi",
    "scrivi",
    "dammi",
    "descreva",
    "escreva",
    "funktioniert",
    "fonctionne",
    "funciona",
    "funziona",
    "s'il",
    "vous",
    "plaît",
    "por",
    "favor",
    "favore",
    "wie",
    "comment",
    "cómo",
    "come",
    "como",
}
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
}
_LANG_REQUEST = {
    "english": "en",
    "french": "fr",
    "spanish": "es",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "français": "fr",
    "español": "es",
    "deutsch": "de",
    "italiano": "it",
    "português": "pt",
}
LIST_NOUNS = (
    r"(?:bullet points?|bullets?|items?|points?|tips?|ideas?|reasons?|examples?|ways?|steps?|"
    r"things?|facts?|benefits?|advantages?|disadvantages?|questions?|names?|options?|"
    r"suggestions?|takeaways?|rules?|features?|[a-z]{3,}s)"
)
# words that say how to answer, not what about
INSTRUCTION_WORDS = {
    "please",
    "explain",
    "describe",
    "write",
    "tell",
    "give",
    "list",
    "make",
    "create",
    "generate",
    "provide",
    "summarize",
    "summarise",
    "summary",
    "summaries",
    "shorter",
    "longer",
    "short",
    "long",
    "brief",
    "briefly",
    "detailed",
    "detail",
    "details",
    "more",
    "less",
    "again",
    "it",
    "this",
    "that",
    "answer",
    "response",
    "reply",
    "version",
    "text",
    "rewrite",
    "rephrase",
    "simpler",
    "simply",
    "can",
    "could",
    "would",
    "you",
    "me",
    "i",
    "a",
    "an",
    "the",
    "in",
    "of",
    "about",
    "on",
    "and",
    "for",
    "bullet",
    "bullets",
    "points",
    "point",
    "sentence",
    "sentences",
    "words",
    "word",
    "paragraph",
    "paragraphs",
    "table",
    "markdown",
    "numbered",
    "format",
    "as",
    "into",
    "with",
    "sections",
    "now",
    "one",
    "two",
    "three",
    "four",
    "five",
    "some",
    "do",
    "so",
    "bit",
    "lot",
    "just",
    "what",
    "is",
    "are",
    "how",
    "why",
    "quick",
    "quickly",
    "overview",
    "concise",
    "concisely",
    "keep",
    "try",
    "expand",
    "elaborate",
    "continue",
    "go",
    "than",
    "use",
    "using",
    "only",
    "way",
    "instead",
    "turn",
    "convert",
    "put",
    "show",
    "form",
    "style",
    "tone",
    "to",
    "be",
    "by",
    "also",
    "too",
}
_LEAD = re.compile(
    r"^(?:(?:please|kindly|hey|ok|okay|now|so|and|then|can you|could you|would you|will you|"
    r"i want you to|i'd like you to|i would like you to|help me|let's|explain(?: to me)?|describe|"
    r"write(?: me)?|tell me(?: about)?|tell|give me|give|list|summari[sz]e|make|create|generate|provide|"
    r"compose|compare|contrast|suggest|recommend|translate|plan|organi[sz]e|design|draft|outline|show me|"
    r"this|that|these|those|"
    r"teach me(?: about)?|what (?:is|are|was|were)|who (?:is|was|are)|"
    r"how (?:does|do|did|is|are|can)|why (?:is|are|does|do)|in|a|an|the|some|short|brief|quick|"
    r"detailed|simple|concise|overview of|summary of|introduction to|story|poem|haiku|limerick|essay|article|"
    r"paragraph|report|note|list of|explanation of|description of)\b[\s,:]*)+",
    re.I,
)


@dataclass
class Form:
    """The shape an answer must take."""

    kind: str = "default"
    """default | prose | bullets | numbered | table | code | sections | story | poem"""
    lines: int | None = None
    """Lines of a poem ('a four-line poem', 'in 6 lines')."""
    sentences: int | None = None
    words: int | None = None
    items: int | None = None
    paragraphs: int | None = None
    sections: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    language: str = "en"
    code_language: str = "python"
    topic: str = ""
    noun: str = ""
    """What a list holds when the prompt names it ('5 fruits' -> 'fruits')."""
    refinement: str = ""
    """'shorter' / 'longer' when the request only reshapes the previous answer."""


def number(word: str) -> int:
    return int(word) if word.isdigit() else _ALL_NUMBERS[word.lower()]


def detect_language(text: str) -> str:
    """ISO code of the prompt's language among en/fr/es/de/it/pt, by stop-word counts."""
    explicit = re.search(r"\b(?:in|en|auf|em)\s+(%s)\b" % "|".join(_LANG_REQUEST), text, re.I)
    if explicit:
        return _LANG_REQUEST[explicit.group(1).lower()]
    words = re.findall(r"[a-zà-ÿ']+", text.lower())
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in LANG_STOP.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if best != "en" and scores[best] >= 2 and scores[best] > scores["en"] else "en"


def _split_names(text: str) -> list[str]:
    text = re.split(r"[.;\n]|\s+(?:and then|then|please|in (?:a|the)|for)\s+", text, maxsplit=1)[0]
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*/\s*", text.strip())
    names = [p.strip(" \"'“”*:") for p in parts]
    return [n[:1].upper() + n[1:] for n in names if n and len(n) <= 40][:12]


class _Finder:
    """``re.search`` on the lower-cased prompt that remembers matched spans (instruction text)."""

    def __init__(self, low: str):
        self.low = low
        self.spans: list[tuple[int, int]] = []

    def __call__(self, pattern: str) -> re.Match | None:
        m = re.search(pattern, self.low)
        if m:
            self.spans.append(m.span())
        return m


READ_CHARS = 6_000
"""A long prompt (a pasted document, a CSV) is read for its form from this many characters at
its start and at its end: requests state their form there, and reading megabytes of pasted text
with every pattern would cost seconds per turn."""


def parse(prompt: str) -> Form:
    """The form ``prompt`` asks for (counts within the request, layout, language, topic).

    The same prompt is read once per turn (the answer and its thought summary both ask): the
    reading is cached, and each caller gets its own copy to change."""
    text = prompt.strip()
    if len(text) > 2 * READ_CHARS:
        text = text[:READ_CHARS] + "\n…\n" + text[-READ_CHARS:]
    return copy.deepcopy(_parse(text))


@functools.lru_cache(maxsize=32)
def _parse(text: str) -> Form:
    low = text.lower()
    form = Form(language=detect_language(text))
    find = _Finder(low)
    _read_counts(form, find)
    _read_layout(form, find, low)
    if form.kind == "default":
        form.kind = _implied_kind(form, low)
    _read_code_language(form, low)
    if re.search(r"\b(shorter|more concise|briefer|condense|tl;?dr|trim it|cut it down)\b", low):
        form.refinement = "shorter"
    elif re.search(r"\b(longer|more detail(?:s|ed)?|expand|elaborate|go deeper|tell me more)\b", low):
        form.refinement = "longer"
    form.topic = _question_topic(text, form, extract_topic(text, find.spans))
    return form


def _read_counts(form: Form, find: _Finder) -> None:
    """Sentences, words, paragraphs and list items ('5 tips' also names the list's noun)."""
    if m := find(
        r"\b(?:in|using|with|within|of)?\s*(?:exactly |just |only )?" + _NUM + r"\s+" + _SENTENCE + r"\b"
    ):
        form.sentences = number(m.group(1))
    elif find(r"\b(?:in |with |using )?(?:a single|one|a) (?:short )?sentence\b"):
        form.sentences = 1
    if m := find(
        r"\b(?:in |of |about |around |under |roughly |approximately )*"
        + _NUM
        + r"[- ]words?\b(?:\s+or (?:less|fewer))?"
    ):
        form.words = number(m.group(1))
    if find(r"\b(?:in |using )?(?:a )?few words\b|\bin a nutshell\b"):
        form.sentences, form.words = form.sentences or 1, None
    if m := find(r"\b(?:in )?" + _NUM + r"\s+paragraphs?\b"):
        form.paragraphs = number(m.group(1))
    if m := find(
        r"\b(?:list|give me|name|suggest|top|with|in|write|provide|share|recommend)?\s*"
        + _NUM
        + r"\s+((?:\w+\s+){0,2}?"
        + LIST_NOUNS
        + r")\b"
    ):
        noun = m.group(2)
        if not re.match(_SENTENCE + r"$|(words?|paragraphs?|years?|days?|minutes?|hours?|times?)$", noun):
            form.items = number(m.group(1))
            form.noun = re.sub(
                r"^(?:short|key|main|simple|quick|good|great|best|different|"
                r"bullet|numbered)\s+",
                "",
                noun,
            )


def _read_layout(form: Form, find: _Finder, low: str) -> None:
    """Bullets or numbers, a table (with columns) or named sections, poem lines and stanzas."""
    if re.search(r"\bbullet(?:ed)?(?: points?| list)?\b|\bbullets\b", low):
        form.kind = "bullets"
    elif re.search(r"\bnumbered\b|\bstep[- ]by[- ]step\b|\bordered list\b", low):
        form.kind = "numbered"
    if m := find(
        r"\b(?:as |in |into )?(?:a |the )?(?:markdown )?table\b(?:\s+(?:with|of) (?:the )?"
        r"columns?\s*:?\s*([^.?!\n]+))?"
    ):
        form.kind = "table"
        if m.group(1):
            form.columns = _split_names(re.sub(r"^(?:for|named|called)\s+", "", m.group(1)))
    elif m := find(
        r"\b(?:with |using |in |under )?(?:the )?(?:(?:following|three|four|two|five) )?"
        r"(?:sections?|headings?|headers?)\s*(?:called|named|titled|:)?\s*([^.?!\n]+)"
    ):
        names = _split_names(m.group(1))
        if len(names) >= 2 or (names and ":" in low):
            form.kind, form.sections = "sections", names
    if m := find(r"\b(?:in )?" + _NUM + r"[- ]lines?\b"):
        form.lines = number(m.group(1))
    if m := find(r"\b(?:in )?" + _NUM + r"\s+stanzas?\b"):
        form.paragraphs = number(m.group(1))


def _implied_kind(form: Form, low: str) -> str:
    """The layout when none was asked for: what the request is (poem, story, code) or its counts."""
    if re.search(r"\b(poem|haiku|limerick|verse|sonnet|rhyme)\b", low):
        return "poem"
    if re.search(r"\b(story|tale|fable|bedtime|narrative|short fiction)\b", low):
        return "story"
    if re.search(
        r"\b(?:write|give me|show me|create|implement)\b.*\b(function|script|class|"
        r"program|snippet|code|method|query|regex)\b",
        low,
    ):
        return "code"
    if form.items:
        return "numbered" if re.search(r"\b(list|top|steps?|rank)\b", low) else "bullets"
    if form.lines:
        return "poem"
    if form.sentences or form.words or form.paragraphs:
        return "prose"
    if re.match(r"\s*(?:please\s+)?list\b", low) or re.search(r"\b(?:as|in|into) a list\b", low):
        return "bullets"
    return "default"


def _read_code_language(form: Form, low: str) -> None:
    """The programming language named ('in Rust', 'a SQL query'); SQL for queries by default."""
    for lang in (
        "python",
        "javascript",
        "typescript",
        "java",
        "go",
        "rust",
        "sql",
        "bash",
        "c\\+\\+",
        "ruby",
        "r",
    ):
        if re.search(
            r"\b(?:in|using|with) %s\b|\b%s (?:function|script|code|class|program|query)\b" % (lang, lang),
            low,
        ):
            form.code_language = lang.replace("\\", "")
            break
    if form.kind == "code" and re.search(r"\bsql\b|\bquery\b", low) and form.code_language == "python":
        form.code_language = "sql"


def _question_topic(text: str, form: Form, topic: str) -> str:
    """An English how/why question keeps its clause: 'why is the sky blue' -> 'why the sky is blue'."""
    how = re.match(r"\s*(how|why) (do|does|did|is|are|was|were|can) (.+?)[?.!]*$", text, re.I)
    if how and form.language == "en" and topic:
        article = re.match(r"(the|a|an) ", how.group(3), re.I)
        rest = topic
        if article and not rest.lower().startswith(article.group(0).lower()):
            rest = article.group(0).lower() + rest
        return clause(how.group(1), how.group(2), rest)
    return topic


def clause(wh: str, aux: str, rest: str) -> str:
    """'why' 'is' 'the sky blue' -> 'why the sky is blue'; 'how' 'does' 'a bee fly' -> 'how a bee flies'."""
    words = rest.split()
    aux = aux.lower()
    if len(words) < 2:
        return f"{wh.lower()} {rest}"
    *subject, last = words
    if aux in ("is", "are", "was", "were", "can"):
        return f"{wh.lower()} {' '.join(subject)} {aux} {last}"
    if aux == "does":
        last = (
            last[:-1] + "ies"
            if last.endswith("y") and last[-2:-1] not in "aeiou"
            else (last + "es" if last.endswith(("s", "sh", "ch", "x", "o")) else last + "s")
        )
    elif aux == "did":
        return f"{wh.lower()} {' '.join(subject)} did {last}"
    return f"{wh.lower()} {' '.join(subject)} {last}"


def extract_topic(text: str, spans: list[tuple[int, int]] = ()) -> str:
    """The subject of a request, without instruction words ('' when it only gives instructions)."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    text = re.sub(r"https?://\S+", " ", text)
    clauses = [c for c in re.split(r"(?<=[.!?\n])\s+", text.strip()) if c.strip(" .!?")]
    if len(clauses) > 1:  # "My name is Ana. Explain tea." -> the clause that makes the request
        asks = [c for c in clauses if "?" in c or _LEAD.match(c.strip())]
        text = asks[-1] if asks else clauses[0]
    text = re.sub(r"\b(?:in|en|auf) (?:%s)\b" % "|".join(_LANG_REQUEST), " ", text, flags=re.I)
    text = re.sub(
        r"\b(?:in |as |using |with )?(?:a |an )?(?:bullet(?:ed)? (?:points?|list)|bullets|"
        r"numbered list|markdown|prose|plain (?:text|english)|simple terms|layman'?s terms|"
        r"detail|short|brief)\b",
        " ",
        text,
        flags=re.I,
    )
    about = re.search(
        r"\b(?:about|on the topic of|regarding|concerning|on how|explaining|describing)\s+"
        r"(.+)",
        text,
        re.I | re.S,
    )
    if about and len(about.group(1).split()) >= 1:
        text = about.group(1)
    text = re.split(r"[.?!;:\n]|,\s+(?:and |please|then|but|so)\b", text.strip(), maxsplit=1)[0]
    before = text.strip()
    text = _LEAD.sub("", before)
    # keep a definite article that belongs to the topic ("the water cycle", "the sea")
    the = re.search(r"\bthe\s+$", before[: len(before) - len(text)], re.I)
    text = re.sub(
        r"\s+(?:please|for me|for a beginner|for beginners|for kids|for a child|briefly|"
        r"quickly|now|again|in detail|like i'?m five|to me|to a child)\b.*$",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(r"^(?:the|a|an|of|on|for|to|with)\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" ,\"'“”*-")
    if the and text and not text[:1].isupper():
        text = "the " + text
    words = text.split()
    lang = detect_language(" ".join(words))
    if lang != "en":  # foreign prompts: keep content words only (no lead-verb grammar for them)
        words = [w for w in words if w.lower().strip(",") not in LANG_STOP[lang] | _FOREIGN_VERBS][:6]
    if not words or all(w.lower().strip(",") in INSTRUCTION_WORDS for w in words):
        return ""
    words = words[:10]
    dangling = ("in", "of", "a", "an", "the", "and", "to", "for", "with", "on")
    while len(words) > 1 and words[-1].lower() in dangling:
        words.pop()
    return " ".join(words)
