"""symgrad's limits, in one place: what a claim file may ask for, and what one claim may use.

Every bound is checked before the work it protects (a file is read only if it is small
enough, an expression is parsed only if it is short and shallow enough, a power is built
only if its exponent is small enough), so a class's worth of files never dies on one of
them: what is beyond a bound is an ``error`` of that claim naming the bound, and what runs
out of time or memory is ``undecided`` ("time limit", "memory limit").  The README's
"Limits" section lists them.
"""

from __future__ import annotations

import os

# --- what one claim may use --------------------------------------------------------------
DEFAULT_TIMEOUT = 30.0  # seconds per claim: verdict, diagnosis and correct answer together
DEFAULT_MEMORY = 2000.0  # MB of memory per claim (each worker's address space, beyond its start)
DEFAULT_JOBS = min(2, os.cpu_count() or 1)  # claims decided at once, one worker process each
GRACE = 1.5  # seconds a worker may overrun its claim's time limit before it is ended

# --- what a claim file may ask for -------------------------------------------------------
MAX_FILE_BYTES = 1_000_000  # a claim file
MAX_CLAIMS = 1000  # claims in one file
MAX_NAME_CHARS = 200  # a claim's name, a title line
MAX_DECLARATION_CHARS = 500  # one declaration in [symbols]
MAX_EXPRESSION_CHARS = 5000  # one expression
MAX_LATEX_NAMES = 200  # entries of a [latex] table (of a claim file or a submission)
MAX_NAME_FRAGMENT = 200  # characters of one entry's LaTeX
MAX_NESTING = 60  # brackets and operations inside one another, in an expression or in TOML
MAX_EXPONENT = 1000  # |k| of a power x ** k with a constant k
MAX_LITERAL = 1e12  # the size of a number written in a claim
MAX_ENTRIES = 20_000  # entries of any array of a claim with every named dimension at 4
MAX_REAL_ENTRIES = 10**8  # entries of an array at real sizes (sizes = {...}, --sizes)
MAX_REAL_GRID = 1 << 24  # entries of an index-form answer's largest value walked at once
ENTRIES_AT = 4  # the size each named dimension takes for that count (the numeric path's largest)
