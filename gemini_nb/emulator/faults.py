"""Fault injection rules (``/_emulator/faults``): the failure modes clients must survive.

A rule matches on method, path (regex searched in the URL path) and model, fires at most
``times`` times (None = forever) with ``probability`` drawn from the seeded generator, and
then does one of: answer an HTTP error in Google's envelope (with ``Retry-After``), add
latency, cut a stream after N events, or send an in-stream ``error`` event after N events.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

from .errors import STATUS_BY_CODE, ApiError

_FIELDS = {
    "method",
    "path",
    "model",
    "status",
    "error_status",
    "message",
    "times",
    "probability",
    "retry_after",
    "latency_ms",
    "drop_after_events",
    "drop_mode",
    "error_after_events",
    "error_code",
    "id",
}


@dataclass
class FaultRule:
    method: str | None = None
    path: str | None = None
    model: str | None = None
    status: int | None = None
    error_status: str | None = None
    message: str | None = None
    times: int | None = None
    probability: float = 1.0
    retry_after: float | None = None
    latency_ms: float = 0.0
    drop_after_events: int | None = None
    drop_mode: str = "abort"
    error_after_events: int | None = None
    error_code: str = "gateway_timeout"
    id: int = 0
    fired: int = 0

    @classmethod
    def parse(cls, data: Any) -> FaultRule:
        if not isinstance(data, dict):
            raise ApiError(400, "a fault rule must be a JSON object")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ApiError(400, f"unknown fault rule field {unknown[0]!r}; known: {sorted(_FIELDS)}")
        rule = cls(**{k: v for k, v in data.items() if k != "id"})
        if rule.path is not None:
            try:
                re.compile(rule.path)
            except re.error as exc:
                raise ApiError(400, f"fault rule 'path' is not a valid regex: {exc}") from None
        if rule.status is not None and not (isinstance(rule.status, int) and 400 <= rule.status <= 599):
            raise ApiError(400, "fault rule 'status' must be an HTTP error status (400-599)")
        if not (isinstance(rule.probability, (int, float)) and 0 <= rule.probability <= 1):
            raise ApiError(400, "fault rule 'probability' must be between 0 and 1")
        if rule.drop_mode not in ("abort", "eof"):
            raise ApiError(400, "fault rule 'drop_mode' must be 'abort' or 'eof'")
        for key in ("latency_ms", "retry_after"):
            value = getattr(rule, key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e7
            ):
                raise ApiError(400, f"fault rule {key!r} must be a non-negative number")
        for key in ("method", "model", "message", "error_status", "error_code"):
            value = getattr(rule, key)
            if value is not None and not isinstance(value, str):
                raise ApiError(400, f"fault rule {key!r} must be a string")
        if rule.status is not None and isinstance(rule.status, bool):
            raise ApiError(400, "fault rule 'status' must be an HTTP error status (400-599)")
        for key in ("times", "drop_after_events", "error_after_events"):
            value = getattr(rule, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ApiError(400, f"fault rule {key!r} must be a non-negative integer")
        return rule

    def error(self) -> ApiError:
        code = int(self.status or 500)
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(
                self.retry_after if not float(self.retry_after).is_integer() else int(self.retry_after)
            )
        message = self.message or {
            429: "Resource has been exhausted (e.g. check quota).",
            500: "An internal error has occurred.",
            503: "The service is currently unavailable.",
        }.get(code, f"Injected fault (HTTP {code}).")
        return ApiError(
            code, message, self.error_status or STATUS_BY_CODE.get(code, "UNKNOWN"), headers=headers
        )


class Faults:
    """The active rules; matching consumes ``times`` atomically."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self.rng = random.Random(0)

    def reseed(self, seed: int | None) -> None:
        self.rng = random.Random(seed)

    def add(self, data: Any) -> list[dict[str, Any]]:
        items = data.get("rules") if isinstance(data, dict) and "rules" in data else data
        items = items if isinstance(items, list) else [items]
        rules = [FaultRule.parse(item) for item in items]
        with self._lock:
            for rule in rules:
                rule.id = self._next_id
                self._next_id += 1
                self._rules.append(rule)
        return [asdict(r) for r in rules]

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def match(self, method: str, path: str, model: str | None) -> FaultRule | None:
        if not self._rules:  # no rules (the common case): no lock
            return None
        with self._lock:
            for rule in self._rules:
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if rule.method and rule.method.upper() != method.upper():
                    continue
                if rule.path and not re.search(rule.path, path):
                    continue
                if rule.model and rule.model != model:
                    continue
                if rule.probability < 1 and self.rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None
