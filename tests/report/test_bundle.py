"""The report tables (neutralised CSV/XLSX) and the bundle on disk with its manifest."""

import hashlib
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from models.codes import PARTNER_TYPES, REGIONS
from models.contract import REJECTION_COLUMNS
from models.metrics import Metrics
from tasks.report import workbook
from tasks.report.bundle import MANIFEST, verify_manifest, write_bundle
from tasks.report.tables import (
    XML_ILLEGAL_CHARACTERS,
    build_tables,
    csv_bytes,
    neutralise,
    write_csv,
)
from tasks.report.xlsx import xlsx_bytes
from tests.fixtures_metrics import seed_agreements, seed_metrics

NASTY = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _nasty_frame() -> pd.DataFrame:
    return pd.DataFrame({"text": [*NASTY, "plain"], "usd": [-5.5, 1, 2, 3, 4, 5, 6]})


def test_neutralise():
    assert [neutralise(v) for v in NASTY] == ["'" + v for v in NASTY]
    assert neutralise("Plain - text") == "Plain - text"
    assert neutralise(-3.5) == -3.5 and neutralise(None) is None


def test_cells_lose_what_xml_cannot_hold_as_openpyxl_says():
    """prm's own copy of openpyxl's expression (openpyxl stays unloaded in a CSV run)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assert XML_ILLEGAL_CHARACTERS.pattern == ILLEGAL_CHARACTERS_RE.pattern
    every = "".join(map(chr, range(128)))
    assert XML_ILLEGAL_CHARACTERS.sub("", every) == ILLEGAL_CHARACTERS_RE.sub("", every)


def test_csv_neutralises_text_and_keeps_numbers(tmp_path):
    write_csv(_nasty_frame(), tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back["text"].iloc[:6]) == ["'" + v for v in NASTY]
    assert back["usd"].tolist() == [-5.5, 1, 2, 3, 4, 5, 6]
    assert pd.api.types.is_float_dtype(back["usd"])


def test_xlsx_neutralises_text_and_keeps_numbers(tmp_path):
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"nasty": _nasty_frame()})))["nasty"]
    assert [c.value for c in sheet[1]] == ["Text", "Signed financial contributions (USD)"]
    assert sheet["A1"].font.bold
    for text, usd in sheet.iter_rows(min_row=2):
        assert text.data_type != "f" and not str(text.value).startswith("=")
        assert usd.data_type == "n" and isinstance(usd.value, int | float)
    assert sheet["B2"].value == -5.5
    assert sheet["B2"].number_format == "#,##0.00"


def test_build_tables_puts_labels_beside_codes():
    tables = build_tables(seed_metrics(), seed_agreements())
    assert list(tables) == [
        "summary", "top_partners", "partners_by_type", "partners_by_membership",
        "by_region", "by_priority", "trend", "agreements", "financial_partners",
    ]  # fmt: skip
    assert tables["by_region"]["label"].tolist() == list(REGIONS.values())
    assert tables["partners_by_type"]["label"].tolist() == list(PARTNER_TYPES.values())
    membership = tables["partners_by_membership"].set_index("code")
    assert membership.loc["NONE", "partners"] == 42
    assert membership["partners"].sum() == 73
    agreements = tables["agreements"]
    at = agreements.columns.get_loc("region")
    assert agreements.columns[at + 1] == "region_label"
    assert agreements.loc[0, "partner_type_label"] == "Int'l & Reg. Org."
    summary = csv_bytes(tables["summary"]).decode()
    assert "agreements signed,89,agreements" in summary  # counts stay integers


def test_xlsx_is_reproducible():
    tables = build_tables(seed_metrics(), seed_agreements())
    first = xlsx_bytes(tables)
    sheet = openpyxl.load_workbook(io.BytesIO(first))["by_region"]
    assert sheet["A1"].value == "Code" and sheet["F2"].number_format == "0.0%"
    assert xlsx_bytes(tables) == first


def test_xlsx_from_a_child_process_is_the_same_workbook():
    tables = build_tables(seed_metrics(), seed_agreements()) | {"nasty": _nasty_frame()}
    assert workbook.start_xlsx(tables, child_min_rows=0)() == xlsx_bytes(tables)


def test_xlsx_child_that_cannot_start_falls_back_to_the_same_workbook(monkeypatch, caplog):
    tables = build_tables(seed_metrics(), seed_agreements())
    monkeypatch.setattr(workbook.sys, "executable", "/nonexistent/python")
    assert workbook.start_xlsx(tables, child_min_rows=0)() == xlsx_bytes(tables)
    assert "child process failed" in caplog.text


def _write(out: Path, rejections: pd.DataFrame | None = None, **overrides) -> Path:
    args = {
        "metrics": seed_metrics(),
        "agreements": seed_agreements(),
        "rejections": pd.DataFrame(columns=list(REJECTION_COLUMNS)),
        "parameters": {"source": "data/demo", "year": 2024, "db": "sqlite", "run_id": "r1"},
        "input_fingerprint": "f" * 64,
        "code_version": "0.1.0+abc",
    }
    if rejections is not None:
        args["rejections"] = rejections
    return write_bundle(out, **(args | overrides))


def _manifest(bundle: Path) -> dict:
    return json.loads((bundle / MANIFEST).read_text())


@pytest.fixture(scope="module")
def seed_bundle(tmp_path_factory) -> Path:
    """One bundle of the seed's figures, shared by the tests that only read it."""
    return _write(tmp_path_factory.mktemp("bundle"))


@pytest.fixture
def written(seed_bundle, tmp_path) -> Path:
    """A copy of the seed's bundle for a test that changes it (what writing it gives)."""
    return Path(shutil.copytree(seed_bundle, tmp_path / "b"))


def test_bundle_layout_and_manifest(seed_bundle):
    bundle = seed_bundle
    manifest = _manifest(bundle)
    paths = [f["path"] for f in manifest["files"]]
    assert paths == sorted(paths) and MANIFEST not in paths
    on_disk = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert on_disk == sorted([*paths, MANIFEST])
    for name in ("partners_by_type", "by_region", "by_priority", "trend"):
        assert f"charts/{name}.png" in paths and f"charts/{name}.svg" in paths
    for entry in manifest["files"]:
        content = (bundle / entry["path"]).read_bytes()
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert manifest["parameters"]["run_id"] == "r1"
    assert manifest["input_fingerprint"] == "f" * 64 and manifest["code_version"] == "0.1.0+abc"
    assert manifest["created_at"]
    assert verify_manifest(bundle) == []


def test_bundle_contents(seed_bundle):
    bundle = seed_bundle
    assert Metrics.model_validate_json((bundle / "metrics.json").read_text()) == seed_metrics()
    assert (bundle / "rejections.csv").read_text() == ",".join(REJECTION_COLUMNS) + "\n"
    assert (bundle / "charts/trend.png").read_bytes().startswith(b"\x89PNG")
    assert "(charts/trend.png)" in (bundle / "report.md").read_text()
    html = (bundle / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and 'src="charts/' not in html


def test_rejections_are_neutralised_in_contract_order(tmp_path):
    rejections = pd.DataFrame(
        [{"message": "bad", "reason": "invalid_value", "value": "=cmd|'/c calc'!A1",
          "column": "amount", "key": "C1", "row": 3, "file": "c.csv", "entity": "contributions"}]
    )  # fmt: skip
    bundle = _write(tmp_path / "b", rejections=rejections)
    back = pd.read_csv(bundle / "rejections.csv")
    assert list(back.columns) == list(REJECTION_COLUMNS)
    assert back.loc[0, "value"] == "'=cmd|'/c calc'!A1" and back.loc[0, "row"] == 3


def test_same_inputs_same_checksums(seed_bundle, tmp_path):
    first = _manifest(seed_bundle)["files"]
    second = _manifest(_write(tmp_path / "two"))["files"]
    assert first == second


def test_rewrite_clears_stale_files_but_not_foreign_ones(written):
    bundle = written
    (bundle / "charts/old_chart.png").write_bytes(b"x")
    (bundle / "tables/old_table.csv").write_text("x")
    (bundle / "charts/.prm-tmp-crash").write_bytes(b"x")
    (bundle / "notes.txt").write_text("mine")
    assert "charts/old_chart.png: not in the manifest" in verify_manifest(bundle)
    _write(bundle)
    assert not (bundle / "charts/old_chart.png").exists()
    assert not (bundle / "tables/old_table.csv").exists()
    assert not (bundle / "charts/.prm-tmp-crash").exists()
    assert (bundle / "notes.txt").read_text() == "mine"
    assert verify_manifest(bundle) == []


def test_verify_manifest_finds_problems(written):
    bundle = written
    (bundle / "report.md").write_text("tampered")
    (bundle / "charts/trend.svg").unlink()
    problems = verify_manifest(bundle)
    assert any(p.startswith("report.md: size") for p in problems)
    assert "charts/trend.svg: missing" in problems
    manifest = _manifest(bundle)
    manifest["files"].append({"path": "../outside", "size": 0, "sha256": ""})
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    assert any("invalid manifest entry" in p for p in verify_manifest(bundle))
    (bundle / MANIFEST).unlink()
    assert verify_manifest(bundle) == ["manifest.json: missing (the bundle is incomplete)"]


def test_failed_write_leaves_no_manifest(written, monkeypatch):
    bundle = written

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tasks.report.bundle.build_charts", boom)
    with pytest.raises(RuntimeError):
        _write(bundle)
    assert not (bundle / MANIFEST).exists()
    assert verify_manifest(bundle)[0].startswith("manifest.json: missing")
