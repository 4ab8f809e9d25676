"""Prefect flows that wire the tasks, and the `prm` command line."""
