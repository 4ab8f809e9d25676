"""The report bundle on disk (contract section 5): the one module that writes the report's files.

Every file is written to a temporary name and renamed into place; `manifest.json` is removed
first and written last, so a bundle with a manifest is complete and one without is not.
Charts are saved without dates or random ids and the workbook with a fixed creation date, so
an unchanged re-run gives identical files; only manifest.json differs (its `created_at`).
"""

import io
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from models.codes import REASON_LABELS
from models.contract import REJECTION_COLUMNS
from models.metrics import Metrics
from tasks.manifest import MANIFEST_NAME, BundleFile, file_entry, file_problem
from tasks.report.annex import render_annex
from tasks.report.changes import (
    AGREEMENTS_TABLE,
    CHANGES_NAME,
    NotCompared,
    PreviousRun,
    changes_markdown,
    compute_changes,
)
from tasks.report.charts import build_charts
from tasks.report.content import build_content
from tasks.report.document_settings import DocumentSettings, load_document_settings
from tasks.report.pdf import render_pdf
from tasks.report.tables import build_tables, csv_bytes
from tasks.report.word import render_docx
from tasks.report.workbook import start_xlsx
from tasks.report.written import render_html, render_markdown

MANIFEST = MANIFEST_NAME
CHART_DPI = 200
ROOT_FILES = (
    "metrics.json",
    "report.md",
    "report.html",
    "report.docx",
    "report.pdf",
    "annex_inf1.docx",
    "rejections.csv",
    "tables.xlsx",
    CHANGES_NAME,
)
# folder -> suffixes of the files the bundle layout owns there
OWNED_DIRS = {"charts": (".png", ".svg"), "tables": (".csv",)}
TMP_PREFIX = ".prm-tmp-"
_DETERMINISTIC_SVG = {"svg.hashsalt": "prm", "svg.id": "prm-chart"}


def render_png(fig: Figure) -> bytes:
    """A chart as PNG at print resolution, with no metadata that changes between runs."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_svg(fig: Figure) -> bytes:
    """A chart as SVG without a date and with stable element ids."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(_DETERMINISTIC_SVG):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


class _Files(dict):
    """The bundle's files as they are made, each announced to `on_file` once it is."""

    def __init__(self, on_file: Callable[[str], None] | None) -> None:
        super().__init__()
        self.on_file = on_file

    def __setitem__(self, relpath: str, content: bytes) -> None:
        super().__setitem__(relpath, content)
        if self.on_file:
            self.on_file(relpath)


def bundle_files(
    metrics: Metrics,
    agreements: pd.DataFrame,
    rejections: pd.DataFrame,
    on_file: Callable[[str], None] | None = None,
    document: DocumentSettings | None = None,
    previous: PreviousRun | NotCompared | None = None,
) -> dict[str, bytes]:
    """Every file of the bundle but the manifest: POSIX relative path -> content.

    `on_file(path)` is called as each file is made (charts first), for progress; `document`
    is the TDAG document's header and contact (default: templates/report.toml); `previous`
    is the run changes.json compares with (None: no earlier run; NotCompared: why not).
    """
    tables = build_tables(metrics, agreements)
    sheets = {**tables, "rejections": _rejection_sheet(rejections)}
    workbook = start_xlsx(sheets)  # a large one is built by a child process meanwhile
    files = _Files(on_file)
    pngs: dict[str, bytes] = {}
    for name, fig in build_charts(metrics).items():
        pngs[name] = files[f"charts/{name}.png"] = render_png(fig)
        files[f"charts/{name}.svg"] = render_svg(fig)
    files["metrics.json"] = _json_bytes(metrics.model_dump(mode="json"))
    for name, table in tables.items():
        files[f"tables/{name}.csv"] = csv_bytes(table)
    changes = compute_changes(
        metrics.year, json.loads(files["metrics.json"]), files[AGREEMENTS_TABLE], previous
    )
    files[CHANGES_NAME] = _json_bytes(changes)
    section = changes_markdown(changes)  # the web report's, not the DOCX/PDF's
    content = build_content(metrics, document or load_document_settings(metrics.year))
    files["report.md"] = render_markdown(content, metrics, "charts", section).encode("utf-8")
    files["report.html"] = render_html(content, metrics, pngs, section).encode("utf-8")
    files["report.docx"] = render_docx(content, pngs)
    files["report.pdf"] = render_pdf(content, pngs)
    files["annex_inf1.docx"] = render_annex(content, agreements)
    files["rejections.csv"] = csv_bytes(_rejection_frame(rejections))
    files["tables.xlsx"] = workbook()
    return dict(files)


def write_bundle(
    out_dir: Path,
    *,
    metrics: Metrics,
    agreements: pd.DataFrame,
    rejections: pd.DataFrame,
    parameters: dict,
    input_fingerprint: str,
    code_version: str,
    on_file: Callable[[str], None] | None = None,
    document: DocumentSettings | None = None,
    previous: PreviousRun | NotCompared | None = None,
) -> Path:
    """Write the report bundle of `metrics` into `out_dir` and return that folder.

    Files of a previous bundle there that this one no longer has are removed; files the
    bundle layout does not own are left alone. `on_file(path)` is called as each file is made;
    `document` is the TDAG document's header and contact (default: templates/report.toml);
    `previous` is the run changes.json compares with.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    files = bundle_files(metrics, agreements, rejections, on_file, document, previous)
    for relpath, content in files.items():
        _write_atomic(out / relpath, content)
    _remove_stale(out, set(files))
    manifest = {
        "files": [file_entry(relpath, content) for relpath, content in sorted(files.items())],
        "parameters": parameters,
        "input_fingerprint": input_fingerprint,
        "code_version": code_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write_atomic(out / MANIFEST, _json_bytes(manifest))
    return out


def _json_bytes(data: object) -> bytes:
    """JSON, indented by 2, UTF-8, ending with a newline; unknown types (dates, paths) as text."""
    return (json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _rejection_frame(rejections: pd.DataFrame) -> pd.DataFrame:
    """The rejections with exactly the contract's columns, in order (empty keeps the header)."""
    return rejections.reindex(columns=list(REJECTION_COLUMNS))


def _rejection_sheet(rejections: pd.DataFrame) -> pd.DataFrame:
    """The rejections for the workbook: the reason's label beside its code."""
    sheet = _rejection_frame(rejections)
    labels = sheet["reason"].map(REASON_LABELS.get) if len(sheet) else sheet["reason"]
    sheet.insert(sheet.columns.get_loc("reason") + 1, "reason_label", labels)
    return sheet


def _write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def owned_files(bundle_dir: Path) -> set[str]:
    """The files present in `bundle_dir` that the bundle layout owns (manifest excluded)."""
    found = {name for name in ROOT_FILES if (bundle_dir / name).is_file()}
    for folder, suffixes in OWNED_DIRS.items():
        if (bundle_dir / folder).is_dir():
            found |= {
                f"{folder}/{p.name}"
                for p in (bundle_dir / folder).iterdir()
                if p.is_file() and p.suffix in suffixes and not p.name.startswith(TMP_PREFIX)
            }
    return found


def _remove_stale(bundle_dir: Path, written: set[str]) -> None:
    """Remove owned files this run did not write, and temporaries left by a crashed run."""
    for relpath in owned_files(bundle_dir) - written:
        (bundle_dir / relpath).unlink()
    for folder in (".", *OWNED_DIRS):
        if (bundle_dir / folder).is_dir():
            for leftover in (bundle_dir / folder).glob(f"{TMP_PREFIX}*"):
                leftover.unlink()


def _safe_relpath(relpath: object) -> bool:
    """True for a plain relative POSIX path that stays inside the bundle."""
    if not isinstance(relpath, str) or not relpath or "\\" in relpath:
        return False
    path = PurePosixPath(relpath)
    return not path.is_absolute() and ".." not in path.parts and relpath != MANIFEST


def _check_entry(bundle_dir: Path, entry: object) -> str | None:
    """The problem with one manifest entry, or None when the file matches it."""
    if not isinstance(entry, dict) or not _safe_relpath(entry.get("path")):
        return f"invalid manifest entry: {entry!r}"
    expected = BundleFile(entry["path"], entry.get("size"), entry.get("sha256"))
    return file_problem(bundle_dir / entry["path"], expected)


def verify_manifest(bundle_dir: Path) -> list[str]:
    """Problems of a bundle against its manifest (missing, altered, unlisted files); [] = OK."""
    bundle_dir = Path(bundle_dir)
    try:
        manifest = json.loads((bundle_dir / MANIFEST).read_text(encoding="utf-8"))
        entries = manifest["files"]
    except FileNotFoundError:
        return [f"{MANIFEST}: missing (the bundle is incomplete)"]
    except (ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST}: unreadable ({error})"]
    problems = [p for p in (_check_entry(bundle_dir, e) for e in entries) if p]
    listed = [e.get("path") for e in entries if isinstance(e, dict)]
    problems += [f"{path}: listed twice" for path in sorted(set(listed)) if listed.count(path) > 1]
    problems += [
        f"{path}: not in the manifest" for path in sorted(owned_files(bundle_dir) - set(listed))
    ]
    problems += [f"{name}: required but not listed" for name in ROOT_FILES if name not in listed]
    for key in ("parameters", "input_fingerprint", "code_version", "created_at"):
        if key not in manifest:
            problems.append(f"{MANIFEST}: no {key}")
    return problems
