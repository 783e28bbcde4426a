"""Derived answers: every built-in derivation asked as a question, each backward rule
checked by both paths, and what happens when a derivation fails or an answer is wrong."""

import json

import pytest

import symgrad
from symgrad.cli import main
from symgrad.decide import decide
from symgrad.derivation.reverse import QUESTIONS
from symgrad.derivation.vjps import VJPS
from symgrad.language.build import variant
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.vocabulary.ops import OPS
from tests.helpers import QUADRATIC, claims_text, decide_one

#: The textbook form of every built-in answer, as symgrad derives it (issue 5, section 1).
TEXTBOOK = {
    "cookbook_determinants::det": "det(X) * inv(X).T",
    "cookbook_determinants::log-abs-det": "inv(X).T",
    "cookbook_determinants::log-det-covariance": "inv(S)",
    "cookbook_determinants::det-of-the-inverse": "-det(inv(X)) * inv(X).T",
    "cookbook_determinants::log-det-hessian": "-inv(A + diag(x)) * inv(A + diag(x)).T",
    "cookbook_inverses::inverse-backward": "-inv(X).T @ G @ inv(X).T",
    "cookbook_inverses::bilinear-form": "-inv(X).T @ outer(a, b) @ inv(X).T",
    "cookbook_inverses::trace": "-inv(X).T @ A.T @ B.T @ inv(X).T",
    "cookbook_inverses::trace-of-a-shifted-inverse": "-matpow(inv(X + A).T, 2)",
    "cookbook_inverses::solve": "solve(A.T, a)",
    "gaussian_likelihood::mean": "solve(Sigma, r)",
    "gaussian_likelihood::covariance": "(outer(solve(Sigma, r), solve(Sigma, r)) - inv(Sigma)) / 2",
    "gaussian_likelihood::mean-hessian": "-inv(Sigma)",
    "gaussian_likelihood::data-mean": "inv(Sigma) @ sum(R, axis=0)",
    "linear_regression::gradient": "X.T @ (X @ w - y) + lam * w",
    "linear_regression::hessian": "X.T @ X + lam * eye(d)",
    "activation_identities::softplus-derivative": "sigmoid(z)",
    "activation_identities::softplus-second-derivative": "[[sigmoid(z) * (1 - sigmoid(z))]]",
    "activations::generic": "G * diff(h)(X)",
    "activations::relu": "G * step(X)",
    "activations::leaky-relu": "G * (step(X) + a * step(-X))",
    "activations::sigmoid": "G * sigmoid(X) * (1 - sigmoid(X))",
    "activations::tanh": "G * (1 - tanh(X)**2)",
    "batch_norm::mean-only": "gamma * (g - mean(g))",
    "batch_norm::full": "gamma * (g - mean(g) - mean(g * xhat) * xhat) / sqrt(var + eps)",
    "cross_entropy::probabilities": "-T / (N * P)",
    "linear_layer::weights": "G.T @ X",
    "linear_layer::bias": "sum(G, axis=0)",
    "linear_layer::inputs": "G @ W",
    "logistic_regression::weight": "sum(x * (p - y))",
    "logistic_regression::bias": "sum(p - y)",
    "logistic_regression::hessian": "[[sum(p * (1 - p) * x**2), sum(x * p * (1 - p))], "
                                    "[sum(x * p * (1 - p)), sum(p * (1 - p))]]",
    "norm::norm": "w / norm(w)",
    "norm::squared-norm": "2 * w",
    "quadratic_form::gradient": "B.T @ x + B @ x",
    "quadratic_form::gradient-index-form": "sum(B[k, i] * x[k], k) + sum(B[i, k] * x[k], k)",
    "quadratic_form_symmetric::gradient": "2 * B @ x",
    "softmax::jacobian": "diag(s) - outer(s, s)",
    "softmax::jacobian-index-form": "s[k] * (delta(k, i) - s[i])",
    "softmax::row-wise-backprop": "S * (G - outer(sum(G * S, axis=1), ones(K)))",
    "softmax::cross-entropy": "s - y",
    "softmax::two-class-z1": "exp(z1) / (exp(z1) + exp(z2)) - t",
    "softmax::two-class-z2": "t + exp(z2) / (exp(z1) + exp(z2)) - 1",
    "softmax_cross_entropy_hessian::hessian": "diag(s) - outer(s, s)",
    "softmax_cross_entropy_hessian::hessian-index-form": "s[i] * (delta(i, j) - s[j])",
    "trace::matrix-form": "eye(n)",
    "trace::index-form": "delta(i, j)",
    "trace_product::matrix-form": "V.T @ W.T",
    "trace_product::index-form": "sum(V[k, i] * W[j, k], k)",
    "cookbook_traces::trace-XA": "A_mn.T",
    "cookbook_traces::trace-AXtB": "B_np @ A_pm",
    "cookbook_traces::trace-XtA": "A_nm",
    "cookbook_traces::trace-AXt": "A_nm",
    "cookbook_traces::trace-of-the-square": "2 * S.T",
    "cookbook_traces::trace-X2B": "B_nn.T @ S.T + S.T @ B_nn.T",
    "cookbook_traces::trace-XtBX": "B_nn.T @ X + B_nn @ X",
    "cookbook_traces::trace-BXXt": "B_nn @ X + B_nn.T @ X",
    "cookbook_traces::trace-XXtB": "B_nn @ X + B_nn.T @ X",
    "cookbook_traces::trace-XBXt": "X @ B_mm + X @ B_mm.T",
    "cookbook_traces::trace-BXtX": "X @ B_mm.T + X @ B_mm",
    "cookbook_traces::trace-XtXB": "X @ B_mm.T + X @ B_mm",
    "cookbook_traces::trace-AXBX": "B_mn.T @ X.T @ A_mn.T + A_mn.T @ X.T @ B_mn.T",
    "cookbook_traces::trace-XtX": "2 * X",
    "cookbook_traces::trace-XXt": "2 * X",
    "cookbook_traces::trace-BtXtCXB": "C_nn.T @ X @ B_mp @ B_mp.T + C_nn @ X @ B_mp @ B_mp.T",
    "cookbook_traces::trace-XtBXC": "B_nn.T @ X @ C_mm.T + B_nn @ X @ C_mm",
    "cookbook_traces::trace-AXBXtC": "C_np @ A_pn @ X @ B_mm + A_pn.T @ C_np.T @ X @ B_mm.T",
    "cookbook_traces::trace-of-a-residual-gram": "2 * A_pn.T @ (C_pq + A_pn @ X @ B_mq) @ B_mq.T",
    "cookbook_traces::trace-times-trace": "2 * tr(S) * eye(n)",
    "cookbook_traces::trace-of-a-power": "4 * matpow(S.T, 3)",
    "cookbook_traces::trace-A-times-a-power":
        "A_nn.T @ matpow(S.T, 2) + S.T @ A_nn.T @ S.T + matpow(S.T, 2) @ A_nn.T",
    "cookbook_kronecker::trace-of-a-kronecker-product": "tr(M) * eye(m)",
    "cookbook_kronecker::trace-of-a-kronecker-square": "2 * tr(Z) * eye(m)",
    "convolution::conv1d-input": "conv1d(G, flip(w), padding=k - 1)",
    "convolution::conv1d-kernel": "conv1d(x, G)",
    "convolution::conv1d-input-index-form": "sum(G[j - l] * w[l], l)",
    "convolution::conv1d-kernel-index-form": "sum(G[l] * x[a + l], l)",
    "convolution::conv2d-input": "conv2d(G, flip(S), padding=r - 1)",
    "convolution::conv2d-input-rectangular-kernel": "conv2d(G, flip(K), padding=[h - 1, v - 1])",
    "convolution::conv2d-kernel": "conv2d(X, G)",
    "convolution::conv2d-kernel-index-form": "sum(sum(G[l, m] * X[a + l, b + m], m), l)",
    "convolution::conv2d-kernel-padded": "conv2d(X, G, padding=1)",
    # no matrix form (a transposed convolution, an unvec): derived entry by entry
    "convolution::conv1d-strided-kernel": "sum(G[i] * x[a + 2 * i - 1], i)",
    "convolution::conv1d-strided-input": "sum(G[i] * w[j - 2 * i + 1], i)",
    "convolution::conv2d-strided-kernel":
        "sum(sum(G[i, j] * X[a + 2 * i - 1, b + 2 * j - 1], j), i)",
    "cookbook_kronecker::gradient-through-vec": "a[i + j * n]",
}


def builtin_questions():
    for path in claim_files([builtin_folder()]):
        model = load(path)
        for claim in model.claims:
            if claim.kind in QUESTIONS:
                yield f"{path.stem}::{claim.name}", model, claim


def test_every_builtin_derivation_has_a_pinned_textbook_form():
    assert sorted(name for name, _, _ in builtin_questions()) == sorted(TEXTBOOK)


@pytest.mark.parametrize("name, model, claim", list(builtin_questions()),
                         ids=[name for name, _, _ in builtin_questions()])
def test_builtin_asked_as_a_question_is_derived_in_textbook_form_and_proved(name, model, claim):
    question_model, question = variant(model, claim, drop=("answer",))
    result = decide(question_model, question)
    assert result.verdict == "proved", result.reason
    assert result.derived == TEXTBOOK[name]
    assert result.reason.startswith(f"derived answer {TEXTBOOK[name]};")


def test_the_rule_table_covers_every_operation():
    assert set(VJPS) == set(OPS)


#: Questions that exercise each backward rule; both paths must accept the derived answer.
RULES = [
    ({"x": "vector(n)"}, "sum(exp(x))", "x", "exp(x)"),
    ({"x": "vector(n, positive)"}, "sum(log(x) + sqrt(x))", "x", "1 / x + 1 / (2 * sqrt(x))"),
    ({"x": "vector(n)"}, "sum(abs(x))", "x", "x / abs(x)"),
    ({"x": "vector(n)"}, "sum(softplus(x))", "x", "sigmoid(x)"),
    ({"x": "vector(n)", "a": "scalar(positive)"}, "sum(leaky_relu(x, a))", "a", None),
    ({"a": "vector(n)", "b": "vector(m)", "C": "matrix(n, m)"}, "sum(outer(a, b) * C)", "b",
     "C.T @ a"),
    ({"v": "vector(n)", "C": "matrix(n, n)"}, "tr(diag(v) @ C)", "v", "diag(C)"),
    ({"A": "matrix(n, m)", "B": "matrix(m, n)"}, "tr(A @ B)", "A", "B.T"),
    ({"X": "matrix(N, d)"}, "sum(mean(X, axis=0)**2)", "X", None),
    ({"X": "matrix(N, d)", "T": "matrix(N, d)"}, "sum(T * softmax(X, axis=0))", "X", None),
    ({"x": "vector(n, positive)", "c": "scalar(positive)"}, "sum(x**c)", "c", None),
    ({"x": "vector(n)", "h": "function"}, "sum(diff(h)(x))", "x", "diff(h, 2)(x)"),
    ({"x": "vector(n)", "B": "matrix(n, n)"}, "norm(grad(x.T @ B @ x, x))**2", "x", None),
    ({"u": "scalar", "v": "scalar"}, "sum([u * v, u**2] * [1, 2])", "u", "v + 4 * u"),
    ({"x": "vector(n)", "y": "vector(n, positive)"}, "sum(x / y)", "y", "-x / y**2"),
    ({"X": "matrix(n, m)"}, "sum(mean(X, axis=1))", "X", None),
    ({"W": "matrix(2, 3)", "x": "vector(3)"}, "W[1, 2] * x[0]", "W",
     "x[0] * [[0, 0, 0], [0, 0, 1]]"),
]


@pytest.mark.parametrize("symbols, of, wrt, expected", RULES, ids=[r[1] for r in RULES])
def test_each_backward_rule_gives_an_answer_both_paths_accept(symbols, of, wrt, expected):
    result = decide_one(symbols, dict(kind="gradient", of=of, wrt=wrt))
    assert result.verdict in ("proved", "verified"), result.reason
    if expected is not None:
        assert result.derived == expected


def test_a_jacobian_and_a_hessian_of_a_quadratic_form():
    jac = decide_one({"x": "vector(n)", "A": "matrix(m, n)"},
                     dict(kind="jacobian", of="tanh(A @ x)", wrt="x"))
    assert jac.verdict == "proved" and jac.derived == "diag(1 - tanh(A @ x)**2) @ A"
    hess = decide_one(QUADRATIC, dict(kind="hessian", of="x.T @ B @ x", wrt="x"))
    assert hess.verdict == "proved" and hess.derived == "B + B.T"


def test_no_closed_form_is_undecided_with_the_reason():
    result = decide_one({"v": "vector(n)"}, dict(kind="gradient", of="max(v)", wrt="v"))
    assert result.verdict == "undecided"
    assert "cannot derive one" in result.reason and "max" in result.reason
    assert r"\;?" in result.latex


def test_a_derived_answer_that_fails_is_an_error_and_never_printed(monkeypatch):
    import symgrad.derivation.reverse

    monkeypatch.setattr(symgrad.derivation.reverse, "derive", lambda model, claim: "2 * B @ x")
    result = decide_one(QUADRATIC, dict(kind="gradient", of="x.T @ B @ x", wrt="x"))
    assert result.verdict == "error"
    assert "derived the answer 2 * B @ x, but it is refuted" in result.reason
    assert result.derived == "" and r"\;?" in result.latex


def test_a_refutation_comes_with_the_correct_answer():
    result = decide_one(QUADRATIC, dict(kind="gradient", of="x.T @ B @ x", wrt="x",
                                        answer="2 * B @ x"))
    assert result.verdict == "refuted"
    assert result.correct == "B.T @ x + B @ x"
    assert result.correct_latex.endswith(r"= \mathbf{B}^\top \mathbf{x} + \mathbf{B} \mathbf{x}")


def test_an_index_form_question_needs_as_many_indices_as_axes():
    [result] = symgrad.check(claims_text(QUADRATIC, dict(
        name="q", kind="gradient", of="x.T @ B @ x", wrt="x", indices=["i", "j"])))
    assert result.verdict == "error" and "indices names 2 axes" in result.reason


def test_derivation_is_deterministic():
    claim = dict(kind="jacobian", of="softmax(z)", wrt="z")
    first = decide_one({"z": "vector(K)"}, claim)
    again = decide_one({"z": "vector(K)"}, claim)
    assert first.derived == again.derived == "diag(softmax(z)) - outer(softmax(z), softmax(z))"


def test_cli_derive_prints_the_answer_and_its_latex(tmp_path, capsys):
    path = tmp_path / "q.toml"
    path.write_text(claims_text(QUADRATIC, dict(name="g", kind="gradient", of="x.T @ B @ x",
                                                wrt="x", answer="2 * B @ x")))
    assert main(["derive", str(path)]) == 0
    out = capsys.readouterr().out
    assert "::g  proved at all sizes" in out and "    B.T @ x + B @ x\n" in out
    assert r"\mathbf{B}^\top \mathbf{x} + \mathbf{B} \mathbf{x}" in out
    assert main(["derive", "--json", str(path)]) == 0
    [data] = json.loads(capsys.readouterr().out)
    assert data["derived"] == data["answer"] == "B.T @ x + B @ x"
    assert data["verdict"] == "proved"


def test_cli_derive_exit_status_when_no_answer_can_be_derived(tmp_path, capsys):
    path = tmp_path / "q.toml"
    path.write_text(claims_text({"v": "vector(n)"}, dict(name="m", kind="gradient",
                                                         of="max(v)", wrt="v")))
    assert main(["derive", str(path)]) == 1
    assert "cannot derive one" in capsys.readouterr().out


# --- random questions: every derived answer passes both paths ---------------------------------

STRESS = {"x": "vector(n, positive)", "y": "vector(n)", "A": "matrix(m, n)",
          "B": "matrix(n, n)", "c": "scalar(positive)", "u": "vector(m)"}
LEAVES = ["x", "y", "(A.T @ u)", "(B @ x)"]
UNARY = ["tanh({})", "sigmoid({})", "softmax({})", "(B @ {})", "(B.T @ {})", "softplus({})",
         "({} / (1 + x))"]
BINARY = ["({} + {})", "({} * {})", "({} - c * {})", "diag(outer({}, {}))"]
SCALARS = ["sum({})", "norm({})**2", "{} @ y", "tr(outer({}, x))", "mean({} * x)",
           "u @ A @ {}"]


def vectors():
    from hypothesis import strategies as st

    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.builds(str.format, st.sampled_from(UNARY), inner),
            st.builds(lambda f, a, b: f.format(a, b), st.sampled_from(BINARY), inner, inner)),
        max_leaves=4)


def questions():
    from hypothesis import strategies as st

    gradient = st.builds(lambda f, v, wrt: dict(kind="gradient", of=f.format(v), wrt=wrt),
                         st.sampled_from(SCALARS), vectors(), st.sampled_from(list(STRESS)))
    jacobian = st.builds(lambda v, wrt: dict(kind="jacobian", of=v, wrt=wrt), vectors(),
                         st.sampled_from(["x", "y", "u"]))
    backprop = st.builds(lambda v, wrt: dict(kind="backprop", of=v, wrt=wrt, upstream="G"),
                         vectors(), st.sampled_from(list(STRESS)))
    hessian = st.builds(lambda f, v, wrt: dict(kind="hessian", of=f.format(v), wrt=wrt),
                        st.sampled_from(SCALARS), vectors(), st.sampled_from(["x", "y"]))
    return st.one_of(gradient, jacobian, backprop, hessian)


def test_random_questions_get_answers_both_paths_accept():
    from hypothesis import HealthCheck, given, settings

    # symgrad runs hypothesis inside: a @given test that calls it allows the nesting
    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.nested_given])
    @given(questions())
    def check(claim):
        result = decide_one(STRESS, claim, timeout=20)
        assert result.verdict in ("proved", "verified", "undecided"), result.reason
        if result.verdict == "undecided":
            assert "cannot derive" in result.reason

    check()


# --- the text a derived answer is written in ---------------------------------------------------

@pytest.mark.parametrize("written", [
    "a * -(B @ x)", "-(B @ x) * a", "a - -(B @ x)", "-(a + b) * x", "(-a)**2 * x",
    "B @ (c * B @ x)", "a * (x / (a * c))", "-(a * x) @ B", "x @ B @ (x * a)"])
def test_unparse_keeps_the_value_with_fewer_brackets(written):
    from symgrad.language.expressions import parse, unparse

    short = unparse(parse(written))
    assert unparse(parse(short)) == short
    symbols = {"a": "vector(n)", "b": "vector(n)", "x": "vector(n)", "B": "matrix(n, n)",
               "c": "scalar"}
    result = decide_one(symbols, dict(kind="equal", lhs=written, rhs=short))
    assert result.verdict == "proved", (short, result.reason)


def test_cli_derive_on_a_file_without_questions_and_on_a_missing_file(tmp_path, capsys):
    assert main(["derive", str(builtin_folder() / "newton.toml")]) == 0
    assert "no gradient, jacobian, backprop or hessian claims" in capsys.readouterr().out
    assert main(["derive", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().out
