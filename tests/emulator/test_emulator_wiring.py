"""Issue 8 item 3: the emulator is wired explicitly through one extension interface.

A third-party service is a plain object with ``routes()`` (plain tuples are fine) and, if it
needs them, ``wrap_brain``/``reset``/``startup``/``shutdown``; the app factory does the rest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx
from starlette.responses import JSONResponse

from gemini_nb.emulator import start
from gemini_nb.emulator.brain.base import Reply, text_step

MODEL = "gemini-3-flash-preview"


class Echo:
    """A made-up service at ``/{v}/echoes/{id}`` with its own state and a brain layer."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.events: list[str] = []

    def routes(self):
        return [
            (("GET",), r"^/(?P<v>v\d+\w*)/echoes/(?P<id>[a-z]+)$", self.get),
            (("POST",), r"^/(?P<v>v\d+\w*)/echoes:open$", self.open, False),
        ]

    async def get(self, emu, request, match):
        self.seen.append(match.group("id"))
        return JSONResponse({"id": match.group("id"), "seen": len(self.seen)})

    async def open(self, emu, request, match):
        return JSONResponse({"open": True})

    def wrap_brain(self, brain):
        outer = self

        class Shout:
            def respond(self, ctx):
                if "shout" in ctx.last_user_text():
                    return Reply(steps=[text_step("ECHO!")])
                return brain.respond(ctx)

            def __getattr__(self, name):
                return getattr(brain, name)

        outer.events.append("wrapped")
        return Shout()

    def reset(self) -> None:
        self.seen.clear()
        self.events.append("reset")

    async def startup(self, emu) -> None:
        self.events.append("startup")

    async def shutdown(self) -> None:
        self.events.append("shutdown")


def test_an_extension_is_served_with_its_routes_brain_layer_and_hooks():
    echo = Echo()
    with start(extensions=[echo]) as emu:
        assert echo.events == ["wrapped", "startup"]
        base = emu.base_url
        got = httpx.get(base + "/v1beta/echoes/abc", headers={"x-goog-api-key": "k"})
        assert got.json() == {"id": "abc", "seen": 1}
        assert httpx.get(base + "/v1beta/echoes/abc").status_code == 401  # auth by default
        assert httpx.post(base + "/v1beta/echoes:open").json() == {"open": True}  # auth=False
        assert httpx.delete(base + "/v1beta/echoes/abc", headers={"x-goog-api-key": "k"}).status_code == 404
        assert httpx.head(base + "/_emulator/health").status_code == 200
        client = make_client(base)
        assert client.interactions.create(model=MODEL, input="please shout").output_text == "ECHO!"
        # the Files check still sits in front of every brain layer
        missing = {"type": "document", "uri": "files/missing", "mime_type": "application/pdf"}
        bad = httpx.post(
            base + "/v1beta/interactions",
            headers={"x-goog-api-key": "k"},
            json={"model": MODEL, "input": [{"type": "text", "text": "shout"}, missing]},
        )
        assert bad.status_code == 400 and "files/missing" in bad.json()["error"]["message"]
        httpx.post(base + "/_emulator/reset")
        assert echo.seen == [] and echo.events[-1] == "reset"
    assert echo.events[-1] == "shutdown"


def test_the_control_plane_edits_the_scenarios_the_brain_reads(emu, client):
    doc = "scenarios:\n  - match: {input: wiring}\n    respond: [{text: scripted}]\n"
    assert httpx.post(emu.base_url + "/_emulator/scenarios", content=doc).status_code == 200
    assert client.interactions.create(model=MODEL, input="wiring test").output_text == "scripted"
    httpx.delete(emu.base_url + "/_emulator/scenarios")
    assert client.interactions.create(model=MODEL, input="wiring test").output_text != "scripted"


def test_no_module_global_changes_when_apps_are_built():
    """In a fresh process: every list/dict/set at module level in the emulator is the same
    before and after two apps are built and served (nothing registers itself globally)."""
    script = textwrap.dedent("""
        import importlib, pkgutil, sys
        import gemini_nb.emulator as pkg
        from gemini_nb.emulator import start
        names = [m.name for m in pkgutil.walk_packages(pkg.__path__, "gemini_nb.emulator.")]
        mods = [importlib.import_module(n) for n in names if ".__main__" not in n]

        def snap():
            return {(m.__name__, k): repr(v) for m in mods for k, v in vars(m).items()
                    if isinstance(v, (list, dict, set)) and not k.startswith("__")}

        before = snap()
        with start(), start():
            pass
        after = snap()
        changed = sorted(k for k in before if before[k] != after.get(k))
        print(changed)
        sys.exit(1 if changed else 0)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]


def test_scenarios_win_over_layers_added_by_later_extensions(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - match: {input: shout}\n    respond: [{text: scripted}]\n")
    with start(extensions=[Echo()], scenarios=str(path)) as emu:
        client = make_client(emu.base_url)
        assert client.interactions.create(model=MODEL, input="shout now").output_text == "scripted"
        listed = httpx.get(emu.base_url + "/_emulator/scenarios").json()["scenarios"]
        assert [s["hits"] for s in listed] == [1]


# -- the standard services wired as extensions (custom agents, File Search) ---------------------


def _chain(brain) -> list[str]:
    names = []
    while brain is not None:
        names.append(type(brain).__name__)
        brain = vars(brain).get("inner")
    return names


def test_standard_services_are_extensions_in_brain_chain_order():
    from gemini_nb.emulator.agents_api import AgentsExtension
    from gemini_nb.emulator.app import create_app, new_emulator, standard_extensions
    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.file_search_api import FileSearchExtension
    from gemini_nb.emulator.files_api import FilesExtension

    emulator = new_emulator(EmulatorConfig())
    try:
        exts = standard_extensions(emulator)
        kinds = [type(e).__name__ for e in exts]
        assert kinds == [
            "FilesExtension",
            "ScenariosExtension",
            "AgentsExtension",
            "FileSearchExtension",
            "InteractionsApi",
        ]
        files, agents, search = exts[0], exts[2], exts[3]
        assert isinstance(files, FilesExtension) and isinstance(agents, AgentsExtension)
        assert isinstance(search, FileSearchExtension) and search.files is files  # given, not global
        assert emulator.agents is agents.registry  # what create() validates against
        create_app(emulator, exts)
        # Files check outermost, then scenarios, then the two guards, then the skill pipeline
        assert _chain(emulator.brain)[:4] == ["FilesGuard", "ScenarioBrain", "AgentsGuard", "FileSearchGuard"]
        assert emulator.resets == [files.reset, agents.reset, search.reset]
    finally:
        emulator.close()


def test_each_emulator_keeps_its_own_agents_and_stores():
    import warnings

    warnings.filterwarnings("ignore", message="Agents usage is experimental")
    with start() as one, start() as two:
        first, second = make_client(one.base_url), make_client(two.base_url)
        first.agents.create(id="only-here")
        first.file_search_stores.create(config={"display_name": "only here"})
        assert [a.id for a in first.agents.list().agents] == ["only-here"]
        assert not second.agents.list().agents and list(second.file_search_stores.list()) == []
        assert "only-here" in one.emulator.agents and "only-here" not in two.emulator.agents
        done = first.interactions.create(agent="only-here", input="Say hi")
        assert done.status == "completed"
        with pytest.raises(gx.NotFoundError):
            second.interactions.create(agent="only-here", input="Say hi")
        one.reset()
        assert not first.agents.list().agents and list(first.file_search_stores.list()) == []


def test_scenarios_see_a_custom_agent_by_its_own_id(tmp_path):
    """Scenarios sit before the agents layer: they match the agent the request named."""
    import warnings

    warnings.filterwarnings("ignore", message="Agents usage is experimental")
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - match: {agent: my-helper}\n    respond: [{text: scripted helper}]\n")
    with start(scenarios=str(path)) as emu:
        client = make_client(emu.base_url)
        client.agents.create(id="my-helper", system_instruction="You are a pirate.")
        client.agents.create(id="other-helper", system_instruction="You are a pirate.")
        assert (
            client.interactions.create(agent="my-helper", input="Greet the crew").output_text
            == "scripted helper"
        )
        other = client.interactions.create(agent="other-helper", input="Greet the crew of the ship")
        assert "Arr" in other.output_text  # the saved instruction reached the skills


def test_another_api_finishes_an_upload_through_the_files_sessions():
    """``FilesExtension.open_upload`` with a ``finish`` callback: chunks follow the Files rules,
    finalizing answers what ``finish`` returns and stores no file; its refusals end the upload."""
    from starlette.testclient import TestClient

    from gemini_nb.emulator.app import create_app, new_emulator, standard_extensions
    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.errors import ApiError
    from gemini_nb.emulator.files_api import UploadSession

    emulator = new_emulator(EmulatorConfig())
    exts = standard_extensions(emulator)
    files = exts[0]
    got: list[bytes] = []

    def finish(data: bytes) -> dict:
        got.append(data)
        if data == b"nope!":
            raise ApiError(404, "the target went away", "NOT_FOUND")
        return {"done": True, "size": len(data)}

    with TestClient(create_app(emulator, exts)) as http:
        for data, code, answer in ((b"hello", 200, {"done": True, "size": 5}), (b"nope!", 404, None)):
            upload_id = files.open_upload(UploadSession({"mime_type": "text/plain"}, 5, finish))
            url = f"/upload/v1beta/files?upload_id={upload_id}&upload_protocol=resumable"
            bad = http.post(
                url, content=b"xx", headers={"x-goog-upload-command": "upload", "x-goog-upload-offset": "3"}
            )
            assert bad.status_code == 400 and bad.headers["x-goog-upload-status"] == "final"
            part = http.post(
                url,
                content=data[:2],
                headers={"x-goog-upload-command": "upload", "x-goog-upload-offset": "0"},
            )
            assert part.headers["x-goog-upload-status"] == "active"
            last = http.post(
                url,
                content=data[2:],
                headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "2"},
            )
            assert last.status_code == code and last.headers["x-goog-upload-status"] == "final"
            if answer is not None:
                assert last.json() == answer
            else:
                assert "went away" in last.json()["error"]["message"]
            assert upload_id not in files.sessions
    assert got == [b"hello", b"nope!"] and files.store.names() == []
