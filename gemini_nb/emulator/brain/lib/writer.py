"""Write text in the form a request asked for: prose, lists, tables, sections, stories, code.

The emulator has no language model, so its sentences come from small template banks
crossed with "aspects" of the topic. Two rules make the result read like an answer rather
than filler: every sentence of one answer is distinct (a template/aspect pair is used once),
and the *form* is exact — the sentence, word, item and section counts parsed by
:mod:`.form` are met (words within a few percent). Non-English prompts are answered from a
smaller phrase bank in the same language (French, Spanish, German, Italian, Portuguese).
Choices are seeded by a hash of the prompt, so the same request gives the same text.
"""

from __future__ import annotations

import hashlib
import re

from .facts import definition
from .form import Form
from .vocab import FIRST_NAMES

ASPECTS = {
    "en": [
        "its history",
        "the principle behind it",
        "its everyday use",
        "its main benefit",
        "its biggest limitation",
        "a common misconception",
        "the way it is measured",
        "its likely future",
        "the research around it",
        "its cost",
        "its environmental side",
        "a practical example",
    ],
    "fr": [
        "son histoire",
        "ses principes de base",
        "ses usages quotidiens",
        "ses principaux avantages",
        "ses limites",
        "les idées reçues",
        "sa mesure",
        "son avenir",
    ],
    "es": [
        "su historia",
        "sus principios básicos",
        "sus usos cotidianos",
        "sus principales ventajas",
        "sus límites",
        "los malentendidos habituales",
        "su medición",
        "su futuro",
    ],
    "de": [
        "seine Geschichte",
        "seine Grundprinzipien",
        "seine alltägliche Nutzung",
        "seine Vorteile",
        "seine Grenzen",
        "verbreitete Irrtümer",
        "seine Messung",
        "seine Zukunft",
    ],
    "it": [
        "la sua storia",
        "i suoi principi di base",
        "gli usi quotidiani",
        "i vantaggi principali",
        "i suoi limiti",
        "i malintesi comuni",
        "la sua misura",
        "il suo futuro",
    ],
    "pt": [
        "a sua história",
        "os seus princípios básicos",
        "os usos do dia a dia",
        "as principais vantagens",
        "os seus limites",
        "os equívocos comuns",
        "a sua medição",
        "o seu futuro",
    ],
}
LABELS = {
    "en": [
        "History",
        "Core principle",
        "Everyday use",
        "Benefits",
        "Limitations",
        "Misconceptions",
        "Measurement",
        "Future",
        "Research",
        "Cost",
        "Environment",
        "Examples",
    ]
}
TEMPLATES = {
    "en": [
        "{T} is best understood by looking at {a}.",
        "When people discuss {t}, {a} usually comes up first.",
        "A useful way into {t} is to start with {a}.",
        "{A} plays a large part in {t}.",
        "Experts who study {t} pay close attention to {a}.",
        "Much of the debate around {t} concerns {a}.",
        "Beginners often overlook {a} when they first meet {t}.",
        "Looking at {a} explains a good deal about {t}.",
        "{A} is where {t} differs most from related ideas.",
        "Any fair summary of {t} has to mention {a}.",
        "Small changes in {a} can make a big difference to {t}.",
        "Good introductions to {t} give {a} a section of their own.",
    ],
    "fr": [
        "Pour comprendre {t}, il faut regarder {a}.",
        "Quand on parle de {t}, on évoque d'abord {a}.",
        "Les spécialistes de {t} étudient de près {a}.",
        "Un bon résumé de {t} mentionne {a}.",
        "Les débutants négligent souvent {a} lorsqu'ils découvrent {t}.",
        "Le débat autour de {t} porte surtout sur {a}.",
    ],
    "es": [
        "Para entender {t}, conviene mirar {a}.",
        "Cuando se habla de {t}, primero se menciona {a}.",
        "Los expertos en {t} estudian de cerca {a}.",
        "Un buen resumen de {t} menciona {a}.",
        "Los principiantes suelen pasar por alto {a} al conocer {t}.",
        "El debate sobre {t} gira sobre todo en torno a {a}.",
    ],
    "de": [
        "Um {t} zu verstehen, lohnt sich ein Blick auf {a}.",
        "Wer über {t} spricht, erwähnt zuerst {a}.",
        "Fachleute für {t} untersuchen genau {a}.",
        "Eine gute Zusammenfassung von {t} nennt {a}.",
        "Anfänger übersehen oft {a}, wenn sie {t} kennenlernen.",
        "Die Diskussion über {t} dreht sich vor allem um {a}.",
    ],
    "it": [
        "Per capire {t} conviene guardare {a}.",
        "Quando si parla di {t}, si citano prima {a}.",
        "Gli esperti di {t} studiano da vicino {a}.",
        "Un buon riassunto di {t} menziona {a}.",
        "I principianti trascurano spesso {a} quando scoprono {t}.",
        "Il dibattito su {t} riguarda soprattutto {a}.",
    ],
    "pt": [
        "Para entender {t}, vale a pena olhar para {a}.",
        "Quando se fala de {t}, menciona-se primeiro {a}.",
        "Os especialistas em {t} estudam de perto {a}.",
        "Um bom resumo de {t} menciona {a}.",
        "Os principiantes ignoram muitas vezes {a} quando conhecem {t}.",
        "O debate sobre {t} centra-se sobretudo em {a}.",
    ],
}
PHRASES = {  # fixed phrases per language: intro, no-topic fallback, key points label
    "en": ("Here is a short overview of {t}.", "your question", "Key points"),
    "fr": ("Voici un bref aperçu de {t}.", "votre question", "Points clés"),
    "es": ("Aquí tienes un breve resumen de {t}.", "tu pregunta", "Puntos clave"),
    "de": ("Hier ist ein kurzer Überblick über {t}.", "Ihre Frage", "Wichtige Punkte"),
    "it": ("Ecco una breve panoramica di {t}.", "la tua domanda", "Punti chiave"),
    "pt": ("Aqui está um breve resumo de {t}.", "a sua pergunta", "Pontos-chave"),
}
STORY_OPEN = [
    "Once upon a time, in a small town at the edge of the sea, there lived {hero}.",
    "This is a story about {t}, and it begins with {hero}.",
    "Every morning, {name} woke before sunrise and thought about {t}.",
    "Nobody in the town knew as much about {t} as {name} did.",
]
STORY_MIDDLE = [
    "One day, {name} found {obj} that changed everything.",
    "At first, {name} tried to ignore {obj}, but it would not be ignored.",
    "A stranger arrived with news about {obj}, and {name} listened carefully.",
    "The problem grew worse, and {name} realised that {obj} held the answer.",
    "{Name} set out along the coast road, carrying {obj} and very little else.",
    "There were doubts, long nights and one terrible storm, all because of {obj}.",
    "A friend warned {name} that {obj} was more trouble than it was worth.",
    "Step by step, {name} learned what {obj} could and could not do.",
    "Halfway through the journey, {name} lost {obj} and had to go back for it.",
    "The town began to talk, and everyone had an opinion about {obj}.",
    "{Name} wrote down everything about {obj} in a battered notebook.",
    "When the lights went out, only {obj} showed {name} the way forward.",
    "An old neighbour remembered a rumour about {obj} from years before.",
    "{Name} spent a whole week studying {obj} by candlelight.",
    "The harbour master laughed at first, then went quiet when he saw {obj}.",
    "Rain fell for three days while {name} waited for a sign from {obj}.",
    "Children followed {name} through the market, asking about {obj}.",
    "A letter arrived from the city, and it mentioned {obj} by name.",
    "{Name} nearly gave up, and even thought of throwing {obj} into the sea.",
    "Late one evening, {name} noticed something new about {obj}.",
    "The answer, it turned out, had been hidden inside {obj} all along.",
    "With help from an unlikely friend, {name} finally understood {obj}.",
    "The whole town gathered on the pier to see what {obj} would reveal.",
    "For the first time in years, {name} felt truly hopeful.",
]
STORY_OBJECTS = [
    "an old map",
    "a brass key",
    "a letter with no name",
    "a broken compass",
    "a silver lantern",
    "a locked wooden box",
    "a faded photograph",
    "a strange melody",
    "a red kite",
    "a half-finished drawing",
]
STORY_END = [
    "In the end, {name} understood that {t} had been about courage all along.",
    "By the time the sun rose again, everything had changed for {name}, and for the better.",
    "{Name} returned home wiser, and the town never forgot what had happened.",
    "And so the story of {t} ended where it began, with {name} looking out to sea, smiling.",
]


INTRO_PREFIXES = tuple(p[0].split("{")[0] for p in PHRASES.values())
"""How each language's overview opener starts (a terse answer skips it)."""


def seed(*parts: object) -> int:
    return int(hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest(), 16)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Sentences:
    """Distinct sentences about one topic, in one language, in a seeded order."""

    def __init__(self, topic: str, language: str = "en", key: str = "", lead: str | None = None):
        self.lang = language if language in TEMPLATES else "en"
        self.lead = lead if self.lang == "en" else None
        """A known fact (a definition) said first, before the template sentences."""
        self.topic = topic or PHRASES[self.lang][1]
        self.templates, self.aspects = TEMPLATES[self.lang], ASPECTS[self.lang]
        self.start = seed(topic, key)
        self.k = 0

    def __len__(self) -> int:
        return len(self.templates) * len(self.aspects)

    def make(self, k: int) -> tuple[str, str]:
        """The k-th (sentence, aspect); distinct for k < len(self)."""
        n_t, n_a = len(self.templates), len(self.aspects)
        k = (k + self.start) % len(self)
        template, aspect = self.templates[k % n_t], self.aspects[(k + k // n_t) % n_a]
        t = self.topic
        text = template.format(t=t, T=_cap(t), a=aspect, A=_cap(aspect))
        return text, aspect

    def next(self) -> str:
        if self.lead:
            text, self.lead = self.lead, None
            return text
        text, _ = self.make(self.k)
        self.k += 1
        return text

    def take(self, n: int) -> list[str]:
        return [self.next() for _ in range(max(0, n))]

    def words(self, target: int) -> list[str]:
        """Sentences whose total word count is as close to ``target`` as the bank allows."""
        out: list[str] = []
        total = 0
        if self.lead and len(self.lead.split()) <= target + 3:
            out.append(self.next())
            total += len(out[0].split())
        self.lead = None
        while self.k < len(self) and total < target:
            remaining = target - total
            if remaining <= 16:  # last sentence: the candidate of the best-fitting length
                options = [
                    (abs(len(self.make(self.k + j)[0].split()) - remaining), j)
                    for j in range(12)
                    if self.k + j < len(self)
                ]
                _, j = min(options)
                best = self.make(self.k + j)[0]
                if abs(remaining - len(best.split())) >= remaining and out:
                    break  # adding it would land further from the target than stopping here
                # swap it forward so the k-th slot stays unused and sentences stay distinct
                self.k += j + 1
                out.append(best)
                total += len(best.split())
                break
            sentence = self.next()
            out.append(sentence)
            total += len(sentence.split())
        return out


def word_count(text: str) -> int:
    return len(re.findall(r"[\w'’\-]+", re.sub(r"[#*|`]", " ", text)))


def sentence_count(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()])


def prose(form: Form, key: str) -> str:
    bank = Sentences(form.topic, form.language, key, definition(form.topic))
    if form.words:
        sentences = bank.words(min(form.words, 1500))
    else:
        sentences = bank.take(min(form.sentences or 3 * (form.paragraphs or 1), len(bank)))
    paragraphs = form.paragraphs or (1 if len(sentences) <= 6 else (len(sentences) + 4) // 5)
    return _paragraphs(sentences, paragraphs)


def _paragraphs(sentences: list[str], n: int) -> str:
    n = max(1, min(n, len(sentences)))
    size, extra = divmod(len(sentences), n)
    out, i = [], 0
    for p in range(n):
        j = i + size + (1 if p < extra else 0)
        out.append(" ".join(sentences[i:j]))
        i = j
    return "\n\n".join(out)


def items(form: Form, key: str, entries: list[str] | None = None) -> list[str]:
    """``form.items`` list entries: named things from a lexicon, else distinct aspect points."""
    n = min(form.items or 3, 50)
    if entries:
        return entries[:n]
    bank = Sentences(form.topic, form.language, key)
    out = []
    for k in range(n):
        sentence, aspect = bank.make(k)
        if bank.lang in LABELS:
            label = LABELS[bank.lang][bank.aspects.index(aspect)]
        else:
            label = re.sub(
                r"^(?:its|the|son|ses|sa|sus|su|los|seine|verbreitete|la sua|i suoi|gli|il|i|la|"
                r"les|le|os|a sua|os seus|a|as|o)\s+",
                "",
                aspect,
            )
        out.append(f"**{_cap(label)}**: {sentence}" if k < len(bank.aspects) else sentence)
    return out


def listing(form: Form, key: str, entries: list[str] | None = None) -> str:
    lines = items(form, key, entries)
    if form.kind == "numbered":
        return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
    return "\n".join(f"- {line}" for line in lines)


CELL_WORDS = [
    "high",
    "moderate",
    "low",
    "strong",
    "limited",
    "widely used",
    "specialised",
    "growing",
    "stable",
    "simple",
    "complex",
    "fast",
    "slower",
    "well documented",
    "emerging",
]


def table(form: Form, key: str, rows: list[str], cell=None) -> str:
    """A markdown table; ``cell(row, column)`` may supply known values (e.g. capitals)."""
    columns = form.columns or (["Name", "Description"] if rows else ["Aspect", "Notes"])
    if not rows:
        bank = Sentences(form.topic, form.language, key)
        rows = [_cap(bank.make(k)[1]) for k in range(min(form.items or 4, len(bank.aspects)))]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r, row in enumerate(rows):
        cells = [row]
        for column in columns[1:]:
            value = cell(row, column) if cell else None
            if value is None:
                if len(columns) == 2 and column.lower() in ("description", "notes", "details", "summary"):
                    value = Sentences(form.topic, form.language, key).make(r)[0]
                else:
                    value = _cap(CELL_WORDS[seed(key, row, column) % len(CELL_WORDS)])
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sections(form: Form, key: str) -> str:
    bank = Sentences(form.topic, form.language, key, definition(form.topic))
    per = 2
    if form.words:
        per = max(1, round(form.words / 11 / max(1, len(form.sections))))
    parts = []
    for name in form.sections:
        parts.append(f"## {name}\n\n" + " ".join(bank.take(per)))
    return "\n\n".join(parts)


SHORT_STORY = [
    "Once, {name} dreamed of {t}.",
    "One day, {name} found {obj}.",
    "It changed everything.",
    "{Name} followed where it led.",
    "The road was long and cold.",
    "A friend came along.",
    "Together they kept going.",
    "At last, the way was clear.",
    "In the end, {name} was home.",
]


def short_story(form: Form, name: str, obj: str) -> str:
    """A tiny three-part story for word targets below what the full templates need."""
    t = with_article(form.topic or "an adventure")
    lines = [x.format(name=name, Name=name, t=t, obj=obj) for x in SHORT_STORY]
    opening, middle_all, ending = lines[0], lines[1:-1], lines[-1]
    budget = form.words - len(opening.split()) - len(ending.split())
    middle: list[str] = []
    for sentence in middle_all:
        if budget - len(sentence.split()) < -2:
            break
        middle.append(sentence)
        budget -= len(sentence.split())
    return "\n\n".join([opening, " ".join(middle) or middle_all[0], ending])


_MASS = re.compile(
    r"(?:ship|ness|ity|ism|ion|ence|ance|dom|hood|ing|ment|love|hope|time|music|life|"
    r"water|nature|art|fear|magic|courage|peace|war|history|science|space)$"
)


def with_article(topic: str) -> str:
    """'lighthouse keeper' -> 'a lighthouse keeper'; names, plurals and mass nouns stay as they are."""
    words = topic.split()
    determiners = ("a", "an", "the", "my", "his", "her", "their", "our", "two", "three")
    if (
        not words
        or words[0].lower() in determiners
        or topic[:1].isupper()
        or words[-1].endswith("s")
        or _MASS.search(words[-1])
    ):
        return topic
    return ("an " if topic[:1].lower() in "aeiou" else "a ") + topic


def story(form: Form, key: str, hero_name: str | None = None) -> str:
    """Narrative prose in three movements: a beginning, a middle and an end."""
    s = seed(form.topic, key)
    name = hero_name or FIRST_NAMES[s % len(FIRST_NAMES)]
    t = with_article(form.topic or "an unexpected journey")
    hero = f"a curious person named {name}"
    fill = {"t": t, "name": name, "Name": name, "hero": hero}
    opening = [
        STORY_OPEN[s % len(STORY_OPEN)].format(**fill),
        STORY_OPEN[(s + 2) % len(STORY_OPEN)].format(**fill),
    ]
    ending = [
        STORY_END[s % len(STORY_END)].format(**fill),
        STORY_END[(s + 1) % len(STORY_END)].format(**fill),
    ]
    # the middle follows one object through the templates in order, then a second one
    first_obj = s // 7 % len(STORY_OBJECTS)
    if form.words and form.words < 46:
        return short_story(form, name, STORY_OBJECTS[first_obj])

    def obj(i: int) -> str:  # "an old map" on first mention, "the old map" afterwards
        thing = STORY_OBJECTS[(first_obj + i // len(STORY_MIDDLE)) % len(STORY_OBJECTS)]
        return thing if i % len(STORY_MIDDLE) == 0 else re.sub(r"^an? ", "the ", thing)

    middle_all = [
        STORY_MIDDLE[i % len(STORY_MIDDLE)].format(obj=obj(i), **fill)
        for i in range(len(STORY_MIDDLE) * len(STORY_OBJECTS))
    ]
    middle_all = list(dict.fromkeys(middle_all))
    fixed = sum(len(x.split()) for x in opening + ending)
    if form.words and form.words < fixed + 20:  # a short story: one opening and one closing sentence
        opening, ending = opening[:1], ending[:1]
        fixed = sum(len(x.split()) for x in opening + ending)
    middle: list[str] = []
    if form.words:
        target = max(0, min(form.words, 1500) - fixed)
        total = 0
        for sentence in middle_all:
            if total >= target:
                break
            if total + len(sentence.split()) > target + 4 and middle:
                continue
            middle.append(sentence)
            total += len(sentence.split())
    else:
        count = max(1, (form.sentences or 9) - 4)
        middle = middle_all[:count]
        if form.sentences and form.sentences < 5:
            opening, ending = opening[:1], ending[:1]
            middle = middle_all[: max(0, form.sentences - 2)]
    chunks = [" ".join(opening)]
    for i in range(0, len(middle), 6):
        chunks.append(" ".join(middle[i : i + 6]))
    chunks.append(" ".join(ending))
    return "\n\n".join(c for c in chunks if c)


POEM_LINES = [
    "{T} arrives without a sound,",
    "and lingers where the light is thin;",
    "the morning keeps it close at hand,",
    "a quiet thing the heart lets in.",
    "We speak of {t} in lowered voices,",
    "as if the word could break apart;",
    "it gathers in the smallest places,",
    "and settles, patient, in the heart.",
    "The evening turns to {t} again,",
    "the way a tide returns to shore;",
    "whatever else the day has taken,",
    "it leaves a little something more.",
    "So here is {t}, plain and simple,",
    "a lamp left burning in the hall;",
    "not everything is meant for keeping,",
    "but this, it seems, outlasts it all.",
]
HAIKU = [
    ["{T} at first light", "{T} in the still air", "Soft {t} returning"],
    [
        "a slow breath moves through the trees",
        "the river carries the sky downstream",
        "the old roof listens to rain",
    ],
    ["the world holds its breath", "and the day begins again", "nothing asks for more"],
]


def poem(form: Form, key: str, haiku: bool = False) -> str:
    """Verse about the topic: a three-line haiku, or quatrains of distinct lines."""
    s = seed(form.topic, key)
    fill = {"t": form.topic or "the quiet", "T": _cap(form.topic or "the quiet")}
    if haiku:
        return "\n".join(HAIKU[i][(s // (i + 1)) % len(HAIKU[i])].format(**fill) for i in range(3))
    n = min(form.lines or 4 * (form.paragraphs or 2), len(POEM_LINES))
    lines = [POEM_LINES[i].format(**fill) for i in range(n)]
    lines[-1] = lines[-1].rstrip(",;") + ("" if lines[-1].endswith(".") else ".")
    return "\n\n".join("\n".join(lines[i : i + 4]) for i in range(0, n, 4))


def recipe(form: Form, key: str, dish: str, ingredients: list[str], steps: list[str]) -> str:
    """A recipe: the dish, an ingredient list and numbered steps (from a food theme)."""
    s = seed(dish, key)
    n = min(len(ingredients), 6)
    picked = [ingredients[(s + i) % len(ingredients)] for i in range(n)]
    lines = [
        f"## {_cap(dish)}",
        "",
        "**Ingredients**",
        "",
        *[f"- {i}" for i in dict.fromkeys(picked)],
        "",
        "**Steps**",
        "",
        *[f"{i}. {step}" for i, step in enumerate(steps, 1)],
    ]
    return "\n".join(lines)


def default(form: Form, key: str) -> str:
    """No form requested: a short paragraph, then three key points (all sentences distinct)."""
    known = definition(form.topic)
    bank = Sentences(form.topic, form.language, key, known)
    intro = known if bank.lead else PHRASES[bank.lang][0].format(t=f"**{bank.topic}**")
    bank.lead = None
    paragraph = " ".join([intro, *bank.take(2)])
    points = []
    for k in range(bank.k, bank.k + 3):
        sentence, aspect = bank.make(k)
        points.append(f"- {sentence}")
    return f"{paragraph}\n\n{PHRASES[bank.lang][2]}:\n" + "\n".join(points)
