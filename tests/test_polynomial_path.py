"""The symbolic path's polynomial ring (symgrad.paths.polynomial): the explicit entries of a
polynomial claim built and differentiated as polynomials.  A proof there is a proof the
SymPy expressions would make too; anything it cannot show goes to them."""

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symgrad.engine.polynomials import Quotient
from symgrad.kinds import psd
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.paths import polynomial, symbolic
from symgrad.verdicts.procedures import procedure
from tests.helpers import answer_mutants, claims_text, decide_one

CASES = [(model, claim) for path in claim_files([builtin_folder()])
         for model in [load(path)] for claim in model.claims
         if claim.kind in polynomial.KINDS and not claim.error]


def _by_sympy(model, claim, sizes) -> str:
    """The SymPy expressions' own verdict at these sizes, the ring left out."""
    saved = polynomial.is_zero_at, symbolic.size_assignments, psd.size_assignments
    polynomial.is_zero_at = lambda *a: False
    symbolic.size_assignments = psd.size_assignments = lambda *a: [sizes]
    try:
        return procedure(claim.kind).prove(model, claim, random.Random(0)).status
    finally:
        polynomial.is_zero_at, symbolic.size_assignments, psd.size_assignments = saved


def test_most_polynomial_builtins_are_proved_in_the_ring_and_sympy_agrees():
    proved = 0
    for model, claim in CASES:
        for sizes in symbolic.size_assignments(model, claim):
            if polynomial.is_zero_at(model, claim, sizes):
                proved += 1
                assert _by_sympy(model, claim, sizes) == "proved", claim.name
    assert proved >= 150  # traces, quadratic forms, Kronecker products, convolutions,
    # inverses and determinants, softmax, batch norm, ...


MUTATED = ["cookbook_traces.toml", "quadratic_form.toml", "linear_regression.toml",
           "convolution.toml", "cookbook_kronecker.toml", "trace_product.toml",
           "cookbook_inverses.toml", "cookbook_determinants.toml", "activations.toml",
           "softmax.toml", "batch_norm.toml", "logistic_regression.toml",
           "gaussian_likelihood.toml", "activation_identities.toml", "linear_layer.toml",
           "softmax_cross_entropy_hessian.toml", "cross_entropy.toml"]


@pytest.mark.parametrize("name", MUTATED)
def test_the_ring_never_proves_a_wrong_answer(name):
    model = load(builtin_folder() / name)
    refuted = 0
    for mutant, wrong_model, wrong in answer_mutants(model, polynomial.KINDS, 8):
        sizes = symbolic.size_assignments(wrong_model, wrong)[0]
        if _by_sympy(wrong_model, wrong, sizes) == "disproved":
            refuted += 1
            assert not polynomial.is_zero_at(wrong_model, wrong, sizes), mutant
    assert refuted > 0  # the mutants are wrong somewhere: the test could fail


def _claim(symbols, **fields):
    model = load("<test>", claims_text(symbols, {"name": "c", **fields}))
    return model, model.claims[0]


@pytest.mark.parametrize("declared, right", [("matrix(n, n, symmetric)", True),
                                             ("matrix(n, n)", False)])
def test_a_symmetric_matrix_shares_its_entries_in_the_ring(declared, right):
    # 2 S x is the gradient of xᵀSx only when S is symmetric
    model, claim = _claim({"x": "vector(n)", "S": declared}, kind="gradient",
                          of="x @ S @ x", wrt="x", answer="2 * S @ x")
    assert polynomial.is_zero_at(model, claim, {"n": 3}) == right
    assert decide_one({"x": "vector(n)", "S": declared},
                      dict(kind="gradient", of="x @ S @ x", wrt="x",
                           answer="2 * S @ x")).verdict == ("proved" if right else "refuted")


@pytest.mark.parametrize("symbols, fields", [
    ({"x": "vector(n)"}, dict(kind="gradient", of="sum(relu(x))", wrt="x",
                              answer="step(x)")),  # a kink: no slope in the ring
    ({"y": "vector(n, sign)", "x": "vector(n)"}, dict(kind="gradient", of="sum(x * y**2)",
                                                     wrt="y", answer="2 * x * y")),  # wrt
])
def test_what_the_ring_cannot_show_goes_to_sympy_and_is_still_proved(symbols, fields):
    model, claim = _claim(symbols, **fields)
    assert not polynomial.is_zero_at(model, claim, {"n": 2})
    assert decide_one(symbols, fields).verdict == "proved"


def test_exact_division_by_a_constant_stays_in_the_ring():
    model, claim = _claim({"x": "vector(n)"}, kind="gradient", of="sum(x**3) / 6",
                          wrt="x", answer="x**2 / 2")
    assert polynomial.is_zero_at(model, claim, {"n": 3})
    model, claim = _claim({"x": "vector(n)"}, kind="gradient", of="sum(x**3) / 6",
                          wrt="x", answer="x**2 / 3")
    assert not polynomial.is_zero_at(model, claim, {"n": 3})


def test_inverses_determinants_and_divisions_are_proved_as_quotients():
    symbols = {"X": "matrix(n, n, invertible)", "a": "vector(n)", "b": "vector(n)"}
    right = dict(kind="gradient", of="a @ inv(X) @ b", wrt="X",
                 answer="-inv(X).T @ outer(a, b) @ inv(X).T")
    model, claim = _claim(symbols, **right)
    assert polynomial.is_zero_at(model, claim, {"n": 3})
    wrong = {**right, "answer": "-inv(X) @ outer(a, b) @ inv(X)"}
    model, claim = _claim(symbols, **wrong)
    assert not polynomial.is_zero_at(model, claim, {"n": 3})
    model, claim = _claim({"X": "matrix(n, n, invertible)"}, kind="gradient", of="det(X)",
                          wrt="X", answer="det(X) * inv(X).T")
    assert polynomial.is_zero_at(model, claim, {"n": 3})
    model, claim = _claim({"x": "vector(n)", "y": "vector(n)"}, kind="gradient",
                          of="sum(x**2 / (1 + y**2))", wrt="x", answer="2 * x / (1 + y**2)")
    assert polynomial.is_zero_at(model, claim, {"n": 2})
    model, claim = _claim({"x": "vector(n)", "X": "matrix(n, n, invertible)"},
                          kind="gradient", of="x @ inv(inv(X)) @ x", wrt="x",
                          answer="(X + X.T) @ x")  # a matrix of quotients inverted
    assert polynomial.is_zero_at(model, claim, {"n": 3})
    model, claim = _claim({"X": "matrix(n, n, invertible)"}, kind="equal",
                          lhs="det(inv(X)) * det(X)", rhs="1")
    assert polynomial.is_zero_at(model, claim, {"n": 3})


def _ring():
    from sympy import QQ
    from sympy.polys.rings import ring

    return ring("x, y", QQ)


AT = {"x": Fraction(3, 7), "y": Fraction(-5, 4)}


def _value(q: Quotient, gens) -> Fraction:
    point = list(zip(gens, (AT["x"], AT["y"]), strict=True))

    def at(p):
        value = p.evaluate(point) if p.ring.ngens > 0 else p
        return Fraction(int(value.numerator), int(value.denominator))

    below = Fraction(1)
    for base, k in q.below.items():
        below *= at(base) ** k
    return at(q.above) / below


def _combined(op, a, b):
    return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__}[op](b)


@given(st.lists(st.tuples(st.sampled_from("+-*/"), st.integers(0, 20), st.integers(0, 20)),
                min_size=1, max_size=10))
def test_quotient_arithmetic_is_exact_arithmetic(steps):
    R, x, y = _ring()
    made = [(Quotient(x), AT["x"]), (Quotient(y), AT["y"]),
            (Quotient(1 + x * y), 1 + AT["x"] * AT["y"]), (Quotient(R(2)), Fraction(2))]
    for op, i, j in steps:
        (a, va), (b, vb) = made[i % len(made)], made[j % len(made)]
        if op == "/" and vb == 0:
            continue
        made.append((_combined(op, a, b), _combined(op, va, vb)))
    for q, value in made:
        assert _value(q, [x, y]) == value
        assert bool(q) == (value != 0)


def test_the_derivative_of_a_quotient():
    R, x, y = _ring()
    q = Quotient(R.one) / Quotient(1 + x ** 2)  # 1 / (1 + x²)
    expected = Quotient(-2 * x) / (Quotient(1 + x ** 2) ** 2)
    assert not (q.diff(x) - expected)
    assert not (q ** -2).diff(y)
    assert not ((Quotient(x * y) / Quotient(1 + x)).diff(x)
                - Quotient(y) / Quotient(1 + x) ** 2)


def test_an_application_is_an_atom_equal_in_form_only():
    # softmax's backward pass and batch norm's are proved with exp and sqrt as atoms
    model, claim = _claim({"z": "vector(K)"}, kind="jacobian", of="softmax(z)", wrt="z",
                          answer="diag(softmax(z)) - outer(softmax(z), softmax(z))")
    assert polynomial.is_zero_at(model, claim, {"K": 3})
    # log |det X| is not log(det X) (defined only where det X > 0): atoms of their own
    model, claim = _claim({"X": "matrix(n, n, invertible)"}, kind="equal", lhs="logdet(X)",
                          rhs="log(det(X))")
    assert not polynomial.is_zero_at(model, claim, {"n": 2})
    # exp(a + b) = exp(a) exp(b) holds, but not in form: SymPy's expressions prove it
    fields = dict(kind="equal", lhs="exp(a + b)", rhs="exp(a) * exp(b)")
    model, claim = _claim({"a": "scalar", "b": "scalar"}, **fields)
    assert not polynomial.is_zero_at(model, claim, {})
    assert decide_one({"a": "scalar", "b": "scalar"}, fields).verdict == "proved"


@pytest.mark.parametrize("declared, answer, right", [
    ("vector(n, binary)", "y", False),  # (y² = y: left to SymPy's expressions)
    ("vector(n)", "y", False), ("vector(n, sign)", "ones(n)", True),
    ("vector(n, onehot)", "y", True), ("vector(n, onehot)", "ones(n)", False)])
def test_entries_of_few_values_take_each_value_in_the_ring(declared, answer, right):
    model, claim = _claim({"x": "vector(n)", "y": declared}, kind="gradient",
                          of="sum(x * y**2)", wrt="x", answer=answer)
    assert polynomial.is_zero_at(model, claim, {"n": 3}) == right


def test_quotients_that_grow_past_the_cap_are_left_to_sympy():
    # inverses of inverses, never reduced by a gcd: at n = 3 the products pass MAX_PRODUCT
    model, claim = _claim({"X": "matrix(n, n, invertible)"}, kind="gradient",
                          of="sum(inv(inv(inv(X))))", wrt="X",
                          answer="-(inv(X) @ ones(n, n) @ inv(X)).T")
    assert polynomial.is_zero_at(model, claim, {"n": 2})
    assert not polynomial.is_zero_at(model, claim, {"n": 3})
