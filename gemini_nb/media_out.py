"""Media *out* and other generation settings: ``--aspect-ratio``, ``--image-size``,
``--modalities``, ``--voice``, ``--speakers``, ``--stop``, ``--seed``, ``--top-p``, ``--config``,
and the passthrough of any other ``interactions.create`` field.

Why one module: each option has one spelling on the first line of a cell, one keyword of
``ask()``, and one place in the request (``generation_config.image_config``, ``speech_config``,
``response_modalities``...). :func:`generation_overrides` and :func:`request_overrides` are
the only code that knows those places, and they validate every value *before* anything is
sent, so a typo (``--voice Kor``, ``--aspect-ratio 16x9``, ``--config temprature=1``) is one
line naming the accepted values rather than a 400 after a round trip, or a silent default.

The accepted values are the API's documented ones (as typed in google-genai's interactions
types): aspect ratios, image sizes, the 30 prebuilt voices.
"""

from __future__ import annotations

import json
from typing import Any

ASPECT_RATIOS = (
    "1:1",
    "2:3",
    "3:2",
    "3:4",
    "4:3",
    "4:5",
    "5:4",
    "9:16",
    "16:9",
    "21:9",
    "1:8",
    "8:1",
    "1:4",
    "4:1",
)
IMAGE_SIZES = ("512", "1K", "2K", "4K")
MODALITIES = ("text", "image", "audio", "video", "document")
VOICES = (
    "Zephyr",
    "Puck",
    "Charon",
    "Kore",
    "Fenrir",
    "Leda",
    "Orus",
    "Aoede",
    "Callirrhoe",
    "Autonoe",
    "Enceladus",
    "Iapetus",
    "Umbriel",
    "Algieba",
    "Despina",
    "Erinome",
    "Algenib",
    "Rasalgethi",
    "Laomedeia",
    "Achernar",
    "Alnilam",
    "Schedar",
    "Gacrux",
    "Pulcherrima",
    "Achird",
    "Zubenelgenubi",
    "Vindemiatrix",
    "Sadachbia",
    "Sadaltager",
    "Sulafat",
)
"""The 30 prebuilt voices of Gemini's speech generation."""
GENERATION_FIELDS = (
    "image_config",
    "max_output_tokens",
    "seed",
    "speech_config",
    "stop_sequences",
    "temperature",
    "thinking_level",
    "thinking_summaries",
    "tool_choice",
    "top_p",
    "transcription_config",
    "video_config",
)
"""``generation_config`` fields (google-genai 3.x); read from the SDK when it is importable."""
CREATE_FIELDS = (
    "agent",
    "agent_config",
    "background",
    "cached_content",
    "continuation_token",
    "environment",
    "generation_config",
    "input",
    "labels",
    "model",
    "previous_interaction_id",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "service_tier",
    "store",
    "stream",
    "system_instruction",
    "tools",
    "webhook_config",
)
MANAGED = {
    "input": "the prompt",
    "stream": "stream=",
    "model": "model=",
    "agent": "agent=",
    "previous_interaction_id": "a Session or from_=",
    "store": "store=",
    "tools": "tools=",
    "generation_config": "generation_config= or config=",
    "system_instruction": "system=",
}
"""Create fields the toolkit sets itself: passing them through ``request=`` is refused, naming
the option that does it (so the chain and the history stay right)."""


class MediaOptionError(ValueError):
    """A bad media/generation option; one line."""


def _sdk_fields(model_names: tuple[str, ...], fallback: tuple[str, ...]) -> set[str]:
    try:
        from google.genai._gaos.types import interactions as ix

        return {
            field.alias or name
            for model in model_names
            for name, field in getattr(ix, model).model_fields.items()
        }
    except Exception:  # another SDK generation: the documented list
        return set(fallback)


def generation_fields() -> set[str]:
    return _sdk_fields(("GenerationConfig",), GENERATION_FIELDS)


def create_fields() -> set[str]:
    return _sdk_fields(("CreateModelInteraction", "CreateAgentInteraction"), CREATE_FIELDS)


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def aspect_ratio(value: Any) -> str:
    ratio = str(value).replace(" ", "")
    if ratio not in ASPECT_RATIOS:
        raise MediaOptionError(f"--aspect-ratio must be one of {_choices(ASPECT_RATIOS)} (got {value!r})")
    return ratio


def image_size(value: Any) -> str:
    size = str(value).strip().upper()
    if isinstance(value, bool) or size not in IMAGE_SIZES:
        raise MediaOptionError(f"--image-size must be one of {_choices(IMAGE_SIZES)} (got {value!r})")
    return size


def modalities(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    out = [str(item).strip().lower() for item in items if str(item).strip()]
    bad = [m for m in out if m not in MODALITIES]
    if bad or not out:
        raise MediaOptionError(
            f"--modalities takes a comma-separated list of {_choices(MODALITIES)} (got {value!r})"
        )
    return list(dict.fromkeys(out))


def voice(value: Any) -> str:
    lower = {v.lower(): v for v in VOICES}
    name = lower.get(str(value).strip().lower())
    if name is None:
        raise MediaOptionError(f"unknown voice {value!r}; voices: {_choices(VOICES)}")
    return name


def speakers(value: Any) -> list[dict[str, str]]:
    """``"Alice=Kore,Bob=Puck"`` or ``{"Alice": "Kore"}`` -> ``[{"speaker", "voice"}, ...]``."""
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
        for item in str(value).split(","):
            speaker, sep, name = item.partition("=")
            if not sep or not speaker.strip() or not name.strip():
                raise MediaOptionError(
                    f"--speakers takes NAME=VOICE pairs separated by commas, e.g. "
                    f'"Alice=Kore,Bob=Puck" (got {value!r})'
                )
            pairs.append((speaker.strip(), name.strip()))
    if not pairs:
        raise MediaOptionError("--speakers needs at least one NAME=VOICE pair")
    names = [str(s) for s, _ in pairs]
    if len({n.lower() for n in names}) != len(names):
        raise MediaOptionError(f"--speakers names each speaker once (got {', '.join(names)})")
    return [{"speaker": str(s), "voice": voice(v)} for s, v in pairs]


def parse_value(text: str) -> Any:
    """JSON when it parses (numbers, true, lists, objects), else the string itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def config_items(value: Any) -> dict[str, Any]:
    """``["a.b=1", "c=x"]`` or ``{"a.b": 1}`` -> a nested dict; top-level keys must be
    ``generation_config`` fields."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
        for item in value:
            key, sep, raw = str(item).partition("=")
            if not sep or not key.strip():
                raise MediaOptionError(f"--config takes KEY=VALUE (dotted keys nest), got {item!r}")
            pairs.append((key.strip(), parse_value(raw.strip())))
    known = generation_fields()
    out: dict[str, Any] = {}
    for key, val in pairs:
        path = str(key).split(".")
        if path[0] not in known or any(not p for p in path):
            raise MediaOptionError(
                f"--config {key}: not a generation_config field; fields: {_choices(tuple(sorted(known)))}"
            )
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise MediaOptionError(f"--config {key}: {part} is already set to a value")
        node[path[-1]] = val
    return out


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, val in extra.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], val)
        else:
            out[key] = val
    return out


def generation_overrides(opts: Any) -> dict[str, Any]:
    """The ``generation_config`` entries this turn's media options ask for (validated)."""
    gc: dict[str, Any] = {}
    image: dict[str, Any] = {}
    if opts.aspect_ratio is not None:
        image["aspect_ratio"] = aspect_ratio(opts.aspect_ratio)
    if opts.image_size is not None:
        image["image_size"] = image_size(opts.image_size)
    if image:
        gc["image_config"] = image
    if opts.voice is not None and opts.speakers is not None:
        raise MediaOptionError("use either --voice (one voice) or --speakers (several), not both")
    if opts.voice is not None:
        gc["speech_config"] = [{"voice": voice(opts.voice)}]
    if opts.speakers is not None:
        gc["speech_config"] = speakers(opts.speakers)
    if opts.stop is not None:
        stop = [opts.stop] if isinstance(opts.stop, str) else list(opts.stop)
        if not stop or any(not isinstance(s, str) or not s for s in stop):
            raise MediaOptionError(f"--stop takes non-empty strings (got {opts.stop!r})")
        gc["stop_sequences"] = stop
    if opts.seed is not None:
        if isinstance(opts.seed, bool) or not isinstance(opts.seed, int):
            raise MediaOptionError(f"--seed must be an integer (got {opts.seed!r})")
        gc["seed"] = opts.seed
    if opts.top_p is not None:
        if (
            isinstance(opts.top_p, bool)
            or not isinstance(opts.top_p, (int, float))
            or not 0.0 <= opts.top_p <= 1.0
        ):
            raise MediaOptionError(f"--top-p must be between 0 and 1 (got {opts.top_p!r})")
        gc["top_p"] = float(opts.top_p)
    return merge(gc, config_items(opts.config))


def request_overrides(opts: Any) -> dict[str, Any]:
    """Request-level fields: ``response_modalities`` and the ``request=`` passthrough."""
    out: dict[str, Any] = {}
    if opts.modalities is not None:
        out["response_modalities"] = modalities(opts.modalities)
    extra = dict(opts.request or {})
    known = create_fields()
    for key in extra:
        if key in MANAGED:
            raise MediaOptionError(f"request field {key!r} is set by the toolkit: use {MANAGED[key]}")
        if key not in known:
            raise MediaOptionError(
                f"unknown request field {key!r}; interactions.create accepts: "
                f"{_choices(tuple(sorted(known - set(MANAGED))))}"
            )
    out.update(extra)
    return out


__all__ = [
    "ASPECT_RATIOS",
    "IMAGE_SIZES",
    "MODALITIES",
    "VOICES",
    "MediaOptionError",
    "generation_overrides",
    "request_overrides",
    "config_items",
    "speakers",
    "create_fields",
    "generation_fields",
    "merge",
]
