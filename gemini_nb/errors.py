"""Every failure as one clear line, with the API key scrubbed from anything we show.

The SDK's interactions exceptions live in ``google.genai._interactions`` (not
``google.genai.errors``) and read ``Error code: 429 - {...json...}``; a mid-stream ``error``
event is not raised at all. :func:`describe` turns any of them into a :class:`GeminiError`
whose ``str`` is one line a newcomer can act on. The SDK is only imported when an error is
actually being classified, so importing this module stays cheap.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

_KEY_PATTERN = re.compile(r"AIza[0-9A-Za-z_\-]{20,}")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a key so :func:`redact` removes it from every message we produce."""
    if value and len(value) >= 8:
        _secrets.add(value)


def redact(text: Any) -> str:
    text = str(text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return _KEY_PATTERN.sub("***", text)


class GeminiError(Exception):
    """A turn failed. ``str(exc)`` is the one-line explanation; ``partial`` holds what arrived
    (also returned by ``gemini_nb.last()``). In IPython the error shows as that one line: an
    expected API failure is not a bug in the user's code, so no traceback is printed."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        status_code: int | None = None,
        partial: Any = None,
        retry_after: float | None = None,
    ):
        super().__init__(redact(message))
        self.kind = kind or self.kind
        self.status_code = status_code
        self.partial = partial
        self.retry_after = retry_after
        self.original: BaseException | None = None

    def _render_traceback_(self) -> list[str]:
        """IPython's hook (``InteractiveShell.showtraceback``): the lines shown instead of a
        traceback. One line; it says where the partial answer went when there is one."""
        where = " [partial answer: err.partial, gemini_nb.last()]" if self.partial is not None else ""
        return [f"{type(self).__name__}: {self}{where}"]


def sentence(text: Any) -> str:
    """``text`` ending with exactly one full stop: messages are joined into sentences, and a
    server message may already end in ``.``, ``…``, ``!`` or ``?`` (never ``complete..``)."""
    text = str(text).rstrip()
    if not text:
        return "(no details)."
    if text.endswith("..."):
        text = text[:-3].rstrip() + "…"
    return text if text.endswith((".", "…", "!", "?")) else text + "."


def _clause(text: Any) -> str:
    """``text`` without its final full stop, for a clause that continues (``...; retry ...``)."""
    return str(text).rstrip().rstrip(".").rstrip()


def _body_error(exc: Any) -> tuple[str, str | None]:
    """(message, status) from a Google-style or 3.x error body; falls back to str(exc)."""
    body = getattr(exc, "body", None)
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or ""), err.get("status") or (
            err.get("code") if isinstance(err.get("code"), str) else None
        )
    message = getattr(exc, "message", None) or str(exc)
    message = re.sub(r"^Error code: \d+ - ", "", str(message))
    if message.lstrip().startswith("<"):  # an HTML error page
        message = re.sub(r"<[^>]+>", " ", message)
        message = " ".join(message.split())[:200]
    return message, None


def _is_key_problem(exc: Any, message: str) -> bool:
    """An invalid/expired/missing API key, whatever status the server chose (Google: 400
    ``API_KEY_INVALID``; some proxies and emulators: 401/403 "API key not valid")."""
    lower = message.lower()
    if ("api key" in lower or "api_key" in lower) and (
        getattr(exc, "status_code", None) != 403
        or any(w in lower for w in ("not valid", "invalid", "expired", "missing", "unregistered"))
    ):
        return True
    body = getattr(exc, "body", None)
    err = body.get("error") if isinstance(body, dict) else None
    details = err.get("details") if isinstance(err, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("reason", "")).startswith("API_KEY"):
            return True
    return False


def _retry_after(exc: Any) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name in ("retry-after-ms", "retry-after"):
        value = headers.get(name) if hasattr(headers, "get") else None
        if value:
            try:
                seconds = float(value)
            except ValueError:
                continue
            return seconds / 1000 if name.endswith("ms") else seconds
    return None


def head_note(keeps_chain: bool) -> str:
    """The clause about the chain head, only where there is one (``gemini_nb.ask`` has none)."""
    return "; the chain head did not move" if keeps_chain else ""


def describe(
    exc: BaseException,
    *,
    request: dict[str, Any] | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    attempts: int | None = None,
    keeps_chain: bool = True,
) -> GeminiError:
    """Classify ``exc`` (SDK exception, StreamError, OSError...) into a one-line GeminiError.

    ``keeps_chain``: the failed turn belongs to a chain whose head stays put (a Session, the
    magics); a one-off ``ask()`` has no head, so its messages never mention one.
    """
    from .stream import StreamError

    request = request or {}
    if isinstance(exc, GeminiError):
        return exc
    if isinstance(exc, StreamError):
        code = f"[{exc.code}] " if exc.code else ""
        return GeminiError(
            f"The stream failed mid-answer: {code}{sentence(exc.message)} "
            f"The partial answer is kept{head_note(keeps_chain)}.",
            kind="stream",
        )
    try:
        from google.genai import _interactions as ix
    except Exception:  # pragma: no cover - the SDK is a hard dependency
        return GeminiError(f"{type(exc).__name__}: {exc}")
    failure = _Failure.of(exc)
    if isinstance(exc, ix.APITimeoutError):
        limit = f" after {timeout:g} s" if timeout else ""
        return GeminiError(
            f"The request timed out{limit}; raise it with %config GeminiMagics.timeout "
            "= <seconds> or try again.",
            kind="timeout",
        )
    if isinstance(exc, ix.APIConnectionError):
        where = base_url or "the Gemini API"
        return GeminiError(
            f"Cannot connect to {where} (connection refused or unreachable); check the "
            "network or %gemini backend.",
            kind="connection",
        )
    return _describe_api(exc, ix, failure, request, attempts)


class _Failure(NamedTuple):
    """What an API error said, pre-formatted for the messages below."""

    status_code: int | None
    said: str
    """The server's message as a sentence: "...: {said} Next sentence."."""
    message: str
    """The same without its full stop: "...: {message}; more"."""
    label: str
    """'HTTP 404 NOT_FOUND'."""
    status: str = ""
    """Google's status word ('FAILED_PRECONDITION'), when the body gives one."""

    @classmethod
    def of(cls, exc: BaseException) -> _Failure:
        status_code = getattr(exc, "status_code", None)
        message, status = _body_error(exc)
        label = f"HTTP {status_code}{' ' + status if status else ''}"
        return cls(status_code, sentence(message), _clause(message), label, status or "")


def _describe_api(
    exc: BaseException, ix: Any, f: _Failure, request: dict[str, Any], attempts: int | None
) -> GeminiError:
    """SDK status errors (key, permission, quota, not found, bad request, server) and the rest."""
    status_code, said, label = f.status_code, f.said, f.label
    if isinstance(exc, ix.AuthenticationError) or (
        status_code in (400, 401, 403) and _is_key_problem(exc, f.message)
    ):
        return GeminiError(
            f"The API key was rejected ({label}): {said} Set GEMINI_API_KEY or run "
            "%gemini key (never paste keys into a cell).",
            kind="auth",
            status_code=status_code,
        )
    if isinstance(exc, ix.PermissionDeniedError):
        return GeminiError(
            f"Permission denied ({label}): {said} Check that the key's project may use this model.",
            kind="permission",
            status_code=status_code,
        )
    if isinstance(exc, ix.RateLimitError):
        wait = _retry_after(exc)
        hint = f"; retry after {wait:g} s" if wait else "; wait a moment and retry"
        return GeminiError(
            f"Quota exceeded ({label}): {f.message}{hint}.",
            kind="quota",
            status_code=status_code,
            retry_after=wait,
        )
    if isinstance(exc, ix.NotFoundError):
        return _describe_not_found(f, request)
    if isinstance(exc, ix.BadRequestError) or isinstance(exc, ix.UnprocessableEntityError):
        # a 400 is not always a bad argument: FAILED_PRECONDITION ("User location is not supported")
        title = (
            "Invalid argument"
            if f.status in ("", "INVALID_ARGUMENT")
            else f.status.replace("_", " ").capitalize()
        )
        return GeminiError(f"{title} ({label}): {said}", kind="invalid", status_code=status_code)
    if isinstance(exc, ix.InternalServerError):
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        return GeminiError(
            f"Server error ({label}){tries}: {said} Try again later.", kind="server", status_code=status_code
        )
    if isinstance(exc, ix.APIStatusError):
        return GeminiError(f"API error ({label}): {said}", kind="status", status_code=status_code)
    if isinstance(exc, ix.APIError):
        return GeminiError(f"API error: {said}", kind="api")
    if isinstance(exc, (TypeError, ValueError)):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return GeminiError(f"Invalid request: {first}", kind="invalid")
    return GeminiError(f"{type(exc).__name__}: {exc}", kind="unexpected")


def _describe_not_found(f: _Failure, request: dict[str, Any]) -> GeminiError:
    """A 404 names what is missing: the interaction, the model or agent, or the chain's previous turn."""
    status_code, said, label = f.status_code, f.said, f.label
    target = request.get("interaction_id")
    if target:  # %gemini show / delete: the interaction itself is missing
        return GeminiError(
            f"Interaction {target!r} not found ({label}): {said}", kind="not_found", status_code=status_code
        )
    prev = request.get("previous_interaction_id")
    name = request.get("model") or request.get("agent")
    lower = f.message.lower()
    if name and str(name).lower() in lower or (not prev and ("model" in lower or "agent" in lower)):
        if request.get("agent") and not request.get("model"):
            return GeminiError(
                f"Agent {name!r} not found ({label}): {said} Check the --agent name, "
                "e.g. deep-research-pro-preview-12-2025.",
                kind="model",
                status_code=status_code,
            )
        return GeminiError(
            f"Model {name!r} not found ({label}): {said} Try -m gemini-3-flash-preview.",
            kind="model",
            status_code=status_code,
        )
    if prev:
        return GeminiError(
            f"Unknown or expired previous_interaction_id {prev!r} ({label}): {said} "
            "Run %gemini reset to start a fresh chain.",
            kind="previous",
            status_code=status_code,
        )
    return GeminiError(f"Not found ({label}): {said}", kind="not_found", status_code=status_code)
