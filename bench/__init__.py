"""Benchmarks (make bench), each measured against a baseline in the same run; figures in bench/RESULTS.md."""
