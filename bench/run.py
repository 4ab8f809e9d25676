"""`make bench`: time prm's pipeline on generated sources, print a table, write results.json.

    .venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
                                  [--no-baselines] [--no-prefect] [--json bench/results.json]

Each backend x size runs in a fresh process with a fresh database (PostgreSQL: a database of
its own at 127.0.0.1:5432, dropped afterwards) and publishes to one local S3 server
(SeaweedFS on 127.0.0.1) started here. Baselines (raw driver, naive ORM) load the same rows
in their own processes; Prefect's fixed costs are measured once, on the smallest size.
See bench/README.md for what each figure means and how long a full run takes.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import source_dir  # noqa: E402
from bench.orchestration import measure_prefect  # noqa: E402
from bench.report import machine, print_report  # noqa: E402
from infra.seaweed import LocalS3  # noqa: E402

DATA = ROOT / "bench" / ".data"
S3_ACCESS_KEY = "prm-bench"
BUCKET = "prm-bench"


def _case(kind: str, backend: str, n: int, env: dict[str, str], work: Path) -> list[dict]:
    """Run one case in its own process and return its records."""
    out = work / f"{kind}-{backend}-{n}.json"
    command = [sys.executable, str(ROOT / "bench" / "case.py"), kind, "--backend", backend]
    command += ["--n", str(n), "--json", str(out)]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    print(f"  {kind:9} {backend:10} n={n:>9,}  {time.perf_counter() - started:6.1f} s", flush=True)
    return json.loads(out.read_text())


def _s3_env(s3: LocalS3, prefix: str) -> dict[str, str]:
    """The environment that points prm's storage at the local server, and nowhere else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/prm-bench-aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/prm-bench-aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PRM_S3_ENDPOINT_URL": s3.endpoint_url,
        "PRM_S3_BUCKET": BUCKET,
        "PRM_S3_PREFIX": prefix,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def run(sizes: list[int], backends: list[str], baselines: bool, prefect: bool) -> dict:
    """Every case; returns the results document (machine, records, S3 start-up)."""
    DATA.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        source_dir(n)  # generate once, outside any timing
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="prm-bench-", dir=DATA) as scratch:
        work = Path(scratch)
        secret = f"prm-bench-{uuid.uuid4().hex}"
        with LocalS3(work / "s3", S3_ACCESS_KEY, secret) as s3:
            records.append(_s3_start_record(s3))
            for backend in backends:
                for n in sizes:
                    env = _s3_env(s3, f"bench/{backend}/n{n}")
                    records += _case("pipeline", backend, n, env, work)
                    if baselines:
                        records += _case("baselines", backend, n, env, work)
                        records += _case("ingest", backend, n, env, work)
        if prefect:
            print(f"  prefect   sqlite     n={min(sizes):>9,}  (temporary and running server)")
            records += measure_prefect(min(sizes), work)
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "sizes": sizes,
        "backends": backends,
        "records": records,
    }


def _s3_start_record(s3: LocalS3) -> dict:
    return {
        "backend": "-",
        "n": 0,
        "stage": "local S3 server start (SeaweedFS)",
        "seconds": round(s3.startup_seconds or 0.0, 3),
    }


def main() -> None:
    """Command line: run, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-prefect", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = [b.strip() for b in args.backends.split(",")]
    if shutil.which("weed") is None and not (Path(sys.executable).parent / "weed").exists():
        raise SystemExit("bench: SeaweedFS `weed` not found (make venv installs it)")
    print(f"prm benchmark on {platform.node()}: sizes {sizes}, backends {backends}", flush=True)
    started = time.perf_counter()
    results = run(sizes, backends, not args.no_baselines, not args.no_prefect)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    temporary = args.json.with_name(args.json.name + ".tmp")
    temporary.write_text(json.dumps(results, indent=1, default=str) + "\n")
    temporary.replace(args.json)
    print_report(results)
    print(f"\nwritten {args.json} ({results['wall_seconds']:.0f} s in all)")


if __name__ == "__main__":
    main()
