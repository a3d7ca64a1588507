"""Google-style API errors raised anywhere in the emulator and rendered in one place.

Every refusal the emulator makes goes through :class:`ApiError`, so clients always get the
envelope the SDKs parse: ``{"error": {"code": 400, "message": ..., "status": "INVALID_ARGUMENT"}}``.
"""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """An error answer: HTTP status, Google status name, message, optional headers."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        headers: dict[str, str] | None = None,
        details: list[Any] | None = None,
    ):
        super().__init__(message)
        self.code = int(code)
        self.message = message
        self.status = status or STATUS_BY_CODE.get(self.code, "UNKNOWN")
        self.headers = dict(headers or {})
        self.details = details

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def invalid(field: str, problem: str) -> ApiError:
    """400 INVALID_ARGUMENT naming the offending field, e.g. ``tools[1].type``."""
    return ApiError(400, f"Invalid value at '{field}': {problem}" if field else problem)


def not_found(what: str) -> ApiError:
    return ApiError(404, what, "NOT_FOUND")
