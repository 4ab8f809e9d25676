"""tables.xlsx built in a child Python process while the caller renders the rest of the bundle.

XlsxWriter is pure Python: the workbook of a large year (a 55 000-row agreement list, 16
columns) takes ~4 s of one core, most of the documents stage, while charts, CSVs and the
report pages take ~1.5 s of the other. A child process runs `xlsx.xlsx_bytes` on the
second core. It is a plain `python -m tasks.report.workbook` (not multiprocessing: no fork of a
process with Prefect's threads, no re-import of the caller's main module); the tables go to
it pickled on stdin (trusted data, from this very process) and the workbook's bytes come back
on stdout, identical to what `xlsx.xlsx_bytes` gives in-process.

Small workbooks are built in-process: starting Python and importing pandas costs ~0.5 s.
A child that fails is reported and the workbook built in-process, so the bundle is the same.
"""

import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from tasks.report.xlsx import xlsx_bytes

log = logging.getLogger(__name__)

# Tables with at least this many rows in all are written by a child process.
CHILD_MIN_ROWS = 20_000
CHILD_TIMEOUT_S = 600


def start_xlsx(
    tables: dict[str, pd.DataFrame], *, child_min_rows: int = CHILD_MIN_ROWS
) -> Callable[[], bytes]:
    """Start building the workbook of `tables`; returns the call that waits for its bytes."""
    if sum(len(table) for table in tables.values()) < child_min_rows:
        content = xlsx_bytes(tables)
        return lambda: content
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-xlsx")
    future = executor.submit(_in_child, tables)
    executor.shutdown(wait=False)

    def result() -> bytes:
        try:
            return future.result()
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("tables.xlsx child process failed, building it here: %s", exc)
            return xlsx_bytes(tables)

    return result


def _in_child(tables: dict[str, pd.DataFrame]) -> bytes:
    """The workbook's bytes from `python -m tasks.report.workbook` (this interpreter, this path)."""
    done = subprocess.run(
        [sys.executable, "-m", "tasks.report.workbook"],
        input=pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL),
        capture_output=True,
        check=False,
        timeout=CHILD_TIMEOUT_S,
        env=_child_environment(),
    )
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise subprocess.SubprocessError(
            f"exit {done.returncode}: {error[-1] if error else 'no message'}"
        )
    return done.stdout


def _child_environment() -> dict[str, str]:
    """This process's environment, with its import path so the child finds `tasks`."""
    paths = [path for path in sys.path if path]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def main() -> None:
    """Child side: pickled tables on stdin, workbook bytes on stdout."""
    tables = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(xlsx_bytes(tables))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
