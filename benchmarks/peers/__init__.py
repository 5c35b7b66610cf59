"""Peers of the optimizer for benchmarks/bench_peers.py: the PyPSA rebuild and the bare solver."""
