"""Which ``running`` runs are abandoned: their process is gone.

A run records the process that runs it (host, pid and the process's start
time, so a reused pid is not mistaken for the original process) in its
metadata when it starts. A run still ``running`` whose process no longer
exists on this host died without finishing (SIGKILL, power loss, OOM): it is
*abandoned*, and ``omninode runs list`` shows it so. Runs of other hosts are
left as they are: their processes cannot be checked from here.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

__all__ = ["ABANDONED", "is_abandoned", "process_marker", "shown_status"]

ABANDONED = "abandoned"


def _start_ticks(pid: int) -> int | None:
    """The process start time in clock ticks since boot (Linux), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of stat; fields[0] is field 3
    except (IndexError, ValueError):
        return None


def process_marker() -> dict[str, Any]:
    """This process, as stored in a run's metadata when the run starts."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "pid_started": _start_ticks(pid)}


def _alive(pid: int, started: object) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    if isinstance(started, int):
        return _start_ticks(pid) == started
    return True


def is_abandoned(status: str, metadata: dict[str, Any]) -> bool:
    """Whether a run in ``status`` recorded by the process in ``metadata`` is abandoned."""
    if status != "running":
        return False
    pid, host = metadata.get("pid"), metadata.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or host != socket.gethostname():
        return False
    return not _alive(pid, metadata.get("pid_started"))


def shown_status(status: str, metadata: dict[str, Any]) -> str:
    """``abandoned`` for a running run whose process is gone, else ``status``."""
    return ABANDONED if is_abandoned(status, metadata) else status
