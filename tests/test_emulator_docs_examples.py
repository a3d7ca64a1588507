"""The documented SDK examples (steps form, current SDK) against ``gemini-nb emulator``."""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def test_documented_examples_against_cli_emulator():
    proc = subprocess.Popen([sys.executable, "-m", "gemini_nb.cli", "emulator", "--port", "0",
                             "--background-ms", "150"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"(http://\S+)$", proc.stdout.readline().strip()).group(1)
        out = subprocess.run([sys.executable, str(HERE / "examples" / "docs_examples_steps.py"), url],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert out.stdout.strip().endswith("ALL OK")
        assert "stateless: Your city is Lyon." in out.stdout
    finally:
        proc.terminate()
        proc.wait(10)
