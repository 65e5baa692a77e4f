"""Data quality: the expectation suites per stage, the quarantine of bad landed records.

    suites.py      the rules, as data (items, annotations, views), and as GX suites
    frames.py      what each suite looks at: SQL over the warehouse, DataFrames for GX
    sql.py         the rules checked by DuckDB, with Great Expectations' meaning
    outcomes.py    what a rule found, whichever engine checked it
    validate.py    checking after a step (the rows that changed, whole tables, views),
                   our small result objects, the report lines
    quarantine.py  the load-time check of a landed batch: failing records are held back

Nothing here imports Great Expectations at import time (it takes seconds): only the
functions that validate do.
"""
