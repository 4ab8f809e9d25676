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

from flows.cli_options import Interruption
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
            shown = self.detail and self.stage in ("validate", "load")
            detail = f" ({self.detail})" if shown else ""
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


def noting(progress: Progress, interruption: Interruption) -> Progress:
    """`progress`, also keeping `interruption` saying what a Ctrl-C now would leave: the
    ingestion is kept once its load has committed (`load` done, "ingestion N"), and a
    bundle is published only once every file is uploaded and latest.json moved."""
    kept: list[str] = []

    def call(stage: str, done: int, total: int, detail: str = "") -> None:
        if stage == "load" and detail.startswith("ingestion"):
            kept[:] = [f"{detail} was kept (committed before the interruption)"]
        elif stage in ("charts", "documents"):
            interruption.note = "; ".join([*kept, "no bundle was published"])
        elif stage == "upload":
            cut = "publishing was cut (latest.json moves only after every file is uploaded)"
            interruption.note = "; ".join([*kept, cut])
        if stage == "load" and kept:
            interruption.note = kept[0]
        progress(stage, done, total, detail)

    return call


@contextmanager
def progress_display(
    console: Console, interruption: Interruption | None = None
) -> Iterator[Progress]:
    """A progress callback for the command's stages: bars on a terminal, else plain lines
    (the line of a stage cut by Ctrl-C is not printed). With `interruption`, what Ctrl-C
    would leave is kept up to date as the stages go."""
    if interruption is None:
        interruption = Interruption()
    if not sys.stdout.isatty():
        lines = PlainLines(console)
        try:
            yield noting(lines, interruption)
        except KeyboardInterrupt:
            lines.stage = None
            raise
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
        yield noting(Bars(progress), interruption)
