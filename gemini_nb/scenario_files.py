"""Scenario files for the emulator, from a notebook: ``gemini_nb.load_scenarios(path)``.

Why: a tutorial (or a user's own test notebook) may want exact answers where the emulator's
generic text would read poorly. The emulator already takes YAML/JSON scenarios on its control
plane (``POST /_emulator/scenarios``); this puts them into whichever emulator the session uses
(the embedded one, or one at a URL). Against the live API scenarios mean nothing, so loading them
is a no-op that says so: the same notebook runs unchanged on a real key.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from .errors import GeminiError


def _control(base_url: str, method: str, body: bytes | None = None, query: str = "") -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/_emulator/scenarios{query}",
        data=body,
        method=method,
        headers={"content-type": "text/yaml"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]["message"]
        except Exception:
            message = f"HTTP {exc.code}"
        raise GeminiError(f"the emulator refused the scenarios: {message}") from None
    except OSError as exc:
        raise GeminiError(f"cannot reach the emulator's control plane at {base_url}: {exc}") from None


def _emulator_url(session: Any) -> str | None:
    backend = session.backend()
    return backend.base_url if backend.emulated else None


def load_scenarios(source: str | os.PathLike, *, replace: bool = False, session: Any = None) -> int:
    """Load a YAML/JSON scenario file (a path, or the document's text) into the session's
    emulator; returns how many scenarios it now holds. ``replace`` drops the ones loaded before.
    On the live API nothing is loaded (and 0 is returned): answers there are real."""
    from . import api

    session = session or api.default_session()
    url = _emulator_url(session)
    text = str(source)
    if os.path.exists(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read()
    elif "\n" not in text and text.endswith((".yaml", ".yml", ".json")):
        raise GeminiError(f"no scenario file at {text!r}")
    if url is None:
        print("Live backend: scenarios only script the emulator, so none were loaded.")
        return 0
    query = "?replace=true" if replace else ""
    return len(_control(url, "POST", text.encode("utf-8"), query).get("scenarios", []))


def clear_scenarios(session: Any = None) -> None:
    """Forget every loaded scenario (the emulator answers from its brain again)."""
    from . import api

    url = _emulator_url(session or api.default_session())
    if url is not None:
        _control(url, "DELETE")


def list_scenarios(session: Any = None) -> list[dict[str, Any]]:
    """The scenarios the session's emulator holds (empty on the live API)."""
    from . import api

    url = _emulator_url(session or api.default_session())
    return [] if url is None else list(_control(url, "GET").get("scenarios", []))
