"""Escape probes for the code sandbox, as one Python snippet, and the checks that none got through.

Each probe prints one line ``PROBE <name> BLOCKED <why>`` or ``PROBE <name> THROUGH <what>``;
all of them run in one snippet (one sandbox start per route) and every probe catches its own
failure, so one blocked probe never hides the next. The snippet gets its targets (a path
outside its directory, a file there that the sandbox's uid owns, listener ports, the canary's
name) from a header of assignments.
:class:`Targets` owns those targets and checks, afterwards, that nothing reached them.
"""

from __future__ import annotations

import os
import re
import socket
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

CANARY_NAME = "GNB_ESCAPE_CANARY"
CANARY = "gnb-canary-7f3c9e1d5b"

BODY = r"""
import os, sys

def probe(name, fn):
    try:
        got = fn()
    except BaseException as exc:
        print("PROBE", name, "BLOCKED", exc.__class__.__name__, getattr(exc, "errno", ""))
    else:
        print("PROBE", name, "THROUGH", repr(got)[:60])

def read(path, **kw):
    fd = os.open(path, os.O_RDONLY, **kw)
    return os.read(fd, 100)

def back():
    os.chdir(HOME)

HOME = os.getcwd()
UP = "../" * 16

probe("open", lambda: open("/etc/passwd").read())
probe("os.open", lambda: read("/etc/passwd"))
probe("dir_fd read", lambda: read(UP + "etc/passwd", dir_fd=os.open(".", os.O_RDONLY)))
probe("dir_fd O_PATH", lambda: read("etc/passwd", dir_fd=os.open("/", os.O_PATH)))
probe("dir_fd write", lambda: os.write(os.open(UP + TARGET.lstrip("/"), os.O_WRONLY | os.O_CREAT, 0o644,
                                               dir_fd=os.open(".", os.O_RDONLY)), b"pwned"))
STDLIB = os.path.dirname(os.__file__)
probe("dir_fd write in stdlib", lambda: os.write(os.open("site-packages/gnb_escape.pth",
                                                         os.O_WRONLY | os.O_CREAT, 0o644,
                                                         dir_fd=os.open(STDLIB, os.O_RDONLY)), b"x"))
probe("symlink file", lambda: (os.symlink("/etc/passwd", "l1"), open("l1").read()))
probe("symlink dir", lambda: (os.symlink("/", "l2"), open("l2/etc/passwd").read()))
probe("hard link", lambda: (os.link("/etc/passwd", "h1"), open("h1").read()))
probe("/proc/self/environ", lambda: open("/proc/self/environ", "rb").read())
probe("/proc/self/root", lambda: open("/proc/self/root/etc/passwd").read())
probe("/proc/ppid/environ", lambda: open("/proc/%d/environ" % os.getppid(), "rb").read())
probe("/proc/ppid/environ dir_fd", lambda: read("environ", dir_fd=os.open("/proc/%d" % os.getppid(),
                                                                         os.O_PATH)))
probe("/proc/ppid/cmdline", lambda: open("/proc/%d/cmdline" % os.getppid(), "rb").read())

def chdir_root():
    try:
        os.chdir("/")
        return open("etc/passwd").read()
    finally:
        back()

def chdir_up():
    try:
        for _ in range(16):
            os.chdir("..")
        return read("etc/passwd")
    finally:
        back()

def fchdir():
    try:
        os.fchdir(os.open("/", os.O_PATH | os.O_DIRECTORY))
        return read("etc/passwd")
    finally:
        back()

probe("chdir /", chdir_root)
probe("chdir ..", chdir_up)
probe("fchdir", fchdir)
probe("listdir /", lambda: os.listdir("/"))

def ctypes_open():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(b"/etc/passwd", 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "libc open")
    return os.read(fd, 100)

def ctypes_left():
    left = [m for m in ("ctypes", "_ctypes") if m in sys.modules]
    if not left:
        raise LookupError("no ctypes module left behind")
    return left

probe("ctypes left in sys.modules", ctypes_left)
probe("ctypes open", ctypes_open)
probe("subprocess", lambda: __import__("subprocess").run(["/bin/sh", "-c", "id"], capture_output=True))
def system():
    status = os.system("exit 0")
    if status != 0:
        raise OSError("os.system returned %d: no shell ran" % status)
    return status

probe("os.system", system)
probe("posix_spawn", lambda: os.posix_spawn("/bin/true", ["true"], {}))

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid

probe("fork", fork)
probe("signal parent", lambda: os.kill(os.getppid(), 0))

def tcp():
    import socket
    s = socket.create_connection(("127.0.0.1", TCP_PORT), timeout=1)
    s.sendall(b"escape")
    return "connected"

def udp():
    import socket
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"escape", ("127.0.0.1", UDP_PORT))

def unix_abstract():
    import socket
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

probe("tcp 127.0.0.1", tcp)
probe("udp 127.0.0.1", udp)
probe("unix socket", unix_abstract)
probe(".pth in venv", lambda: open(SITE + "/gnb_escape.pth", "w").write("import os"))
probe(".pth in stdlib", lambda: open(STDLIB + "/site-packages/gnb_escape.pth", "w").write("import os"))
probe("env canary", lambda: os.environ[CANARY_NAME])

def env_any():
    if not os.environ:
        raise LookupError("empty environment")
    return dict(os.environ)

probe("env any", env_any)
probe("/etc/passwd", lambda: open("/etc/passwd").read())
probe("write outside", lambda: open(TARGET, "w").write("pwned"))
probe("rename outside", lambda: (open("inside", "w").write("x"), os.rename("inside", TARGET + ".moved")))
probe("chmod outside", lambda: os.chmod(VICTIM, 0o777))
probe("utime outside", lambda: os.utime(VICTIM, (0, 0)))
probe("raise rlimit", lambda: __import__("resource").setrlimit(__import__("resource").RLIMIT_CPU,
                                                                (100, 100)))
sys.stdout.flush()
probe("execv", lambda: os.execv("/bin/sh", ["sh", "-c", "echo PROBE execv THROUGH"]))
"""
PROBE = re.compile(r"^PROBE (.+?) (BLOCKED|THROUGH)(.*)$", re.M)
EXPECTED = len(re.findall(r"^probe\(", BODY, re.M))


@dataclass
class Targets:
    """What the probes aim at (outside the sandbox), and the checks that nothing reached it."""

    tmp: Path
    tcp: socket.socket = field(init=False)
    udp: socket.socket = field(init=False)
    victim_stat: os.stat_result = field(init=False)

    def __post_init__(self):
        # A file outside that the sandbox's own uid owns: only the sandbox, not DAC, protects it.
        self.victim.write_text("keep")
        self.victim.chmod(0o600)
        if os.geteuid() == 0:
            os.chown(self.victim, 65534, 65534)
        self.victim_stat = self.victim.stat()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.tcp.setblocking(False)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)

    @property
    def target(self) -> Path:
        return self.tmp / "escaped.txt"

    @property
    def victim(self) -> Path:
        return self.tmp / "victim.txt"

    @property
    def site(self) -> str:
        return sysconfig.get_paths()["purelib"]

    def snippet(self, extra: str = "") -> str:
        header = (
            f"TARGET = {str(self.target)!r}\nSITE = {self.site!r}\nCANARY_NAME = {CANARY_NAME!r}\n"
            f"TCP_PORT = {self.tcp.getsockname()[1]}\nUDP_PORT = {self.udp.getsockname()[1]}\n"
            f"VICTIM = {str(self.victim)!r}\n"
        )
        body = BODY.replace("sys.stdout.flush()", extra + "sys.stdout.flush()") if extra else BODY
        return header + body

    def assert_nothing_reached(self) -> None:
        """No file outside, no .pth, no TCP connection, no UDP datagram."""
        stdlib_site = Path(os.path.dirname(os.__file__)) / "site-packages" / "gnb_escape.pth"
        for path in (
            self.target,
            Path(f"{self.target}.moved"),
            Path(self.site) / "gnb_escape.pth",
            stdlib_site,
        ):
            assert not path.exists(), f"the sandbox wrote {path}"
        now = self.victim.stat()
        assert (now.st_mode, now.st_mtime_ns) == (self.victim_stat.st_mode, self.victim_stat.st_mtime_ns)
        assert self.victim.read_text() == "keep"
        try:
            conn, peer = self.tcp.accept()
        except BlockingIOError:
            pass
        else:
            conn.close()
            raise AssertionError(f"the sandbox connected to the TCP listener from {peer}")
        try:
            data = self.udp.recvfrom(100)
        except BlockingIOError:
            pass
        else:
            raise AssertionError(f"the sandbox sent a UDP datagram: {data!r}")

    def close(self) -> None:
        self.tcp.close()
        self.udp.close()


def verdicts(output: str) -> dict[str, tuple[str, str]]:
    """``{probe name: (BLOCKED|THROUGH, detail)}`` from the snippet's output."""
    return {m.group(1): (m.group(2), m.group(3).strip()) for m in PROBE.finditer(output)}


def assert_none_through(output: str, expected: int = EXPECTED) -> int:
    """Every probe ran and was blocked; the canary never shows. Returns the number of probes."""
    found = verdicts(output)
    through = {name: detail for name, (verdict, detail) in found.items() if verdict == "THROUGH"}
    assert not through, f"probes got through the sandbox: {through}"
    assert len(found) == expected, f"only {len(found)} of {expected} probes ran:\n{output}"
    assert CANARY not in output
    return len(found)
