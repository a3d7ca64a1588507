"""Added time per call of ``%%gemini --no-stream`` over a raw ``client.interactions.create``.

Both hit the same in-process emulator with the same prompt; the difference of the medians is the
toolkit's overhead: option parsing, templating, request building, normalization, the chain,
rendering the mime bundle and the SQLite history row (target: <= 5 ms per call).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)

    from google import genai
    from IPython.core.interactiveshell import InteractiveShell

    from gemini_nb.emulator import start

    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        os.environ.pop(name, None)
    tmp = tempfile.mkdtemp()
    os.environ["GEMINI_NB_HISTORY"] = os.path.join(tmp, "history.sqlite3")
    with start(port=0) as emu:
        os.environ["GEMINI_NB_BACKEND"] = emu.base_url
        client = genai.Client(api_key="bench", http_options={"base_url": emu.base_url,
                                                             "retry_options": {"attempts": 1}})
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "gemini_nb")
        magics = shell.magics_manager.registry["GeminiMagics"]
        magics.retry_attempts = 1
        prompt = "Say hello"
        raw, magic = [], []

        def one_raw() -> float:
            t = time.perf_counter()
            interaction = client.interactions.create(model="gemini-3-flash-preview", input=prompt)
            assert interaction.output_text
            return time.perf_counter() - t

        def one_magic() -> float:
            t = time.perf_counter()
            result = shell.run_cell_magic("gemini", "--no-stream --new", prompt)
            result._repr_mimebundle_()  # what the notebook would render
            return time.perf_counter() - t

        for _ in range(10):  # warm up both paths (connections, imports, SQLite)
            one_raw(), one_magic()
        for _ in range(args.calls):  # interleaved so drift hits both equally
            raw.append(one_raw())
            magic.append(one_magic())
    r, m = statistics.median(raw), statistics.median(magic)
    print(f"raw client.interactions.create (median of {args.calls}): {r * 1000:.2f} ms")
    print(f"%%gemini --no-stream, rendered (median):             {m * 1000:.2f} ms")
    print(f"added per call:                                       {(m - r) * 1000:+.2f} ms  (target <= 5 ms)")
    print(f"ratio magic/raw:                                      {m / r:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
