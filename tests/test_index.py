"""The index path (symgrad.index): normal forms in index notation, "all sizes" only from a
zero normal form, and never a refutation of its own."""

import pytest

import symgrad
from symgrad.index import forms
from symgrad.index.normal import multiply, normal, summed
from symgrad.index.prove import difference, prove
from symgrad.index.translate import rules_of
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.run import models
from tests.helpers import TRACE, claims_text, decide_one

RULES = forms.Rules()
HERE = __import__("pathlib").Path(__file__).parent


def entry(name, *at):
    return forms.atom(forms.Entry(name, at))


def product(i, j, k):  # Σ_k A[i, k] B[k, j]
    return summed(multiply(entry("A", i, k), entry("B", k, j), 0, RULES), k, 3, 0, RULES)


# --- the normal form ------------------------------------------------------------------------

def test_bound_indices_are_renamed_canonically():
    assert product("i", "j", forms.fresh()).key == product("i", "j", forms.fresh()).key
    assert product("i", "j", "_a").key != product("j", "i", "_a").key


def test_a_delta_sums_an_index_away():
    k = forms.fresh()
    picked = summed(multiply(forms.atom(forms.delta("i", k)), entry("x", k), 0, RULES), k, 3,
                    0, RULES)
    assert picked.key == entry("x", "i").key
    assert normal(forms.atom(forms.delta("#0", "#1")).terms, 0, RULES).is_zero


def test_an_unused_bound_index_is_summed_into_its_range():
    n = forms.sp().Symbol("n")
    total = summed(entry("c"), forms.fresh(), n, 0, RULES)
    assert [t.coef for t in total.terms] == [n]


def test_the_qualifiers_rewrite():
    rules = forms.Rules(symmetric=frozenset("S"), idempotent=frozenset("y"),
                        sums_to_one=frozenset("p"), onehot=frozenset("y"))
    assert normal(entry("S", "j", "i").terms, 0, rules).key == entry("S", "i", "j").key
    square = multiply(entry("y", "i"), entry("y", "i"), 0, rules)
    assert square.key == entry("y", "i").key
    k = forms.fresh()
    assert summed(entry("p", k), k, 5, 0, rules).key == forms.constant(1).key
    two = multiply(entry("y", "i"), entry("y", "j"), 0, rules)  # one 1 only: y_i y_j = δ_ij y_i
    assert two.key == multiply(forms.atom(forms.delta("i", "j")), entry("y", "i"), 0,
                               rules).key


def test_only_onehot_entries_sum_to_one():
    # a probability entry is in (0, 1): a vector of them need not sum to 1
    probability = decide_one({"p": "vector(n, probability)"},
                             dict(kind="equal", lhs="sum(p)", rhs="1"))
    assert probability.verdict == "refuted" and probability.index_path.startswith(
        "the normal form of answer - truth in index notation is not 0")
    onehot = decide_one({"y": "vector(n, onehot)"}, dict(kind="equal", lhs="sum(y)", rhs="1"))
    assert (onehot.verdict, onehot.scope) == ("proved", "all sizes")


def test_a_nested_sum_never_captures_an_outer_index():
    # Σ_k x[k] exp(Σ_k' z[k'] w[k]): the inner sum's own index stays apart from the outer k
    k, inner = forms.fresh(), forms.fresh()
    total = summed(multiply(entry("z", inner), entry("w", k), 0, RULES), inner, 3, 0, RULES)
    term = multiply(entry("x", k), forms.atom(forms.Apply("exp", total)), 0, RULES)
    outer = summed(term, k, 3, 0, RULES)
    (only,) = outer.terms
    (bound, _), = only.bound
    apply = next(f for f, _ in only.factors if isinstance(f, forms.Apply))
    assert bound in apply.arg.free and len(apply.arg.terms[0].bound) == 1
    assert apply.arg.terms[0].bound[0][0] != bound


def test_the_softmax_jacobian_in_index_form():
    # the README's worked example: answer - truth is 0 term by term
    text = claims_text({"z": "vector(K)"}, dict(name="J", kind="jacobian", of="softmax(z)",
                                                wrt="z", answer="diag(s) - outer(s, s)"),
                       define={"s": "softmax(z)"})
    from symgrad.index.differentiate import derivative
    from symgrad.index.translate import Translate

    model = next(models(text))
    claim = model.claims[0]
    translate = Translate(model, claim, rules_of(model, claim, False))
    of = translate(claim.exprs["of"], ("i",))
    assert forms.show(of) == "(Σ_k<K exp(z[k]))^-1 exp(z[i])"
    truth = "(Σ_k<K exp(z[k]))^-1 exp(z[i]) δ(i,j) - (Σ_k<K exp(z[k]))^-2 exp(z[i]) exp(z[j])"
    assert forms.show(derivative(translate, of, "z", ("j",))) == truth
    assert forms.show(translate(claim.exprs["answer"], ("i", "j"))) == truth
    remainder, _ = difference(model, claim)
    assert remainder.is_zero
    wrong = next(models(text.replace("diag(s) - outer(s, s)",
                                     "diag(s) - outer(s, s) * (K - 1) / K")))
    remainder, _ = difference(wrong, wrong.claims[0])
    assert forms.show(remainder) == "(1/K) (Σ_k<K exp(z[k]))^-2 exp(z[i]) exp(z[j])"


# --- the path in a verdict ------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_sizes():
    results = symgrad.check(HERE / "index" / "small_sizes.toml", explain=False, isolate=False)
    return {r.claim: r for r in results}


@pytest.mark.parametrize("claim, sizes", [
    ("vanishes-for-n-up-to-4", {"n": 5}),
    ("gradient-vanishes-for-n-up-to-4", {"n": 5}),
    ("two-by-two-only", {"n": 3}),
    ("vanishes-for-n-up-to-3", {"n": 4, "m": 1}),
])
def test_claims_true_at_small_sizes_only_are_refuted_where_they_first_fail(claim, sizes,
                                                                         small_sizes):
    result = small_sizes[claim]
    assert result.verdict == "refuted", result.reason
    assert result.counterexample["sizes"] == sizes
    assert result.scope != "all sizes"


def test_sympy_wrong_zeros_are_not_trusted():
    of = "tr(V @ X @ W) + tr(W.T @ X.T @ V.T)"  # SymPy's matrix calculus makes this 0
    right = decide_one(TRACE, dict(kind="gradient", of=of, wrt="X", answer="2 * V.T @ W.T"))
    assert (right.verdict, right.scope) == ("proved", "all sizes")
    assert right.index_path.startswith("proved for every size")
    assert decide_one(TRACE, dict(kind="gradient", of=of, wrt="X", answer="0 * X")).verdict \
        == "refuted"
    norms = dict(kind="gradient", of="norm(x) + norm(2 * x)", wrt="x")
    assert decide_one({"x": "vector(n)"}, dict(norms, answer="3 * x / norm(x)")).scope == \
        "all sizes"
    assert decide_one({"x": "vector(n)"}, dict(norms, answer="0 * x")).verdict == "refuted"
    logdets = dict(kind="gradient", of="logdet(X) + logdet(X.T)", wrt="X")
    square = {"X": "matrix(n, n, invertible)"}
    assert decide_one(square, dict(logdets, answer="2 * inv(X).T")).scope == "all sizes"
    assert decide_one(square, dict(logdets, answer="0 * X")).verdict == "refuted"


def test_what_has_no_index_form_keeps_its_sizes_and_says_why():
    result = decide_one({"x": "vector(n)"}, dict(kind="equal", lhs="2 * max(x)",
                                                 rhs="max(x) + max(x)"))
    assert (result.verdict, result.scope) == ("proved", "sizes n=2; n=3")
    assert result.to_json()["index_path"] == "no index form for max"


def test_matrix_calculus_alone_does_not_widen_against_a_nonzero_normal_form(monkeypatch):
    from symgrad.index import prove as module

    nonzero = forms.atom(forms.Entry("x", ("@0",)))
    monkeypatch.setattr(module, "difference", lambda *a: (nonzero, RULES))
    result = decide_one({"x": "vector(n)", "B": "matrix(n, n)"},
                        dict(kind="gradient", of="x @ B @ x", wrt="x", answer="(B + B.T) @ x"))
    assert (result.verdict, result.scope) == ("proved", "sizes n=2; n=3")
    assert "but the index path does not" in result.reason


def test_a_zero_normal_form_against_a_confirmed_counterexample_is_an_error(monkeypatch):
    from symgrad.index import prove as module

    monkeypatch.setattr(module, "difference", lambda *a: (forms.Sum(()), RULES))
    result = decide_one({"x": "vector(n)", "B": "matrix(n, n)"},
                        dict(kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x"))
    assert result.verdict == "error" and "the paths disagree" in result.reason


def test_a_normal_form_past_its_cap_gives_up_cleanly(monkeypatch):
    monkeypatch.setattr(forms, "MAX_TERMS", 3)
    from symgrad.index import normal as normal_module

    monkeypatch.setattr(normal_module, "MAX_TERMS", 3)
    result = decide_one({"x": "vector(n)"}, dict(kind="gradient", of="sum((x + 1) ** 4)",
                                                 wrt="x", answer="4 * (x + 1) ** 3"),
                        isolate=False)
    assert result.verdict == "proved" and result.scope == "sizes n=2; n=3"
    assert "cap" in result.index_path


# --- the built-ins ----------------------------------------------------------------------------

#: built-in claims of the index path's kinds with sizes that are names, and no all-sizes
#: proof: why (the README's list says the same)
NOT_FOR_EVERY_SIZE = {
    "convolution.toml": "positions like s*i + a - p (a convolution) have no index form yet",
    "linear_regression.toml::closed-form-is-stationary":
        "(XᵀX + λI) inv(XᵀX + λI) = I across terms is not rewritten",
}


def _builtin_claims():
    for path in claim_files([builtin_folder()]):
        model = load(path)
        for claim in model.claims:
            if claim.kind in ("gradient", "jacobian", "backprop", "hessian", "equal", "psd") \
                    and claim.dims and claim.answer_field in claim.exprs:
                yield path.name, model, claim


def test_every_builtin_of_these_kinds_is_proved_for_every_size_but_the_listed():
    missing = []
    for file, model, claim in _builtin_claims():
        listed = file in NOT_FOR_EVERY_SIZE or f"{file}::{claim.name}" in NOT_FOR_EVERY_SIZE
        status = prove(model, claim).status
        if (status == "zero") == listed:
            missing.append(f"{file}::{claim.name}: {status}")
    assert not missing


KRONECKER = {"A": "matrix(n, m)", "D": "matrix(n, m)", "X": "matrix(m, n)", "M": "matrix(n, n)",
             "Z": "matrix(m, m)", "a": "vector(n * m)", "Y": "matrix(n, m)"}


@pytest.mark.parametrize("claim, status", [
    (dict(kind="equal", lhs="vec(A @ X @ D)", rhs="kron(D.T, A) @ vec(X)"), "zero"),
    (dict(kind="equal", lhs="vec(A @ X @ D)", rhs="kron(A, D.T) @ vec(X)"), "none"),
    (dict(kind="equal", lhs="kron(M, Z)", rhs="kron(Z, M)"), "none"),
    (dict(kind="equal", lhs="tr(kron(M, Z))", rhs="tr(M) * tr(Z)"), "zero"),
    (dict(kind="equal", lhs="tr(kron(M, Z))", rhs="tr(M) + tr(Z)"), "nonzero"),
    (dict(kind="gradient", of="a @ vec(Y)", wrt="Y", indices=["i", "j"],
          answer="a[i + n * j]"), "zero"),
    (dict(kind="gradient", of="a @ vec(Y)", wrt="Y", indices=["i", "j"],
          answer="a[j + m * i]"), "nonzero"),
])
def test_an_index_over_n_m_is_a_pair_read_one_way(claim, status):
    # kron(A, B)[a·p + b, ...] = A[a, ...] B[b, ...] and vec(X)[j·n + i] = X[i, j]: a pair
    # of indices; an index split two ways (kron(Z, M) against kron(M, Z)) has no index form
    model = next(models(claims_text(KRONECKER, dict(name="c", **claim))))
    assert prove(model, model.claims[0]).status == status


def test_a_symmetric_variable_is_mirrored_only_once_the_truth_is_built():
    # ∂/∂S of Σ S[a, b] C[a, b] is C, not Cᵀ: S's entries are independent until then
    symbols = {"S": "matrix(n, n, symmetric)", "C": "matrix(n, n)"}
    model = next(models(claims_text(symbols, dict(name="g", kind="gradient", of="sum(S * C)",
                                                  wrt="S", answer="C"))))
    claim = model.claims[0]
    assert "S" not in rules_of(model, claim, False).symmetric
    assert "S" in rules_of(model, claim, True).symmetric
    assert prove(model, claim).status == "zero"


# --- soundness as a property: a zero normal form is an identity ------------------------------

LEAVES = ["x", "y", "A @ x", "A.T @ y", "c * x"]
UNARY = ["exp({})", "tanh({})", "softmax({})", "sigmoid({})", "({}) * ({})", "A @ ({})",
         "A.T @ ({})", "sum({}) * x", "({}) / (1 + sum(({}) ** 2))", "diag({}) @ y"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "outer({}, {}) @ y"]


def _expression(draw, depth):
    from hypothesis import strategies as st

    if depth == 0:
        return draw(st.sampled_from(LEAVES))
    if draw(st.booleans()):
        form = draw(st.sampled_from(UNARY))
        inner = _expression(draw, depth - 1)
        return form.format(*[inner] * form.count("{}"))
    form = draw(st.sampled_from(BINARY))
    return form.format(_expression(draw, depth - 1), _expression(draw, depth - 1))


def _value(model, node, sizes, seed):
    import numpy as np

    from symgrad.engine.backends import Numeric
    from symgrad.engine.evaluate import Evaluator
    from symgrad.vocabulary.shapes import concrete

    rng = np.random.default_rng(seed)
    values = {name: np.asarray(rng.normal(size=concrete(s.shape, sizes)) / 2, dtype=complex)
              for name, s in model.symbols.items()}
    return Evaluator(model, Numeric(), sizes, values).value(node)


@pytest.mark.parametrize("seed", range(3))
def test_a_zero_normal_form_holds_numerically(seed):
    """Random expressions against their mutants (the mutation catalogue): whenever the index
    path finds answer - truth to be 0, the two are equal at a random point (n=3, m=2)."""
    import numpy as np
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from symgrad.explain.mutations import MUTATIONS, variants
    from symgrad.language import expressions

    symbols = {"x": "vector(n)", "y": "vector(n)", "A": "matrix(n, n)", "c": "scalar"}
    zeros = []

    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        lhs = _expression(data.draw, data.draw(st.integers(1, 3)))
        for _, rhs in variants(expressions.parse(lhs), MUTATIONS.values())[seed::3][:6]:
            model = next(models(claims_text(symbols, dict(name="c", kind="equal", lhs=lhs,
                                                          rhs=rhs))))
            claim = model.claims[0]
            if model.error or claim.error or prove(model, claim).status != "zero":
                continue
            zeros.append(rhs)
            with np.errstate(all="ignore"):
                a = _value(model, claim.exprs["lhs"], {"n": 3}, seed)
                b = _value(model, claim.exprs["rhs"], {"n": 3}, seed)
            assert np.allclose(a, b, rtol=1e-9, atol=1e-12) or not np.all(np.isfinite(a)), \
                (lhs, rhs)

    check()
    assert zeros, "no mutant was equivalent: the property was never exercised"


SIBLINGS = {"W1": "matrix(q, n)", "W2": "matrix(p, q)", "x": "vector(n)"}


def test_a_sum_index_is_its_own_beside_another_sum_over_the_same_name():
    """sum(..., l) twice side by side, over q and over n: two indices, not one range."""
    right = dict(kind="gradient", of="sum(W2 @ W1 @ x) * sum(x)", wrt="x", indices=["i"],
                 answer="sum(sum(W2[k, l] * W1[l, i], l), k) * sum(x[l], l) + "
                        "sum(sum(sum(W2[k, l] * W1[l, m], l), k) * x[m], m)")
    assert decide_one(SIBLINGS, right).verdict == "proved"
    wrong = dict(right, answer="sum(sum(W2[k, l] * W1[l, i], l), k) * sum(x[l], l)")
    result = decide_one(SIBLINGS, wrong)
    assert result.verdict == "refuted" and "entries [0] differ" in result.reason


def test_a_derived_index_form_with_sums_side_by_side_is_proved():
    question = dict(kind="gradient", of="sum(tanh(W2 @ W1 @ x))", wrt="x", indices=["i"])
    result = decide_one(SIBLINGS, question)
    assert result.verdict == "proved", result.reason


def test_a_clash_of_a_sum_s_own_index_is_named_as_written():
    clash = dict(kind="gradient", of="sum(W @ x) + sum(x)", wrt="x", indices=["i"],
                 answer="sum(W[k, i], k) + sum(x[k] * W[k, i], k) * 0 + 1")
    result = decide_one({"W": "matrix(m, n)", "x": "vector(n)"}, clash)
    assert result.verdict == "refuted" and "index k runs over" in result.reason
    assert "′" not in result.reason
