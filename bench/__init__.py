"""The benchmark: generator, cases, baselines and the runner behind `make bench`."""
