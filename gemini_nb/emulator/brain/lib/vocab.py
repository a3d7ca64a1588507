"""Word lists and prompt reading that make generated values look plausible.

The emulator has no language model, so "plausible" means: reuse what the prompt says
(names, quoted strings, numbers, counts, a country) and otherwise pick from small
built-in vocabularies keyed by what a field is called. Everything here is pure and
deterministic given the caller's ``random.Random``; nothing reads the clock.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from .lexicon import food_theme, things

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "dozen": 12,
    "couple": 2,
    "pair": 2,
    "few": 3,
}

# country -> (adjective, aliases, [(city, population, timezone)])
COUNTRIES: dict[str, tuple[str, tuple[str, ...], list[tuple[str, int, str]]]] = {
    "France": (
        "French",
        ("france",),
        [
            ("Paris", 2_102_650, "Europe/Paris"),
            ("Marseille", 873_076, "Europe/Paris"),
            ("Lyon", 522_250, "Europe/Paris"),
            ("Toulouse", 504_078, "Europe/Paris"),
            ("Nice", 348_085, "Europe/Paris"),
            ("Nantes", 323_204, "Europe/Paris"),
            ("Strasbourg", 291_313, "Europe/Paris"),
            ("Bordeaux", 261_804, "Europe/Paris"),
        ],
    ),
    "Italy": (
        "Italian",
        ("italy",),
        [
            ("Rome", 2_748_109, "Europe/Rome"),
            ("Milan", 1_371_498, "Europe/Rome"),
            ("Naples", 913_462, "Europe/Rome"),
            ("Turin", 841_600, "Europe/Rome"),
            ("Florence", 360_930, "Europe/Rome"),
            ("Bologna", 390_734, "Europe/Rome"),
        ],
    ),
    "Spain": (
        "Spanish",
        ("spain",),
        [
            ("Madrid", 3_332_035, "Europe/Madrid"),
            ("Barcelona", 1_660_122, "Europe/Madrid"),
            ("Valencia", 807_693, "Europe/Madrid"),
            ("Seville", 681_998, "Europe/Madrid"),
            ("Bilbao", 346_096, "Europe/Madrid"),
        ],
    ),
    "Germany": (
        "German",
        ("germany",),
        [
            ("Berlin", 3_755_251, "Europe/Berlin"),
            ("Hamburg", 1_892_122, "Europe/Berlin"),
            ("Munich", 1_512_491, "Europe/Berlin"),
            ("Cologne", 1_084_831, "Europe/Berlin"),
            ("Frankfurt", 773_068, "Europe/Berlin"),
        ],
    ),
    "United Kingdom": (
        "British",
        ("uk", "united kingdom", "britain", "england"),
        [
            ("London", 8_866_180, "Europe/London"),
            ("Manchester", 568_996, "Europe/London"),
            ("Birmingham", 1_157_603, "Europe/London"),
            ("Edinburgh", 514_990, "Europe/London"),
            ("Liverpool", 496_770, "Europe/London"),
        ],
    ),
    "United States": (
        "American",
        ("usa", "us", "united states", "america"),
        [
            ("New York", 8_258_035, "America/New_York"),
            ("Los Angeles", 3_820_914, "America/Los_Angeles"),
            ("Chicago", 2_664_452, "America/Chicago"),
            ("Houston", 2_314_157, "America/Chicago"),
            ("Boston", 653_833, "America/New_York"),
            ("San Francisco", 808_988, "America/Los_Angeles"),
            ("Seattle", 755_078, "America/Los_Angeles"),
        ],
    ),
    "Japan": (
        "Japanese",
        ("japan",),
        [
            ("Tokyo", 14_094_034, "Asia/Tokyo"),
            ("Osaka", 2_752_412, "Asia/Tokyo"),
            ("Yokohama", 3_772_029, "Asia/Tokyo"),
            ("Kyoto", 1_463_723, "Asia/Tokyo"),
            ("Sapporo", 1_973_395, "Asia/Tokyo"),
        ],
    ),
    "Canada": (
        "Canadian",
        ("canada",),
        [
            ("Toronto", 2_794_356, "America/Toronto"),
            ("Montreal", 1_762_949, "America/Toronto"),
            ("Vancouver", 662_248, "America/Vancouver"),
            ("Calgary", 1_306_784, "America/Edmonton"),
        ],
    ),
    "Brazil": (
        "Brazilian",
        ("brazil",),
        [
            ("Sao Paulo", 11_451_999, "America/Sao_Paulo"),
            ("Rio de Janeiro", 6_211_423, "America/Sao_Paulo"),
            ("Brasilia", 2_817_381, "America/Sao_Paulo"),
            ("Salvador", 2_418_005, "America/Bahia"),
        ],
    ),
    "India": (
        "Indian",
        ("india",),
        [
            ("Mumbai", 12_442_373, "Asia/Kolkata"),
            ("Delhi", 11_034_555, "Asia/Kolkata"),
            ("Bangalore", 8_443_675, "Asia/Kolkata"),
            ("Chennai", 4_646_732, "Asia/Kolkata"),
        ],
    ),
    "Australia": (
        "Australian",
        ("australia",),
        [
            ("Sydney", 5_450_496, "Australia/Sydney"),
            ("Melbourne", 5_207_145, "Australia/Melbourne"),
            ("Brisbane", 2_706_966, "Australia/Brisbane"),
            ("Perth", 2_309_338, "Australia/Perth"),
        ],
    ),
}

CAPITALS = {
    "France": "Paris",
    "Italy": "Rome",
    "Spain": "Madrid",
    "Germany": "Berlin",
    "United Kingdom": "London",
    "United States": "Washington, D.C.",
    "Japan": "Tokyo",
    "Canada": "Ottawa",
    "Brazil": "Brasilia",
    "India": "New Delhi",
    "Australia": "Canberra",
}
COUNTRY_LANGUAGE = {
    "France": "French",
    "Italy": "Italian",
    "Spain": "Spanish",
    "Germany": "German",
    "United Kingdom": "English",
    "United States": "English",
    "Japan": "Japanese",
    "Canada": "English",
    "Brazil": "Portuguese",
    "India": "Hindi",
    "Australia": "English",
}
CITY_INFO = {c[0]: (country, c[1], c[2]) for country, v in COUNTRIES.items() for c in v[2]}

FIRST_NAMES = [
    "Alice",
    "Bruno",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "James",
    "Keiko",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Priya",
    "Rafael",
    "Sofia",
]
LAST_NAMES = [
    "Martin",
    "Rossi",
    "Garcia",
    "Schmidt",
    "Tanaka",
    "Smith",
    "Dubois",
    "Silva",
    "Patel",
    "Nguyen",
    "Kowalski",
    "Johansson",
    "Okafor",
    "Moreau",
    "Chen",
]
RECIPES = [
    "Lemon Garlic Pasta",
    "Tomato Basil Soup",
    "Chicken Curry",
    "Mushroom Risotto",
    "Greek Salad",
    "Vegetable Stir-Fry",
    "Banana Pancakes",
    "Beef Tacos",
    "Ratatouille",
    "Pad Thai",
    "Margherita Pizza",
    "Lentil Stew",
]
INGREDIENTS = [
    "2 cups flour",
    "1 tbsp olive oil",
    "3 cloves garlic",
    "1 onion, diced",
    "200 g spaghetti",
    "2 eggs",
    "1 cup milk",
    "a pinch of salt",
    "1 lemon, juiced",
    "400 g chopped tomatoes",
    "fresh basil",
    "1 tsp black pepper",
]
STEPS = [
    "Preheat the oven to 180°C.",
    "Chop the vegetables finely.",
    "Heat the oil in a large pan.",
    "Stir in the remaining ingredients.",
    "Simmer gently for 15 minutes.",
    "Season to taste and serve warm.",
    "Whisk everything until smooth.",
    "Let it rest for 5 minutes before serving.",
]
COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "teal", "black", "white", "gray"]
ANIMALS = ["fox", "otter", "owl", "dolphin", "tiger", "penguin", "koala", "wolf", "falcon", "panda"]
FOODS = ["apple", "bread", "cheese", "rice", "tomato", "chocolate", "salmon", "avocado", "pasta"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Labs", "Northwind Traders", "Vandelay Industries"]
JOBS = ["software engineer", "teacher", "nurse", "architect", "chef", "data analyst", "pilot", "designer"]
LANGUAGES = ["Hindi", "English", "French", "Spanish", "German", "Japanese", "Italian", "Portuguese"]
STREETS = ["Main Street", "Oak Avenue", "Maple Road", "Station Road", "Park Lane", "Elm Street"]
PRODUCTS = [
    "Cast Iron Skillet",
    "Wireless Earbuds",
    "Chef's Knife",
    "Bluetooth Speaker",
    "Yoga Mat",
    "Stainless Steel Water Bottle",
    "Coffee Grinder",
    "Desk Lamp",
    "Travel Backpack",
]
WORK_TITLES = [
    "The Silent Harbor",
    "Midnight Orchard",
    "A Map of Small Things",
    "The Last Lighthouse",
    "Paper Moons",
    "Echoes of Summer",
    "The Glass Garden",
    "Northern Lights",
    "City of Kites",
]
_WORKS = {
    "movie",
    "film",
    "book",
    "novel",
    "song",
    "album",
    "show",
    "series",
    "game",
    "play",
    "episode",
    "podcast",
    "poem",
    "story",
    "painting",
}
POSITIVE = {
    "love",
    "great",
    "excellent",
    "amazing",
    "good",
    "happy",
    "wonderful",
    "best",
    "fantastic",
    "enjoy",
    "like",
    "perfect",
    "awesome",
    "delighted",
    "recommend",
}
NEGATIVE = {
    "hate",
    "terrible",
    "awful",
    "bad",
    "worst",
    "poor",
    "disappointing",
    "broken",
    "angry",
    "sad",
    "horrible",
    "refund",
    "useless",
    "slow",
    "never",
}
ADJECTIVES = ["classic", "bright", "simple", "modern", "quick", "gentle", "bold", "fresh", "quiet"]
TAGS = ["easy", "healthy", "quick", "popular", "classic", "budget", "family", "seasonal"]
REGIONS = ["California", "Texas", "Ontario", "Bavaria", "Lombardy", "Catalonia", "Queensland"]
STATUSES = ["active", "pending", "completed"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
GENRES = ["science fiction", "mystery", "fantasy", "drama", "comedy", "documentary"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY"]

_STOP = {
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "at",
    "for",
    "to",
    "and",
    "or",
    "with",
    "me",
    "my",
    "please",
    "some",
    "their",
    "its",
    "is",
    "are",
    "be",
    "what",
    "which",
    "how",
    "get",
    "give",
    "list",
    "show",
    "tell",
    "find",
    "generate",
    "create",
    "write",
    "provide",
    "describe",
    "make",
    "return",
    "produce",
    "about",
    "from",
    "by",
    "as",
    "that",
    "this",
    "it",
    "you",
    "your",
    "can",
    "could",
    "would",
    "i",
    "we",
    "do",
    "does",
    "set",
    "all",
}
STOPWORDS = frozenset(_STOP)


def split_words(name: str) -> list[str]:
    """Lower-case words of an identifier or phrase: snake_case, camelCase, kebab and spaces."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", name.lower()) if w]


def stem(word: str) -> str:
    """A crude suffix-stripping stemmer: enough for 'cities'~'city', 'recipes'~'recipe'."""
    w = word.lower()
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            return w[: len(w) - len(suffix)] + repl
    return w


_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "series": "series",
    "species": "species",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
}
_IE_WORDS = frozenset(
    {
        "movies",
        "cookies",
        "calories",
        "zombies",
        "pies",
        "ties",
        "lies",
        "brownies",
        "smoothies",
        "selfies",
        "rookies",
        "hippies",
        "genies",
    }
)


def singular(word: str) -> str:
    """Singular of a plural field name (items of ``cities`` are each a ``city``)."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if w.endswith("ies") and len(w) > 4:
        return w[:-1] if w in _IE_WORDS else w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


@dataclass
class PromptInfo:
    """What the prompt tells us, parsed once per generation."""

    text: str = ""
    topic: str = ""
    counts: list[tuple[int, list[str]]] = field(default_factory=list)
    """(count, [singular noun, *stems of the following words]): 'three cities' -> (3, ['city', ...])."""
    entities: list[str] = field(default_factory=list)
    """Capitalized names not at the start of a sentence, e.g. 'Paris', 'Ada Lovelace'."""
    quoted: list[str] = field(default_factory=list)
    numbers: list[tuple[float, list[str]]] = field(default_factory=list)
    """(number, stems of the neighbouring words) for numbers that are not counts."""
    country: str | None = None
    lower: str = ""
    noun: str = ""
    """Singular of the first plural noun of the topic: what a bare list holds ('city')."""


_NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")
_INSTRUCTION = re.compile(
    r"^(?:(?:please|can you|could you|list|give me|give|generate|create|write|describe|"
    r"provide|show me|show|tell me about|tell me|make|return|produce|suggest|name|recommend|"
    r"extract|a list of|an? |the |some |me |top )\s*)+",
    re.I,
)


def analyze_prompt(prompt: str) -> PromptInfo:
    """Extract counts, names, quoted strings, numbers, a country and a topic phrase."""
    text = (prompt or "").strip()
    info = PromptInfo(text=text, lower=text.lower())
    info.quoted = [a or b for a, b in re.findall(r"\"([^\"]{1,80})\"|'([^']{2,80})'(?!\w)", text)]
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*|-?\d+(?:\.\d+)?|[.!?;:,]", text)
    for i, w in enumerate(words):
        lw = w.lower()
        n = None
        if _NUM_RE.fullmatch(w):
            n = float(w)
        elif lw in NUMBER_WORDS and not (lw == "few" and i and words[i - 1].lower() != "a"):
            n = NUMBER_WORDS[lw]
        if n is None:
            continue
        after = [stem(x) for x in words[i + 1 : i + 4] if x.isalpha()]
        before = [stem(x) for x in words[max(0, i - 3) : i] if x.isalpha()]
        if (
            float(n).is_integer()
            and 1 <= n <= 50
            and lw != "-"
            and (not _NUM_RE.fullmatch(w) or "." not in w)
        ):
            raw = [x.lower() for x in words[i + 1 : i + 4] if x.isalpha()]
            noun = next(
                (x for x in raw if x in _IRREGULAR or (x.endswith("s") and not x.endswith("ss"))),
                raw[0] if raw else "",
            )
            info.counts.append((int(n), [singular(noun), *after]))
        if _NUM_RE.fullmatch(w):
            info.numbers.append((n, before + after))
    # capitalized runs not at a sentence start ("Ada Lovelace", "New York")
    run: list[str] = []
    for i, w in enumerate(words + ["."]):
        start = i == 0 or words[i - 1] in ".!?;:"
        if w[:1].isupper() and w.isalpha() and (not start or w in CITY_INFO or run):
            run.append(w)
            continue
        if run:
            info.entities.append(" ".join(run))
        run = []
    for country, (adj, aliases, _) in COUNTRIES.items():
        if re.search(r"\b(?:%s|%s)\b" % ("|".join(map(re.escape, aliases)), adj.lower()), info.lower):
            info.country = country
            break
    about = re.search(r"\b(?:about|on the topic of|regarding|describing)\s+(.+)", text, re.I)
    head = re.split(
        r"[.?!;,]|\bwith\b|\bincluding\b|\busing\b", about.group(1) if about else text, maxsplit=1
    )[0]
    head = _INSTRUCTION.sub("", head.strip())
    head = re.sub(r"^(?:\d+|%s)\s+" % "|".join(NUMBER_WORDS), "", head, flags=re.I)
    info.topic = head.strip().rstrip(":") or ""
    plural = next(
        (
            w
            for w in split_words(info.topic)
            if w.endswith("s") and not w.endswith("ss") and len(w) > 3 and w not in STOPWORDS
        ),
        "",
    )
    info.noun = singular(plural) if plural else ""
    return info


class Picker:
    """Draws distinct values per vocabulary so list items and sibling fields differ."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._orders: dict[str, list[Any]] = {}
        self._cursor: dict[str, int] = {}

    def pick(self, name: str, values: list[Any], preferred: list[Any] = (), cycle: bool = False) -> Any:
        """Next value of ``values`` in a per-call shuffled order, ``preferred`` first.

        Past the end, strings get a number ("Paris 2") so values stay distinct, unless
        ``cycle`` (ingredients and steps may repeat across recipes)."""
        if name not in self._orders:
            rest = [v for v in values if v not in preferred]
            self.rng.shuffle(rest)
            self._orders[name] = [*dict.fromkeys(preferred), *rest]
            self._cursor[name] = 0
        order = self._orders[name]
        i = self._cursor[name]
        self._cursor[name] = i + 1
        value = order[i % len(order)]
        if i >= len(order) and isinstance(value, str) and not cycle:
            value = f"{value} {i // len(order) + 1}"
        return value


@dataclass
class Hint:
    """Where a value sits: its field name, schema title/description, parent, siblings."""

    key: str = ""
    title: str = ""
    description: str = ""
    parent: str = ""
    siblings: dict[str, Any] = field(default_factory=dict)
    top: bool = False
    """A property of the top-level object: its ``name`` is the prompt's main entity."""

    @property
    def words(self) -> list[str]:
        return split_words(self.key) + split_words(self.title)

    def has(self, *names: str) -> bool:
        ws = {stem(w) for w in self.words} | set(self.words)
        return any(n in ws for n in names)


def _cities(info: PromptInfo) -> tuple[list[str], list[str]]:
    """City vocabulary (the prompt's country first) and cities the prompt names."""
    named = [e for e in info.entities if e in CITY_INFO]
    named += [
        m
        for m in re.findall(
            r"\b(?:lives? in|living in|based in|from|in|to|visit(?:ing)?)\s+"
            r"([A-Z][a-z]+(?: [A-Z][a-z]+)?)",
            info.text,
        )
        if m not in named and m not in COUNTRIES and m.lower() not in _NOT_PEOPLE
    ]
    if info.country:
        pool = [c[0] for c in COUNTRIES[info.country][2]]
    else:
        pool = [c[0] for v in COUNTRIES.values() for c in v[2][:2]]
    return pool, named


_NOT_PEOPLE = (
    {w.lower() for w in [*LANGUAGES, *WEEKDAYS, *MONTHS, *COUNTRIES]}
    | {v[0].lower() for v in COUNTRIES.values()}
    | {a for v in COUNTRIES.values() for a in v[1]}
)


_DESCRIPTORS = {w.lower() for w in [*LANGUAGES, *WEEKDAYS, *MONTHS]} | {
    v[0].lower() for v in COUNTRIES.values()
}


def _person_entities(info: PromptInfo) -> list[str]:
    """Prompt names that can be people (not places, nationalities, languages or dates)."""
    return [
        e
        for e in info.entities
        if e not in CITY_INFO
        and e.lower() not in _NOT_PEOPLE
        and e.lower() not in STOPWORDS
        and len(e) > 2
        and not e.isupper()
    ]


def topic_of(info: PromptInfo, hint: Hint) -> str:
    """The subject a sentence should mention: the prompt's topic, else the field's own words."""
    if info.topic:
        return info.topic[0].lower() + info.topic[1:] if not info.topic[:2].isupper() else info.topic
    return " ".join(split_words(hint.parent) or split_words(hint.key)) or "this topic"


def _contact_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """E-mail, phone, web address and first/last names."""
    h = hint.has
    if h("email", "mail"):
        full = str(hint.siblings.get("name") or hint.siblings.get("full_name") or "")
        full = full if re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", full) else ""
        first = str(hint.siblings.get("first_name") or full or picker.pick("first", FIRST_NAMES)).split()[0]
        last = str(hint.siblings.get("last_name") or full or picker.pick("last", LAST_NAMES)).split()[-1]
        return f"{first}.{last}@example.com".lower()
    if h("phone", "telephone", "mobile", "fax"):
        return "+1-555-01%02d" % picker.pick("phone", list(range(10, 99)))
    if h("url", "website", "link", "homepage", "uri", "href"):
        return "https://www.example.com/" + "-".join(split_words(info.topic)[:4] or ["page"])
    if h("first", "given", "forename") and h("name"):
        return picker.pick("first", FIRST_NAMES, [e.split()[0] for e in _person_entities(info)])
    if h("last", "surname", "family") and (h("name") or h("surname")):
        return picker.pick("last", LAST_NAMES, [e.split()[-1] for e in _person_entities(info) if " " in e])
    return None


def _place_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """Capitals, cities, countries, postal codes and street addresses."""
    h = hint.has
    if h("capital") and info.country:
        return CAPITALS[info.country]
    if h("city", "town", "location", "place", "destination", "capital", "hometown", "origin", "venue") or (
        h("name") and parent in ("city", "town", "location", "place", "destination", "capital")
    ):
        pool, named = _cities(info)
        return picker.pick("city", pool, named)
    if h("country", "nation") or (h("name") and parent == "country"):
        return picker.pick("country", list(COUNTRIES), [info.country] if info.country else [])
    if h("zip", "postal", "postcode", "zipcode"):
        return "%05d" % picker.pick("zip", list(range(10001, 99999, 977)))
    if h("address", "street"):
        return f"{picker.pick('num', list(range(2, 98)))} {picker.pick('street', STREETS)}"
    return None


def _thing_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """Companies, colours, animals, and food (themed by the prompt: "pasta recipes")."""
    h = hint.has
    if h("company", "organization", "organisation", "employer", "brand", "publisher"):
        return picker.pick("company", COMPANIES)
    if h("color", "colour"):
        return picker.pick("color", COLORS)
    if h("animal", "species", "pet", "breed"):
        return picker.pick("animal", ANIMALS)
    theme = food_theme(info.text)  # "pasta recipes" give pasta dishes and pasta ingredients
    if h("ingredient"):
        return picker.pick("ingredient", theme["ingredients"] if theme else INGREDIENTS, cycle=bool(theme))
    if h("step", "instruction", "direction", "method"):
        if theme:  # a themed method reads in cooking order
            return picker.pick("step", theme["steps"], theme["steps"], cycle=True)
        return picker.pick("step", STEPS)
    if h("recipe", "dish", "meal") or (h("name", "title") and parent in ("recipe", "dish", "meal")):
        return picker.pick("recipe", theme["dishes"] if theme else RECIPES, [q for q in info.quoted])
    if h("food", "fruit", "vegetable", "snack"):
        return picker.pick("food", FOODS)
    return None


def _category_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """Closed vocabularies: languages, currencies, jobs, weekdays, months, genres, regions, statuses."""
    h = hint.has
    if h("language", "lang"):
        spoken = [COUNTRY_LANGUAGE[info.country]] if info.country else []
        return picker.pick("language", LANGUAGES, spoken)
    if h("currency"):
        return picker.pick("currency", CURRENCIES)
    if h("job", "occupation", "profession", "role", "position"):
        return picker.pick("job", JOBS)
    if h("weekday") or (h("day") and not h("date")):
        return picker.pick("weekday", WEEKDAYS)
    if h("month"):
        return picker.pick("month", MONTHS)
    if h("genre"):
        return picker.pick("genre", GENRES)
    if h("province", "region") or (h("state") and parent in ("address", "location", "city", "place")):
        return picker.pick("region", REGIONS)
    if h("status", "state"):
        return picker.pick("status", STATUSES)
    return None


def _coded_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """Dates, times, identifiers and tags (tags prefer the prompt's own topic words)."""
    h = hint.has
    if h("date", "birthday", "dob", "deadline", "created", "updated", "when") or hint.key.endswith(
        ("_at", "_on")
    ):
        return (
            f"20{picker.pick('yy', list(range(18, 26)))}-{picker.pick('mm', list(range(1, 13))):02d}-"
            f"{picker.pick('dd', list(range(1, 29))):02d}"
        )
    if h("time", "hour"):
        return f"{picker.pick('hh', list(range(7, 22))):02d}:{picker.pick('mi', [0, 15, 30, 45]):02d}"
    if h("id", "code", "sku", "identifier", "isbn", "reference", "ref"):
        return f"{picker.pick('code', ['A', 'B', 'C', 'K', 'X'])}{picker.pick('idn', list(range(100, 999)))}"
    if h("tag", "keyword", "label", "category", "topic", "skill", "hobby", "interest", "feature"):
        named = {w.lower() for e in info.entities for w in e.split()}
        pool = [
            w
            for w in split_words(info.topic)
            if w not in STOPWORDS
            and len(w) > 3
            and w not in named
            and not w.isdigit()
            and w not in ("aged", "describe", "about")
        ]
        return picker.pick("tag", TAGS, pool)
    return None


def _named_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str | None:
    """Names: the prompt's subjects, works, products, people, and items of a named collection."""
    h = hint.has
    subjects = [e for e in info.entities if e.lower() not in _DESCRIPTORS and not e.isupper()]
    if h("name") and hint.top and subjects:
        return picker.pick("entity", subjects)
    if h("title", "name") and parent in _WORKS:
        return picker.pick("work", WORK_TITLES, info.quoted)
    if h("name", "title") and parent in ("product", "item", "gadget", "gift", "tool", "device"):
        return picker.pick("product", PRODUCTS)
    if h(
        "author",
        "person",
        "user",
        "customer",
        "employee",
        "owner",
        "director",
        "student",
        "contact",
        "speaker",
        "character",
        "full",
        "username",
    ) or (
        h("name")
        and parent in ("", "person", "user", "author", "employee", "customer", "student", "member", "people")
    ):
        people = _person_entities(info)
        full = picker.pick("person", [f"{f} {l}" for f, l in zip(FIRST_NAMES, LAST_NAMES)], people)
        return full.lower().replace(" ", "_") if h("username") else full
    listed = things(parent) if parent and h("name", "title") else None
    if listed:  # items of "planets", "fruits", "countries": real names
        return picker.pick(f"thing:{parent}", listed, [e for e in info.entities if e in listed])
    if h("name") and parent and parent not in STOPWORDS:
        return f"{picker.pick('adj', ADJECTIVES)} {parent}".capitalize()
    return None


def _prose_string(hint: Hint, info: PromptInfo, picker: Picker, parent: str) -> str:
    """Titles and sentences about the topic; anything else is an adjective plus the field name."""
    h = hint.has
    topic = topic_of(info, hint)
    if h("title", "headline", "heading", "subject", "name"):
        if h("title", "name") and info.quoted:
            return picker.pick("quoted", info.quoted)
        base = " ".join(w.capitalize() for w in topic.split()[:6])
        return picker.pick("title", [base, f"A Guide to {base}", f"{base}: An Overview", f"Notes on {base}"])
    if h(
        "summary",
        "description",
        "desc",
        "overview",
        "bio",
        "explanation",
        "reason",
        "answer",
        "text",
        "content",
        "comment",
        "review",
        "note",
        "message",
        "body",
        "abstract",
        "details",
        "analysis",
        "conclusion",
        "sentence",
        "caption",
        "feedback",
        "response",
        "advice",
    ):
        return picker.pick(
            "sentence",
            [
                f"A brief overview of {topic}.",
                f"Key facts about {topic} in a few words.",
                f"A concise summary of {topic} and why it matters.",
                f"Highlights of {topic}.",
            ],
        )
    noun = " ".join(split_words(hint.key)) or "value"
    return f"{picker.pick('adj', ADJECTIVES)} {noun}".capitalize()


_STRING_KINDS = (
    _contact_string,
    _place_string,
    _thing_string,
    _category_string,
    _coded_string,
    _named_string,
)
"""Tried in order; the first that recognises the field answers (order decides ties)."""


def plausible_string(hint: Hint, info: PromptInfo, picker: Picker) -> str:
    """A string that fits the field name; prompt evidence beats built-in vocabularies."""
    parent = stem(singular(hint.parent)) if hint.parent else ""
    for kind in _STRING_KINDS:
        value = kind(hint, info, picker, parent)
        if value is not None:
            return value
    return _prose_string(hint, info, picker, parent)


def number_range(hint: Hint, integer: bool) -> tuple[float, float, int]:
    """(low, high, decimals) a number field of this name plausibly takes."""
    h = hint.has
    if h("age"):
        return 18, 90, 0
    if h("year", "founded", "born"):
        return 1950, 2024, 0
    if h("population", "inhabitant"):
        return 50_000, 5_000_000, 0
    if h("salary", "income", "revenue", "budget"):
        return 30_000, 150_000, 2
    if h("price", "amount", "cost", "total", "fee", "balance", "subtotal", "payment", "spend"):
        return 1, 500, 2
    if h("rating", "stars", "star"):
        return 1, 5, 1
    if h("score", "percent", "percentage", "humidity", "progress"):
        return 0, 100, 1
    if h("confidence", "certainty"):
        return 0.7, 0.99, 2
    if h("probability", "likelihood", "ratio"):
        return 0, 1, 2
    if h("latitude", "lat"):
        return -60, 70, 4
    if h("longitude", "lon", "lng"):
        return -150, 150, 4
    if h("temperature", "temp"):
        return -5, 35, 1
    if h("minute", "duration", "time", "min"):
        return 5, 120, 0
    if h("calorie", "kcal"):
        return 100, 900, 0
    if h("count", "quantity", "qty", "number", "num", "serving", "people", "guest", "item"):
        return 1, 12, 0
    if h("height", "weight", "length", "width", "distance", "size"):
        return 1, 200, 1
    if h("id", "page", "index", "rank", "position"):
        return 1, 100, 0
    return (1, 100, 0) if integer else (1, 100, 2)


def sentiment(info: PromptInfo) -> str:
    """'positive', 'negative' or 'neutral' by counting opinion words in the prompt."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", info.text)}
    score = len(words & POSITIVE) - len(words & NEGATIVE)
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def prompt_number(hint: Hint, info: PromptInfo) -> float | None:
    """A number from the prompt whose neighbouring words name this field ('aged 42' -> age)."""
    names = {stem(w) for w in hint.words} | set(hint.words)
    if "age" in names:
        names |= {"aged", "year", "old"}
    for value, near in info.numbers:
        if names & set(near):
            return value
    if "age" in names:  # "Ana Lima, 34": the one person-like number
        ages = [v for v, _ in info.numbers if v.is_integer() and 1 <= v <= 120]
        if len(ages) == 1:
            return ages[0]
    if names & {"year", "founded", "released", "published"}:
        return next((v for v, _ in info.numbers if v.is_integer() and 1800 <= v <= 2100), None)
    return None
