"""Benchmarks (``make bench``): performance targets, measured and printed, never timed unit tests."""
