"""Dimension arithmetic, kron, vec, flip, conv1d/conv2d, maxpool2d and the orthogonal
qualifier: both paths, backward rules, LaTeX, diagnoses and the sizes claims are checked at."""

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
from symgrad.errors import ShapeMismatch
from symgrad.language import build, claimfile
from symgrad.language.resolve import Resolver
from symgrad.output.latex import Printer
from symgrad.paths import sizes
from symgrad.paths.numeric import point_strategy
from symgrad.paths.symbolic import size_assignments
from symgrad.vocabulary import dims
from tests.helpers import claims_text, decide_one

HOMEWORK = Path(__file__).parent / "homework" / "convolutions.toml"
CONV = {"x": "vector(n)", "w": "vector(k)", "X": "matrix(H, W)", "K": "matrix(h, v)",
        "A": "matrix(p, q)", "B": "matrix(r, s)"}


@pytest.fixture(scope="module")
def results():
    return {r.claim: r for r in symgrad.check(HOMEWORK, timeout=120)}  # generous: a loaded machine


# --- dimension arithmetic -----------------------------------------------------------------

def test_equal_dimensions_are_equal_however_written():
    a = dims.combine("+", dims.combine("-", "n", "k"), 1)
    assert a == dims.combine("-", dims.combine("+", "n", 1), "k") and str(a) == "n - k + 1"
    assert dims.combine("-", dims.combine("+", "n", "k"), "k") == "n"  # back to a plain name
    assert str(dims.combine("*", "n", "m")) == "m*n" and dims.combine("*", 2, 3) == 6
    strided = dims.combine("+", dims.combine("//", dims.combine("-", "n", "k"), 2), 1)
    assert str(strided) == "(n - k)//2 + 1" and dims.value(strided, {"n": 7, "k": 2}) == 3


def test_a_dimension_below_one_or_fractional_has_no_value():
    with pytest.raises(ShapeMismatch, match="not a whole number >= 1"):
        dims.value(dims.combine("+", dims.combine("-", "n", "k"), 1), {"n": 2, "k": 3})
    with pytest.raises(ShapeMismatch):
        dims.value(dims.combine("/", "H", 2), {"H": 3})


def _model(symbols, lhs="0", rhs="0"):
    model = build.build(claimfile.read(claims_text(symbols, dict(kind="equal", lhs=lhs,
                                                                 rhs=rhs))))
    assert model.error is None, model.error
    return model, model.claims[0]


def test_claims_are_checked_only_at_sizes_where_every_dimension_exists():
    model, claim = _model(CONV, "conv1d(x, w)", "conv1d(x, w)")
    assert [str(d) for d in claim.dim_constraints] == ["n - k + 1"]
    first, second = size_assignments(model, claim)
    for assignment in (first, second):  # distinct, never 1 (a length-1 output hides a lot)
        assert assignment["n"] > assignment["k"] >= 2
    assert first["n"] != second["n"] and first["k"] != second["k"]
    assert all(s["k"] <= s["n"] for s in sizes.admissible(model, claim, 4))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_drawn_sizes_keep_derived_dimensions_whole_and_positive(data):
    model, claim = _model({"P": "matrix(H, W)"}, "maxpool2d(P, 2)", "maxpool2d(P, 2)")
    point = data.draw(point_strategy(model, claim))
    assert point.sizes["H"] % 2 == 0 and point.sizes["W"] % 2 == 0


@pytest.mark.parametrize("declaration, says", [
    ("vector(n - n)", "not a whole number >= 1"),
    ("vector(n ** 2)", "bad dimension"),
    ("vector(n - 1.5)", "bad dimension"),
])
def test_bad_dimension_expressions_are_errors(declaration, says):
    result = decide_one({"x": "vector(n)", "y": declaration}, dict(
        kind="equal", lhs="sum(y)", rhs="sum(y)"))
    assert result.verdict == "error" and says in result.reason, result.reason


@pytest.mark.parametrize("expression, says", [
    ("conv1d(x, w, padding=k - 2)", "padding must be >= 0 at every size"),
    ("conv1d(x, w, stride=0)", "stride must be >= 1"),
    ("conv1d(X, w)", "conv1d(x, w) takes a vector and a vector kernel"),
    ("conv2d(X, K, padding=[1, 2, 3])", "padding takes one value or 2"),
    ("kron(x, K)", "kron takes two vectors or two matrices"),
    ("vec(x)", "vec takes a matrix"),
    ("maxpool2d(x, 2)", "maxpool2d(X, k) takes a matrix"),
    ("sum(x) // 2", "// takes dimensions and whole numbers"),
    ("x[i] + 1", "index i is used outside"),
])
def test_shapes_and_settings_are_checked(expression, says):
    result = decide_one(CONV, dict(kind="equal", lhs=expression, rhs=expression))
    assert result.verdict == "error" and says in result.reason, result.reason


def test_a_fixed_size_kernel_longer_than_the_input_is_a_shape_error():
    result = decide_one({"x": "vector(3)", "w": "vector(5)"}, dict(
        kind="equal", lhs="conv1d(x, w)", rhs="conv1d(x, w)"))
    assert result.verdict == "error" and "kernel (5) is longer" in result.reason


# --- both paths compute the same, and what numpy computes ------------------------------------

def _values(symbols, expression, at, seed=0):
    model, _ = _model(symbols)
    node, _ = Resolver(model).resolve_text(expression)
    rng = np.random.default_rng(seed)
    values = {}
    for name, symbol in model.symbols.items():
        shape = tuple(dims.value(d, at) for d in symbol.shape)
        values[name] = rng.permutation(np.arange(int(np.prod(shape))) - 7).reshape(shape) / 4
    numeric = Evaluator(model, Numeric(), at, {k: v.astype(complex) for k, v in
                                               values.items()}).value(node)
    exact = Evaluator(model, Symbolic(), at, {k: Symbolic().asarray(v) for k, v in
                                              values.items()}).value(node)
    exact = np.vectorize(lambda e: float(e), otypes=[float])(exact)
    return values, np.real(numeric), exact


def _correlate(x, w, stride=1, padding=0):
    x = np.pad(x, padding)
    out = [(n - k) // stride + 1 for n, k in zip(x.shape, w.shape, strict=True)]
    y = np.zeros(out)
    for i in np.ndindex(*out):
        window = tuple(slice(a * stride, a * stride + k) for a, k in zip(i, w.shape,
                                                                          strict=True))
        y[i] = np.sum(x[window] * w)
    return y


AT = {"n": 7, "k": 3, "H": 6, "W": 7, "h": 2, "v": 3, "p": 2, "q": 3, "r": 3, "s": 2}


@pytest.mark.parametrize("expression, reference", [
    ("conv1d(x, w)", lambda v: _correlate(v["x"], v["w"])),
    ("conv1d(x, w, stride=2, padding=1)", lambda v: _correlate(v["x"], v["w"], 2, 1)),
    ("conv1d(x, w, padding=k - 1)", lambda v: np.convolve(v["x"], v["w"][::-1])),
    ("conv2d(X, K)", lambda v: _correlate(v["X"], v["K"])),
    ("conv2d(X, K, stride=2, padding=1)", lambda v: _correlate(v["X"], v["K"], 2, 1)),
    ("flip(K)", lambda v: v["K"][::-1, ::-1]),
    ("kron(A, B)", lambda v: np.kron(v["A"], v["B"])),
    ("kron(x, w)", lambda v: np.kron(v["x"], v["w"])),
    ("vec(A)", lambda v: v["A"].flatten(order="F")),
    ("maxpool2d(X, 2)", lambda v: v["X"][:6, :6].reshape(3, 2, 3, 2).max(axis=(1, 3))),
])
def test_both_backends_compute_what_numpy_does(expression, reference):
    at = dict(AT, W=6) if "maxpool" in expression else AT
    values, numeric, exact = _values(CONV, expression, at)
    expected = reference(values)
    assert numeric.shape == exact.shape == expected.shape
    assert np.allclose(numeric, expected) and np.allclose(exact, expected)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 9), k=st.integers(1, 5), stride=st.integers(1, 3),
       padding=st.integers(0, 2), seed=st.integers(0, 10**6))
def test_conv1d_is_torchs_cross_correlation_at_any_setting(n, k, stride, padding, seed):
    if n + 2 * padding < k:
        return
    at = {"n": n, "k": k}
    values, numeric, _ = _values({"x": "vector(n)", "w": "vector(k)"},
                                 f"conv1d(x, w, stride={stride}, padding={padding})", at, seed)
    assert np.allclose(numeric, _correlate(values["x"], values["w"], stride, padding))


# --- claims: the homework set -------------------------------------------------------------------

DERIVED = {
    "q-conv1d-input": "conv1d(G, flip(w), padding=k - 1)",
    "q-conv2d-kernel": "conv2d(X, G)",
}


@pytest.mark.parametrize("claim", DERIVED)
def test_questions_get_textbook_answers_both_paths_prove(results, claim):
    assert results[claim].verdict == "proved", results[claim].reason
    assert results[claim].derived == DERIVED[claim]


@pytest.mark.parametrize("claim", ["declared-upstream", "orthogonal-gram"])
def test_true_claims_are_proved(results, claim):
    assert results[claim].verdict == "proved", results[claim].reason


def test_a_piecewise_identity_of_pooling_is_at_least_verified(results):
    assert results["pooling-is-positively-homogeneous"].verdict in ("proved", "verified")


def test_an_unflipped_kernel_is_diagnosed(results):
    wrong = results["wrong-unflipped"]
    assert wrong.verdict == "refuted" and wrong.diagnosis["code"] == "kernel-flip"
    assert wrong.diagnosis["message"].startswith("the kernel is not flipped: flip(w) is due")


def test_valid_for_full_padding_is_diagnosed(results):
    wrong = results["wrong-valid-for-full"]
    assert wrong.verdict == "refuted" and wrong.diagnosis["code"] == "padding"
    assert "padding=[h - 1, v - 1]" in wrong.diagnosis["message"]


@pytest.mark.parametrize("claim", ["wrong-index-form", "wrong-orthogonal-square"])
def test_wrong_answers_are_refuted(results, claim):
    assert results[claim].verdict == "refuted", results[claim].reason


def test_strided_backward_questions_in_matrix_form_say_why_they_cannot_be_derived():
    result = decide_one({"x": "vector(n)", "w": "vector(k)"}, dict(
        kind="backprop", of="conv1d(x, w, stride=2)", wrt="w", upstream="G"))
    assert result.verdict == "undecided" and "transposed (dilated) convolution" in \
        result.reason


@pytest.mark.parametrize("of, wrt, indices, derived", [
    ("conv1d(x, w, stride=3)", "x", ["j"], "sum(G[i] * w[j - 3 * i], i)"),
    ("conv1d(x, w, stride=2, padding=k - 1)", "w", ["a"], "sum(G[i] * x[a + 2 * i - k + 1], i)"),
    ("relu(conv1d(x, w, stride=2))", "w", ["a"],
     "sum(G[i] * x[a + 2 * i] * step(sum(w[l] * x[2 * i + l], l)), i)"),
])
def test_strided_backward_questions_in_index_form_are_derived_entry_by_entry(
        of, wrt, indices, derived):
    result = decide_one({"x": "vector(n)", "w": "vector(k)"}, dict(
        kind="backprop", of=of, wrt=wrt, upstream="G", indices=indices))
    assert result.verdict == "proved", result.reason
    assert result.derived == derived


def test_an_index_outside_the_array_reads_zero():
    result = decide_one({"x": "vector(n)"}, dict(kind="equal", lhs="sum(x[i - 1] * x[i], i)",
                                                  rhs="sum(x[i] * x[i + 1], i)"))
    assert result.verdict == "proved", result.reason


# --- orthogonal ---------------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_drawn_orthogonal_matrices_are_orthogonal(data):
    model, claim = _model({"Q": "matrix(n, n, orthogonal)"}, "sum(Q)", "sum(Q)")
    Q = np.real(data.draw(point_strategy(model, claim)).values["Q"])
    assert np.allclose(Q.T @ Q, np.eye(Q.shape[0]))


def test_exact_points_of_an_orthogonal_matrix_are_orthogonal():
    from symgrad.paths.symbolic import Instance

    model, claim = _model({"Q": "matrix(n, n, orthogonal)"}, "sum(Q)", "sum(Q)")
    instance = Instance(model, claim, {"n": 3})
    Q = np.real(instance.random_values(random.Random(1), {})["Q"])
    assert np.allclose(Q.T @ Q, np.eye(3))


def test_orthogonal_combines_with_no_other_qualifier():
    result = decide_one({"Q": "matrix(n, n, orthogonal, symmetric)"}, dict(
        kind="equal", lhs="sum(Q)", rhs="sum(Q)"))
    assert result.verdict == "error" and "orthogonal cannot be combined" in result.reason


# --- LaTeX ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, latex", [
    ("kron(A, B)", r"\mathbf{A} \otimes \mathbf{B}"),
    ("vec(A)", r"\operatorname{vec}\left(\mathbf{A}\right)"),
    ("conv1d(x, w)", r"\mathbf{x} \mathbin{\star} \mathbf{w}"),
    ("conv1d(x, flip(w), stride=2, padding=k - 1)",
     r"\mathbf{x} \mathbin{\star_{s = 2, p = k - 1}} \operatorname{flip}\left(\mathbf{w}\right)"),
    ("maxpool2d(X, 2)", r"\operatorname{maxpool}_{2}\left(\mathbf{X}\right)"),
    ("sum(x[i + 1] * x[i], i)", r"\sum_{i} \mathbf{x}_{i + 1} \, \mathbf{x}_{i}"),
])
def test_latex_of_the_new_operations(expression, latex):
    model, _ = _model(CONV)
    node, _ = Resolver(model).resolve_text(expression)
    assert Printer(model)(node) == latex


def test_the_other_convention_for_a_symmetric_matrix_is_diagnosed_as_such(results):
    wrong = results["wrong-symmetric-convention"]
    assert wrong.verdict == "refuted" and wrong.diagnosis["code"] == "symmetric-convention"
    assert "2 G - diag(G)" in wrong.diagnosis["message"]
    assert wrong.diagnosis["message"].endswith("inv(Sigma)")


@pytest.mark.parametrize("symbols, expression, says", [
    ({"X": "matrix(16, 16)"}, "kron(kron(X, X), X)", "16,777,216 entries"),
    ({"A": "matrix(n, n)"}, "kron(kron(kron(A, A), A), A)", "65,536 entries at size 4"),
    ({"x": "vector(n)", "w": "vector(k)"}, "conv1d(x, w, padding=1000000)", "beyond symgrad's"),
])
def test_huge_arrays_are_refused_before_any_work(symbols, expression, says):
    result = decide_one(symbols, dict(kind="equal", lhs=expression, rhs=expression))
    assert result.verdict == "error" and says in result.reason, result.reason
