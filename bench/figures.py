"""The figures every bench reports with: one percentile, a process's CPU time."""
import os


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (NaN when there are none), in their own unit."""
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds_of(command: str) -> float:
    """CPU time used so far by every running process of that command name (e.g. all PostgreSQL backends;
    one that ends between two readings drops out of the second)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if open(f"/proc/{entry}/comm").read().strip() == command:
                    total += cpu_seconds(int(entry))
            except OSError:
                pass  # ended meanwhile
    return total
