"""No function in ``gemini_nb/`` is longer than a screen and a half.

Long functions hide their steps; the emulator's brain in particular reads best as small named
helpers (see the split of ``plausible_string``, ``check_schema``, ``write_report``...). This walks
every module's AST, nested functions and methods included, and names each offender.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gemini_nb

MAX_LINES = 80
PACKAGE = Path(gemini_nb.__file__).parent


def long_functions(root: Path, limit: int) -> list[str]:
    """``path:line name (n lines)`` for every function or method in ``root`` over ``limit`` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    where = f"{path.relative_to(root.parent)}:{node.lineno}"
                    found.append(f"{where} {node.name} ({length} lines)")
    return found


def test_no_function_over_the_limit():
    assert long_functions(PACKAGE, MAX_LINES) == []


def test_the_check_sees_long_functions(tmp_path):
    """The walk finds methods inside classes and counts from the `def` line to the last line."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES))
    (pkg / "mod.py").write_text(
        f"class C:\n    def method(self):\n{body}\n\ndef short():\n    def inner():\n        pass\n"
    )
    assert long_functions(pkg, MAX_LINES) == [f"pkg/mod.py:2 method ({MAX_LINES + 1} lines)"]
    assert long_functions(pkg, MAX_LINES + 1) == []


def test_a_syntax_error_is_reported_not_skipped(tmp_path):
    (tmp_path / "bad.py").write_text("def broken(:\n")
    with pytest.raises(SyntaxError):
        long_functions(tmp_path, MAX_LINES)
