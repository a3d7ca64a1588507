"""Mime bundles: what a notebook stores for a turn, a media part, or a partial answer in place.

Separate from ``__init__`` so the live display can build a full bundle (a failed turn's partial
answer, shown in place) without importing its own package back.
"""

from __future__ import annotations

import base64
from typing import Any

from .markdown import render_markdown, render_plain, render_raw
from .media import audio_tag, image_tag, media_caption


def result_metadata(result: Any) -> dict[str, Any]:
    """Output metadata: lets tools find the interaction behind any saved output."""
    return {
        "gemini_nb": {
            "interaction_id": result.id,
            "model": result.model,
            "usage": result.usage.as_dict(),
            "status": result.status,
            "emulated": bool(result.emulated),
        }
    }


def result_bundle(result: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if result.render_mode == "raw":
        data = {"text/plain": render_raw(result)}
    else:
        data = {"text/markdown": render_markdown(result), "text/plain": render_plain(result)}
    return data, result_metadata(result)


def plain_text(result: Any) -> str:
    return render_plain(result)


def media_bundle(media: Any) -> dict[str, Any]:
    """A standalone bundle for one image or audio part (``result.images[0]``)."""
    if media.mime_type.startswith("image/") and media.data:
        return {
            media.mime_type: base64.b64encode(media.data).decode("ascii"),
            "text/plain": f"<image {media_caption(media.mime_type, media.data)}>",
        }
    if media.mime_type.startswith("image/"):
        return {
            "text/html": image_tag(media.mime_type, None, media.uri),
            "text/plain": f"<image {media.uri}>",
        }
    return {
        "text/html": audio_tag(media.mime_type, media.data, media.uri, media.sample_rate),
        "text/plain": f"<{media_caption(media.mime_type, media.data, media.sample_rate)}>",
    }
