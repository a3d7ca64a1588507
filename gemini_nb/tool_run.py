"""Running the calls the model asked for: check, (approve), run with a timeout, convert the result.

Why its own module: this is the safety boundary of the tool loop. The rules it owns:

* only a function the user handed over can run: a call to any other name is answered with an
  error result and nothing is executed (there is no lookup by name anywhere else);
* arguments are checked against the declaration (a small JSON Schema validator: types,
  required, enum, const, properties, items, anyOf/oneOf, bounds, ``$ref``) and then converted to
  the function's own types (Enum, dataclass, pydantic...) with pydantic's ``TypeAdapter``;
* a function that raises or outlives ``timeout`` becomes an error result; sync functions run one
  at a time, each in a worker thread (a timed-out one is abandoned, never waited for), async
  ones together on one event loop in a worker thread (so they run concurrently, even inside a
  kernel whose own loop is running);
* the value goes through :func:`gemini_nb.tool_json.to_json`.

Every outcome is a :class:`~gemini_nb.toolcall.ToolCall`; nothing here raises for a bad call.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .tool_json import to_json
from .toolcall import DECLINED, ERROR, OK, ToolCall

Approver = Callable[[ToolCall], bool]


# -- argument checking ---------------------------------------------------------------------------
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def check_arguments(
    value: Any, schema: dict[str, Any] | None, root: dict[str, Any] | None = None, path: str = ""
) -> list[str]:
    """Problems with ``value`` against a JSON Schema (empty: valid); each names its path."""
    if not isinstance(schema, dict) or not schema:
        return []
    root = root if root is not None else schema
    where = path or "arguments"
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return check_arguments(value, target, root, path)
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if schema.get("nullable") and value is None:
            return []
        if not any(_TYPES.get(k, lambda v: True)(value) for k in kinds):
            return [f"{where}: expected {' or '.join(map(str, kinds))}, got {_shown(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {_shown(value)} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: must be {schema['const']!r}")
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            if all(check_arguments(value, option, root, path) for option in options):
                errors.append(f"{where}: {_shown(value)} matches none of the allowed forms")
    for option in schema.get("allOf") or []:
        errors.extend(check_arguments(value, option, root, path))
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                errors.append(f"{_join(path, name)}: required, missing")
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in props:
                errors.extend(check_arguments(item, props[name], root, _join(path, name)))
            elif extra is False:
                errors.append(f"{_join(path, name)}: unexpected argument")
            elif isinstance(extra, dict):
                errors.extend(check_arguments(item, extra, root, _join(path, name)))
    if isinstance(value, list):
        prefix = schema.get("prefixItems") or []
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else schema.get("items")
            errors.extend(check_arguments(item, sub, root, f"{where}[{i}]"))
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{where}: at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: at most {schema['maxItems']} items")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, test, word in (
            ("minimum", lambda v, b: v >= b, ">="),
            ("maximum", lambda v, b: v <= b, "<="),
            ("exclusiveMinimum", lambda v, b: v > b, ">"),
            ("exclusiveMaximum", lambda v, b: v < b, "<"),
        ):
            bound = schema.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and not test(value, bound):
                errors.append(f"{where}: must be {word} {bound}")
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                if not re.search(pattern, value):
                    errors.append(f"{where}: does not match {pattern!r}")
            except re.error:
                pass
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
    return errors


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def coerce_arguments(fn: Callable[..., Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments as ``fn``'s parameter types (``"celsius"`` -> ``Unit.CELSIUS``, a dict -> a
    dataclass or model); raises ``ValueError`` naming the parameter. Scalars pass unchanged."""
    from .tools import type_hints

    hints = type_hints(fn)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return dict(arguments)
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    out: dict[str, Any] = {}
    for name, value in arguments.items():
        param = params.get(name)
        if param is None or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            if not takes_kwargs:
                raise ValueError(f"{name}: unexpected argument")
            out[name] = value
            continue
        hint = hints.get(name, param.annotation)
        if hint in (param.empty, Any, str, int, bool) or isinstance(hint, str):
            out[name] = value
            continue
        try:
            from pydantic import TypeAdapter

            out[name] = TypeAdapter(hint).validate_python(value)
        except Exception as exc:  # pydantic's ValidationError, or a hint pydantic cannot handle
            first = str(exc).splitlines()
            detail = first[2].strip() if len(first) > 2 else (first[0] if first else type(exc).__name__)
            raise ValueError(f"{name}: {detail}") from None
    return out


# -- running ---------------------------------------------------------------------------------------
class _Job:
    """One approved call on its way: the function, its arguments, and (later) the outcome."""

    def __init__(self, record: ToolCall, fn: Callable[..., Any], kwargs: dict[str, Any]):
        self.record, self.fn, self.kwargs = record, fn, kwargs
        self.value: Any = None
        self.exc: BaseException | None = None
        self.done = threading.Event()
        self.started = 0.0
        self.ended: float | None = None

    @property
    def is_async(self) -> bool:
        target = getattr(self.fn, "func", self.fn)
        return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
            getattr(target, "__call__", None)
        )

    def run_sync(self) -> None:
        try:
            value = self.fn(**self.kwargs)
            if inspect.isawaitable(value):
                value = asyncio.run(_awaited(value))
            self.value = value
        except BaseException as exc:  # noqa: BLE001 - reported as the call's error
            self.exc = exc
        finally:
            self.ended = time.monotonic()
            self.done.set()

    async def run_async(self, timeout: float | None) -> None:
        try:
            self.value = await asyncio.wait_for(self.fn(**self.kwargs), timeout)
        except asyncio.TimeoutError:
            pass  # done stays unset for the caller: reported as a timeout
        except BaseException as exc:  # noqa: BLE001
            self.exc = exc
            self.ended = time.monotonic()
            self.done.set()
        else:
            self.ended = time.monotonic()
            self.done.set()


async def _awaited(value: Any) -> Any:
    return await value


def run_calls(
    calls: Iterable[dict[str, Any]],
    functions: dict[str, Callable[..., Any]],
    declarations: dict[str, dict[str, Any]],
    *,
    timeout: float | None = 30.0,
    approve: Approver | None = None,
    max_rows: int | None = None,
) -> list[ToolCall]:
    """Answer ``calls`` (``{id, name, arguments}``); one :class:`ToolCall` each, in order."""
    records: list[ToolCall] = []
    jobs: list[_Job] = []
    for call in calls:
        record = ToolCall(id=call.get("id"), name=call.get("name"), arguments=call.get("arguments") or {})
        records.append(record)
        job = _prepare(record, functions, declarations, approve)
        if job is not None:
            jobs.append(job)
    _execute(jobs, timeout)
    for job in jobs:
        _settle(job, timeout, max_rows)
    return records


def _prepare(
    record: ToolCall,
    functions: dict[str, Callable[..., Any]],
    declarations: dict[str, dict[str, Any]],
    approve: Approver | None,
) -> _Job | None:
    name = record.name
    fn = functions.get(name) if isinstance(name, str) else None
    if fn is None:
        names = ", ".join(sorted(functions)) or "none"
        return _fail(record, f"no function named {name!r} is available (available: {names}); nothing was run")
    arguments = record.arguments
    if not isinstance(arguments, dict) or "_unparsed" in arguments:
        return _fail(record, f"invalid arguments for {name}: not a JSON object")
    problems = check_arguments(arguments, (declarations.get(name) or {}).get("parameters"))
    if problems:
        return _fail(record, f"invalid arguments for {name}: " + "; ".join(problems[:5]))
    try:
        kwargs = coerce_arguments(fn, arguments)
    except ValueError as exc:
        return _fail(record, f"invalid arguments for {name}: {exc}")
    if approve is not None:
        try:
            allowed = approve(record)
        except EOFError:
            allowed = False
        if not allowed:
            record.status = DECLINED
            record.error = f"the user declined to run {name}"
            record.result = {"error": record.error}
            return None
    return _Job(record, fn, kwargs)


def _fail(record: ToolCall, message: str) -> None:
    record.status = ERROR
    record.error = message
    record.result = {"error": message}
    record.duration_s = 0.0
    return None


def _execute(jobs: list[_Job], timeout: float | None) -> None:
    """Run every job, each within ``timeout`` seconds: async jobs together on one event loop in a
    worker thread; sync jobs one after another, each in its own worker thread (notebook code is
    rarely thread-safe, so two of the user's functions never run at once; a job still running
    at its timeout is abandoned, and the next one starts)."""
    limit = timeout if timeout and timeout > 0 else None
    sync = [job for job in jobs if not job.is_async]
    async_jobs = [job for job in jobs if job.is_async]
    if async_jobs:

        async def gather() -> None:
            await asyncio.gather(*(job.run_async(limit) for job in async_jobs))

        began = time.monotonic()
        for job in async_jobs:
            job.started = began
        threading.Thread(
            target=asyncio.run, args=(gather(),), name="gemini-nb-async-tools", daemon=True
        ).start()
    for job in sync:
        job.started = time.monotonic()
        threading.Thread(target=job.run_sync, name=f"gemini-nb-tool-{job.record.name}", daemon=True).start()
        job.done.wait(limit)
    for job in async_jobs:
        remaining = None if limit is None else max(limit - (time.monotonic() - job.started), 0.0)
        job.done.wait(remaining)


def _settle(job: _Job, timeout: float | None, max_rows: int | None) -> None:
    record = job.record
    if not job.done.is_set():
        record.duration_s = round(time.monotonic() - job.started, 3)
        _fail(
            record, f"{record.name} did not finish within {timeout:g} s (abandoned; its result is not used)"
        )
        record.duration_s = round(time.monotonic() - job.started, 3)
        return
    record.duration_s = round((job.ended or time.monotonic()) - job.started, 3)
    if job.exc is not None:
        exc = job.exc
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        record.status = ERROR
        record.error = f"{record.name} raised {type(exc).__name__}" + (f": {message}" if message else "")
        record.result = {"error": record.error}
        return
    value, notes = to_json(job.value, **({"max_rows": max_rows} if max_rows else {}))
    record.status = OK
    record.result = value
    record.notes = notes


def ask_in_terminal(record: ToolCall) -> bool:
    """The default ``--approve`` prompt: ``input()`` (a kernel shows it as a text box)."""
    answer = input(f"Run {record.signature(200)}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


__all__ = ["Approver", "ask_in_terminal", "check_arguments", "coerce_arguments", "run_calls"]
