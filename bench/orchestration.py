"""What Prefect costs on top of the plain functions: server start and per flow-run overhead.

The parent (`measure_prefect`) runs one child case twice: with Prefect's temporary server
(no PREFECT_API_URL: the first flow call starts it) and against a `prefect server` it starts
on 127.0.0.1 first. The child (`python bench/orchestration.py --n N --json F`) runs the same
work three times on fresh SQLite databases: the plain functions (ingest + aggregate + bundle),
then the `ingest` and `report` flows twice. First flow run minus second = server start (when
temporary); second minus plain = per-run orchestration overhead (task and flow runs, state
reports, logs, and the flow heartbeat when PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import source_dir  # noqa: E402
from bench.measure import scratch_database  # noqa: E402
from bench.pipeline import YEAR  # noqa: E402
from infra.seaweed import free_port_pair  # noqa: E402

SERVER_START_TIMEOUT = 120.0


def _plain(source: Path, db_url: str, out: Path) -> float:
    """Seconds for ingest + aggregate + bundle through the plain functions."""
    from models.db import get_engine, upgrade
    from tasks.ingest.sources import open_source
    from tasks.pipeline import build_report, ingest_source

    engine = get_engine(db_url)
    started = time.perf_counter()
    upgrade(engine)
    result = ingest_source(open_source(str(source)), engine)
    build_report(engine, YEAR, out, data_dir=out, ingestion_id=result.ingestion_id)
    return time.perf_counter() - started


def _flows(source: Path, db_url: str, out: Path) -> float:
    """Seconds for the same work through the `ingest` and `report` flows."""
    from flows.ingest import ingest
    from flows.report import report
    from models.db import get_engine, upgrade

    started = time.perf_counter()
    upgrade(get_engine(db_url))  # the flows' caller brings the schema up to date
    result = ingest(str(source), db_url)
    report(year=YEAR, db_url=db_url, out=str(out), ingestion_id=result.ingestion_id)
    return time.perf_counter() - started


def child(n: int, work: Path) -> dict:
    """Plain once, flows twice, each on a fresh SQLite database."""
    source = source_dir(n)
    times = {}
    for name, run in (("plain", _plain), ("flows_first", _flows), ("flows_second", _flows)):
        with scratch_database("sqlite", work) as db_url:
            times[name] = run(source, db_url, work / name)
    return times


def _start_server(home: Path) -> tuple[subprocess.Popen, str, float]:
    """Start `prefect server` on 127.0.0.1; return it, its API URL and its start seconds."""
    port = free_port_pair(set())
    api = f"http://127.0.0.1:{port}/api"
    log = (home / "server.log").open("ab")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host",
         "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"],
        env=_prefect_env(home), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    while time.monotonic() - started < SERVER_START_TIMEOUT:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited at start (see {home / 'server.log'})")
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=1) as answer:
                if answer.status == 200:
                    return process, api, time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    _stop(process)
    raise RuntimeError(f"prefect server did not answer within {SERVER_START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started (its process group), waiting for it to exit."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(5)


def _prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment with Prefect's state in `home` and, when given, a server's API URL."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _run_child(n: int, env: dict[str, str], work: Path) -> dict:
    out = work / f"prefect-{time.monotonic_ns()}.json"
    subprocess.run(
        [sys.executable, __file__, "--n", str(n), "--json", str(out)], env=env, check=True
    )
    return json.loads(out.read_text())


def measure_prefect(n: int, work: Path) -> list[dict]:
    """Records of Prefect's fixed costs (temporary server, running server) on size n."""
    home = work / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    heartbeat = os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "off (default)")
    temporary = _run_child(n, _prefect_env(home), work)
    process, api, server_start = _start_server(home)
    try:
        running = _run_child(n, _prefect_env(home, api), work)
    finally:
        _stop(process)
    common = {"backend": "sqlite", "n": n, "heartbeat_frequency": heartbeat}
    return [
        {**common, "stage": "prefect temporary server start",
         "seconds": round(temporary["flows_first"] - temporary["flows_second"], 3)},
        {**common, "stage": "prefect per-run overhead (temporary server)",
         "seconds": round(temporary["flows_second"] - temporary["plain"], 3), **temporary},
        {**common, "stage": "prefect server start (prefect server start)",
         "seconds": round(server_start, 3)},
        {**common, "stage": "prefect per-run overhead (running server)",
         "seconds": round(running["flows_second"] - running["plain"], 3), **running},
    ]  # fmt: skip


def main() -> None:
    """Child: time plain vs flows on size --n, write the times to --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prm-prefect-", dir=ROOT / "bench" / ".data") as work:
        times = child(args.n, Path(work))
    args.json.write_text(json.dumps({k: round(v, 3) for k, v in times.items()}))


if __name__ == "__main__":
    main()
