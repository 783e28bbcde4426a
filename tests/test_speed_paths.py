"""The fast paths of #15: the cheap zero test, directional checks, numpy-drawn points and
real sizes.  Each is pinned where it could lose power (a wrong answer it must still
refute) as well as where it saves time."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from symgrad.cli import main
from symgrad.language.files import load
from symgrad.language.real_sizes import parse_option
from symgrad.output.report import describe
from symgrad.paths import directions, numeric, symbolic
from symgrad.paths.fraction import is_zero_over_atoms, rational_in
from symgrad.paths.points import fixed_points, random_batches
from tests.helpers import TRACE, claims_text, decide_one

x, y, z = sp.symbols("x y z")


# --- the cheap zero test -------------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    (x + y) ** 3 - x**3 - 3 * x**2 * y - 3 * x * y**2 - y**3,
    1 / (x * y - z) + 1 / (z - x * y),
    sp.tanh(x * (y + 1)) ** 2 - sp.tanh(x * y + x) ** 2,  # one atom, written two ways
    x / (x**2 + x * y) - 1 / (x + y),  # the denominators are related: still a proof
    (1 - sp.tanh(x) ** 2) * y - y + y * sp.tanh(x) ** 2,
])
def test_rational_identities_over_atoms_are_proved(expr):
    assert is_zero_over_atoms(expr)


@pytest.mark.parametrize("expr", [
    x + y,
    1 / (x - y) - 1 / (y - x),
    sp.tanh(x) - (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1),  # true, but not by form: escalate
    sp.sqrt(x) ** 2 - x + 1,
])
def test_what_is_not_zero_by_form_is_never_called_zero(expr):
    assert not is_zero_over_atoms(expr)


SOFTMAX_0 = sp.exp(x) / (sp.exp(x) + sp.exp(y))


@pytest.mark.parametrize("expr", [
    sp.exp(2 * x) - sp.exp(x) ** 2,  # a whole multiple is a power
    sp.exp(-x) * sp.exp(x) - 1,
    sp.exp(x + 2 * y - 1) - sp.exp(x) * sp.exp(y) ** 2 * sp.exp(-1),  # a sum is a product
    sp.exp(x / 2) ** 2 - sp.exp(x),  # halves meet wholes: exp(x/2) is the atom of both
    # softmax's derivative as the chain rule writes it and as s - s² (exp(2x) beside exp(x))
    (SOFTMAX_0 - sp.exp(2 * x) / (sp.exp(x) + sp.exp(y)) ** 2) - (SOFTMAX_0 - SOFTMAX_0**2),
    (sp.tanh(x / 2) + 1) / 2 - 1 / (1 + sp.exp(-x)),  # tanh in exponentials (zero.py's step)
])
def test_exponentials_of_related_arguments_meet(expr):
    assert is_zero_over_atoms(expr.rewrite(sp.exp) if expr.has(sp.tanh) else expr)


@pytest.mark.parametrize("expr", [
    sp.exp(2 * x) - sp.exp(x),
    sp.exp(x) * sp.exp(y) - sp.exp(x * y),
    sp.exp(x / 2) - sp.exp(x) / 2,
])
def test_exponentials_that_differ_stay_apart(expr):
    assert not is_zero_over_atoms(expr)


def test_a_rational_step_is_a_quotient_of_polynomials_in_its_variable():
    newton = x - (x**3 - 2) / (3 * x**2)
    above, below = rational_in(newton, x)
    quotient = sp.Poly(above, x).as_expr() / sp.Poly(below, x).as_expr()
    assert sp.simplify(quotient - newton) == 0
    assert below == [1, 0, 0]  # (x²: the denominator as written, made monic)
    assert rational_in(x - sp.tanh(x), x) is None  # an atom: not rational in x
    assert rational_in(x - y / x, x) is None  # another symbol


def test_indicators_are_idempotent():
    h = sp.Dummy("h")
    assert is_zero_over_atoms(h**3 - h, idempotent=(h,))
    assert not is_zero_over_atoms(h**3 - h)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6))
def test_a_zero_by_form_is_zero_at_random_points(coefficients):
    """The numerator of p/q - r/s over a common denominator is 0 exactly when the
    fractions are equal: checked against exact values at a point."""
    a, b, c, d, e, f = coefficients
    left = (a * x + b * y) / (x + 2) + c * sp.tanh(y) / (y**2 + 1)
    right = (d * x + e * y) / (x + 2) + f * sp.tanh(y) / (y**2 + 1)
    point = {x: sp.Rational(3, 7), y: sp.Rational(-5, 11)}
    equal = sp.nsimplify((left - right).subs(point).evalf(40)) == 0
    assert is_zero_over_atoms(left - right) == equal


def test_inverse_claims_are_proved_by_the_cheap_form():
    results = symgrad.check("derivations/cookbook_inverses.toml")
    assert {r.claim: (r.verdict, r.scope) for r in results}["trace"] == ("proved", "all sizes")


# --- directional checks ------------------------------------------------------------------

def _claim(symbols, claim):
    model = load("<test>", claims_text(symbols, claim))
    return model, model.claims[0]


WRONG_TRACE = dict(kind="gradient", of="tr(V @ X @ W)", wrt="X", answer="2 * V.T @ W.T")
RIGHT_TRACE = dict(kind="gradient", of="tr(V @ X @ W)", wrt="X", answer="V.T @ W.T")


def test_directions_pass_a_right_answer_and_carry_no_difference():
    model, claim = _claim(TRACE, RIGHT_TRACE)
    for point in fixed_points(model, claim, random.Random(0), [{"n": 2, "m": 3, "p": 4}]):
        assert numeric.judge(model, claim, point).differs == []


def test_a_difference_along_directions_is_reported_entry_by_entry():
    """Where a direction disagrees, the entrywise comparison names the entries."""
    model, claim = _claim(TRACE, WRONG_TRACE)
    point = fixed_points(model, claim, random.Random(0), [{"n": 2, "m": 3, "p": 4}])[0]
    quick, full = numeric.judge(model, claim, point), numeric.compare(model, claim, point)
    assert quick.differs == full.differs != []
    np.testing.assert_allclose(quick.expected, full.expected)


@pytest.mark.parametrize("claim", [
    dict(kind="jacobian", of="softmax(z)", wrt="z", answer="diag(softmax(z))"),
    dict(kind="backprop", of="softmax(z)", wrt="z", upstream="g",
         answer="softmax(z) * g"),
    dict(kind="hessian", of="logsumexp(z)", wrt="z", answer="diag(softmax(z))"),
])
def test_wrong_answers_of_every_kind_fail_along_directions(claim):
    model, claim = _claim({"z": "vector(K)"}, claim)
    point = fixed_points(model, claim, random.Random(1), [{"K": 3}])[0]
    truth, got, disagreement = directions.along(model, claim, point,
                                                numeric.tolerance_kind(model, claim))
    assert not directions.agrees(disagreement, numeric.tolerance_kind(model, claim))
    assert numeric.judge(model, claim, point).differs


def test_random_points_are_seeded_and_respect_qualifiers():
    symbols = {"p": "vector(n, probability)", "y": "vector(n, onehot)",
               "S": "matrix(n, n, spd)"}
    model, claim = _claim(symbols, dict(kind="equal", lhs="p @ S @ y", rhs="p @ S @ y"))
    first = [p for batch in random_batches(model, claim, 5, 10) for p in batch]
    again = [p for batch in random_batches(model, claim, 5, 10) for p in batch]
    for a, b in zip(first, again, strict=True):
        assert a.sizes == b.sizes
        for name in a.values:
            np.testing.assert_array_equal(a.values[name], b.values[name])
    for point in first:
        assert np.all((point.values["p"].real > 0) & (point.values["p"].real < 1))
        assert point.values["y"].real.sum() == 1
        assert np.all(np.linalg.eigvalsh(point.values["S"].real) > 0)
    assert {p.sizes["n"] for p in first} - {1}  # not only the smallest size


# --- real sizes --------------------------------------------------------------------------

def test_a_claim_checked_at_its_real_sizes_says_so_in_its_scope():
    result = decide_one(TRACE, {**RIGHT_TRACE, "sizes": {"n": 300, "m": 200, "p": 100}})
    assert result.verdict == "proved"
    assert result.scope == "all sizes; numeric also at n=300, m=200, p=100"


def test_a_wrong_answer_with_real_sizes_is_refuted_at_small_ones():
    result = decide_one(TRACE, {**WRONG_TRACE, "sizes": {"n": 300, "m": 200, "p": 100}})
    assert result.verdict == "refuted"
    assert max(result.counterexample["sizes"].values()) <= 4


def test_a_difference_only_along_directions_at_a_real_size():
    """Past FULL_ENTRIES, the directions are the comparison (and say so)."""
    model, claim = _claim(TRACE, WRONG_TRACE)
    point = fixed_points(model, claim, random.Random(0), [{"n": 40, "m": 30, "p": 40}])[0]
    comparison = numeric.judge(model, claim, point)
    assert comparison.differs == [()]
    assert "along a random direction" in comparison.message


def test_the_command_line_sizes_reach_every_claim_with_those_dimensions(tmp_path, capsys):
    path = tmp_path / "trace.toml"
    path.write_text(claims_text(TRACE, {"name": "t", **RIGHT_TRACE}))
    assert main(["check", "--sizes", "n=120,m=80", "-v", str(path)]) == 0
    out = capsys.readouterr().out
    assert "numeric also at n=120, m=80, p=" in out


@pytest.mark.parametrize("option, message", [
    ("n=0", "from 1 to"),
    ("n", "NAME=SIZE"),
    ("n=10,n=20", "twice"),
    ("2n=5", "NAME=SIZE"),
])
def test_bad_command_line_sizes_are_usage_errors(option, message):
    with pytest.raises(ValueError, match=message):
        parse_option(option)


def test_bad_sizes_option_exits_2(tmp_path, capsys):
    path = tmp_path / "trace.toml"
    path.write_text(claims_text(TRACE, {"name": "t", **RIGHT_TRACE}))
    assert main(["check", "--sizes", "n=-3", str(path)]) == 2
    assert "--sizes" in capsys.readouterr().err


@pytest.mark.parametrize("sizes, message", [
    ({"q": 10}, "the claim has no dimension 'q'"),
    ({"n": 100_000, "m": 100_000}, "beyond symgrad's limit of 100,000,000"),
    ({"n": 0}, "whole number from 1"),
    ({"n": 10**9}, "not 1,000,000,000"),
    ({"n": 2.5}, "not 2.5"),
    ("n=10", "sizes maps dimension names"),
])
def test_bad_sizes_in_a_file_are_errors_of_that_claim(sizes, message):
    result = decide_one(TRACE, {**RIGHT_TRACE, "sizes": sizes})
    assert result.verdict == "error"
    assert message in result.reason


def test_sizes_are_only_for_kinds_that_take_them():
    result = decide_one({"x": "vector(n)"}, dict(kind="expectation", of="x @ x",
                                                  answer="x @ x", sizes={"n": 10}))
    assert result.verdict == "error" and "unknown field 'sizes'" in result.reason


QUADRATIC = {"x": "vector(n)", "B": "matrix(n, n)"}
QUADRATIC_INDEX = dict(kind="gradient", of="x @ B @ x", wrt="x", indices=["i"],
                       answer="sum(B[i, k] * x[k], k) + sum(B[k, i] * x[k], k)")


def test_an_index_form_answer_made_entry_by_entry_is_checked_at_real_sizes():
    result = decide_one(QUADRATIC, {**QUADRATIC_INDEX, "sizes": {"n": 1000}})
    assert result.verdict == "proved" and result.scope.endswith("numeric also at n=1000")


def test_a_conv_backward_pass_in_index_form_is_walked_at_once_at_a_layer_size():
    """wrt (the kernel) is small, but the sum runs over 10⁵ positions: one walk, not 10⁵."""
    claim = dict(kind="backprop", of="conv1d(x, w)", wrt="w", upstream="G", indices=["a"],
                 answer="sum(G[i] * x[i + a], i)", sizes={"n": 100_000, "k": 5})
    result = decide_one({"x": "vector(n)", "w": "vector(k)"}, claim, timeout=10)
    assert result.verdict == "proved" and "numeric also at n=100000, k=5" in result.scope


@pytest.mark.parametrize("answer, sizes, message", [
    ("sum(sum(B[i, k] * B[k, j] * x[j], j), k) * 0 + sum(B[i, k] * x[k] + B[k, i] * x[k], k)",
     {"n": 300}, "a value of 27,000,000 entries"),  # i, k, j nested: 300 each
    ("sum(softmax(B[i, k] * x)[k], k) * 0 + sum(B[i, k] * x[k] + B[k, i] * x[k], k)",
     {"n": 100}, "evaluated one entry at a time"),  # softmax of what depends on i
])
def test_real_sizes_refuse_an_index_form_answer_beyond_the_grid_or_not_entry_by_entry(
        answer, sizes, message):
    result = decide_one(QUADRATIC, {**QUADRATIC_INDEX, "answer": answer, "sizes": sizes})
    assert result.verdict == "error" and message in result.reason


def test_a_sum_counts_only_the_indices_it_depends_on():
    """tanh(Σ_k W[i, k] x[k]) does not depend on j: its walk makes m·n values, not m·n·n."""
    claim = dict(kind="backprop", of="tanh(W @ x)", wrt="W", upstream="G", indices=["i", "j"],
                 answer="G[i] * (1 - tanh(sum(W[i, k] * x[k], k))**2) * x[j]",
                 sizes={"m": 512, "n": 256})
    result = decide_one({"W": "matrix(m, n)", "x": "vector(n)"}, claim, timeout=20)
    assert result.verdict == "proved" and "numeric also at m=512, n=256" in result.scope


def test_sums_side_by_side_are_walked_one_at_a_time_not_multiplied():
    """Two sums over k, each with i: the grid is n², not n³ (each sum's axis in turn)."""
    result = decide_one(QUADRATIC, {**QUADRATIC_INDEX, "sizes": {"n": 2000}}, timeout=20)
    assert result.verdict == "proved" and "numeric also at n=2000" in result.scope


@pytest.mark.parametrize("claim", [
    dict(QUADRATIC_INDEX, answer="sum(B[i, k] * x[k] + B[k, i] * x[k], k) * "
                                 "(1 + delta(i, 299))"),  # entry 299 wrong: n >= 300 only
    dict(kind="gradient", of="x @ B @ x", wrt="x",
         answer="(B + B.T) @ x + x * (n // 300)"),  # a term that is 0 below n = 300
])
def test_an_answer_wrong_only_at_the_real_sizes_is_refuted_there_and_shown_briefly(claim):
    result = decide_one(QUADRATIC, {**claim, "sizes": {"n": 400}}, timeout=20)
    assert result.verdict == "refuted", result.reason
    assert "confirmed by central differences" in result.reason
    assert result.counterexample["sizes"] == {"n": 400}
    B = result.counterexample["inputs"]["B"]  # 160,000 entries: the shape and the first
    assert B["shape"] == [400, 400] and B["entries"] == 160_000 and len(B["first"]) == 8
    assert len(result.counterexample["inputs"]["x"]) == 400  # (up to 1,000: in full)
    text = describe(result)
    assert len(text) < 3000 and "400 x 400 array" in text


def test_the_recheck_along_a_direction_tells_a_right_answer_from_a_wrong_one():
    model, claim = _claim(TRACE, RIGHT_TRACE)
    point = fixed_points(model, claim, random.Random(0), [{"n": 40, "m": 30, "p": 40}])[0]
    assert directions.recheck_along(model, claim, point) is False
    model, claim = _claim(TRACE, WRONG_TRACE)
    assert directions.recheck_along(model, claim, point) is True


def test_a_hessian_wrt_a_repeated_scalar_is_judged_as_entrywise():
    """wrt = [w, w]: both slices of a direction move w (a wrong answer must not pass)."""
    wrong = dict(kind="hessian", of="w * w * w", wrt=["w", "w"],
                 answer="[[0, 0], [0, 6 * w]]")
    assert decide_one({"w": "scalar"}, wrong).verdict == "refuted"


def test_random_values_decode_as_hypothesis_draws_them():
    from symgrad.paths.points import _decode, _decoded

    draws = np.arange(-303, 304)
    assert np.array_equal(_decoded(draws), [_decode(int(k), 3) for k in draws])


# --- sigmoid kept whole in exact entries ----------------------------------------------------

def test_sigmoid_is_one_atom_with_a_polynomial_derivative():
    from symgrad.vocabulary.functions import sigmoid

    u = sp.Symbol("u", real=True)
    assert sp.diff(sigmoid(u), u) == sigmoid(u) * (1 - sigmoid(u))
    assert sigmoid(-u) == 1 - sigmoid(u)  # one atom for ±u
    assert sp.simplify(sigmoid(u).rewrite(sp.exp) - 1 / (1 + sp.exp(-u))) == 0
    assert abs(sp.N(sigmoid(u).subs(u, sp.Rational(1, 3)), 30) -
               sp.N(1 / (1 + sp.exp(-sp.Rational(1, 3))), 30)) < 1e-25
    assert is_zero_over_atoms(sp.diff(sigmoid(2 * u + 1), u) -
                              2 * sigmoid(2 * u + 1) * (1 - sigmoid(2 * u + 1)))


def test_a_sigmoid_networks_backward_pass_is_settled_by_the_explicit_entries_too():
    symbols = {"X": "matrix(N, d)", "Y": "matrix(N, k)", "W1": "matrix(d, h)",
               "W2": "matrix(h, k)"}
    define = {"H": "sigmoid(X @ W1)", "P": "H @ W2", "dP": "P - Y", "dH": "dP @ W2.T"}
    text = claims_text(symbols, dict(name="dW1", kind="gradient", of="0.5 * sum((P - Y)**2)",
                                     wrt="W1", answer="X.T @ (dH * H * (1 - H))"),
                       define=define)
    [result] = symgrad.check(text)
    assert (result.verdict, result.scope) == ("proved", "all sizes")
    assert "explicit entries agree at sizes" in result.reason  # not "did not settle it"


def test_real_sizes_on_an_answer_with_clashing_index_ranges_refute_it_without_a_crash():
    """W[i, k] with i over n where W's rows are m: a wrong answer, refuted (the fuzzer's
    first find: the walk's size was asked of sums the resolver never gave a range)."""
    claim = dict(kind="gradient", of="sum(W @ x)", wrt="x", indices=["i"],
                 answer="sum(W[i, k], k)", sizes={"n": 3})
    result = decide_one({"x": "vector(n)", "W": "matrix(m, n)"}, claim)
    assert result.verdict == "refuted" and "runs over" in result.reason


@pytest.mark.parametrize("n", [3000, 20000])
def test_a_small_relative_difference_at_a_real_size_is_confirmed_quickly(n):
    """x[i + 1000] reads 0 below n = 1001: wrong only at the real size, by about 10⁻³ of the
    scale along the direction; central differences confirm it (exact evaluation of
    thousands of entries is not tried)."""
    claim = dict(kind="gradient", of="sum(exp(x))", wrt="x", indices=["i"],
                 answer="exp(x[i]) + x[i + 1000]", sizes={"n": n})
    result = decide_one({"x": "vector(n)"}, claim, timeout=20)
    assert result.verdict == "refuted" and "confirmed by central differences" in result.reason
    model, parsed = _claim({"x": "vector(n)"}, claim)
    point = fixed_points(model, parsed, random.Random(0), [{"n": n}], real=True)[0]
    assert symbolic.confirm(model, parsed, point) is None  # (past MAX_EXACT_ENTRIES)


def test_a_normaliser_sum_is_walked_once_at_a_real_size():
    """Σₖ exp(z[k]) depends on no free index: walked once at n = 10⁶, not a step per k."""
    claim = dict(kind="gradient", of="logsumexp(z)", wrt="z", indices=["i"],
                 answer="exp(z[i]) / sum(exp(z[k]), k)", sizes={"n": 1_000_000})
    result = decide_one({"z": "vector(n)"}, claim, timeout=20)
    assert result.verdict == "proved" and "numeric also at n=1000000" in result.scope


def test_an_equal_claim_wrong_only_at_its_real_size_is_undecided_not_a_crash():
    claim = dict(kind="equal", lhs="X @ X", rhs="X @ X + relu(n - 50)", sizes={"n": 100})
    result = decide_one({"X": "matrix(n, n)"}, claim, timeout=20)
    assert result.verdict == "undecided" and "could not be confirmed" in result.reason
