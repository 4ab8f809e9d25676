"""A pipeline command's memory: freed blocks kept for reuse instead of handed back at once.

glibc's malloc takes every large block (from 128 KiB, a threshold it raises up to 32 MiB
as it goes) straight from the kernel and unmaps it when freed, and gives the top of its
heap back whenever more than 128 KiB of it is free. Ingestion makes and drops thousands of
such blocks (one column of a million rows is 8 MiB, and validation makes dozens of those):
each is fresh memory the kernel maps and zeroes, page by page. `prm ingest` of a million
contributions spent 1.2-2.0 s of system time so (325 k page faults); with freed blocks kept
for reuse, 0.7-0.9 s, about 1 s less wall time and the same peak memory (docs/benchmarks.md).

Only the pipeline's commands (`prm ingest`, `report`, `run`) do this: their process ends
with the command, so what it keeps is given back then. Long-running processes (worker,
serve, flow runs) and library code keep the C library's defaults.
"""

import ctypes
import sys

# mallopt's parameters (glibc's malloc.h) and the size kept: no freed block under it is
# unmapped, no free top of the heap under it trimmed
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Have glibc's malloc serve blocks of up to `KEPT_BYTES` from its heap and keep what is
    freed there for reuse; False (nothing changed) on any other C library."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the process's own C library
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # mallopt's parameter numbers are glibc's
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, KEPT_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, KEPT_BYTES)
    )
