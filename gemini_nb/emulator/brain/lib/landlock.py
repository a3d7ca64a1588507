"""Landlock through raw syscalls: the kernel confines a process's file-system and TCP access.

Why Landlock: it is an unprivileged LSM (no root, no setuid helper, no namespaces) that the
kernel enforces on every path lookup, whatever API the code uses (``open``, ``os.open`` with
``dir_fd``, ``openat2``, symlinks, ``/proc/self/root``...), and a process can only ever add
restrictions, never remove them. Python has no binding, so this module calls the three
syscalls through :mod:`ctypes`; their numbers (444-446) are the same on x86_64 and aarch64.

This file must stay importable on its own (the sandbox child loads it by path, outside the
package): standard library only, no relative imports. See :mod:`.sandbox` for how it is used.
"""

from __future__ import annotations

import ctypes
import os
import stat

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # rights a rule on a file may hold

NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

READ = READ_FILE | READ_DIR
WORKDIR = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | REFER | TRUNCATE


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def libc() -> ctypes.CDLL:
    """The C library with ``syscall`` returning a ``long`` and errno captured."""
    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    return lib


def abi(lib: ctypes.CDLL | None = None) -> int:
    """The kernel's Landlock ABI version, or 0 when Landlock is missing or disabled."""
    lib = lib or libc()
    version = lib.syscall(
        ctypes.c_long(CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def handled_fs(version: int) -> int:
    """Every file-system right ABI ``version`` knows: all of them are denied unless a rule grants."""
    if version >= 5:
        return (1 << 16) - 1
    if version >= 3:
        return (1 << 15) - 1
    return (1 << 14) - 1 if version == 2 else (1 << 13) - 1


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {what}: {os.strerror(err)}")
    return int(result)


def create(rules: list[tuple[str, int]], version: int, lib: ctypes.CDLL | None = None) -> int:
    """A ruleset (its fd) that allows only ``rules`` ((path, rights) pairs); :func:`enforce` applies it.

    Every file-system right the ABI knows is handled, so anything not granted by a rule is
    denied; from ABI 4 TCP bind/connect are denied outright, from ABI 6 abstract UNIX sockets
    and signals cannot reach processes outside the sandbox. The paths are opened here, so
    create the ruleset before giving up the privileges needed to reach them.
    Raises :class:`OSError` if any step fails (the caller must then not run anything).
    """
    lib = lib or libc()
    fs = handled_fs(version)
    attr = _RulesetAttr(
        fs,
        NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0,
    )
    size = 8 if version < 4 else 16 if version < 6 else 24
    ruleset = _check(
        lib.syscall(
            ctypes.c_long(CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)
        ),
        "create_ruleset",
    )
    try:
        for path, rights in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                rule = _PathBeneath(rights & fs & (~0 if is_dir else FILE_ONLY), fd)
                _check(
                    lib.syscall(
                        ctypes.c_long(ADD_RULE),
                        ctypes.c_int(ruleset),
                        ctypes.c_int(RULE_PATH_BENEATH),
                        ctypes.byref(rule),
                        ctypes.c_uint32(0),
                    ),
                    f"add_rule {path}",
                )
            finally:
                os.close(fd)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def enforce(ruleset: int, lib: ctypes.CDLL | None = None) -> None:
    """Confine this process to ``ruleset``, for good (needs ``no_new_privs`` first); closes the fd."""
    lib = lib or libc()
    try:
        _check(
            lib.syscall(ctypes.c_long(RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
            "restrict_self",
        )
    finally:
        os.close(ruleset)
