"""What a request *means*, for choosing tools whose names share no word with it.

A person with a ``set_thermostat`` tool who says "I'm freezing, do something" wants it
called with a warmer temperature. Word overlap alone cannot see that, so the planner adds
to the prompt's stems (a) the stems of synonyms (:data:`SYNONYMS`, groups of words that name
the same thing) and (b) the concepts of a small intent lexicon (:data:`INTENTS`: phrases that
imply an action, with the values they imply, e.g. freezing -> heat, warmer, temperature 23 °C).
Everything is a table lookup: deterministic, explainable, and easy to extend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .vocab import split_words, stem

SYNONYMS: list[set[str]] = [
    {"weather", "forecast", "temperature", "rain", "sunny", "wind", "humidity", "climate"},
    {"time", "clock", "hour"},
    {"search", "find", "look", "lookup", "query", "seek", "locate", "discover"},
    {"convert", "conversion", "exchange", "change"},
    {"stock", "share", "ticker", "equity"},
    {"email", "mail", "message", "e-mail", "inbox"},
    {"book", "reserve", "reservation", "booking", "schedule"},
    {"calculate", "compute", "math", "sum", "multiply", "add", "total", "arithmetic"},
    {"translate", "translation", "translator"},
    {"user", "customer", "client", "account", "member", "person", "people", "profile"},
    {"order", "purchase", "buy", "checkout", "cart"},
    {"thermostat", "heating", "heater", "hvac", "temperature", "climate"},
    {"light", "lamp", "lights", "bulb", "lighting", "brightness"},
    {"music", "song", "songs", "track", "playlist", "tune", "album"},
    {"movie", "film", "cinema", "show"},
    {"restaurant", "food", "meal", "dinner", "lunch", "eat", "dining"},
    {"remind", "reminder", "alert", "notify", "notification"},
    {"alarm", "wake", "wakeup"},
    {"note", "memo", "jot"},
    {"task", "todo", "to-do", "chore"},
    {"event", "meeting", "appointment", "calendar", "schedule"},
    {"direction", "route", "navigate", "navigation", "map", "way"},
    {"flight", "fly", "plane", "airline", "airfare"},
    {"hotel", "accommodation", "lodging", "room", "stay"},
    {"price", "cost", "quote", "rate"},
    {"delete", "remove", "erase", "cancel", "drop"},
    {"create", "add", "new", "make"},
    {"update", "modify", "edit", "change"},
    {"get", "fetch", "retrieve", "read", "show", "list"},
    {"news", "headline", "article"},
    {"door", "lock", "unlock"},
    {"volume", "loud", "louder", "quiet", "quieter", "mute"},
    {"ticket", "issue", "bug", "incident"},
    {"invoice", "bill", "billing", "payment", "pay"},
    {"shipment", "package", "parcel", "delivery", "track", "tracking"},
    {"color", "colour", "hue", "paint"},
    {"definition", "define", "meaning", "dictionary"},
]


@dataclass
class Intent:
    """A phrase that implies an action: concepts it adds and values it implies by parameter word."""

    pattern: re.Pattern
    concepts: set[str]
    values: dict[str, Any] = field(default_factory=dict)
    """Parameter word -> value; numbers may be a ``{"c": .., "f": ..}`` pair by unit."""


def _i(rx: str, concepts: str, **values: Any) -> Intent:
    return Intent(re.compile(rx, re.I), set(concepts.split()), values)


INTENTS: list[Intent] = [
    _i(
        r"\b(freezing|cold|chilly|shivering|frozen|too cool|warm (it|things|the \w+) up|"
        r"heat (it|things) up)\b",
        "thermostat temperature heat heating warm warmer set increase",
        temperature={"c": 23, "f": 74},
        mode="heat",
        action="increase",
        direction="up",
    ),
    _i(
        r"\b(boiling|sweltering|too (hot|warm)|roasting|sweating|cool (it|things|the \w+) down)\b",
        "thermostat temperature cool cooling cooler air set decrease",
        temperature={"c": 19, "f": 66},
        mode="cool",
        action="decrease",
        direction="down",
    ),
    _i(
        r"\b(too dark|can'?t see|pitch black|it'?s dark)\b",
        "light lamp brightness turn on",
        state="on",
        power="on",
        on=True,
        brightness=80,
    ),
    _i(
        r"\b(too bright|lights? off|going to (bed|sleep))\b",
        "light lamp brightness turn off",
        state="off",
        power="off",
        on=False,
        brightness=10,
    ),
    _i(r"\b(hungry|starving|famished|something to eat)\b", "restaurant food meal eat order find"),
    _i(r"\b(bored|entertain me|something to watch)\b", "movie music play recommend"),
    _i(r"\b(put on|play)\b.*\b(music|song|tune|jazz|rock|playlist)\b|\bsome music\b", "music play song"),
    _i(r"\b(too loud|turn (it )?down)\b", "volume decrease quieter", direction="down", action="decrease"),
    _i(r"\b(can'?t hear|turn (it )?up)\b", "volume increase louder", direction="up", action="increase"),
    _i(r"\b(remind me|don'?t let me forget|make sure i remember)\b", "remind reminder create"),
    _i(r"\b(wake me|get me up)\b", "alarm wake set"),
    _i(r"\b(i'?m lost|how do i get|way to|directions)\b", "direction route navigate map"),
    _i(r"\b(umbrella|should i wear|what to wear|will it rain|is it going to rain)\b", "weather forecast"),
    _i(r"\b(how much is|how much does|what does .* cost|price of)\b", "price cost"),
    _i(
        r"\b(where is my (order|package|parcel)|has my .* shipped|when will .* arrive)\b",
        "order shipment track status",
    ),
    _i(r"\b(lock up|lock the door|secure the house)\b", "door lock", state="locked", locked=True),
    _i(r"\b(let (them|him|her) in|unlock)\b", "door unlock", state="unlocked", locked=False),
    _i(r"\b(what'?s on my (calendar|schedule)|am i free|my (day|agenda))\b", "calendar event list"),
    _i(r"\b(let .* know|tell .* that|drop .* a line|write to)\b", "email message send"),
    _i(r"\b(what does .* mean|meaning of)\b", "definition define"),
    _i(
        r"\b(urgent|asap|critical|emergency|bump (it|this)|escalate)\b",
        "priority escalate urgent",
        priority="high",
        severity="high",
        urgency="high",
    ),
    _i(r"\b(no rush|whenever|low priority|not urgent)\b", "priority", priority="low", urgency="low"),
    _i(r"\b(do you have|have you got|is there a copy|in stock|available)\b", "find search lookup catalog"),
    _i(r"[\"“'][^\"”']{2,}[\"”']\s+by\s+[A-Z][\w'-]+", "book author title novel"),
]

_GROUPS_OF: dict[str, set[str]] = {}
for _group in SYNONYMS:
    for _word in _group:
        _GROUPS_OF.setdefault(stem(_word), set()).update(stem(w) for w in _group)


def synonyms(word_stem: str) -> set[str]:
    """Stems that name the same thing as ``word_stem`` (itself included; all its groups)."""
    return _GROUPS_OF.get(word_stem, set()) | {word_stem}


def intents(prompt: str) -> list[Intent]:
    """The lexicon entries the prompt triggers, in lexicon order."""
    return [i for i in INTENTS if i.pattern.search(prompt)]


def concepts(prompt: str) -> set[str]:
    """Stems implied by the prompt's intent phrases (not its literal words)."""
    return {stem(c) for i in intents(prompt) for c in i.concepts}


def expand(stems: set[str]) -> set[str]:
    """``stems`` with each one's synonyms added."""
    out = set(stems)
    for s in stems:
        out |= synonyms(s)
    return out


def implied_value(prompt: str, key: str, schema: dict[str, Any]) -> Any:
    """A value an intent implies for parameter ``key`` (None when no intent speaks to it).

    Temperatures follow the unit named by the parameter, its description or the prompt
    (Fahrenheit only when one of them says so).
    """
    words = set(split_words(key)) | set(split_words(str(schema.get("title", ""))))
    for intent in intents(prompt):
        for name, value in intent.values.items():
            if name not in words and stem(name) not in {stem(w) for w in words}:
                continue
            if isinstance(value, dict):
                from .arguments import wanted_unit

                unit = wanted_unit(key, str(schema.get("description") or ""))
                if unit is None and re.search(r"fahrenheit|°f", prompt, re.I):
                    unit = "f"
                return value["f"] if unit == "f" else value["c"]
            return value
    return None


def enum_by_meaning(prompt: str, values: list[Any]) -> Any:
    """The enum value whose words (or their synonyms, or the prompt's intent concepts) the prompt
    uses; None when none does. Literal mentions are handled by the caller first."""
    said = {stem(w) for w in split_words(prompt)}
    said = expand(said) | concepts(prompt)
    best, best_score = None, 0
    for v in values:
        if not isinstance(v, str):
            continue
        parts = {stem(w) for w in split_words(v)}
        score = len(parts & said) + 0.5 * len(expand(parts) & said)
        if score > best_score:
            best, best_score = v, score
    if best is None:
        for intent in intents(prompt):  # a mode/state the intent implies, spelled as the enum spells it
            for implied in intent.values.values():
                if isinstance(implied, str):
                    hit = next((v for v in values if isinstance(v, str) and v.lower() == implied), None)
                    if hit is not None:
                        return hit
    return best
