"""Run a google-genai 1.55 script against an emulator subprocess (the legacy outputs schema).

1.55 and 3.x cannot share a virtualenv, so the emulator runs from this venv as a
subprocess and the legacy SDK drives it from its own interpreter. The script prints one
JSON document on its last stdout line, which is what the caller gets back.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

PRELUDE = """
import json, sys, warnings
warnings.simplefilter("ignore")
from google import genai
client = genai.Client(api_key="test-key", http_options={"base_url": sys.argv[1]})
MODEL = "gemini-3-flash-preview"
"""


def run_legacy(legacy_py: str, script: str, timeout: float = 60) -> dict:
    """Start an emulator, run ``script`` (after :data:`PRELUDE`) with 1.55, return its JSON."""
    proc = subprocess.Popen([sys.executable, "-m", "gemini_nb.emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"emulator did not start: {line!r}"
        out = subprocess.run([legacy_py, "-c", PRELUDE + textwrap.dedent(script), match.group(1)],
                             capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        proc.terminate()
        proc.wait(10)
