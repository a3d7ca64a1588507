"""A real Jupyter kernel driven the way a notebook front end drives it, and measured from outside.

An ipykernel is started through jupyter_client with a chosen interpreter; cells are sent as
``execute_request``s; every IOPub message the cell causes is read off the raw ZMQ socket, so
message counts and *bytes on the wire* are counted on the client side, exactly as Jupyter
receives them. Kernel CPU (all threads, including the IOPub thread that serializes displays) is
read with ``resource.getrusage`` inside the kernel through ``user_expressions`` of an empty
cell before and after, so the cost of those probes is the same for every arm.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DISPLAY_TYPES = ("display_data", "update_display_data", "execute_result", "clear_output")
CPU_EXPR = (
    "(lambda r: r.ru_utime + r.ru_stime)(__import__('resource')"
    ".getrusage(__import__('resource').RUSAGE_SELF))"
)
RSS_EXPR = "__import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss"


@dataclass
class Message:
    msg_type: str
    nbytes: int
    date: datetime | None
    content: dict[str, Any]


@dataclass
class Cell:
    """What one executed cell cost, as the front end saw it."""

    wall: float
    reply: dict[str, Any]
    messages: list[Message] = field(default_factory=list)

    @property
    def iopub_bytes(self) -> int:
        return sum(m.nbytes for m in self.messages)

    @property
    def displays(self) -> list[Message]:
        return [m for m in self.messages if m.msg_type in DISPLAY_TYPES]

    def busiest_second(self) -> int:
        """Most display messages stamped (by the kernel) within any 1-second window."""
        times = sorted(m.date.timestamp() for m in self.displays if m.date)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - 1.0:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def text(self) -> str:
        """All text the cell printed or displayed (for checks and error messages)."""
        out = []
        for m in self.messages:
            c = m.content
            if m.msg_type == "stream":
                out.append(c.get("text", ""))
            elif m.msg_type == "error":
                out.append("\n".join(c.get("traceback", [])) or c.get("evalue", ""))
            elif "data" in c:
                out.append(c["data"].get("text/plain", ""))
        return "".join(out)


class Kernel:
    """An ipykernel in its own process, run by ``python`` (any virtualenv's interpreter)."""

    def __init__(
        self, python: str | None = None, env: dict[str, str] | None = None, startup_timeout: float = 120
    ):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self._dir = tempfile.TemporaryDirectory(prefix="gemini-nb-bench-kernel-")
        spec_dir = pathlib.Path(self._dir.name) / "kernels" / "bench"
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "bench",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        self.km = KernelManager(
            kernel_name="bench", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
        )
        self.log_path = pathlib.Path(self._dir.name) / "kernel.log"
        self._log = open(self.log_path, "wb")  # the kernel's own stderr, kept out of the table
        self.km.start_kernel(
            env=dict(env if env is not None else os.environ), stdout=self._log, stderr=self._log
        )
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=startup_timeout)
        self._iopub = self.kc.iopub_channel.socket
        self.drain()

    @property
    def pid(self) -> int:
        return self.km.provisioner.process.pid

    def drain(self) -> None:
        """Drop IOPub messages left from earlier (start-up status and the like)."""
        while self._iopub.poll(50):
            self._iopub.recv_multipart()

    def execute(
        self,
        code: str,
        user_expressions: dict[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
    ) -> Cell:
        """Run one cell; returns once the kernel is idle again and the reply has arrived."""
        session = self.kc.session
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, user_expressions=user_expressions or {}, allow_stdin=False)
        messages: list[Message] = []
        deadline = time.monotonic() + timeout
        while True:
            if not self._iopub.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                raise TimeoutError(f"cell did not finish in {timeout} s: {code[:80]!r}")
            frames = self._iopub.recv_multipart(copy=True)
            _, parts = session.feed_identities(frames)
            msg = session.deserialize(parts)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            nbytes = sum(len(f) for f in frames)
            date = msg["header"].get("date")
            messages.append(
                Message(msg["msg_type"], nbytes, date if isinstance(date, datetime) else None, msg["content"])
            )
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                break
        wall = time.perf_counter() - t0
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        cell = Cell(wall, reply["content"], messages)
        if check and reply["content"].get("status") != "ok":
            raise RuntimeError(
                f"cell failed: {code[:80]!r}\n{cell.text()[-3000:]}\n"
                f"kernel log: {self.log_path.read_text(errors='replace')[-1000:]}"
            )
        return cell

    def expressions(self, **exprs: str) -> dict[str, Any]:
        """Evaluate Python expressions in the kernel (through an empty cell's user_expressions)."""
        cell = self.execute("", user_expressions=exprs)
        out = {}
        for name, res in cell.reply["user_expressions"].items():
            if res.get("status") != "ok":
                raise RuntimeError(f"{name}: {res.get('ename')}: {res.get('evalue')}")
            out[name] = eval(res["data"]["text/plain"], {})  # reprs of numbers and strings only
        return out

    def cpu(self) -> float:
        return float(self.expressions(cpu=CPU_EXPR)["cpu"])

    def measure(self, code: str, timeout: float = 600) -> tuple[Cell, float]:
        """Run a cell and return it with the kernel CPU seconds it cost."""
        before = self.cpu()
        cell = self.execute(code, timeout=timeout)
        return cell, self.cpu() - before

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=False)
        finally:
            self._log.close()
            self._dir.cleanup()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
