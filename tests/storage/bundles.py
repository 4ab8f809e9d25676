"""Small report bundles on disk for the storage tests."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path


def make_bundle(
    folder: Path,
    *,
    signed: int = 89,
    total: float = 1500000.5,
    when: str = "",
    parameters: dict | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A small bundle: metrics.json, charts, tables, a report and a manifest listing them
    (with the run's `parameters`, when given, and the `extra` files)."""
    files = {
        "metrics.json": json.dumps(
            {"year": 2024, "agreements": {"signed": signed}, "financial_usd": {"total": total}}
        ).encode(),
        "charts/by_region.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "charts/by_region.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "tables/by_region.csv": f"code,agreements\nAFR,{signed}\n".encode(),
        "report.html": "<html><body>Rapport ünicode</body></html>".encode(),
        **(extra or {}),
    }
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    entries = [
        {"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
        for p, d in files.items()
    ]
    manifest = {"files": entries, "created_at": when or datetime.now(UTC).isoformat()}
    if parameters is not None:
        manifest["parameters"] = parameters
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder
