"""The one percentile every bench reports with."""


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (NaN when there are none), in their own unit."""
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] if values else float("nan")
