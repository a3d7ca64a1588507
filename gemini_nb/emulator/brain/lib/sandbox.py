"""Code execution for the emulator: write a snippet for the prompt and really run it, sandboxed.

The real ``code_execution`` tool runs model-written Python in Google's sandbox and returns
its output. The emulator does the same locally, so results are *computed*, not scripted
(``sum of the first 10 primes`` really prints 129). Because the code can come from the
prompt (a fenced block the user asks to run, or text pasted from a web page), it is treated
as hostile, and every run is isolated by the kernel, not by Python:

* a separate interpreter (``python -I -S -B``: no site-packages, no user paths, no ``PYTHON*``
  variables) with an empty environment, in a fresh temporary working directory, and a
  wall-clock timeout that kills its whole process group;
* before the snippet is read, the child confines itself (:mod:`.sandbox_child`): rlimits (CPU,
  memory, file size, open files, processes), uid 65534 when started as root, ``no_new_privs``,
  Landlock (:mod:`.landlock`: files only in its own directory, read-only stdlib and shared
  libraries, no TCP, no signals out) and a seccomp filter (:mod:`.seccomp`: no sockets, no new
  processes, no exec, no ptrace, no namespaces or mounts);
* a Python audit hook on top, for clear ``PermissionError: sandbox ...`` messages;
* output captured in files capped by ``RLIMIT_FSIZE`` and truncated before it is returned.

**Fail closed.** Where the kernel offers no such isolation (not Linux, an unknown CPU, no
Landlock, no seccomp) or ``GEMINI_NB_EMULATOR_RUN_CODE=0`` turns execution off, no code runs:
the tool result is a clearly marked simulated one saying why, and the emulator logs the
reason once. The child checks again before it reads the snippet, so there is no code path
that runs a snippet without the isolation.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from . import sandbox_child

CPU_SECONDS = 2
WALL_SECONDS = 4.0
MEMORY_BYTES = 512 * 1024 * 1024
FILE_BYTES = 1024 * 1024
OPEN_FILES = 64
MAX_OUTPUT = 4000
RUN_CODE_ENV = "GEMINI_NB_EMULATOR_RUN_CODE"
SIMULATED = "[simulated: this code was NOT executed]"
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox_child.py")

log = logging.getLogger("gemini_nb.emulator")
_logged: set[str] = set()


@dataclass
class Execution:
    """What a sandboxed run produced: the tool result text and whether it failed.

    ``simulated`` means the code did not run at all (no kernel isolation, or turned off).
    """

    output: str
    is_error: bool
    timed_out: bool = False
    simulated: bool = False


@functools.lru_cache(maxsize=1)
def _kernel_problem() -> str | None:
    """Why this machine cannot isolate a snippet, or None; probed once per process."""
    if not sys.platform.startswith("linux"):
        return f"{sys.platform} has no Landlock or seccomp"
    if not sys.executable:
        return "there is no Python interpreter to run it with"
    from . import landlock, seccomp

    arch = os.uname().machine
    if arch not in seccomp.SYSCALLS:
        return f"there is no seccomp filter for the CPU architecture {arch}"
    try:
        lib = landlock.libc()
        if landlock.abi(lib) < 1:
            return "the kernel offers no Landlock (missing or disabled)"
        if not seccomp.available(lib):
            return "the kernel offers no seccomp"
    except OSError as exc:  # no C library to call into
        return f"the kernel cannot be asked for isolation ({exc})"
    return None


def isolation_problem() -> str | None:
    """Why code must not run here, or None when the kernel can sandbox it.

    ``GEMINI_NB_EMULATOR_RUN_CODE=0`` (or ``off``/``false``/``no``) only ever turns execution
    *off*; no setting weakens the sandbox.
    """
    if os.environ.get(RUN_CODE_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        return f"code execution is turned off ({RUN_CODE_ENV}=0)"
    return _kernel_problem()


def _not_run(reason: str) -> Execution:
    if reason not in _logged:
        _logged.add(reason)
        log.warning("code execution is simulated, no code runs: %s", reason)
    return Execution(
        f"{SIMULATED} The emulator runs code only inside a kernel-enforced sandbox "
        f"(Landlock + seccomp), and here {reason}. No output was produced.",
        True,
        simulated=True,
    )


def _truncate(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n... [output truncated, {len(text) - MAX_OUTPUT} more characters]"


def run_python(code: str, timeout: float = WALL_SECONDS) -> Execution:
    """Run ``code`` in the sandbox described in the module docstring; never raises for bad code."""
    problem = isolation_problem()
    if problem:
        return _not_run(problem)
    limits = json.dumps(
        {"cpu": CPU_SECONDS, "memory": MEMORY_BYTES, "fsize": FILE_BYTES, "nofile": OPEN_FILES}
    )
    with tempfile.TemporaryDirectory(prefix="gnb-sandbox-", ignore_cleanup_errors=True) as tmp:
        with open(os.path.join(tmp, "main.py"), "w", encoding="utf-8") as fh:
            fh.write(code)
        if os.geteuid() == 0:  # the child drops to uid 65534 and must own its directory
            os.chown(tmp, sandbox_child.NOBODY, sandbox_child.NOBODY)
        out_path, err_path = os.path.join(tmp, ".stdout"), os.path.join(tmp, ".stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", CHILD, limits],
                cwd=tmp,
                env={},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                close_fds=True,
            )
            timed_out = False
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        with open(out_path, "rb") as out, open(err_path, "rb") as err:
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
    rc = proc.returncode
    if rc == sandbox_child.UNAVAILABLE_EXIT and stderr.startswith(sandbox_child.MARKER):
        return _not_run(stderr[len(sandbox_child.MARKER) :].strip().splitlines()[0])
    if timed_out or rc in (-signal.SIGXCPU, -signal.SIGKILL):
        return Execution(
            _truncate(stdout) + f"Execution timed out: the code ran longer than the "
            f"{CPU_SECONDS} s CPU / {timeout:g} s wall-clock limit.",
            True,
            True,
        )
    if rc == -signal.SIGXFSZ:
        return Execution(
            _truncate(stdout) + "\nOutput limit exceeded: the code wrote more than "
            f"{FILE_BYTES // 1024} KiB.",
            True,
        )
    if rc != 0:
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        tail = "\n".join(lines[-6:]) if lines else f"Process exited with status {rc}."
        head = _truncate(stdout) + "\n" if stdout else ""
        return Execution(head + tail[-MAX_OUTPUT:], True)
    return Execution(_truncate(stdout) if stdout else "(no output)", False)


# -- writing the snippet ------------------------------------------------------------------
FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S | re.I)
_NUM = r"(\d{1,6})"


def _numbers(text: str) -> list[str]:
    bracket = re.search(r"\[([-\d.,\s]+)\]", text)
    source = bracket.group(1) if bracket else text
    return re.findall(r"-?\d+(?:\.\d+)?", source)


def write_code(prompt: str) -> str:
    """A short, readable Python program answering ``prompt`` (or the user's own fenced code)."""
    fenced = FENCE.search(prompt)
    if fenced:
        return fenced.group(1).strip() + "\n"
    low = prompt.lower()
    if m := re.search(r"(?:sum|total) of (?:the )?first " + _NUM + r" primes?", low):
        n = int(m.group(1))
        return (
            "def is_prime(n):\n    if n < 2:\n        return False\n"
            "    return all(n % d for d in range(2, int(n ** 0.5) + 1))\n\n"
            f"primes = []\ncandidate = 2\nwhile len(primes) < {n}:\n"
            "    if is_prime(candidate):\n        primes.append(candidate)\n    candidate += 1\n"
            f'print(f"First {n} primes: {{primes}}")\n'
            'print(f"Sum: {sum(primes)}")\n'
        )
    if m := re.search(r"(?:first )?" + _NUM + r" (?:fibonacci|fib)", low) or re.search(
        r"fibonacci[^\d]{0,20}" + _NUM, low
    ):
        n = min(int(m.group(1)), 500)
        return (
            f"a, b = 0, 1\nseq = []\nfor _ in range({n}):\n    seq.append(a)\n    a, b = b, a + b\n"
            f'print(f"First {n} Fibonacci numbers: {{seq}}")\nprint(f"Last: {{seq[-1]}}")\n'
        )
    if m := re.search(r"factorial of " + _NUM, low) or re.search(_NUM + r"\s*!", low):
        n = min(int(m.group(1)), 2000)
        return f'import math\n\nresult = math.factorial({n})\nprint(f"{n}! = {{result}}")\n'
    if m := re.search(r"is " + _NUM + r" (?:a )?prime", low):
        n = int(m.group(1))
        return (
            f"n = {n}\ndivisors = [d for d in range(2, int(n ** 0.5) + 1) if n % d == 0]\n"
            'print(f"{n} is prime" if n > 1 and not divisors else '
            'f"{n} is not prime (divisible by {divisors[:3] or [n]})")\n'
        )
    if m := re.search(r"primes? (?:below|under|less than|up to) " + _NUM, low):
        n = min(int(m.group(1)), 200000)
        return (
            f"limit = {n}\nsieve = [True] * (limit + 1)\nsieve[0:2] = [False, False]\n"
            "for i in range(2, int(limit ** 0.5) + 1):\n    if sieve[i]:\n"
            "        sieve[i * i::i] = [False] * len(sieve[i * i::i])\n"
            "primes = [i for i, p in enumerate(sieve) if p]\n"
            'print(f"{len(primes)} primes below {limit}; the largest is {primes[-1]}")\n'
        )
    nums = _numbers(prompt)
    if re.search(r"\bsort", low) and len(nums) >= 2:
        values = ", ".join(nums)
        return (
            f'values = [{values}]\nprint("Sorted:", sorted(values))\n'
            'print("Descending:", sorted(values, reverse=True))\n'
        )
    if re.search(r"\b(mean|average|median|standard deviation|stdev)\b", low) and len(nums) >= 2:
        values = ", ".join(nums)
        return (
            f"import statistics\n\nvalues = [{values}]\n"
            'print(f"Mean: {statistics.mean(values):g}")\n'
            'print(f"Median: {statistics.median(values):g}")\n'
            'print(f"Std dev: {statistics.pstdev(values):.4g}")\n'
        )
    expr = re.search(r"([-+(]?\s*\d[\d\s+\-*/().%^]*[\d)])", prompt)
    if expr and re.search(r"\d\s*(\*\*|[-+*/%^])\s*\(?\d", expr.group(1)):
        clean = expr.group(1).replace("^", "**").strip()
        return f'result = {clean}\nprint(f"{clean} = {{result}}")\n'
    words = re.findall(r"[A-Za-z']+", prompt)
    return (
        f"text = {prompt.strip()[:300]!r}\nwords = text.split()\n"
        'print(f"Characters: {len(text)}")\nprint(f"Words: {len(words)}")\n'
        "print(f\"Longest word: {max(words, key=len) if words else ''}\")\n"
        if words
        else "print('Hello from the code execution sandbox!')\n"
    )
