"""Every failure mode of issue 4 reads as one clear line, in a real IPython shell, with faults
injected by the emulator; partial answers are never lost and the chain head never moves."""

from __future__ import annotations

import socket

import pytest
from shell_helpers import run_cell

from gemini_nb.errors import GeminiError, describe, redact, register_secret


def _usage_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err  # exactly one line, no traceback
    assert lines[0].startswith("UsageError: ")
    assert "Traceback" not in err
    return lines[0]


def _first_turn(ip):
    result, _, err = run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    assert result.success, err
    return ip.user_ns["_"]


def test_quota_error_names_retry_after(ip, emu):
    emu.fault(
        status=429,
        error_status="RESOURCE_EXHAUSTED",
        message="Quota exceeded for requests",
        retry_after=7,
        times=1,
    )
    _, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    line = _usage_line(err)
    assert "Quota exceeded" in line and "429" in line and "retry after 7 s" in line


def test_invalid_argument_names_the_field(ip, emu):
    emu.fault(status=400, message="Invalid value at 'generation_config.temperature': must be <= 2", times=1)
    _, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    line = _usage_line(err)
    assert "Invalid argument" in line and "generation_config.temperature" in line


def test_a_400_that_is_not_a_bad_argument_says_what_it_is(ip, emu):
    emu.fault(
        status=400,
        error_status="FAILED_PRECONDITION",
        message="User location is not supported for the API use.",
        times=1,
    )
    _, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    line = _usage_line(err)
    assert line.startswith("UsageError: Failed precondition (HTTP 400 FAILED_PRECONDITION): User location")
    assert "Invalid argument" not in line


def test_bad_model_name(ip, emu):
    _, _, err = run_cell(ip, "%%gemini -m not-a-model --no-stream\nhello")
    line = _usage_line(err)
    assert "Model 'not-a-model' not found" in line and "404" in line


def test_unknown_previous_interaction_hints_reset(ip, emu):
    ip.run_line_magic("gemini", "resume v1_doesnotexist")
    _, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    line = _usage_line(err)
    assert "previous_interaction_id 'v1_doesnotexist'" in line and "%gemini reset" in line


def test_auth_and_permission(ip, emu):
    emu.fault(status=401, error_status="UNAUTHENTICATED", message="API key not valid", times=1)
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "API key was rejected" in line and "%gemini key" in line
    emu.fault(status=403, error_status="PERMISSION_DENIED", message="Caller lacks permission", times=1)
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "Permission denied" in line and "403" in line


def test_server_error_after_retries(ip, emu):
    ip.run_line_magic("config", "GeminiMagics.retry_attempts = 2")
    emu.fault(
        status=503,
        error_status="UNAVAILABLE",
        message="The service is currently unavailable",
        retry_after=0.01,
    )
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "Server error" in line and "503" in line and "after 2 attempts" in line
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")]
    assert len(posts) == 2


def test_connection_refused(ip, monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setenv("GEMINI_NB_BACKEND", f"http://127.0.0.1:{port}")
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "Cannot connect" in line and str(port) in line


def test_timeout(ip, emu):
    ip.run_line_magic("config", "GeminiMagics.timeout = 0.5")
    emu.fault(latency_ms=3000, times=1)
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "timed out after 0.5 s" in line


def test_mid_stream_error_keeps_partial_and_head(ip, emu):
    first = _first_turn(ip)
    emu.fault(error_after_events=6, error_code="gateway_timeout", message="Deadline expired", times=1)
    result, out, err = run_cell(ip, "%%gemini --stream -o partial\nCount from 1 to 20")
    line = _usage_line(err)
    assert "stream failed mid-answer" in line and "gateway_timeout" in line
    partial = ip.user_ns["partial"]
    assert partial.status == "error" and partial.partial
    session = __import__("gemini_nb").default_session()
    assert session.chain.head().id == first.id  # head did not move
    assert session.last is partial


@pytest.mark.parametrize(
    "mode,expected",
    [("eof", "ended before the interaction completed"), ("abort", "connection dropped mid-stream")],
)
def test_dropped_stream_is_an_error_not_a_silent_success(ip, emu, mode, expected):
    first = _first_turn(ip)
    emu.fault(drop_after_events=5, drop_mode=mode, times=1)
    line = _usage_line(run_cell(ip, "%%gemini --stream -o cut\nCount from 1 to 20")[2])
    assert expected in line and "partial answer is kept" in line
    assert ip.user_ns["cut"].status == "error"
    assert __import__("gemini_nb").default_session().chain.head().id == first.id


def test_key_is_redacted_everywhere(clean_env):
    key = "AIzaSyThisIsNotARealKeyButLooksLikeOne123"
    register_secret(key)
    assert key not in redact(f"bad key {key} here")
    assert "***" in redact("x AIzaSyAnotherFakeKeyValue_abcdefghijk y")
    err = describe(ValueError(f"something {key}"))
    assert key not in str(err)


def test_key_is_not_a_magic_argument(ip):
    line = _usage_line(run_cell(ip, "%%gemini --api-key AIzaSyFakeFakeFakeFakeFakeFake12345\nhi")[2])
    assert "AIza" not in line and "%gemini key" in line
    line = _usage_line(run_cell(ip, "%gemini key AIzaSyFakeFakeFakeFakeFakeFake12345")[2])
    assert "AIza" not in line and "hidden prompt" in line


def test_live_backend_without_key_says_how(ip, monkeypatch):
    monkeypatch.setenv("GEMINI_NB_BACKEND", "live")
    line = _usage_line(run_cell(ip, "%%gemini\nhello")[2])
    assert "No API key" in line and "GEMINI_API_KEY" in line


def test_describe_handles_stream_error():
    from gemini_nb.stream import StreamError

    err = describe(StreamError("gateway_timeout", "Deadline"))
    assert isinstance(err, GeminiError) and "[gateway_timeout] Deadline" in str(err)


# -- audit regressions ---------------------------------------------------------------------------


def test_invalid_key_sent_as_403_still_reads_as_a_key_problem(ip, emu):
    """Some servers (and the emulator's --api-key) answer a bad key with 403, not Google's 400."""
    emu.fault(
        status=403,
        error_status="PERMISSION_DENIED",
        message="API key not valid. Please pass a valid API key.",
        times=1,
    )
    line = _usage_line(run_cell(ip, "%%gemini --no-stream\nhello")[2])
    assert "API key was rejected" in line and "%gemini key" in line and "Permission denied" not in line


def test_unknown_agent_says_agent_not_model(ip, emu):
    line = _usage_line(run_cell(ip, "%%gemini --agent no-such-agent --no-stream\nhello")[2])
    assert "Agent 'no-such-agent' not found" in line and "Model" not in line


def test_mid_stream_error_partial_becomes_underscore(ip, emu):
    _first_turn(ip)
    emu.fault(error_after_events=12, error_code="internal", message="boom", times=1)
    _, _, err = run_cell(ip, "%%gemini --stream --no-thoughts\nTell me about photosynthesis in detail")
    assert "boom" in _usage_line(err)
    partial = ip.user_ns["_"]
    assert partial.status == "error" and partial.text  # nothing partial is lost, like Ctrl-C


# -- ask() / Session.ask() errors in a notebook (issue 7, item 7) ---------------------------------
FAULTS = {
    "in-stream error": dict(error_after_events=14, error_code="internal", message="boom"),
    "clean EOF": dict(drop_after_events=14, drop_mode="eof"),
    "aborted connection": dict(drop_after_events=14, drop_mode="abort"),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_ask_error_is_one_line_and_the_partial_is_reachable(ip, emu, fault):
    import gemini_nb

    emu.fault(times=1, **FAULTS[fault])
    result, out, err = run_cell(ip, "import gemini_nb\ngemini_nb.ask('Count from 1 to 40', stream=True)")
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert not result.success and len(lines) == 1 and "Traceback" not in out + err, out + err
    assert lines[0].startswith("GeminiError: The stream failed mid-answer")
    assert "gemini_nb.last()" in lines[0] and "chain head" not in lines[0]
    partial = gemini_nb.last()
    assert partial is not None and partial.status == "error" and partial.text.startswith("1, 2")
    assert result.error_in_exec.partial is partial  # err.partial is the same object


def test_last_is_the_latest_outcome_never_an_older_answer(session):
    import gemini_nb

    ok = session.ask("hello", stream=False)
    assert gemini_nb.last() is ok and session.last is ok
    with pytest.raises(GeminiError) as info:
        session.ask("hello", model="not-a-model", stream=False)
    assert info.value.partial is None and gemini_nb.last() is None


def test_session_ask_in_a_kernel_keeps_the_partial_on_screen(session, emu, kernel_displays):
    messages = kernel_displays
    emu.fault(error_after_events=12, error_code="internal", message="boom", times=1)
    with pytest.raises(GeminiError) as info:
        session.ask("Count from 1 to 40", stream=True)
    partial = info.value.partial
    kind, data = messages[-1]
    assert kind == "display"  # what streamed is shown in full, not left in an emptied preview
    assert partial.text in data["text/markdown"] and "failed: The stream failed" in data["text/markdown"]


# -- wording (issue 7, item 8) -------------------------------------------------------------------
def test_messages_join_sentences_with_one_full_stop(session, emu):
    emu.fault(error_after_events=6, error_code="gateway_timeout", times=1)  # the emulator's default text
    with pytest.raises(GeminiError) as info:
        session.ask("Count from 1 to 40", stream=True)
    message = str(info.value)
    assert "Deadline expired before operation could complete. The partial answer is kept" in message
    assert ".." not in message and "…." not in message
    emu.fault(error_after_events=6, error_code="gateway_timeout", message="Deadline expired…", times=1)
    with pytest.raises(GeminiError) as info:
        session.ask("Count from 1 to 40", stream=True)
    assert "Deadline expired… The partial answer is kept" in str(info.value)
    emu.fault(status=400, message="Invalid value at 'input'.", times=1)
    with pytest.raises(GeminiError) as info:
        session.ask("hello", stream=False)
    assert str(info.value).endswith("Invalid value at 'input'.") and ".." not in str(info.value)


def test_sentence_ends_with_exactly_one_stop():
    from gemini_nb.errors import sentence

    assert sentence("Deadline expired") == "Deadline expired."
    assert sentence("Deadline expired.") == "Deadline expired."
    assert sentence("Deadline expired...") == "Deadline expired…"
    assert sentence("Deadline expired…") == "Deadline expired…"
    assert sentence("Really?") == "Really?" and sentence("") == "(no details)."


def test_only_turns_with_a_chain_head_mention_it(ip, emu, session):
    import gemini_nb

    emu.fault(error_after_events=6, error_code="internal", message="boom", times=2)
    with pytest.raises(GeminiError) as one_off:
        gemini_nb.ask("Count from 1 to 40", stream=True)
    with pytest.raises(GeminiError) as chained:
        session.ask("Count from 1 to 40", stream=True)
    assert "chain head" not in str(one_off.value) and "chain head" not in one_off.value.partial.error
    assert "the chain head did not move" in str(chained.value)
    from gemini_nb.result import InteractionResult
    from gemini_nb.turn import failure_message

    failed = InteractionResult(status="failed")
    assert failure_message(failed, keeps_chain=False) == "The interaction failed (status 'failed')."
    assert "chain head did not move" in failure_message(failed, keeps_chain=True)


# -- a dropped background stream resumes (issue 7, item 8) ----------------------------------------
AGENT = "deep-research-pro-preview-12-2025"


@pytest.mark.parametrize("mode", ["abort", "eof"])
def test_dropped_background_stream_resumes_and_finishes(session, emu, monkeypatch, mode):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.5")
    # an agent is a background job, followed over GET ?stream=true (gemini_nb/jobs.py)
    emu.fault(method="GET", path="interactions/", drop_after_events=5, drop_mode=mode, times=1)
    result = session.ask("Research the history of tea", agent=AGENT, stream=True, wait=True)
    assert result.status == "completed" and result.text
    resumes = [
        r
        for r in emu.requests()
        if r["method"] == "GET" and "last_event_id=evt_5" in r["query"] and r["path"].endswith(result.id)
    ]
    assert len(resumes) == 1 and "stream=true" in resumes[0]["query"]
    stored = session.client().interactions.get(result.id)
    from gemini_nb.stream import result_from_interaction

    assert result_from_interaction(stored).text == result.text  # nothing lost, nothing doubled
    assert session.chain.head().id == result.id


def test_dropped_foreground_stream_is_still_an_error(session, emu):
    emu.fault(drop_after_events=5, drop_mode="eof", times=1)
    with pytest.raises(GeminiError) as info:
        session.ask("Count from 1 to 40", stream=True)
    assert "ended before the interaction completed" in str(info.value)
    assert not [r for r in emu.requests() if "last_event_id" in (r["query"] or "")]


def test_magic_in_a_kernel_shows_a_failed_partial_once(ip, emu, kernel_displays):
    messages = kernel_displays
    emu.fault(error_after_events=14, error_code="internal", message="boom", times=1)
    _, out, err = run_cell(ip, "%%gemini --stream -o cut\nCount from 1 to 40")
    assert "boom" in _usage_line(err)
    cut = ip.user_ns["cut"]
    shown = [data for kind, data in messages if kind == "display" and "text/markdown" in data]
    assert len(shown) == 1 and cut.text in shown[0]["text/markdown"]
    assert cut.text not in out  # the magics do not display it a second time
