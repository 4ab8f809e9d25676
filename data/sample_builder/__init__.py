"""Build, check and write the bundled sample (data/sample/); see data/README.md.

Steps: `Builder` makes every good row in memory (`builder`, from the tables in `partners`,
`agreements`, `rates`), `check` asserts the seed figures (`seed_figures`), `layout` spells the
rows into files and sheets (`style`), `add_bad_rows` adds one row per rejection reason, and
`write` writes the bytes (`writer`).
"""

from .bad_rows import add_bad_rows, bad_rows
from .builder import Builder
from .checks import check, summary
from .layout import layout
from .writer import write


def main() -> None:
    """Build, check against the seed, write data/sample/, print the bad rows and totals."""
    builder = Builder()
    builder.build()
    check(builder)
    tables = layout(builder)
    add_bad_rows(builder, tables)
    write(tables)
    for file, row, key in bad_rows(tables):
        print(f"bad row: {file} row {row} key {key}")
    for line in summary(builder):
        print(line)
