"""How the two paths combine into a verdict (the rules in decide.py's docstring)."""

import pytest

import symgrad
from symgrad.paths import numeric, polynomial, zero
from tests.helpers import claims_text, decide_one

XB = {"x": "vector(n)", "B": "matrix(n, n)"}
QUAD = dict(kind="gradient", of="x @ B @ x", wrt="x", answer="B.T @ x + B @ x")


def test_proved_needs_both_paths(monkeypatch):
    assert decide_one(XB, QUAD).verdict == "proved"


def test_verified_when_no_symbolic_proof(monkeypatch):
    from symgrad.index import prove

    monkeypatch.setattr(zero, "is_zero", lambda *a, **k: False)
    monkeypatch.setattr(polynomial, "is_zero_at", lambda *a: False)
    nonzero = prove.forms.atom(prove.Entry("x")), prove.forms.Rules()
    monkeypatch.setattr(prove, "difference", lambda *a: nonzero)
    result = decide_one(XB, QUAD)
    assert result.verdict == "verified"
    assert "could not simplify" in result.reason and "numeric examples agree" in result.reason
    assert result.index_path.startswith("the normal form of answer - truth in index notation "
                                        "is not 0")


def test_index_notation_and_numbers_prove_what_explicit_entries_cannot(monkeypatch):
    monkeypatch.setattr(zero, "is_zero", lambda *a, **k: False)
    monkeypatch.setattr(polynomial, "is_zero_at", lambda *a: False)
    result = decide_one(XB, QUAD)
    assert (result.verdict, result.scope) == ("proved", "all sizes")
    assert "the explicit entries did not settle it" in result.reason


def test_disagreement_is_an_error_never_a_pass(monkeypatch):
    real = numeric.judge

    def lying(model, claim, point):  # a numeric path that sees a difference everywhere
        comparison = real(model, claim, point)
        comparison.differs = [(0,)]
        return comparison

    monkeypatch.setattr(numeric, "judge", lying)
    result = decide_one(XB, QUAD)
    assert result.verdict == "error"
    assert result.reason.startswith("the two paths disagree")


def test_undecided_when_no_point_can_be_evaluated():
    result = decide_one({"x": "vector(n)"},
                        dict(kind="gradient", of="sqrt(-1 - x @ x)", wrt="x",
                             answer="-x / sqrt(-1 - x @ x)"))
    assert result.verdict == "undecided"
    assert "every numeric point was rejected: outside the domain" in result.reason


def test_out_of_time_symbolic_path_gives_verified(monkeypatch):
    import symgrad.paths.symbolic as symbolic
    from symgrad.errors import OutOfTime

    def slow(*args):
        raise OutOfTime("time limit reached")

    monkeypatch.setattr(symbolic, "prove", slow)
    monkeypatch.setattr("symgrad.index.prove.difference", slow)
    result = decide_one(XB, QUAD)
    assert result.verdict == "verified"
    assert "no symbolic proof within the time limit" in result.reason
    assert result.index_path == "the index path ran out of its share of the time"


# the alarm may land in a finaliser, where Python reports and swallows it; it fires again
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_timeout_bounds_a_claim():
    # a claim whose symbolic path is slow (large sizes) still ends, within the limit
    symbols = {"A": "matrix(6, 6)"}
    result = decide_one(symbols, dict(kind="gradient", of="sum(exp(A @ A @ A))", wrt="A",
                                      answer="grad(sum(exp(A @ A @ A)), A)"), timeout=2.0)
    assert result.verdict in ("verified", "proved", "undecided")
    assert result.seconds < 10


def test_every_result_has_the_json_fields():
    [result] = symgrad.check(claims_text(XB, QUAD))
    data = result.to_json()
    assert {"file", "claim", "kind", "verdict", "scope", "seconds", "reason"} <= set(data)


def test_points_where_values_overflow_are_rejected_not_judged():
    result = decide_one({"x": "vector(n)"}, dict(kind="gradient", of="sum(x**1000)", wrt="x",
                                                 answer="1000 * x**999"))
    assert result.verdict == "proved"


def test_central_differences_confirm_when_exact_evaluation_is_out_of_reach(monkeypatch):
    import symgrad.paths.symbolic as symbolic
    from symgrad.errors import OutOfTime

    def slow(*args):
        raise OutOfTime("time limit reached")

    monkeypatch.setattr(symbolic, "confirm", slow)
    wrong = decide_one(XB, dict(QUAD, answer="2 * B @ x"))
    assert wrong.verdict == "refuted"


def test_a_symbolic_difference_the_numeric_path_cannot_evaluate_is_undecided():
    result = decide_one({"c": "scalar"}, dict(kind="equal", lhs="2**1000 * 2**1000 * c",
                                              rhs="c"))
    assert result.verdict == "undecided" and "cannot evaluate that point" in result.reason
    tower = decide_one({"c": "scalar"}, dict(kind="equal", lhs="2**2**2**2**2 * c", rhs="c"))
    assert tower.verdict == "error" and "beyond symgrad's limit of 1000" in tower.reason
