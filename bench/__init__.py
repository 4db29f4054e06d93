"""Benchmarks (``make bench``): performance targets measured and printed, not timed unit tests."""
