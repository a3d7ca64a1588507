"""The ``%gemini`` line commands: one table that drives dispatch, the help text and the closed set.

Why one table: a command used to live in three places that had to agree (a tuple of names, a
help string and a ``_cmd_<name>`` method). Here a command is one :class:`Command` row (name,
handler, usage, one-line help); :data:`COMMANDS` is the only list, and the help and the checks
are computed from it. A new command is a handler function plus one row.

The set is closed. A line whose first word *looks like* a command but is not one is refused
with one line naming the commands, so a typo or a command from a later release never becomes a
paid prompt (``%gemini cancel ID`` used to start a new Deep Research run). "Looks like a
command" (:func:`looks_like_command`) is decided on the line's words:

* the first word is reserved: a command of a later release (:data:`PLANNED`), whatever follows;
* the line is one lowercase word alone (``%gemini jobs``, ``%gemini hello``): a one-word prompt
  must read as a sentence (``%gemini Hello!``, ``%gemini hello?``, ``%gemini Thanks``);
* a lowercase word followed by one id- or path-like argument (``%gemini attach v1_abc``,
  ``%gemini summarize report.pdf``, ``%gemini open data/x.csv``).

Everything else is a prompt (``%gemini What is my name?``, ``%gemini Tell me a joke``,
``%gemini explain os.path``). To send a prompt that the rules refuse, end the options with
``--`` (``%gemini -- cancel my order``) or use a ``%%gemini`` cell, whose body is never parsed.

Handlers take the magics object (for its session and settings) and the rest of the line; they
raise ``UsageError`` for a bad argument and return the cell's value (or None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from . import ids
from .chain import ChainError
from .errors import GeminiError


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Any, str], Any]
    usage: str
    help: str


PLANNED = ("compare", "tools", "config")
"""Reserved for commands of later releases: refused now, never sent as prompts."""

_WORD = re.compile(r"[a-z][a-z0-9_-]*")
_MEDIA_OR_DATA = (
    "png|jpe?g|gif|webp|bmp|svg|pdf|txt|md|csv|tsv|json|jsonl|xlsx?|parquet|ya?ml|xml|html?"
    "|py|ipynb|mp3|wav|ogg|flac|m4a|mp4|mov|webm|avi|zip|gz|tar"
)
_ID_OR_PATH = re.compile(
    rf"""(?x)
      \S*[/\\]\S*                           # a path (has a slash)
    | [\w.-]+\.(?:{_MEDIA_OR_DATA})          # a file name with a media/data extension
    | [A-Za-z][A-Za-z0-9]*_[\w-]+            # an id such as v1_ChdEb2N
    | [a-z]+-[0-9]+                          # a local id such as local-3
    | -?[0-9]+                               # a cell number or -N
""",
    re.IGNORECASE,
)


def looks_like_command(words: list[str]) -> bool:
    """True when a line (split on whitespace) would be read as a command, known or not."""
    if not words or not _WORD.fullmatch(words[0]):
        return False
    if words[0] in COMMANDS or words[0] in PLANNED or len(words) == 1:
        return True
    return len(words) == 2 and bool(_ID_OR_PATH.fullmatch(words[1]))


def unknown_command(words: list[str], leading: str = "") -> UsageError:
    """The one-line refusal for a command-like line that is not a command (``leading``: the
    options that preceded it, repeated in the suggested ``%gemini ... -- WORDS``)."""
    word = words[0]
    if word in COMMANDS:  # reached only after options: `%gemini --no-stream chain`
        what = "is a line command and takes no options"
    elif word in PLANNED:
        what = "is reserved for a later release"
    else:
        what = "is not a %gemini command"
    example = " ".join(words)
    if len(example) > 40:
        example = example[:37] + "..."
    if leading:
        example = f"{leading[:60]} -- {example}"
    else:
        example = f"-- {example}"
    return UsageError(
        f"{word!r} {what} (commands: {', '.join(COMMANDS)}); nothing was sent. To send it "
        f"as a prompt: %gemini {example}  (or use a %%gemini cell)"
    )


def dispatch(magics: Any, word: str, rest: str) -> Any:
    return COMMANDS[word].handler(magics, rest)


def help_text() -> str:
    import textwrap

    rows = [("%gemini PROMPT", "one turn from a single line (options may precede it; '--' ends them)")]
    rows += [(cmd.usage, cmd.help) for cmd in COMMANDS.values()]
    lines = ["Line commands:"] + [f"  {usage:<32}  {text}" for usage, text in rows]
    notes = [
        f"A line that looks like a command but is not one is refused (nothing is sent); reserved for "
        f"later releases: {', '.join(PLANNED)}. Send such a line as a prompt with %gemini -- WORDS, "
        "or from a %%gemini cell. A trailing '?' belongs to the prompt; %gemini? alone is this help.",
        "Prompts may use {{name}} or {{expression}} from your namespace; single braces and $ are "
        "untouched. Settings: %config GeminiMagics (model, stream, show_thoughts, timeout, ...).",
    ]
    for note in notes:
        lines += [""] + textwrap.wrap(note, 96)
    return "\n".join(lines)


# -- handlers ----------------------------------------------------------------------------------
def _help(magics: Any, rest: str) -> None:
    magics.print_help()


def _chain(magics: Any, rest: str) -> None:
    print("\n".join(magics.session.chain.tree_lines()))


def _reset(magics: Any, rest: str) -> None:
    magics.session.reset(rest or None)
    thread = rest or magics.session.chain.thread
    print(f"Chain {thread!r} reset: the next prompt starts a new conversation.")


def _ref(command: str, rest: str) -> str:
    """The REF argument of show/delete/fork: a cell number, -N, or a well-formed interaction id."""
    if not rest:
        raise UsageError(f"%gemini {command} needs an interaction ID (or a cell number / -N)")
    ref = rest.split()[0]
    if not ref.lstrip("-").isdecimal():
        try:
            ids.interaction_id(ref)
        except ids.InvalidIdError as exc:
            raise UsageError(str(exc)) from None
    return ref


def _fork(magics: Any, rest: str) -> None:
    try:
        turn = magics.session.fork(_ref("fork", rest))
    except ChainError as exc:
        raise UsageError(str(exc)) from None
    cell = f" (cell [{turn.execution_count}])" if turn.execution_count is not None else ""
    print(f"Head moved to {turn.id}{cell}; the next prompt continues from there.")


def _thread(magics: Any, rest: str) -> None:
    if not rest or not re.fullmatch(r"[\w.-]+", rest):
        raise UsageError("%gemini thread needs a NAME (letters, digits, _ . -)")
    magics.session.chain.switch(rest)
    print(f"Current thread: {rest!r}.")


def _resume(magics: Any, rest: str) -> None:
    if not rest:
        raise UsageError("%gemini resume needs an interaction ID")
    try:
        turn = magics.session.resume(rest.split()[0])
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    print(f"Resumed: the next prompt continues from {turn.id}.")


def _interaction(magics: Any, command: str, rest: str) -> str:
    """The interaction id for show/delete REF: from this kernel's chain, else the id itself."""
    ref = _ref(command, rest)
    try:
        return magics.session.chain.resolve(ref).id
    except ChainError:
        if ref.lstrip("-").isdecimal():
            raise UsageError(f"%gemini {command} {ref}: no such turn in this kernel's chain") from None
        return ref  # a well-formed id from elsewhere: the server looks it up


def _show(magics: Any, rest: str) -> Any:
    ref = _interaction(magics, "show", rest)
    try:
        return magics.session.show(ref)
    except GeminiError as exc:
        raise UsageError(str(exc)) from None


def _delete(magics: Any, rest: str) -> None:
    ref = _interaction(magics, "delete", rest)
    try:
        magics.session.delete(ref)
    except (GeminiError, ChainError) as exc:
        raise UsageError(str(exc)) from None
    print(f"Deleted {ref}.")


def _history(magics: Any, rest: str) -> Any:
    if rest and not re.fullmatch(r"[0-9]+", rest):
        raise UsageError(
            "%gemini history takes an optional row count, e.g. %gemini history 20 (to send a "
            "prompt that starts with 'history': %gemini -- history ...)"
        )
    magics.session.settings = magics.to_settings()
    try:
        history = magics.session.history()
    except Exception as exc:
        raise UsageError(f"cannot open the history database: {type(exc).__name__}: {exc}") from None
    if history is None:
        raise UsageError("history is off (%config GeminiMagics.history = True to turn it on)")
    try:
        return history.dataframe(int(rest) if rest else None)
    except Exception as exc:  # a damaged database: one line, not SQLite's traceback
        raise UsageError(f"cannot read the history database: {type(exc).__name__}: {exc}") from None


def _backend(magics: Any, rest: str) -> None:
    session = magics.session
    try:
        backend = session.set_backend(None if rest == "auto" else rest) if rest else session.backend()
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    for notice in session.pop_notices():
        print(notice)
    print(f"Backend: {backend.describe()}.")


def _key(magics: Any, rest: str) -> None:
    if rest:
        raise UsageError(
            "%gemini key takes no argument: type the key at the hidden prompt instead (nothing was stored)"
        )
    import getpass

    from .backend import set_typed_key

    try:
        key = getpass.getpass("Gemini API key (hidden; kept in memory only): ")
    except (KeyboardInterrupt, EOFError):
        raise UsageError("no key entered; nothing changed") from None
    except Exception as exc:  # e.g. StdinNotImplementedError: a frontend without input
        raise UsageError(
            f"this frontend cannot prompt for a key ({type(exc).__name__}); set "
            "GEMINI_API_KEY in the environment instead"
        ) from None
    if not key.strip():
        raise UsageError("no key entered; nothing changed")
    set_typed_key(key)
    session = magics.session
    try:  # re-resolve the current choice so it picks the key up (a URL backend uses it too)
        backend = session.set_backend(session.backend_choice)
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    if backend.kind == "live":
        print("Key set for this session (in memory only); the live backend will be used.")
    else:
        print(
            f"Key set for this session (in memory only). Backend: {backend.describe()}; "
            "run %gemini backend live to use the key."
        )


# -- Files API (gemini_nb.file_api) ------------------------------------------------------------------
def _upload(magics: Any, rest: str) -> None:
    import shlex

    from .file_api import upload

    try:
        words = shlex.split(rest)
    except ValueError as exc:
        raise UsageError(f"%gemini upload: {exc}") from None
    name = None
    if "--name" in words:
        at = words.index("--name")
        if at + 1 >= len(words):
            raise UsageError("%gemini upload PATH --name NAME: --name needs a value")
        name = words[at + 1]
        del words[at : at + 2]
    if len(words) != 1:
        raise UsageError("usage: %gemini upload PATH [--name NAME] (quote a path with spaces)")
    magics.session.settings = magics.to_settings()
    try:
        record = upload(words[0], name=name, session=magics.session)
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    print(f"Uploaded {record.name} ({record.mime_type}, {record.size_bytes} bytes): {record.uri}")
    print(f"Attach it with --file {record.name}")


def _files(magics: Any, rest: str) -> Any:
    from .file_api import delete_file, files

    words = rest.split()
    magics.session.settings = magics.to_settings()
    try:
        if not words:
            return files(magics.session)
        if words[0] == "delete" and len(words) == 2:
            name = delete_file(words[1], magics.session)
            print(f"Deleted {name}.")
            return None
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    raise UsageError("usage: %gemini files (list them) or %gemini files delete NAME")


# -- background jobs (gemini_nb/jobs.py) --
def _jobs(magics: Any, rest: str) -> Any:
    if rest:
        raise UsageError(
            "%gemini jobs takes no argument (to send a prompt that starts with 'jobs': %gemini -- jobs ...)"
        )
    from . import jobs

    return jobs.jobs()


def _job_ref(command: str, rest: str) -> str:
    words = rest.split()
    if len(words) != 1:
        raise UsageError(
            f"%gemini {command} needs one job number or interaction ID (%gemini jobs lists them)"
        )
    ref = words[0]
    if not ref.isdecimal():
        try:
            ids.interaction_id(ref)
        except ids.InvalidIdError as exc:
            raise UsageError(str(exc)) from None
    return ref


def _cancel(magics: Any, rest: str) -> None:
    from . import jobs

    ref = _job_ref("cancel", rest)
    magics.session.settings = magics.to_settings()
    try:
        status = jobs.cancel(ref, magics.session)
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    job = jobs.registry().find(ref)
    print(f"Cancel requested for {job.label if job else ref}: the server reports {status!r}.")


def _attach(magics: Any, rest: str) -> None:
    from . import jobs
    from .api import SCOPED_FIELDS
    from .widgets.job import show_job

    ref = _job_ref("attach", rest)
    magics.session.settings = magics.to_settings()
    try:
        job = (
            jobs.registry().find(ref)
            if ref.isdecimal()
            else jobs.attach(ref, magics.session, scoped=SCOPED_FIELDS)
        )
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    if job is None:
        raise UsageError(f"no job {ref} in this kernel (attach takes an interaction ID after a restart)")
    show_job(job, wait=False)
    from .magic_turn import _set_underscore

    _set_underscore(magics.shell, job)


# -- widgets: chat panel, usage ---------------------------------------------------------------
def _chat(magics: Any, rest: str) -> Any:
    if rest and not re.fullmatch(r"[\w.-]+", rest):
        raise UsageError("%gemini chat takes an optional THREAD name (letters, digits, _ . -)")
    magics.session.settings = magics.to_settings()
    from .widgets.chat import chat

    return chat(thread=rest or None, session=magics.session)


def _usage(magics: Any, rest: str) -> Any:
    from .usage_report import usage_command

    return usage_command(magics, rest)


# -- emulator scenarios (gemini_nb.scenario_files) ------------------------------------------------
def _scenarios(magics: Any, rest: str) -> Any:
    from .scenario_files import clear_scenarios, list_scenarios, load_scenarios

    magics.session.settings = magics.to_settings()
    words = rest.split()
    try:
        if not words:
            held = list_scenarios(magics.session)
            print(f"{len(held)} scenario(s) loaded." if held else "No scenarios loaded.")
            return None
        if words == ["clear"]:
            clear_scenarios(magics.session)
            print("Scenarios cleared: the emulator answers from its brain again.")
            return None
        if len(words) == 1:
            count = load_scenarios(words[0], session=magics.session)
            if count:
                print(f"Scenarios loaded: the emulator now holds {count}.")
            return None
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    raise UsageError("usage: %gemini scenarios [PATH | clear]")


COMMANDS: dict[str, Command] = {
    cmd.name: cmd
    for cmd in (
        Command("chain", _chain, "%gemini chain", "the conversation tree: turns, ids, models, forks, heads"),
        Command(
            "reset", _reset, "%gemini reset [THREAD]", "start a fresh conversation on the current thread"
        ),
        Command("fork", _fork, "%gemini fork REF", "continue from an earlier turn (id, cell number, or -N)"),
        Command(
            "thread", _thread, "%gemini thread NAME", "switch the current thread (named parallel chains)"
        ),
        Command("resume", _resume, "%gemini resume ID", "continue a chain from an earlier session by id"),
        Command("show", _show, "%gemini show REF", "re-render a stored interaction"),
        Command("delete", _delete, "%gemini delete REF", "delete an interaction (server and local chain)"),
        Command("history", _history, "%gemini history [N]", "the local log as a DataFrame (last N rows)"),
        Command(
            "backend", _backend, "%gemini backend [live|emulator|URL|auto]", "show or choose the backend"
        ),
        Command("key", _key, "%gemini key", "type an API key at a hidden prompt (never as an argument)"),
        Command(
            "scenarios",
            _scenarios,
            "%gemini scenarios [PATH|clear]",
            "script exact emulator answers from a YAML/JSON file (ignored on the live API)",
        ),
        # -- Files API (gemini_nb.file_api) --
        Command(
            "upload",
            _upload,
            "%gemini upload PATH [--name N]",
            "upload a file to the Files API (progress bar); prints its name and URI for --file",
        ),
        Command(
            "files",
            _files,
            "%gemini files [delete NAME]",
            "the Files API's files as a DataFrame; or delete one",
        ),
        # background jobs
        Command(
            "jobs", _jobs, "%gemini jobs", "this kernel's background jobs (agents, --background): a DataFrame"
        ),
        Command(
            "cancel", _cancel, "%gemini cancel ID|N", "stop a background job (interaction ID or job number)"
        ),
        Command(
            "attach",
            _attach,
            "%gemini attach ID",
            "follow a running or finished interaction by ID (e.g. after a restart): a new job display",
        ),
        # widgets: chat panel, usage
        Command("chat", _chat, "%gemini chat [THREAD]", "a chat panel on this kernel's chain (or a thread)"),
        Command("usage", _usage, "%gemini usage", "tokens per turn and per model (kernel + history), chart"),
        Command("help", _help, "%gemini help", "this help (also %gemini? and %gemini --help)"),
    )
}
