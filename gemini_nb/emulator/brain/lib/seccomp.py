"""A hand-built seccomp BPF filter: the syscalls a code snippet must never make.

Why next to Landlock: Landlock guards opening paths and TCP, but not UDP or other socket
families, not process creation, ``ptrace``, namespaces, mounts, keyrings, SysV IPC, raising
resource limits, or changing a file's mode, owner, times or xattrs by path. This filter
denies those with ``EPERM`` (``clone3`` with ``ENOSYS`` so the C library falls back to
``clone``, whose flags the filter can inspect: threads may be made, processes may not); a
syscall from any other ABI (i386, x32) kills the process. ``socket()`` is denied for every
family, AF_UNIX included: up to ABI 7 Landlock does not control connecting to a *pathname*
UNIX socket (a Docker or D-Bus socket would be reachable), and a snippet needs none. Syscall
numbers differ per CPU, so the filter exists only for the architectures tabled here; on any
other the sandbox fails closed.

This file must stay importable on its own (the sandbox child loads it by path, outside the
package): standard library only, no relative imports. See :mod:`.sandbox` for how it is used.
"""

from __future__ import annotations

import ctypes
import os
import struct

# Numbers from the kernel's uapi headers (asm/unistd_64.h; asm-generic/unistd.h for aarch64);
# tests/test_sandbox_confine.py checks them against the headers when those are installed.
_COMMON = {
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "clone3": 435,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
    "quotactl_fd": 443,
    "fchmodat2": 452,
    "setxattrat": 463,
    "getxattrat": 464,
    "listxattrat": 465,
    "removexattrat": 466,
}
SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        **_COMMON,
        "socket": 41,
        "socketpair": 53,
        "clone": 56,
        "fork": 57,
        "vfork": 58,
        "execve": 59,
        "execveat": 322,
        "kill": 62,
        "tkill": 200,
        "tgkill": 234,
        "rt_sigqueueinfo": 129,
        "rt_tgsigqueueinfo": 297,
        "ptrace": 101,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "kcmp": 312,
        "mount": 165,
        "umount2": 166,
        "pivot_root": 155,
        "chroot": 161,
        "unshare": 272,
        "setns": 308,
        "keyctl": 250,
        "add_key": 248,
        "request_key": 249,
        "bpf": 321,
        "perf_event_open": 298,
        "userfaultfd": 323,
        "init_module": 175,
        "finit_module": 313,
        "delete_module": 176,
        "kexec_load": 246,
        "kexec_file_load": 320,
        "reboot": 169,
        "swapon": 167,
        "swapoff": 168,
        "open_by_handle_at": 304,
        "name_to_handle_at": 303,
        "personality": 135,
        "acct": 163,
        "syslog": 103,
        "uselib": 134,
        "iopl": 172,
        "ioperm": 173,
        "setuid": 105,
        "setgid": 106,
        "setreuid": 113,
        "setregid": 114,
        "setgroups": 116,
        "setresuid": 117,
        "setresgid": 119,
        "setfsuid": 122,
        "setfsgid": 123,
        "capset": 126,
        "quotactl": 179,
        "vhangup": 153,
        "settimeofday": 164,
        "clock_settime": 227,
        "adjtimex": 159,
        "clock_adjtime": 305,
        "lookup_dcookie": 212,
        "fanotify_init": 300,
        "move_pages": 279,
        "migrate_pages": 256,
        "mbind": 237,
        "set_mempolicy": 238,
        "setrlimit": 160,
        "prlimit64": 302,
        "truncate": 76,
        "shmget": 29,
        "shmat": 30,
        "shmctl": 31,
        "shmdt": 67,
        "semget": 64,
        "semop": 65,
        "semctl": 66,
        "semtimedop": 220,
        "msgget": 68,
        "msgsnd": 69,
        "msgrcv": 70,
        "msgctl": 71,
        "mq_open": 240,
        "mq_unlink": 241,
        "mq_timedsend": 242,
        "mq_timedreceive": 243,
        "mq_notify": 244,
        "mq_getsetattr": 245,
        "inotify_init": 253,
        "inotify_init1": 294,
        "inotify_add_watch": 254,
        "fanotify_mark": 301,
        "chmod": 90,
        "fchmodat": 268,
        "chown": 92,
        "lchown": 94,
        "fchownat": 260,
        "utime": 132,
        "utimes": 235,
        "utimensat": 280,
        "futimesat": 261,
        "setxattr": 188,
        "lsetxattr": 189,
        "removexattr": 197,
        "lremovexattr": 198,
        "getxattr": 191,
        "lgetxattr": 192,
        "listxattr": 194,
        "llistxattr": 195,
    },
    "aarch64": {
        **_COMMON,
        "socket": 198,
        "socketpair": 199,
        "clone": 220,
        "execve": 221,
        "execveat": 281,
        "kill": 129,
        "tkill": 130,
        "tgkill": 131,
        "rt_sigqueueinfo": 138,
        "rt_tgsigqueueinfo": 240,
        "ptrace": 117,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "kcmp": 272,
        "mount": 40,
        "umount2": 39,
        "pivot_root": 41,
        "chroot": 51,
        "unshare": 97,
        "setns": 268,
        "keyctl": 219,
        "add_key": 217,
        "request_key": 218,
        "bpf": 280,
        "perf_event_open": 241,
        "userfaultfd": 282,
        "init_module": 105,
        "finit_module": 273,
        "delete_module": 106,
        "kexec_load": 104,
        "kexec_file_load": 294,
        "reboot": 142,
        "swapon": 224,
        "swapoff": 225,
        "open_by_handle_at": 265,
        "name_to_handle_at": 264,
        "personality": 92,
        "acct": 89,
        "syslog": 116,
        "setuid": 146,
        "setgid": 144,
        "setreuid": 145,
        "setregid": 143,
        "setgroups": 159,
        "setresuid": 147,
        "setresgid": 149,
        "setfsuid": 151,
        "setfsgid": 152,
        "capset": 91,
        "quotactl": 60,
        "vhangup": 58,
        "settimeofday": 170,
        "clock_settime": 112,
        "adjtimex": 171,
        "clock_adjtime": 266,
        "lookup_dcookie": 18,
        "fanotify_init": 262,
        "move_pages": 239,
        "migrate_pages": 238,
        "mbind": 235,
        "set_mempolicy": 237,
        "setrlimit": 164,
        "prlimit64": 261,
        "truncate": 45,
        "shmget": 194,
        "shmat": 196,
        "shmctl": 195,
        "shmdt": 197,
        "semget": 190,
        "semop": 193,
        "semctl": 191,
        "semtimedop": 192,
        "msgget": 186,
        "msgsnd": 189,
        "msgrcv": 188,
        "msgctl": 187,
        "mq_open": 180,
        "mq_unlink": 181,
        "mq_timedsend": 182,
        "mq_timedreceive": 183,
        "mq_notify": 184,
        "mq_getsetattr": 185,
        "inotify_init1": 26,
        "inotify_add_watch": 27,
        "fanotify_mark": 263,
        "fchmodat": 53,
        "fchownat": 54,
        "utimensat": 88,
        "setxattr": 5,
        "lsetxattr": 6,
        "removexattr": 14,
        "lremovexattr": 15,
        "getxattr": 8,
        "lgetxattr": 9,
        "listxattr": 11,
        "llistxattr": 12,
    },
}
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

# Denied with EPERM. Names an architecture lacks (fork/vfork on aarch64, iopl...) are skipped.
DENIED = (
    "socket",
    "socketpair",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "kcmp",
    "pidfd_open",
    "pidfd_getfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "open_by_handle_at",
    "name_to_handle_at",
    "personality",
    "acct",
    "syslog",
    "uselib",
    "iopl",
    "ioperm",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setgroups",
    "setresuid",
    "setresgid",
    "setfsuid",
    "setfsgid",
    "capset",
    "quotactl",
    "quotactl_fd",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "clock_adjtime",
    "lookup_dcookie",
    "fanotify_init",
    "move_pages",
    "migrate_pages",
    "mbind",
    "set_mempolicy",
    "setrlimit",
    # SysV/POSIX IPC and inotify reach other processes' objects without a path Landlock sees.
    "shmget",
    "shmat",
    "shmctl",
    "shmdt",
    "semget",
    "semop",
    "semctl",
    "semtimedop",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "fanotify_mark",
    # Landlock does not cover changing (or reading) metadata by path: modes, owners, times,
    # extended attributes. Without these, the snippet cannot chmod the user's files.
    "chmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "lchown",
    "fchownat",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "setxattr",
    "lsetxattr",
    "removexattr",
    "lremovexattr",
    "getxattr",
    "lgetxattr",
    "listxattr",
    "llistxattr",
    "setxattrat",
    "getxattrat",
    "listxattrat",
    "removexattrat",
)
# What older Landlock ABIs leave open, closed here instead: truncate(2) by path (< 3), and
# signals to processes outside the sandbox (< 6; then no signal can be sent at all).
DENIED_BELOW_ABI = {
    3: ("truncate",),
    6: ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"),
}

CLONE_THREAD = 0x00010000
CLONE_NEW_NAMESPACES = (
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET

RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM, ENOSYS = 1, 38
_LD_W_ABS, _JEQ, _JGE, _AND, _RET = 0x20, 0x15, 0x35, 0x54, 0x06
_NR, _ARCH = 0, 4


def _arg(index: int, high: bool = False) -> int:
    """Offset of the low (or high) 32-bit word of syscall argument ``index`` (little-endian)."""
    return 16 + 8 * index + (4 if high else 0)


def program(arch: str, landlock_abi: int) -> list[tuple[int, int, int, int]]:
    """The filter for ``arch`` as (code, jt, jf, k) instructions; ``KeyError`` if arch is unknown."""
    table, audit_arch = SYSCALLS[arch], AUDIT_ARCH[arch]
    deny = [*DENIED] + [n for abi, names in DENIED_BELOW_ABI.items() if landlock_abi < abi for n in names]
    eperm = (_RET, 0, 0, RET_ERRNO | EPERM)
    prog = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ, 1, 0, audit_arch),
        (_RET, 0, 0, RET_KILL_PROCESS),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if arch == "x86_64":  # x32 syscalls share the arch value: kill them
        prog += [(_JGE, 0, 1, X32_SYSCALL_BIT), (_RET, 0, 0, RET_KILL_PROCESS)]
    # clone: a thread (CLONE_THREAD, no new namespace) is fine; a new process is not.
    prog += [
        (_JEQ, 0, 5, table["clone"]),
        (_LD_W_ABS, 0, 0, _arg(0)),
        (_AND, 0, 0, CLONE_THREAD | CLONE_NEW_NAMESPACES),
        (_JEQ, 0, 1, CLONE_THREAD),
        (_RET, 0, 0, RET_ALLOW),
        eperm,
    ]
    prog += [(_JEQ, 0, 1, table["clone3"]), (_RET, 0, 0, RET_ERRNO | ENOSYS)]
    # prlimit64: reading limits (new_limit == NULL) is fine; setting them is not.
    prog += [
        (_JEQ, 0, 6, table["prlimit64"]),
        (_LD_W_ABS, 0, 0, _arg(2)),
        (_JEQ, 0, 3, 0),
        (_LD_W_ABS, 0, 0, _arg(2, high=True)),
        (_JEQ, 0, 1, 0),
        (_RET, 0, 0, RET_ALLOW),
        eperm,
    ]
    for name in dict.fromkeys(deny):
        if name in table:
            prog += [(_JEQ, 0, 1, table[name]), eperm]
    return prog + [(_RET, 0, 0, RET_ALLOW)]


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_GET_SECCOMP, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 21, 22, 2


def available(lib: ctypes.CDLL) -> bool:
    """Whether this kernel has seccomp (``PR_GET_SECCOMP`` fails with EINVAL when it has not)."""
    return (
        lib.prctl(
            ctypes.c_int(PR_GET_SECCOMP),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        >= 0
    )


def install(prog: list[tuple[int, int, int, int]], lib: ctypes.CDLL) -> None:
    """Load ``prog`` for this process, for good (needs ``no_new_privs``); ``OSError`` on failure."""
    raw = b"".join(struct.pack("=HBBI", *insn) for insn in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = _Fprog(len(prog), ctypes.addressof(buf))
    if (
        lib.prctl(
            ctypes.c_int(PR_SET_SECCOMP),
            ctypes.c_ulong(SECCOMP_MODE_FILTER),
            ctypes.byref(fprog),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        != 0
    ):
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp filter: {os.strerror(err)}")
