"""``map(df, prompt)``: one prompt per row of a DataFrame, concurrently, into a DataFrame.

Why its own module: a batch has concerns a single turn does not: bounded concurrency, retries
that honour ``Retry-After``, one bad row never aborting the rest, a progress bar, Ctrl-C that
returns what finished, identical requests sent once, and memory that does not grow with the
number of rows in flight. The decisions:

* **rows are independent one-off turns**: no ``previous_interaction_id``, never part of the
  kernel's chain (its head does not move). They are stored server-side like any ``ask()``
  (the API's default) so every ``interaction_id`` in the output can be shown or continued;
  ``store=False`` opts out. They are **not** written to the history log one by one (thousands of
  SQLite writes would slow the batch; the returned frame is the record);
* the requests run on the SDK's **async** client (``client.aio.interactions``; one client per
  map) in an event loop of their own, on a worker thread, so the same code runs in a script, in
  terminal IPython and inside a Jupyter kernel (whose own loop is already running). The caller's
  thread only shows progress and turns Ctrl-C into a prompt cancellation. Each row's call is
  :class:`~gemini_nb.map_send.RowSender`: the same request on the wire as ``create(**request)``
  at about half the SDK's CPU (the SDK, not the map, bounds a big map's speed);
* ``concurrency`` workers pull rows from **one iterator** over the input, so at most that many
  requests exist at once (a list of all requests is never built);
* the SDK's own retries are off (``attempts=1``); here a 408/429/5xx, a timeout or a dropped
  connection is retried up to ``retries`` times, waiting ``Retry-After`` when the server gives
  it, else exponential backoff with jitter. A row that still fails keeps its one-line message
  in the ``error`` column;
* identical requests (same rendered prompt and options) are sent once; duplicates share the answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .map_progress import MapProgress, reporter_for

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
META = {"interaction_id": "str", "input_tokens": "int", "output_tokens": "int", "error": "str"}
"""The columns every map output ends with (name -> kind, see :func:`gemini_nb.structured.cast`)."""
REPORT_EVERY = 0.2
"""Seconds between progress updates (the caller's thread only waits in between)."""


class MapError(ValueError):
    """A map that cannot start (bad input, template, option); one line, nothing was sent."""


class RowView(dict):
    """``{{row}}`` in a template: the row's columns as one JSON object."""

    def __str__(self) -> str:
        return json.dumps(self, ensure_ascii=False, default=str)


@dataclass
class Outcome:
    """What one row produced (kept small: the answer's JSON value or text, ids, counts, error)."""

    answer: Any = None
    interaction_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None


def iter_rows(rows: Any) -> Iterator[tuple[int, Any, dict[str, Any]]]:
    """(position, index label, {column: value}) lazily, for a DataFrame or an iterable of mappings."""
    if hasattr(rows, "itertuples") and hasattr(rows, "columns"):
        columns = [str(c) for c in rows.columns]
        for pos, (label, values) in enumerate(zip(rows.index, rows.itertuples(index=False, name=None))):
            yield pos, label, dict(zip(columns, values))
        return
    for pos, row in enumerate(rows):
        if not hasattr(row, "keys"):
            raise MapError(
                f"map() rows must be mappings (dicts) or a DataFrame; row {pos} is a {type(row).__name__}"
            )
        yield pos, pos, dict(row)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (``Retry-After``/``retry-after-ms`` on the SDK's error)."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None or not hasattr(headers, "get"):
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(float(value) * scale, 0.0)
            except ValueError:
                continue  # an HTTP date: fall back to backoff
    return None


def is_retryable(exc: BaseException) -> bool:
    """429/5xx/408, a timeout or a dropped connection (never a 4xx about the request itself)."""
    status = getattr(exc, "status_code", None)
    if status is not None:
        return status in RETRY_STATUS
    try:
        from google.genai import _interactions as ix
    except Exception:  # pragma: no cover - the SDK is a hard dependency
        return False
    import httpx

    return isinstance(exc, (ix.APIConnectionError, httpx.TransportError, asyncio.TimeoutError))


def _plain_sender(aio: Any) -> Callable[[dict[str, Any]], Any]:
    """The SDK's keyword call, unchanged (map_rows uses :class:`map_send.RowSender`)."""
    return lambda request: aio.interactions.create(**request)


class Mapper:
    """Runs one map: ``request_for(row) -> (request, error)`` per row, ``make_client()`` for the SDK
    client (built on the worker thread), results by input position."""

    def __init__(
        self,
        rows: Iterator[tuple[int, Any, dict[str, Any]]],
        *,
        request_for: Callable[[dict[str, Any]], dict[str, Any]],
        finish: Callable[[Any], Outcome],
        describe: Callable[[BaseException, dict], str],
        make_client: Callable[[], Any],
        make_sender: Callable[[Any], Callable[[dict[str, Any]], Any]] | None = None,
        concurrency: int = 16,
        retries: int = 6,
        backoff: float = 0.5,
        backoff_cap: float = 20.0,
        total: int | None = None,
        rng: random.Random | None = None,
    ):
        self.rows = rows
        self.request_for = request_for
        self.finish = finish
        self.describe = describe
        self.make_client = make_client
        self.make_sender = make_sender or _plain_sender
        self.concurrency = concurrency
        self.retries = retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.total = total
        self.rng = rng or random.Random()
        self.outcomes: dict[int, tuple[Any, Outcome]] = {}
        self.cache: dict[bytes, Any] = {}
        self.errors = 0
        self.sent = 0
        self.retried = 0
        self.deduplicated = 0
        self.started = time.monotonic()
        self.done = threading.Event()
        self.failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False

    # -- the caller's side ------------------------------------------------------------------------
    def snapshot(self, finished: bool = False) -> MapProgress:
        return MapProgress(
            done=len(self.outcomes),
            total=self.total,
            errors=self.errors,
            retries=self.retried,
            elapsed=time.monotonic() - self.started,
            finished=finished,
        )

    def run(self, report: Callable[[MapProgress], None] | None = None) -> bool:
        """Run to the end (True) or until Ctrl-C (False); progress goes to ``report`` from this
        thread. A failure that stops the whole batch (not a row's) is re-raised here."""
        thread = threading.Thread(target=self._thread_main, name="gemini-nb-map", daemon=True)
        self.started = time.monotonic()
        thread.start()
        try:
            while not self.done.wait(REPORT_EVERY):
                if report is not None:
                    report(self.snapshot())
            if report is not None:
                report(self.snapshot(finished=True))
        except KeyboardInterrupt:
            self.stop()
            thread.join(10)
            return False
        except BaseException:  # the reporter failed: stop the batch too, never leave it running
            self.stop()
            thread.join(10)
            raise
        thread.join()
        if self.failure is not None:
            raise self.failure
        return True

    def stop(self) -> None:
        """Cancel every request in flight; rows not started are never sent."""
        self._stopping = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop already closed: nothing left to cancel
                pass

    # -- the worker thread ------------------------------------------------------------------------
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # reported on the caller's thread
            self.failure = exc
        finally:
            self.done.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        if self._stopping:
            return
        client = self.make_client()
        aio = client.aio
        try:
            send = self.make_sender(aio)  # one client and one sender for the whole map
            workers = [asyncio.ensure_future(self._worker(send)) for _ in range(self.concurrency)]
            try:
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
        finally:
            try:
                await aio.aclose()
            except Exception:
                pass

    async def _worker(self, send: Callable[[dict[str, Any]], Any]) -> None:
        while not self._stopping:
            try:
                pos, label, row = next(self.rows)  # one shared iterator: rows stream in
            except StopIteration:
                return
            outcome = await self._row(send, row)
            if outcome.error:
                self.errors += 1
            self.outcomes[pos] = (label, outcome)

    async def _row(self, send: Callable[[dict[str, Any]], Any], row: dict[str, Any]) -> Outcome:
        try:
            request = self.request_for(row)
        except MapError as exc:
            return Outcome(error=str(exc))
        key = hashlib.blake2b(
            json.dumps(request, sort_keys=True, default=repr).encode(), digest_size=16
        ).digest()
        known = self.cache.get(key)
        if known is not None:
            self.deduplicated += 1
            return await asyncio.shield(known) if isinstance(known, asyncio.Future) else known
        future = asyncio.get_running_loop().create_future()
        self.cache[key] = future
        try:
            outcome = await self._send(send, request)
        except BaseException:
            self.cache.pop(key, None)
            future.cancel()
            raise
        self.cache[key] = outcome
        future.set_result(outcome)
        return outcome

    async def _send(self, send: Callable[[dict[str, Any]], Any], request: dict[str, Any]) -> Outcome:
        attempt = 0
        while True:
            self.sent += 1
            try:
                interaction = await send(request)
            except Exception as exc:
                if attempt >= self.retries or not is_retryable(exc):
                    return Outcome(error=self.describe(exc, request))
                self.retried += 1
                await asyncio.sleep(self.delay(attempt, retry_after(exc)))
                attempt += 1
                continue
            try:
                return self.finish(interaction)
            except Exception as exc:  # an answer we cannot read is this row's error, not the batch's
                return Outcome(error=f"could not read the answer: {type(exc).__name__}: {exc}")

    def delay(self, attempt: int, server: float | None) -> float:
        """Seconds before retry ``attempt`` (0-based): at least the server's ``Retry-After`` (plus up
        to 10% jitter so the retries do not arrive together), else exponential with jitter."""
        if server is not None:
            return server + self.rng.uniform(0, min(server * 0.1, 1.0))
        cap = min(self.backoff_cap, self.backoff * (2**attempt))
        return cap / 2 + self.rng.uniform(0, cap / 2)


# -- the public function ---------------------------------------------------------------------------
def _row_template(
    template: str, namespace: dict[str, Any] | None, interpolate: bool
) -> Callable[[dict[str, Any]], str]:
    from . import templating

    def render(row: dict[str, Any]) -> str:
        if not interpolate:
            return template
        scope = ChainMap(row, {"row": RowView(row)}, namespace or {})
        try:
            return templating.render(template, scope)
        except templating.TemplateError as exc:
            raise MapError(str(exc)) from None

    return render


def map_rows(
    rows: Any,
    prompt: str,
    *,
    schema: Any = None,
    many: bool = False,
    concurrency: int = 16,
    model: str | None = None,
    retries: int = 6,
    progress: Any = True,
    namespace: dict[str, Any] | None = None,
    interpolate: bool = True,
    session: Any = None,
    **options: Any,
) -> Any:
    """Run ``prompt`` once per row of ``rows`` (a DataFrame, or an iterable of dicts) and return a
    DataFrame on the input's index.

    ``{{column}}`` in the prompt is the row's value, ``{{row}}`` the whole row as JSON (other names
    come from ``namespace``). Columns: ``text`` (or the fields of ``schema``, typed; with ``many`` one
    output row per item), then ``interaction_id``, ``input_tokens``, ``output_tokens``, ``error``.
    ``progress``: True (a bar in a notebook, a line on a terminal), False, or a callable taking a
    :class:`~gemini_nb.map_progress.MapProgress`. Ctrl-C returns the rows that finished
    (``frame.attrs["gemini_nb"]["interrupted"]``). Other options are ``ask()``'s.
    """
    from .request import OptionError, build_request

    _check_limits(concurrency, retries)
    session = session if session is not None else _one_off_session()
    opts = _row_options(session, model, schema, many, namespace, options)
    try:
        base, _, _ = build_request(_Stateless(session), "", opts)
    except OptionError as exc:
        raise MapError(str(exc)) from None
    render = _row_template(prompt, namespace, interpolate)
    found = iter_rows(rows)
    try:
        first = next(found)
    except StopIteration:
        first = None
    if first is not None:
        render(first[2])  # a placeholder that cannot be filled stops the map before anything is sent
    backend = session.backend()
    settings = session.settings

    def request_for(row: dict[str, Any]) -> dict[str, Any]:
        return {**base, "input": render(row)}

    def describe(exc: BaseException, request: dict[str, Any]) -> str:
        from .errors import describe as describe_error

        return str(
            describe_error(
                exc,
                request=request,
                base_url=backend.base_url,
                timeout=settings.timeout,
                attempts=retries + 1,
                keeps_chain=False,
            )
        )

    def make_client() -> Any:
        return backend.client(settings.timeout, 1)

    total = len(rows) if hasattr(rows, "__len__") else None
    mapper = Mapper(
        _chain_first(first, found),
        request_for=request_for,
        finish=_finisher(opts.schema),
        describe=describe,
        make_client=make_client,
        make_sender=lambda aio: _row_sender(aio, base),
        concurrency=concurrency,
        retries=retries,
        total=total,
    )
    completed = mapper.run(reporter_for(progress))
    return _result_frame(mapper, rows, opts.schema, total, completed, backend.emulated)


def _row_sender(aio: Any, base: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """The map's SDK call (see :mod:`gemini_nb.map_send`): every row's request is ``base`` plus
    its rendered text as ``input``."""
    from .map_send import RowSender

    return RowSender.for_request(aio, {**base, "input": ""})


def _check_limits(concurrency: Any, retries: Any) -> None:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or not 1 <= concurrency <= 256:
        raise MapError(f"concurrency must be an integer between 1 and 256 (got {concurrency!r})")
    if not isinstance(retries, int) or retries < 0:
        raise MapError(f"retries must be a non-negative integer (got {retries!r})")


def _one_off_session() -> Any:
    """A session with the kernel's settings and backend that keeps no chain (rows are one-off)."""
    from . import api

    api._sync_settings(api.default_session())
    return api.Session(
        api.default_session().settings, keeps_chain=False, backend=api.default_session().backend_choice
    )


def _row_options(
    session: Any,
    model: str | None,
    schema: Any,
    many: bool,
    namespace: dict[str, Any] | None,
    options: dict[str, Any],
) -> Any:
    """Every row's TurnOptions: unary, a fresh chain, the schema resolved once."""
    from .schemas import SchemaError, resolve

    for name in ("from_ref", "from_", "thread", "agent", "stream"):
        if options.get(name) not in (None, False):
            raise MapError(f"map() rows are independent unary turns: {name}= does not apply")
    options.pop("stream", None)
    options.pop("new", None)
    opts = session.options(model=model, new=True, stream=False, **options)
    try:
        opts.schema = resolve(schema, many=many, namespace=namespace) if schema is not None else None
    except SchemaError as exc:
        raise MapError(str(exc)) from None
    if many and schema is None:
        raise MapError("many=True needs a schema (a list of what?)")
    opts.many = False  # resolved above: the Schema already asks for the list
    return opts


def _result_frame(
    mapper: Any, rows: Any, schema: Any, total: int | None, completed: bool, emulated: bool
) -> Any:
    """The output DataFrame with the run's statistics in ``attrs``; says so when interrupted."""
    frame = _frame(mapper, rows, schema)
    frame.attrs["gemini_nb"] = {
        "rows": len(mapper.outcomes),
        "total": total,
        "errors": mapper.errors,
        "requests": mapper.sent,
        "retries": mapper.retried,
        "deduplicated": mapper.deduplicated,
        "interrupted": not completed,
        "emulated": emulated,
    }
    if not completed:
        import sys

        print(
            f"map interrupted: {len(mapper.outcomes)} of {total if total is not None else '?'} rows "
            "finished and are returned; the others were not sent or were cancelled.",
            file=sys.stderr,
        )
    return frame


class _Stateless:
    """A request source with an empty chain: every row is a fresh one-off turn."""

    def __init__(self, session: Any):
        from .chain import Chain

        self.chain = Chain()
        self.settings = session.settings


def _chain_first(first: Any, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
    yield from rest


def _finisher(schema: Any) -> Callable[[Any], Outcome]:
    from .stream import result_from_interaction
    from .turn import failure_message

    def finish(interaction: Any) -> Outcome:
        result = result_from_interaction(interaction)
        outcome = Outcome(
            interaction_id=result.id,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
        )
        if result.status == "failed":
            outcome.error = failure_message(result, keeps_chain=False)
        elif result.status != "completed":
            outcome.error = f"the interaction ended with status {result.status!r}"
            outcome.answer = result.text if schema is None else None
        elif schema is None:
            outcome.answer = result.text
        else:
            from .structured import check

            answer = check(schema, result.text)
            if answer.ok:
                outcome.answer = answer.jsonable
            else:
                outcome.error = answer.error
        return outcome

    return finish


def _frame(mapper: Mapper, rows: Any, schema: Any) -> Any:
    """The output on the input's index, in input order (only the rows that finished)."""
    import pandas as pd

    from .structured import column_kinds, flatten, to_frame

    positions: list[int] = []
    records: list[dict[str, Any]] = []
    labels: list[Any] = []
    if schema is not None:
        kinds, _ = column_kinds(schema.json_schema)
    else:
        kinds = {"text": "str"}
    for pos in sorted(mapper.outcomes):
        label, outcome = mapper.outcomes[pos]
        meta = {
            "interaction_id": outcome.interaction_id,
            "input_tokens": outcome.input_tokens,
            "output_tokens": outcome.output_tokens,
            "error": outcome.error,
        }
        if schema is None:
            items = [{"text": outcome.answer}]
        elif outcome.answer is None:
            items = [{}]
        elif schema.many:
            items = [flatten(item) for item in outcome.answer] or [{}]
        else:
            items = [flatten(outcome.answer)]
        for item in items:
            positions.append(pos)
            labels.append(label)
            records.append({**item, **meta})
    if hasattr(rows, "index") and hasattr(rows, "columns"):
        index = rows.index.take(positions)
    else:
        index = pd.Index(labels)
    return to_frame(records, kinds, index=index, extra=META)


map = map_rows  # ``gemini_nb.map``; the package never calls the builtin through this module


__all__ = ["map_rows", "Mapper", "MapError", "Outcome", "iter_rows", "retry_after", "is_retryable", "RowView"]
