"""The %%gemini / %gemini magics driven in a real IPython shell against the emulator."""

from __future__ import annotations

import pytest
from shell_helpers import run_cell

from gemini_nb.result import InteractionResult


def cell(ip, source, **kw):
    result, out, err = run_cell(ip, source)
    return result, out, err


def test_load_ext_registers_both_magics(ip):
    assert "gemini" in ip.magics_manager.magics["cell"]
    assert "gemini" in ip.magics_manager.magics["line"]


def test_help_lists_every_option(ip):
    doc = ip.magics_manager.magics["line"]["gemini"].__doc__
    for option in (
        "-m",
        "--agent",
        "--system",
        "--thinking",
        "--thoughts",
        "--no-thoughts",
        "--temperature",
        "--max-tokens",
        "--stream",
        "--no-stream",
        "--new",
        "--from",
        "--thread",
        "--no-store",
        "--out",
        "--quiet",
        "--raw",
        "--no-interpolate",
    ):
        assert option in doc, option
    _, out, _ = cell(ip, "%%gemini --help\nignored")
    assert "--no-store" in out and "%gemini chain" in out
    _, out2, _ = cell(ip, "%gemini --help")
    assert out2 == out


def test_first_prompt_returns_result_and_renders(ip, emu):
    result, out, err = cell(ip, "%%gemini\nMy name is Phil")
    assert result.success, err
    value = result.result
    assert isinstance(value, InteractionResult)
    assert "Phil" in value.text and value.status == "completed" and value.emulated
    data, meta = value._repr_mimebundle_()
    assert "Phil" in data["text/markdown"] and "`emulated`" in data["text/markdown"]
    assert "[emulated]" in data["text/plain"] and "<" not in data["text/plain"].split("—")[0]
    assert meta["gemini_nb"]["interaction_id"] == value.id
    assert meta["gemini_nb"]["model"] == "gemini-3-flash-preview"
    assert set(meta["gemini_nb"]["usage"]) >= {"input_tokens", "output_tokens", "thought_tokens"}


def test_chain_continues_across_cells(ip, emu):
    cell(ip, "%%gemini --no-stream\nMy name is Phil")
    result, _, err = cell(ip, "%%gemini\nWhat is my name?")
    assert "Phil" in result.result.text, err
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("interactions")]
    assert "previous_interaction_id" not in posts[0]["body"]
    assert posts[1]["body"]["previous_interaction_id"] == ip.user_ns["_"].previous_interaction_id


def test_body_is_never_parsed_as_options(ip, emu):
    result, _, err = cell(ip, '%%gemini --no-stream\n--model x "quoted" {single} --help')
    assert result.success, err
    body = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body["input"] == '--model x "quoted" {single} --help'
    assert body["model"] == "gemini-3-flash-preview"


def test_line_magic_prompt_with_leading_options(ip, emu):
    result, _, err = cell(ip, "%gemini --no-stream -m gemini-3-flash-preview What's 2+2?")
    assert result.success, err
    body = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body["input"] == "What's 2+2?"


@pytest.mark.parametrize(
    "line,fragment",
    [
        ("--bogus", "unknown option --bogus"),
        ("--temperature hot", "invalid float value"),
        ("--thinking loads", "--thinking must be one of"),
        ("-m", "expected one argument"),
        ("-m a --agent b", "not both"),
        ("--new --from 1", "not both"),
        ("-o 1abc", "variable name"),
        ("-o class", "variable name"),  # a keyword cannot be assigned to
        ("stray words", "prompt goes in the cell body"),
        ('--system "unclosed', "cannot parse the first line"),
    ],
)
def test_bad_options_are_one_line_usage_errors(ip, line, fragment):
    result, out, err = cell(ip, f"%%gemini {line}\nhello")
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("UsageError:") and fragment in lines[0], err
    assert "Traceback" not in err


def test_empty_prompt(ip):
    _, _, err = cell(ip, "%%gemini\n   \n")
    assert "empty prompt" in err


def test_options_are_sent(ip, emu):
    result, _, err = cell(
        ip,
        "%%gemini --no-stream --system 'Be terse.' --temperature 0.2 --max-tokens 64 "
        "--thinking low --thoughts\nhello",
    )
    assert result.success, err
    body = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body["system_instruction"] == "Be terse."
    assert body["generation_config"] == {
        "temperature": 0.2,
        "max_output_tokens": 64,
        "thinking_level": "low",
        "thinking_summaries": "auto",
    }
    assert ip.user_ns["_"].thoughts  # summaries came back and are kept
    # interaction-scoped settings are resent on the next turn without repeating them
    cell(ip, "%%gemini --no-stream\nand again")
    body2 = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body2["system_instruction"] == "Be terse." and body2["generation_config"]["temperature"] == 0.2


def test_no_thoughts_hides_them(ip, emu):
    result, _, _ = cell(ip, "%%gemini --no-stream --thinking low --no-thoughts\nhello")
    value = result.result
    assert "Thoughts" not in value._repr_mimebundle_()[0]["text/markdown"]


def test_out_quiet_raw(ip, emu):
    result, out, _ = cell(ip, "%%gemini --no-stream -o answer --quiet\nMy name is Phil")
    assert result.result is None and out == ""
    assert "Phil" in ip.user_ns["answer"].text
    result, _, _ = cell(ip, "%%gemini --no-stream --raw\nWhat is my name?")
    data, _ = result.result._repr_mimebundle_()
    assert list(data) == ["text/plain"] and data["text/plain"] == result.result.text


def test_config_traits(ip, emu):
    ip.run_line_magic("config", "GeminiMagics.model = 'gemini-3-pro-preview'")
    try:
        result, _, err = cell(ip, "%%gemini --no-stream\nhello")
        assert result.result.model == "gemini-3-pro-preview", err
    finally:
        ip.run_line_magic("config", "GeminiMagics.model = 'gemini-3-flash-preview'")
    _, out, _ = cell(ip, "%config GeminiMagics")
    for trait in ("model", "stream", "show_thoughts", "timeout", "retry_attempts", "history", "max_chars"):
        assert trait in out


def test_templating_in_magics(ip, emu):
    ip.user_ns["who"] = "Phil"
    result, _, err = cell(ip, '%%gemini --no-stream\nMy name is {{who}}; JSON stays {"a": 1}')
    assert result.success, err
    body = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body["input"] == 'My name is Phil; JSON stays {"a": 1}'
    _, _, err = cell(ip, "%%gemini --no-stream\nHi {{nobody}}")
    assert "name 'nobody' is not defined" in err and len(err.strip().splitlines()) == 1
    result, _, _ = cell(ip, "%%gemini --no-stream --no-interpolate\nHi {{nobody}}")
    assert [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]["input"] == "Hi {{nobody}}"


def test_streaming_uses_throttled_live_display_then_final_value(ip, emu, kernel_displays):
    messages = kernel_displays
    result, _, err = cell(ip, "%%gemini --stream\nCount from 1 to 20")
    assert result.success, err
    assert messages[0] == ("display", {"text/plain": ""})
    assert messages[-1] == ("update", {"text/plain": ""})  # the live region ends empty
    assert "20" in result.result.text


def test_emulator_notice_once_and_backend_command(ip, monkeypatch):
    from gemini_nb import backend

    monkeypatch.delenv("GEMINI_NB_BACKEND")
    monkeypatch.setattr(backend, "_notice_shown", False)
    _, out, err = cell(ip, "%%gemini --no-stream\nhello")
    assert out.count("answers come from the local emulator") == 1, err
    _, out, _ = cell(ip, "%%gemini --no-stream\nhello again")
    assert "local emulator" not in out
    _, out, _ = cell(ip, "%gemini backend")
    assert "emulator backend (emulated)" in out
    _, _, err = cell(ip, "%gemini backend carrier-pigeon")
    assert "unknown backend" in err


def test_keyboard_interrupt_keeps_partial(session):
    class Interrupt:
        n = 0

        def start(self):
            pass

        def tick(self, assembler):
            self.n += 1
            if len(assembler.text) > 5:
                raise KeyboardInterrupt

        def close(self):
            pass

    first = session.ask("My name is Phil", stream=False)
    result = session.ask("Count from 1 to 20", stream=True, live=Interrupt())
    assert result.status == "interrupted" and result.partial and result.text
    assert "interrupted" in result._repr_mimebundle_()[0]["text/markdown"]
    assert session.chain.head().id == first.id
    assert session.last is result


def test_ipython_config_file_sets_traits(tmp_path):
    """c.GeminiMagics.* in ipython_config.py reaches the magics (via the shell's config)."""
    import subprocess
    import sys

    profile = tmp_path / "profile_test"
    profile.mkdir()
    (profile / "ipython_config.py").write_text(
        "c.GeminiMagics.model = 'gemini-3-pro-preview'\nc.GeminiMagics.stream = False\n"
    )
    code = (
        "%load_ext gemini_nb\n"
        "m = get_ipython().magics_manager.registry['GeminiMagics']\n"
        "print('RESULT', m.model, m.stream)\n"
    )
    script = tmp_path / "check.ipy"
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, "-m", "IPython", f"--profile-dir={profile}", "--no-banner", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "RESULT gemini-3-pro-preview False" in out


def test_question_mark_help(ip):
    from IPython.utils.capture import capture_output

    with capture_output() as cap:
        ip.run_cell("%gemini?")
    text = cap.stdout
    page = ip.inspector.info(ip.find_line_magic("gemini"))  # what %gemini? pages
    doc = str(page.get("docstring") or "") + text
    assert "--no-store" in doc and "--from" in doc and "--thread" in doc


def test_terminal_ipython_streams_text_then_only_the_footer(ip, emu, monkeypatch):
    from gemini_nb import api

    monkeypatch.setattr(api, "in_terminal", lambda: True)
    result, out, err = cell(ip, "%%gemini --stream --thinking low\nCount from 1 to 20")
    assert result.success, err
    assert out.startswith("[thinking] ") and "1, 2, 3" in out
    assert out.count("1, 2, 3") == 1  # the answer is not printed twice
    assert out.rstrip().splitlines()[-1].startswith("— [emulated] gemini-3-flash-preview")
    assert result.result is None and ip.user_ns["_"].text.startswith("1, 2, 3")


def test_line_magic_question_is_a_prompt_not_help(ip, emu):
    result, _, err = cell(ip, "%gemini --no-stream My name is Ada.")
    assert result.success, err
    result, out, err = cell(ip, "%gemini --no-stream What is my name?")
    assert result.success, err
    assert "Ada" in result.result.text
    body = [r for r in emu.requests() if r["method"] == "POST"][-1]["body"]
    assert body["input"] == "What is my name?"


def test_help_still_works_with_a_bare_question_mark(ip):
    from gemini_nb.question_mark import protect_question_mark

    assert protect_question_mark(["%gemini?\n"]) == ["%gemini?\n"]
    assert protect_question_mark(["%gemini??"]) == ["%gemini??"]
    assert protect_question_mark(["x = 1\n"]) == ["x = 1\n"]
    rewritten = protect_question_mark(["%gemini -m gemini-3-pro-preview Why 'quotes'?\n"])
    expected = "get_ipython().run_line_magic('gemini', \"-m gemini-3-pro-preview Why 'quotes'?\")\n"
    assert rewritten == [expected]


def test_terminal_mid_stream_error_does_not_print_the_partial_twice(ip, emu, monkeypatch):
    import functools

    from gemini_nb import api
    from gemini_nb.render import live

    monkeypatch.setattr(api, "in_terminal", lambda: True)
    # write every event
    monkeypatch.setattr(live, "TerminalLive", functools.partial(live.TerminalLive, rate=0))
    emu.fault(error_after_events=12, error_code="internal", message="boom", times=1)
    result, out, err = cell(ip, "%%gemini --stream --no-thoughts\nTell me about photosynthesis in detail")
    partial = ip.user_ns["_"]
    assert partial.status == "error" and len(partial.text) > 20
    assert out.count(partial.text[:20]) == 1, out  # streamed once, not repeated by the error path
    assert "— [emulated]" in out and "boom" in err


@pytest.mark.parametrize(
    "first_line",
    [
        "--thinking AIzaSyFakeKeyInAnOption_0123456789abcdef",
        "-m AIzaSyFakeKeyInAnOption_0123456789abcdef",
        "--system=AIzaSyFakeKeyInAnOption_0123456789abcdef",
    ],
)
def test_key_like_option_values_are_refused_and_never_echoed(ip, emu, clean_env, first_line):
    before = len(emu.requests())
    result, out, err = cell(ip, f"%%gemini --no-stream {first_line}\nhello")
    assert "AIzaSy" not in out + err and "looks like an API key" in err
    assert len(emu.requests()) == before  # nothing was sent
    history = clean_env / "history.sqlite3"
    assert not history.exists() or b"AIzaSy" not in history.read_bytes()
    result, out, err = cell(ip, f"%gemini {first_line} hello")
    assert "AIzaSy" not in out + err and "looks like an API key" in err


def test_interrupting_a_background_agent_wait_keeps_its_id(session, monkeypatch):
    """Ctrl-C while waiting for a background run: the run goes on server-side, so its id must stay
    (and the job goes on: it is the call's value, and it joins the chain when it ends)."""
    from gemini_nb import jobs

    def interrupt(_job, _seconds):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "_pause", interrupt)
        job = session.ask(
            "Research tea history briefly", agent="deep-research-pro-preview-12-2025", stream=False, wait=True
        )
    assert isinstance(job, jobs.Job) and job.id.startswith("v1_")
    assert job.name == "deep-research-pro-preview-12-2025"
    assert session.chain.head() is None  # the head did not move while interrupted
    row = session.history().rows()[-1]
    assert row["interaction_id"] == job.id and row["status"] == "interrupted"
    job.wait(30)
    assert session.chain.head().id == job.id  # it joined the chain when it ended


def test_generation_options_are_not_silently_dropped_for_agents(ip, emu):
    agent = "deep-research-pro-preview-12-2025"
    result, out, err = cell(ip, f"%%gemini --no-stream --agent {agent} --thinking high\nhi")
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "--thinking cannot be used with agent" in lines[0], err
    result, _, err = cell(ip, f"%%gemini --no-stream --wait --agent {agent}\nResearch tea briefly")
    assert result.success, err
    # the next turn continues the agent: a temperature would be ignored, so say so
    before = len(emu.requests())
    result, out, err = cell(ip, "%%gemini --no-stream --temperature 0.5\nAnd coffee?")
    assert "--temperature cannot be used with agent" in err and "-m MODEL" in err
    assert len(emu.requests()) == before  # nothing was sent
    result, _, err = cell(ip, "%%gemini --no-stream -m gemini-3-flash-preview --temperature 0.5\nAnd coffee?")
    assert result.success, err


# -- line commands: one table, a closed set ----------------------------------------------------
def _one_usage_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("UsageError:") and "Traceback" not in err, err
    return lines[0]


def _posts(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and "interactions" in r["path"]]


@pytest.mark.parametrize(
    "line",
    [
        "tools",
        "config",
        "compare",
        "hello",
        "summarize report.pdf",
        "open data/x.csv",
        "--no-stream cancel v1_abc123",
        "--no-stream jobs",
    ],
)
def test_unknown_command_like_lines_are_refused_never_sent(ip, emu, line):
    before = len(emu.requests())
    result, out, err = cell(ip, f"%gemini {line}")
    message = _one_usage_line(err)
    words = line.replace("--no-stream ", "")
    assert f"'{words.split()[0]}'" in message and "chain, reset, fork" in message
    assert f"%gemini {line[: -len(words)]}-- {words}" in message  # how to send it as a prompt
    assert "%%gemini" in message
    assert len(emu.requests()) == before  # nothing was sent


def test_a_known_command_after_options_is_refused(ip, emu):
    before = len(emu.requests())
    _, _, err = cell(ip, "%gemini --no-stream chain")
    assert "takes no options" in _one_usage_line(err)
    _, _, err = cell(ip, "%gemini -m gemini-3-pro-preview  show me a cat")
    assert "%gemini -m gemini-3-pro-preview -- show me a cat" in _one_usage_line(err)  # options kept
    assert len(emu.requests()) == before


@pytest.mark.parametrize(
    "line,sent",
    [
        ("Tell me a joke", "Tell me a joke"),
        ("explain os.path", "explain os.path"),
        ("Hello!", "Hello!"),
        ("translate hello", "translate hello"),
        ("-- cancel my order", "cancel my order"),
        ("-- jobs", "jobs"),
        ("-m gemini-3-flash-preview -- upload file.png", "upload file.png"),
    ],
)
def test_real_one_line_prompts_still_go_through(ip, emu, line, sent):
    result, _, err = cell(ip, f"%gemini --no-stream {line}")
    assert result.success, err
    assert _posts(emu)[-1]["body"]["input"] == sent


def test_a_cell_body_that_starts_with_a_command_word_is_a_prompt(ip, emu):
    result, _, err = cell(ip, "%%gemini --no-stream\ncancel my order")
    assert result.success, err
    assert _posts(emu)[-1]["body"]["input"] == "cancel my order"


def test_the_command_table_drives_dispatch_help_and_the_closed_set(ip, emu, monkeypatch):
    from gemini_nb import commands

    for name, command in commands.COMMANDS.items():  # every command is in %gemini? and the help
        assert command.usage in ip.find_line_magic("gemini").__doc__, name
    _, out, _ = cell(ip, "%gemini help")
    assert all(c.usage in out for c in commands.COMMANDS.values())
    calls = []
    ping = commands.Command("ping", lambda magics, rest: calls.append(rest), "%gemini ping X", "test")
    monkeypatch.setitem(commands.COMMANDS, "ping", ping)
    cell(ip, "%gemini ping  pong ")
    assert calls == ["pong"]
    _, _, err = cell(ip, "%gemini pinq")
    assert "ping" in _one_usage_line(err)  # the refusal lists the table's commands


@pytest.mark.parametrize(
    "words,command_like",
    [
        (["jobs"], True),
        (["hello"], True),
        (["cancel", "my", "order"], True),
        (["upload", "a.png"], True),
        (["attach", "v1_Chd9x"], True),
        (["summarize", "report.pdf"], True),
        (["open", "data/x.csv"], True),
        (["forget", "local-3"], True),
        (["redo", "-2"], True),
        (["Hello"], False),
        (["hello!"], False),
        (["hello?"], False),
        (["What", "is", "my", "name?"], False),
        (["Tell", "me", "a", "joke"], False),
        (["explain", "os.path"], False),
        (["translate", "hello"], False),
        (["summarize", "report.pdf", "briefly"], False),
        ([], False),
    ],
)
def test_what_looks_like_a_command(words, command_like):
    from gemini_nb.commands import looks_like_command

    assert looks_like_command(words) is command_like


# -- the line magic is not expanded by IPython -------------------------------------------------
def test_line_magic_sends_dollar_and_single_braces_literally(ip, emu, monkeypatch):
    def no_expansion(*args, **kwargs):
        raise AssertionError("IPython's var_expand must not run for %gemini")

    monkeypatch.setattr(ip, "var_expand", no_expansion)
    ip.user_ns.update(name="Ada", price=3, who="Phil")
    result, _, err = cell(ip, "%gemini --no-stream Say {name} costs $price, says {{who}}")
    assert result.success, err
    assert _posts(emu)[-1]["body"]["input"] == "Say {name} costs $price, says Phil"
    result, _, err = cell(ip, "%%gemini --no-stream --system {name}$price\nhi")
    assert result.success, err
    assert _posts(emu)[-1]["body"]["system_instruction"] == "{name}$price"


def test_a_20000_character_line_is_sent_whole_and_never_expanded(ip, emu, monkeypatch):
    calls = []
    monkeypatch.setattr(ip, "var_expand", lambda *a, **k: calls.append(a) or a[0])
    prompt = "Tell me about {x} and $y " * 800
    assert len(prompt) >= 20_000
    result, _, err = cell(ip, "%gemini --no-stream " + prompt)
    assert result.success, err
    assert _posts(emu)[-1]["body"]["input"] == prompt.strip() and calls == []


# -- bad values are one line -------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "%%gemini -m ''\nhello",
        "%%gemini --model=\nhello",
        "%%gemini --agent ''\nhello",
        "%gemini -m '' hello",
        "%%gemini --thread ' '\nhello",
        "%%gemini --system ''\nhello",
    ],
)
def test_an_empty_option_value_is_an_error_not_the_default(ip, emu, source):
    before = len(emu.requests())
    _, _, err = cell(ip, source)
    assert "needs a value, got an empty string" in _one_usage_line(err)
    assert len(emu.requests()) == before


@pytest.mark.parametrize("exc", ["KeyboardInterrupt", "SystemExit", "BaseException"])
def test_a_template_raising_a_base_exception_is_one_line(ip, emu, exc):
    ip.run_cell(f"def boom():\n    raise {exc}('x')")
    before = len(emu.requests())
    for source in ("%%gemini --no-stream\nHi {{boom()}}", "%gemini --no-stream Hi {{boom()}}"):
        result, _, err = cell(ip, source)
        assert exc in _one_usage_line(err) and "{{boom()}}" in err
    assert len(emu.requests()) == before


# -- ids are checked before any request ------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "delete ../../../_emulator/faults",
        "show ../../_emulator/health",
        "resume ../../_emulator/reset",
        "fork ../x",
        "show v1_abc?alt=media",
        "delete %2e%2e%2f_emulator",
        "show AIzaSyFakeKeyInAnId_0123456789abcdefgh",
    ],
)
def test_malformed_ids_are_refused_before_any_request(ip, emu, monkeypatch, line):
    from gemini_nb import api

    def no_client(self):
        raise AssertionError("no request may be made for a malformed id")

    emu.fault(method="GET", path="never-matches", error_code="internal", times=1)
    monkeypatch.setattr(api.Session, "client", no_client)
    before = len(emu.requests())
    _, out, err = cell(ip, f"%gemini {line}")
    message = _one_usage_line(err)
    assert "AIzaSy" not in out + err
    assert ("not an interaction id" in message and line.split()[1][:20] in message) or "API key" in message
    assert len(emu.requests()) == before
    from shell_helpers import control

    assert control(emu.base_url, "faults")  # the fault rule is still there


def test_session_methods_validate_ids(session):
    from gemini_nb.ids import InvalidIdError

    for method in (session.show, session.delete, session.resume):
        with pytest.raises(InvalidIdError, match="not an interaction id"):
            method("../../_emulator/health")
    assert session.chain.turns == {}


def test_id_and_file_name_validators():
    from gemini_nb import ids

    assert ids.interaction_id("v1_ChdEb2N-x_9") == "v1_ChdEb2N-x_9"
    assert ids.file_name("files/abc-123") == ids.file_name("abc-123") == "files/abc-123"
    for bad in ("", "a/b", "..", "v1_a b", "v1_%2F", "x" * 300, None, 12):
        with pytest.raises(ids.InvalidIdError, match="not an interaction id"):
            ids.interaction_id(bad)
    for bad in ("files/../x", "files/ABC", "files/", "files/a/b", "a.png"):
        with pytest.raises(ids.InvalidIdError, match="not a file name"):
            ids.file_name(bad)


# -- options and IPython's execution count ---------------------------------------------------
def test_the_options_table_is_the_one_source():
    from gemini_nb import options

    assert options.TAKES_VALUE["-m"] and options.TAKES_VALUE["--from"] and not options.TAKES_VALUE["--new"]
    assert options.split_leading_options("--from -2 -o x -- --new is text") == (
        ["--from", "-2", "-o", "x"],
        "--new is text",
        True,
    )
    assert options.split_leading_options("-m 'a b' hi --new") == (["-m", "a b"], "hi --new", False)
    parsed = options.parse(["-m", "x", "--no-store", "-o", "v"], execution_count=7)
    assert parsed.turn.model == "x" and parsed.turn.store is False and parsed.out == "v"
    assert parsed.turn.execution_count == 7 and parsed.interpolate is None
    with pytest.raises(options.OptionError, match="unknown option --temp"):
        options.parse(["--temp", "1"])  # no abbreviations: the splitter could not know --temp takes a value
    for opt in options.OPTIONS:
        assert ", ".join(opt.flags) in options.options_help()


@pytest.mark.parametrize(
    "version,first",
    [((8, 12, 3), False), ((9, 7, 0), False), ((9, 8, 0), True), ((9, 18), True), ((10, 0), True)],
)
def test_execution_count_quirk_is_a_version_check(version, first):
    from gemini_nb.magics import increments_first

    assert increments_first(version) is first


def test_turns_record_the_cell_number_they_ran_in(ip, emu):
    result, _, err = run_cell(ip, "%%gemini --no-stream\nhello", store_history=True)
    assert result.success, err
    from gemini_nb import api

    assert api.default_session().chain.head().execution_count == result.execution_count


def test_line_command_arguments_take_double_brace_templating(ip, emu):
    """``%gemini show {{reply.id}}``: commands get the prompts' templating, nothing else."""
    result, _, err = cell(ip, "%gemini --no-stream -o reply Say hi")
    assert result.success, err
    reply_id = ip.user_ns["reply"].id
    result, _, err = cell(ip, "%gemini show {{reply.id}}")
    assert result.success, err
    assert result.result.id == reply_id
    result, _, err = cell(ip, "%gemini show {reply.id}")
    assert not result.success and "not an interaction id" in err


def test_option_values_on_the_first_line_take_double_brace_templating(ip, emu):
    """``--system {{persona}}`` / ``--file {{path}}``: option values are filled like the prompt;
    single braces stay literal, and ``--no-interpolate`` turns it off for the whole line."""
    ip.user_ns.update(persona="You are terse.", model_name="gemini-2.5-flash")
    result, _, err = cell(ip, "%%gemini --no-stream --system {{persona}} -m {{model_name}}\nhi")
    assert result.success, err
    body = _posts(emu)[-1]["body"]
    assert body["system_instruction"] == "You are terse." and body["model"] == "gemini-2.5-flash"
    result, _, err = cell(ip, "%%gemini --no-stream --no-interpolate --system {{persona}}\nhi")
    assert result.success, err
    assert _posts(emu)[-1]["body"]["system_instruction"] == "{{persona}}"
