"""Progress of a `prm` command: bars per stage on a terminal, one plain line per stage otherwise.

The pipeline reports through a callback `progress(stage, done, total, detail)`
(`tasks.pipeline.Progress`); this module only shows it.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from tasks.pipeline import Progress

UNITS = {
    "read": "bytes",
    "validate": "rows validated",
    "load": "rows loaded",
    "charts": "chart files",
    "documents": "documents",
    "upload": "objects uploaded",
}


class PlainLines:
    """One line per finished stage (`read: 4 file(s), 35.2 kB`), for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.stage: str | None = None
        self.done = 0
        self.detail = ""

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if stage != self.stage:
            self.flush()
        self.stage, self.done, self.detail = stage, done, detail

    def flush(self) -> None:
        """Print the line of the stage in progress, if any."""
        if self.stage is None:
            return
        if self.stage == "read":
            files = self.detail.split(",", 1)[0]
            line = f"read: {files}, {self.done / 1024:.1f} kB"
        else:
            detail = f" ({self.detail})" if self.stage in ("validate", "load") else ""
            line = f"{self.stage}: {self.done} {UNITS[self.stage]}{detail}"
        self.console.print(line, markup=False, highlight=False)
        self.stage = None


class Bars:
    """A rich progress bar per stage, updated as the pipeline reports."""

    def __init__(self, progress: RichProgress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or None)
        task = self.tasks[stage]
        label = f"{stage}: {detail}" if detail else stage
        self.progress.update(task, completed=done, total=total or done, description=label)


@contextmanager
def progress_display(console: Console) -> Iterator[Progress]:
    """A progress callback for the command's stages: bars on a terminal, else plain lines."""
    if not sys.stdout.isatty():
        lines = PlainLines(console)
        try:
            yield lines
        finally:
            lines.flush()
        return
    columns = (
        TextColumn("{task.description:<40.40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=console) as progress:
        yield Bars(progress)
