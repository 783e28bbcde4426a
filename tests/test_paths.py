"""The two paths on their own: sizes, qualifiers, the complex step, exact evaluation."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from symgrad.language.files import load
from symgrad.paths.numeric import Point, compare, point_strategy
from symgrad.paths.symbolic import Instance, size_assignments
from tests.helpers import claims_text

QUALIFIED = claims_text(
    {"p": "vector(n, probability)", "q": "matrix(n, m, positive)", "y": "vector(n, binary)",
     "t": "vector(n, onehot)", "S": "matrix(m, m, symmetric)", "u": "vector(n, nonzero)"},
    dict(kind="equal", lhs="sum(p) + sum(q) + sum(y) + sum(t) + sum(S) + sum(u)",
         rhs="sum(p) + sum(q) + sum(y) + sum(t) + sum(S.T) + sum(u)"))


def model_and_claim(text):
    model = load("<test>", text)
    return model, model.claims[0]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_numeric_points_respect_the_qualifiers(data):
    model, claim = model_and_claim(QUALIFIED)
    point = data.draw(point_strategy(model, claim))
    v = {k: np.real(a) for k, a in point.values.items()}
    assert np.all((v["p"] > 0) & (v["p"] < 1))
    assert np.all(v["q"] > 0)
    assert set(np.ravel(v["y"])) <= {0.0, 1.0}
    assert sorted(v["t"]) == [0.0] * (len(v["t"]) - 1) + [1.0]
    assert np.array_equal(v["S"], v["S"].T)
    assert np.all(v["u"] != 0)
    assert 1 <= point.sizes["n"] <= 4 and 1 <= point.sizes["m"] <= 4


def test_symbolic_sizes_are_distinct_and_at_least_two():
    model, claim = model_and_claim(claims_text(
        {"V": "matrix(n, m)", "X": "matrix(m, p)", "W": "matrix(p, n)"},
        dict(kind="gradient", of="tr(V @ X @ W)", wrt="X", answer="V.T @ W.T")))
    assignments = size_assignments(model, claim)
    assert len(assignments) == 2 and assignments[0] != assignments[1]
    for sizes in assignments:
        assert len(set(sizes.values())) == 3 and min(sizes.values()) >= 2


def test_literal_indices_raise_the_smallest_size():
    model, claim = model_and_claim(claims_text(
        {"v": "vector(n)"}, dict(kind="gradient", of="v[2] * v[0]", wrt="v",
                                 answer="v[0] * eye(n)[2] + v[2] * eye(n)[0]")))
    assert model.min_sizes == {"n": 3}


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_complex_step_truth_matches_the_known_gradient(n, m, seed):
    model, claim = model_and_claim(claims_text(
        {"A": "matrix(n, m)", "X": "matrix(m, n)"},
        dict(kind="gradient", of="tr(A @ X)", wrt="X", answer="A.T")))
    rng = np.random.default_rng(seed)
    A, X = rng.normal(size=(n, m)), rng.normal(size=(m, n))
    comparison = compare(model, claim, Point({"n": n, "m": m}, {"A": A + 0j, "X": X + 0j}))
    np.testing.assert_allclose(comparison.expected, A.T, rtol=1e-12, atol=1e-12)
    assert comparison.differs == []


def test_exact_evaluation_confirms_a_difference():
    model, claim = model_and_claim(claims_text(
        {"x": "vector(n)", "B": "matrix(n, n)"},
        dict(kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x")))
    instance = Instance(model, claim, {"n": 2})
    got, expected = instance.at({"x": np.array([1.0, 1.0]), "B": np.array([[0, 1], [0, 0.]])},
                                {})
    np.testing.assert_allclose(expected, [1, 1])
    np.testing.assert_allclose(got, [2, 0])


def test_generic_function_is_checked_with_concrete_test_functions():
    [result] = symgrad.check(claims_text(
        {"X": "matrix(N, d)", "h": "function"},
        dict(kind="backprop", of="h(2 * X)", wrt="X", upstream="G",
             answer="G * diff(h)(2 * X)")))
    assert result.verdict == "refuted"  # the chain-rule factor 2 is missing
    assert "h" in result.counterexample["functions"]


def _dimension(text):
    import sympy as sp

    from symgrad.vocabulary import dims

    n, k, s = (dims.symbol(name) for name in "nks")
    return dims.make({"(n - k) / s + 1": (n - k) / s + 1,
                      "floor((n + 2 - k) / s) + 1": sp.floor((n + 2 - k) / s) + 1,
                      "1 / (n - k) + 1": 1 / (n - k) + 1, "(n - k)**2 / s": (n - k) ** 2 / s,
                      "(n - 1) / 2": sp.Rational(1, 2) * (n - 1), "n / (k - 2)": n / (k - 2),
                      "4 / (n - k)**2": 4 * (n - k) ** -2}[text])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["(n - k) / s + 1", "floor((n + 2 - k) / s) + 1", "1 / (n - k) + 1",
                        "(n - k)**2 / s", "(n - 1) / 2", "n / (k - 2)", "4 / (n - k)**2"]),
       st.integers(1, 7), st.integers(1, 7), st.integers(1, 7))
def test_derived_sizes_are_exact_as_sympy_has_them(text, n, k, s):
    # every assignment at once, in integer numerators and denominators, against SymPy
    from symgrad.paths import sizes
    from symgrad.vocabulary import dims

    d = _dimension(text)
    [(above, below)] = sizes._derived((d,), ("n", "k", "s"))(np.array([[n], [k], [s]]))
    value = dims.evaluate(d, {"n": n, "k": k, "s": s})
    whole = value.is_Integer and value >= 1 and not value.has(dims.sympy().zoo)
    assert (int(sizes._whole(above, below)[0]) >= 1) == bool(whole)
    if whole:
        assert int(sizes._whole(above, below)[0]) == int(value)
