"""The system instruction's persona, applied to answers written from tool results and by agents.

Notebooks set a persona ("You are a pirate", "Always answer in French", "Be terse") and
expect every answer to follow it, including the one written after function results. The
emulator cannot rewrite free text like a model, so it recognizes a few personas and applies
what can be done faithfully: a language (the framing words of function answers have
templates in French, Spanish, German, Italian and Portuguese; see :data:`PHRASES`), a pirate's
voice (a few pronouns and greetings only), upper case, brevity.
"""

from __future__ import annotations

import re

LANGUAGES = {
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "german": "de",
    "deutsch": "de",
    "italian": "it",
    "italiano": "it",
    "portuguese": "pt",
    "português": "pt",
    "english": "en",
}
_LANG_RE = re.compile(
    r"\b(?:answer|respond|reply|speak|write|talk)\w*\b[^.]{0,30}?\b(?:in|en|auf)\s+"
    r"(" + "|".join(LANGUAGES) + r")\b|\ben (français|francais|español|espanol)\b",
    re.I,
)
PHRASES = {
    "en": {
        "result": "The {subject}{qual} is {text}.",
        "results": "The {subject}{qual} are {text}.",
        "plain": "{Subject}{qual}: {text}.",
        "error": "I couldn't get the {subject}{qual}: {detail}.",
        "in": " in {where}",
        "for": " for {what}",
        "to": " to {who}",
        "none": "I don't have any results to report yet.",
    },
    "fr": {
        "result": "Résultat ({subject}{qual}) : {text}.",
        "results": "Résultats ({subject}{qual}) : {text}.",
        "plain": "{Subject}{qual} : {text}.",
        "error": "Je n'ai pas pu obtenir {subject}{qual} : {detail}.",
        "in": " à {where}",
        "for": " pour {what}",
        "to": " à {who}",
        "none": "Je n'ai encore aucun résultat.",
    },
    "es": {
        "result": "Resultado ({subject}{qual}): {text}.",
        "results": "Resultados ({subject}{qual}): {text}.",
        "plain": "{Subject}{qual}: {text}.",
        "error": "No pude obtener {subject}{qual}: {detail}.",
        "in": " en {where}",
        "for": " para {what}",
        "to": " a {who}",
        "none": "Todavía no tengo resultados.",
    },
    "de": {
        "result": "Ergebnis ({subject}{qual}): {text}.",
        "results": "Ergebnisse ({subject}{qual}): {text}.",
        "plain": "{Subject}{qual}: {text}.",
        "error": "Ich konnte {subject}{qual} nicht abrufen: {detail}.",
        "in": " in {where}",
        "for": " für {what}",
        "to": " an {who}",
        "none": "Ich habe noch keine Ergebnisse.",
    },
    "it": {
        "result": "Risultato ({subject}{qual}): {text}.",
        "results": "Risultati ({subject}{qual}): {text}.",
        "plain": "{Subject}{qual}: {text}.",
        "error": "Non sono riuscito a ottenere {subject}{qual}: {detail}.",
        "in": " a {where}",
        "for": " per {what}",
        "to": " a {who}",
        "none": "Non ho ancora risultati.",
    },
    "pt": {
        "result": "Resultado ({subject}{qual}): {text}.",
        "results": "Resultados ({subject}{qual}): {text}.",
        "plain": "{Subject}{qual}: {text}.",
        "error": "Não consegui obter {subject}{qual}: {detail}.",
        "in": " em {where}",
        "for": " para {what}",
        "to": " para {who}",
        "none": "Ainda não tenho resultados.",
    },
}
_PIRATE = [
    (r"\byou\b", "ye"),
    (r"\bYou\b", "Ye"),
    (r"\byour\b", "yer"),
    (r"\bYour\b", "Yer"),
    (r"\bHello\b", "Ahoy"),
    (r"\bhello\b", "ahoy"),
]
_GREETING = {"en": "Arr! ", "fr": "Arr ! ", "es": "¡Arr! ", "de": "Arr! ", "it": "Arr! ", "pt": "Arr! "}


def language(system_instruction: str | None) -> str:
    """The answer language a system instruction asks for ('en' when it names none)."""
    m = _LANG_RE.search(system_instruction or "")
    if not m:
        return "en"
    return LANGUAGES[(m.group(1) or m.group(2)).lower()]


def phrases(system_instruction: str | None) -> dict[str, str]:
    return PHRASES[language(system_instruction)]


def apply(system_instruction: str | None, text: str) -> str:
    """``text`` in the instruction's voice: pirate, terse, upper case (language: see phrases)."""
    si = (system_instruction or "").lower()
    if not si:
        return text
    if re.search(r"\b(terse|concise|brief|one sentence)\b", si):
        text = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    if "pirate" in si:
        for pattern, repl in _PIRATE:
            text = re.sub(pattern, repl, text)
        text = _GREETING[language(system_instruction)] + text
        if not text.rstrip().endswith("matey!"):
            text = text.rstrip() + " Yo-ho-ho, matey!"
    if re.search(r"\b(upper ?case|all caps|shout)\b", si):
        text = text.upper()
    return text
