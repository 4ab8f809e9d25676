"""Write the bundled sample (data/sample/) that reproduces the seed report's 2024 figures.

Run: `.venv/bin/python data/make_sample.py` (from any directory). Deterministic: a fixed random
seed drives titles, dates, formatting and the 2019-2023 filler, and the workbook is zipped with
fixed timestamps, so every run writes the same bytes. The generator checks its own rows against
the seed figures (`sample_builder/seed_figures.py`) before writing anything; the code lives in
`data/sample_builder/` and `data/README.md` explains the construction.
"""

from sample_builder import main

if __name__ == "__main__":
    main()
