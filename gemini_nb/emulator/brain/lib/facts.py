"""A small, explicit fact table: what the emulator knows, and how it says what it does not.

A model answers "What is the capital of Peru?" with "Lima"; an offline emulator can too, for
a *listed* set of facts: capitals, unit conversions, physical constants and the dates of
famous events. Everything else is not guessed. Questions about live data (today's weather,
the latest news, a stock price now) get an honest "I can't know this offline" instead of
filler, unless a search tool is declared (the built-in tools skill answers those).
"""

from __future__ import annotations

import math
import re

CAPITALS: dict[str, str] = {
    "Afghanistan": "Kabul",
    "Albania": "Tirana",
    "Algeria": "Algiers",
    "Argentina": "Buenos Aires",
    "Australia": "Canberra",
    "Austria": "Vienna",
    "Bangladesh": "Dhaka",
    "Belgium": "Brussels",
    "Bolivia": "Sucre",
    "Brazil": "Brasilia",
    "Bulgaria": "Sofia",
    "Cambodia": "Phnom Penh",
    "Canada": "Ottawa",
    "Chile": "Santiago",
    "China": "Beijing",
    "Colombia": "Bogota",
    "Croatia": "Zagreb",
    "Cuba": "Havana",
    "Czech Republic": "Prague",
    "Denmark": "Copenhagen",
    "Ecuador": "Quito",
    "Egypt": "Cairo",
    "Estonia": "Tallinn",
    "Ethiopia": "Addis Ababa",
    "Finland": "Helsinki",
    "France": "Paris",
    "Germany": "Berlin",
    "Ghana": "Accra",
    "Greece": "Athens",
    "Hungary": "Budapest",
    "Iceland": "Reykjavik",
    "India": "New Delhi",
    "Indonesia": "Jakarta",
    "Iran": "Tehran",
    "Iraq": "Baghdad",
    "Ireland": "Dublin",
    "Israel": "Jerusalem",
    "Italy": "Rome",
    "Japan": "Tokyo",
    "Kenya": "Nairobi",
    "Latvia": "Riga",
    "Lithuania": "Vilnius",
    "Luxembourg": "Luxembourg",
    "Malaysia": "Kuala Lumpur",
    "Mexico": "Mexico City",
    "Morocco": "Rabat",
    "Nepal": "Kathmandu",
    "Netherlands": "Amsterdam",
    "New Zealand": "Wellington",
    "Nigeria": "Abuja",
    "North Korea": "Pyongyang",
    "Norway": "Oslo",
    "Pakistan": "Islamabad",
    "Paraguay": "Asuncion",
    "Peru": "Lima",
    "Philippines": "Manila",
    "Poland": "Warsaw",
    "Portugal": "Lisbon",
    "Romania": "Bucharest",
    "Russia": "Moscow",
    "Saudi Arabia": "Riyadh",
    "Senegal": "Dakar",
    "Serbia": "Belgrade",
    "Singapore": "Singapore",
    "Slovakia": "Bratislava",
    "Slovenia": "Ljubljana",
    "South Africa": "Pretoria",
    "South Korea": "Seoul",
    "Spain": "Madrid",
    "Sri Lanka": "Colombo",
    "Sweden": "Stockholm",
    "Switzerland": "Bern",
    "Thailand": "Bangkok",
    "Tunisia": "Tunis",
    "Turkey": "Ankara",
    "Ukraine": "Kyiv",
    "United Kingdom": "London",
    "United States": "Washington, D.C.",
    "Uruguay": "Montevideo",
    "Venezuela": "Caracas",
    "Vietnam": "Hanoi",
}
_ALIASES = {
    "usa": "United States",
    "us": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "england": "United Kingdom",
    "holland": "Netherlands",
    "czechia": "Czech Republic",
    "korea": "South Korea",
    "turkiye": "Turkey",
}

# unit -> (dimension, factor to the base unit); temperatures are handled apart
UNITS: dict[str, tuple[str, float]] = {
    "km": ("length", 1000.0),
    "kilometer": ("length", 1000.0),
    "kilometre": ("length", 1000.0),
    "m": ("length", 1.0),
    "meter": ("length", 1.0),
    "metre": ("length", 1.0),
    "cm": ("length", 0.01),
    "centimeter": ("length", 0.01),
    "centimetre": ("length", 0.01),
    "mm": ("length", 0.001),
    "millimeter": ("length", 0.001),
    "mile": ("length", 1609.344),
    "mi": ("length", 1609.344),
    "yard": ("length", 0.9144),
    "foot": ("length", 0.3048),
    "feet": ("length", 0.3048),
    "ft": ("length", 0.3048),
    "inch": ("length", 0.0254),
    "inches": ("length", 0.0254),
    "in": ("length", 0.0254),
    "kg": ("mass", 1.0),
    "kilogram": ("mass", 1.0),
    "g": ("mass", 0.001),
    "gram": ("mass", 0.001),
    "lb": ("mass", 0.45359237),
    "lbs": ("mass", 0.45359237),
    "pound": ("mass", 0.45359237),
    "ounce": ("mass", 0.028349523125),
    "oz": ("mass", 0.028349523125),
    "tonne": ("mass", 1000.0),
    "l": ("volume", 1.0),
    "liter": ("volume", 1.0),
    "litre": ("volume", 1.0),
    "ml": ("volume", 0.001),
    "milliliter": ("volume", 0.001),
    "gallon": ("volume", 3.785411784),
    "cup": ("volume", 0.2365882365),
    "pint": ("volume", 0.473176473),
    "hour": ("time", 3600.0),
    "minute": ("time", 60.0),
    "second": ("time", 1.0),
    "day": ("time", 86400.0),
    "week": ("time", 604800.0),
}
TEMPS = {"c": "C", "celsius": "C", "f": "F", "fahrenheit": "F", "k": "K", "kelvin": "K"}

# keywords (all must appear) -> answer sentence
CONSTANTS: list[tuple[tuple[str, ...], str]] = [
    (("speed", "light"), "The speed of light in a vacuum is exactly 299,792,458 metres per second."),
    (("value", "pi"), "Pi (π) is approximately 3.14159265358979."),
    (("euler",), "Euler's number e is approximately 2.718281828459."),
    (("gravit", "acceleration"), "Standard gravitational acceleration on Earth is 9.80665 m/s²."),
    (("avogadro",), "The Avogadro constant is exactly 6.02214076 × 10²³ per mole."),
    (("planck",), "The Planck constant is exactly 6.62607015 × 10⁻³⁴ joule-seconds."),
    (("boiling", "water"), "Water boils at 100 °C (212 °F) at standard sea-level pressure."),
    (("freezing", "water"), "Water freezes at 0 °C (32 °F) at standard pressure."),
    (("absolute", "zero"), "Absolute zero is 0 K, which is −273.15 °C (−459.67 °F)."),
    (("speed", "sound"), "The speed of sound in dry air at 20 °C is about 343 metres per second."),
    (("golden", "ratio"), "The golden ratio φ is approximately 1.6180339887."),
    (("gravitational", "constant"), "The gravitational constant G is about 6.674 × 10⁻¹¹ N·m²/kg²."),
    (("highest", "mountain"), "Mount Everest is the highest mountain above sea level, at 8,849 metres."),
    (("tallest", "mountain"), "Mount Everest is the highest mountain above sea level, at 8,849 metres."),
    (("largest", "planet"), "Jupiter is the largest planet in the Solar System."),
    (("largest", "ocean"), "The Pacific is the largest ocean on Earth."),
    (("longest", "river"), "The Nile (about 6,650 km) is usually listed as the longest river."),
    (("closest", "star"), "Proxima Centauri, about 4.24 light-years away, is the closest star to the Sun."),
    (("distance", "moon"), "The Moon is on average about 384,400 km from Earth."),
    (("distance", "sun"), "The Earth is on average about 149.6 million km (1 AU) from the Sun."),
    (
        ("planets", "solar"),
        "The Solar System has eight planets: Mercury, Venus, Earth, Mars, Jupiter, "
        "Saturn, Uranus and Neptune.",
    ),
]

# keywords (any group fully present) -> (date, sentence)
EVENTS: list[tuple[tuple[str, ...], str]] = [
    (("moon", "land"), "Apollo 11 landed on the Moon on 20 July 1969."),
    (("berlin", "wall"), "The Berlin Wall fell on 9 November 1989."),
    (
        ("world war ii", "end"),
        "World War II ended in 1945: in Europe on 8 May, and with Japan's surrender on 2 September.",
    ),
    (
        ("world war 2", "end"),
        "World War II ended in 1945: in Europe on 8 May, and with Japan's surrender on 2 September.",
    ),
    (("world war i", "start"), "World War I began on 28 July 1914."),
    (("world war i", "begin"), "World War I began on 28 July 1914."),
    (("world war i", "end"), "World War I ended with the armistice of 11 November 1918."),
    (
        ("french revolution",),
        "The French Revolution began in 1789; the Bastille was stormed on 14 July 1789.",
    ),
    (
        ("declaration", "independence"),
        "The United States Declaration of Independence was adopted on 4 July 1776.",
    ),
    (("columbus",), "Christopher Columbus reached the Americas on 12 October 1492."),
    (("titanic",), "The Titanic sank on 15 April 1912."),
    (("wright", "flight"), "The Wright brothers made the first powered flight on 17 December 1903."),
    (
        ("first", "powered", "flight"),
        "The Wright brothers made the first powered flight on 17 December 1903.",
    ),
    (("magna carta",), "The Magna Carta was sealed on 15 June 1215."),
    (("eiffel tower",), "The Eiffel Tower was completed in March 1889, for the Exposition Universelle."),
    (("great fire", "london"), "The Great Fire of London began on 2 September 1666."),
    (("sputnik",), "Sputnik 1, the first artificial satellite, was launched on 4 October 1957."),
    (("gagarin",), "Yuri Gagarin became the first human in space on 12 April 1961."),
    (("first", "human", "space"), "Yuri Gagarin became the first human in space on 12 April 1961."),
    (("printing press",), "Johannes Gutenberg's printing press was in use in Mainz around 1440-1450."),
    (("world wide web",), "Tim Berners-Lee proposed the World Wide Web in March 1989 at CERN."),
    (("euro", "introduc"), "Euro banknotes and coins entered circulation on 1 January 2002."),
    (("unification", "germany"), "Germany was reunified on 3 October 1990."),
    (("reunification", "germany"), "Germany was reunified on 3 October 1990."),
]

# term -> one-sentence definition, used as the first sentence of answers about that term
DEFINITIONS: dict[str, str] = {
    "interactions api": "The Interactions API is Google's interface to Gemini models and agents: each call creates an "
    "interaction that can continue an earlier one, stream its steps and use tools.",
    "gemini": "Gemini is Google's family of multimodal AI models, able to work with text, images, audio, video "
    "and code.",
    "jupyter": "Jupyter is an open-source notebook environment where code, its output and prose live together in"
    " cells.",
    "python": "Python is a general-purpose programming language known for its readable syntax and large "
    "ecosystem of libraries.",
    "photosynthesis": "Photosynthesis is the process by which plants, algae and some bacteria use light energy to turn "
    "carbon dioxide and water into sugar and oxygen.",
    "machine learning": "Machine learning is a branch of AI in which programs learn patterns from data instead of "
    "following hand-written rules.",
    "black hole": "A black hole is a region of space where gravity is so strong that nothing, not even light, can "
    "escape it.",
    "dna": "DNA is the molecule that carries the genetic instructions of living organisms, written in four "
    "chemical bases.",
    "json": "JSON is a lightweight text format for data made of objects, arrays, strings, numbers, booleans "
    "and null.",
    "api": "An API is a defined interface through which one program can request data or actions from "
    "another.",
    "http": "HTTP is the request-response protocol that web browsers and servers use to exchange documents "
    "and data.",
    "gravity": "Gravity is the force by which masses attract one another; it keeps planets in orbit and objects "
    "on the ground.",
    "evolution": "Evolution is the change in the inherited traits of populations over generations, driven largely "
    "by natural selection.",
    "inflation": "Inflation is the general rise in prices over time, which reduces what a unit of money can buy.",
    "blockchain": "A blockchain is a shared ledger of records linked by cryptographic hashes, so past entries are "
    "hard to alter.",
    "climate change": "Climate change is the long-term shift in temperatures and weather patterns, driven mainly by "
    "greenhouse gases from burning fossil fuels.",
    "volcano": "A volcano is an opening in a planet's crust through which molten rock, ash and gases escape.",
    "democracy": "Democracy is a system of government in which power rests with the people, who rule directly or "
    "through elected representatives.",
    "quantum computing": "Quantum computing uses qubits, which can hold superpositions of states, to solve some problems "
    "faster than classical computers.",
    "neural network": "A neural network is a model made of layers of simple connected units whose weights are learned "
    "from data.",
    "compound interest": "Compound interest is interest earned on both the original amount and the interest already added "
    "to it.",
    "water cycle": "The water cycle is the continuous movement of water through evaporation, condensation, "
    "precipitation and runoff.",
    "plate tectonics": "Plate tectonics is the theory that Earth's outer shell is split into plates that move slowly "
    "over the mantle.",
    "honey bee": "Honey bees are social insects that live in colonies, pollinate many crops and make honey from "
    "nectar.",
    "coral reef": "Coral reefs are underwater structures built by colonies of tiny animals called corals, home to "
    "about a quarter of marine species.",
    "solar power": "Solar power is electricity or heat produced from sunlight, usually with photovoltaic panels.",
}


def definition(topic: str) -> str | None:
    """The table's definition when a topic *is* a listed term ('black holes', 'how black holes
    form', 'the Interactions API'); None otherwise, e.g. when the term is only mentioned."""
    low = re.sub(r"[^a-z0-9 ]+", " ", topic.lower()).split()
    while low and low[0] in ("how", "why", "what", "the", "a", "an"):
        low = low[1:]
    text = " ".join(low)
    for term in sorted(DEFINITIONS, key=len, reverse=True):
        if re.match(r"%s(?:s|es)?(?: \w+)?$" % re.escape(term), text):
            return DEFINITIONS[term]
    return None


LIVE = re.compile(
    r"\b(?:weather (?:today|now|tomorrow|right now|this week)|(?:today'?s?|current|tomorrow'?s?) "
    r"(?:weather|forecast|temperature|news|headlines|price|exchange rate|score)|"
    r"weather (?:like )?(?:in|at|for) [A-Z][\w ]*(?:today|now|tomorrow)|latest (?:news|headlines|"
    r"updates?|developments|results?|scores?|version|release)|breaking news|news (?:today|this week)|"
    r"stock price|share price|price of \w+ (?:today|now|right now)|(?:right now|at the moment|"
    r"currently) (?:trading|worth)|what time is it|what(?:'s| is) (?:the )?(?:date|time) (?:today|now)|"
    r"what day is (?:it|today)|who won (?:the )?(?:game|match|election|race) (?:last night|yesterday|"
    r"today)|(?:last night|yesterday)'?s? (?:game|match|score|results?)|exchange rate (?:today|now))",
    re.I,
)


def country_name(text: str) -> str | None:
    """The country of the fact table named in ``text`` (longest name first), or None."""
    low = " " + re.sub(r"[^a-z ]+", " ", text.lower()) + " "
    names = sorted([*CAPITALS, *_ALIASES], key=len, reverse=True)
    for name in names:
        if f" {name.lower()} " in low:
            return _ALIASES.get(name, name)
    return None


def capital_answer(prompt: str) -> str | None:
    """'What is the capital of Peru?' -> 'The capital of Peru is **Lima**.' (or an honest miss)."""
    match = re.search(
        r"\bcapital(?: city)? of (?:the )?([A-Za-z][A-Za-z .'\-]{1,40}?)\s*(?:[?.!,]|$)", prompt, re.I
    ) or re.search(r"\b([A-Z][A-Za-z .\-]{1,40}?)'s capital\b", prompt)
    if not match:
        return None
    country = country_name(match.group(1))
    if country is None:
        return (
            f"I don't have the capital of {match.group(1).strip()} in my small offline fact table "
            "(it lists about 80 countries), so I won't guess."
        )
    name = (
        "the " + country
        if country in ("United States", "United Kingdom", "Netherlands", "Philippines", "Czech Republic")
        else country
    )
    return f"The capital of {name} is **{CAPITALS[country]}**."


def _fmt(value: float) -> str:
    if abs(value) >= 1 or float(value).is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    places = min(12, 3 - math.floor(math.log10(abs(value))))  # 4 significant digits, never 1e-05
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def _unit(word: str) -> str:
    w = word.lower().rstrip(".")
    if w in UNITS or w in TEMPS:
        return w
    if w.endswith("es") and w[:-2] in UNITS:
        return w[:-2]
    if w.endswith("s") and w[:-1] in UNITS:
        return w[:-1]
    return w


def convert(value: float, src: str, dst: str) -> float | None:
    """``value`` in unit ``src`` expressed in ``dst`` (None when the units do not convert)."""
    src, dst = _unit(src), _unit(dst)
    if src in TEMPS and dst in TEMPS:
        a, b = TEMPS[src], TEMPS[dst]
        kelvin = {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value}[a]
        return {"C": kelvin - 273.15, "F": (kelvin - 273.15) * 9 / 5 + 32, "K": kelvin}[b]
    if src in UNITS and dst in UNITS and UNITS[src][0] == UNITS[dst][0]:
        return value * UNITS[src][1] / UNITS[dst][1]
    return None


_DEGREE = r"(?:°\s*|degrees?\s+)?"
_CONVERT = re.compile(
    r"(-?\d+(?:\.\d+)?)\s*" + _DEGREE + r"([A-Za-z]+)\.?\s+(?:is|are|equals?|in|to|into|as)\s+"
    r"(?:how many\s+)?" + _DEGREE + r"([A-Za-z]+)",
    re.I,
)
_HOW_MANY = re.compile(
    r"how many ([A-Za-z]+) (?:are |is )?(?:there )?in (?:a |an |one )?"
    r"(-?\d+(?:\.\d+)?)?\s*"
    r"([A-Za-z]+)",
    re.I,
)


def conversion_answer(prompt: str) -> str | None:
    """'Convert 10 miles to km', '100 F in C', 'how many cm in an inch' -> a computed sentence."""
    match = _CONVERT.search(prompt)
    if match:
        value, src, dst = float(match.group(1)), match.group(2), match.group(3)
    else:
        match = _HOW_MANY.search(prompt)
        if not match:
            return None
        dst, value, src = match.group(1), float(match.group(2) or 1), match.group(3)
    result = convert(value, src, dst)
    if result is None:
        return None
    s, d = _unit(src), _unit(dst)
    s, d = (TEMPS[s] if s in TEMPS else src), (TEMPS[d] if d in TEMPS else dst)
    deg = "°" if s in "CF" and len(s) == 1 else ""
    ddeg = "°" if d in "CF" and len(d) == 1 else ""
    return f"{_fmt(value)} {deg}{s} is **{_fmt(result)} {ddeg}{d}**."


def _has(low: str, key: str) -> bool:
    return bool(re.search(r"\b" + re.escape(key), low))


def lookup(prompt: str) -> str | None:
    """A constant or an event date the prompt asks about, as one sentence (None if unknown)."""
    low = prompt.lower().replace("world war two", "world war ii").replace("wwii", "world war ii")
    low = low.replace("world war one", "world war i").replace("ww1", "world war i")
    if not re.search(r"\b(what|when|which|who|how|year|date|value|tell|is)\b|\?", low):
        return None
    for keys, sentence in EVENTS:
        if all(_has(low, k) for k in keys) and not ("world war i" in keys and "world war ii" in low):
            return sentence
    for keys, sentence in CONSTANTS:
        if all(_has(low, k) for k in keys):
            return sentence
    return None


def answer(prompt: str) -> str | None:
    """The fact-table answer for a direct question, or None."""
    return capital_answer(prompt) or conversion_answer(prompt) or lookup(prompt)


def is_live(prompt: str) -> bool:
    """Whether ``prompt`` asks about live or recent events that no offline table can know."""
    return bool(LIVE.search(prompt))


def live_answer(model: str | None) -> str:
    return (
        "I can't know this offline: I'm the emulated "
        f"{model or 'model'} of gemini_nb's local Interactions API emulator, with no live data "
        "(weather, news, prices, scores or today's date). Declare the `google_search` tool to get "
        "emulated search results, or use the real API for current information."
    )
