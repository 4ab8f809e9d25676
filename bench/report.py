"""Print the benchmark's results: stage table, baselines with ratios, targets, Prefect's costs."""

import os
import platform
import subprocess

import pandas as pd
import sqlalchemy

STAGES = (
    "read+parse+validate",
    "load",
    "aggregate",
    "charts",
    "documents",
    "publish",
    "total (CSV -> published)",
    "rerun (unchanged, skipped)",
    "rerun (1 % changed)",
)
SHORT = {
    "read+parse+validate": "read+validate",
    "total (CSV -> published)": "TOTAL",
    "rerun (unchanged, skipped)": "rerun",
    "rerun (1 % changed)": "rerun 1%",
}
# Targets of the issue, for 1 M contributions on this 2-core machine.
TARGET_N = 1_000_000


def machine() -> dict:
    """The machine and software the figures come from."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": _postgres_version(),
        "git_commit": _git_commit(),
    }


def _postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0])
    except Exception:  # the benchmark may run without PostgreSQL (--backends sqlite)
        return "unavailable"


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def stage_table(records: list[dict]) -> pd.DataFrame:
    """Seconds per stage (columns) for each backend x N (rows), with the peak memory."""
    frame = pd.DataFrame([r for r in records if r["stage"] in STAGES])
    if frame.empty:
        return frame
    table = frame.pivot_table(index=["backend", "n"], columns="stage", values="seconds")
    table = table.reindex(columns=[s for s in STAGES if s in table.columns])
    peak = frame.groupby(["backend", "n"])["peak_rss_mb"].max()
    table["peak MiB"] = peak
    return table.rename(columns=SHORT)


def baseline_table(records: list[dict]) -> pd.DataFrame:
    """prm's load against the raw driver and the naive ORM, with the ratios."""
    frame = pd.DataFrame(records)
    wanted = ["load", "raw load", "naive load", "naive load, commit per row"]
    frame = frame[frame["stage"].isin(wanted)]
    if frame.empty or "raw load" not in set(frame["stage"]):
        return pd.DataFrame()
    table = frame.pivot_table(index=["backend", "n"], columns="stage", values="seconds")
    table = table.reindex(columns=wanted)
    table["load / raw"] = table["load"] / table["raw load"]
    table["naive / load"] = table["naive load"] / table["load"]
    table["naive(commit each) / load"] = table["naive load, commit per row"] / table["load"]
    return table


def target_lines(records: list[dict]) -> list[str]:
    """The issue's targets at 1 M contributions, met or not."""
    lines = []
    by = {(r["backend"], r["n"], r["stage"]): r for r in records}
    for backend in sorted({r["backend"] for r in records if r["n"] == TARGET_N}):

        def get(stage: str, backend: str = backend) -> dict | None:
            return by.get((backend, TARGET_N, stage))

        checks = [
            ("CSV -> published <= 30 s", get("total (CSV -> published)"), "seconds", 30),
            ("report (aggregate) <= 5 s", get("aggregate"), "seconds", 5),
            ("peak memory <= 2048 MiB", get("total (CSV -> published)"), "peak_rss_mb", 2048),
            ("unchanged re-run <= 3 s", get("rerun (unchanged, skipped)"), "seconds", 3),
        ]
        load, raw, naive = get("load"), get("raw load"), get("naive load")
        for what, record, key, limit in checks:
            if record:
                value = record[key]
                lines.append(f"{backend:10} {what:28} {value:9.2f}  {_ok(value <= limit)}")
        if load and raw:
            ratio = load["seconds"] / raw["seconds"]
            lines.append(f"{backend:10} {'load <= 3x raw':28} {ratio:8.2f}x  {_ok(ratio <= 3)}")
        if load and naive:
            ratio = naive["seconds"] / load["seconds"]
            lines.append(f"{backend:10} {'load >= 20x naive':28} {ratio:8.1f}x  {_ok(ratio >= 20)}")
        for stage, what in (("ingest", "ingest"), ("prm ingest (command)", "prm ingest")):
            record = get(stage)
            if record:
                what = f"{what} <= 3x plain csv load"
                ratio = record["ratio"]
                lines.append(f"{backend:10} {what:28} {ratio:8.2f}x  {_ok(ratio <= 3)}")
    return lines


def ingest_table(records: list[dict]) -> pd.DataFrame:
    """Ingestion (read, validate, load; in-process and as the `prm ingest` command) against
    the plain csv + executemany load of the same files into SQLite, medians of alternated
    repeats and the median of their ratios."""
    ingest = [r for r in records if r["stage"] == "ingest"]
    by_case = {(r["backend"], r["n"], r["stage"]): r for r in records}
    rows = []
    for r in ingest:
        plain = by_case.get((r["backend"], r["n"], "plain csv load (SQLite)"))
        if plain is None:
            continue
        command = by_case.get((r["backend"], r["n"], "prm ingest (command)"), {})
        rows.append(
            {
                "backend": r["backend"],
                "n": r["n"],
                "ingest": r["seconds"],
                "prm ingest": command.get("seconds"),
                "plain csv (SQLite)": plain["seconds"],
                "ingest / plain": r["ratio"],
                "prm ingest / plain": command.get("ratio"),
            }
        )
    return pd.DataFrame(rows).set_index(["backend", "n"]) if rows else pd.DataFrame()


def _ok(met: bool) -> str:
    return "met" if met else "NOT MET"


def print_report(results: dict) -> None:
    """The whole report on stdout."""
    records = results["records"]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"\nmachine: {results['machine']}")
    print("\nseconds per stage (plain functions, no orchestrator; peak = max over stages):")
    print(stage_table(records).round(2).to_string())
    baselines = baseline_table(records)
    if not baselines.empty:
        print("\nloading: prm vs raw driver vs naive ORM (commit per row: scaled from a subset):")
        print(baselines.round(2).to_string())
    ingest = ingest_table(records)
    if not ingest.empty:
        print("\ningestion vs the plain csv reader + executemany into SQLite (medians, same runs):")
        print(ingest.round(2).to_string())
    lines = target_lines(records)
    if lines:
        print(f"\ntargets at N = {TARGET_N:,}:")
        print("\n".join(lines))
    fixed = [r for r in records if r["stage"].startswith(("prefect", "local S3"))]
    if fixed:
        print("\nfixed costs, outside the stage figures:")
        print(
            "  "
            + "; ".join(f"{r['stage']}: {r['seconds']:.2f} s" for r in fixed)
            + f"; flow heartbeat: {fixed[-1].get('heartbeat_frequency', 'off (default)')}"
        )
