"""Real google-genai clients pointed at an emulator (no retries: a failure shows at once)."""

from __future__ import annotations

import os
import shutil


def make_client(base_url: str, **http_options):
    from google import genai

    options = {"base_url": base_url, "retry_options": {"attempts": 1}}
    options.update(http_options)
    return genai.Client(api_key="test-key", http_options=options)


def legacy_python() -> str | None:
    """Python of a virtualenv with google-genai 1.55 (legacy outputs schema), if any."""
    candidate = os.environ.get("GEMINI_NB_LEGACY_PYTHON")
    return candidate if candidate and shutil.which(candidate) else None
