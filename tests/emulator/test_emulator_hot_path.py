"""Issue 9 rows 3a-3d: what a create or a stream no longer recomputes gives what it gave before.

Shapes, never times: a remembered create body (:mod:`gemini_nb.emulator.prepared`) answers like
a fresh read; the request log redacts on read exactly as it did on write; the turn seed and memo
key texts are the JSON texts they always were; the memo copies survive values marshal does not
know; the strict JSON reader's shortcut refuses what the walk refused; the JSON answer is
Starlette's bytes; a subscriber's wait ends on notify or timeout and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random

import pytest
from starlette.responses import JSONResponse

from gemini_nb.emulator import runs
from gemini_nb.emulator.brain.base import LazyRandom, Reply, text_step
from gemini_nb.emulator.brain.memo import ReplyMemo
from gemini_nb.emulator.config import EmulatorConfig
from gemini_nb.emulator.dialects import STEPS
from gemini_nb.emulator.errors import ApiError
from gemini_nb.emulator.interactions_api import Json
from gemini_nb.emulator.prepared import PreparedBodies
from gemini_nb.emulator.requestlog import RequestLog, entry
from gemini_nb.emulator.service import Emulator, fields_text, seed_head
from gemini_nb.emulator.store import now_iso
from gemini_nb.emulator.validate import loads_body

MODEL = "gemini-3-flash-preview"
FRESH = ("id", "created", "updated")


def _body(prompt: str, **extra) -> bytes:
    return json.dumps({"model": MODEL, "input": prompt, **extra}).encode()


async def _create(emu: Emulator, raw: bytes) -> dict:
    """What the route does: a remembered body is not parsed again."""
    prepared = emu.prepared.get(raw)
    body = None if prepared is not None else loads_body(raw)
    return await emu.create(body, STEPS, raw=raw, prepared=prepared)


def _strip(answer: dict) -> dict:
    out = {k: v for k, v in answer.items() if k not in FRESH}
    if "previous_interaction_id" in out:
        out["previous_interaction_id"] = "<chain>"
    return out


def test_a_remembered_body_answers_like_a_fresh_read():
    async def run(emu: Emulator) -> list[dict]:
        answers = []
        for prompt in ("Tell me a joke", "Tell me a joke", "What is a river?", "Tell me a joke"):
            answers.append(await _create(emu, _body(prompt)))
        chain = answers[-1]["id"]
        for _ in range(2):  # the same body on the same parent: same seed and memo key
            answers.append(await _create(emu, _body("And another?", previous_interaction_id=chain)))
        emu.reseed(11)  # a new emulator seed: new turn seeds and memo keys for remembered bodies
        answers.append(await _create(emu, _body("Tell me a joke")))
        answers.append(
            await _create(emu, _body("Tell me a joke", generation_config={"thinking_level": "high"}))
        )
        return answers

    kept, unkept = Emulator(EmulatorConfig(seed=3)), Emulator(EmulatorConfig(seed=3))
    unkept.prepared = PreparedBodies(size=0)
    try:
        with_memory, without = asyncio.run(run(kept)), asyncio.run(run(unkept))
        assert len(kept.prepared) == 4 and len(unkept.prepared) == 0
        assert [_strip(a) for a in with_memory] == [_strip(a) for a in without]
        assert [a["id"] for a in with_memory] == [a["id"] for a in without]  # seeded ids, same draws
    finally:
        kept.close()
        unkept.close()


def test_only_accepted_plain_text_bodies_are_remembered():
    emu = Emulator(EmulatorConfig())
    try:
        tools = _body("What's the weather?", tools=[{"type": "function", "name": "weather"}])
        asyncio.run(_create(emu, tools))
        bad = b'{"model": "gemini-3-flash-preview", "input": "x", "store": "yes"}'
        for _ in range(2):  # refused each time, the same way
            with pytest.raises(ApiError, match="store"):
                asyncio.run(_create(emu, bad))
        assert len(emu.prepared) == 0
        asyncio.run(_create(emu, _body("hello")))
        assert len(emu.prepared) == 1
        emu.reset()
        assert len(emu.prepared) == 0
    finally:
        emu.close()


def test_a_remembered_body_gives_each_request_its_own_objects():
    emu = Emulator(EmulatorConfig())
    try:
        raw = _body("hello")
        asyncio.run(_create(emu, raw))
        prepared = emu.prepared.get(raw)
        one, two = prepared.fresh(), prepared.fresh()
        one[0]["input"] = "changed"
        one[1][0]["content"][0]["text"] = "changed"
        assert two[0]["input"] == "hello" and two[1][0]["content"][0]["text"] == "hello"
    finally:
        emu.close()


@pytest.mark.parametrize("seed", [None, 0, 12345])
def test_turn_seed_and_memo_key_texts_are_the_json_texts(seed):
    emu = Emulator(EmulatorConfig(seed=seed))
    try:
        req = {"model": MODEL, "input": "hi \u00e9", "previous_interaction_id": "v1_x", "store": True}
        steps = [{"type": "user_input", "content": [{"type": "text", "text": "hi \u00e9"}]}]
        history = [{"type": "user_input", "content": [{"type": "text", "text": "earlier"}]}]
        whole = json.dumps([MODEL, None, steps, len(history)], sort_keys=True, default=str)
        assert f"{seed_head(req, steps)}, {len(history)}]" == whole
        from gemini_nb.emulator.brain.history import summarize

        fields = {k: v for k, v in req.items() if k != "previous_interaction_id"}
        assert fields_text(req) == json.dumps(fields, sort_keys=True, default=str)
        text = json.dumps([fields, summarize(history).digest.hex(), seed], sort_keys=True, default=str)
        assert emu._memo_key(req, steps, history) == hashlib.sha256(text.encode()).digest()
    finally:
        emu.close()


def test_the_request_log_redacts_on_read_as_it_did_on_write():
    key = "AIzaSyA-1234567890abcdefghijklmnopqrstu"
    headers = [(b"x-goog-api-key", key.encode()), (b"user-agent", b"ua " + key.encode())]
    raw = json.dumps({"model": MODEL, "input": f"my key is {key}", "api_key": "x", "n": [1, 2.5]}).encode()
    log = RequestLog(maxlen=3)
    log.append_raw("POST", "/v1beta/interactions", f"key={key}", headers, raw)
    log.append_raw("GET", "/v1beta/interactions/v1_a", "", headers, b"")
    expected = entry(
        "POST",
        "/v1beta/interactions",
        f"key={key}",
        [(k.decode(), v.decode()) for k, v in headers],
        json.loads(raw),
    )
    assert log[0] == expected and list(log)[0] is log[0]  # redacted once, then kept
    assert key not in json.dumps(list(log)) and log[1]["body"] is None
    for _ in range(3):
        log.append({"method": "GET"})
    assert len(log) == 3 and list(log)[0] == {"method": "GET"}
    log.clear()
    assert list(log) == []


def test_json_answers_are_starlettes_bytes():
    content = {"id": "v1_a", "text": "caf\u00e9 \U0001f600", "n": [1, 2.5, None, True], "nested": {"a": {}}}
    ours, theirs = Json(content), JSONResponse(content)
    assert ours.body == theirs.body and ours.raw_headers == theirs.raw_headers
    assert ours.status_code == theirs.status_code == 200
    # orjson writes a NaN as null (Starlette refused it with a 500): the answer stays valid JSON
    assert Json({"x": float("nan")}).body == b'{"x":null}'


def test_jsonwire_falls_back_to_the_standard_library_for_what_orjson_refuses():
    from gemini_nb.emulator import jsonwire

    assert jsonwire.orjson is not None  # a dependency: the fast encoder is the one in use
    big = {"n": 2**70, 3: "int key", "t": (1, "a")}  # beyond 64 bits; a key that is not a str
    assert jsonwire.dumps(big) == json.dumps(big, ensure_ascii=False, separators=(",", ":")).encode()
    odd = {"b": b"x", "when": object}
    assert json.loads(jsonwire.dumps_lenient(odd)) == {"b": "b'x'", "when": str(object)}
    with pytest.raises(TypeError):
        jsonwire.dumps(odd)  # the wire encoder never guesses
    assert (
        jsonwire.dumps_sorted({"b": 1, "a": {"d": [2**70], "c": 2}})
        == b'{"a":{"c":2,"d":[1180591620717411303424]},"b":1}'
    )
    text = {"t": 'caf\u00e9 \u2028 \x1f "q" /', "f": [0.1, 1e16, 2.0, -0.0]}
    assert json.loads(jsonwire.dumps(text)) == text
    assert jsonwire.dumps(text) == json.dumps(text, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"input": "\\ud800"}',  # a lone surrogate, escaped
        b"[" * 101 + b"]" * 101,  # too deep
        b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}",  # 101 levels with the object
    ],
)
def test_the_strict_reader_still_refuses(raw):
    with pytest.raises(ApiError, match="Invalid JSON payload"):
        loads_body(raw)


def test_the_strict_reader_accepts_brackets_in_strings_and_paired_surrogates():
    assert loads_body(b'{"t": "' + b"[" * 300 + b'"}') == {"t": "[" * 300}
    assert loads_body(b'{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}
    with pytest.raises(ApiError, match="surrogate"):
        loads_body('{"t": "\ud800"}')  # a str body is walked: it may hold a surrogate itself


class Text(str):
    """A value marshal refuses (a str subclass) but pickle takes."""


def test_a_remembered_reply_with_values_marshal_does_not_know_is_still_copied():
    memo = ReplyMemo()
    for _ in range(2):
        memo.put(b"k", Reply(steps=[text_step(Text("odd"))]))
    one, two = memo.get(b"k"), memo.get(b"k")
    one.steps[0]["content"][0]["text"] = "changed"
    assert two.steps[0]["content"][0]["text"] == "odd" and memo.bytes > 0


def test_a_reply_neither_marshal_nor_pickle_takes_is_not_remembered():
    class Local(str):
        pass

    memo = ReplyMemo()
    for _ in range(2):
        memo.put(b"k", Reply(steps=[text_step(Local("odd"))]))
    assert memo.get(b"k") is None and len(memo) == 0


def test_lazy_random_draws_what_random_draws():
    lazy, real = LazyRandom(99), random.Random(99)
    assert [lazy.random(), lazy.randint(1, 9), lazy.choice("abc")] == [
        real.random(),
        real.randint(1, 9),
        real.choice("abc"),
    ]
    assert lazy.getrandbits(128) == real.getrandbits(128)


def test_now_iso_is_the_current_second():
    import time

    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    now = now_iso()
    after = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    assert before <= now <= after


def test_a_subscriber_wait_ends_on_notify_or_timeout_and_leaves_nothing():
    from gemini_nb.emulator.store import Record

    async def run():
        record = Record(
            id="v1_a",
            model=MODEL,
            agent=None,
            status="in_progress",
            dialect=STEPS,
            request={},
            input_steps=[],
        )
        run = runs.Run(
            record=record, steps=[], status="completed", usage=None, error=None, events=[], persist=None
        )
        assert await runs.wait_changed(run, 0.01) is False and run.waiters == []
        waiting = asyncio.ensure_future(runs.wait_changed(run, 5))
        await asyncio.sleep(0)
        run.notify()
        assert await waiting is True and run.waiters == []
        cancelled = asyncio.ensure_future(runs.wait_changed(run, 5))
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert run.waiters == []

    asyncio.run(run())


def test_a_remembered_body_gives_the_turn_seed_and_memo_key_of_a_fresh_read():
    emu = Emulator(EmulatorConfig(seed=3))
    try:
        raw = _body("Tell me a joke")
        asyncio.run(_create(emu, raw))
        prepared = emu.prepared.get(raw)
        history = [{"type": "user_input", "content": [{"type": "text", "text": "earlier"}]}]
        for seed in (3, None, 11, 3):
            emu.reseed(seed)
            for past in ([], history, history, []):  # a seed change meets the last probe
                req, steps = prepared.fresh()
                fresh = emu._context(req, steps, past)
                kept = emu._context(req, steps, past, prepared=prepared)
                text = json.dumps([MODEL, None, steps, len(past)], sort_keys=True, default=str)
                turn_seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") ^ (seed or 0)
                assert fresh.rng._seed == kept.rng._seed == turn_seed
                assert fresh.memo_key == kept.memo_key is not None
    finally:
        emu.close()


def _timeless(fields: dict) -> dict:
    """Without the wall-clock second (twin emulators may straddle one)."""
    return {k: v for k, v in fields.items() if k not in ("created", "updated")}


def _turns(emu: Emulator, dialect: str = STEPS) -> list[str]:
    """Repeated plain-text turns (memo hits from the second sighting on), a chain, a body with
    ``stream: false``, a legacy-dialect turn: the ids created."""

    async def run() -> list[str]:
        ids = []
        for raw in [_body("Tell me a joke")] * 4 + [_body("Tell me a joke", stream=False)] * 3:
            prepared = emu.prepared.get(raw)
            body = None if prepared is not None else loads_body(raw)
            ids.append((await emu.create(body, dialect, raw=raw, prepared=prepared))["id"])
        for _ in range(3):
            ids.append((await _create(emu, _body("And another?", previous_interaction_id=ids[3])))["id"])
        return ids

    return asyncio.run(run())


@pytest.mark.parametrize("dialect", ["steps", "legacy"])
def test_a_record_sharing_remembered_blobs_reads_back_as_a_packed_one(dialect):
    shared, packed = Emulator(EmulatorConfig(seed=5)), Emulator(EmulatorConfig(seed=5))
    packed._shared_parts = lambda *args: None  # every record packed whole, as before
    try:
        ids, same = _turns(shared, dialect), _turns(packed, dialect)
        assert ids == same
        kinds = [type(shared.store._items[i]) for i in ids]
        assert tuple in kinds and bytes in kinds  # first sightings packed, memo hits shared
        assert all(type(packed.store._items[i]) is bytes for i in ids)
        for rid in ids:  # the same record, field by field, and the same answer on a GET
            assert _timeless(shared.store.get(rid).to_dict()) == _timeless(packed.store.get(rid).to_dict())
            assert _timeless(shared.get(rid, dialect)) == _timeless(packed.get(rid, dialect))
        stream_false = shared.store.get(ids[5])
        assert "stream" not in stream_false.request and type(shared.store._items[ids[5]]) is bytes
        one = shared.store.get(ids[3])
        one.output_steps[0]["changed"] = one.request["changed"] = True  # a read is a copy
        again = shared.store.get(ids[3])
        assert "changed" not in again.output_steps[0] and "changed" not in again.request
    finally:
        shared.close()
        packed.close()


def test_a_brain_layer_that_may_change_replies_turns_sharing_off():
    from gemini_nb.emulator.brain.pipeline import default_brain

    class Stamp:
        """An outer layer that edits the reply it is handed (a memo hit included)."""

        def __init__(self, inner):
            self.inner = inner

        def respond(self, ctx):
            reply = self.inner.respond(ctx)
            reply.steps[-1]["content"][0]["text"] += " [stamped]"
            return reply

        def __getattr__(self, name):
            return getattr(self.inner, name)

    emu = Emulator(EmulatorConfig(), brain=Stamp(default_brain()))
    try:
        assert not emu._passes_replies_on()
        ids = _turns(emu)
        assert all(type(emu.store._items[i]) is bytes for i in ids)
        for rid in ids:  # stored as answered, stamp and all
            assert emu.store.get(rid).output_steps[-1]["content"][0]["text"].endswith(" [stamped]")
    finally:
        emu.close()
    plain = Emulator(EmulatorConfig())
    try:
        assert plain._passes_replies_on()  # the shipped layers (files, agents, scenarios...) pass on
    finally:
        plain.close()


def test_the_db_writes_the_same_document_for_a_shared_record(tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    emu = Emulator(EmulatorConfig(seed=2, db=path))
    try:
        ids = _turns(emu)
        assert tuple in {type(emu.store._items[i]) for i in ids}
        emu.store.flush()
        docs = dict(emu.store._conn.execute("SELECT id, doc FROM interactions"))
        for rid in ids:
            assert json.loads(docs[rid]) == json.loads(emu.store.get(rid).to_json())
    finally:
        emu.close()
    reopened = Emulator(EmulatorConfig(seed=2, db=path))
    try:  # read back from the file: the same records
        assert [reopened.store.get(i).to_dict() for i in ids] == [json.loads(docs[i]) for i in ids]
    finally:
        reopened.close()


def _lane_turns(emu: Emulator, dialect: str) -> list:
    """A run that takes the remembered-answer lane where it can and leaves it where it must:
    repeats (memo hits from the third sighting), a service tier, store=false, a chain, a
    scenario loaded halfway (the book has a say: full path), a chain whose parent is gone."""
    from gemini_nb.emulator.scenarios import parse

    async def one(raw: bytes):
        prepared = emu.prepared.get(raw)
        body = None if prepared is not None else loads_body(raw)
        try:  # as the route calls it, the answer read back from its bytes
            return json.loads(
                Json(await emu.create(body, dialect, raw=raw, prepared=prepared, wire=True)).body
            )
        except ApiError as exc:
            return ("error", exc.status, str(exc))

    async def run() -> list:
        out = []
        for raw in [_body("Tell me a joke")] * 5 + [_body("Tell me a joke", service_tier="flex")] * 4:
            out.append(await one(raw))
        for _ in range(4):
            out.append(await one(_body("What is a river?", store=False)))
        parent = out[4]["id"]
        for _ in range(4):
            out.append(await one(_body("And another?", previous_interaction_id=parent)))
        emu.brain.skills[0].book.add(parse("- {match: {input: joke}, respond: A scripted joke.}", "t"))
        for _ in range(2):
            out.append(await one(_body("Tell me a joke")))
        emu.brain.skills[0].book.clear()
        out.append(await one(_body("Tell me a joke")))
        emu.store.delete(parent)
        out.append(await one(_body("And another?", previous_interaction_id=parent)))
        return out

    return asyncio.run(run())


@pytest.mark.parametrize("dialect", ["steps", "legacy"])
def test_the_remembered_answer_lane_answers_and_stores_what_the_full_path_does(dialect):
    lane, full = Emulator(EmulatorConfig(seed=9)), Emulator(EmulatorConfig(seed=9))
    full._remembered_answer = lambda *args: None
    taken = []
    original = lane._remembered_answer
    lane._remembered_answer = lambda *args: taken.append(original(*args)) or taken[-1]
    try:
        fast, slow = _lane_turns(lane, dialect), _lane_turns(full, dialect)
        assert sum(answer is not None for answer in taken) >= 8  # the lane ran, and not always
        assert None in taken
        strip = lambda a: a if isinstance(a, tuple) else {k: v for k, v in a.items() if k not in FRESH[1:]}  # noqa: E731
        assert [strip(a) for a in fast] == [strip(a) for a in slow]  # ids included: same draws
        assert fast[-1][:2] == ("error", "NOT_FOUND")
        assert "scripted joke" in json.dumps(fast[-4]) and "scripted joke" not in json.dumps(fast[-2])
        for answer in fast:
            if isinstance(answer, dict) and lane.store.get(answer["id"]) is not None:
                rid = answer["id"]
                assert _timeless(lane.store.get(rid).to_dict()) == _timeless(full.store.get(rid).to_dict())
                assert _timeless(lane.get(rid, dialect)) == _timeless(full.get(rid, dialect))
        assert (
            Json(fast[7]).body
            == Json({**slow[7], "created": fast[7]["created"], "updated": fast[7]["updated"]}).body
        )
        assert all(lane.store.get(a["id"]) is None for a in fast[9:13])  # store=false kept nothing
    finally:
        lane.close()
        full.close()


def test_the_lane_stands_aside_for_a_brain_that_cannot_say():
    from gemini_nb.emulator.brain.base import remembered
    from gemini_nb.emulator.brain.pipeline import default_brain

    class Forwarding:
        """Forwards unknown attributes, so ``.remembered`` seems to exist on it."""

        def __init__(self, inner):
            self.inner = inner

        def respond(self, ctx):
            return self.inner.respond(ctx)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    emu = Emulator(EmulatorConfig(), brain=Forwarding(default_brain()))
    try:
        for _ in range(4):
            asyncio.run(_create(emu, _body("Tell me a joke")))
        key = emu.prepared.get(_body("Tell me a joke")).derived[2]
        assert remembered(emu.brain.inner, key) is not None  # the pipeline would answer from memory
        assert remembered(emu.brain, key) is None  # but the unknown layer in front cannot say
        assert emu._remembered_answer(emu.prepared.get(_body("Tell me a joke")), STEPS) is None
    finally:
        emu.close()
