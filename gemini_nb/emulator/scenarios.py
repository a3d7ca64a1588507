"""Scenarios: YAML or JSON fixtures that script exact answers for chosen requests.

The generic brain is plausible but not *meaningful*; a tutorial that wants the model to say
something precise (or to call a tool, or to fail with a 429 once) scripts it here::

    scenarios:
      - name: capital
        match: {model: "gemini-3*", input: "(?i)capital of france", turn: 1}
        respond:
          - thought: {summary: "The user wants a capital city."}
          - text: "The capital of France is **Paris**."
      - name: rate-limit-once
        match: {input: "(?i)flaky"}
        times: 1
        error: {code: 429, message: "Resource exhausted.", retry_after: 1}

Matching: ``model`` / ``agent`` (globs), ``input`` (regex searched in the last user text),
``turn`` (1-based position in the chain; an int or a list), ``function_result`` (glob on the
name of a function whose result is in this turn's input). The first scenario that matches and
still has ``times`` left answers; everything else falls through to the generic skills.

Answers: a ``respond`` list of steps (``text``, ``thought``, ``function_call``, ``image``,
``audio``, any ``*_call``/``*_result`` tool step, or a raw ``step``), an HTTP ``error``, and/or
a ``stream_error`` that fails the interaction after the steps (an in-stream ``error`` event).
Documents are validated when loaded; errors name the source and the offending key.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import threading
from pathlib import Path
from typing import Any

from .brain import usage
from .brain.base import Reply, TurnContext, remembered
from .errors import ApiError

SCENARIO_KEYS = {
    "name",
    "match",
    "times",
    "respond",
    "error",
    "stream_error",
    "status",
    "model",
    "agent",
    "input",
    "turn",
    "function_result",
    "description",
}
MATCH_KEYS = {"model", "agent", "input", "turn", "function_result"}
STEP_KINDS = ("text", "thought", "function_call", "image", "audio", "step")
INPUT_KINDS = {"user_input", "function_result"}
SUFFIXES = (".yaml", ".yml", ".json")


class ScenarioError(ValueError):
    """A scenario document that cannot be used; the message names source and key."""


def _fail(where: str, problem: str) -> ScenarioError:
    return ScenarioError(f"{where}: {problem}")


class Scenario:
    """One compiled scenario: a matcher plus a recipe for the reply."""

    def __init__(self, doc: dict[str, Any], where: str):
        unknown = set(doc) - SCENARIO_KEYS
        if unknown:
            raise _fail(
                where,
                f"unknown key {sorted(unknown)[0]!r}; expected one of "
                f"{', '.join(sorted(SCENARIO_KEYS - {'description'}))}",
            )
        self.where = where
        self.name = str(doc.get("name") or where)
        match = doc.get("match") or {}
        if not isinstance(match, dict):
            raise _fail(f"{where}.match", "expected a mapping of model/agent/input/turn/function_result")
        bad = set(match) - MATCH_KEYS
        if bad:
            raise _fail(
                f"{where}.match",
                f"unknown key {sorted(bad)[0]!r}; expected one of {', '.join(sorted(MATCH_KEYS))}",
            )
        match = {**{k: doc[k] for k in MATCH_KEYS if k in doc}, **match}
        for key in ("model", "agent", "function_result"):
            if key in match and not isinstance(match[key], str):
                raise _fail(f"{where}.match.{key}", "expected a glob string")
        self.model, self.agent = match.get("model"), match.get("agent")
        self.function_result = match.get("function_result")
        self.input: re.Pattern | None = None
        if "input" in match:
            try:
                self.input = re.compile(str(match["input"]))
            except re.error as exc:
                raise _fail(f"{where}.match.input", f"invalid regular expression: {exc}") from None
        turn = match.get("turn")
        if turn is not None:
            turns = turn if isinstance(turn, list) else [turn]
            if not turns or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in turns):
                raise _fail(f"{where}.match.turn", "expected a positive integer or a list of them")
            turn = set(turns)
        self.turns: set[int] | None = turn
        times = doc.get("times")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise _fail(f"{where}.times", "expected a positive integer")
        self.remaining: int | None = times
        self.hits = 0
        respond = doc.get("respond", [])
        if isinstance(respond, str):
            respond = [{"text": respond}]
        if not isinstance(respond, list):
            raise _fail(f"{where}.respond", "expected a list of steps or a string")
        self.steps = [_check_step(item, f"{where}.respond[{i}]") for i, item in enumerate(respond)]
        self.error = _check_error(doc.get("error"), f"{where}.error", http=True)
        self.stream_error = _check_error(doc.get("stream_error"), f"{where}.stream_error", http=False)
        if self.error and self.steps:
            raise _fail(
                f"{where}.error",
                "an HTTP error answers instead of steps; use stream_error to fail after some steps",
            )
        if not (self.error or self.steps or self.stream_error):
            raise _fail(where, "needs 'respond', 'error' or 'stream_error'")
        self.status = doc.get("status")
        if self.status is not None and self.status not in ("completed", "incomplete", "requires_action"):
            raise _fail(f"{where}.status", "expected completed, incomplete or requires_action")

    # -- matching -------------------------------------------------------------------
    def matches(self, ctx: TurnContext) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.model is not None and not fnmatch.fnmatchcase(ctx.model or "", self.model):
            return False
        if self.agent is not None and not fnmatch.fnmatchcase(ctx.agent or "", self.agent):
            return False
        if self.turns is not None and turn_index(ctx) not in self.turns:
            return False
        if self.input is not None and not self.input.search(ctx.last_user_text()):
            return False
        if self.function_result is not None:
            names = [str(s.get("name") or "") for s in ctx.function_results()]
            names += [_call_name(ctx, s.get("call_id")) for s in ctx.function_results()]
            if not any(fnmatch.fnmatchcase(n, self.function_result) for n in names if n):
                return False
        return True

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.where, "hits": self.hits, "remaining": self.remaining}

    # -- answering ------------------------------------------------------------------
    def reply(self, ctx: TurnContext) -> Reply:
        if self.error:
            err = self.error
            headers = {"retry-after": str(err["retry_after"])} if err.get("retry_after") else None
            raise ApiError(err["code"], err["message"], err.get("status"), headers=headers)
        steps: list[dict[str, Any]] = []
        last_call: str | None = None
        for n, item in enumerate(self.steps):
            step = _build_step(item, ctx, f"scenario:{self.name}:{n}", last_call)
            if step.get("type", "").endswith("_call") or step.get("type") == "function_call":
                last_call = step.get("id")
            steps.append(step)
        if self.stream_error:
            return Reply(steps=steps, status="failed", error=dict(self.stream_error))
        status = self.status or (
            "requires_action" if any(s.get("type") == "function_call" for s in steps) else "completed"
        )
        reply = Reply(steps=steps, status=status)
        reply.usage = self._usage(ctx, reply)
        return reply

    def _usage(self, ctx: TurnContext, reply: Reply) -> dict[str, Any]:
        """Token counts for a scripted answer, computed as for the brain's own answers (a scripted
        turn used to report 0 in / 0 out). A scripted thought costs what the brain's thoughts cost
        at the request's thinking level, plus its summary, whether or not the summary is sent."""
        from .brain import thinking

        thought_tokens = 0
        for item in self.steps:
            if "thought" not in item:
                continue
            body = item["thought"]
            summary = body if isinstance(body, str) else body.get("summary")
            texts = [summary] if isinstance(summary, str) else list(summary or [])
            base = thinking.LEVEL_TOKENS.get(thinking.level(ctx), 256) if thinking.thinks(ctx) else 0
            thought_tokens += base + sum(usage.text_tokens(str(t)) for t in texts)
        return usage.compute(ctx, reply, thought_tokens)


def _call_name(ctx: TurnContext, call_id: Any) -> str:
    for step in ctx.conversation:
        if step.get("type") == "function_call" and step.get("id") == call_id:
            return str(step.get("name") or "")
    return ""


def turn_index(ctx: TurnContext) -> int:
    """1-based position of this turn in its chain: the number of input runs so far.

    Server-side history and stateless history look alike here: every run of input steps
    (user text or function results) that follows model output starts a new turn.
    """
    turns, in_input = 0, False
    for step in ctx.conversation:
        is_input = step.get("type") in INPUT_KINDS
        if is_input and not in_input:
            turns += 1
        in_input = is_input
    return max(turns, 1)


def _check_error(value: Any, where: str, http: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"message": value}
    if not isinstance(value, dict):
        raise _fail(where, "expected a mapping with code and message")
    allowed = {"code", "message", "status", "retry_after"} if http else {"code", "message"}
    bad = set(value) - allowed
    if bad:
        raise _fail(where, f"unknown key {sorted(bad)[0]!r}; expected one of {', '.join(sorted(allowed))}")
    message = str(value.get("message") or "Scripted error.")
    if http:
        code = value.get("code", 500)
        if not isinstance(code, int) or not 400 <= code <= 599:
            raise _fail(f"{where}.code", "expected an HTTP error status (400-599)")
        return {
            "code": code,
            "message": message,
            "status": value.get("status"),
            "retry_after": value.get("retry_after"),
        }
    code = value.get("code", "internal")
    return {"code": str(code), "message": message}


def _check_step(item: Any, where: str) -> dict[str, Any]:
    if isinstance(item, str):
        return {"text": item}
    if not isinstance(item, dict) or not item:
        raise _fail(where, "expected a mapping such as {text: ...}")
    kinds = [k for k in item if k in STEP_KINDS or k.endswith(("_call", "_result"))]
    if len(kinds) != 1:
        unknown = [k for k in item if k not in ("annotations",)]
        raise _fail(
            where,
            f"unknown step key {unknown[0] if unknown else None!r}; expected one of "
            f"{', '.join(STEP_KINDS)} or a *_call / *_result tool step",
        )
    kind = kinds[0]
    extra = set(item) - {kind} - ({"annotations"} if kind == "text" else set())
    if extra:
        raise _fail(f"{where}.{sorted(extra)[0]}", f"not allowed next to {kind!r}")
    body = item[kind]
    if kind == "text" and not isinstance(body, str):
        raise _fail(f"{where}.text", "expected a string")
    if kind == "thought" and not isinstance(body, (str, dict)):
        raise _fail(f"{where}.thought", "expected a string or {summary: ...}")
    if kind == "function_call":
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise _fail(f"{where}.function_call", "needs a 'name'")
        if not isinstance(body.get("arguments", {}), dict):
            raise _fail(f"{where}.function_call.arguments", "expected a mapping")
    if kind in ("image", "audio"):
        body = {"prompt" if kind == "image" else "text": body} if isinstance(body, str) else body
        if not isinstance(body, dict):
            raise _fail(f"{where}.{kind}", "expected a string or a mapping")
        item = {kind: body}
    if kind == "step" and (not isinstance(body, dict) or not isinstance(body.get("type"), str)):
        raise _fail(f"{where}.step", "a raw step needs a 'type'")
    if kind.endswith(("_call", "_result")) and kind != "function_call" and not isinstance(body, dict):
        raise _fail(f"{where}.{kind}", "expected a mapping of the step's fields")
    return item


def _build_step(item: dict[str, Any], ctx: TurnContext, seed: str, last_call: str | None) -> dict[str, Any]:
    kind = next(k for k in item if k != "annotations")
    body = item[kind]
    if kind == "text":
        part: dict[str, Any] = {"type": "text", "text": body}
        if item.get("annotations"):
            part["annotations"] = item["annotations"]
        return {"type": "model_output", "content": [part]}
    if kind == "thought":
        summary = body if isinstance(body, str) else body.get("summary")
        step: dict[str, Any] = {"type": "thought", "signature": ctx.ids.sign(seed)}
        texts = [summary] if isinstance(summary, str) else list(summary or [])
        if texts and ctx.generation_config.get("thinking_summaries", "auto") != "none":
            step["summary"] = [{"type": "text", "text": str(t)} for t in texts]
        return step
    if kind == "function_call":
        return {
            "type": "function_call",
            "id": body.get("id") or ctx.ids.call_id(),
            "name": body["name"],
            "arguments": dict(body.get("arguments") or {}),
        }
    if kind == "image":
        from .brain.lib.image_gen import render_image

        mime = body.get("mime_type", "image/png")
        data = render_image(
            str(body.get("prompt") or ctx.last_user_text()),
            aspect_ratio=str(body.get("aspect_ratio", "1:1")),
            image_size=str(body.get("image_size", "1K")),
            mime_type=mime,
        )
        return {
            "type": "model_output",
            "content": [{"type": "image", "mime_type": mime, "data": base64.b64encode(data).decode()}],
        }
    if kind == "audio":
        from .brain.lib import speech

        pcm = speech.synthesize(str(body.get("text") or ""), body.get("voice") or speech.DEFAULT_VOICE)
        return {
            "type": "model_output",
            "content": [
                {"type": "audio", "mime_type": speech.MIME_TYPE, "data": base64.b64encode(pcm).decode()}
            ],
        }
    if kind == "step":
        return json.loads(json.dumps(body))
    step = {"type": kind, **json.loads(json.dumps(body))}
    if kind.endswith("_call"):
        step.setdefault("id", ctx.ids.call_id())
    elif last_call is not None:
        step.setdefault("call_id", last_call)
    return step


# -- loading --------------------------------------------------------------------------


def parse(text: str, source: str) -> list[Scenario]:
    """Scenarios from one YAML/JSON text: a list, ``{scenarios: [...]}``, or YAML documents."""
    import yaml

    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML/JSON: {str(exc).splitlines()[0]}") from None
    items: list[tuple[Any, str]] = []
    for d, doc in enumerate(docs):
        label = source if len(docs) == 1 else f"{source}#{d + 1}"
        if isinstance(doc, dict) and "scenarios" in doc:
            bad = set(doc) - {"scenarios"}
            if bad:
                raise ScenarioError(
                    f"{label}: unknown top-level key {sorted(bad)[0]!r}; expected 'scenarios'"
                )
            doc = doc["scenarios"]
        if isinstance(doc, dict):
            doc = [doc]
        if not isinstance(doc, list):
            raise ScenarioError(f"{label}: expected a list of scenarios or {{scenarios: [...]}}")
        items.extend((s, f"{label}: scenarios[{i}]") for i, s in enumerate(doc))
    out = []
    for doc, where in items:
        if not isinstance(doc, dict):
            raise ScenarioError(f"{where}: expected a mapping")
        out.append(Scenario(doc, where))
    return out


def load_path(path: str | Path) -> list[Scenario]:
    """Scenarios from a file, or from every ``*.yaml``/``*.yml``/``*.json`` in a directory."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise ScenarioError(f"{path}: no such scenario file or directory")
    out: list[Scenario] = []
    for file in files:
        out.extend(parse(file.read_text(encoding="utf-8"), file.name))
    return out


class ScenarioBook:
    """The loaded scenarios of one emulator, in load order; thread-safe (brains may run in threads)."""

    def __init__(self) -> None:
        self.items: list[Scenario] = []
        self._lock = threading.Lock()

    def add(self, scenarios: list[Scenario]) -> None:
        with self._lock:
            self.items.extend(scenarios)

    def clear(self) -> None:
        with self._lock:
            self.items.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [s.describe() for s in self.items]

    def pick(self, ctx: TurnContext) -> Scenario | None:
        if not self.items:  # an empty book (the common case) needs no lock
            return None
        with self._lock:
            for scenario in self.items:
                if scenario.matches(ctx):
                    scenario.hits += 1
                    if scenario.remaining is not None:
                        scenario.remaining -= 1
                    return scenario
        return None


class ScenarioSkill:
    """Skill #1 of the pipeline: answers from the book when a scenario matches."""

    def __init__(self, book: ScenarioBook | None = None):
        self.book = book or ScenarioBook()

    def respond(self, ctx: TurnContext) -> Reply | None:
        scenario = self.book.pick(ctx)
        return scenario.reply(ctx) if scenario is not None else None


class ScenarioBrain:
    """Puts a book in front of a custom brain that has no scenario skill of its own."""

    returns_inner_reply = True
    """Its answer is the inner brain's reply object as that returned it (or a scripted one):
    the store may keep a remembered reply's blob (``Emulator._passes_replies_on``)."""

    def __init__(self, book: ScenarioBook, inner: Any):
        self.book, self.inner = book, inner

    def remembered(self, key: bytes) -> bytes | None:
        """Only an empty book has no say in a turn."""
        return None if self.book.items else remembered(self.inner, key)

    def respond(self, ctx: TurnContext) -> Reply:
        scenario = self.book.pick(ctx)
        return scripted_reply(scenario, ctx) if scenario is not None else self.inner.respond(ctx)


def scripted_reply(scenario: Scenario, ctx: TurnContext) -> Reply:
    """The scenario's reply with token usage counted like any other answer (the input re-read, the
    scripted output; scripted thought summaries as thought tokens), so a scripted turn's tokens
    and costs are not zero."""

    reply = scenario.reply(ctx)
    if reply.usage is None:
        thoughts = sum(
            usage.text_tokens(str(part.get("text") or ""))
            for step in reply.steps
            if step.get("type") == "thought"
            for part in step.get("summary") or []
        )
        reply.usage = usage.compute(ctx, reply, thoughts)
    return reply

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class ScenariosExtension:
    """Scripted answers in front of the brain, and the book ``/_emulator/scenarios`` edits.

    Always a :class:`ScenarioBrain` layer, so scenarios win over any layer inside it. The
    stock pipeline's own :class:`ScenarioSkill` (its first skill, for brains used without
    the app) shares the same book: a request the layer did not match cannot match there.
    """

    def __init__(self, scenarios: list[Scenario] | None = None):
        self.book = ScenarioBook()
        self._initial = list(scenarios or [])

    def routes(self) -> list:
        return []  # edited through the control plane

    def wrap_brain(self, brain: Any) -> Any:
        for skill in getattr(brain, "skills", None) or []:
            if isinstance(skill, ScenarioSkill):
                self.book = skill.book
                break
        brain = ScenarioBrain(self.book, brain)
        self.book.add(self._initial)
        self._initial = []
        return brain
