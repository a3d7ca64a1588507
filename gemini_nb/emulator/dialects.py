"""The two wire generations: which one a request speaks, and how a stored interaction looks in it.

Internally everything is in the **steps** schema. The legacy **outputs** schema
(google-genai 1.x) is derived here: ``model_output`` steps are flattened into their content
blocks, ``user_input`` steps disappear, ``role: "model"`` is added, and usage carries
``total_reasoning_tokens``.
"""

from __future__ import annotations

from typing import Any

STEPS, LEGACY = "steps", "legacy"


def choose(headers: Any, override: str = "auto") -> str:
    """Pick the schema for one request (first match wins; see the module docstring)."""
    if override in (STEPS, LEGACY):
        return override
    forced = headers.get("x-emulator-schema")
    if forced in (STEPS, LEGACY):
        return forced
    revision = headers.get("api-revision")
    if revision:
        return LEGACY if revision.strip() <= "2026-05-07" else STEPS
    client = headers.get("x-goog-api-client", "") or ""
    agents = client + " " + (headers.get("user-agent", "") or "")
    if "google-genai-sdk/1." in agents or "google-genai-sdk/0." in agents:
        return LEGACY
    return STEPS


# Step types the 1.x outputs schema has no block for (1.55 would mis-parse them as text).
STEPS_ONLY = {
    "file_search_call",
    "google_maps_call",
    "google_maps_result",
    "retrieval_call",
    "retrieval_result",
    "tool_search_call",
    "tool_search_result",
    "processing_call",
    "processing_result",
}


def legacy_annotations(text: str, annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """3.x typed citations -> 1.x ``{start_index, end_index, source}`` with UTF-8 byte offsets.

    Internally offsets index the Python string; the 1.x schema documents byte offsets, which
    differ as soon as the text before a citation has non-ASCII characters.
    """
    out = []
    for ann in annotations:
        ann = dict(ann)
        for key in ("start_index", "end_index"):
            if isinstance(ann.get(key), int):
                ann[key] = len(text[: ann[key]].encode("utf-8"))
        ann.setdefault("source", ann.get("url") or ann.get("file_name") or ann.get("name"))
        out.append(ann)
    return out


def steps_to_outputs(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Output steps -> legacy ``outputs`` blocks."""
    outputs: list[dict[str, Any]] = []
    for step in steps:
        kind = step.get("type")
        if kind == "user_input" or kind in STEPS_ONLY:
            continue
        if kind == "model_output":
            for block in json_copy(step.get("content") or []):
                if block.get("type") == "text" and block.get("annotations"):
                    block["annotations"] = legacy_annotations(block.get("text", ""), block["annotations"])
                outputs.append(block)
        else:
            outputs.append(json_copy(step))
    return outputs


def legacy_usage(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    out = dict(usage)
    out.setdefault("total_reasoning_tokens", out.get("total_thought_tokens", 0))
    return out


LEGACY_STATUSES = {"in_progress", "requires_action", "completed", "failed", "cancelled"}


def wire_status(status: str, dialect: str) -> str:
    """A status as ``dialect`` knows it: the 1.x schema has no ``queued``, ``incomplete``,
    ``budget_exceeded``... (an interaction created by a 3.x client can be read by a 1.x one)."""
    if dialect != LEGACY or status in LEGACY_STATUSES:
        return status
    return "in_progress" if status in ("queued", "requires_continuation") else "completed"


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): what ``copy.deepcopy`` gives
    for it, several times faster (no memo, no dispatch table); other objects are shared."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(json_copy(v) for v in value)
    return value


def shell(record: Any, dialect: str, status: str | None = None) -> dict[str, Any]:
    """The identity part of an interaction (no steps/outputs)."""
    body: dict[str, Any] = {
        "id": record.id,
        "object": "interaction",
        "status": wire_status(status or record.status, dialect),
        "created": record.created,
        "updated": record.updated,
    }
    if record.agent:
        body["agent"] = record.agent
    else:
        body["model"] = record.model
    if dialect == LEGACY:
        body["role"] = "model"
    else:
        body["service_tier"] = record.request.get("service_tier") or "standard"
    if record.previous_interaction_id:
        body["previous_interaction_id"] = record.previous_interaction_id
    return body


def render(
    record: Any,
    dialect: str,
    *,
    timeline: bool = False,
    include_input: bool = False,
    output_steps: list[dict[str, Any]] | None = None,
    copy: bool = True,
) -> dict[str, Any]:
    """The Interaction resource as a client of ``dialect`` expects it.

    ``timeline`` (GET in the steps schema) puts this turn's input steps before the outputs.
    ``output_steps`` overrides the stored outputs (a background run shows its progress).
    ``copy=False`` shares the record's steps instead of copying them: only for a body that
    is serialized at once and never kept (a fresh create's answer).
    """
    outputs = record.output_steps if output_steps is None else output_steps
    body = shell(record, dialect)
    if dialect == LEGACY:
        body["outputs"] = steps_to_outputs(outputs)
        if record.usage is not None:
            body["usage"] = legacy_usage(record.usage)
    else:
        steps = json_copy(record.input_steps) if timeline else []
        steps.extend(json_copy(outputs) if copy else outputs)
        body["steps"] = steps
        if record.usage is not None:
            body["usage"] = dict(record.usage)
        if record.error:
            body["errors"] = [record.error]
    if include_input:
        body["input"] = json_copy(record.request.get("input"))
    return body
