"""The bucket's index built and rendered in memory: order, latest run, links, escaping."""

from html.parser import HTMLParser

from tasks.storage.index import build_index, render_index_html
from tasks.storage.retrieve import RunInfo

FILES = ("metrics.json", "report.html", "report.pdf", "tables.xlsx")


def _run(year, run_id, when, files=FILES, signed=89, usd=33_800_000.0, latest=False):
    return RunInfo(run_id, when, signed, usd, True, latest, year, tuple(files))


def _runs(latest: str | None = "r2") -> list[RunInfo]:
    return [
        _run(2024, "r1", "2025-01-01T06:00:00+00:00", signed=88, latest=latest == "r1"),
        _run(2023, "r0", "2024-01-01T06:00:00+00:00", files=("metrics.json",)),
        _run(2024, "r2", "2025-02-01T06:00:00+00:00", latest=latest == "r2"),
        RunInfo("r9", None, None, None, False, False, 2024),  # an upload under way
    ]


def _index(latest: str | None = "r2") -> dict:
    return build_index(_runs(latest), bucket="b", prefix="reports", updated_at="2025-02-01")


class _Links(HTMLParser):
    """Collects every href and every script element of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name == "href"]
        self.scripts += tag == "script"


def test_years_newest_first_with_latest_and_earlier_complete_runs():
    index = _index()
    assert [y["year"] for y in index["years"]] == [2024, 2023]
    year = index["years"][0]
    assert year["latest"]["run_id"] == "r2"
    assert [r["run_id"] for r in year["earlier"]] == ["r1"]
    assert year["latest"]["uri"] == "s3://b/reports/2024/r2/"
    assert year["latest"]["headline"] == {"agreements.signed": 89, "financial_usd.total": 33.8e6}


def test_links_are_relative_and_only_to_files_the_run_has():
    index = _index()
    assert index["years"][0]["latest"]["links"] == {
        "report.html": "2024/r2/report.html",
        "report.pdf": "2024/r2/report.pdf",
        "tables.xlsx": "2024/r2/tables.xlsx",
        "bundle": "2024/r2/manifest.json",
    }
    assert index["years"][1]["latest"]["links"] == {"bundle": "2023/r0/manifest.json"}


def test_latest_json_decides_the_latest_run():
    """An older run that latest.json names is the latest; no pointer: the newest run is."""
    assert _index("r1")["years"][0]["latest"]["run_id"] == "r1"
    assert _index(None)["years"][0]["latest"]["run_id"] == "r2"


def test_page_lists_every_run_and_links_without_script():
    page = render_index_html(_index())
    parser = _Links()
    parser.feed(page)
    assert parser.scripts == 0
    assert "2024/r1/report.html" in parser.hrefs and "2023/r0/manifest.json" in parser.hrefs
    assert all(not h.startswith(("/", "http")) for h in parser.hrefs if not h.startswith("#"))
    assert "89 agreements, USD 33.8 million" in page
    assert ">88<" in page and ">33.80<" in page  # the earlier run's figures in its row


def test_every_value_is_escaped():
    evil = RunInfo("r3", '<script>alert("t")</script>', None, None, True, True, 2024)
    page = render_index_html(build_index([evil], bucket="b", prefix="<b>", updated_at="<i>x</i>"))
    assert "<script>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page


def test_empty_bucket_gives_a_page_that_says_so():
    index = build_index([], bucket="b", prefix="reports", updated_at="2025-02-01")
    assert index["years"] == []
    assert "No run has been published yet." in render_index_html(index)
