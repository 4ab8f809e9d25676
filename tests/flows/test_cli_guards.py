"""The command line with hostile input: user text is never read as markup, a huge or
invisible value is cut and escaped in the listing (the CSV has it), bad options are one line."""

import time
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from flows.cli_pipeline import SHOW_CHARS
from tests.flows.helpers import prm_process

PARTNERS = "partner_id,name,partner_type\nP1,Union,GOVERNMENT\n"
AGREEMENTS = "agreement_id,partner_id,signed_on,region,priority\nA1,P1,2024-01-05,AFR,MULTI\n"
CONTRIBUTIONS = "contribution_id,agreement_id,source,amount,currency\nC1,A1,ITU,10,USD\n"
RATES = "currency,valid_from,units_per_usd\nEUR,2024-01-01,0.9\n"


def prm(*args: str):
    return CliRunner().invoke(app, list(args))


def source(folder: Path, partners: str = PARTNERS) -> Path:
    folder.mkdir(parents=True)
    texts = {"partners": partners, "agreements": AGREEMENTS, "contributions": CONTRIBUTIONS}
    for name, text in {**texts, "exchange_rates": RATES}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def ingest(tmp_path: Path, folder: Path):
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    rejections = tmp_path / "rejected.csv"
    result = prm("ingest", "--source", str(folder), "--db", db, "--rejections", str(rejections))
    return result, rejections


def test_a_source_path_with_markup_is_printed_as_it_is(tmp_path):
    folder = source(tmp_path / "exports [v2]" / "[bold]x[/]", PARTNERS + "P2,,GOVERNMENT\n")
    result, rejections = ingest(tmp_path, folder)
    assert result.exit_code == 0, result.output
    printed = "".join(result.stdout.split())  # rich wraps long lines at the terminal width
    assert "".join(f"Ingestion 1 of {folder}".split()) in printed
    assert len(rejections.read_text().splitlines()) == 2  # header + the rejected partner


def test_a_huge_rejected_value_is_cut_in_the_listing_and_kept_in_the_csv(tmp_path):
    huge = "x" * (16 * 1024 * 1024)
    folder = source(tmp_path / "src", PARTNERS + f"P2,{huge},GOVERNMENT\n")
    started = time.monotonic()
    result, rejections = ingest(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 60
    listed = [line for line in result.stdout.splitlines() if "partners.csv row 2" in line]
    assert len(listed) == 1 and "x" * SHOW_CHARS not in listed[0] and "..." in listed[0]
    assert max(map(len, result.stdout.splitlines())) < 400
    assert "x" * 900 in rejections.read_text()  # the CSV holds what the rejection stores


def test_invisible_characters_are_shown_escaped(tmp_path):
    folder = source(tmp_path / "src", PARTNERS + "P\u200b1,Twin,GOVERNMENT\nP\x003,N,ACADEMIA\n")
    result, _ = ingest(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert "'P\\u200b1'" in result.stdout and "'P\\x003'" in result.stdout
    assert "\u200b" not in result.stdout and "\x00" not in result.stdout


def test_a_bad_link_duration_is_one_line_and_exit_1():
    result = prm("link", "--year", "2024", "--expires", "8d")
    assert result.exit_code == 1
    assert result.stderr == "prm: --expires '8d': a link can last from 1 second to 7 days\n"
    assert result.stdout == ""


def test_a_bad_link_duration_is_refused_before_boto3_loads(tmp_path):
    started = time.perf_counter()
    done, imported = prm_process(tmp_path, "link", "--year", "2024", "--expires", "soon", expect=1)
    took = time.perf_counter() - started
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert errors == [errors[0]] and errors[0].startswith("prm: --expires: ")
    assert "typer" in imported and "boto3" not in imported and "botocore" not in imported
    assert took < 10  # a guard against a hang, not a benchmark (about 0.5 s here)


def test_paths_are_never_broken_across_lines_when_stdout_is_not_a_terminal(tmp_path):
    deep = tmp_path / "a-rather-long-folder-name-for-the-exports" / "with" / "several" / "levels"
    folder = source(deep / "so-that-every-path-is-longer-than-eighty-columns")
    rejections = deep / "rejections-of-the-register-with-a-long-name.csv"
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    result = prm("ingest", "--source", str(folder), "--db", db, "--rejections", str(rejections))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"Ingestion 1 of {folder}" in [line.strip() for line in lines]
    assert f"Rejected rows written to {rejections}" in lines
    bundle = deep / "the-bundle-folder-also-with-a-name-long-enough-to-wrap-at-eighty"
    result = prm("report", "--year", "2024", "--db", db, "--no-upload", "--out", str(bundle))
    assert result.exit_code == 0, result.output
    assert f"Bundle written to {bundle}" in result.stdout.splitlines()
    assert max(len(line) for line in lines) > 80  # what a terminal would wrap, not rich


def test_help_shows_flags_without_a_value_and_what_link_needs():
    for command in ("run", "report", "ingest", "link", "prune"):
        shown = prm(command, "--help")
        assert shown.exit_code == 0
        flags = [line for line in shown.stdout.splitlines() if "--" in line and "<bool>" in line]
        assert [line for line in flags if "--help" not in line] == []  # typer's own --help
    link = " ".join(prm("link", "--help").stdout.split())
    assert "--year <int> Report year (required unless --index)." in link
    assert "every year" not in link


def test_a_usage_error_exits_2_as_the_readme_says():
    result = CliRunner().invoke(app, ["report", "--year", "abc"], prog_name="prm")
    assert (result.exit_code, result.stdout) == (2, "")
    said = " ".join(result.stderr.split())
    assert "Invalid value for '--year'" in said and "Try 'prm report --help'" in said
