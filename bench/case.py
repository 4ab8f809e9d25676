"""Run one benchmark case in this process and write its records as JSON (for bench/run.py).

    python bench/case.py pipeline --backend sqlite --n 100000 --json out.json
    python bench/case.py baselines --backend postgresql --n 100000 --json out.json
    python bench/case.py ingest --backend sqlite --n 1000000 --json out.json

A record is {"backend", "n", "stage", "seconds", "peak_rss_mb", ...}; the pipeline's records
are its stages, the baselines' are `raw load`, `naive load` and `naive load, commit per row`
(`naive load` on every row; the commit-per-row one scaled from a subset: `measured_rows`,
`measured_seconds` say on what); the ingest case's are `plain csv load` and `ingest` (the
medians of alternated repetitions, each in a fresh database) with their ratio.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import baselines  # noqa: E402
from bench.generate import source_dir  # noqa: E402
from bench.measure import Stage, peak_rss_mb, reset_peak, scratch_database  # noqa: E402
from bench.pipeline import changed_rerun, run_pipeline, unchanged_rerun  # noqa: E402
from models.db import get_engine, upgrade  # noqa: E402
from tasks.ingest.known import known_keys  # noqa: E402
from tasks.ingest.read import read_source  # noqa: E402
from tasks.ingest.sources import open_source  # noqa: E402
from tasks.ingest.validate import validate  # noqa: E402
from tasks.pipeline import ingest_source  # noqa: E402

NAIVE_COMMIT_EACH_ROWS = 2_000  # contributions in its subset (plus the rows they depend on)
INGEST_REPEATS = 3


def _record(backend: str, n: int, item: Stage) -> dict:
    return {
        "backend": backend,
        "n": n,
        "stage": item.name,
        "seconds": round(item.seconds, 4),
        "peak_rss_mb": round(item.peak_rss_mb, 1),
        **item.extra,
    }


def pipeline_case(backend: str, n: int, work: Path) -> list[dict]:
    """The pipeline's stages and the unchanged re-run, with the process's peak memory."""
    source = source_dir(n)
    stages: list[Stage] = []
    with scratch_database(backend, work) as db_url:
        facts = run_pipeline(source, db_url, work / "bundle", stages)
        facts |= unchanged_rerun(source, db_url, facts, stages)
        facts |= changed_rerun(source, db_url, work, stages)
    records = [_record(backend, n, s) for s in stages]
    pipeline = [r for r in records if not r["stage"].startswith("rerun")]
    total = Stage("total (CSV -> published)", sum(r["seconds"] for r in pipeline))
    total.peak_rss_mb = max(r["peak_rss_mb"] for r in pipeline)
    total.extra = {"facts": facts}
    return [*records, _record(backend, n, total)]


def _validated_rows(source: Path, backend: str, work: Path):
    """The validated rows of the source (what the pipeline loads), untimed."""
    with scratch_database(backend, work) as db_url:
        upgrade(get_engine(db_url))
        return validate(read_source(open_source(str(source))), known_keys(get_engine(db_url)))


def _naive(validated, backend: str, work: Path, rows: int | None, commit_each: bool) -> Stage:
    """The naive path on every row (`rows` None), or on a subset of `rows` contributions and
    scaled per row to every row loaded."""
    tables = validated.rows if rows is None else baselines.subset(validated, rows)
    with scratch_database(backend, work) as db_url:
        upgrade(get_engine(db_url))
        reset_peak()
        seconds, written = baselines.naive_load(tables, db_url, commit_each)
    total_rows = sum(len(f) for f in validated.rows.values())
    name = "naive load, commit per row" if commit_each else "naive load"
    scaled = written < total_rows
    return Stage(
        name,
        seconds / written * total_rows,
        peak_rss_mb(),
        {
            "scaled": scaled,
            "measured_rows": written,
            "measured_seconds": round(seconds, 4),
            "rows": total_rows,
        },
    )


def baselines_case(backend: str, n: int, work: Path) -> list[dict]:
    """Raw load and naive load of every validated row; naive with a commit per row on a
    subset, scaled."""
    validated = _validated_rows(source_dir(n), backend, work)
    total_rows = sum(len(f) for f in validated.rows.values())
    with scratch_database(backend, work) as db_url:
        upgrade(get_engine(db_url))
        reset_peak()
        seconds = baselines.raw_load(validated.rows, db_url)
        raw = Stage("raw load", seconds, peak_rss_mb(), {"rows": total_rows})
    stages = [raw, _naive(validated, backend, work, None, commit_each=False)]
    stages.append(_naive(validated, backend, work, NAIVE_COMMIT_EACH_ROWS, commit_each=True))
    return [_record(backend, n, s) for s in stages]


def _prm_ingest_seconds(source: Path, db_url: str, work: Path) -> float:
    """Wall seconds of the `prm ingest` command as a user runs it (a process of its own, no
    Prefect: interpreter start, imports, schema set-up, read, validate, load, its output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PRM_DATA_DIR": str(work / "var"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "flows.cli", "ingest", "--source", str(source)]
    started = time.perf_counter()
    done = subprocess.run([*command, "--db", db_url], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"prm ingest failed: {done.stderr[-1000:]}")
    return took


def ingest_case(backend: str, n: int, work: Path) -> list[dict]:
    """`ingest_source` (read, validate, load; schema set-up included) and the `prm ingest`
    command against the plain csv load of the same files into SQLite, alternated
    `INGEST_REPEATS` times, each in a fresh database, so all see the same machine; medians,
    and the median of each repeat's ratio to the plain load."""
    source = source_dir(n)
    plain, ingest, command = [], [], []
    for repeat in range(INGEST_REPEATS):
        database = work / f"plain-{repeat}.db"
        plain.append(baselines.plain_csv_sqlite(source, database))
        database.unlink()
        with scratch_database(backend, work) as db_url:
            started = time.perf_counter()
            engine = get_engine(db_url)
            upgrade(engine)
            ingest_source(open_source(str(source)), engine)
            ingest.append(time.perf_counter() - started)
        with scratch_database(backend, work) as db_url:
            command.append(_prm_ingest_seconds(source, db_url, work))
    return [
        _record(backend, n, _ingest_stage("plain csv load (SQLite)", plain)),
        _record(backend, n, _ingest_stage("ingest", ingest, plain)),
        _record(backend, n, _ingest_stage("prm ingest (command)", command, plain)),
    ]


def _ingest_stage(name: str, seconds: list[float], plain: list[float] | None = None) -> Stage:
    """The median of `seconds`, every repeat, and the median ratio to `plain`'s repeats."""
    extra: dict = {"each": [round(s, 4) for s in seconds]}
    if plain is not None:
        ratios = [s / p for s, p in zip(seconds, plain, strict=True)]
        extra = {"repeats": len(seconds), "ratio": round(statistics.median(ratios), 2)} | extra
    return Stage(name, statistics.median(seconds), 0.0, extra)


def main() -> None:
    """Command line: one case, its records written to --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("pipeline", "baselines", "ingest"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    cases = {"pipeline": pipeline_case, "baselines": baselines_case, "ingest": ingest_case}
    case = cases[args.kind]
    with tempfile.TemporaryDirectory(prefix="prm-bench-", dir=ROOT / "bench" / ".data") as work:
        records = case(args.backend, args.n, Path(work))
    args.json.write_text(json.dumps(records, indent=1, default=str))


if __name__ == "__main__":
    main()
