"""Token accounting that adds up: input = everything the model re-reads, totals = sum of parts."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from .base import Reply, TurnContext, folded
from .lib.media_inspect import inspect_part

IMAGE_TOKENS = 258  # per input image (documented default resolution)
IMAGE_OUT_TOKENS = 1290  # per generated image
AUDIO_TOKENS_PER_S = 32
PCM_BYTES_PER_S = 24000 * 2
GROUNDING_CALLS = ("google_search_call", "google_maps_call", "retrieval_call")


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


def audio_seconds(part: dict[str, Any]) -> float:
    """Duration of an audio part, read from its WAV header or PCM mime parameters.

    Falls back to raw 24 kHz 16-bit mono (what TTS returns) when the bytes say nothing,
    and to one second for audio given only by ``uri``.
    """
    if not isinstance(part.get("data"), str):
        return 1.0
    try:
        duration = inspect_part(part).get("duration_s")
    except ValueError:
        duration = None
    if duration:
        return max(0.1, float(duration))
    return max(0.1, len(part["data"]) * 3 / 4 / PCM_BYTES_PER_S)


def image_out_tokens(model: str | None, part: dict[str, Any]) -> int:
    """Billed tokens of one generated image, as published per model family.

    Gemini 3 image models bill 1120 tokens up to 2K and 2000 at 4K; Gemini 2.5 Flash
    Image bills a flat 1290.
    """
    if "gemini-3" not in str(model or ""):
        return IMAGE_OUT_TOKENS
    try:
        info = inspect_part(part)
    except ValueError:
        info = {}
    return 2000 if max(info.get("width") or 0, info.get("height") or 0) > 3500 else 1120


def _part_tokens(part: dict[str, Any], modality: dict[str, int]) -> None:
    kind = part.get("type", "text")
    if kind == "text":
        modality["text"] = modality.get("text", 0) + text_tokens(str(part.get("text", "")))
    elif kind == "image":
        modality["image"] = modality.get("image", 0) + IMAGE_TOKENS
    elif kind == "audio":
        modality["audio"] = modality.get("audio", 0) + math.ceil(audio_seconds(part) * AUDIO_TOKENS_PER_S)
    elif kind == "video":
        modality["video"] = modality.get("video", 0) + 263 * 10
    elif kind == "document":
        pages = 1
        if isinstance(part.get("data"), str):
            try:
                pages = max(
                    1,
                    base64.b64decode(part["data"]).count(b"/Type /Page")
                    - base64.b64decode(part["data"]).count(b"/Type /Pages"),
                )
            except Exception:
                pages = 1
        modality["document"] = modality.get("document", 0) + 258 * pages


def step_tokens(step: dict[str, Any], modality: dict[str, int]) -> None:
    kind = step.get("type")
    if kind in ("user_input", "model_output"):
        for part in step.get("content") or []:
            if isinstance(part, dict):
                _part_tokens(part, modality)
    elif kind == "thought":
        for part in step.get("summary") or []:
            if isinstance(part, dict):
                _part_tokens(part, modality)
    else:
        payload = {k: v for k, v in step.items() if k not in ("signature",)}
        modality["text"] = modality.get("text", 0) + text_tokens(json.dumps(payload, default=str))


def _by_modality(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"modality": k, "tokens": v} for k, v in counts.items() if v]


def compute(ctx: TurnContext, reply: Reply, thought_tokens: int = 0) -> dict[str, Any]:
    """Usage for one turn: the context re-read as input, outputs and thoughts as output."""
    summary = folded(ctx.history)  # the history's share, folded once per chain (see .history)
    inputs = dict(summary.input_tokens) if summary is not None else {}
    for step in ctx.input_steps if summary is not None else ctx.conversation:
        step_tokens(step, inputs)
    if ctx.system_instruction:
        inputs["text"] = inputs.get("text", 0) + text_tokens(ctx.system_instruction)
    if ctx.tools:
        inputs["text"] = inputs.get("text", 0) + text_tokens(json.dumps(ctx.tools))
    outputs: dict[str, int] = {}
    tool_use = 0
    for step in reply.steps:
        kind = step.get("type")
        if kind == "thought":
            continue
        if kind.endswith("_result") and kind != "function_result":
            bucket: dict[str, int] = {}
            step_tokens(step, bucket)
            tool_use += sum(bucket.values())
            continue
        if kind == "model_output":
            for part in step.get("content") or []:
                if part.get("type") == "image":
                    outputs["image"] = outputs.get("image", 0) + image_out_tokens(ctx.model, part)
                elif part.get("type") == "audio" and isinstance(part.get("data"), str):
                    secs = audio_seconds(part)
                    outputs["audio"] = outputs.get("audio", 0) + math.ceil(secs * AUDIO_TOKENS_PER_S)
                else:
                    _part_tokens(part, outputs)
        else:
            step_tokens(step, outputs)
    total_in, total_out = sum(inputs.values()), sum(outputs.values())
    usage = {
        "total_input_tokens": total_in,
        "total_output_tokens": total_out,
        "total_thought_tokens": thought_tokens,
        "total_cached_tokens": 0,
        "total_tool_use_tokens": tool_use,
        "total_tokens": total_in + total_out + thought_tokens + tool_use,
        "input_tokens_by_modality": _by_modality(inputs),
        "output_tokens_by_modality": _by_modality(outputs),
    }
    if tool_use:
        usage["tool_use_tokens_by_modality"] = [{"modality": "text", "tokens": tool_use}]
    grounding: dict[str, int] = {}
    for step in reply.steps:
        kind = str(step.get("type"))
        if kind in GROUNDING_CALLS:
            grounding[kind[:-5]] = grounding.get(kind[:-5], 0) + 1
    if grounding:  # search/maps/retrieval calls are billed per use (3.x usage field)
        usage["grounding_tool_count"] = [{"type": k, "count": v} for k, v in grounding.items()]
    return usage
