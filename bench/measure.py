"""Measuring helpers for the benchmark: wall time and peak memory of a stage, scratch databases.

Peak memory is the process's peak resident set (Linux `VmHWM`), reset before each stage by
writing 5 to `/proc/self/clear_refs`, so each stage reports its own peak (the data it starts
from included). Where the reset is not allowed, the figure is the process's peak so far.
"""

import functools
import inspect
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PG_ADMIN_DSN = os.environ.get("PRM_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
MB = 1024 * 1024


def peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    """Start a new peak-memory window (best effort: needs Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


@dataclass
class Stage:
    """One measured stage: seconds of wall time and peak RSS in MiB."""

    name: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    extra: dict = field(default_factory=dict)


@contextmanager
def stage(name: str, into: list[Stage]) -> Iterator[Stage]:
    """Time the block and record its peak memory as a Stage appended to `into`."""
    reset_peak()
    record = Stage(name)
    started = time.perf_counter()
    try:
        yield record
    finally:
        record.seconds = time.perf_counter() - started
        record.peak_rss_mb = peak_rss_mb()
        into.append(record)


class Accumulator:
    """Wraps functions so the time spent inside them adds up (charts inside write_bundle)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, function):
        """`function` (the original, if it is already a timed wrapper), timed into this
        accumulator."""
        function = inspect.unwrap(function)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


@contextmanager
def scratch_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database for one case: an SQLite file in `folder`, or a PostgreSQL database
    of its own (created here, dropped at the end). Yields its SQLAlchemy URL."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"prm_bench_{uuid.uuid4().hex[:10]}"
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        from models.db import get_engine

        get_engine(url).dispose()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
