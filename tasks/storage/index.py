"""The bucket's index: `PREFIX/index.json` and `PREFIX/index.html`, every year and every run.

Rebuilt from the bucket's contents after each publish (and by `prm index`). Links are relative
to the index (`2024/<run_id>/report.html`), so the page works wherever the prefix is served:
the storage's HTTP endpoint, a website endpoint or a reverse proxy. The page is static HTML
(no JavaScript) rendered with autoescaping, so a partner or run name cannot inject markup.

The write is optimistic and forward-only, like latest.json: index.json is replaced with a
conditional PUT (If-Match the ETag read before the bucket was listed), so an index built from
an older listing never replaces one built from a newer listing; on a conflict the bucket is
listed again. Each object is written whole by one PUT: a failure leaves the previous one.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from botocore.exceptions import ClientError
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tasks.errors import StorageError
from tasks.report.documents import usd_million_words
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, error_code, read_object, s3_errors
from tasks.storage.publish import json_or_empty
from tasks.storage.retrieve import RunInfo, list_runs, published_years

TITLE = "ITU-D partnerships and resource mobilization: published reports"
# bundle files linked from the index when the run has them, with their link text
LINKED_FILES = {
    "report.html": "Report (HTML)",
    "report.pdf": "Report (PDF)",
    "report.docx": "Report (Word)",
    "tables.xlsx": "Tables (XLSX)",
}
BUNDLE_TEXT = "Bundle (manifest.json)"
TEMPLATES_DIR = Path(__file__).parent / "templates"
_CONFLICTS = ("PreconditionFailed", "ConditionalRequestConflict")
_ATTEMPTS = 5


def _entry(run: RunInfo, bucket: str, prefix: str) -> dict:
    """A run as index.json lists it, its links relative to the index. A run that does not
    match its manifest is marked `damaged` (why), with no figures and no file links."""
    folder = f"{run.year}/{run.run_id}/"
    links = {name: folder + quote(name) for name in LINKED_FILES if name in run.files}
    links["bundle"] = folder + s3keys.MANIFEST_NAME
    entry = {
        "run_id": run.run_id,
        "run_time": run.run_time,
        "headline": {
            "agreements.signed": run.agreements_signed,
            "financial_usd.total": run.financial_usd_total,
        },
        "links": links,
        "uri": f"s3://{bucket}/{s3keys.bundle_prefix(prefix, run.year, run.run_id)}",
    }
    return entry | ({"damaged": run.problem} if run.problem else {})


def build_index(runs: list[RunInfo], *, bucket: str, prefix: str, updated_at: str) -> dict:
    """index.json: each year (newest first) with its latest run and its earlier runs.

    Args:
        runs: the runs `list_runs` finds; incomplete uploads are left out. A year's latest
            is the run its latest.json names, else its newest run.
        bucket, prefix: where the index lives, for each run's s3:// location.
        updated_at: when the index was built (ISO 8601).
    """
    complete = [run for run in runs if run.complete]
    years = []
    for year in sorted({run.year for run in complete}, reverse=True):
        of_year = sorted(
            (r for r in complete if r.year == year),
            key=lambda r: (r.run_time or "", r.run_id),
            reverse=True,
        )
        newest = next((r for r in of_year if r.latest), of_year[0])
        years.append(
            {
                "year": year,
                "latest": _entry(newest, bucket, prefix),
                "earlier": [_entry(r, bucket, prefix) for r in of_year if r is not newest],
            }
        )
    return {"updated_at": updated_at, "bucket": bucket, "prefix": prefix, "years": years}


def _headline_text(figures: dict) -> tuple[str, str, str]:
    """'89 agreements, USD 33.8 million', and the two figures alone, from a run's headline."""
    signed, usd = figures.get("agreements.signed"), figures.get("financial_usd.total")
    agreements = "–" if signed is None else str(signed)
    money = "–" if not isinstance(usd, int | float) else f"{usd / 1e6:,.2f}"
    words = usd_million_words(usd) if isinstance(usd, int | float) else "USD –"
    noun = "agreement" if signed == 1 else "agreements"
    return f"{agreements} {noun}, {words}", agreements, money


def _when(run_time: str) -> str:
    """A run time as the page prints it: '2025-02-01 06:00 UTC' (as stored if unreadable)."""
    try:
        when = datetime.fromisoformat(run_time)
    except (TypeError, ValueError):
        return str(run_time)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _view(entry: dict) -> dict:
    """What the page prints of one run (the template escapes every value)."""
    text, agreements, usd = _headline_text(entry["headline"])
    if damaged := entry.get("damaged"):
        text = agreements = f"damaged, does not match its manifest ({damaged})"
    links = [
        {"href": href, "text": LINKED_FILES.get(name, BUNDLE_TEXT)}
        for name, href in entry["links"].items()
    ]
    return {**entry, "run_time": _when(entry["run_time"]), "headline_text": text,
            "agreements_text": agreements, "usd_text": usd, "link_list": links}  # fmt: skip


def render_index_html(index: dict) -> str:
    """index.html: a static page of every year's latest run and earlier runs, values escaped."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    years = [
        {**y, "latest": _view(y["latest"]), "earlier": [_view(r) for r in y["earlier"]]}
        for y in index["years"]
    ]
    page = environment.get_template("index.html.j2")
    return page.render(title=TITLE, updated_at=_when(index["updated_at"]), years=years)


def scan_runs(store: ObjectStore) -> list[RunInfo]:
    """Every run under the store's prefix, every year."""
    client, bucket = store.client, s3keys.check_bucket(store.bucket)
    years = published_years(client, bucket, store.prefix)
    return [run for year in years for run in list_runs(year, store)]


def _put(client, bucket: str, key: str, body: bytes, kind: str, etag: str | None) -> str | None:
    """PUT `body` if the object's ETag is still `etag` (None: if absent); its new ETag, or None."""
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    try:
        response = client.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=kind, **condition
        )
    except ClientError as exc:
        if error_code(exc) in _CONFLICTS:
            return None
        raise
    return response["ETag"]


def _etag(client, bucket: str, key: str) -> str | None:
    """The object's ETag, None when it does not exist."""
    try:
        return client.head_object(Bucket=bucket, Key=key)["ETag"]
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _write_html(client, bucket: str, keys: tuple[str, str], page: bytes, json_etag: str) -> None:
    """Replace index.html while index.json is still the one this update wrote."""
    json_key, html_key = keys
    for _ in range(_ATTEMPTS):
        if _etag(client, bucket, json_key) != json_etag:
            return  # a newer index.json exists: its writer writes the page that goes with it
        if _put(client, bucket, html_key, page, "text/html; charset=utf-8",
                _etag(client, bucket, html_key)):  # fmt: skip
            return
    raise StorageError(f"s3://{bucket}/{html_key} kept changing while updating the index")


def update_index(store: ObjectStore, now: datetime | None = None) -> bool:
    """Rebuild index.json and index.html from the bucket; False when nothing changed.

    Raises StorageError when the store fails or the index keeps changing under us; the
    previous index objects are then left as they were.
    """
    client, bucket = store.client, s3keys.check_bucket(store.bucket)
    keys = (s3keys.index_key(store.prefix, s3keys.INDEX_JSON_NAME),
            s3keys.index_key(store.prefix, s3keys.INDEX_HTML_NAME))  # fmt: skip
    with s3_errors(store, f"updating the index s3://{bucket}/{keys[0]}"):
        for _ in range(_ATTEMPTS):
            found = read_object(client, bucket, keys[0])
            when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            runs = scan_runs(store)
            index = build_index(runs, bucket=bucket, prefix=store.prefix, updated_at=when)
            current = json_or_empty(found[0]) if found else {}
            unchanged = {**current, "updated_at": when} == index
            if unchanged and _etag(client, bucket, keys[1]) is not None:
                return False
            body = (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            etag = found[1]["ETag"] if found else None
            if (written := _put(client, bucket, keys[0], body, "application/json", etag)) is None:
                continue  # another publish wrote the index since we read it: list again
            page = render_index_html(index).encode("utf-8")
            _write_html(client, bucket, keys, page, written)
            return True
    raise StorageError(f"s3://{bucket}/{keys[0]} kept changing while updating the index")
