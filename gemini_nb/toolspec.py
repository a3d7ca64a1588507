"""What the user hands over as tools -> the request's ``tools`` plus the functions that may run.

Why its own module: ``--tools get_weather,google_search,mcp:docs=https://...`` (a cell, names
looked up in the user namespace) and ``ask(tools=[get_weather, {"type": "google_search"}])``
(Python objects) are two spellings of one thing, a :class:`ToolSet`: the declarations to send
and the callables the tool loop may run (only those, ever). Built-in tool words:

* ``google_search``, ``code_execution``, ``url_context``, ``google_maps``, ``computer_use``
  (browser environment);
* ``mcp:NAME=URL`` (a remote MCP server), ``file_search:STORE`` (a File Search store; the
  ``fileSearchStores/`` prefix is added when missing).

:func:`check_tools` applies the documented limits before anything is sent, each as one line:
names the API accepts, no duplicates, built-in tools together with functions only on Gemini 3
models (earlier models refuse the combination), an MCP server needs an http(s) URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .chain import ChainError
from .tools import NAME_RE, ToolDeclarationError, declare

BUILTINS: dict[str, dict[str, Any]] = {
    "google_search": {"type": "google_search"},
    "code_execution": {"type": "code_execution"},
    "url_context": {"type": "url_context"},
    "google_maps": {"type": "google_maps"},
    "computer_use": {"type": "computer_use", "environment": "browser"},
}
TOOL_TYPES = (
    "function",
    "google_search",
    "code_execution",
    "url_context",
    "computer_use",
    "mcp_server",
    "file_search",
    "google_maps",
    "retrieval",
    "tool_search",
)
SPEC_HELP = (
    "names of Python functions in the namespace, and built-in tools: "
    + ", ".join(BUILTINS)
    + ", mcp:NAME=URL, file_search:STORE (comma-separated)"
)


class ToolOptionError(ChainError):
    """A tools option that cannot be sent (one line; the magics show it as a UsageError)."""


OptionError = ToolOptionError
_PRE_GEMINI_3 = re.compile(r"^(models/)?gemini-(1|2)(\.|-)")


class ToolSet:
    """The request's tool dicts and the callables behind the function declarations.

    Deliberately not a dataclass: ``dataclasses.asdict`` (``TurnOptions.logged()``) would walk
    into it and deep-copy the callables; it copies a ToolSet as itself.
    """

    def __init__(
        self,
        tools: list[dict[str, Any]] | None = None,
        functions: dict[str, Callable[..., Any]] | None = None,
    ):
        self.tools: list[dict[str, Any]] = list(tools or [])
        self.functions: dict[str, Callable[..., Any]] = dict(functions or {})

    def __deepcopy__(self, memo: Any) -> ToolSet:
        return self  # callables are never copied (TurnOptions.logged() deep-copies its fields)

    def __repr__(self) -> str:
        return f"ToolSet({', '.join(tool_label(t) for t in self.tools)})"

    __str__ = __repr__


def tool_label(tool: dict[str, Any]) -> str:
    """``get_weather`` for a function, ``mcp:docs`` for an MCP server, else the tool type."""
    kind = tool.get("type")
    if kind == "function":
        return str(tool.get("name"))
    if kind == "mcp_server":
        return f"mcp:{tool.get('name')}"
    return str(kind)


def split_spec(spec: str) -> list[str]:
    """``a, b,mcp:x=https://h/p?a=1,b`` -> words (a comma inside a URL's query is rare; a URL
    keeps everything up to the next comma)."""
    return [word.strip() for word in spec.split(",") if word.strip()]


def resolve(items: Any, namespace: dict[str, Any] | None = None) -> ToolSet:
    """A spec string or a list of callables / tool dicts / words -> :class:`ToolSet`.

    Plain names are looked up in ``namespace`` (the notebook's); without one (``ask()``), pass
    the function itself. Raises :class:`OptionError` (one line).
    """
    if items is None:
        return ToolSet()
    if isinstance(items, str):
        items = split_spec(items)
    elif callable(items) or isinstance(items, dict):
        items = [items]
    out = ToolSet()
    explicit: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, str):
            item = _word(item, namespace)
        if isinstance(item, dict):
            tool = _tool_dict(item)
            if tool["type"] == "function":
                explicit[tool["name"]] = tool
            out.tools.append(tool)
        elif callable(item):
            try:
                decl = declare(item)
            except ToolDeclarationError as exc:
                raise OptionError(f"tools: {exc}") from None
            if decl["name"] in out.functions and out.functions[decl["name"]] is not item:
                raise OptionError(f"tools: two functions are named {decl['name']!r}")
            out.functions[decl["name"]] = item
            out.tools.append(decl)
        else:
            raise OptionError(f"tools: {item!r} is neither a function, a tool dict nor a tool name")
    # an explicit declaration dict for a function that was also handed over replaces the derived one
    out.tools = [
        t
        for t in out.tools
        if not (t.get("type") == "function" and t["name"] in explicit and t is not explicit[t["name"]])
    ]
    seen: set[str] = set()
    unique = []
    for tool in out.tools:
        key = tool_label(tool)
        if tool.get("type") == "function" and key in seen:
            continue  # the same function twice (a function and its own dict): once
        seen.add(key)
        unique.append(tool)
    out.tools = unique
    return out


def _word(word: str, namespace: dict[str, Any] | None) -> Any:
    if word in BUILTINS:
        return dict(BUILTINS[word])
    if word.startswith("mcp:"):
        name, sep, url = word[4:].partition("=")
        if not sep or not name.strip() or not url.strip():
            raise OptionError(f"tools: {word!r}: write mcp:NAME=URL")
        return {"type": "mcp_server", "name": name.strip(), "url": url.strip()}
    if word.startswith("file_search:"):
        stores = [s.strip() for s in word[len("file_search:") :].split("+") if s.strip()]
        if not stores:
            raise OptionError(f"tools: {word!r}: write file_search:STORE")
        return {
            "type": "file_search",
            "file_search_store_names": [
                s if s.startswith("fileSearchStores/") else f"fileSearchStores/{s}" for s in stores
            ],
        }
    if not word.isidentifier():
        raise OptionError(f"tools: {word!r} is not a function name or a built-in tool ({SPEC_HELP})")
    if namespace is None:
        raise OptionError(
            f"tools: {word!r} is not a built-in tool; pass the function itself (tools=[{word}]), not its name"
        )
    if word not in namespace:
        raise OptionError(
            f"tools: no function named {word!r} in the notebook (built-in tools: "
            f"{', '.join(BUILTINS)}, mcp:NAME=URL, file_search:STORE)"
        )
    value = namespace[word]
    if not callable(value):
        raise OptionError(f"tools: {word!r} is a {type(value).__name__}, not a function")
    return value


def _tool_dict(item: dict[str, Any]) -> dict[str, Any]:
    tool = dict(item)
    if "type" not in tool:
        if "name" in tool and ("parameters" in tool or "description" in tool):
            tool["type"] = "function"  # a bare declaration {"name", "description", "parameters"}
        elif len(tool) == 1 and next(iter(tool)) in TOOL_TYPES:  # {"google_search": {}}
            kind, body = next(iter(tool.items()))
            tool = {"type": kind, **(body or {})}
    if tool.get("type") not in TOOL_TYPES:
        raise OptionError(f"tools: unknown tool type {tool.get('type')!r} (known: {', '.join(TOOL_TYPES)})")
    return tool


def check_tools(tools: Iterable[dict[str, Any]] | None, model: str | None) -> None:
    """The documented limits, checked before sending (raises :class:`OptionError`, one line)."""
    tools = list(tools or [])
    names: set[str] = set()
    kinds: set[str] = set()
    mcp: set[str] = set()
    for tool in tools:
        kind = tool.get("type")
        if kind == "function":
            name = tool.get("name")
            if not isinstance(name, str) or not NAME_RE.match(name):
                raise OptionError(
                    f"tools: {name!r} is not a valid function name (letters, digits, '_', '.', "
                    "'-'; at most 64 characters)"
                )
            if name in names:
                raise OptionError(f"tools: the function {name!r} is declared twice")
            names.add(name)
            if tool.get("parameters") is not None and not isinstance(tool["parameters"], dict):
                raise OptionError(f"tools: {name}: parameters must be a JSON Schema object")
        elif kind == "mcp_server":
            url = tool.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise OptionError(
                    f"tools: MCP server {tool.get('name')!r} needs an http(s) URL (got {url!r})"
                )
            if tool.get("name") in mcp:
                raise OptionError(f"tools: the MCP server {tool.get('name')!r} is given twice")
            mcp.add(tool.get("name"))
        else:
            if kind in kinds:
                raise OptionError(f"tools: {kind} is given twice")
            kinds.add(str(kind))
    builtin = kinds | ({"mcp_server"} if mcp else set())
    if names and builtin and model and _PRE_GEMINI_3.match(model):
        raise OptionError(
            f"tools: {model} cannot combine built-in tools ({', '.join(sorted(builtin))}) with "
            "function tools; that needs a Gemini 3 model, or use them in separate turns"
        )


__all__ = [
    "ToolOptionError",
    "BUILTINS",
    "SPEC_HELP",
    "ToolSet",
    "check_tools",
    "resolve",
    "split_spec",
    "tool_label",
]
