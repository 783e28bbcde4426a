"""inv, det, logdet, solve, matpow and logsumexp: both paths, backward rules, LaTeX,
diagnoses, and the invertible and spd qualifiers."""

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from symgrad.engine.backends import Numeric
from symgrad.engine.evaluate import Evaluator
from symgrad.engine.exact import Symbolic
from symgrad.language import build, claimfile
from symgrad.language.resolve import Resolver
from symgrad.paths.numeric import fixed_points, point_strategy
from tests.helpers import claims_text, decide_one

HOMEWORK = Path(__file__).parent / "homework" / "inverses.toml"
SQUARE = {"X": "matrix(n, n)", "A": "matrix(n, n)", "a": "vector(n)", "b": "vector(n)",
          "z": "vector(K)", "Z": "matrix(N, K)"}


@pytest.fixture(scope="module")
def results():
    return {r.claim: r for r in symgrad.check(HOMEWORK, timeout=120)}  # generous: a loaded machine


DERIVED = {
    "q-logdet": "inv(X).T",
    "q-det": "det(X) * inv(X).T",
    "q-inv": "-inv(X).T @ outer(a, b) @ inv(X).T",
    "q-trinv": "-inv(X).T @ A.T @ B.T @ inv(X).T",
    "q-solve-A": "-outer(solve(A.T, a), solve(A, b))",
    "q-solve-b": "solve(A.T, a)",
    "q-matpow": "3 * matpow(X.T, 2)",
    "q-lse": "softmax(z)",
    "q-lse-rows": "softmax(Z, axis=1)",
    "q-inv-backprop": "-inv(X).T @ G @ inv(X).T",
}


@pytest.mark.parametrize("claim", DERIVED)
def test_questions_get_textbook_answers_both_paths_prove(results, claim):
    assert results[claim].verdict == "proved", results[claim].reason
    assert results[claim].derived == DERIVED[claim]


def test_x_inverse_where_x_inverse_transpose_is_due(results):
    wrong = results["wrong-inv"]
    assert wrong.verdict == "refuted"
    assert wrong.diagnosis["code"] == "inverse-transpose"
    assert wrong.diagnosis["message"].startswith(
        "the answer has inv(X) where inv(X).T is due")


def test_a_lost_minus_in_the_derivative_of_an_inverse(results):
    wrong = results["wrong-minus"]
    assert wrong.verdict == "refuted" and wrong.diagnosis["code"] == "sign"
    assert "the derivative of an inverse carries a minus sign" in wrong.diagnosis["message"]


def _values(symbols: dict, expression: str, sizes: dict, seed: int = 0):
    """The expression at one point, on the numeric and on the symbolic backend."""
    text = claims_text(symbols, dict(kind="equal", lhs=expression, rhs=expression))
    model = build.build(claimfile.read(text))
    node, _ = Resolver(model).resolve_text(expression)
    rng = np.random.default_rng(seed)
    values = {}
    for name, symbol in model.symbols.items():
        shape = tuple(sizes.get(d, d) for d in symbol.shape)
        values[name] = rng.integers(-4, 5, size=shape) / 2 + (
            3 * np.eye(shape[0]) if len(shape) == 2 and shape[0] == shape[1] else 0)
    numeric = Evaluator(model, Numeric(), sizes, {k: v.astype(complex) for k, v in
                                                  values.items()}).value(node)
    exact = Evaluator(model, Symbolic(), sizes, {k: Symbolic().asarray(v) for k, v in
                                                 values.items()}).value(node)
    return np.real(numeric), np.vectorize(lambda e: complex(e.evalf()), otypes=[complex])(exact)


@pytest.mark.parametrize("expression", [
    "inv(X)", "det(X)", "logdet(X)", "solve(X, a)", "solve(X, A)", "matpow(X, 3)",
    "matpow(X, 0)", "logsumexp(z)", "logsumexp(Z, axis=1)", "logsumexp(Z, axis=0)",
])
def test_numeric_and_symbolic_evaluation_agree(expression):
    numeric, exact = _values(SQUARE, expression, {"n": 3, "K": 4, "N": 2})
    assert np.allclose(numeric, np.real(exact), rtol=1e-10, atol=1e-10)


def test_logdet_is_log_of_the_absolute_determinant():
    result = decide_one({"X": "matrix(2, 2)"}, dict(
        kind="value", at={"X": "[[0, 2], [1, 0]]"}, of="logdet(X)", answer="0.693147"))
    assert result.verdict == "proved", result.reason
    same = decide_one({"Y": "matrix(n, n)"}, dict(kind="equal", lhs="logdet(Y)",
                                                 rhs="log(abs(det(Y)))"))
    assert same.verdict == "proved", same.reason


@pytest.mark.parametrize("expression, says", [
    ("inv(a)", "inv needs a square matrix"),
    ("det(Z)", "det needs a square matrix"),
    ("solve(X, z)", "solve(A, b) needs b with n rows"),
    ("matpow(X, 2.5)", "matpow(X, k) takes a whole number k"),
    ("matpow(X, 99)", "matpow(X, k) takes a whole number k from 0 to 32"),
    ("matpow(X, -1)", "for an inverse write inv(X)"),
])
def test_shapes_are_checked(expression, says):
    result = decide_one(SQUARE, dict(kind="equal", lhs=expression, rhs=expression))
    assert result.verdict == "error" and says in result.reason, result.reason


@pytest.mark.parametrize("declaration, says", [
    ("vector(n, spd)", "spd applies to a square matrix"),
    ("matrix(n, m, invertible)", "invertible applies to a square matrix"),
])
def test_square_qualifiers_need_a_square_matrix(declaration, says):
    result = decide_one({"S": declaration}, dict(kind="equal", lhs="sum(S)", rhs="sum(S)"))
    assert result.verdict == "error" and says in result.reason


def _model(symbols):
    model = build.build(claimfile.read(claims_text(symbols, dict(
        kind="equal", lhs=" + ".join(f"sum({k})" for k in symbols), rhs="0"))))
    return model, model.claims[0]


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_drawn_matrices_respect_spd_and_invertible(data):
    model, claim = _model({"S": "matrix(n, n, spd)", "X": "matrix(n, n, invertible)"})
    point = data.draw(point_strategy(model, claim))
    S, X = np.real(point.values["S"]), np.real(point.values["X"])
    assert np.allclose(S, S.T) and np.all(np.linalg.eigvalsh(S) >= 1 - 1e-9)
    assert np.linalg.cond(X) <= 1e3


def test_fixed_points_respect_spd_too():
    model, claim = _model({"S": "matrix(n, n, spd)"})
    for point in fixed_points(model, claim, random.Random(0)):
        assert np.all(np.linalg.eigvalsh(np.real(point.values["S"])) >= 1 - 1e-9)


def test_the_gradient_with_respect_to_an_spd_matrix_is_the_unconstrained_one():
    """The convention of the Matrix Cookbook: d log|S| / dS = inv(S), evaluated at a
    symmetric point (not 2 inv(S) - diag(inv(S)))."""
    right = decide_one({"S": "matrix(n, n, spd)"}, dict(
        kind="gradient", of="logdet(S)", wrt="S", answer="inv(S)"))
    assert right.verdict == "proved", right.reason
    other = decide_one({"S": "matrix(n, n, spd)"}, dict(
        kind="gradient", of="logdet(S)", wrt="S", answer="2 * inv(S) - diag(diag(inv(S)))"))
    assert other.verdict == "refuted"


@pytest.mark.parametrize("expression, latex", [
    ("inv(X)", r"\mathbf{X}^{-1}"),
    ("inv(X).T", r"\mathbf{X}^{-\top}"),
    ("det(X)", r"\det\left(\mathbf{X}\right)"),
    ("logdet(X)", r"\log\left\lvert\det\left(\mathbf{X}\right)\right\rvert"),
    ("solve(A.T, a)", r"\mathbf{A}^{-\top} \mathbf{a}"),
    ("matpow(X, 3)", r"\mathbf{X}^{3}"),
    ("logsumexp(z)", r"\operatorname{logsumexp}\left(\mathbf{z}\right)"),
    ("outer(a, solve(A, b))", r"\mathbf{a} \left(\mathbf{A}^{-1} \mathbf{b}\right)^\top"),
])
def test_latex_of_the_new_operations(expression, latex):
    from symgrad.output.latex import typeset

    model = build.build(claimfile.read(claims_text(SQUARE, dict(kind="equal", lhs="a",
                                                                 rhs="a"))))
    assert typeset(model, model.claims[0], expression) == latex
