"""Piecewise functions are compared almost everywhere (kinks ignored)."""

import pytest

from symgrad.paths import zero
from symgrad.vocabulary.ops import sympy
from tests.helpers import decide_one

EQUAL_CLAIMS = [
    ("relu(relu(z)) = relu(z)", "relu(relu(z))", "relu(z)"),
    ("abs via step", "abs(z)", "z * (2 * step(z) - 1)"),
    ("relu via abs", "relu(z)", "(z + abs(z)) / 2"),
    ("leaky via relu", "leaky_relu(z, 0.1)", "relu(z) - 0.1 * relu(-z)"),
    ("max of two", "max([z, w])", "w + relu(z - w)"),
    ("tanh via sigmoid", "tanh(z)", "2 * sigmoid(2 * z) - 1"),
]


@pytest.mark.parametrize("what, lhs, rhs", EQUAL_CLAIMS, ids=[c[0] for c in EQUAL_CLAIMS])
def test_identities_with_kinks_are_proved(what, lhs, rhs):
    result = decide_one({"z": "scalar", "w": "scalar"}, dict(kind="equal", lhs=lhs, rhs=rhs))
    assert result.verdict == "proved", result.reason


def test_relu_backward_with_step_is_proved_whatever_step_is_at_zero():
    result = decide_one({"X": "matrix(N, d)"}, dict(kind="backprop", of="relu(X)", wrt="X",
                                                    upstream="G", answer="G * step(X)"))
    assert result.verdict == "proved"


def test_wrong_side_of_a_kink_is_refuted():
    result = decide_one({"z": "scalar"}, dict(kind="equal", lhs="relu(z)", rhs="z"))
    assert result.verdict == "refuted"
    assert result.counterexample["inputs"]["z"] < 0


def test_is_zero_splits_cases_on_kink_arguments():
    sp = sympy()
    x, y = sp.symbols("x y", real=True)
    assert zero.is_zero(sp.Max(0, x) - x * sp.Heaviside(x))
    assert zero.is_zero(sp.Heaviside(x) + sp.Heaviside(-x) - 1)
    assert zero.is_zero(sp.Abs(x - y) - (x - y) * sp.sign(x - y))
    assert not zero.is_zero(sp.Heaviside(x) - sp.Heaviside(-x))
    assert not zero.is_zero(sp.Max(0, x) - x)


def test_is_zero_handles_exponentials_and_binary_symbols():
    sp = sympy()
    a, b = sp.symbols("a b", real=True)
    softmax_entry = sp.exp(a) / (sp.exp(a) + sp.exp(b))
    assert zero.is_zero(sp.diff(softmax_entry, a) - softmax_entry * (1 - softmax_entry))
    y = sp.Symbol("y", nonnegative=True)
    assert zero.is_zero(y**2 - y, binary=[y])
    assert not zero.is_zero(y**2 - y)


def test_many_kinks_are_proved_with_indicators_where_cases_would_explode():
    sp = sympy()
    u = sp.symbols("u0:12", real=True)
    w = sp.Symbol("w", real=True)
    # relu(u) = u step(u), and step(-u) = 1 - step(u): 12 kinks, 2**12 cases
    same = sum(sp.Max(0, x) * w - x * sp.Heaviside(x) * w for x in u)
    assert zero.is_zero(same)
    assert zero.is_zero(sum(sp.Heaviside(-x) + sp.Heaviside(x) - 1 for x in u))
    assert not zero.is_zero(sum(sp.Max(0, x) - x for x in u))


def test_an_mlp_gradient_with_a_relu_layer_is_proved_not_only_verified():
    result = decide_one(
        {"X": "matrix(N, d)", "W1": "matrix(h, d)", "W2": "matrix(k, h)", "Y": "matrix(N, k)"},
        dict(kind="gradient", of="0.5 * sum((relu(X @ W1.T) @ W2.T - Y)**2)", wrt="W1",
             answer="(((relu(X @ W1.T) @ W2.T - Y) @ W2) * step(X @ W1.T)).T @ X"))
    assert result.verdict == "proved", result.reason


def test_the_quick_proof_is_the_cheap_form_alone():
    """Before a disproof is looked for, only the cheap form is tried (the heavier normal
    forms can take minutes to fail on a wrong answer's entry); they come after it."""
    sp = sympy()
    x, y = sp.symbols("x y", positive=True)
    related_logs = sp.log(x * y) - sp.log(x) - sp.log(y)
    assert not zero.is_zero(related_logs, quick=True)
    assert zero.is_zero(related_logs)
