"""The sandbox child: confine this interpreter with the kernel, then run one snippet.

:mod:`.sandbox` starts ``python -I -S -B sandbox_child.py LIMITS`` with an empty environment,
in a fresh temporary directory that holds ``main.py``. Before the snippet is even read, this
process (single-threaded, nothing of the emulator loaded) confines itself, in this order:

1. resource limits: CPU seconds, address space, file size, open files, processes, no core;
2. started as root: drop to uid/gid 65534 (so the process limit applies and root-owned files
   are out of reach), keeping only ``CAP_DAC_READ_SEARCH`` when the interpreter's own files are
   not world-readable (a pyenv under ``/root``); Landlock still decides what may be read;
3. ``no_new_privs`` and not dumpable (nobody can ptrace it or read its memory);
4. Landlock (:mod:`.landlock`): read-write in the working directory, read-only on the
   interpreter's stdlib and the system's shared libraries, nothing else; no TCP; no signals
   or abstract UNIX sockets to processes outside the sandbox;
5. the seccomp filter of :mod:`.seccomp`: no sockets, no new processes, no exec, no ptrace...;
6. a self-check: ``/`` cannot be opened and no socket can be made.

If any step fails the snippet never runs: one line ``gnb-sandbox-unavailable: REASON`` on
stderr and exit status 86 (fail closed). Then the Python audit hook (an extra layer that gives
clearer errors, never the only one) is installed and ``main.py`` runs as ``__main__``.

Standard library only, no relative imports: this file runs as a script, outside the package.
"""

from __future__ import annotations

import json
import os
import sys

UNAVAILABLE_EXIT = 86
MARKER = "gnb-sandbox-unavailable:"
NOBODY = 65534
SYSTEM_LIBS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")
READ_FILES = ("/dev/urandom", "/dev/zero", "/etc/ld.so.cache")
PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS = 4, 8, 38
CAP_DAC_READ_SEARCH = 2
_SELF = os.path.abspath(__file__)
_HERE = os.path.dirname(_SELF)


def _helpers():
    """The :mod:`.landlock` and :mod:`.seccomp` modules, loaded by path from next to this file."""
    sys.path.insert(0, _HERE)
    try:
        import landlock
        import seccomp
    finally:
        sys.path.remove(_HERE)
    return landlock, seccomp


def readable_dirs() -> list[str]:
    """The interpreter's stdlib (its ``sys.path`` under ``-I -S``) and the system's libraries."""
    dirs = [p for p in sys.path if p and os.path.isdir(p) and os.path.realpath(p) != _HERE]
    return list(dict.fromkeys(dirs + [p for p in SYSTEM_LIBS if os.path.isdir(p)]))


def _others_can_read(path: str) -> bool:
    path = os.path.realpath(path)
    if os.stat(path).st_mode & 0o005 != 0o005:
        return False
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def _prctl(lib, option: int, value: int) -> None:
    import ctypes

    if (
        lib.prctl(
            ctypes.c_int(option),
            ctypes.c_ulong(value),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        != 0
    ):
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _drop_root(lib, capset_nr: int, keep_read: bool) -> None:
    """uid/gid 65534, no groups; at most CAP_DAC_READ_SEARCH survives (see the module docstring)."""
    import ctypes

    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    if keep_read:
        _prctl(lib, PR_SET_KEEPCAPS, 1)
    os.setresuid(NOBODY, NOBODY, NOBODY)
    if keep_read:
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()  # {effective, permitted, inheritable} x 2 words
        data[0] = data[1] = 1 << CAP_DAC_READ_SEARCH
        if lib.syscall(ctypes.c_long(capset_nr), ctypes.byref(header), ctypes.byref(data)) != 0:
            raise OSError(ctypes.get_errno(), "capset failed")
        _prctl(lib, PR_SET_KEEPCAPS, 0)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise RuntimeError("could not drop root privileges")


def _self_check() -> None:
    try:
        fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    except PermissionError:
        pass
    else:
        os.close(fd)
        raise RuntimeError("Landlock did not confine the file system")
    import _socket

    try:
        _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).close()
    except PermissionError:
        return
    raise RuntimeError("seccomp did not block sockets")


def confine(limits: dict[str, int]) -> None:
    """Steps 1-6 of the module docstring, for good; raises if any of them fails."""
    import resource

    landlock, seccomp = _helpers()
    arch = os.uname().machine
    if arch not in seccomp.SYSCALLS:
        raise RuntimeError(f"no seccomp filter for the CPU architecture {arch!r}")
    lib = landlock.libc()
    version = landlock.abi(lib)
    if version < 1:
        raise RuntimeError("the kernel offers no Landlock (missing or disabled)")
    if not seccomp.available(lib):
        raise RuntimeError("the kernel offers no seccomp")
    prog = seccomp.program(arch, version)
    readable = readable_dirs()
    rules = [(os.getcwd(), landlock.WORKDIR), ("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE)]
    rules += [(d, landlock.READ) for d in readable]
    rules += [(f, landlock.READ_FILE) for f in READ_FILES if os.path.exists(f)]
    ruleset = landlock.create(rules, version, lib)  # opens the paths: before dropping root
    for name, value in (
        ("CPU", limits["cpu"]),
        ("AS", limits["memory"]),
        ("FSIZE", limits["fsize"]),
        ("NOFILE", limits["nofile"]),
        ("NPROC", 0),
        ("CORE", 0),
    ):
        resource.setrlimit(getattr(resource, "RLIMIT_" + name), (value, value))
    if os.geteuid() == 0:
        _drop_root(
            lib, seccomp.SYSCALLS[arch]["capset"], keep_read=not all(_others_can_read(d) for d in readable)
        )
    _prctl(lib, PR_SET_NO_NEW_PRIVS, 1)
    _prctl(lib, PR_SET_DUMPABLE, 0)
    landlock.enforce(ruleset, lib)
    seccomp.install(prog, lib)
    _self_check()


# What the audit hook (:func:`audit_guard`) allows and refuses; tuples and frozensets of str only,
# bound into the hook's closure so nothing the snippet does to this module can change them.
# Files outside the working directory that may be read.
GUARD_OK_READ = ("/dev/null", "/dev/urandom", "/dev/zero")
# Event-name prefixes refused outright.
GUARD_DENY = (
    "subprocess.",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.forkpty",
    "pty.",
    "socket.",
    "ctypes.",
    "os.kill",
    "os.killpg",
    "signal.pthread_kill",
    "os.putenv",
    "os.unsetenv",
    "shutil.chown",
    "os.chown",
    "os.setxattr",
    "webbrowser.",
    "os.symlink",
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "sys._current_frames",
    "sys.settrace",
    "sys.setprofile",
    "cpython.",
)
# Top-level modules that may not be imported.
GUARD_MODULES = frozenset(
    {
        "_posixsubprocess",
        "_testcapi",
        "_testinternalcapi",
        "_ctypes",
        "ctypes",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_testmultiphase",
        "_testbuffer",
    }
)
# Events whose first (or first two) arguments are paths.
GUARD_PATH_EVENTS = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.mkdir",
        "os.chmod",
        "os.link",
        "os.truncate",
        "os.utime",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.move",
        "os.removexattr",
        "os.chflags",
        "os.mkfifo",
        "os.mknod",
        "os.listdir",
        "os.scandir",
        "glob.glob",
        "os.chdir",
    }
)
# Path events that only read; path events with two paths.
GUARD_READS = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.chdir"})
GUARD_PAIRS = frozenset({"os.rename", "os.link", "shutil.copyfile", "shutil.move"})


def _interpreter_prefixes() -> tuple[str, ...]:
    """The interpreter's own directories, each ending in ``/``: the hook lets the snippet read them."""
    py = tuple(
        {
            os.path.realpath(p)
            for p in (
                sys.prefix,
                sys.base_prefix,
                sys.exec_prefix,
                sys.base_exec_prefix,
                os.path.dirname(os.__file__),
            )
        }
    )
    return tuple(p.rstrip("/") + "/" for p in py)


def audit_guard():
    """The audit hook: refuses, with a clear ``PermissionError: sandbox ...``, what the kernel
    would refuse anyway (paths outside the working directory, processes, sockets, ctypes...).

    Everything the hook uses is bound here as immutable values or C functions: it calls no
    Python-level code (nothing the snippet could monkeypatch), reads no globals, and keeps no
    mutable state that a traceback's frame could expose.
    """
    root = os.path.realpath(os.getcwd())
    py = _interpreter_prefixes()
    root_slash = root.rstrip("/") + "/"
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    # Closure cells holding the module's immutable tables: the hook reads no globals.
    ok_read, deny, modules = GUARD_OK_READ, GUARD_DENY, GUARD_MODULES
    path_events, reads, pairs = GUARD_PATH_EVENTS, GUARD_READS, GUARD_PAIRS
    getcwd, type_, str_, bytes_, int_, Denied = os.getcwd, type, str, bytes, int, PermissionError

    def guard(event, args):
        writing = True
        if event == "open":
            path, mode, flags = (args + (None, None, 0))[:3]
            if type_(path) is int_:
                return
            writing = (
                type_(mode) is str_ and ("w" in mode or "a" in mode or "x" in mode or "+" in mode)
            ) or (type_(flags) is int_ and flags & write_flags != 0)
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


def run(path: str = "main.py") -> None:
    """Install the audit hook, then run ``path`` as ``__main__``; errors print a short traceback."""
    import builtins
    import types

    os.environ.clear()  # the parent passed none; drop what the interpreter added (LC_CTYPE)
    sys.addaudithook(audit_guard())
    for name in [m for m in sys.modules if m.split(".")[0] in ("ctypes", "_ctypes", "landlock", "seccomp")]:
        del sys.modules[name]
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"], sys.argv = main, [path]
    # Bound before the snippet runs: it may monkeypatch builtins, sys or traceback.
    excepthook, leave, self_file = sys.__excepthook__, sys.exit, _SELF
    try:
        exec(compile(source, path, "exec"), main.__dict__)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the snippet's own error, printed as python does
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == self_file:
            tb = tb.tb_next
        node = tb
        while node is not None:  # hide this file's frames (the audit hook) from the traceback
            while node.tb_next is not None and node.tb_next.tb_frame.f_code.co_filename == self_file:
                node.tb_next = node.tb_next.tb_next
            node = node.tb_next
        exc.__traceback__ = tb
        excepthook(exc.__class__, exc, tb)
        leave(1)


def main(argv: list[str]) -> None:
    try:
        confine(json.loads(argv[1]))
    except BaseException as exc:  # noqa: BLE001 - any failure means: do not run the snippet
        reason = " ".join(str(exc).split()) or type(exc).__name__
        os.write(2, f"{MARKER} {reason}\n".encode("utf-8", "replace"))
        os._exit(UNAVAILABLE_EXIT)
    run()


if __name__ == "__main__":
    main(sys.argv)
