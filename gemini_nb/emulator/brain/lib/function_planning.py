"""Function calling for the scripted brain: which tools to call, with what, and the answer.

A real model reads the prompt, picks declared functions and fills arguments from what
the user said. The emulator imitates that without a model: functions are ranked by word
overlap with the prompt (names weigh most), prompts that ask for several things are
split into clauses that each become a call, and arguments start from a schema-valid
skeleton (:func:`.schema_gen.generate`) into which values from the prompt are placed
only when they still validate. Hence arguments always satisfy the declared schema.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from . import arguments, intent
from .persona import PHRASES
from .schema_gen import SchemaError, generate
from .schema_match import Matcher, is_type, norm_types
from .vocab import CITY_INFO, NUMBER_WORDS, STOPWORDS, split_words, stem


def _today() -> dt.date:
    """The reference day for relative dates ("tomorrow"): the UTC date."""
    return dt.datetime.now(dt.timezone.utc).date()


__all__ = ["plan_calls", "answer_with_results", "score_function"]

THRESHOLD = 2.0
"""Minimum overlap score for ``auto``: one name word (3) or two description words (1+1)."""

_SYNONYMS = {
    "weather": {"temperature", "forecast", "rain", "sunny", "wind", "humidity", "cold", "hot", "snow"},
    "time": {"clock", "hour", "o'clock"},
    "search": {"find", "look", "lookup", "google"},
    "convert": {"conversion", "exchange", "convers"},
    "stock": {"share", "ticker", "market"},
    "email": {"mail", "e-mail"},
    "book": {"reserve", "reservation"},
    "calculate": {"compute", "math", "sum", "multiply", "add"},
    "translate": {"translation"},
}
_REVERSE = {stem(s): stem(k) for k, vs in _SYNONYMS.items() for s in vs}
_LOCATION_KEYS = {
    "location",
    "city",
    "place",
    "destination",
    "origin",
    "address",
    "where",
    "region",
    "area",
    "town",
    "locale",
    "country",
    "venue",
    "loc",
}
_QUERY_KEYS = {
    "query",
    "q",
    "search",
    "term",
    "keyword",
    "text",
    "topic",
    "prompt",
    "question",
    "subject",
    "input",
    "content",
    "message",
    "body",
    "phrase",
    "title",
}
_ENTITY_RE = re.compile(r"\b[A-Z][\w'\-]*(?:\s+(?:de|del|da|do|la|le)?\s*[A-Z][\w'\-]*)*(?:,\s*[A-Z]{2}\b)?")
_SPLIT_RE = re.compile(r"\s*(?:,(?!\s*[A-Z]{2}\b)|;|\band\b|\balso\b|\bthen\b|\bplus\b|&)\s*")
_QUESTION = {"where", "who", "when", "which", "why", "my", "me", "our", "please", "is", "are"}
_LEADERS = {
    "what",
    "whats",
    "what's",
    "how",
    "please",
    "can",
    "could",
    "tell",
    "get",
    "show",
    "find",
    "i",
    "is",
    "are",
    "do",
    "does",
    "will",
    "give",
    "and",
    "the",
    "also",
    "then",
    "hi",
    "hello",
}


def _stems(text: str) -> set[str]:
    """Content-word stems of ``text``, with synonyms mapped onto their canonical stem."""
    out = set()
    for w in split_words(text):
        s = stem(w)
        if w in STOPWORDS or s in STOPWORDS or len(w) < 2:
            continue
        out.add(s)
        if s in _REVERSE:
            out.add(_REVERSE[s])
    return out


def _param_text(props: dict) -> str:
    """Parameter names, descriptions and enum values: what a model reads about the arguments."""
    parts = []
    for key, sub in props.items():
        parts.append(str(key))
        if isinstance(sub, dict):
            parts.append(str(sub.get("description") or ""))
            parts.extend(str(v) for v in sub.get("enum") or [] if isinstance(v, str))
    return " ".join(parts)


QUOTED = re.compile(r"\"[^\"]*\"|[“”][^“”]*[“”]|(?<!\w)'[^']{2,}'(?!\w)")


def blank_quotes(text: str) -> str:
    """``text`` with quoted strings replaced by spaces (same offsets): values, not requests."""
    return QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def score_function(prompt: str, fn: dict) -> float:
    """How well a function fits ``prompt``.

    Words the prompt says: name 3, description 1, parameters 0.5. Words it only implies
    (synonyms, intent concepts from :mod:`.intent`): name 2, description 0.5, parameters 0.25.
    """
    words = _stems(blank_quotes(prompt))
    implied = (intent.expand(words) | intent.concepts(prompt)) - words
    name = _stems(fn.get("name", ""))
    desc = _stems(str(fn.get("description") or "")) - name
    schema = fn.get("parameters")
    props = schema.get("properties") if isinstance(schema, dict) else None
    props = props if isinstance(props, dict) else {}
    params = _stems(_param_text(props)) - name - desc if props else set()
    return (
        3.0 * len(words & name)
        + len(words & desc)
        + 0.5 * len(words & params)
        + 2.0 * len(implied & name)
        + 0.5 * len(implied & desc)
        + 0.25 * len(implied & params)
    )


def _parse_choice(tool_choice: Any) -> tuple[str, set[str] | None]:
    """(mode, allowed names or None) from a string or ``{"allowed_tools": {...}}``."""
    if isinstance(tool_choice, str):
        return tool_choice.lower(), None
    if isinstance(tool_choice, dict):
        spec = tool_choice.get("allowed_tools", tool_choice)
        if isinstance(spec, list):
            spec = spec[0] if spec else {}
        if not isinstance(spec, dict):
            return "auto", None
        tools = spec.get("tools")
        return str(spec.get("mode") or "auto").lower(), set(tools) if tools is not None else None
    return "auto", None


def _entities(prompt: str) -> list[tuple[int, str]]:
    """(offset, text) of capitalized names, skipping sentence-initial question words."""
    out = []
    for m in _ENTITY_RE.finditer(blank_quotes(prompt)):
        text = m.group(0)
        first = text.split()[0].lower().strip("'")
        at_start = m.start() == 0 or prompt[: m.start()].rstrip()[-1:] in ".!?"
        if first in _LEADERS or len(text) < 2 or first.startswith("i'"):
            continue
        if at_start and " " not in text and text not in CITY_INFO and len(prompt) > len(text) + 1:
            continue
        out.append((m.start(), text))
    return out


class _Filler:
    """Places prompt values into one call's arguments; remembers what it already used."""

    def __init__(self, fn: dict, segment: str, offset: int, prompt: str):
        self.fn, self.seg, self.prompt = fn, segment, prompt
        self.entities = [e for o, e in _entities(prompt) if offset <= o < offset + len(segment)]
        self.quoted = [
            a or b or c
            for a, b, c in re.findall(r"\"([^\"]+)\"|[“”]([^“”]+)[“”]|(?<!\w)'([^']{2,})'(?!\w)", segment)
        ]
        unquoted = re.sub(r"\"[^\"]*\"|[“”][^“”]*[“”]", lambda m: " " * len(m.group(0)), segment)
        dated = re.sub(
            r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{4}\b",
            lambda m: " " * len(m.group(0)),
            unquoted,
        )
        self.numbers = [
            (m.start(), float(m.group(0))) for m in re.finditer(r"(?<![\w#])-?\d+(?:\.\d+)?", dated)
        ]
        spelled = "|".join(k for k in NUMBER_WORDS if k not in ("few", "couple", "pair"))
        self.numbers += [
            (m.start(), float(NUMBER_WORDS[m.group(0).lower()]))
            for m in re.finditer(rf"\b(?:{spelled})\b", dated, re.I)
        ]
        self.numbers.sort()
        self.quantities = arguments.quantities(dated)
        self.dates = arguments.dates(unquoted, _today())
        self.colors = arguments.colors(unquoted)
        self.codes = re.findall(r"\b[A-Z]{3}\b", segment)
        self.used: set[Any] = set()
        self.name_words = set(split_words(fn.get("name", "")))

    def _named_color(self, code: str) -> str | None:
        """The colour as the prompt named it ('sky blue'), when it was named rather than written."""
        for name, hexcode in arguments.COLORS.items():
            if hexcode == code and re.search(rf"\b{re.escape(name)}\b", self.seg, re.I):
                return name
        return None

    def _number(self, key: str, schema: dict, words: set[str], types: list[str]) -> Any:
        """A number for ``key``: one written with a unit (converted to the unit the parameter
        wants), else the nearest one, else one an intent implies ("I'm freezing" -> 23 °C)."""
        want = arguments.wanted_unit(key, str(schema.get("description") or ""))
        n = None
        if want is not None:
            kinds = {arguments._UNITS[u][0] for u in arguments._UNITS if arguments._UNITS[u][1] == want}
            for _pos, value, kind, unit in self.quantities:
                if kind in kinds and value not in self.used:
                    self.used.add(value)
                    n = arguments.convert(value, unit, want)
                    break
        if n is None:
            near = [(pos, v) for pos, v in self.numbers if v not in self.used]
            hit = [v for pos, v in near if words & set(split_words(self.seg[max(0, pos - 20) : pos + 20]))]
            n = (hit or [v for _, v in near] or [None])[0]
            if n is not None:
                self.used.add(n)
        if n is None:
            implied = intent.implied_value(self.prompt, key, schema)
            numeric = isinstance(implied, (int, float)) and not isinstance(implied, bool)
            n = float(implied) if numeric else None
        if n is None:
            return None
        return int(round(n)) if "integer" in types or float(n).is_integer() else n

    def mentioned(self, values: list) -> Any:
        for text in (self.seg.lower(), self.prompt.lower()):
            for v in values:
                if (
                    isinstance(v, str)
                    and len(v.strip()) > 1
                    and v.lower() not in STOPWORDS
                    and re.search(r"(?<!\w)%s(?!\w)" % re.escape(v.lower()), text)
                ):
                    return v
        return None

    def location(self, enum_words: set[str], words: set[str]) -> str | None:
        """A place after a preposition ('from' for origins, 'to' for destinations), else any name."""
        preps = (
            ("from",)
            if words & {"origin", "from", "source", "departure", "start"}
            else ("to",)
            if words & {"destination", "to", "arrival", "end"}
            else ()
        )
        for prep in (*preps, "in|at|for|near|from|to|of"):
            for m in re.finditer(r"\b(?:%s)\s+(?:the\s+)?(%s)" % (prep, _ENTITY_RE.pattern), self.seg):
                if m.group(1).lower() not in enum_words and m.group(1) not in self.used:
                    return m.group(1)
        return next((e for e in self.entities if e.lower() not in enum_words and e not in self.used), None)

    def residual(self) -> str | None:
        """The clause minus instruction words and the values other parameters take:
        'search for python tutorials' -> 'python tutorials'; 'add a team lunch on March 5th
        in sky blue' -> 'team lunch'."""
        seg = self.seg
        for rx in (
            arguments._QTY_RE,
            QUOTED,
            re.compile(r"#[0-9a-fA-F]{3,6}\b"),
            arguments._COLOR_RE,
            re.compile(rf"\b{arguments._MON_RE}\s+{arguments._DAY_RE}\b(?:,?\s+\d{{4}})?", re.I),
            re.compile(
                rf"\b{arguments._DAY_RE}\s+(?:of\s+)?{arguments._MON_RE}\b"
                r"(?:,?\s+\d{4})?",
                re.I,
            ),
            re.compile(
                r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b(?:today|tonight|tomorrow|yesterday)\b|"
                r"\b(?:next\s+|this\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
                re.I,
            ),
        ):
            seg = rx.sub("\x00", seg)
        seg = re.sub(r"\b(?:on|in|at|for|by|with|from|to|of|until|before|after|as)\s*\x00", "\x00", seg)
        seg = re.sub(r"\s*\x00[\s\x00]*", " ", seg).strip()
        m = re.search(r"\b(?:about|regarding|called|named|titled)\s+(.+)$", seg) or re.search(
            r"\b(?:for|on)\s+(.+)$", seg
        )
        text = m.group(1) if m else seg
        names = {s for x in self.name_words for s in intent.synonyms(stem(x))}
        words = [
            w
            for w in re.findall(r"[\w'\-]+", text)
            if w.lower() not in _LEADERS | _QUESTION and stem(w.lower()) not in names
        ]
        while words and words[0].lower() in STOPWORDS:
            words.pop(0)
        while words and words[-1].lower() in STOPWORDS:
            words.pop()
        return " ".join(words).strip() or None

    def value(self, key: str, schema: Any, string_params: int) -> Any:
        """A prompt-derived value for parameter ``key`` (None when the prompt says nothing)."""
        if not isinstance(schema, dict):
            return None
        words = set(split_words(key)) | set(split_words(str(schema.get("title", ""))))
        enum = schema.get("enum")
        if enum:
            return (
                self.mentioned(enum)
                or intent.enum_by_meaning(self.seg, enum)
                or intent.enum_by_meaning(self.prompt, enum)
            )
        types = norm_types(schema) or ["string"]
        if "integer" in types or "number" in types:
            return self._number(key, schema, words, types)
        if "boolean" in types:
            implied = intent.implied_value(self.prompt, key, schema)
            return implied if isinstance(implied, bool) else None
        if "string" not in types:
            return None
        return self._string(key, schema, words, string_params)

    def _date(self, fmt: str) -> str | None:
        """The next unused date of the prompt, as ``date`` or ``date-time`` (``fmt``)."""
        day = next((d for d in self.dates if d not in self.used), None)
        if day is not None:
            self.used.add(day)
            return day if fmt != "date-time" else f"{day}T09:00:00Z"
        return None

    def _color(self, schema: dict, words: set[str], pattern: str) -> str | None:
        """The next unused colour of the prompt: its hex code, or its name when the schema
        does not ask for hex and the colour has one."""
        code = next((c for c in self.colors if c not in self.used), None)
        if code is not None:
            self.used.add(code)
            return (
                code
                if "#" in pattern
                or words & {"hex", "rgb"}
                or "hex" in str(schema.get("description", "")).lower()
                or not self._named_color(code)
                else self._named_color(code)
            )
        return None

    def _string(self, key: str, schema: dict, words: set[str], string_params: int) -> Any:
        """A prompt-derived value for the string parameter ``key`` (None when there is none)."""
        fmt = schema.get("format", "")
        if fmt in ("date", "date-time") or words & {"date", "day", "when", "deadline", "due", "birthday"}:
            return self._date(fmt)
        pattern = str(schema.get("pattern") or "")
        if words & {"color", "colour", "hex", "rgb"} or "#" in pattern:
            return self._color(schema, words, pattern)
        titled = {"name", "title", "book", "song", "movie", "film", "album"}
        if self.quoted and words & (_QUERY_KEYS | titled):
            quote = next((q for q in self.quoted if q not in self.used), None)
            if quote is not None:
                self.used.add(quote)
                return quote
        if words & {"email", "mail", "recipient"}:
            m = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", self.seg)
            return m.group(0) if m else None
        if words & {"url", "link", "website", "uri"}:
            m = re.search(r"https?://\S+", self.seg)
            return m.group(0).rstrip(".,)") if m else None
        if words & {"id", "number", "ref", "reference", "sku", "isbn", "tracking"}:
            token = next((t for t in re.findall(r"\b[\w-]*\d[\w-]*\b", self.seg) if t not in self.used), None)
            if token:
                self.used.add(token)
            return token
        if words & {"currency", "symbol", "ticker", "code"} or (
            schema.get("pattern") in (r"^[A-Z]{3}$", "^[A-Z]{3}$") and self.codes
        ):
            code = next((c for c in self.codes if c not in self.used), None)
            if code:
                self.used.add(code)
            return code
        enum_words = {str(e).lower() for e in (schema.get("enum") or [])}
        if words & (_LOCATION_KEYS | {"timezone", "tz", "zone"}):
            loc = self.location(enum_words, words)
            if loc is None:
                return None
            self.used.add(loc)
            if words & {"timezone", "tz", "zone"} and loc in CITY_INFO:
                return CITY_INFO[loc][2]
            return loc
        implied = intent.implied_value(self.prompt, key, schema)
        if isinstance(implied, str):
            return implied
        if words & {"name", "person", "user", "who", "contact", "recipient", "author"}:
            ent = next((e for e in self.entities if e not in CITY_INFO and e not in self.used), None)
            return ent or (self.quoted[0] if self.quoted else None)
        if self.quoted and (words & _QUERY_KEYS or string_params == 1):
            return self.quoted[0]
        if words & _QUERY_KEYS or string_params == 1:
            return self.residual()
        return None


def _top(schema: Any, root: dict) -> dict:
    """``schema`` with ``$ref``s (as pydantic emits them) followed within ``root``."""
    m = Matcher(root)
    for _ in range(8):
        if not (isinstance(schema, dict) and "$ref" in schema):
            break
        try:
            schema = m.resolve(schema["$ref"])
        except (KeyError, IndexError, ValueError, TypeError):
            return {}
    return schema if isinstance(schema, dict) else {}


def _arguments(
    fn: dict, segment: str, offset: int, prompt: str, rng: random.Random, strict: bool
) -> dict | None:
    """Schema-valid arguments for one call.

    When the schema is unusable, ``strict`` (mode ``validated``) gives None (no call);
    otherwise the call goes out with whatever the prompt supplies, like an unconstrained model.
    """
    params = fn.get("parameters")
    if not params or not isinstance(params, dict):
        return {}
    try:
        skeleton = generate(params, prompt=segment, rng=rng, path=f"tools.{fn.get('name')}.parameters")
    except SchemaError:
        if strict:
            return None
        props = params.get("properties") if isinstance(params.get("properties"), dict) else {}
        filler = _Filler(fn, segment, offset, prompt)
        loose = {
            k: {x: y for x, y in v.items() if x != "type"} if isinstance(v, dict) else {}
            for k, v in props.items()
        }  # the types may be what is broken
        found = {k: filler.value(k, v, len(props)) for k, v in loose.items()}
        return {k: v for k, v in found.items() if v is not None}
    if not isinstance(skeleton, dict):
        return None
    matcher = Matcher(params)
    top = _top(params, params)
    props = top.get("properties") or {}
    required = set(top.get("required") or [])
    filler = _Filler(fn, segment, offset, prompt)
    strings = sum(
        1
        for s in props.values()
        if isinstance(s, dict) and "string" in (norm_types(s) or ["string"]) and "enum" not in s
    )
    args, evidence = dict(skeleton), set()
    for key, sub in props.items():
        resolved = _top(sub, params)
        v = filler.value(key, resolved, strings)
        if v is None:
            continue
        trial = {**args, key: v}
        if matcher.ok(params, trial):
            args, evidence = trial, evidence | {key}
    for key in list(args):
        if key not in required and key not in evidence:
            trial = {k: v for k, v in args.items() if k != key}
            if matcher.ok(params, trial):
                args = trial
    return args if matcher.ok(params, args) else skeleton


def _segments(prompt: str) -> list[tuple[int, str]]:
    """(offset, clause) pieces of a prompt that may each ask for one call."""
    out, pos = [], 0
    quotes = [m.span() for m in re.finditer(r"\"[^\"]*\"|'[^']*'(?!\w)", prompt)]
    for m in _SPLIT_RE.finditer(prompt):
        if any(a <= m.start() < b for a, b in quotes):
            continue
        out.append((pos, prompt[pos : m.start()]))
        pos = m.end()
    out.append((pos, prompt[pos:]))
    return [(o, s) for o, s in out if s.strip()]


def plan_calls(
    prompt: str, functions: list[dict], *, tool_choice: Any = "auto", rng: random.Random
) -> list[dict]:
    """The function calls a model would make for ``prompt``: ``[{"name", "arguments"}]``.

    ``tool_choice``: ``none`` never calls; ``auto`` calls only on a decent match;
    ``any`` always calls at least the best match; ``validated`` is ``auto`` whose
    arguments are guaranteed schema-valid (functions with unusable schemas are skipped);
    ``{"allowed_tools": {"mode", "tools"}}`` restricts the candidates.
    """
    mode, allowed = _parse_choice(tool_choice)
    if mode == "none":
        return []
    fns = [
        f
        for f in functions
        if isinstance(f, dict)
        and f.get("name")
        and f.get("type", "function") == "function"
        and (allowed is None or f["name"] in allowed)
    ]
    if not fns:
        return []
    # clauses that name no function and no new value extend the previous call's clause,
    # so "search for 'pizza', top 5 results" still finds max_results=5
    groups: list[list] = []  # [fn, start, end]
    entities = [o for o, _ in _entities(prompt)]
    for offset, seg in _segments(prompt):
        best = max(fns, key=lambda f: score_function(seg, f))
        fresh = bool(re.search(r"\d|[\"“']", seg)) or any(offset <= o < offset + len(seg) for o in entities)
        if score_function(seg, best) >= THRESHOLD and groups and groups[-1][0] is best and not fresh:
            groups[-1][2] = offset + len(seg)  # "ticket T-9 is urgent, bump it": one call, not two
        elif score_function(seg, best) >= THRESHOLD:
            groups.append([best, offset, offset + len(seg)])
        elif groups and any(offset <= o < offset + len(seg) for o in entities):
            groups.append([groups[-1][0], offset, offset + len(seg)])
        elif groups:
            groups[-1][2] = offset + len(seg)
    calls: list[dict] = []
    for fn, start, end in groups:
        args = _arguments(fn, prompt[start:end], start, prompt, rng, mode == "validated")
        if args is not None and {"name": fn["name"], "arguments": args} not in calls:
            calls.append({"name": fn["name"], "arguments": args})
    if not calls:
        best = max(fns, key=lambda f: score_function(prompt, f))
        if score_function(prompt, best) >= THRESHOLD or mode == "any":
            args = _arguments(best, prompt, 0, prompt, rng, mode == "validated")
            if args is None and mode == "any":
                args = {}
            if args is not None:
                calls.append({"name": best["name"], "arguments": args})
    return calls


# -- answering with results ------------------------------------------------------------------
_GETTERS = {
    "get",
    "fetch",
    "lookup",
    "look",
    "find",
    "search",
    "retrieve",
    "check",
    "query",
    "read",
    "list",
    "current",
    "show",
}
# Functions that *do* something to their arguments: "Converting 100 USD to EUR gives 92.5."
_ACTIONS = {
    "convert": "Converting",
    "calculate": "Calculating",
    "compute": "Computing",
    "translate": "Translating",
    "summarize": "Summarizing",
    "estimate": "Estimating",
}
_CURRENCY_KEYS = {"currency", "currency_code", "unit"}
_AMOUNT_KEYS = {"price", "amount", "value", "total", "cost", "balance"}


def _fmt_number(x: float) -> str:
    if isinstance(x, float) and not x.is_integer():
        return f"{x:,.2f}".rstrip("0").rstrip(".") if abs(x) >= 1000 else f"{round(x, 2):g}"
    return f"{int(x):,}" if abs(x) >= 10000 else str(int(x))


def render(value: Any) -> str:
    """Readable text for a function result of any JSON shape (Content lists included)."""
    if value is None:
        return "no result"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_type(value, "number"):
        return _fmt_number(value)
    if isinstance(value, str):
        return value.strip().rstrip(".") or "an empty result"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and v.get("type") == "text" for v in value):
            return render(" ".join(str(v.get("text", "")) for v in value))
        parts = [_record(v) if isinstance(v, dict) else render(v) for v in value]
        if not parts:
            return "nothing"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if isinstance(value, dict):
        items = dict(value)
        if len(items) == 1:
            return render(next(iter(items.values())))
        money = _money(items)
        if money is not None:
            return money
        lead = []
        for k in ("condition", "conditions", "description", "summary", "status", "forecast"):
            if isinstance(items.get(k), str):
                lead.append(items.pop(k).rstrip("."))
                break
        temp_key = next((k for k in items if stem(k) in ("temperature", "temp")), None)
        if temp_key is not None and is_type(items[temp_key], "number"):
            unit = str(items.pop("unit", items.pop("units", "")) or "").lower()
            sym = (
                "°F"
                if unit.startswith("f")
                else "K"
                if unit.startswith("k")
                else "°C"
                if unit.startswith("c") or not unit
                else f" {unit}"
            )
            lead.append(f"{_fmt_number(items.pop(temp_key))}{sym}")
        rest = [f"{' '.join(split_words(k))} {render(v)}" for k, v in items.items()]
        return ", ".join(lead + rest) or "an empty result"
    return str(value)


def _money(items: dict) -> str | None:
    """``{"price": 171.2, "currency": "USD"}`` -> ``171.2 USD`` (only for such a pair)."""
    amount = next((k for k in items if k.lower() in _AMOUNT_KEYS and is_type(items[k], "number")), None)
    currency = next((k for k in items if k.lower() in _CURRENCY_KEYS and isinstance(items[k], str)), None)
    if amount is None or currency is None or len(items) != 2:
        return None
    return f"{_fmt_number(items[amount])} {items[currency]}"


def _record(item: dict) -> str:
    """One row of a list result: its first text field as a label, the rest in parentheses."""
    label_key = next((k for k, v in item.items() if isinstance(v, str)), None)
    if label_key is None:
        return render(item)
    rest = {k: v for k, v in item.items() if k != label_key}
    if not rest:
        return item[label_key]
    details = ", ".join(f"{' '.join(split_words(k))} {render(v)}" for k, v in rest.items())
    return f"{item[label_key]} ({details})"


def _action_sentence(words: list[str], args: dict, text: str) -> str:
    """'Converting 100 USD to EUR gives 92.5.' or 'Calculating the mortgage with principal
    300,000, rate 4.5 and years 30 gives 1,520.06.'"""
    scalars = {k: v for k, v in args.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    to = next((str(v) for k, v in scalars.items() if set(split_words(k)) & {"to", "target"} and v), None)
    verb = _ACTIONS[words[0]]
    if to:
        head = " ".join(render(v) for v in scalars.values() if str(v) != to) or " ".join(words[1:])
        return f"{verb} {head} to {to} gives {text}."
    subject = " ".join(words[1:])
    named = [f"{' '.join(split_words(k))} {render(v)}" for k, v in scalars.items()]
    with_args = ""
    if named:
        with_args = " with " + (named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1])
    return f"{verb}{' the ' + subject if subject else ''}{with_args} gives {text}."


def _sentence(item: dict, ph: dict[str, str] | None = None) -> str:
    ph = ph or PHRASES["en"]
    name = str(item.get("name") or "the function")
    args = item.get("arguments") or {}
    result = item.get("result")
    words = split_words(name)
    getter = bool(words) and words[0] in _GETTERS
    subject = " ".join(w for w in words if w not in _GETTERS) or " ".join(words) or name
    where = next(
        (
            str(v)
            for k, v in args.items()
            if set(split_words(k)) & (_LOCATION_KEYS | {"timezone", "tz"}) and v
        ),
        None,
    )
    if where and "/" in where and " " not in where:  # an IANA zone: "Asia/Tokyo" -> "Tokyo"
        where = where.rsplit("/", 1)[-1].replace("_", " ")
    to = next((str(v) for k, v in args.items() if set(split_words(k)) & {"to", "recipient"} and v), None)
    other = next(
        (str(v) for v in args.values() if isinstance(v, (str, int, float)) and str(v) != where), None
    )
    qual = (
        ph["in"].format(where=where)
        if where
        else ph["to"].format(who=to)
        if to
        else ph["for"].format(what=other)
        if other
        else ""
    )
    error = item.get("is_error") or (isinstance(result, dict) and "error" in result and len(result) <= 2)
    if error:
        detail = render(result.get("error") if isinstance(result, dict) else result)
        return ph["error"].format(subject=subject, qual=qual, detail=detail)
    text = render(result)
    if words and words[0] in _ACTIONS and ph is PHRASES["en"]:
        return _action_sentence(words, args, text)
    if getter:
        plural = subject.endswith("s") and not subject.endswith("ss")
        return ph["results" if plural else "result"].format(subject=subject, qual=qual, text=text)
    return ph["plain"].format(Subject=subject[:1].upper() + subject[1:], qual=qual, text=text)


def answer_with_results(prompt: str, calls_and_results: list[dict], lang: str = "en") -> str:
    """A natural-language answer that states every function result, one sentence each.

    Items are ``{"name", "arguments", "result"}`` (``is_error`` optional); results may be
    strings, numbers, objects, lists or lists of text Content blocks. ``lang`` picks the
    framing words (see :data:`.persona.PHRASES`); the values are the results' own.
    """
    ph = PHRASES.get(lang, PHRASES["en"])
    if not calls_and_results:
        return ph["none"]
    sentences = [_sentence(item, ph) for item in calls_and_results]
    return " ".join(s[:1].upper() + s[1:] for s in sentences)
