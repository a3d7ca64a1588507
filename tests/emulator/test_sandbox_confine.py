"""The sandbox's kernel layer on its own: the seccomp filter, Landlock, fail-closed behaviour.

The escape suite (test_sandbox_escape.py) goes through a prompt with every layer on. Here the
confinement of :mod:`sandbox_child` runs *without* the Python audit hook, with ``ctypes`` free
to make raw syscalls, to show that the kernel alone holds; plus the filter program checked
instruction by instruction, the syscall tables checked against the kernel headers, and the
paths on which no code runs at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sandbox_probes import EXPECTED, Targets, assert_none_through, verdicts

from gemini_nb.emulator.brain.lib import landlock, sandbox, sandbox_child, seccomp

BRAIN = str(Path(sandbox.__file__).parent)
ARCH = os.uname().machine
HEADERS = {
    "x86_64": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
    "aarch64": "/usr/include/asm-generic/unistd.h",
}
needs_kernel = pytest.mark.skipif(
    sandbox._kernel_problem() is not None, reason=f"no kernel isolation here: {sandbox._kernel_problem()}"
)


# -- the seccomp program, evaluated like the kernel does ------------------------------------------
def run_filter(prog, arch: str, nr: int, *args: int) -> int:
    """Evaluate a classic-BPF seccomp program on one syscall; returns the SECCOMP_RET_* value."""
    data = struct.pack("<iIQ6Q", nr, seccomp.AUDIT_ARCH.get(arch, 0x40000003), 0, *(list(args) + [0] * 6)[:6])
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        if code == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
        elif code == 0x54:
            acc &= k
        elif code in (0x15, 0x35):
            pc += jt if (acc == k if code == 0x15 else acc >= k) else jf
        elif code == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected BPF instruction {code:#x}")
        pc += 1


ALLOW, KILL = seccomp.RET_ALLOW, seccomp.RET_KILL_PROCESS
EPERM, ENOSYS = seccomp.RET_ERRNO | 1, seccomp.RET_ERRNO | 38
THREAD_FLAGS = 0x3D0F00  # what glibc's pthread_create passes to clone


@pytest.mark.parametrize("arch", list(seccomp.SYSCALLS))
def test_filter_denies_processes_sockets_and_escapes_but_allows_threads(arch):
    prog, nr = seccomp.program(arch, 7), seccomp.SYSCALLS[arch]
    assert len(prog) < 4096 and prog[-1][0] == 0x06
    assert all(
        pc + 1 + max(jt, jf) < len(prog) for pc, (code, jt, jf, _) in enumerate(prog) if code in (0x15, 0x35)
    )
    assert run_filter(prog, arch, 63) == ALLOW  # uname / read: ordinary calls pass
    assert run_filter(prog, "i386", nr["socket"]) == KILL
    for name in (
        "socket",
        "socketpair",
        "execve",
        "execveat",
        "ptrace",
        "unshare",
        "mount",
        "bpf",
        "io_uring_setup",
        "open_by_handle_at",
        "setuid",
        "setrlimit",
        "process_vm_readv",
        "shmget",
        "fchmodat",
        "utimensat",
        "fchownat",
        "setxattr",
        "inotify_add_watch",
    ):
        assert run_filter(prog, arch, nr[name], 2, 2) == EPERM, name
    assert run_filter(prog, arch, nr["clone"], THREAD_FLAGS) == ALLOW
    assert run_filter(prog, arch, nr["clone"], 17) == EPERM  # fork: SIGCHLD only
    assert run_filter(prog, arch, nr["clone"], 0x4111) == EPERM  # posix_spawn: VM|VFORK
    assert run_filter(prog, arch, nr["clone"], THREAD_FLAGS | 0x10000000) == EPERM  # + NEWUSER
    assert run_filter(prog, arch, nr["clone3"], 0x1234) == ENOSYS
    assert run_filter(prog, arch, nr["prlimit64"], 0, 0, 0, 0x7FFE) == ALLOW  # getrlimit
    assert run_filter(prog, arch, nr["prlimit64"], 0, 0, 0x7FFE1000) == EPERM
    assert run_filter(prog, arch, nr["prlimit64"], 0, 0, 0x7FFE00000000) == EPERM  # high word only
    assert run_filter(prog, arch, nr["kill"], 1, 9) == ALLOW  # Landlock >= 6 scopes signals
    assert run_filter(prog, arch, nr["truncate"]) == ALLOW


def test_filter_covers_what_older_landlock_leaves_open():
    old, nr = seccomp.program("x86_64", 2), seccomp.SYSCALLS["x86_64"]
    assert run_filter(old, "x86_64", nr["truncate"]) == EPERM
    assert run_filter(old, "x86_64", nr["kill"], 1, 9) == EPERM
    assert run_filter(old, "x86_64", nr["fork"]) == EPERM
    assert run_filter(old, "x86_64", 0x40000000 | 39) == KILL  # an x32 syscall


def test_unknown_architectures_fail_closed(monkeypatch):
    with pytest.raises(KeyError):
        seccomp.program("riscv64", 7)
    monkeypatch.setattr(sandbox.os, "uname", lambda: os.uname_result(("Linux", "h", "6", "1", "riscv64")))
    sandbox._kernel_problem.cache_clear()
    try:
        assert "riscv64" in sandbox.isolation_problem()
    finally:
        monkeypatch.undo()
        sandbox._kernel_problem.cache_clear()


@pytest.mark.parametrize("arch", list(HEADERS))
def test_syscall_numbers_match_the_kernel_headers(arch):
    header = Path(HEADERS[arch])
    if not header.exists():
        pytest.skip(f"no {header} (linux-libc-dev) to check against")
    text = header.read_text()
    defined = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$", text, re.M)
    }
    table = seccomp.SYSCALLS[arch]
    checked = {name: defined[name] for name in table if name in defined}
    assert {name: table[name] for name in checked} == checked
    assert len(checked) >= len(table) - 12, "the header is too old to check most numbers"


# -- the kernel alone (no audit hook), with raw syscalls ------------------------------------------
RAW = r"""
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

def raw(name, *args):
    result = _libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    if result < 0:
        raise OSError(ctypes.get_errno(), "raw " + name)
    if result == 0 and name == "clone":
        os._exit(0)
    return result

def addr(obj):
    return ctypes.addressof(obj)

# Buffers live as long as the module: a temporary's address would dangle by the syscall.
_path = ctypes.create_string_buffer(b"/etc/passwd")
_victim = ctypes.create_string_buffer(VICTIM.encode())
_true = ctypes.create_string_buffer(b"/bin/true")
_handle, _mount_id = (ctypes.c_uint32 * 40)(128), ctypes.c_int()
_uring_params, _limits = (ctypes.c_char * 120)(), (ctypes.c_uint64 * 2)(100, 100)
probe("raw socket inet", lambda: raw("socket", 2, 2, 0))
probe("raw socket unix", lambda: raw("socket", 1, 1, 0))
probe("raw clone", lambda: raw("clone", 17, 0, 0, 0, 0))
probe("raw ptrace parent", lambda: raw("ptrace", 16, os.getppid(), 0, 0))
probe("raw unshare user", lambda: raw("unshare", 0x10000000))
probe("raw name_to_handle_at", lambda: raw("name_to_handle_at", -100, addr(_path), addr(_handle),
                                           addr(_mount_id), 0))
probe("raw io_uring_setup", lambda: raw("io_uring_setup", 4, addr(_uring_params)))
probe("raw execve", lambda: raw("execve", addr(_true), 0, 0))
probe("raw setuid 0", lambda: raw("setuid", 0))
probe("raw prlimit raise", lambda: raw("prlimit64", 0, 0, addr(_limits), 0))
probe("raw kill parent", lambda: raw("kill", os.getppid(), 0))
probe("raw keyctl", lambda: raw("keyctl", 0, -3, 0))
probe("raw shmget", lambda: raw("shmget", 0, 4096, 0o1600))
probe("raw fchmodat", lambda: raw("fchmodat", -100, addr(_victim), 0o777, 0))
"""
RAW_PROBES = len(re.findall(r"^probe\(", RAW, re.M))
LIMITS = {"cpu": 5, "memory": sandbox.MEMORY_BYTES, "fsize": sandbox.FILE_BYTES, "nofile": 64}


def confined_run(
    workdir: Path,
    code: str,
    limits: dict | None = None,
    python: str = sys.executable,
    user: int | None = None,
) -> subprocess.CompletedProcess:
    """``code`` run right after :func:`sandbox_child.confine`, without the audit hook.

    ``python`` is the interpreter; ``user`` a uid to start it as (instead of this process's).
    """
    (workdir / "main.py").write_text(code)
    if os.geteuid() == 0:
        os.chown(workdir, sandbox_child.NOBODY, sandbox_child.NOBODY)
    as_user = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    driver = (
        f"import os, sys\nsys.path.insert(0, {BRAIN!r})\nimport sandbox_child\n"
        f"sys.path.remove({BRAIN!r})\nsandbox_child.confine({json.dumps(limits or LIMITS)!s})\n"
        "os.environ.clear()\n"
        "for m in [m for m in sys.modules if m.split('.')[0] in ('ctypes', '_ctypes')]:\n"
        "    del sys.modules[m]\n"
        "exec(compile(open('main.py').read(), 'main.py', 'exec'), {'__name__': '__main__'})\n"
    )
    return subprocess.run(
        [python, "-I", "-S", "-B", "-c", driver],
        cwd=workdir,
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **as_user,
    )


@needs_kernel
def test_the_kernel_alone_stops_every_probe(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    targets = Targets(tmp_path)
    try:
        extra = f"NR = {seccomp.SYSCALLS[ARCH]!r}\n" + RAW
        done = confined_run(work, targets.snippet(extra))
        assert done.returncode == 0, done.stderr
        assert_none_through(done.stdout, expected=EXPECTED + RAW_PROBES)
        targets.assert_nothing_reached()
    finally:
        targets.close()
    found = verdicts(done.stdout)
    # Which layer answered: Landlock refuses paths with EACCES, seccomp refuses calls with EPERM.
    assert found["open"] == ("BLOCKED", "PermissionError 13")
    assert found["/proc/ppid/environ"] == ("BLOCKED", "PermissionError 13")
    assert found["udp 127.0.0.1"] == ("BLOCKED", "PermissionError 1")
    assert found["raw clone"] == ("BLOCKED", "PermissionError 1")
    assert found["raw fchmodat"] == ("BLOCKED", "PermissionError 1")


SYSTEM_PYTHON = "/usr/bin/python3"  # a stdlib every user can read, unlike a pyenv under /root
needs_root_and_system_python = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON) or not os.access(SYSTEM_PYTHON, os.X_OK),
    reason="needs root and a system Python to start as another user",
)
CAPGET = {"x86_64": 125, "aarch64": 90}
SHOW_CAPS = f"""
import ctypes
_lib = ctypes.CDLL(None, use_errno=True)
_head, _caps = (ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()
_lib.syscall(ctypes.c_long({CAPGET.get(ARCH, -1)}), ctypes.byref(_head), ctypes.byref(_caps))
print("CAPS", os.getuid(), list(_caps))
"""


@needs_kernel
@needs_root_and_system_python
@pytest.mark.parametrize("start_as", ["root", "nobody"])
def test_other_interpreters_and_users_hold_too(start_as):
    """A world-readable stdlib: root drops to 65534 with no capability left; a non-root user
    (the usual notebook setup) is confined by Landlock and seccomp alone, with no uid change."""
    base = Path(tempfile.mkdtemp(prefix="gnb-sandbox-test-"))  # in /tmp: reachable by uid 65534
    try:
        work, out = base / "work", base / "out"
        work.mkdir()
        out.mkdir()
        for path in (base, out):
            os.chown(path, sandbox_child.NOBODY, sandbox_child.NOBODY)
        targets = Targets(out)
        try:
            extra = f"NR = {seccomp.SYSCALLS[ARCH]!r}\n" + RAW + SHOW_CAPS
            done = confined_run(
                work,
                targets.snippet(extra),
                python=SYSTEM_PYTHON,
                user=None if start_as == "root" else sandbox_child.NOBODY,
            )
            assert done.returncode == 0, done.stderr
            assert_none_through(done.stdout, expected=EXPECTED + RAW_PROBES)
            targets.assert_nothing_reached()
        finally:
            targets.close()
        assert f"CAPS {sandbox_child.NOBODY} [0, 0, 0, 0, 0, 0]" in done.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)


@needs_kernel
def test_confined_code_still_works_in_its_directory(tmp_path):
    code = (
        "import decimal, json, zlib, statistics\n"
        "open('out.txt', 'w').write('kept')\nos_ok = open('out.txt').read()\n"
        "print(os_ok, statistics.mean([1, 2, 3]), zlib.crc32(b'a'), decimal.Decimal('1.5') * 2)\n"
        "import os\nprint(os.getuid() != 0)\n"
    )
    done = confined_run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[-5:] == ["kept", "2", "3904355907", "3.0", "True"]


@needs_kernel
def test_a_child_that_cannot_confine_itself_never_runs_the_snippet(tmp_path):
    (tmp_path / "main.py").write_text("open('ran', 'w').write('yes')\n")
    if os.geteuid() == 0:
        os.chown(tmp_path, sandbox_child.NOBODY, sandbox_child.NOBODY)
    limits = json.dumps({**LIMITS, "cpu": "two"})  # setrlimit refuses: confinement fails midway
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", sandbox.CHILD, limits],
        cwd=tmp_path,
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == sandbox_child.UNAVAILABLE_EXIT
    assert done.stderr.startswith(sandbox_child.MARKER) and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "ran").exists()


@needs_kernel
def test_landlock_abi_and_seccomp_are_probed():
    assert landlock.abi() >= 1
    assert seccomp.available(landlock.libc())
    assert sandbox.isolation_problem() is None


# -- fail closed: no isolation, no run ------------------------------------------------------------
RUN_MARK = "print(6 * 7 * 1000 + 1)\n"  # 42001 appears only if the code really ran


@pytest.fixture
def fresh_log(monkeypatch):
    monkeypatch.setattr(sandbox, "_logged", set())


@pytest.mark.parametrize("value", ["0", "off", "false", "no"])
def test_switch_turns_code_execution_off(monkeypatch, fresh_log, value):
    monkeypatch.setenv(sandbox.RUN_CODE_ENV, value)
    run = sandbox.run_python(RUN_MARK)
    assert run.simulated and run.is_error and "42001" not in run.output
    assert run.output.startswith(sandbox.SIMULATED) and "turned off" in run.output


@needs_kernel
@pytest.mark.parametrize("value", ["1", "yes", "unsafe", ""])
def test_switch_never_weakens_the_sandbox(monkeypatch, value):
    monkeypatch.setenv(sandbox.RUN_CODE_ENV, value)
    run = sandbox.run_python(RUN_MARK + "print(open('/etc/passwd').read())\n")
    assert not run.simulated and "42001" in run.output
    assert run.is_error and "PermissionError" in run.output and "root:" not in run.output


def test_no_kernel_isolation_means_a_marked_simulated_result_logged_once(monkeypatch, fresh_log, caplog):
    monkeypatch.setattr(sandbox, "_kernel_problem", lambda: "the kernel offers no Landlock")
    monkeypatch.delenv(sandbox.RUN_CODE_ENV, raising=False)
    with caplog.at_level(logging.WARNING, logger="gemini_nb.emulator"):
        first, second = sandbox.run_python(RUN_MARK), sandbox.run_python(RUN_MARK)
    for run in (first, second):
        assert run.simulated and "42001" not in run.output
        assert run.output.startswith("[simulated: this code was NOT executed]")
        assert "the kernel offers no Landlock" in run.output
    assert [r.getMessage() for r in caplog.records] == [
        "code execution is simulated, no code runs: the kernel offers no Landlock"
    ]


def test_a_child_reporting_no_isolation_gives_a_simulated_result(monkeypatch, fresh_log):
    monkeypatch.setattr(sandbox, "_kernel_problem", lambda: None)
    code = (
        f"import os\nos.write(2, b'{sandbox_child.MARKER} Landlock refused: Invalid argument\\n')\n"
        f"os._exit({sandbox_child.UNAVAILABLE_EXIT})"
    )
    monkeypatch.setattr(sandbox.subprocess, "Popen", _popen_running(code))
    run = sandbox.run_python(RUN_MARK)
    assert run.simulated and "Landlock refused: Invalid argument" in run.output


def _popen_running(code: str):
    real = subprocess.Popen

    def popen(argv, **kwargs):
        return real([sys.executable, "-c", code], **kwargs)

    return popen
