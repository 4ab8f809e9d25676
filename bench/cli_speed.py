"""How fast `prm` answers: a whole run on the sample against the import floor, and each check.

    python bench/cli_speed.py [--runs 3] [--json out.json]

Measured in the same run, each a fresh process (median of `--runs`):
- the import floor: `python -c "import pandas, matplotlib.pyplot, sqlalchemy, boto3"`;
- `prm run --source data/sample --year 2024 --no-upload` in-process (no PREFECT_API_URL), each
  time into an empty data folder (a first run: read, validate, load, report);
- every check made before work failing: missing source, no bucket, refused credentials,
  unreachable S3 endpoint, a PostgreSQL port nobody listens on, an unreachable database
  host, a year later than the current one (target: each <= 2 s).
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.seaweed import LocalS3  # noqa: E402

PRM = str(Path(sys.executable).with_name("prm"))
FLOOR = [sys.executable, "-c", "import pandas, matplotlib.pyplot, sqlalchemy, boto3"]
SAMPLE = str(ROOT / "data" / "sample")


CPU: list[float] = []  # CPU seconds (user + system) of each process timed, in order


def seconds(command: list[str], env: dict[str, str], expect: int) -> float:
    """Wall seconds of one process (its CPU seconds go to CPU); it must exit with `expect`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != expect:
        raise SystemExit(f"{command[:3]} exited {done.returncode}: {done.stderr[-500:]}")
    return took


def cpu_median(runs: int) -> float:
    """Median CPU seconds of the last `runs` processes timed."""
    return statistics.median(CPU[-runs:])


def median(command: list[str], env: dict[str, str], runs: int, expect: int = 0) -> float:
    """Median wall seconds of `runs` processes."""
    return statistics.median(seconds(command, env, expect) for _ in range(runs))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(work: Path) -> dict[str, str]:
    """This environment without Prefect's API and with prm's data in `work`."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return env | {"PRM_DATA_DIR": str(work / "var"), "AWS_EC2_METADATA_DISABLED": "true"}


def run_seconds(work: Path, runs: int) -> float:
    """Median of `prm run` on the sample, each into an empty data folder."""
    times = []
    for number in range(runs):
        env = base_env(work) | {"PRM_DATA_DIR": str(work / f"run-{number}")}
        command = [PRM, "run", "--source", SAMPLE, "--year", "2024", "--no-upload"]
        times.append(seconds(command, env, 0))
    return statistics.median(times)


def check_seconds(work: Path, runs: int) -> dict[str, float]:
    """Median seconds of each check failing (exit 1), against a real S3 server."""
    env = base_env(work)
    run = [PRM, "run", "--source", SAMPLE, "--year", "2024", "--db", f"sqlite:///{work}/c.db"]
    with LocalS3(work / "s3", "bench-access", "bench-secret") as s3:
        s3_env = env | {
            "AWS_ACCESS_KEY_ID": "bench-access",
            "AWS_SECRET_ACCESS_KEY": "not-the-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PRM_S3_ENDPOINT_URL": s3.endpoint_url,
            "PRM_S3_BUCKET": "bench",
        }
        cases = {
            "missing source folder": (run[:3] + [str(work / "nope")] + run[4:], env),
            "no bucket to upload to": (run, env | {"PRM_S3_BUCKET": ""}),
            "credentials refused": (run, s3_env),
            "S3 endpoint unreachable": (
                [*run, "--endpoint-url", f"http://127.0.0.1:{free_port()}"],
                s3_env,
            ),
            "database port closed": (
                run[:-1] + [f"postgresql://prm@127.0.0.1:{free_port()}/prm", "--no-upload"],
                env,
            ),
            "database host unreachable": (
                run[:-1] + ["postgresql://prm@10.255.255.1:5432/prm", "--no-upload"],
                env,
            ),
            "year later than this one": (
                [*run[:5], str(datetime.now(UTC).year + 1), *run[6:], "--no-upload"],
                env,
            ),
        }
        return {name: median(cmd, case_env, runs, 1) for name, (cmd, case_env) in cases.items()}


def demo_seconds() -> float:
    """Wall seconds of `make demo`'s script (the venv exists), once."""
    return seconds([sys.executable, str(ROOT / "infra" / "demo.py")], dict(os.environ), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--demo", action="store_true", help="also time infra/demo.py once")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prm-cli-speed-") as folder:
        work = Path(folder)
        floor = median(FLOOR, base_env(work), args.runs)
        floor_cpu = cpu_median(args.runs)
        run = run_seconds(work, args.runs)
        run_cpu = cpu_median(args.runs)
        checks = check_seconds(work, args.runs)
    demo = demo_seconds() if args.demo else None
    print(f"load average at the start: {load:.1f} ({os.cpu_count()} cores)")
    print(f"import floor (pandas, matplotlib.pyplot, sqlalchemy, boto3): {floor:.2f} s")
    print(f"  (CPU {floor_cpu:.2f} s)")
    print(
        f"prm run --source data/sample --year 2024 --no-upload: {run:.2f} s (CPU {run_cpu:.2f} s)"
    )
    print(f"ratio: {run / floor:.2f}x the import floor (target <= 3x)")
    for name, took in checks.items():
        print(f"check fails, {name}: {took:.2f} s (target <= 2 s)")
    if demo is not None:
        print(f"make demo (infra/demo.py): {demo:.2f} s (CPU {CPU[-1]:.2f} s; target <= 15 s)")
    if args.json:
        result = {"load": load, "floor_s": floor, "run_s": run, "ratio": run / floor}
        result |= {"floor_cpu_s": floor_cpu, "run_cpu_s": run_cpu, "checks_s": checks}
        result |= {"demo_s": demo}
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
