"""The legacy outputs schema, spoken by google-genai 1.55 in its own virtualenv.

CI builds that virtualenv and points GEMINI_NB_LEGACY_PYTHON at it; the emulator runs as a
subprocess of this (current-SDK) environment, exactly as a user would run it.
"""

from __future__ import annotations

import pathlib
import subprocess

HERE = pathlib.Path(__file__).parent


def run_example(legacy_py: str, script: str, *args: str) -> str:
    out = subprocess.run(
        [legacy_py, str(HERE / "examples" / script), *args], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    return out.stdout


def test_legacy_sdk_is_really_1_55(legacy_py):
    out = subprocess.run(
        [legacy_py, "-c", "import google.genai as g; print(g.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("1.55")


def test_documented_examples_run_unchanged_on_legacy_sdk(legacy_py, emulator_url):
    out = run_example(legacy_py, "docs_examples_outputs.py", emulator_url)
    assert out.strip().endswith("ALL OK")
    assert "stateful: Your name is Phil." in out
    assert "stateless: Your city is Lyon." in out
