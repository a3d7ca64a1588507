"""Validation of create requests and normalization of their input to steps.

The real service rejects malformed requests with 400 INVALID_ARGUMENT naming the field;
so does the emulator. Everything here raises :class:`ApiError` (never anything else) for
bad input, which is what keeps the emulator from ever answering 500 to a client mistake.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from .errors import ApiError, invalid

TOP_LEVEL = {
    "model",
    "agent",
    "input",
    "previous_interaction_id",
    "system_instruction",
    "tools",
    "generation_config",
    "agent_config",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "stream",
    "background",
    "store",
    "continuation_token",
    "cached_content",
    "safety_settings",
    "service_tier",
    "labels",
    "webhook_config",
    "environment",
}
CONTENT_TYPES = {"text", "image", "audio", "video", "document"}
STEP_TYPES = {
    "user_input",
    "model_output",
    "thought",
    "function_call",
    "function_result",
    "code_execution_call",
    "code_execution_result",
    "url_context_call",
    "url_context_result",
    "google_search_call",
    "google_search_result",
    "mcp_server_tool_call",
    "mcp_server_tool_result",
    "file_search_call",
    "file_search_result",
    "google_maps_call",
    "google_maps_result",
    "retrieval_call",
    "retrieval_result",
    "tool_search_call",
    "tool_search_result",
    "processing_call",
    "processing_result",
    "computer_use_call",
    "computer_use_result",
}
TOOL_TYPES = {
    "function",
    "google_search",
    "code_execution",
    "url_context",
    "computer_use",
    "mcp_server",
    "file_search",
    "google_maps",
    "retrieval",
    "tool_search",
}
GENERATION_KEYS = {
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "seed",
    "stop_sequences",
    "thinking_level",
    "thinking_summaries",
    "tool_choice",
    "speech_config",
    "image_config",
    "transcription_config",
    "video_config",
    "presence_penalty",
    "frequency_penalty",
    "candidate_count",
    "response_logprobs",
    "logprobs",
}
THINKING_LEVELS = {"minimal", "low", "medium", "high", "xhigh"}
TOOL_CHOICES = {"auto", "any", "none", "validated"}
MODALITIES = {"text", "image", "audio", "video", "document"}
SERVICE_TIERS = {"flex", "standard", "priority", "deferred"}
AGENT_CONFIG_TYPES = {"dynamic", "deep-research", "antigravity", "code-mender"}
KNOWN_AGENTS = {
    "deep-research-pro-preview-12-2025",
    "deep-research-preview-04-2026",
    "deep-research-max-preview-04-2026",
    "antigravity-preview-05-2026",
    "antigravity-preview-09-2026",
}
MODEL_RE = re.compile(r"^(models/)?(gemini|gemma|lyria|imagen|veo|learnlm)-[A-Za-z0-9.\-_]+$")
AGENT_RE = re.compile(r"^(deep-research|antigravity|code-mender)-[A-Za-z0-9.\-_]+$")
# camelCase spellings some SDK generations put on the wire (2.0.0, computer_use in 1.55).
CAMEL = {
    "mimeType": "mime_type",
    "aspectRatio": "aspect_ratio",
    "imageSize": "image_size",
    "sampleRate": "sample_rate",
    "bitRate": "bit_rate",
    "excludedPredefinedFunctions": "excluded_predefined_functions",
    "partialArguments": "partial_arguments",
    "callId": "call_id",
    "isError": "is_error",
}


_TYPED_FORMATS = ("text", "image", "audio", "video")
MAX_DEPTH = 100
"""Deepest JSON nesting accepted (the protobuf JSON parser of the real service stops at 100)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
"""Built once: ``json.loads`` with hooks builds a decoder per call."""


def loads_body(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body as strict JSON, raising :class:`ApiError` 400 on anything else.

    Python's ``json`` accepts ``NaN``/``Infinity`` (and turns ``1e309`` into ``inf``), which
    no JSON encoder of ours can write back; it also lets lone UTF-16 surrogates through and
    raises ``RecursionError`` on deep nesting. All of these are refused here, so nothing
    downstream ever meets a value it cannot serialize.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        if text.startswith("\ufeff"):  # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except RecursionError:
        raise ApiError(
            400, f"Invalid JSON payload received: nesting deeper than {max_depth} levels."
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"Invalid JSON payload received: {exc}") from None
    if isinstance(raw, (bytes, bytearray)) and _plainly_fine(text, max_depth):
        return value
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise ApiError(
                        400,
                        "Invalid JSON payload received: a string contains an "
                        "unpaired UTF-16 surrogate (invalid Unicode).",
                    ) from None
            continue
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise ApiError(400, f"Invalid JSON payload received: nesting deeper than {max_depth} levels.")
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
    return value


def _plainly_fine(text: str, max_depth: int) -> bool:
    """True when the text itself rules out what the walk below looks for: a lone surrogate
    can only come from a ``\\u`` escape (the text was decoded from strict UTF-8), and
    nesting deeper than ``max_depth`` needs more than ``max_depth`` opening brackets. Two
    C-speed scans instead of a Python walk over every value of every request."""
    return "\\u" not in text and text.count("[") + text.count("{") <= max_depth


def snake_keys(obj: Any) -> Any:
    """Rename the known camelCase wire spellings to snake_case, recursively (not in schemas)."""
    if isinstance(obj, list):
        return [snake_keys(x) for x in obj]
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key in ("parameters", "schema", "arguments", "result", "response_format_schema"):
                out[CAMEL.get(key, key)] = value
            elif key == "response_format":  # rename in typed formats, never inside a raw schema
                items = value if isinstance(value, list) else [value]
                fixed = [
                    snake_keys(f) if isinstance(f, dict) and f.get("type") in _TYPED_FORMATS else f
                    for f in items
                ]
                out[key] = fixed if isinstance(value, list) else fixed[0]
            else:
                out[CAMEL.get(key, key)] = snake_keys(value)
        return out
    return obj


def _one_of(value: Any, allowed: Any) -> bool:
    """``value in allowed`` for enum checks, False (not TypeError) for a dict or list value."""
    return isinstance(value, str) and value in allowed


def _expect(value: Any, kind: type | tuple, field: str, what: str) -> None:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise invalid(field, f"expected {what}, got a boolean")
    if not isinstance(value, kind):
        raise invalid(field, f"expected {what}, got {type(value).__name__}")


def validate_create(body: Any, agents: Any = ()) -> dict[str, Any]:
    """Check a create body; return it normalized (snake_case, lower-case enums).

    ``agents``: ids of saved custom agents (anything with ``in``), accepted as ``agent``.
    """
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received: the request body must be a JSON object.")
    unknown = sorted(set(body) - TOP_LEVEL)
    if unknown:
        raise invalid(unknown[0], f'Unknown name "{unknown[0]}": Cannot find field.')
    body = snake_keys(body)
    _validate_target(body, agents)
    _validate_flags(body)
    if body.get("system_instruction") is not None:
        body["system_instruction"] = _system_instruction(body["system_instruction"])
    if "input" not in body or body["input"] is None:
        if not body.get("continuation_token"):
            raise invalid("input", "'input' is required.")
    _validate_tools(body.get("tools"))
    _validate_generation_config(body.get("generation_config"))
    if body.get("response_modalities") is not None:
        body["response_modalities"] = _modalities(body["response_modalities"])
    _validate_extras(body)
    return body


def _validate_target(body: dict[str, Any], agents: Any) -> None:
    """Exactly one of a known ``model`` or ``agent``, each with only its own config."""
    model, agent = body.get("model"), body.get("agent")
    if model is not None and agent is not None:
        raise invalid("model", "'model' and 'agent' are mutually exclusive; set exactly one.")
    if model is None and agent is None:
        raise invalid("model", "one of 'model' or 'agent' is required.")
    if model is not None:
        _expect(model, str, "model", "a string")
        if not MODEL_RE.match(model):
            raise ApiError(
                404,
                f"models/{model} is not found for the interactions API, or is not "
                "supported. Check the model name.",
                "NOT_FOUND",
            )
        if body.get("agent_config") is not None:
            raise invalid("agent_config", "'agent_config' can only be used with 'agent'.")
    if agent is not None:
        _expect(agent, str, "agent", "a string")
        if agent not in KNOWN_AGENTS and not AGENT_RE.match(agent) and agent not in agents:
            raise ApiError(404, f"agents/{agent} is not found.", "NOT_FOUND")
        if body.get("generation_config") is not None:
            raise invalid(
                "generation_config", "'generation_config' cannot be used with 'agent'; use 'agent_config'."
            )


def _validate_flags(body: dict[str, Any]) -> None:
    """Boolean flags (a background run must be stored) and the string-valued fields."""
    for flag in ("stream", "background", "store"):
        if flag in body and not isinstance(body[flag], bool):
            raise invalid(flag, "expected a boolean")
    if body.get("background") and body.get("store") is False:
        raise invalid(
            "store",
            "'store' must be true when 'background' is true: background "
            "interactions are stored so they can be polled.",
        )
    for key in ("previous_interaction_id", "continuation_token", "cached_content", "response_mime_type"):
        if body.get(key) is not None:
            _expect(body[key], str, key, "a string")


def _system_instruction(si: Any) -> Any:
    """A string, or text content (``{"parts": ...}`` or a list of parts) flattened to its text."""
    if isinstance(si, (dict, list)):
        from .brain.base import content_text

        parts = si.get("parts", si) if isinstance(si, dict) else si
        if not isinstance(parts, (str, dict, list)):
            raise invalid("system_instruction", "expected a string or text content")
        return content_text(parts)
    _expect(si, str, "system_instruction", "a string")
    return si


def _modalities(mods: Any) -> list[str]:
    """``response_modalities`` lower-cased, each one a known modality."""
    _expect(mods, list, "response_modalities", "a list")
    norm = []
    for i, m in enumerate(mods):
        if not isinstance(m, str) or m.lower() not in MODALITIES:
            raise invalid(
                f"response_modalities[{i}]", f"unknown modality {m!r}; expected one of {sorted(MODALITIES)}"
            )
        norm.append(m.lower())
    return norm


def _validate_extras(body: dict[str, Any]) -> None:
    """Shapes of ``response_format``, ``agent_config``, ``service_tier``, ``labels``, ``safety_settings``."""
    rf = body.get("response_format")
    if rf is not None and not isinstance(rf, (dict, list)):
        raise invalid("response_format", "expected a JSON Schema object, a format object or a list")
    if body.get("agent_config") is not None:
        ac = body["agent_config"]
        _expect(ac, dict, "agent_config", "an object")
        if not _one_of(ac.get("type"), AGENT_CONFIG_TYPES):
            raise invalid("agent_config.type", f"expected one of {sorted(AGENT_CONFIG_TYPES)}")
    if body.get("service_tier") is not None and not _one_of(body["service_tier"], SERVICE_TIERS):
        raise invalid("service_tier", f"expected one of {sorted(SERVICE_TIERS)}")
    if body.get("labels") is not None:
        labels = body["labels"]
        _expect(labels, dict, "labels", "an object")
        for k, v in labels.items():
            if not isinstance(v, str):
                raise invalid(f"labels.{k}", "label values must be strings")
    if body.get("safety_settings") is not None:
        _expect(body["safety_settings"], list, "safety_settings", "a list")


def _validate_tools(tools: Any) -> None:
    if tools is None:
        return
    _expect(tools, list, "tools", "a list")
    names = set()
    for i, tool in enumerate(tools):
        field = f"tools[{i}]"
        _expect(tool, dict, field, "an object")
        kind = tool.get("type")
        if not _one_of(kind, TOOL_TYPES):
            raise invalid(
                f"{field}.type", f"unknown tool type {kind!r}; expected one of {sorted(TOOL_TYPES)}"
            )
        if kind == "function":
            name = tool.get("name")
            if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$", name):
                raise invalid(
                    f"{field}.name",
                    "a function needs a name of letters, digits, '_', '.' or '-' (at most 64 characters)",
                )
            if name in names:
                raise invalid(f"{field}.name", f"duplicate function name {name!r}")
            names.add(name)
            params = tool.get("parameters")
            if params is not None and not isinstance(params, dict):
                raise invalid(f"{field}.parameters", "expected a JSON Schema object")
        if kind == "mcp_server" and not isinstance(tool.get("url"), str):
            raise invalid(f"{field}.url", "an mcp_server tool needs a url")


def _validate_generation_config(gc: Any) -> None:
    if gc is None:
        return
    _expect(gc, dict, "generation_config", "an object")
    for key in gc:
        if key not in GENERATION_KEYS:
            raise invalid(f"generation_config.{key}", f'Unknown name "{key}": Cannot find field.')
    num = {
        "temperature": (0.0, 2.0),
        "top_p": (0.0, 1.0),
        "presence_penalty": (-2.0, 2.0),
        "frequency_penalty": (-2.0, 2.0),
    }
    for key, (lo, hi) in num.items():
        if gc.get(key) is not None:
            _expect(gc[key], (int, float), f"generation_config.{key}", "a number")
            if not lo <= gc[key] <= hi:
                raise invalid(f"generation_config.{key}", f"must be between {lo} and {hi}")
    for key in ("max_output_tokens", "top_k", "seed", "candidate_count"):
        if gc.get(key) is not None:
            _expect(gc[key], int, f"generation_config.{key}", "an integer")
            if key in ("max_output_tokens", "top_k", "candidate_count") and gc[key] < 1:
                raise invalid(f"generation_config.{key}", "must be a positive integer")
    if gc.get("stop_sequences") is not None:
        ss = gc["stop_sequences"]
        if not isinstance(ss, list) or not all(isinstance(s, str) for s in ss):
            raise invalid("generation_config.stop_sequences", "expected a list of strings")
    if gc.get("thinking_level") is not None:
        level = gc["thinking_level"]
        if not isinstance(level, str) or level.lower() not in THINKING_LEVELS:
            raise invalid(
                "generation_config.thinking_level",
                f"expected one of {sorted(THINKING_LEVELS)}, got {level!r}",
            )
        gc["thinking_level"] = level.lower()
    if gc.get("thinking_summaries") is not None and gc["thinking_summaries"] not in ("auto", "none"):
        raise invalid("generation_config.thinking_summaries", "expected 'auto' or 'none'")
    tc = gc.get("tool_choice")
    if tc is not None:
        if isinstance(tc, str):
            if tc not in TOOL_CHOICES:
                raise invalid("generation_config.tool_choice", f"expected one of {sorted(TOOL_CHOICES)}")
        elif isinstance(tc, dict):
            allowed = tc.get("allowed_tools")
            if not isinstance(allowed, dict) or not isinstance(allowed.get("tools", []), list):
                raise invalid(
                    "generation_config.tool_choice.allowed_tools", "expected {mode, tools: [names]}"
                )
        else:
            raise invalid("generation_config.tool_choice", "expected a string or an object")
    sc = gc.get("speech_config")
    if sc is not None and not isinstance(sc, (list, dict)):
        raise invalid("generation_config.speech_config", "expected an object or a list of speakers")
    if gc.get("image_config") is not None:
        _expect(gc["image_config"], dict, "generation_config.image_config", "an object")


# -- input normalization --------------------------------------------------------------


def standard_base64(data: str, field: str) -> str:
    """``data`` in the standard base64 alphabet; URL-safe base64 (``-``/``_``, padding optional)
    is accepted, as the real service does, and translated so every reader decodes it alike."""
    try:
        base64.b64decode(data, validate=True)
        return data
    except (binascii.Error, ValueError):
        pass
    if re.fullmatch(r"[A-Za-z0-9_\-]*={0,2}", data):
        fixed = data.rstrip("=").replace("-", "+").replace("_", "/")
        fixed += "=" * (-len(fixed) % 4)
        try:
            base64.b64decode(fixed, validate=True)
            return fixed
        except (binascii.Error, ValueError):
            pass
    raise invalid(field, "is not valid base64")


def _check_content(item: Any, field: str) -> dict[str, Any]:
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if not isinstance(item, dict):
        raise invalid(field, f"expected a content object, got {type(item).__name__}")
    kind = item.get("type")
    if kind is None and "text" in item:
        item = {"type": "text", **item}
        kind = "text"
    if not _one_of(kind, CONTENT_TYPES):
        raise invalid(
            f"{field}.type", f"unknown content type {kind!r}; expected one of {sorted(CONTENT_TYPES)}"
        )
    if kind == "text":
        if not isinstance(item.get("text"), str):
            raise invalid(f"{field}.text", "a text part needs a string 'text'")
    else:
        data, uri = item.get("data"), item.get("uri")
        if data is None and uri is None:
            raise invalid(field, f"a {kind} part needs 'data' (base64) or 'uri'")
        if data is not None:
            if not isinstance(data, str):
                raise invalid(f"{field}.data", "expected a base64 string")
            item = {**item, "data": standard_base64(data, f"{field}.data")}
        if uri is not None and not isinstance(uri, str):
            raise invalid(f"{field}.uri", "expected a string")
        if item.get("mime_type") is not None and not isinstance(item["mime_type"], str):
            raise invalid(f"{field}.mime_type", "expected a string")
    return item


def _check_step(step: dict[str, Any], field: str, ids: Any) -> dict[str, Any]:
    kind = step.get("type")
    if kind == "user_input" or kind == "model_output":
        content = step.get("content", [])
        if isinstance(content, (str, dict)):
            content = [content]
        if not isinstance(content, list):
            raise invalid(f"{field}.content", "expected a list of content parts")
        step = {
            **step,
            "content": [_check_content(c, f"{field}.content[{j}]") for j, c in enumerate(content)],
        }
    elif kind == "function_result":
        if not isinstance(step.get("call_id"), str):
            raise invalid(f"{field}.call_id", "a function_result needs the 'call_id' of its call")
    elif kind == "function_call":
        if not isinstance(step.get("name"), str):
            raise invalid(f"{field}.name", "a function_call needs a 'name'")
        if step.get("arguments") is not None and not isinstance(step["arguments"], dict):
            raise invalid(f"{field}.arguments", "expected an object")
    elif kind == "thought":
        summary = step.get("summary")
        if summary is not None:
            if isinstance(summary, (str, dict)):
                summary = [summary]
            if not isinstance(summary, list):
                raise invalid(f"{field}.summary", "expected a list of content parts")
            step = {
                **step,
                "summary": [_check_content(c, f"{field}.summary[{j}]") for j, c in enumerate(summary)],
            }
        sig = step.get("signature")
        if sig is not None and not isinstance(sig, str):
            raise invalid(f"{field}.signature", "expected a string")
        if sig is not None and ids is not None and not ids.verify(sig):
            raise invalid(
                f"{field}.signature",
                "invalid thought signature: it was not issued by this server or it was modified",
            )
    return step


def _turn_to_steps(turn: dict[str, Any], field: str, ids: Any) -> list[dict[str, Any]]:
    """Legacy ``{role, content}`` turn -> steps (user_input / model outputs)."""
    role = turn.get("role")
    if role not in ("user", "model"):
        raise invalid(f"{field}.role", "expected 'user' or 'model'")
    content = turn.get("content")
    if isinstance(content, (str, dict)):
        content = [content]
    if not isinstance(content, list):
        raise invalid(f"{field}.content", "expected a string or a list of content")
    steps: list[dict[str, Any]] = []
    bucket: list[dict[str, Any]] = []
    bucket_type = "user_input" if role == "user" else "model_output"

    def flush() -> None:
        if bucket:
            steps.append({"type": bucket_type, "content": list(bucket)})
            bucket.clear()

    for j, item in enumerate(content):
        f = f"{field}.content[{j}]"
        if isinstance(item, dict) and _one_of(item.get("type"), STEP_TYPES - {"user_input", "model_output"}):
            flush()
            steps.append(_check_step(item, f, ids))
        else:
            bucket.append(_check_content(item, f))
    flush()
    return steps


def normalize_input(value: Any, ids: Any = None) -> list[dict[str, Any]]:
    """Any accepted input form -> a list of steps (see the module docstring)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": value}]}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid("input", "expected a string, a content object or a list")
    if not value:
        raise invalid("input", "must not be empty")
    steps: list[dict[str, Any]] = []
    bucket: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        field = f"input[{i}]"
        if isinstance(item, dict) and "role" in item and "type" not in item:
            if bucket:
                steps.append({"type": "user_input", "content": bucket})
                bucket = []
            steps.extend(_turn_to_steps(item, field, ids))
        elif isinstance(item, dict) and _one_of(item.get("type"), STEP_TYPES):
            if bucket:
                steps.append({"type": "user_input", "content": bucket})
                bucket = []
            steps.append(_check_step(item, field, ids))
        else:
            bucket.append(_check_content(item, field))
    if bucket:
        steps.append({"type": "user_input", "content": bucket})
    return steps
