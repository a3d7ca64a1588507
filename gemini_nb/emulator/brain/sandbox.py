"""Code execution for the emulator: write a snippet for the prompt and really run it, sandboxed.

The real ``code_execution`` tool runs model-written Python in Google's sandbox and returns
its output. The emulator does the same locally, so results are *computed*, not scripted
(``sum of the first 10 primes`` really prints 129). Because the code can come from the
prompt (a fenced block the user asks to run), it is treated as hostile:

* a separate interpreter, ``python -I -S`` (isolated: no site-packages, no user paths, no
  ``PYTHON*`` variables), an empty environment and a fresh temporary working directory;
* kernel resource limits set in the child before ``exec`` (CPU seconds, address space,
  file size, open files, no core dumps, no new processes) plus a wall-clock timeout that
  kills the whole process group;
* an audit hook installed before the snippet runs that refuses writes and reads outside the
  working directory (reads of the Python installation stay allowed), symlinks, process
  creation, sockets, ``ctypes`` and other low-level modules, signals to other processes,
  and ``gc``/tracing introspection. The hook holds only immutable values and C functions
  and calls no Python-level code, so neither monkeypatching (``builtins``, ``posixpath``)
  nor a frame reached through a traceback can switch it off. This is the layer that
  matters when the emulator runs as root, where ``RLIMIT_NPROC`` is void;
* output captured in files capped by ``RLIMIT_FSIZE`` and truncated before it is returned.

There is no code path that runs a snippet without these limits.
"""
from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

CPU_SECONDS = 2
WALL_SECONDS = 4.0
MEMORY_BYTES = 512 * 1024 * 1024
FILE_BYTES = 1024 * 1024
MAX_OUTPUT = 4000

# Runs inside the sandboxed interpreter before the snippet; the snippet cannot remove it.
PRELUDE = r'''
import os, sys

def _install():
    # Everything the hook uses is bound here as immutable values or C functions: the hook
    # calls no Python-level code (nothing the snippet could monkeypatch), reads no globals,
    # and keeps no mutable state that a traceback's frame could expose.
    root = os.path.realpath(os.getcwd())
    py = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                               sys.base_exec_prefix, os.path.dirname(os.__file__))})
    py = tuple(p.rstrip("/") + "/" for p in py)
    root_slash = root.rstrip("/") + "/"
    ok_read = ("/dev/null", "/dev/urandom", "/dev/zero")
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    deny = ("subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
            "os.forkpty", "pty.", "socket.", "ctypes.", "os.kill", "os.killpg", "signal.pthread_kill",
            "os.putenv", "os.unsetenv", "shutil.chown", "os.chown", "os.setxattr", "webbrowser.",
            "os.symlink", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
            "sys._current_frames", "sys.settrace", "sys.setprofile", "cpython.")
    modules = frozenset({"_posixsubprocess", "_testcapi", "_testinternalcapi", "_ctypes", "ctypes",
                         "_xxsubinterpreters", "_xxinterpchannels", "_testmultiphase",
                         "_testbuffer"})
    path_events = frozenset({"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod",
                             "os.link", "os.truncate", "os.utime", "shutil.rmtree",
                             "shutil.copyfile", "shutil.move", "os.removexattr", "os.chflags",
                             "os.mkfifo", "os.mknod", "os.listdir", "os.scandir", "glob.glob",
                             "os.chdir"})
    reads = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.chdir"})
    pairs = frozenset({"os.rename", "os.link", "shutil.copyfile", "shutil.move"})
    getcwd, type_, str_, bytes_, int_, Denied = os.getcwd, type, str, bytes, int, PermissionError

    def guard(event, args):
        writing = True
        if event == "open":
            path, mode, flags = (args + (None, None, 0))[:3]
            if type_(path) is int_:
                return
            writing = (type_(mode) is str_ and ("w" in mode or "a" in mode or "x" in mode or
                                                "+" in mode)) or (type_(flags) is int_ and
                                                                  flags & write_flags != 0)
            targets = (path,)
        elif event == "import":
            if args and (type_(args[0]) is not str_ or args[0].split(".")[0] in modules):
                raise Denied("sandbox: importing this module is not allowed")
            return
        elif event == "object.__setattr__":
            if len(args) > 1 and type_(args[1]) is str_ and args[1] == "__code__":
                raise Denied("sandbox: rewriting function code is not allowed")
            return
        elif event in path_events:
            writing = event not in reads
            targets = args[:2] if event in pairs else args[:1]
        elif event.startswith(deny):
            raise Denied("sandbox: " + event + " is not allowed")
        else:
            return
        cwd = getcwd()
        for target in targets:
            if type_(target) is bytes_:
                target = target.decode("utf-8", "surrogateescape")
            if type_(target) is not str_:
                raise Denied("sandbox: " + event + " needs a plain str path")
            parts = []
            for piece in (target if target.startswith("/") else cwd + "/" + target).split("/"):
                if piece == "..":
                    if parts:
                        parts.pop()
                elif piece and piece != ".":
                    parts.append(piece)
            real = "/" + "/".join(parts)
            if real == root or real.startswith(root_slash):
                continue
            if not writing and (real in ok_read or real.startswith(py)):
                continue
            raise Denied("sandbox: access to " + real + " is not allowed")

    return guard

sys.addaudithook(_install())
del _install
'''

LAUNCH = ("import sys\n"
          "exec(compile(open('prelude.py').read(), '<sandbox>', 'exec'), {'__name__': '_prelude'})\n"
          "_src = open('main.py').read()\n"
          "exec(compile(_src, 'main.py', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})\n")


@dataclass
class Execution:
    """What a sandboxed run produced: the tool result text and whether it failed."""

    output: str
    is_error: bool
    timed_out: bool = False


def _limits() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Only already-imported C calls here: importing between fork and exec could deadlock on
    # an import lock held by another thread of the emulator.
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _truncate(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n... [output truncated, {len(text) - MAX_OUTPUT} more characters]"


def run_python(code: str, timeout: float = WALL_SECONDS) -> Execution:
    """Run ``code`` in the sandbox described in the module docstring; never raises for bad code."""
    with tempfile.TemporaryDirectory(prefix="gnb-sandbox-") as tmp:
        for name, text in (("prelude.py", PRELUDE), ("main.py", code)):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        out_path, err_path = os.path.join(tmp, ".stdout"), os.path.join(tmp, ".stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen([sys.executable, "-I", "-S", "-B", "-c", LAUNCH], cwd=tmp, env={},
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    preexec_fn=_limits, start_new_session=True, close_fds=True)
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
        stdout = open(out_path, "rb").read().decode("utf-8", "replace")
        stderr = open(err_path, "rb").read().decode("utf-8", "replace")
    rc = proc.returncode
    if timed_out or rc in (-signal.SIGXCPU, -signal.SIGKILL):
        return Execution(_truncate(stdout) + f"Execution timed out: the code ran longer than the "
                         f"{CPU_SECONDS} s CPU / {timeout:g} s wall-clock limit.", True, True)
    if rc == -signal.SIGXFSZ:
        return Execution(_truncate(stdout) + "\nOutput limit exceeded: the code wrote more than "
                         f"{FILE_BYTES // 1024} KiB.", True)
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
        return ("def is_prime(n):\n    if n < 2:\n        return False\n"
                "    return all(n % d for d in range(2, int(n ** 0.5) + 1))\n\n"
                f"primes = []\ncandidate = 2\nwhile len(primes) < {n}:\n"
                "    if is_prime(candidate):\n        primes.append(candidate)\n    candidate += 1\n"
                f"print(f\"First {n} primes: {{primes}}\")\n"
                "print(f\"Sum: {sum(primes)}\")\n")
    if m := re.search(r"(?:first )?" + _NUM + r" (?:fibonacci|fib)", low) or \
            re.search(r"fibonacci[^\d]{0,20}" + _NUM, low):
        n = min(int(m.group(1)), 500)
        return (f"a, b = 0, 1\nseq = []\nfor _ in range({n}):\n    seq.append(a)\n    a, b = b, a + b\n"
                f"print(f\"First {n} Fibonacci numbers: {{seq}}\")\nprint(f\"Last: {{seq[-1]}}\")\n")
    if m := re.search(r"factorial of " + _NUM, low) or re.search(_NUM + r"\s*!", low):
        n = min(int(m.group(1)), 2000)
        return f"import math\n\nresult = math.factorial({n})\nprint(f\"{n}! = {{result}}\")\n"
    if m := re.search(r"is " + _NUM + r" (?:a )?prime", low):
        n = int(m.group(1))
        return (f"n = {n}\ndivisors = [d for d in range(2, int(n ** 0.5) + 1) if n % d == 0]\n"
                "print(f\"{n} is prime\" if n > 1 and not divisors else "
                "f\"{n} is not prime (divisible by {divisors[:3] or [n]})\")\n")
    if m := re.search(r"primes? (?:below|under|less than|up to) " + _NUM, low):
        n = min(int(m.group(1)), 200000)
        return (f"limit = {n}\nsieve = [True] * (limit + 1)\nsieve[0:2] = [False, False]\n"
                "for i in range(2, int(limit ** 0.5) + 1):\n    if sieve[i]:\n"
                "        sieve[i * i::i] = [False] * len(sieve[i * i::i])\n"
                "primes = [i for i, p in enumerate(sieve) if p]\n"
                "print(f\"{len(primes)} primes below {limit}; the largest is {primes[-1]}\")\n")
    nums = _numbers(prompt)
    if re.search(r"\bsort", low) and len(nums) >= 2:
        values = ", ".join(nums)
        return (f"values = [{values}]\nprint(\"Sorted:\", sorted(values))\n"
                "print(\"Descending:\", sorted(values, reverse=True))\n")
    if re.search(r"\b(mean|average|median|standard deviation|stdev)\b", low) and len(nums) >= 2:
        values = ", ".join(nums)
        return (f"import statistics\n\nvalues = [{values}]\n"
                "print(f\"Mean: {statistics.mean(values):g}\")\n"
                "print(f\"Median: {statistics.median(values):g}\")\n"
                "print(f\"Std dev: {statistics.pstdev(values):.4g}\")\n")
    expr = re.search(r"([-+(]?\s*\d[\d\s+\-*/().%^]*[\d)])", prompt)
    if expr and re.search(r"\d\s*(\*\*|[-+*/%^])\s*\(?\d", expr.group(1)):
        clean = expr.group(1).replace("^", "**").strip()
        return f"result = {clean}\nprint(f\"{clean} = {{result}}\")\n"
    words = re.findall(r"[A-Za-z']+", prompt)
    return (f"text = {prompt.strip()[:300]!r}\nwords = text.split()\n"
            "print(f\"Characters: {len(text)}\")\nprint(f\"Words: {len(words)}\")\n"
            "print(f\"Longest word: {max(words, key=len) if words else ''}\")\n"
            if words else "print('Hello from the code execution sandbox!')\n")
