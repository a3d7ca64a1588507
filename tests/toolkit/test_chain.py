"""The interaction chain: head, forks, threads, reset, resume, show, delete, stateless history."""

from __future__ import annotations

import pytest
from shell_helpers import run_cell

from gemini_nb.chain import Chain, ChainError, Turn


def _posts(emu):
    return [r["body"] for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("interactions")]


# -- pure tree logic ------------------------------------------------------------------------
def _tree():
    chain = Chain()
    for i, parent in enumerate([None, "a", "b"]):
        chain.record(Turn(id="abc"[i], parent=parent, prompt=f"p{i}", execution_count=i + 1))
    return chain


def test_resolve_refs():
    chain = _tree()
    assert chain.head().id == "c"
    assert chain.resolve("b").id == "b"
    assert chain.resolve(2).id == "b"  # cell execution count
    assert chain.resolve("-1").id == "c"  # the head
    assert chain.resolve("-2").id == "b"  # two turns back
    assert chain.resolve(-3).id == "a"
    for bad in ("-4", "99", "zzz", ""):
        with pytest.raises(ChainError):
            chain.resolve(bad)


def test_delete_moves_head_to_parent_and_relinks_children():
    chain = _tree()
    chain.delete("b")
    assert chain.turns["c"].parent == "a"
    chain.delete("c")
    assert chain.head().id == "a"


def test_tree_lines_mark_forks_and_head():
    chain = _tree()
    chain.record(Turn(id="d", parent="a", prompt="fork"), move_head=True)
    lines = chain.tree_lines()
    assert lines[0].startswith("[1] a")
    assert any("d" in l and "HEAD (main)" in l for l in lines)
    assert [r["forks"] for r in chain.rows() if r["id"] == "a"] == [2]


def test_stateless_history_includes_signatures():
    chain = Chain()
    out = [
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "hi"}]},
    ]
    chain.record(
        Turn(id="x", parent=None, stored=False, input_steps=[{"type": "user_input"}], output_steps=out)
    )
    assert chain.needs_history(chain.head(), store=True)
    assert chain.history_steps(chain.head()) == [{"type": "user_input"}, *out]


# -- against the emulator -------------------------------------------------------------------
def test_failed_turn_does_not_move_head(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    session = __import__("gemini_nb").default_session()
    head = session.chain.head().id
    run_cell(ip, "%%gemini -m not-a-model --no-stream\nhello")
    assert session.chain.head().id == head


def test_fork_with_from_and_with_command(ip, emu):
    first_cell = ip.execution_count
    run_cell(ip, "%%gemini --no-stream -o first\nMy name is Phil", store_history=True)
    first = ip.user_ns["first"]
    run_cell(ip, "%%gemini --no-stream -o second\nMy name is Ann", store_history=True)
    second = ip.user_ns["second"]
    # --from a cell number: the fork continues from the first turn
    _, _, err = run_cell(
        ip, f"%%gemini --no-stream --from {first_cell} -o forked\nWhat is my name?", store_history=True
    )
    assert "forked" in ip.user_ns, err
    forked = ip.user_ns["forked"]
    assert _posts(emu)[-1]["previous_interaction_id"] == first.id
    assert "Phil" in forked.text
    # -N counts back along the current branch (head = forked turn, -2 = first)
    run_cell(ip, "%%gemini --no-stream --from -2\nWhat is my name?")
    assert _posts(emu)[-1]["previous_interaction_id"] == first.id
    # %gemini fork moves the head; the next turn continues there
    _, out, _ = run_cell(ip, f"%gemini fork {second.id}")
    assert "Head moved" in out
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    assert _posts(emu)[-1]["previous_interaction_id"] == second.id
    assert "Ann" in ip.user_ns["_"].text
    _, out, _ = run_cell(ip, "%gemini chain")
    assert first.id in out and "HEAD (main)" in out and "└─" in out
    _, _, err = run_cell(ip, "%gemini fork 9999")
    assert "no turn was made in cell [9999]" in err


def test_reset_and_new(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    _, out, _ = run_cell(ip, "%gemini reset")
    assert "reset" in out
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    assert "previous_interaction_id" not in _posts(emu)[-1]
    run_cell(ip, "%%gemini --no-stream --new\nhello")
    assert "previous_interaction_id" not in _posts(emu)[-1]


def test_named_threads_are_parallel(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    main_id = ip.user_ns["_"].id
    run_cell(ip, "%%gemini --no-stream --thread other\nMy name is Ann")
    other_id = ip.user_ns["_"].id
    assert "previous_interaction_id" not in _posts(emu)[-1]
    run_cell(ip, "%%gemini --no-stream --thread other\nWhat is my name?")
    assert _posts(emu)[-1]["previous_interaction_id"] == other_id and "Ann" in ip.user_ns["_"].text
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    assert _posts(emu)[-1]["previous_interaction_id"] == main_id and "Phil" in ip.user_ns["_"].text
    run_cell(ip, "%gemini thread other")
    run_cell(ip, "%%gemini --no-stream\nagain")
    assert _posts(emu)[-1]["previous_interaction_id"] != main_id


def test_no_store_sends_full_history_with_signatures(ip, emu):
    run_cell(ip, "%%gemini --no-stream --no-store --thinking low\nMy name is Phil")
    first = ip.user_ns["_"]
    assert _posts(emu)[-1]["store"] is False
    assert first.thought_signatures
    result, _, err = run_cell(ip, "%%gemini --stream --no-store\nWhat is my name?")
    assert result.success, err
    body = _posts(emu)[-1]
    assert "previous_interaction_id" not in body and body["store"] is False
    kinds = [s["type"] for s in body["input"]]
    assert kinds[0] == "user_input" and kinds[-1] == "user_input" and "model_output" in kinds
    assert first.thought_signatures[0] in [s.get("signature") for s in body["input"]]
    assert "Phil" in ip.user_ns["_"].text


def test_show_resume_delete(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    first = ip.user_ns["_"]
    from gemini_nb import api

    api._default = None  # a "new session": only the id is known
    result, _, err = run_cell(ip, f"%gemini show {first.id}")
    assert result.success, err
    assert "Phil" in result.result.text and result.result.id == first.id
    run_cell(ip, f"%gemini resume {first.id}")
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    assert _posts(emu)[-1]["previous_interaction_id"] == first.id and "Phil" in ip.user_ns["_"].text
    second = ip.user_ns["_"]
    _, out, err = run_cell(ip, f"%gemini delete {second.id}")
    assert "Deleted" in out, err
    assert api.default_session().chain.head().id == first.id
    _, _, err = run_cell(ip, f"%gemini show {second.id}")
    assert "UsageError" in err and "404" in err


def test_show_renders_only_that_turn_not_the_history_it_was_sent(ip, emu):
    """A fetched interaction echoes its input; after --no-store turns that input holds the
    earlier answers, which must not be glued into the shown text."""
    run_cell(ip, "%%gemini --no-store --no-stream\nMy name is Phil")
    first = ip.user_ns["_"].text
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")  # stored, sent with the history
    second = ip.user_ns["_"]
    from gemini_nb import api

    api._default = None  # a new session: fetched from the server
    result, _, err = run_cell(ip, f"%gemini show {second.id}")
    assert result.success, err
    assert result.result.text == second.text and first not in result.result.text


def test_result_from_interaction_keeps_steps_after_the_last_input():
    from gemini_nb.stream import result_from_interaction

    steps = [
        {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "old answer"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "again"}]},
        {"type": "thought", "signature": "s"},
        {"type": "model_output", "content": [{"type": "text", "text": "new answer"}]},
    ]
    result = result_from_interaction({"id": "x", "status": "completed", "steps": steps})
    assert result.text == "new answer" and [s["type"] for s in result.steps] == ["thought", "model_output"]


def test_delete_takes_a_ref_and_missing_ids_do_not_blame_previous_interaction(ip, emu):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    first = ip.user_ns["_"]
    run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    second = ip.user_ns["_"]
    _, out, err = run_cell(ip, "%gemini delete -1")
    assert f"Deleted {second.id}" in out, err
    from gemini_nb import api

    assert api.default_session().chain.head().id == first.id
    _, _, err = run_cell(ip, "%gemini show v1_doesnotexist")
    assert "Interaction 'v1_doesnotexist' not found" in err
    assert "previous_interaction_id" not in err and "%gemini reset" not in err


def test_tree_does_not_call_an_unused_thread_reset():
    chain = Chain()
    chain.record(Turn(id="s1", parent=None, prompt="p", thread="side"))
    assert chain.tree_lines()[-1] == "(current thread 'main' has no turns yet: the next prompt starts fresh)"
    chain.record(Turn(id="m1", parent=None, prompt="q"))
    chain.reset()
    assert chain.tree_lines()[-1] == "(current thread 'main' is reset: the next prompt starts fresh)"


def test_resume_in_a_new_session_keeps_resending_the_chain_settings(ip, emu):
    """system_instruction / generation_config are interaction-scoped: after %gemini resume in a
    new kernel they must still be sent, or the resumed chain silently changes behaviour."""
    run_cell(ip, "%%gemini --no-stream --system 'Answer in French.' --temperature 0.3\nMy name is Phil")
    first = ip.user_ns["_"]
    from gemini_nb import api

    api._default = None  # a new kernel: only the id (and the local log) is known
    run_cell(ip, f"%gemini resume {first.id}")
    result, _, err = run_cell(ip, "%%gemini --no-stream\nWhat is my name?")
    assert result.success, err
    body = _posts(emu)[-1]
    assert body["previous_interaction_id"] == first.id
    assert body["system_instruction"] == "Answer in French."
    assert body["generation_config"]["temperature"] == 0.3


def test_a_bad_reference_in_python_is_one_line_in_ipython(ip, emu):
    result, out, err = run_cell(ip, "import gemini_nb\ngemini_nb.Session().ask('hi', from_='-9')")
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert not result.success and "Traceback" not in out + err
    assert lines == ["ChainError: -9: the current chain has only 0 turn(s)"]
