"""What the machine is and what it is busy with: /proc readings for CPU shares and peak memory."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, kernel and date of this run."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def meminfo_kb(key: str) -> int:
    """One field of /proc/meminfo, in kB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _status_kb(pid: int, key: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


def vm_hwm_kb(pid: int) -> int | None:
    """Peak resident set size of a live process (VmHWM), in kB."""
    return _status_kb(pid, "VmHWM")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a live process has used."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is already in user
    return total - idle, total


def pids_named(comm: str) -> list[int]:
    """Live processes whose command name (comm) is `comm`, e.g. every PostgreSQL backend."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == comm:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds per group of processes and the machine's jiffies at one moment."""

    at: float
    busy: int
    total: int
    groups: dict[str, float]


class CpuSampler:
    """Tells how busy the machine and each group of processes were between two snapshots."""

    def __init__(self, groups: Callable[[], Mapping[str, list[int]]]) -> None:
        self._groups = groups

    def snapshot(self) -> CpuSnapshot:
        """Read the CPU seconds of every group now."""
        busy, total = machine_cpu_jiffies()
        seconds: dict[str, float] = {}
        for name, pids in self._groups().items():
            seconds[name] = sum(s for s in (process_cpu_seconds(p) for p in pids) if s is not None)
        return CpuSnapshot(time.monotonic(), busy, total, seconds)

    @staticmethod
    def share(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
        """Percent of one core each group used, plus `machine_busy_pct` (percent of all cores)."""
        wall = max(after.at - before.at, 1e-9)
        out = {"machine_busy_pct": round(100 * (after.busy - before.busy) / max(after.total - before.total, 1), 1)}
        accounted = 0.0
        for name, used in after.groups.items():
            delta = max(used - before.groups.get(name, used), 0.0)
            accounted += delta
            out[f"{name}_core_pct"] = round(100 * delta / wall, 1)
        cores = os.cpu_count() or 1
        all_cores = out["machine_busy_pct"] * cores
        out["unaccounted_core_pct"] = round(max(all_cores - 100 * accounted / wall, 0.0), 1)
        return out


def cpu_ms_per_unit(share: Mapping[str, float], rate: float) -> dict[str, float]:
    """CPU milliseconds each group spent per unit of work (command, event), from `CpuSampler.share`."""
    if rate <= 0:
        return {}
    out = {
        key.removesuffix("_core_pct"): round(10 * pct / rate, 3)
        for key, pct in share.items()
        if key.endswith("_core_pct") and pct > 0
    }
    out["total"] = round(sum(out.values()), 3)
    return out
