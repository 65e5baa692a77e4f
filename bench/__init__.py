"""Benchmarks of the ecoute pipeline (`make bench`): a synthetic corpus generator and a
harness that runs the real stages next to their ceilings. Not part of `make test`."""
