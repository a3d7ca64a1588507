"""The emulator's operations (create, get, stream, cancel, delete), free of HTTP details.

:mod:`gemini_nb.emulator.app` maps requests onto these methods; everything stateful
(store, runs, ids, faults, request log, brain) hangs off one :class:`Emulator` object, so a
test or the control plane can reach any of it directly.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from . import dialects, memory, requestlog, runs
from . import events as ev
from .brain.base import Brain, LazyRandom, Reply, TurnContext, remembered
from .brain.history import EMPTY, History, fold, is_plain, step_size, summarize
from .config import EmulatorConfig
from .errors import ApiError, not_found
from .faults import FaultRule, Faults
from .ids import IdFactory
from .prepared import Prepared, PreparedBodies, Unary
from .prepared import blob as prepared_blob
from .remembered import Tails
from .store import RUNNING, Record, open_store
from .validate import normalize_input, validate_create

LARGE_TURN = 100_000
"""A turn whose history and input are larger than this (as :func:`.brain.history.summarize`
counts) is read off the event loop, and never remembered."""


class Emulator:
    def __init__(
        self,
        config: EmulatorConfig | None = None,
        brain: Brain | None = None,
        files: Any = None,
        agents: Any = None,
    ):
        self.config = config or EmulatorConfig()
        self.store = open_store(self.config.db, self.config.max_interactions)
        self.store.on_evict = self._evicted
        self._chains: collections.OrderedDict[str, History] = collections.OrderedDict()
        """Conversation up to and including each recently continued interaction (LRU), with
        its folded :class:`~.brain.history.Summary`, so a create at turn 200 reads one record
        and folds one turn, not 200."""
        self.ids = IdFactory(self.config.seed)
        self.faults = Faults()
        self.faults.reseed(self.config.seed)
        if brain is None:
            from .brain.pipeline import default_brain

            brain = default_brain()
        self.brain = brain
        self._pass_on: tuple[Any, bool] | None = None
        """(brain, whether its layers pass replies on): :meth:`_passes_replies_on`'s answer."""
        self.runs: dict[str, runs.Run] = {}
        self.request_log = requestlog.RequestLog()
        self.prepared = PreparedBodies()
        """Create bodies already read (:mod:`.prepared`)."""
        self.tails = Tails()
        """Encoded answers of remembered replies (:mod:`.remembered`)."""
        self.files: Any = files
        """The Files store brains read uploads from (``ctx.files``); None without the Files API."""
        self.agents: Any = agents
        """Saved custom agents (``id in agents``, ``agents.resolve(id) -> (built-in, chain)``),
        accepted as ``agent`` by create; None without the agents API."""
        self.resets: list[Callable[[], None]] = []
        """Extension state forgotten on reset; filled by :func:`gemini_nb.emulator.app.create_app`."""

    # -- control plane ----------------------------------------------------------------
    def reset(self) -> None:
        for run in list(self.runs.values()):
            runs.abort(run, "aborted", "The emulator was reset; this interaction no longer exists.")
        self.runs.clear()
        dropped = self.store.clear()
        self._chains = collections.OrderedDict()
        self.faults.clear()
        self.request_log.clear()
        self.prepared.clear()
        self.tails.clear()
        clear_memo = getattr(self.brain, "clear_memo", None)
        if callable(clear_memo):
            clear_memo()
        ev.CONTENT_CACHE.clear()
        for reset in self.resets:
            reset()
        memory.release(dropped)  # the records are gone: give their pages back to the OS

    def reseed(self, seed: int | None) -> None:
        self.config.seed = seed
        self.ids.reseed(seed)
        self.faults.reseed(seed)

    def log_request(
        self,
        method: str,
        path: str,
        query: str,
        headers: Iterable[tuple[str, str]],
        body: Any,
        known: Iterable[str] = (),
    ) -> None:
        """Log one API request with every credential redacted (headers, ``?key=``, body fields,
        and the request's own key value wherever it appears); ``known`` adds more values.
        The hot routes log the raw request instead (:meth:`.RequestLog.append_raw`)."""
        self.request_log.append(requestlog.entry(method, path, query, headers, body, known))

    def match_fault(self, method: str, path: str, model: str | None) -> FaultRule | None:
        return self.faults.match(method, path, model)

    # -- thinking -----------------------------------------------------------------------
    def _context(
        self,
        req: dict[str, Any],
        input_steps: list[dict[str, Any]],
        history: list[dict[str, Any]],
        memo: bool = True,
        prepared: Prepared | None = None,
    ) -> TurnContext:
        """The brain's view of a turn. Its seed is the digest of the JSON text of
        ``[model, agent, input_steps, len(history)]``; a prepared body (:mod:`.prepared`)
        brings that text's head and the request fields' text, computed once."""
        if prepared is None:
            seed = self._turn_seed(seed_head(req, input_steps), history)
            memo_key = self._memo_key(req, input_steps, history) if memo else None
        else:
            summary = summarize(history)
            probe = (len(history), summary.digest, self.config.seed, memo)
            derived = prepared.derived
            if derived is not None and derived[0] == probe:
                seed, memo_key = derived[1], derived[2]
            else:
                seed = self._turn_seed(prepared.seed_head, history)
                memo_key = self._memo_key(req, input_steps, history, prepared) if memo else None
                prepared.derived = (probe, seed, memo_key)
        return TurnContext(
            request=req,
            model=req.get("model"),
            agent=req.get("agent"),
            input_steps=input_steps,
            history=history,
            system_instruction=req.get("system_instruction"),
            tools=list(req.get("tools") or []),
            generation_config=dict(req.get("generation_config") or {}),
            response_format=req.get("response_format"),
            response_modalities=list(req.get("response_modalities") or []),
            agent_config=req.get("agent_config"),
            rng=LazyRandom(seed),
            ids=self.ids,
            files=self.files,
            memo_key=memo_key,
        )

    def _turn_seed(self, head: str, history: list[dict[str, Any]]) -> int:
        digest = hashlib.sha256(f"{head}, {len(history)}]".encode()).digest()
        return int.from_bytes(digest[:8], "big") ^ (self.config.seed or 0)

    def _memo_key(
        self,
        req: dict[str, Any],
        input_steps: list[dict[str, Any]],
        history: list[dict[str, Any]],
        prepared: Prepared | None = None,
    ) -> bytes | None:
        """The identity of a plain-text turn for the brain's memo (:mod:`.brain.memo`): the
        request as validated (the chain named by its content's digest, not by its id) and the
        seed. None when the answer may read anything else (files, tools, agents, media).
        A prepared body was such a turn and brings its fields' text."""
        if prepared is None and (self._heavy(req) or not all(is_plain(step) for step in input_steps)):
            return None
        summary = summarize(history)
        if not summary.plain:
            return None
        fields = prepared.fields_text if prepared is not None else fields_text(req)
        # the JSON text of [fields, digest, seed], the fields' text spliced in
        seed = self.config.seed
        seed_text = "null" if seed is None else str(seed) if type(seed) is int else json.dumps(seed)
        text = f'[{fields}, "{summary.digest.hex()}", {seed_text}]'
        return hashlib.sha256(text.encode()).digest()

    CHAIN_CACHE = 256

    def _history(self, previous_id: str | None) -> History:
        if not previous_id:
            return History((), EMPTY)
        if previous_id in self.runs and not self.runs[previous_id].finished:
            raise ApiError(
                400,
                f"Interaction {previous_id} is still in progress; wait for it to "
                "finish before continuing from it.",
                "FAILED_PRECONDITION",
            )
        head = self.store.get(previous_id)
        if head is None:
            raise not_found(
                f"Interaction {previous_id} was not found. It may have been deleted, "
                "expired, or created with store=false."
            )
        chain = self._chain(head)
        return History(chain, chain.summary)

    def _chain(self, head: Record) -> History:
        """Every step of the chain ending at ``head``: cached parents, so one read per new link.

        Walks up only to the nearest cached ancestor (iteratively: no recursion limit), then
        extends back down. A missing ancestor ends the walk: the history starts after a
        deleted link (a delete empties the cache, so this always holds) or an evicted one
        (a history cached before the eviction keeps the evicted turns: it was complete).
        """
        cached = self._chains.get(head.id)
        if cached is not None and head.status not in RUNNING:
            self._chains.move_to_end(head.id)
            return cached
        pending: list[Record] = [head]
        seen: set[str] = {head.id}
        base = History((), EMPTY)
        cursor = head.previous_interaction_id
        while cursor and cursor not in seen and len(pending) < 1000:
            if cursor in self._chains:
                base = self._chains[cursor]
                break
            seen.add(cursor)
            rec = self.store.get(cursor)
            if rec is None:
                break
            pending.append(rec)
            cursor = rec.previous_interaction_id
        for rec in reversed(pending):
            steps = (*rec.input_steps, *rec.output_steps)
            base = History((*base, *steps), fold(base.summary, steps))
            if rec.status not in RUNNING:
                self._remember(rec.id, base)
        return base

    def _remember(self, rid: str, steps: History) -> None:
        self._chains[rid] = steps
        self._chains.move_to_end(rid)
        while len(self._chains) > self.CHAIN_CACHE:
            self._chains.popitem(last=False)

    def _evicted(self, rid: str) -> None:
        self._chains.pop(rid, None)

    def _respond(self, ctx: TurnContext) -> Reply:
        try:
            reply = self.brain.respond(ctx)
        except ApiError:
            raise
        except ValueError as exc:  # skills signal bad input (schemas, media) with ValueError
            raise ApiError(400, str(exc)) from None
        return reply

    # -- create -------------------------------------------------------------------------
    async def create(
        self,
        body: Any,
        dialect: str,
        fault: FaultRule | None = None,
        raw: bytes | None = None,
        prepared: Prepared | None = None,
        wire: bool = False,
    ) -> dict[str, Any] | AsyncIterator[list[bytes]]:
        """``body`` parsed from ``raw`` (when given, a plain-text turn's body is remembered:
        :mod:`.prepared`), or ``prepared``: what an identical body gave before. ``wire``: the
        answer is only encoded (:mod:`.jsonwire`), so parts of it may be pre-encoded
        (:mod:`.remembered`)."""
        keep: bytes | None = None
        if prepared is not None:
            answer = self._remembered_answer(prepared, dialect) if wire else None
            if answer is not None:
                return answer
            req, input_steps = prepared.fresh()
        else:
            req, input_steps = self._read_new(body)
            if raw is not None and not req.get("agent") and len(raw) <= self.prepared.max_body:
                keep = prepared_blob(req, input_steps)  # before anything can touch them
        history = self._history(req.get("previous_interaction_id"))
        large = self._large(input_steps, history, prepared)
        # a huge turn is not worth keeping
        ctx = self._context(req, input_steps, history, memo=not large, prepared=prepared)
        if keep is not None and ctx.memo_key is not None:
            self.prepared.put(
                raw,  # type: ignore[arg-type]
                Prepared(
                    body.get("model"),
                    keep,
                    seed_head(req, input_steps),
                    fields_text(req),
                    input_size(input_steps),
                    Unary.of(req),
                ),
            )
        if large or (prepared is None and self._heavy(req)):  # a prepared body is plain text
            reply = await asyncio.to_thread(self._respond, ctx)
        else:
            reply = self._respond(ctx)
        status = reply.status
        if dialect == dialects.LEGACY and status not in dialects.LEGACY_STATUSES:
            status = "completed"
        background, stream = bool(req.get("background")), bool(req.get("stream"))
        store = req.get("store", True) is not False
        record = Record(
            id=self.ids.interaction_id(),
            model=req.get("model"),
            agent=req.get("agent"),
            status="in_progress",
            dialect=dialect,
            request={k: v for k, v in req.items() if k != "stream"},
            input_steps=input_steps,
            previous_interaction_id=req.get("previous_interaction_id"),
            background=background,
        )
        if not stream and not background:
            if self.config.latency_ms or self.config.tokens_per_second:
                await self._pace_unary(reply)
            record.status, record.output_steps = status, reply.steps
            record.usage, record.error = reply.usage, reply.error
            if store:
                self.store.put(record, self._shared_parts(req, prepared, reply))
            # serialized at once by the route, never kept: the steps need no copy
            return dialects.render(record, dialect, copy=False)
        if background and dialect == dialects.STEPS and self.config.queue_ms > 0:
            record.status = "queued"
        run = self._start_run(record, reply, status, persist=store)
        if background and not stream:
            return dialects.render(record, dialect, output_steps=[])
        return self._sse(run, 0, fault)

    def _read_new(self, body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A create body not read before: validated (the 400s), and its input as steps."""
        req = validate_create(body, agents=self.agents if self.agents is not None else ())
        if req.get("continuation_token"):
            raise ApiError(400, "Unknown continuation_token: this server never issued it.")
        if req.get("agent") and not req.get("background") and self._background_only(req["agent"]):
            raise ApiError(
                400,
                f"Agent {req['agent']} runs only in the background: set "
                "background=true and poll or stream the interaction.",
            )
        return req, normalize_input(req.get("input"), self.ids)

    def _remembered_answer(self, prepared: Prepared, dialect: str) -> dict[str, Any] | None:
        """The answer to a plain unary turn the brain would answer from its memo, made from
        the blobs (:mod:`.remembered`); None when the full path must run. It does what the full
        path does for such a turn, in the same order: the chain (its errors), the large-turn
        check, the memo key, the id, the record (sharing the blobs), the answer."""
        unary = prepared.unary
        if unary is None or self.config.latency_ms or self.config.tokens_per_second:
            return None
        derived = prepared.derived
        if derived is None or derived[2] is None:
            return None
        history = self._history(unary.previous_interaction_id)
        summary = summarize(history)
        if summary.size + prepared.input_size > LARGE_TURN:
            return None
        if derived[0] != (len(history), summary.digest, self.config.seed, True):
            return None
        blob = remembered(self.brain, derived[2])
        if blob is None:
            return None
        status, tail = self.tails.get(blob, dialect)
        record = Record(
            id=self.ids.interaction_id(),
            model=unary.model,
            agent=None,
            status=status,
            dialect=dialect,
            request={} if unary.service_tier is None else {"service_tier": unary.service_tier},
            input_steps=[],
            previous_interaction_id=unary.previous_interaction_id,
        )
        if unary.store:
            self.store.put(record, (prepared.blob, blob))  # the head packed; request and steps shared
        answer = dialects.shell(record, dialect)
        answer.update(tail)
        return answer

    def _shared_parts(
        self, req: dict[str, Any], prepared: Prepared | None, reply: Reply
    ) -> tuple[bytes, bytes] | None:
        """The blobs a unary record may share (:mod:`.store`): the prepared body's and the
        remembered reply's, when the record holds exactly them, that is when the request had
        no ``stream`` field (the stored request drops it) and every layer of the brain hands
        the memo's reply on untouched."""
        if prepared is None or reply.packed is None or "stream" in req or not self._passes_replies_on():
            return None
        return prepared.blob, reply.packed

    def _passes_replies_on(self) -> bool:
        """Whether each layer of ``self.brain`` (extensions wrap it) returns its inner brain's
        reply as it got it, down to the default pipeline; decided once per brain object."""
        brain = self.brain
        known = self._pass_on
        if known is not None and known[0] is brain:
            return known[1]
        from .brain.pipeline import PipelineBrain

        layer, verdict = brain, False
        for _ in range(64):
            if type(layer) is PipelineBrain:
                verdict = True
                break
            if not getattr(type(layer), "returns_inner_reply", False):  # the class, not __getattr__
                break
            layer = layer.inner
        self._pass_on = (brain, verdict)
        return verdict

    def _background_only(self, agent: str) -> bool:
        """Whether ``agent`` (or the built-in agent a saved custom agent extends) needs background."""
        from .brain.skills.agents import background_only

        return background_only(self.agents.resolve(agent)[0] if self.agents is not None else agent)

    def _heavy(self, req: dict[str, Any]) -> bool:
        """Requests whose brain work may take long enough to be worth a worker thread."""
        model = str(req.get("model") or "")
        return bool(
            req.get("agent")
            or req.get("response_modalities")
            or "image" in model
            or "tts" in model
            or req.get("response_format")
            or req.get("tools")
        )

    @staticmethod
    def _large(
        input_steps: list[dict[str, Any]],
        history: History,
        prepared: Prepared | None = None,
        limit: int = LARGE_TURN,
    ) -> bool:
        """Long inputs take the brain seconds to read: keep that off the event loop too, so
        one huge request never stalls every other stream and poll. The history's size comes
        folded (:func:`~.brain.history.summarize`), a prepared body's input size with it."""
        size = prepared.input_size if prepared is not None else input_size(input_steps)
        return summarize(history).size + size > limit

    async def _pace_unary(self, reply: Reply) -> None:
        delay = self.config.latency_ms / 1000.0
        tps = self.config.tokens_per_second
        if tps and reply.usage:
            delay += reply.usage.get("total_output_tokens", 0) / tps
        if delay > 0:
            await asyncio.sleep(delay)

    def _event_builder(self, record: Record):
        def build(
            steps: list[dict[str, Any]],
            status: str,
            usage: Any = None,
            error: Any = None,
            initial_status: str = "in_progress",
        ) -> list[ev.Event]:
            return ev.build(
                record,
                record.dialect,
                steps,
                status,
                usage,
                error,
                words=record.words,
                initial_status=initial_status,
            )

        return build

    def _start_run(self, record: Record, reply: Reply, status: str, persist: bool) -> runs.Run:
        initial = record.status
        events = ev.build(
            record,
            record.dialect,
            reply.steps,
            status,
            reply.usage,
            reply.error,
            words=record.words,
            initial_status=initial,
        )
        run = runs.Run(
            record=record,
            steps=reply.steps,
            status=status,
            usage=reply.usage,
            error=reply.error,
            events=events,
            persist=self.store.put if persist else None,
        )
        if persist:
            self.store.put(record)
        self.runs[record.id] = run
        min_total = 0.0
        if record.background:
            min_total = max(self.config.background_ms / 1000.0, reply.duration_s or 0.0)
        run.task = asyncio.get_running_loop().create_task(
            runs.drive(
                run,
                latency_s=self.config.latency_ms / 1000.0,
                tokens_per_second=self.config.tokens_per_second,
                min_total_s=min_total,
                queue_s=self.config.queue_ms / 1000.0 if record.status == "queued" else 0.0,
            )
        )
        run.task.add_done_callback(lambda _t, rid=record.id: self._forget(rid))
        return run

    def _forget(self, rid: str) -> None:
        run = self.runs.get(rid)
        if run is not None and (run.finished or run.stopped):
            self.runs.pop(rid, None)

    async def resume_unfinished(self) -> None:
        """After a restart with ``--db``: regenerate and rerun interactions left running."""
        for record in list(self.store.unfinished()):
            try:
                history = self._history(record.previous_interaction_id)
                ctx = self._context(record.request, record.input_steps, history)
                reply = self._respond(ctx)
            except ApiError as exc:
                record.status, record.error = (
                    "failed",
                    {"code": str(exc.status).lower(), "message": exc.message},
                )
                self.store.put(record)
                continue
            self._start_run(record, reply, reply.status, persist=True)

    # -- streaming ----------------------------------------------------------------------
    async def _sse(self, run: runs.Run, start: int, fault: FaultRule | None) -> AsyncIterator[list[bytes]]:
        """The stream's SSE frames, in batches as the run reveals them; the route sends each
        frame of a batch in its own write (:class:`.interactions_api.SSEResponse`), so a
        client sees every event as it is produced, and the generator is resumed once per
        burst instead of once per event. Fault rules cut the stream after a number of events."""
        sent = 0
        drop_at = fault.drop_after_events if fault else None
        error_at = fault.error_after_events if fault else None
        async for batch in runs.subscribe(run, start, self.config.keepalive_s):
            if batch is None:
                yield [ev.KEEPALIVE]
                continue
            if drop_at is None and error_at is None:
                # a frame is encoded once (Event.encoded), most were for an earlier stream
                yield [e.raw if e.raw is not None else e.encoded() for e in batch]
                continue
            frames: list[bytes] = []
            for event in batch:
                if error_at is not None and sent >= error_at:
                    frames.append(
                        ev.frame(
                            {
                                "event_type": "error",
                                "error": {
                                    "code": fault.error_code,  # type: ignore[union-attr]
                                    "message": fault.message or DEADLINE,  # type: ignore[union-attr]
                                },
                                "event_id": f"evt_{start + sent + 1}",
                            }
                        )
                    )
                    yield frames
                    return
                if drop_at is not None and sent >= drop_at:
                    if frames:
                        yield frames
                    if fault.drop_mode == "abort":  # type: ignore[union-attr]
                        raise StreamAborted()
                    return
                frames.append(event.encoded())
                sent += 1
            yield frames
        if run.status == "failed" and run.error is not None:
            return  # an error event ended the stream; the real service closes without [DONE]
        yield [ev.DONE]

    # -- get / cancel / delete ------------------------------------------------------------
    def _record(self, rid: str) -> Record:
        run = self.runs.get(rid)
        if run is not None and run.persist is not None:
            return run.record
        record = self.store.get(rid)
        if record is None:
            raise not_found(f"Interaction {rid} was not found.")
        return record

    def get(self, rid: str, dialect: str, include_input: bool = False) -> dict[str, Any]:
        record = self._record(rid)
        run = self.runs.get(rid)
        partial = None
        if run is not None and not run.finished:
            partial = run.partial_steps()
            body = dialects.render(
                record, dialect, timeline=True, include_input=include_input, output_steps=partial
            )
            body["status"] = dialects.wire_status(run.current_status, dialect)
            return body
        return dialects.render(record, dialect, timeline=True, include_input=include_input)

    async def stream_get(
        self, rid: str, dialect: str, last_event_id: str | None, fault: FaultRule | None = None
    ) -> AsyncIterator[list[bytes]]:
        record = self._record(rid)
        run = self.runs.get(rid)
        if run is not None and not run.finished and record.dialect != dialect:
            # A run streams in the schema it was created in; a client of the other schema
            # gets the translated events once it ends, with keep-alives while it waits.
            if last_event_id and not re.fullmatch(r"evt_\d+", last_event_id):
                raise ApiError(400, f"last_event_id {last_event_id!r} is not an event of interaction {rid}.")
            return self._translated_sse(run, record, dialect, last_event_id, fault)
        if run is None or record.dialect != dialect:
            run = self._replay_run(record, dialect)
        start = run.index_after(last_event_id)
        if start is None:
            raise ApiError(400, f"last_event_id {last_event_id!r} is not an event of interaction {rid}.")
        return self._sse(run, start, fault)

    async def _translated_sse(
        self, live: runs.Run, record: Record, dialect: str, last_event_id: str | None, fault: FaultRule | None
    ) -> AsyncIterator[list[bytes]]:
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while not live.finished:
            left = quiet_since + self.config.keepalive_s - loop.time()
            if left <= 0:  # the live run keeps changing, but this client has seen nothing
                yield [ev.KEEPALIVE]
                quiet_since = loop.time()
                continue
            waiter = live.changed
            try:
                await asyncio.wait_for(waiter.wait(), timeout=left)
            except asyncio.TimeoutError:
                pass
        if (
            live.error is not None
            and live.status == "failed"
            and live.persist is None
            and live.events
            and live.events[-1].data.get("event_type") == "error"
        ):
            yield [ev.frame(live.events[-1].data)]  # deleted or reset while we waited
            return
        run = self._replay_run(record, dialect)
        start = run.index_after(last_event_id)
        if start is None:
            yield [
                ev.frame(
                    {
                        "event_type": "error",
                        "event_id": f"evt_{len(run.events) + 1}",
                        "error": {
                            "code": "invalid_argument",
                            "message": f"last_event_id {last_event_id!r} is not an event of "
                            f"interaction {record.id}.",
                        },
                    }
                )
            ]
            return
        async for batch in self._sse(run, start, fault):
            yield batch

    def _replay_run(self, record: Record, dialect: str) -> runs.Run:
        events = ev.build(
            record,
            dialect,
            record.output_steps,
            record.status,
            record.usage,
            record.error,
            words=record.words,
        )
        run = runs.Run(
            record=record,
            steps=record.output_steps,
            status=record.status,
            usage=record.usage,
            error=record.error,
            events=events,
            persist=None,
        )
        run.revealed, run.finished = len(events), True
        return run

    def cancel(self, rid: str, dialect: str) -> dict[str, Any]:
        record = self._record(rid)
        run = self.runs.get(rid)
        if run is None or run.finished or not record.background:
            state = run.current_status if run is not None else record.status
            raise ApiError(
                400,
                f"Only background interactions that are still running can be "
                f"cancelled; interaction {rid} is {state}.",
                "FAILED_PRECONDITION",
            )
        runs.cancel(run, self._event_builder(record))
        return dialects.render(record, dialect)

    def delete(self, rid: str) -> dict[str, Any]:
        run = self.runs.pop(rid, None)
        existed = False
        if run is not None:
            runs.abort(run, "not_found", f"Interaction {rid} was deleted.")
            existed = True
        existed = self.store.delete(rid) or existed
        self._chains = collections.OrderedDict()  # descendants' histories no longer hold it
        if not existed:
            raise not_found(f"Interaction {rid} was not found.")
        return {}

    def close(self) -> None:
        for run in list(self.runs.values()):
            run.stopped = True
            if run.task is not None:
                run.task.cancel()
        self.store.close()


def seed_head(req: dict[str, Any], input_steps: list[dict[str, Any]]) -> str:
    """The JSON text of ``[model, agent, input_steps, len(history)]`` up to its last item."""
    text = json.dumps([req.get("model"), req.get("agent"), input_steps], sort_keys=True, default=str)
    return text[:-1]


def input_size(input_steps: list[dict[str, Any]]) -> int:
    return sum(step_size(step) for step in input_steps)


def fields_text(req: dict[str, Any]) -> str:
    """The JSON text of the request's fields in a memo key (the chain is named by content)."""
    fields = {k: v for k, v in req.items() if k != "previous_interaction_id"}
    return json.dumps(fields, sort_keys=True, default=str)


DEADLINE = "Deadline expired before operation could complete."


class StreamAborted(Exception):
    """Raised inside a streaming body to cut the connection without a clean end."""
