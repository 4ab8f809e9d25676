"""Validate and load at once: each table is written while the next rows are checked.

Contributions refer to agreements and exchange rates, agreements to partners, nothing refers
to contributions. So a loader thread writes the partners and rates once they are checked,
then the agreements and the contributions a part at a time (`tasks.ingest.parts`), each
part as soon as it is checked, while this thread checks the next one (SQLite's driver leaves
the interpreter lock while the database works, pyarrow's kernels too, so the two cores work
at once); then the loader writes the rejections and commits. Same rows, same single
transaction, same result as `validate` then `load`. PostgreSQL's loader COPies every table
at the end (`tasks.ingest.load.Load`), so there only validation and the transaction's start
overlap, and each table is checked in one part.

The connection is used by the loader thread alone, one step after the other; a failure on
either side rolls the transaction back and is raised here.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait

from sqlalchemy import Engine

from tasks.ingest import load_bulk as bulk
from tasks.ingest import parts as in_parts
from tasks.ingest.known import known_keys
from tasks.ingest.load import IngestResult, Load
from tasks.ingest.read import RawRecords
from tasks.ingest.validate import (
    Validated,
    partners_and_rates,
    with_agreements,
    with_contributions,
)


def validate_and_load(
    raw: RawRecords, engine: Engine, *, bulk_min_rows: int = bulk.BULK_MIN_ROWS
) -> tuple[Validated, IngestResult]:
    """`validate` then `load` of `raw`, each table's load overlapping the next rows'
    validation."""
    known = known_keys(engine)
    first = partners_and_rates(raw)
    expected = {entity: len(rows) for entity, rows in first.rows.items()}
    for entity in ("agreements", "contributions"):  # at most: some get rejected
        expected[entity] = len(raw.tables[entity])
    loading = Load(engine, raw.source, raw.fingerprint, bulk_min_rows=bulk_min_rows)
    part_rows = in_parts.PART_ROWS if not loading.postgresql else max(expected.values())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-load") as loader:
        steps: list[Future] = []

        def submit(step: Callable, *args) -> None:
            steps.append(loader.submit(step, *args))

        submit(loading.begin, expected)
        for entity, rows in first.rows.items():  # partners, exchange_rates: load order
            submit(loading.rows, entity, rows)
        try:
            agreements = in_parts.agreement_parts(raw, known, first, part_rows)
            checked = _written(submit, loading, "agreements", expected, agreements)
            parents = with_agreements(first, *checked)
            contributions = in_parts.contribution_parts(raw, known, parents, part_rows)
            checked = _written(submit, loading, "contributions", expected, contributions)
            validated = with_contributions(raw, parents, *checked)
            for step in steps:  # a failed step has rolled the transaction back already
                step.result()
        except BaseException as exc:  # Ctrl-C too: the parents' load stops and rolls back
            for step in steps:
                step.cancel()
            loading.cancel()
            loader.submit(loading.abort, exc).result()
            raise
        finishing = loader.submit(loading.finish, validated)
        try:
            return validated, _result(finishing)
        except BaseException:  # Ctrl-C while the loader finishes: no commit after it
            loading.cancel()
            wait([finishing])
            raise


def _written(
    submit: Callable,
    loading: Load,
    entity: str,
    expected: dict[str, int],
    parts: Iterator[in_parts.Checked],
) -> in_parts.Checked:
    """The entity's checked parts, each handed to the loader as soon as it is checked
    (`expected`: at most how many rows each entity brings)."""
    submit(loading.start_rows, entity, expected[entity])
    checked = []
    for part in parts:
        checked.append(part)
        submit(loading.add_rows, entity, part[0])
    submit(loading.end_rows, entity)
    return in_parts.joined(checked)


def _result(step: Future):
    """What the loader's step gave (its error raised here); waits until it has run."""
    return step.result()
