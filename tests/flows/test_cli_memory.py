"""A pipeline command's process keeps freed memory for reuse (flows/cli_memory.py): a large
block allocated again costs no new pages; without it, every page again."""

import subprocess
import sys

import pytest

# Allocates 64 MiB (a bytearray: every page written), frees it, allocates it again and
# prints the page faults of the second allocation.
AGAIN = """
import resource, sys
from flows.cli_memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "kept" else False
block = bytearray(64 << 20)
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(64 << 20)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
PAGES = (64 << 20) // 4096


def _second_allocation(mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", AGAIN, mode], capture_output=True, text=True, check=True
    )
    kept, faults = done.stdout.split()
    return kept, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_memory_is_reused_without_new_pages():
    assert _second_allocation("kept") == ("True", pytest.approx(0, abs=PAGES // 10))
    kept, faults = _second_allocation("default")
    assert kept == "False" and faults > PAGES // 2
