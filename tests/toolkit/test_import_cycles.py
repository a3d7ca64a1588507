"""Issue 8 item 3: no import cycles in ``gemini_nb``, and the emulator never imports the toolkit.

The graph counts every import statement of the package's own modules, including imports
inside functions (a lazy import still couples two modules and hides a cycle until run
time). ``from . import x`` counts as importing ``x`` when ``x`` is a module, else the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "gemini_nb"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]], within: str) -> list[list[str]]:
    """Strongly connected components (Tarjan) of the sub-graph ``within``, bigger than one."""
    nodes = {n for n in graph if n == within or n.startswith(within + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v] & nodes:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_lazy_and_relative_imports():
    graph = _graph()
    assert "gemini_nb.emulator.service" in graph["gemini_nb.emulator.interactions_api"]
    assert "gemini_nb.emulator.brain.pipeline" in graph["gemini_nb.emulator.service"]  # lazy import
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}, "") == []  # "" scopes to nothing named ""
    assert _cycles({"p.a": {"p.b"}, "p.b": {"p.a"}, "p.c": {"p.a"}}, "p") == [["p.a", "p.b"]]


def test_no_import_cycles_in_the_emulator():
    assert _cycles(_graph(), "gemini_nb.emulator") == []


def test_the_emulator_never_imports_the_toolkit():
    graph = _graph()
    leaks = {
        m: sorted(t for t in deps if not t.startswith("gemini_nb.emulator"))
        for m, deps in graph.items()
        if m.startswith("gemini_nb.emulator")
    }
    assert {m: t for m, t in leaks.items() if t} == {}


def test_no_import_cycles_in_gemini_nb():
    assert _cycles(_graph(), "gemini_nb") == []
