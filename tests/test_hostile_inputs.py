"""What users really send: each file of tests/inputs/ gives the outcome its first line states.

The first line of each file reads ``# expect: VERDICT[, VERDICT...] | TEXT``: the verdicts
of its claims in order, and a text that must appear in the first claim's reason (the
field and the bound an error names, or what a refutation says).  Nothing may be a bug
("symgrad failed on this claim") and nothing may raise.
"""

from pathlib import Path

import pytest

import symgrad

INPUTS = Path(__file__).parent / "inputs"
FILES = sorted(INPUTS.glob("*.toml"))


def expectation(path: Path) -> tuple[list[str], str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), path.name
    verdicts, _, text = first.removeprefix("# expect: ").partition(" | ")
    return [v.strip() for v in verdicts.split(",")], text.strip()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_input_gives_its_stated_outcome(path):
    verdicts, text = expectation(path)
    results = symgrad.check(path, timeout=20)
    assert [r.verdict for r in results] == verdicts, [r.reason for r in results]
    assert text in results[0].reason, results[0].reason
    assert not any("a bug" in r.reason for r in results)


def test_the_define_cases_keep_their_names_in_the_derived_answer():
    wrong, question = symgrad.check(INPUTS / "define_wrong_answer.toml")
    assert wrong.correct == question.derived == "X.T @ ones(N) + 1"
    assert wrong.counterexample["sizes"] == {"N": 1, "d": 1}
