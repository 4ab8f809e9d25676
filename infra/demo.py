"""`make demo`: the whole pipeline on the bundled sample, with a local object store.

Starts a SeaweedFS S3 server on 127.0.0.1 with demo credentials (data in var/demo-s3),
runs `prm run` on data/sample for 2024 into the embedded SQLite database, lists the
published runs, fetches the bundle back with every checksum verified, and stops the server.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.seaweed import LocalS3  # noqa: E402

DEMO_ACCESS_KEY = "prm-demo"
DEMO_SECRET_KEY = "prm-demo-secret-not-for-production"
BUCKET = "prm-demo"
YEAR = "2024"


def prm(*args: str, env: dict[str, str]) -> None:
    """Run one `prm` command, echoing it; stop the demo if it fails."""
    command = [str(Path(sys.executable).with_name("prm")), *args]
    print(f"\n$ prm {' '.join(args)}", flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"demo stopped: `prm {args[0]}` exited {completed.returncode}")


def main() -> None:
    """Start the local store, run the pipeline, fetch the bundle back, stop the store."""
    with LocalS3(ROOT / "var" / "demo-s3", DEMO_ACCESS_KEY, DEMO_SECRET_KEY) as s3:
        print(f"Local S3 server (SeaweedFS) at {s3.endpoint_url}, bucket {BUCKET}", flush=True)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_KEY,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "PRM_S3_ENDPOINT_URL": s3.endpoint_url,
            "PRM_S3_BUCKET": BUCKET,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        out = ROOT / "out" / "demo"
        prm("run", "--source", "data/sample", "--year", YEAR, "--out", str(out), env=env)
        prm("runs", "--year", YEAR, env=env)
        prm("fetch", "--year", YEAR, "--dest", str(ROOT / "out" / "demo-fetched"), env=env)
    print(
        f"\nDemo done. The TDAG document: {out / 'report.docx'} and {out / 'report.pdf'}"
        f" (annex {out / 'annex_inf1.docx'}); the web report {out / 'report.html'}"
        f" (metrics: {out / 'metrics.json'})."
    )


if __name__ == "__main__":
    main()
