"""Data quality: the expectation suites per stage, the quarantine of bad landed records.

    suites.py      the rules, as Great Expectations suites (items, annotations, views)
    frames.py      what each suite looks at, read from DuckDB
    validate.py    running a suite, our small result objects, the report lines
    quarantine.py  the load-time check of a landed batch: failing records are held back

Nothing here imports Great Expectations at import time (it takes seconds): only the
functions that validate do.
"""
