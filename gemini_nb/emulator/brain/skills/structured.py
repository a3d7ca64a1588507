"""Structured output: JSON text that validates against the schema the client asked for.

Clients parse structured answers with pydantic or jsonschema, so the reply must be *valid*
first and *plausible* second; :func:`.schema_gen.generate` gives both. This module only
decides **whether** JSON was requested and **which schema** applies, across every wire
form a client can use (see the module-level :func:`json_request`):

* a raw JSON Schema as ``response_format`` (all generations);
* a typed text format ``{"type": "text", "mime_type": "application/json", "schema": ...}``
  (3.x; 2.0.0's ``mimeType`` arrives renamed by :func:`..validate.snake_keys`);
* either of those inside a ``response_format`` list;
* the legacy ``response_mime_type: "application/json"`` (with or without a schema) and
  ``"text/x.enum"`` (answer with one enum value as plain text).

Without any of those, a prompt that asks for JSON in words ("return JSON with fields name,
age and city") gets a fenced ```json block, as a model answers outside JSON mode, shaped by
:func:`prose_schema`.

Image/audio/video formats belong to the media skill, which runs earlier; when a list mixes
them with a JSON text format, the media skill answers (it owns interleaved output).
Bad schemas raise :class:`.schema_gen.SchemaError` (a ValueError, hence a 400) whose message
names the offending ``response_format...`` path, as the real service does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..base import Reply, TurnContext, text_step
from ..lib.schema_gen import SchemaError, check_schema, generate
from ..lib.vocab import NUMBER_WORDS, analyze_prompt, split_words

JSON_MIME = "application/json"
ENUM_MIME = "text/x.enum"
TYPED_KINDS = ("text", "image", "audio", "video")
_TEXT_FORMAT_KEYS = {"type", "mime_type", "schema", "response_format_schema"}


@dataclass
class JsonRequest:
    """What the client asked for: a schema (or None for "any JSON") and where it came from."""

    schema: Any
    path: str
    mime: str = JSON_MIME


def _is_typed(fmt: Any) -> bool:
    """A typed output format (``{"type": "text"|"image"|...}``) rather than a raw JSON Schema."""
    return isinstance(fmt, dict) and fmt.get("type") in TYPED_KINDS


def _from_format(fmt: Any, path: str, mime: str | None) -> JsonRequest | None:
    """The JSON request one ``response_format`` item makes, or None (plain text / media)."""
    if not isinstance(fmt, dict):
        if isinstance(fmt, bool):  # ``true``/``false`` are JSON Schemas too
            return JsonRequest(fmt, path)
        raise SchemaError(path, f"expected a JSON Schema or a format object, got {type(fmt).__name__}")
    if not _is_typed(fmt):
        return JsonRequest(fmt, path, ENUM_MIME if mime == ENUM_MIME else JSON_MIME)
    if fmt["type"] != "text":
        return None
    extra = {k: v for k, v in fmt.items() if k not in _TEXT_FORMAT_KEYS}
    if extra and "schema" not in fmt:
        # google-genai 3.x turns a raw schema without a top-level "type" (pydantic's anyOf,
        # allOf, $ref roots) into {"type": "text", ...the schema}: undo that
        return JsonRequest(extra, path)
    fmt_mime = str(fmt.get("mime_type") or mime or "").lower()
    schema = fmt.get("schema", fmt.get("response_format_schema"))
    if schema is not None:
        return JsonRequest(schema, f"{path}.schema", ENUM_MIME if fmt_mime == ENUM_MIME else JSON_MIME)
    if fmt_mime == JSON_MIME:
        return JsonRequest(None, path)
    return None


def json_request(ctx: TurnContext) -> JsonRequest | None:
    """Whether this turn must answer in JSON (or an enum value), and against which schema.

    Also checks the schema, so a malformed one is a 400 even on turns that end up calling
    functions instead of answering.
    """
    rf = ctx.response_format
    mime = ctx.request.get("response_mime_type")
    mime = mime.lower() if isinstance(mime, str) else None
    found: JsonRequest | None = None
    if isinstance(rf, list):
        if any(_is_typed(f) and f.get("type") != "text" for f in rf):
            found = None  # mixed media output: the media skill's turn
        else:
            for i, fmt in enumerate(rf):
                found = _from_format(fmt, f"response_format[{i}]", mime)
                if found is not None:
                    break
    elif rf is not None:
        found = _from_format(rf, "response_format", mime)
    elif mime == JSON_MIME:
        found = JsonRequest(None, "response_mime_type")
    if found is not None and found.schema is not None:
        check_schema(found.schema, found.path)
    return found


def free_schema(prompt: str) -> dict[str, Any]:
    """A schema for "some JSON, please" (JSON mode without a schema), shaped by the prompt.

    A model in JSON mode answers with an object whose keys follow the request: a counted
    list ("three cities") becomes ``{"cities": [...3 items]}``; anything else a small
    ``{"topic", "answer", "key_points"}`` summary.
    """
    info = analyze_prompt(prompt)
    for count, words in info.counts:
        noun = words[0] if words and words[0] else info.noun or "item"
        key = noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
        if noun.endswith("y") and noun[-2:-1] not in "aeiou":
            key = noun[:-1] + "ies"
        key = "_".join(split_words(key)) or "items"
        return {
            "type": "object",
            "required": [key],
            "properties": {
                key: {"type": "array", "minItems": count, "maxItems": count, "items": {"type": "string"}}
            },
        }
    topic = {"type": "string", "const": info.topic} if info.topic else {"type": "string"}
    return {
        "type": "object",
        "required": ["topic", "answer", "key_points"],
        "properties": {
            "topic": topic,
            "answer": {"type": "string", "description": "a one-sentence answer"},
            "key_points": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}},
        },
    }


_ASKS_JSON = re.compile(
    r"\b(?:as|into|return|returns|output|respond with|reply with|give me|produce|"
    r"format(?:ted)? as)\s+(?:a |an |valid |the )?json\b|\bin json format\b|"
    r"\bjson (?:object|array|list)\b",
    re.I,
)
_FIELDS = re.compile(
    r"\b(?:fields?|keys?|properties|attributes|columns)\s*(?::|called|named)?\s*"
    r"([\w\-]+(?:\s*,\s*(?:and\s+)?[\w\-]+|\s+and\s+[\w\-]+)*)",
    re.I,
)
_INT_WORDS = (
    "age",
    "count",
    "year",
    "quantity",
    "number",
    "rank",
    "population",
    "minutes",
    "servings",
    "pages",
    "id",
    "calories",
)
_NUM_WORDS = ("price", "score", "rating", "amount", "cost", "temperature", "height", "weight", "salary")
_LIST_WORDS = ("ingredients", "tags", "steps", "items", "skills", "hobbies", "keywords", "authors", "genres")


_COUNT_WORDS = "|".join(w for w in NUMBER_WORDS if w not in ("few", "couple", "pair"))


def _field_schema(name: str) -> dict[str, Any]:
    words = split_words(name)
    if words and words[0] in ("is", "has", "can", "should"):
        return {"type": "boolean"}
    if any(w in _LIST_WORDS for w in words):
        return {"type": "array", "items": {"type": "string"}}
    if any(w in _INT_WORDS for w in words):
        return {"type": "integer"}
    if any(w in _NUM_WORDS for w in words):
        return {"type": "number"}
    return {"type": "string"}


def prose_schema(prompt: str) -> dict[str, Any] | None:
    """The schema a prompt describes in words, or None when it does not ask for JSON.

    "Return JSON with fields name, age and city" gives an object with exactly those keys
    (types guessed from the names); "a JSON list of 3 books with fields title and author"
    gives an array of 3 such objects. Without named fields, :func:`free_schema` applies.
    """
    if not _ASKS_JSON.search(prompt):
        return None
    fields = _FIELDS.search(prompt)
    if not fields:
        return free_schema(prompt)
    names = [n.strip() for n in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", fields.group(1)) if n.strip()]
    names = list(dict.fromkeys("_".join(split_words(n)) for n in names if split_words(n)))[:20]
    if not names:
        return free_schema(prompt)
    obj = {
        "type": "object",
        "properties": {n: _field_schema(n) for n in names},
        "required": names,
        "additionalProperties": False,
    }
    many = re.search(
        r"\b(?:list|array) of (\d{1,2}|%s)\b|\b(\d{1,2}|%s) [a-z]+s? (?:with|having|each with)"
        % (_COUNT_WORDS, _COUNT_WORDS),
        prompt,
        re.I,
    )
    if many:
        word = (many.group(1) or many.group(2)).lower()
        n = int(word) if word.isdigit() else NUMBER_WORDS[word]
        return {"type": "array", "minItems": n, "maxItems": n, "items": obj}
    return obj


def structured_text(ctx: TurnContext, request: JsonRequest, prompt: str) -> str:
    """The answer text for ``request``: compact-ish JSON, or the bare value for enum mode."""
    schema = request.schema if request.schema is not None else free_schema(prompt)
    try:
        value = generate(schema, prompt=prompt, rng=ctx.rng, path=request.path)
    except (RecursionError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # a pathological schema the checker let through: still a client error, never a 500
        raise SchemaError(request.path, f"unsupported schema ({type(exc).__name__})") from None
    if request.mime == ENUM_MIME and isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class StructuredSkill:
    """Answers with schema-valid JSON when ``response_format``/``response_mime_type`` ask for it."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        if ctx.agent:
            return None
        request = json_request(ctx)
        if request is None:
            if ctx.response_format is not None or ctx.tools:
                return None
            prompt = ctx.last_user_text()
            schema = prose_schema(prompt)
            if schema is None:
                return None
            text = structured_text(ctx, JsonRequest(schema, "prompt"), prompt)
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            return Reply(steps=[text_step(f"```json\n{pretty}\n```")])
        return Reply(steps=[text_step(structured_text(ctx, request, ctx.task_text()))])
