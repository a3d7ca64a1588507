"""The documented SDK examples (steps form, current SDK) against ``gemini-nb emulator``."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from emu_process import emulator_process

HERE = pathlib.Path(__file__).parent


def test_documented_examples_against_cli_emulator():
    with emulator_process("--background-ms", "150", entry=("-m", "gemini_nb.cli", "emulator")) as (_, url):
        out = subprocess.run(
            [sys.executable, str(HERE / "examples" / "docs_examples_steps.py"), url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("ALL OK")
    assert "stateless: Your city is Lyon." in out.stdout
