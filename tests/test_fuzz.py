"""Fuzzing: no claim file, however broken, makes symgrad raise, report a bug of its own, or
print a verdict outside the documented set.

Sixty generated files (``tests/fuzzing.py``: the vocabulary mixed with junk) run here,
decided without explanations to stay within a minute; ``SYMGRAD_FUZZ_FILES=3000 pytest
tests/test_fuzz.py`` runs more, and ``benchmarks/fuzz.py`` runs thousands through the
command, explanations included, as a teaching assistant would.
"""

import os

from hypothesis import HealthCheck, given, settings

import symgrad
from tests.fuzzing import claim_files

FILES = int(os.environ.get("SYMGRAD_FUZZ_FILES", "60"))
TIMEOUT = 2.0


@settings(max_examples=FILES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(claim_files())
def test_no_claim_file_crashes_symgrad(text):
    results = symgrad.check(text, timeout=TIMEOUT, jobs=2, explain=False)
    assert results, "every file gives at least one result"
    for result in results:
        assert result.verdict in symgrad.VERDICTS
        assert "a bug" not in result.reason, (text, result.reason)
        assert result.seconds <= TIMEOUT + 3, (text, result.seconds)
