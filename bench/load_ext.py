"""What ``%load_ext gemini_nb`` costs as the first cell of a fresh kernel, beside jupyter-ai-magics.

Each round starts fresh ipykernels (jupyter_client) and times their first cell, as a notebook
user meets it: ``pass`` (bare) and ``%load_ext gemini_nb``, in this project's interpreter; and
``pass`` and ``%load_ext jupyter_ai_magics`` in jupyter-ai-magics' own virtualenv
(``bench/.venvs/jupyter-ai``, created with pip on first use; git-ignored). Within a round the
order alternates, and each (bare, loaded) pair gives one difference. Also the kernel's RSS
after the cell (``/proc``), loaded minus bare.

Bytecode caching is on, as on a normal install, in a private ``PYTHONPYCACHEPREFIX`` warmed by
one unmeasured round.

    python bench/load_ext.py [--quick] [--rounds N] [--no-ai-install]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from common import Row, bench_env, fmt, print_table, proc_rss  # noqa: E402
from kernel import Kernel  # noqa: E402

AI_VENV = HERE / ".venvs" / "jupyter-ai"
AI_PACKAGES = ("jupyter-ai-magics", "ipykernel")


def ensure_ai_venv(install: bool) -> tuple[str | None, str]:
    """(python of the jupyter-ai-magics virtualenv or None, what happened)."""
    python = AI_VENV / "bin" / "python"
    check = [str(python), "-c", "import jupyter_ai_magics, ipykernel; print(jupyter_ai_magics.__version__)"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True)
        if done.returncode == 0:
            return str(python), f"jupyter-ai-magics {done.stdout.strip()}"
    if not install:
        return None, f"not installed in {AI_VENV} (run without --no-ai-install to create it)"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(AI_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *AI_PACKAGES],
            check=True,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:] or ["?"]
        return None, f"pip install jupyter-ai-magics failed: {last[0][:200]}"
    except subprocess.TimeoutExpired:
        return None, "pip install jupyter-ai-magics did not finish in 30 minutes"
    done = subprocess.run(check, capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"jupyter-ai-magics installed but does not import: {done.stderr.strip()[-200:]}"
    return str(python), f"jupyter-ai-magics {done.stdout.strip()} (installed now)"


def first_cell(python: str, code: str, env: dict) -> tuple[float, int]:
    """(wall seconds, kernel RSS bytes after) of ``code`` as the first cell of a fresh kernel."""
    with Kernel(python, env=env) as kernel:
        cell = kernel.execute(code, timeout=300)
        return cell.wall, proc_rss(kernel.pid)


def measure(quick: bool = False, rounds: int | None = None, install_ai: bool = True) -> list[Row]:
    rounds = rounds or (3 if quick else 10)
    ai_python, ai_status = ensure_ai_venv(install_ai)
    arms = {"gemini_nb": (sys.executable, "%load_ext gemini_nb")}
    if ai_python:
        arms["jupyter_ai_magics"] = (ai_python, "%load_ext jupyter_ai_magics")
    with tempfile.TemporaryDirectory(prefix="gemini-nb-bench-pyc-") as pyc:
        env = bench_env(PYTHONPYCACHEPREFIX=pyc)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        results = {name: {"bare": [], "loaded": [], "rss": []} for name in arms}
        steps = [(name, which) for name in arms for which in ("bare", "loaded")]
        for rnd in range(rounds + 1):  # round 0 warms the bytecode caches and is not kept
            order = steps if rnd % 2 == 0 else steps[::-1]
            out = {}
            for name, which in order:
                python, code = arms[name]
                out[name, which] = first_cell(python, "pass" if which == "bare" else code, env)
            if rnd == 0:
                continue
            for name in arms:
                (b_wall, b_rss), (l_wall, l_rss) = out[name, "bare"], out[name, "loaded"]
                results[name]["bare"].append(b_wall)
                results[name]["loaded"].append(l_wall)
                results[name]["rss"].append(l_rss - b_rss)
    gnb = results["gemini_nb"]
    g_added = [l - b for l, b in zip(gnb["loaded"], gnb["bare"])]
    g_med = statistics.median(g_added)
    rows = [
        Row(
            "7a",
            "%load_ext gemini_nb: first cell of a fresh kernel, added",
            fmt(g_added, "s", digits=3, signed=True),
            f"bare first cell {fmt(gnb['bare'], 's', digits=3)}",
            statistics.median(gnb["loaded"]) / statistics.median(gnb["bare"]),
            "<= 0.1 s added",
            g_med <= 0.1,
            note=f"{rounds} paired rounds, fresh kernel per cell, order alternating.",
        )
    ]
    if ai_python:
        ai = results["jupyter_ai_magics"]
        a_added = [l - b for l, b in zip(ai["loaded"], ai["bare"])]
        rows.append(
            Row(
                "7b",
                "%load_ext jupyter_ai_magics (own venv), added",
                fmt(a_added, "s", digits=3, signed=True),
                f"gemini_nb {g_med:+.3f} s",
                statistics.median(a_added) / max(g_med, 1e-3),
                "side by side (ratio = x gemini_nb)",
                None,
                note=f"{ai_status}; bare first cell there {fmt(ai['bare'], 's', digits=3)}.",
            )
        )
        rows.append(
            Row(
                "7c",
                "kernel RSS added by %load_ext gemini_nb",
                fmt(gnb["rss"], "MiB", 2**-20, 1, True),
                f"jupyter_ai_magics {fmt(ai['rss'], 'MiB', 2**-20, 1, True)}",
                None,
                "side by side",
                None,
            )
        )
    else:
        rows.append(
            Row(
                "7b",
                "%load_ext jupyter_ai_magics (own venv), added",
                "n/a",
                "",
                None,
                "side by side (ratio = x gemini_nb)",
                None,
                note=ai_status,
            )
        )
        rows.append(
            Row(
                "7c",
                "kernel RSS added by %load_ext gemini_nb",
                fmt(gnb["rss"], "MiB", 2**-20, 1, True),
                "jupyter_ai_magics n/a",
                None,
                "side by side",
                None,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds, for a smoke run")
    ap.add_argument("--rounds", type=int, help="paired rounds (default 10)")
    ap.add_argument(
        "--no-ai-install",
        action="store_true",
        help="do not create the jupyter-ai-magics virtualenv if it is missing",
    )
    args = ap.parse_args(argv)
    print_table(measure(args.quick, args.rounds, not args.no_ai_install))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
