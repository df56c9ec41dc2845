"""Test and benchmark scaffolding: never shipped, never imported by product code (pipeline/, assets/, checks/).

- `testkit.pxweb_server`: a local SSB PxWebApi v2 server with SSB's limits and fault injection;
- `testkit.synthetic`: synthetic snapshots at any scale for the benchmarks (bench/);
- `testkit.faults`: the fault lab behind tests/faults and docs/reliability.md (`python -m testkit.faults`).

Tests and bench import it from the repository root (pytest's `pythonpath = ["."]`, bench's sys.path).
"""
