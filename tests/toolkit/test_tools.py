"""Tools without a server: declarations from Python, argument checks, running with a timeout,
JSON conversion of results, tool specs and limits, hand-given results, trace rendering."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import decimal
import enum
import time
from typing import Annotated, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from gemini_nb.request import TurnOptions
from gemini_nb.tool_json import to_json
from gemini_nb.tool_results import ReplyError, pending_calls, result_steps
from gemini_nb.tool_run import check_arguments, coerce_arguments, run_calls
from gemini_nb.toolcall import ToolCall
from gemini_nb.tools import ToolDeclarationError, declare, parse_docstring
from gemini_nb.toolspec import ToolOptionError, check_tools, resolve


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


class Person(BaseModel):
    name: str
    age: int | None = None


def get_weather(
    location: str,
    unit: Unit = Unit.C,
    days: list[int] | None = None,
    mode: Literal["short", "long"] = "short",
    at: Point | None = None,
    who: Person | None = None,
    note: Annotated[str, "free text"] = "",
    *args,
    **kwargs,
) -> dict:
    """Gets the current weather.

    More text that is not the description.

    Args:
        location (str): The city
            and its country.
        unit: Temperature unit.

    Returns:
        dict: the weather.
    """
    return {"location": location, "unit": unit, "days": days, "mode": mode, "at": at, "who": who}


def numpy_style(a: int, b: float = 1.0, flag: bool = False, when: dt.date | None = None):
    """Numpy style.

    Parameters
    ----------
    a : int
        The a.
    b : float, optional
        The b,
        continued.
    """


def sphinx_style(path: str, size: dict[str, int]):
    """Sphinx style.

    :param path: Where.
    :param size: How big.
    """


# -- declarations ----------------------------------------------------------------------------------
def test_declaration_from_signature_hints_and_google_docstring():
    decl = declare(get_weather)
    assert decl["type"] == "function" and decl["name"] == "get_weather"
    assert decl["description"] == "Gets the current weather."
    props = decl["parameters"]["properties"]
    assert decl["parameters"]["required"] == ["location"]  # defaults -> not required; *args/**kwargs left out
    assert list(props) == ["location", "unit", "days", "mode", "at", "who", "note"]
    assert props["location"] == {"type": "string", "description": "The city and its country."}
    assert props["unit"] == {
        "type": "string",
        "enum": ["celsius", "fahrenheit"],
        "description": "Temperature unit.",
    }
    assert props["days"] == {"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "null"}]}
    assert props["mode"] == {"type": "string", "enum": ["short", "long"]}
    assert props["at"]["anyOf"][0] == {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "number"}},
        "required": ["x"],
    }
    person = props["who"]["anyOf"][0]
    assert person["type"] == "object" and person["required"] == ["name"] and "$ref" not in str(props["who"])
    assert props["note"] == {"type": "string", "description": "free text"}
    Draft202012Validator.check_schema(decl["parameters"])


def test_declare_is_public_and_lazy():
    import gemini_nb

    assert gemini_nb.declare(get_weather) == declare(get_weather)


def test_numpy_and_sphinx_docstrings():
    decl = declare(numpy_style)
    props = decl["parameters"]["properties"]
    assert decl["description"] == "Numpy style."
    assert props["a"]["description"] == "The a." and props["b"]["description"] == "The b, continued."
    assert props["flag"] == {"type": "boolean"}
    assert props["when"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert decl["parameters"]["required"] == ["a"]
    decl = declare(sphinx_style)
    assert decl["parameters"]["properties"]["path"]["description"] == "Where."
    assert decl["parameters"]["properties"]["size"] == {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "description": "How big.",
    }


def test_first_paragraph_is_the_description():
    def f(x: int):
        """Line one
        continues here.

        Second paragraph."""

    assert declare(f)["description"] == "Line one continues here."
    assert parse_docstring("") == ("", {})


class Opaque:
    pass


def takes_opaque(x: Opaque):
    pass


def test_undeclarable_callables_are_one_line_errors():
    class Local:
        pass

    def f(x: Local):
        pass

    with pytest.raises(
        ToolDeclarationError, match=r"takes_opaque\(x\): cannot declare type Opaque \(use str"
    ):
        declare(takes_opaque)
    with pytest.raises(ToolDeclarationError, match=r"f\(x\): the type hint 'Local' does not resolve"):
        declare(f)
    with pytest.raises(ToolDeclarationError, match="lambda"):
        declare(lambda x: x)
    with pytest.raises(ToolDeclarationError, match="not callable"):
        declare(3)


# -- argument checks and coercion ------------------------------------------------------------------
def test_check_arguments_names_each_problem():
    schema = declare(get_weather)["parameters"]
    assert check_arguments({"location": "Paris", "unit": "celsius", "days": [1, 2]}, schema) == []
    assert check_arguments({}, schema) == ["location: required, missing"]
    assert check_arguments({"location": 3}, schema) == ["location: expected string, got 3"]
    assert check_arguments({"location": "x", "unit": "kelvin"}, schema) == [
        "unit: 'kelvin' is not one of ['celsius', 'fahrenheit']"
    ]
    assert check_arguments({"location": "x", "days": ["a"]}, schema) == [
        "days: ['a'] matches none of the allowed forms"
    ]
    bounded = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 1}},
        "additionalProperties": False,
    }
    assert check_arguments({"n": 0, "z": 1}, bounded) == ["n: must be >= 1", "z: unexpected argument"]
    assert check_arguments({"n": True}, bounded) == ["n: expected integer, got True"]


def test_coercion_to_the_functions_own_types():
    kwargs = coerce_arguments(
        get_weather,
        {"location": "Paris", "unit": "fahrenheit", "at": {"x": 1}, "who": {"name": "Ann", "age": 3}},
    )
    assert (
        kwargs["unit"] is Unit.F and kwargs["at"] == Point(1) and kwargs["who"] == Person(name="Ann", age=3)
    )
    with pytest.raises(ValueError, match="^unit: "):
        coerce_arguments(get_weather, {"location": "Paris", "unit": "kelvin"})


# -- running -----------------------------------------------------------------------------------------
def _run(calls, *fns, timeout=5.0, approve=None):
    functions = {f.__name__: f for f in fns}
    declarations = {f.__name__: declare(f) for f in fns}
    return run_calls(calls, functions, declarations, timeout=timeout, approve=approve)


def test_only_handed_over_functions_run():
    ran = []

    def rm_rf(path: str):
        ran.append(path)

    [record] = _run([{"id": "1", "name": "rm_rf", "arguments": {"path": "/"}}], get_weather)
    assert record.status == "error" and "no function named 'rm_rf'" in record.error and ran == []
    assert record.result == {"error": record.error}


def test_bad_arguments_raise_and_timeouts_become_error_results():
    def boom(x: int) -> int:
        """Raises."""
        raise ValueError("bad x")

    def slow(x: int) -> int:
        time.sleep(5)
        return x

    bad, raised, timed_out = _run(
        [
            {"id": "1", "name": "boom", "arguments": {"x": "nope"}},
            {"id": "2", "name": "boom", "arguments": {"x": 1}},
            {"id": "3", "name": "slow", "arguments": {"x": 1}},
        ],
        boom,
        slow,
        timeout=0.2,
    )
    assert bad.status == "error" and bad.error.startswith("invalid arguments for boom: x: expected integer")
    assert raised.error == "boom raised ValueError: bad x"
    assert timed_out.error.startswith("slow did not finish within 0.2 s") and timed_out.duration_s < 2


def test_async_functions_run_concurrently_and_results_are_converted():
    async def fetch(n: int) -> dict:
        await asyncio.sleep(0.3)
        return {"n": n, "at": dt.datetime(2024, 1, 2, 3, 4, 5), "d": decimal.Decimal("1.5"), "s": {2, 1}}

    start = time.monotonic()
    records = _run([{"id": str(i), "name": "fetch", "arguments": {"n": i}} for i in range(4)], fetch)
    assert time.monotonic() - start < 1.0  # four 0.3 s calls together, not one after another
    assert [r.status for r in records] == ["ok"] * 4
    assert records[2].result == {"n": 2, "at": "2024-01-02T03:04:05", "d": 1.5, "s": [1, 2]}


def test_approval_declines_without_running():
    ran = []

    def act(x: int):
        ran.append(x)
        return "done"

    asked = []
    records = _run(
        [
            {"id": "1", "name": "act", "arguments": {"x": 1}},
            {"id": "2", "name": "act", "arguments": {"x": 2}},
        ],
        act,
        approve=lambda call: asked.append(call.signature()) or call.arguments["x"] == 2,
    )
    assert asked == ["act(x=1)", "act(x=2)"] and ran == [2]
    assert [r.status for r in records] == ["declined", "ok"] and "declined" in records[0].error


# -- JSON conversion ---------------------------------------------------------------------------------
def test_non_json_results_are_converted_with_notes():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"a": range(300), "b": ["x"] * 300})
    value, notes = to_json(frame, max_rows=5)
    assert value == [{"a": i, "b": "x"} for i in range(5)] and notes == [
        "DataFrame of 300 rows: the first 5 sent"
    ]
    value, notes = to_json(
        {
            "i": np.int64(3),
            "f": np.float32(0.5),
            "arr": np.arange(3),
            "p": Point(1, 2.0),
            "m": Person(name="A"),
            "u": Unit.F,
            "nan": float("nan"),
        }
    )
    assert value == {
        "i": 3,
        "f": 0.5,
        "arr": [0, 1, 2],
        "p": {"x": 1, "y": 2.0},
        "m": {"name": "A", "age": None},
        "u": "fahrenheit",
        "nan": "nan",
    }
    assert notes == ["non-finite number nan sent as a string"]
    value, notes = to_json(b"\x89PNG\x00\xff")
    assert value == "<6 bytes>" and "binary data left out" in notes[0]

    class Thing:
        def __repr__(self):
            return "<Thing>"

    assert to_json(Thing()) == ("<Thing>", ["Thing has no JSON form: sent as its repr"])


# -- specs and limits --------------------------------------------------------------------------------
def test_resolve_names_builtins_and_dicts():
    ns = {"get_weather": get_weather, "x": 3}
    toolset = resolve(
        "get_weather, google_search,code_execution,url_context,google_maps,computer_use,"
        "mcp:docs=https://mcp.example.com/sse,file_search:mystore",
        ns,
    )
    types = [t["type"] for t in toolset.tools]
    assert types == [
        "function",
        "google_search",
        "code_execution",
        "url_context",
        "google_maps",
        "computer_use",
        "mcp_server",
        "file_search",
    ]
    assert toolset.functions == {"get_weather": get_weather}
    assert toolset.tools[6] == {"type": "mcp_server", "name": "docs", "url": "https://mcp.example.com/sse"}
    assert toolset.tools[7]["file_search_store_names"] == ["fileSearchStores/mystore"]
    for spec, fragment in [
        ("nope", "no function named 'nope' in the notebook"),
        ("x", "is a int, not a function"),
        ("mcp:docs", "write mcp:NAME=URL"),
        ("a b", "not a function name"),
    ]:
        with pytest.raises(ToolOptionError, match=fragment):
            resolve(spec, ns)
    with pytest.raises(ToolOptionError, match="pass the function itself"):
        resolve(["get_weather"])
    own = {"name": "get_weather", "description": "mine", "parameters": {"type": "object", "properties": {}}}
    toolset = resolve([get_weather, own, {"google_search": {}}])
    assert toolset.tools == [{**own, "type": "function"}, {"type": "google_search"}]
    assert toolset.functions == {"get_weather": get_weather}


def test_documented_limits_are_checked_before_sending():
    fn = declare(get_weather)
    check_tools([fn, {"type": "google_search"}], "gemini-3-flash-preview")
    for tools, model, fragment in [
        ([fn, fn], "gemini-3-flash-preview", "declared twice"),
        ([{"type": "google_search"}, {"type": "google_search"}], None, "google_search is given twice"),
        ([fn, {"type": "google_search"}], "gemini-2.5-flash", "cannot combine built-in tools"),
        ([{"type": "mcp_server", "name": "m", "url": "ftp://x"}], None, "needs an http"),
        ([{**fn, "name": "bad name"}], None, "not a valid function name"),
    ]:
        with pytest.raises(ToolOptionError, match=fragment):
            check_tools(tools, model)


def test_toolset_is_never_deep_copied_into_the_log():
    class Unpicklable:
        def __call__(self, x: int) -> int:
            return x

        def __deepcopy__(self, memo):
            raise TypeError("no")

    fn = Unpicklable()
    opts = TurnOptions(tools=[], toolset=resolve([get_weather]))
    opts.toolset.functions["other"] = fn
    assert "ToolSet(get_weather)" in str(opts.logged()["toolset"])


# -- results by hand ---------------------------------------------------------------------------------
STEPS = [
    {"type": "function_call", "id": "a", "name": "get_weather", "arguments": {"location": "Paris"}},
    {"type": "function_call", "id": "b", "name": "get_weather", "arguments": {"location": "Rome"}},
    {"type": "function_call", "id": "c", "name": "convert", "arguments": {}},
]


def test_hand_results_match_pending_calls():
    assert [c["id"] for c in pending_calls(STEPS + [{"type": "function_result", "call_id": "b"}])] == [
        "a",
        "c",
    ]
    steps = result_steps(["sunny", "rain", 3], STEPS)
    assert [(s["call_id"], s["name"], s["result"]) for s in steps] == [
        ("a", "get_weather", "sunny"),
        ("b", "get_weather", "rain"),
        ("c", "convert", {"result": 3}),
    ]
    steps = result_steps({"a": {"t": 1}, "b": [2], "convert": dt.date(2024, 1, 1)}, STEPS)
    assert [s["result"] for s in steps] == [{"t": 1}, {"result": [2]}, "2024-01-01"]
    for results, fragment in [
        ({"get_weather": 1, "convert": 2}, "2 pending calls to get_weather"),
        ({"a": 1, "b": 2}, "no result for convert"),
        ([1], "1 value\\(s\\) for 3 pending"),
        ({"a": 1, "b": 2, "c": 3, "zzz": 4}, "zzz matches no pending call"),
    ]:
        with pytest.raises(ReplyError, match=fragment):
            result_steps(results, STEPS)
    with pytest.raises(ReplyError, match="no pending function calls"):
        result_steps({}, [])


def test_toolcall_keeps_dict_access():
    call = ToolCall(id="a", name="f", arguments={"x": 1}, result=2, status="ok", duration_s=0.1)
    assert (
        call["name"] == "f"
        and call.get("missing", 5) == 5
        and call == {"id": "a", "name": "f", "arguments": {"x": 1}}
    )
    assert call != {"name": "g"} and call.signature() == "f(x=1)"
    with pytest.raises(KeyError):
        call["nope"]


# -- traces ------------------------------------------------------------------------------------------
def test_trace_blocks_pair_calls_with_results_and_truncate():
    from gemini_nb.render.trace import blocks, citations_markdown, trace_plain

    big = "x" * 5000
    steps = [
        {"type": "code_execution_call", "id": "k", "arguments": {"code": "print(1)", "language": "python"}},
        {"type": "code_execution_result", "call_id": "k", "result": "1\n"},
        {"type": "function_call", "id": "f", "name": "get_weather", "arguments": {"location": "<Paris>"}},
        {"type": "function_result", "call_id": "f", "name": "get_weather", "result": big},
        {"type": "url_context_call", "id": "u", "arguments": {"urls": ["https://a.example"]}},
        {
            "type": "url_context_result",
            "call_id": "u",
            "result": [{"url": "https://a.example", "status": "success"}],
        },
        {
            "type": "mcp_server_tool_call",
            "id": "m",
            "name": "lookup",
            "server_name": "docs",
            "arguments": {"q": 1},
        },
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "text": "ok",
                    "annotations": [
                        {"type": "url_citation", "url": "https://a.example", "title": "A"},
                        {"type": "url_citation", "url": "https://a.example", "title": "A"},
                    ],
                }
            ],
        },
    ]
    run = ToolCall(id="f", name="get_weather", arguments={}, result=big, status="ok", duration_s=0.25)
    out = blocks(steps, {"f": run})
    assert sorted(out) == [0, 2, 4, 6]  # results are shown with their calls
    assert "```python\nprint(1)\n```" in out[0] and "**output**" in out[0]
    assert "<code>get_weather(location=&lt;Paris&gt;)</code> · 0.25 s · ok" in out[2]
    assert "show all (5,000 characters)" in out[2]
    assert (
        "<https://a.example> — success" in out[4]
        and "docs.lookup(q=1)" in out[6]
        and out[6].startswith("<details><summary>… MCP")
    )
    assert citations_markdown(steps) == "**Sources**\n\n1. [A](https://a.example)"
    line = trace_plain(steps, {"f": run})[1]
    assert line.startswith("[✓ get_weather(location=<Paris>) · 0.25 s ok] → xxx")


def test_sync_functions_run_one_at_a_time_each_with_its_own_timeout():
    spans = []

    def work(n: int) -> int:
        began = time.monotonic()
        time.sleep(0.15)
        spans.append((began, time.monotonic()))
        return n

    records = _run(
        [{"id": str(i), "name": "work", "arguments": {"n": i}} for i in range(3)], work, timeout=1.0
    )
    assert [r.result for r in records] == [0, 1, 2]
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # never two at once


def test_cell_options_for_tools():
    from gemini_nb.options import OptionError, parse

    opts = parse(
        [
            "--tools",
            "get_weather, google_search",
            "--max-tool-rounds",
            "3",
            "--tool-timeout",
            "2.5",
            "--no-auto",
            "--approve",
        ]
    ).turn
    assert opts.tools == ["get_weather", "google_search"] and opts.toolset is None
    assert (opts.max_tool_rounds, opts.tool_timeout, opts.auto, opts.approve) == (3, 2.5, False, True)
    defaults = parse([]).turn
    assert (defaults.tools, defaults.auto, defaults.approve, defaults.max_tool_rounds) == (
        None,
        True,
        False,
        None,
    )
    for tokens, fragment in [
        (["--max-tool-rounds", "-1"], "--max-tool-rounds must be 0 or more"),
        (["--tool-timeout", "-2"], "--tool-timeout must be 0 or more"),
    ]:
        with pytest.raises(OptionError, match=fragment):
            parse(tokens)
