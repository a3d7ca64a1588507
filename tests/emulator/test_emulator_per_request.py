"""Issue 9 rows 3 and 5: what one create costs the emulator, as shapes rather than times.

* A create continuing a chain folds only its parent's new steps into the chain's summary
  (:mod:`gemini_nb.emulator.brain.history`): the work per create is the same at turn 200 as
  at turn 2, and the answers are the ones a full walk of the history gives.
* Identical plain-text turns are answered from a bounded memo (:mod:`...brain.memo`): same
  body, fresh id, and never in place of a scenario, a skill added later, or a turn that reads
  files or tools.
"""

from __future__ import annotations

import asyncio
import collections

import pytest

from gemini_nb.emulator.brain import history as hist
from gemini_nb.emulator.brain.base import Reply, TurnContext, text_step
from gemini_nb.emulator.brain.memo import ReplyMemo
from gemini_nb.emulator.brain.skills import text as text_skill
from gemini_nb.emulator.brain.usage import compute
from gemini_nb.emulator.config import EmulatorConfig
from gemini_nb.emulator.dialects import STEPS
from gemini_nb.emulator.scenarios import parse
from gemini_nb.emulator.service import Emulator

MODEL = "gemini-3-flash-preview"
FRESH = ("id", "created", "updated")


def _create(emu: Emulator, prompt: str, previous: str | None = None, **extra) -> dict:
    body = {"model": MODEL, "input": prompt, **extra}
    if previous:
        body["previous_interaction_id"] = previous
    return asyncio.run(emu.create(body, STEPS))


def _chain(emu: Emulator, turns: int) -> list[str]:
    ids = [_create(emu, "My name is Phil")["id"]]
    for i in range(turns - 1):
        ids.append(_create(emu, f"Tell me about rivers, part {i}", ids[-1])["id"])
    return ids


def _counting(monkeypatch, module, name: str) -> list[int]:
    calls = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_a_create_deep_in_a_chain_folds_only_its_parents_steps(monkeypatch):
    emu = Emulator(EmulatorConfig(seed=3))
    ids = _chain(emu, 200)
    folded: list[int] = []
    real_fold = hist.fold

    def fold(summary, steps):
        steps = list(steps)
        folded.append(len(steps))
        return real_fold(summary, steps)

    monkeypatch.setattr("gemini_nb.emulator.service.fold", fold)
    facts = _counting(monkeypatch, text_skill, "stated_facts")
    for previous in (ids[1], ids[-1], ids[-1]):  # turn 3, turn 200 (parent not yet cached), again
        folded.clear()
        facts.clear()
        body = _create(emu, "What is my name?", previous)
        assert body["steps"][-1]["content"][0]["text"] == "Your name is Phil."
        # at most the parent's own steps (input, thought, output) and one fact scan each for
        # the parent's input and this turn's: nothing older, however long the chain
        assert sum(folded) <= 3 and len(facts) <= 2
    emu.close()


def test_usage_deep_in_a_chain_counts_every_re_read_token_as_a_full_walk_does():
    emu = Emulator(EmulatorConfig(seed=3))
    ids = _chain(emu, 40)
    body = _create(emu, "Summarize our chat", ids[-1])
    history = list(emu._history(ids[-1]))  # a plain list: no summary attached
    ctx = TurnContext(
        request={},
        model=MODEL,
        agent=None,
        input_steps=[{"type": "user_input", "content": [{"type": "text", "text": "Summarize our chat"}]}],
        history=history,
    )
    thought = next(s for s in body["steps"] if s["type"] == "thought")
    reply = Reply(steps=[thought, *(s for s in body["steps"] if s["type"] == "model_output")])
    expected = compute(ctx, reply, body["usage"]["total_thought_tokens"])
    assert body["usage"] == expected
    assert body["usage"]["total_input_tokens"] > 40 * 10
    emu.close()


def _text_calls(monkeypatch) -> list[int]:
    return _counting(monkeypatch, text_skill.TextSkill, "respond")


def test_an_identical_turn_is_answered_from_the_memo_with_a_fresh_id(monkeypatch):
    emu = Emulator(EmulatorConfig(seed=5))
    calls = _text_calls(monkeypatch)
    bodies = [_create(emu, "Tell me a joke") for _ in range(4)]
    assert len(calls) == 2  # noted the first time, stored the second, remembered after
    assert len({b["id"] for b in bodies}) == 4
    strip = [{k: v for k, v in b.items() if k not in FRESH} for b in bodies]
    assert strip[0] == strip[1] == strip[2] == strip[3]
    bodies[2]["steps"][-1]["content"][0]["text"] = "changed by a client"
    assert _create(emu, "Tell me a joke")["steps"][-1]["content"][0]["text"] != "changed by a client"
    emu.close()


def test_the_memo_key_names_the_chain_content_and_the_seed(monkeypatch):
    emu = Emulator(EmulatorConfig(seed=5))
    a, b = _chain(emu, 2), _chain(emu, 2)  # two chains with the same content
    calls = _text_calls(monkeypatch)
    first = _create(emu, "What did I say?", a[-1])
    second = _create(emu, "What did I say?", b[-1])
    third = _create(emu, "What did I say?", a[-1])
    assert len(calls) == 2 and first["steps"] == second["steps"] == third["steps"]
    emu.reseed(6)
    _create(emu, "What did I say?", a[-1])
    assert len(calls) == 3
    emu.close()


def test_turns_that_read_tools_or_files_get_no_memo_key():
    emu = Emulator()
    req = {"model": MODEL, "input": "hi"}
    plain = [{"type": "user_input", "content": [{"type": "text", "text": "hi"}]}]
    doc = [
        {
            "type": "user_input",
            "content": [{"type": "document", "uri": "files/abc", "mime_type": "text/plain"}],
        }
    ]
    tools = {**req, "tools": [{"type": "google_search"}]}
    empty = hist.History((), hist.EMPTY)
    assert emu._memo_key(req, plain, empty) is not None
    assert emu._memo_key(tools, plain, empty) is None
    assert emu._memo_key(req, doc, empty) is None
    assert emu._memo_key(req, plain, hist.History(doc, hist.fold(hist.EMPTY, doc))) is None
    assert emu._memo_key({**req, "agent": "deep-research-pro-preview-12-2025"}, plain, empty) is None
    emu.close()


def test_a_scenario_or_a_skill_added_later_wins_over_a_remembered_answer():
    emu = Emulator(EmulatorConfig(seed=5))
    for _ in range(3):
        _create(emu, "Tell me a joke")
    book = emu.brain.skills[0].book
    book.add(parse('- {match: {input: "joke"}, respond: [{text: "Scripted."}]}', "t.yaml"))
    assert _create(emu, "Tell me a joke")["steps"][-1]["content"][0]["text"] == "Scripted."
    book.clear()

    class Loud:
        def respond(self, ctx):
            return Reply(steps=[text_step("LOUD")])

    emu.brain.skills.insert(1, Loud())
    assert _create(emu, "Tell me a joke")["steps"][-1]["content"][0]["text"] == "LOUD"
    emu.close()


def test_reset_forgets_the_memo(monkeypatch):
    emu = Emulator(EmulatorConfig(seed=5))
    for _ in range(2):
        _create(emu, "Tell me a joke")
    assert len(emu.brain.memo) == 1
    emu.reset()
    assert len(emu.brain.memo) == 0
    emu.close()


def test_the_memo_is_bounded_in_entries_and_bytes():
    memo = ReplyMemo(size=3, max_bytes=4000)
    reply = Reply(steps=[text_step("x" * 100)])
    for i in range(10):
        for _ in range(2):  # admitted on the second sighting
            memo.put(bytes([i]), reply)
    assert len(memo) == 3 and memo.get(bytes([9])) is not None and memo.get(bytes([0])) is None
    memo = ReplyMemo(size=10, max_bytes=4000)
    big = Reply(steps=[text_step("y" * 900)])
    for i in range(20, 30):
        memo.put(bytes([i]), big)
        memo.put(bytes([i]), big)
    assert 3000 < memo.bytes <= 4000 and len(memo) == 4
    huge = Reply(steps=[text_step("z" * 5000)])
    memo.put(b"huge", huge)
    memo.put(b"huge", huge)
    assert memo.get(b"huge") is None


@pytest.mark.parametrize("size", [1, 2])
def test_a_remembered_reply_is_a_fresh_copy_each_time(size):
    memo = ReplyMemo(size=size)
    memo.put(b"k", Reply(steps=[text_step("a")]))
    memo.put(b"k", Reply(steps=[text_step("a")]))
    one, two = memo.get(b"k"), memo.get(b"k")
    one.steps[0]["content"][0]["text"] = "b"
    assert two.steps[0]["content"][0]["text"] == "a" and memo.get(b"k").steps == two.steps


def test_seeded_ids_are_the_ones_random_choice_draws():
    import random
    import string

    from gemini_nb.emulator.ids import IdFactory

    ids, rng = IdFactory(7), random.Random(7)
    for _ in range(20):
        assert ids.interaction_id() == "v1_" + "".join(
            rng.choice(string.ascii_letters + string.digits) for _ in range(30)
        )
        assert ids.call_id() == "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(8))


def test_unseeded_ids_come_from_a_pool_and_seeding_still_pins_them():
    import random
    import string

    from gemini_nb.emulator.ids import IdFactory

    ids = IdFactory()
    drawn = [ids.interaction_id() for _ in range(3 * IdFactory.POOL // 30)]  # refills several times
    calls = [ids.call_id() for _ in range(1000)]
    assert len(set(drawn)) == len(drawn) and len(set(calls)) == len(calls)
    assert all(len(i) == 33 and i[3:].isalnum() and i[3:].isascii() for i in drawn)
    assert all(set(c) <= set(string.ascii_lowercase + string.digits) and len(c) == 8 for c in calls)
    letters = collections.Counter("".join(i[3:] for i in drawn))
    assert set(letters) == set(string.ascii_letters + string.digits)  # every character turns up
    ids.reseed(7)  # a pool drawn before the seed is never handed out after it
    rng = random.Random(7)
    assert ids.interaction_id() == "v1_" + "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(30)
    )


def _record(rid: str):
    from gemini_nb.emulator.store import Record

    return Record(
        id=rid, model=MODEL, agent=None, status="completed", dialect=STEPS, request={}, input_steps=[]
    )


@pytest.mark.parametrize("dialect", ["steps", "legacy"])
def test_identical_answers_share_their_content_events_and_frames(dialect):
    from gemini_nb.emulator import events as ev

    steps = [
        {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "Hmm."}]},
        text_step(", ".join(str(n) for n in range(1, 301))),
    ]
    usage = {"total_input_tokens": 3, "total_output_tokens": 9}
    ev.CONTENT_CACHE.clear()
    first = ev.build(_record("v1_a"), dialect, steps, "completed", usage)
    ev.CONTENT_CACHE.clear()
    fresh = ev.build(_record("v1_b"), dialect, steps, "completed", usage)
    shared = ev.build(_record("v1_b"), dialect, steps, "completed", usage)
    assert [e.data for e in shared] == [e.data for e in fresh]  # same events, ids and all
    assert [e.encoded() for e in shared] == [ev.frame(e.data) for e in fresh]
    content = slice(2, len(fresh) - 1)
    assert all(a is b for a, b in zip(shared[content], fresh[content]))
    assert shared[0] is not fresh[0] and shared[-1] is not fresh[-1]  # these name the interaction
    assert first[0].data["interaction"]["id"] == "v1_a" and shared[0].data["interaction"]["id"] == "v1_b"
    failed = ev.build(_record("v1_c"), dialect, steps, "failed", usage, {"code": "x", "message": "y"})
    assert failed[-1].data["event_type"] == "error" and not any(a is b for a, b in zip(failed, fresh))


def test_a_run_without_pacing_wakes_its_streams_once_not_per_event(monkeypatch):
    from gemini_nb.emulator import events as ev
    from gemini_nb.emulator import runs

    record = _record("v1_r")
    steps = [text_step(", ".join(str(n) for n in range(1, 301)))]
    events = ev.build(record, STEPS, steps, "completed", None)
    run = runs.Run(
        record=record, steps=steps, status="completed", usage=None, error=None, events=events, persist=None
    )
    wakes = _counting(monkeypatch, runs.Run, "notify")

    async def go() -> list:
        task = asyncio.get_running_loop().create_task(runs.drive(run, latency_s=0, tokens_per_second=None))
        got = [e async for batch in runs.subscribe(run, 0, keepalive_s=5) for e in batch]
        await task
        return got

    assert asyncio.run(go()) == events and len(events) > 100
    assert len(wakes) <= 2  # the burst, then finish()


def test_interactions_answered_from_the_memo_are_equal_but_independent():
    """Changing one stored answer never reaches another (the store packs each record on its own,
    so a memo hit costs no more memory than a composed answer)."""
    emu = Emulator(EmulatorConfig(seed=5))
    ids = [_create(emu, "Tell me a joke")["id"] for _ in range(4)]
    a, b = (emu.store.get(i).output_steps for i in ids[2:])
    assert a == b and a is not b and a[-1] is not b[-1]
    a[-1]["content"][0]["text"] = "changed"
    assert emu.store.get(ids[3]).output_steps == b and emu.store.get(ids[2]).output_steps == b
    emu.close()
