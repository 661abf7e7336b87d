"""Benchmarks (make bench), each measured against a baseline in the same run; figures in bench/RESULTS.md."""

# A benchmark or a drill drives its load from one address as a handful of callers, far faster than any one
# client may (by default 20 requests/s per address on the public routes, 200/s per caller on the API): it
# raises the limits through the settings a deployment would use. Keys are the settings' environment names,
# which the settings classes also take as arguments.
LOAD_RATE_LIMITS = {"JOINTSUP_RATE_LIMIT_PUBLIC": "1000000 per second",
                    "JOINTSUP_RATE_LIMIT_PRINCIPAL": "1000000 per second"}
