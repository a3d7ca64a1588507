"""Media output: generated images and synthesized speech, as image and TTS models return them.

Notebooks that use Gemini's image and speech models display the picture, save it, feed it
back for editing, or wrap the PCM in a WAV player. To exercise those paths offline the
emulator must return *real* media shaped exactly like the service's: a PNG or JPEG whose
pixel size follows ``aspect_ratio`` and ``image_size``, and raw 16-bit mono PCM at 24 kHz
whose length follows the text spoken. The pixels and samples come from
:mod:`.image_gen` and :mod:`.speech`; this module decides *when* media is wanted, reads the
request's many spellings of the options, and lays the parts out in a ``model_output`` step.

Media is wanted when the model is an image (``*-image*``) or TTS (``*-tts*``) model, when
``response_modalities`` names ``image``/``audio``, or when ``response_format`` holds a typed
``image``/``audio`` format (alone or in a list, which asks for interleaved output). Bad
option values raise ``ValueError`` naming the field, which the service turns into a 400.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from ..base import Reply, TurnContext, content_text
from ..lib import image_gen, speech
from ..lib.media_inspect import describe_part, inspect_part

OUTPUT_KINDS = ("text", "image", "audio")
IMAGE_MIMES = {
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/webp": "image/webp",
}
RAW_AUDIO_MIMES = {"audio/l16", "audio/pcm"}
MAX_IMAGES = 4

_IMAGE_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could|would) you\s+)?(?:generate|create|draw|make|paint|render|"
    r"produce|design|show me|give me|sketch|illustrate)\s+(?:me\s+)?(?:an?\s+|the\s+|one\s+|\d+\s+)?"
    r"(?:(?:photo-?realistic|realistic|simple|nice|beautiful|cute|small|detailed)\s+)*"
    r"(?:image|picture|photo|illustration|drawing|painting|sketch|rendering|artwork|pic)s?"
    r"\s+(?:of|showing|with|depicting|featuring)\s+",
    re.I,
)
_EDIT = re.compile(
    r"\b(edit|modify|change|make (?:it|this|that|the|him|her|them)|add|remove|replace|turn|convert|"
    r"recolou?r|colou?ri[sz]e|transform|restyle|put|swap|erase|crop|enhance|fix|adjust|retouch|"
    r"update)\b",
    re.I,
)
_COUNT = re.compile(
    r"\b(\d|two|three|four|five|six)\s+(?:separate\s+|different\s+)?"
    r"(?:images|pictures|illustrations|panels|scenes|photos|drawings)\b",
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_SCENES = ("an establishing view", "a closer look", "a change of angle", "the final scene")

_TRANSCRIPT = re.compile(r"#+\s*transcript\s*:?\s*\n", re.I)
_SPEECH_LEAD = re.compile(
    r"^\s*(?P<lead>[^:\n]{0,200}?\b(?:say|says|read|speak|narrate|announce|pronounce|tts|recite|"
    r"voice|following|conversation|dialogue|transcript|whisper|shout|exclaim|utter)\b[^:\n]{0,200})"
    r":[ \t]*",
    re.I,
)
_SAY_PLAIN = re.compile(r"^\s*(?:please\s+)?(?:say|speak|read(?: aloud| out loud| out)?)\s+(?=\S)", re.I)
_QUOTES = "\"'“”‘’"


# -- what is wanted ------------------------------------------------------------------------
def _model_words(ctx: TurnContext) -> list[str]:
    return re.split(r"[-/_.]", (ctx.model or "").lower())


def is_image_model(ctx: TurnContext) -> bool:
    model = (ctx.model or "").lower().removeprefix("models/")
    return "image" in _model_words(ctx) or model.startswith("imagen-")


def is_tts_model(ctx: TurnContext) -> bool:
    return "tts" in _model_words(ctx)


def typed_formats(response_format: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(field path, format)`` for each typed output format (text/image/audio/video).

    A raw JSON Schema (``{"type": "object", ...}``) is not a typed format and yields nothing.
    """
    if isinstance(response_format, dict):
        items = [("response_format", response_format)]
    elif isinstance(response_format, list):
        items = [(f"response_format[{i}]", f) for i, f in enumerate(response_format)]
    else:
        return []
    return [
        (path, f)
        for path, f in items
        if isinstance(f, dict) and f.get("type") in ("text", "image", "audio", "video")
    ]


def wanted_kinds(ctx: TurnContext) -> list[str]:
    """Ordered output kinds (subset of text/image/audio), or [] when no media is asked for.

    Explicit requests win over model defaults: typed formats first, then modalities. An
    image model answers text + image by default (as Gemini's image models do), a TTS
    model audio only.
    """
    typed = typed_formats(ctx.response_format)
    explicit = [f["type"] for _, f in typed] + list(ctx.response_modalities)
    if ctx.response_format is not None and not typed:
        explicit.append("json")  # a raw JSON Schema: structured text, whatever the model
    kinds = [k for i, k in enumerate(explicit) if k in OUTPUT_KINDS and k not in explicit[:i]]
    if "image" in kinds or "audio" in kinds:
        return kinds
    if explicit:  # the client asked for something else (text, JSON, video): not ours
        return []
    if is_tts_model(ctx):
        return ["audio"]
    if is_image_model(ctx):
        return ["text", "image"]
    return []


def _format_of(ctx: TurnContext, kind: str) -> tuple[str, dict[str, Any]]:
    for path, fmt in typed_formats(ctx.response_format):
        if fmt.get("type") == kind:
            return path, fmt
    return "response_format", {}


# -- image options -------------------------------------------------------------------------
def _option(candidates: list[tuple[Any, str]]) -> tuple[Any, str | None]:
    """First set value among ``(value, field)`` candidates, with the field it came from."""
    for value, field in candidates:
        if value not in (None, ""):
            return value, field
    return None, None


def image_options(ctx: TurnContext, default_ratio: str = "1:1") -> tuple[str, str, str]:
    """``(aspect_ratio, image_size, mime_type)`` from the image format or ``image_config``.

    ``response_format`` wins over the older ``generation_config.image_config``. Sizes are
    case-insensitive (legacy ``1k``/``2k``/``4k``) and may be the integer 512.
    """
    path, fmt = _format_of(ctx, "image")
    config = ctx.generation_config.get("image_config") or {}
    if not isinstance(config, dict):
        raise ValueError("generation_config.image_config: expected an object")
    ratio, field = _option(
        [
            (fmt.get("aspect_ratio"), f"{path}.aspect_ratio"),
            (config.get("aspect_ratio"), "generation_config.image_config.aspect_ratio"),
        ]
    )
    if ratio is None:
        ratio = default_ratio
    elif str(ratio).replace(" ", "") not in image_gen.ASPECT_RATIOS:
        raise ValueError(
            f"{field}: unsupported aspect ratio {ratio!r}; expected one of "
            f"{', '.join(image_gen.ASPECT_RATIOS)}"
        )
    size, field = _option(
        [
            (fmt.get("image_size"), f"{path}.image_size"),
            (config.get("image_size"), "generation_config.image_config.image_size"),
        ]
    )
    if size is None:
        size = "1K"
    elif isinstance(size, bool) or str(size).strip().upper() not in image_gen.IMAGE_SIZES:
        raise ValueError(
            f"{field}: unsupported image size {size!r}; expected one of "
            f"{', '.join(image_gen.IMAGE_SIZES)} (legacy 1k, 2k, 4k also accepted)"
        )
    mime, field = _option(
        [
            (fmt.get("mime_type"), f"{path}.mime_type"),
            (config.get("output_mime_type"), "generation_config.image_config.output_mime_type"),
        ]
    )
    if mime is None:
        mime = "image/png"
    elif str(mime).strip().lower() not in IMAGE_MIMES:
        raise ValueError(
            f"{field}: unsupported image mime type {mime!r}; expected one of "
            "image/png, image/jpeg, image/webp"
        )
    return (str(ratio).replace(" ", ""), str(size).strip().upper(), IMAGE_MIMES[str(mime).strip().lower()])


def closest_ratio(width: int, height: int) -> str:
    """The documented aspect ratio nearest to ``width:height`` (edits keep the input's shape)."""

    def distance(ratio: str) -> float:
        a, b = map(int, ratio.split(":"))
        return abs((a / b) / (width / height) - 1)

    return min(image_gen.ASPECT_RATIOS, key=distance)


_VERB_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:draw|paint|sketch|illustrate|render|show me)\s+(?:me\s+)?", re.I
)


def image_subject(prompt: str) -> str:
    """The thing to draw: the prompt without "Generate an image of" / "Draw" and end punctuation."""
    subject = _IMAGE_LEAD.sub("", prompt.strip(), count=1).strip()
    if subject == prompt.strip():
        subject = _VERB_LEAD.sub("", subject, count=1).strip()
    return subject.rstrip(" .!?") or "an abstract scene"


def _image_count(prompt: str) -> int:
    match = _COUNT.search(prompt)
    if not match:
        return 1
    word = match.group(1).lower()
    return max(1, min(MAX_IMAGES, int(word) if word.isdigit() else _NUMBERS[word]))


def _has_image(step: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and p.get("type") == "image" for p in step.get("content") or [])


def _edit_source(ctx: TurnContext, prompt: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The image to edit and the earlier requests that shaped it.

    An image sent this turn is edited as is. Otherwise, for an edit request, the latest
    image in the chat is edited (multi-turn editing works because generated images are
    ``model_output`` content in the server-side or client-side history), and the user
    texts of that unbroken chain of image turns come back too, so that "a cat", then
    "add a tree", then "make it night" draws a cat *and* a tree at night.
    """
    for part in reversed(ctx.user_parts()):
        if isinstance(part, dict) and part.get("type") == "image":
            return part, []
    if not _EDIT.search(prompt):
        return None, []
    steps = ctx.conversation  # server-side history, or stateless history sent as input steps
    for k in range(len(steps) - 1, -1, -1):
        if steps[k].get("type") == "model_output" and _has_image(steps[k]):
            source = next(p for p in reversed(steps[k]["content"]) if p.get("type") == "image")
            return (source if source.get("data") else None), _chain_texts(steps, k)
    return None, []


def _chain_texts(steps: list[dict[str, Any]], k: int, limit: int = 6) -> list[str]:
    """User texts of the consecutive image-producing turns ending at ``steps[k]``."""
    texts: list[str] = []
    i = k
    while len(texts) < limit:
        starts = [j for j in range(i) if steps[j].get("type") == "user_input"]
        if not starts:
            break
        j = starts[-1]
        texts.insert(0, content_text(steps[j].get("content")))
        earlier = [s for s in steps[:j] if s.get("type") in ("user_input", "model_output")]
        if not earlier or earlier[-1].get("type") != "model_output" or not _has_image(earlier[-1]):
            break
        i = j
    return [t for t in texts if t.strip()]


def _seed(ctx: TurnContext, *extra: Any) -> int:
    base = ctx.generation_config.get("seed") or 0
    digest = hashlib.sha256(repr((base, extra)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def image_parts(ctx: TurnContext, with_text: bool) -> list[dict[str, Any]]:
    """The image (and, when interleaved, text) parts answering this turn."""
    prompt = ctx.last_user_text() or "an image"
    source, before = _edit_source(ctx, prompt)
    info = inspect_part(source, ctx.files) if source else None
    default_ratio = "1:1"
    if info and info.get("width") and info.get("height"):
        default_ratio = closest_ratio(info["width"], info["height"])
    ratio, size, mime = image_options(ctx, default_ratio)
    width, height = image_gen.image_dimensions(ratio, size)
    subject = "; ".join(image_subject(t) for t in [*before, prompt])
    count = _image_count(prompt) if with_text and not source else 1
    source_key = (
        hashlib.sha256(str(source.get("data") or source.get("uri")).encode()).hexdigest() if source else ""
    )
    parts: list[dict[str, Any]] = []
    for i in range(count):
        scene = f"{subject}, {_SCENES[i]}" if count > 1 else subject
        data = image_gen.render_image(
            scene, aspect_ratio=ratio, image_size=size, mime_type=mime, seed=_seed(ctx, i, source_key)
        )
        if with_text:
            parts.append(
                {"type": "text", "text": _image_text(subject, i, count, info, prompt, (width, height, ratio))}
            )
        parts.append({"type": "image", "mime_type": mime, "data": base64.b64encode(data).decode("ascii")})
    return parts


def _image_text(
    subject: str, i: int, count: int, info: dict[str, Any] | None, prompt: str, shape: tuple[int, int, str]
) -> str:
    width, height, ratio = shape
    if info is not None:
        return (
            f"Here's the edited image. I started from {describe_part(info)} and applied "
            f"your request: \u201c{prompt.strip()}\u201d. The result is {width}x{height} "
            f"pixels ({ratio})."
        )
    if count > 1:
        return f"**Image {i + 1} of {count}: {_SCENES[i]}.** {subject[:1].upper()}{subject[1:]}."
    return f"Here's an image of {subject} ({width}x{height} pixels, aspect ratio {ratio})."


# -- speech options ------------------------------------------------------------------------
def speakers(ctx: TurnContext) -> list[dict[str, Any]]:
    """Normalized speakers ``[{voice, speaker, language}]`` from any ``speech_config`` form.

    The API takes one object, a list of speakers, or ``{speakers: [...]}``; voices are
    validated here so a typo is a 400 naming the exact field, not a silent default.
    """
    config = ctx.generation_config.get("speech_config")
    base = "generation_config.speech_config"
    if config is None:
        return [{"voice": speech.DEFAULT_VOICE, "speaker": None, "language": None}]
    if isinstance(config, dict) and "speakers" in config:
        items = config["speakers"]
        if not isinstance(items, list) or not items:
            raise ValueError(f"{base}.speakers: expected a non-empty list of speakers")
        entries = [(f"{base}.speakers[{i}]", s) for i, s in enumerate(items)]
    elif isinstance(config, dict):
        entries = [(base, config)]
    elif isinstance(config, list):
        if not config:
            raise ValueError(f"{base}: expected at least one speaker")
        entries = [(f"{base}[{i}]", s) for i, s in enumerate(config)]
    else:
        raise ValueError(f"{base}: expected an object or a list of speakers")
    out = []
    # Speakers without a voice get distinct defaults (alternating higher and lower voices)
    # so a dialogue stays distinguishable.
    taken = {str(e.get("voice") or "").lower() for _, e in entries if isinstance(e, dict)}
    fallback = iter(
        v
        for v in (speech.DEFAULT_VOICE, "Puck", "Zephyr", "Charon", "Leda", "Orus")
        if v.lower() not in taken
    )
    for field, entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"{field}: expected an object with voice, speaker and language")
        voice = entry.get("voice")
        if voice is None:
            voice = next(fallback, speech.DEFAULT_VOICE)
        try:
            voice = speech.voice_for(voice)
        except ValueError as exc:
            raise ValueError(f"{field}.voice: {exc}") from None
        for key in ("speaker", "language"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ValueError(f"{field}.{key}: expected a string")
        out.append({"voice": voice, "speaker": entry.get("speaker"), "language": entry.get("language")})
    return out


def audio_options(ctx: TurnContext) -> tuple[str, int]:
    """``(container, sample_rate)``: ``raw`` PCM (the API's default) or ``wav``, and the rate."""
    path, fmt = _format_of(ctx, "audio")
    mime = str(fmt.get("mime_type") or "audio/l16").split(";")[0].strip().lower()
    if mime in RAW_AUDIO_MIMES:
        container = "raw"
    elif mime in ("audio/wav", "audio/x-wav", "audio/wave"):
        container = "wav"
    else:
        raise ValueError(
            f"{path}.mime_type: unsupported audio mime type {fmt.get('mime_type')!r}; "
            "the emulator produces audio/l16 (raw PCM) or audio/wav"
        )
    rate = fmt.get("sample_rate")
    rate = speech.SAMPLE_RATE if rate is None else rate
    if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 48000:
        raise ValueError(f"{path}.sample_rate: expected an integer between 8000 and 48000, got {rate!r}")
    return container, rate


def speech_script(prompt: str) -> tuple[str, bool]:
    """``(text to speak, True if the prompt was a speaking instruction)``.

    ``Say cheerfully: Have a wonderful day!`` speaks only the part after the colon, as
    the real TTS models do; a ``### TRANSCRIPT`` section (director's-notes prompts) speaks
    only what follows it.
    """
    text = prompt.strip()
    match = _TRANSCRIPT.search(text)
    if match:
        return text[match.end() :].strip(), True
    match = _SPEECH_LEAD.match(text)
    if match and text[match.end() :].strip():
        return text[match.end() :].strip().strip(_QUOTES).strip(), True
    match = _SAY_PLAIN.match(text)
    if match:
        return text[match.end() :].strip().strip(_QUOTES).strip(), True
    return text, False


def dialogue(script: str, voices: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(voice, line)`` pairs for ``Name: line`` lines whose name is a configured speaker.

    Unprefixed lines continue the previous speaker's turn; text before the first named
    line (an instruction) is not spoken.
    """
    by_name = {str(s["speaker"]).strip().lower(): s["voice"] for s in voices if s.get("speaker")}
    lines: list[list[str]] = []
    for raw in script.splitlines():
        match = re.match(r"^\s*[*_]*([^:\n]{1,40}?)[*_]*\s*:[*_]*\s*(.*)$", raw)
        if match and match.group(1).strip().lower() in by_name:
            lines.append([by_name[match.group(1).strip().lower()], match.group(2).strip()])
        elif lines and raw.strip():
            lines[-1][1] = f"{lines[-1][1]} {raw.strip()}".strip()
    return [(voice, text) for voice, text in lines if text]


def audio_part(ctx: TurnContext, fallback_text: str) -> tuple[dict[str, Any], str]:
    """The audio part and the transcript it speaks.

    A TTS model (or a prompt that is a speaking instruction) speaks the prompt's script;
    any other model asked for audio speaks its own answer, ``fallback_text``.
    """
    voices = speakers(ctx)
    container, rate = audio_options(ctx)
    script, instructed = speech_script(ctx.last_user_text())
    lines = dialogue(script, voices) if len(voices) > 1 or voices[0].get("speaker") else []
    if lines:
        pcm = speech.synthesize_dialogue(lines, sample_rate=rate)
        spoken = "\n".join(f"{_speaker_of(voices, v)}: {t}" for v, t in lines)
    else:
        if instructed or is_tts_model(ctx):
            spoken = script
        else:  # a spoken answer reads the words, not the markdown around them
            spoken = re.sub(r"\*\*|`|^#+\s*|^- ", "", fallback_text, flags=re.M)
        pcm = speech.synthesize(spoken, voices[0]["voice"], sample_rate=rate)
    if container == "wav":
        part = {
            "type": "audio",
            "mime_type": "audio/wav",
            "data": base64.b64encode(speech.pcm_to_wav(pcm, rate)).decode("ascii"),
        }
    else:
        part = {
            "type": "audio",
            "mime_type": f"audio/L16;codec=pcm;rate={rate}",
            "data": base64.b64encode(pcm).decode("ascii"),
            "sample_rate": rate,
            "channels": 1,
        }
    return part, spoken


def _speaker_of(voices: list[dict[str, Any]], voice: str) -> str:
    return next((s["speaker"] for s in voices if s["voice"] == voice and s.get("speaker")), voice)


# -- the skill -----------------------------------------------------------------------------
class MediaSkill:
    """Answers with images and/or speech when the request asks for them (else None)."""

    def respond(self, ctx: TurnContext) -> Reply | None:
        kinds = wanted_kinds(ctx)
        if "image" not in kinds and "audio" not in kinds:
            return None
        with_text = "text" in kinds
        content: list[dict[str, Any]] = []
        for kind in kinds:
            if kind == "image":
                content.extend(image_parts(ctx, with_text))
            elif kind == "audio":
                answer = self._answer_text(ctx)
                part, spoken = audio_part(ctx, answer)
                if with_text and "image" not in kinds:
                    content.append({"type": "text", "text": spoken if is_tts_model(ctx) else answer})
                content.append(part)
        return Reply(steps=[{"type": "model_output", "content": content}])

    @staticmethod
    def _answer_text(ctx: TurnContext) -> str:
        """What a general model would say, for models asked to *speak* their answer."""
        from .text import TextSkill

        reply = TextSkill().respond(ctx)
        return "".join(
            p.get("text", "") for s in reply.steps for p in s.get("content") or [] if p.get("type") == "text"
        )
