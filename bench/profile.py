"""Profile the benchmark pipeline stage by stage with pyinstrument (where the time goes).

    .venv/bin/python bench/profile.py --backend sqlite --n 1000000 [--out bench/.data/profile]

Runs the same stages as `bench/case.py pipeline` (fresh database, local bundle; publishing
is skipped unless PRM_S3_* point at a server) and writes, per stage, a text tree and an HTML
page into --out. Sampling slows the code down by 10-40 %: read the shares, not the seconds.
"""

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pyinstrument import Profiler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.pipeline as pipeline  # noqa: E402
from bench.generate import source_dir  # noqa: E402
from bench.measure import Stage, scratch_database, stage  # noqa: E402


def profiled_stages(out: Path, skip: set[str]):
    """A replacement for `bench.measure.stage` that also profiles each stage into `out`."""

    @contextmanager
    def profiled(name: str, into: list[Stage]) -> Iterator[Stage]:
        if name in skip:
            raise _Skipped(name)
        profiler = Profiler(interval=0.002)
        with stage(name, into) as record:
            profiler.start()
            try:
                yield record
            finally:
                profiler.stop()
        slug = name.split(" ")[0].replace("+", "_")
        (out / f"{slug}.txt").write_text(profiler.output_text(unicode=False, color=False))
        (out / f"{slug}.html").write_text(profiler.output_html())
        print(f"  {name:22} {record.seconds:7.2f} s  -> {out / slug}.txt", flush=True)

    return profiled


class _Skipped(Exception):
    """Raised to stop the pipeline at a stage that is not wanted (publish without S3)."""


def main() -> None:
    """Command line: one backend, one size, every stage profiled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".data" / "profile")
    parser.add_argument("--publish", action="store_true", help="also profile publishing")
    args = parser.parse_args()
    out = args.out / f"{args.backend}-{args.n}"
    out.mkdir(parents=True, exist_ok=True)
    source = source_dir(args.n)
    pipeline.stage = profiled_stages(out, set() if args.publish else {"publish"})
    stages: list[Stage] = []
    scratch = ROOT / "bench" / ".data"
    with (
        tempfile.TemporaryDirectory(prefix="prm-profile-", dir=scratch) as work,
        scratch_database(args.backend, Path(work)) as db_url,
        suppress(_Skipped),
    ):
        pipeline.run_pipeline(source, db_url, Path(work) / "bundle", stages)


if __name__ == "__main__":
    main()
