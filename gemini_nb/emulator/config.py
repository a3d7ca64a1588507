"""Runtime settings of one emulator instance (CLI flags, ``start()`` kwargs, control plane)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class EmulatorConfig:
    api_key: str | None = None
    """Pin the accepted ``x-goog-api-key``; None accepts any non-empty key."""
    db: str | None = None
    """SQLite path for persistence; None keeps everything in memory."""
    latency_ms: float = 0.0
    """Added before every answer (time to first byte)."""
    tokens_per_second: float | None = None
    """Pace of streamed text deltas; None streams as fast as possible."""
    background_ms: float = 300.0
    """Minimum wall time of a background interaction from creation to completion."""
    queue_ms: float = 0.0
    """Time a background interaction stays ``queued`` before ``in_progress`` (steps schema)."""
    schema: str = "auto"
    """Wire schema: ``auto`` (per request, from headers), ``steps`` or ``legacy``."""
    seed: int | None = None
    keepalive_s: float = 15.0
    """Interval of ``: keep-alive`` comments while a stream waits for progress."""
    max_body_bytes: int = 64 * 1024 * 1024
    scenarios: str | None = None
    record_dir: str | None = None
    upstream: str | None = None
    replay_dir: str | None = None
    replay_pacing: str = "recorded"
    files_processing_ms: float = 300.0
    """How long uploaded video/audio stays PROCESSING before it turns ACTIVE."""
    max_interactions: int = 10_000
    """Stored interactions kept; beyond it the oldest finished ones are evicted (then 404)."""
    max_files: int = 1_000
    """Uploaded files kept; beyond it the oldest are deleted."""

    def update(self, values: dict[str, Any]) -> dict[str, Any]:
        """Apply known keys from ``values`` (control plane); unknown keys raise ValueError."""
        known = {f.name: f for f in fields(self)}
        checked = {}
        for key, value in values.items():
            if key not in known or key in ("db", "max_interactions", "max_files"):
                raise ValueError(f"unknown or read-only emulator setting {key!r}")
            checked[key] = _check(key, value)
        for key, value in checked.items():  # all or nothing
            setattr(self, key, value)
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data.get("api_key"):
            data["api_key"] = "***"
        if data.get("upstream") and "?" in data["upstream"]:  # a curl-style ?key= in the URL
            from .redact import scrub_query, scrub_text

            base, _, query = data["upstream"].partition("?")
            data["upstream"] = f"{scrub_text(base)}?{scrub_query(query)}"
        return data


_NUMBERS = {"latency_ms", "background_ms", "queue_ms", "files_processing_ms"}
_POSITIVE = {"keepalive_s", "tokens_per_second"}
_STRINGS = {"api_key", "scenarios", "record_dir", "upstream", "replay_dir"}


def _check(key: str, value: Any) -> Any:
    """Type-check one setting, so a bad value is refused at once instead of breaking every
    later request (raises ValueError)."""

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")

    if key in _NUMBERS:
        if not number(value) or value < 0:
            raise ValueError(f"setting {key!r} must be a non-negative number")
        return float(value)
    if key in _POSITIVE:
        if value is None and key == "tokens_per_second":
            return None
        if not number(value) or value <= 0:
            raise ValueError(f"setting {key!r} must be a positive number")
        return float(value)
    if key in ("seed", "max_body_bytes"):
        if value is None and key == "seed":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (key == "max_body_bytes" and value < 1):
            raise ValueError(f"setting {key!r} must be an integer")
        return value
    if key == "schema":
        if value not in ("auto", "steps", "legacy"):
            raise ValueError("setting 'schema' must be 'auto', 'steps' or 'legacy'")
        return value
    if key == "replay_pacing":
        if value not in ("recorded", "instant"):
            raise ValueError("setting 'replay_pacing' must be 'recorded' or 'instant'")
        return value
    if key in _STRINGS and value is not None and not isinstance(value, str):
        raise ValueError(f"setting {key!r} must be a string or null")
    return value
