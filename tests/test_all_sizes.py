"""The "all sizes" scope: from a zero normal form in index notation (symgrad.index), or
from SymPy's matrix calculus only where the index path has no form; SymPy's known silent
wrong zeros can neither prove nor hide anything (more in test_index.py)."""

from tests.helpers import decide_one

TRACE = {"V": "matrix(n, m)", "X": "matrix(m, p)", "W": "matrix(p, n)"}


def test_matrix_expressions_are_proved_for_all_sizes():
    result = decide_one({"x": "vector(n)", "B": "matrix(n, n)"},
                        dict(kind="gradient", of="x @ B @ x", wrt="x", answer="(B + B.T) @ x"))
    assert (result.verdict, result.scope) == ("proved", "all sizes")
    assert "index notation is 0, so it holds for every size" in result.reason
    assert "explicit entries agree at sizes n=2; n=3" in result.reason


def test_broadcast_bias_and_column_sums_are_proved_for_all_sizes():
    symbols = {"X": "matrix(N, d)", "W": "matrix(m, d)", "b": "vector(m)"}
    result = decide_one(symbols, dict(kind="backprop", of="X @ W.T + b", wrt="b", upstream="G",
                                      answer="sum(G, axis=0)"))
    assert (result.verdict, result.scope) == ("proved", "all sizes")


def test_sympy_wrong_zero_for_a_sum_of_traces_does_not_fool_the_verdict():
    # SymPy's matrix calculus differentiates this to 0 (a known bug); the index path does
    # not use it, and proves the true answer for every size
    of = "tr(V @ X @ W) + tr(W.T @ X.T @ V.T)"
    right = decide_one(TRACE, dict(kind="gradient", of=of, wrt="X", answer="2 * V.T @ W.T"))
    assert (right.verdict, right.scope) == ("proved", "all sizes")
    zero = decide_one(TRACE, dict(kind="gradient", of=of, wrt="X", answer="0 * X"))
    assert zero.verdict == "refuted"


def test_elementwise_claims_are_proved_for_all_sizes_almost_everywhere():
    result = decide_one({"X": "matrix(N, d)"}, dict(kind="backprop", of="relu(X)", wrt="X",
                                                    upstream="G", answer="G * step(X)"))
    assert (result.verdict, result.scope) == ("proved", "all sizes")


def test_symmetric_claims_are_proved_for_all_sizes():
    result = decide_one({"x": "vector(n)", "B": "matrix(n, n, symmetric)"},
                        dict(kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x"))
    assert (result.verdict, result.scope) == ("proved", "all sizes")


def test_a_claim_without_an_index_form_keeps_the_explicit_scope():
    result = decide_one({"x": "vector(n)"}, dict(kind="equal", lhs="max(x) + sum(x)",
                                                 rhs="sum(x) + max(x)"))
    assert (result.verdict, result.scope) == ("proved", "sizes n=2; n=3")
    assert result.index_path == "no index form for max"
