"""Bad input: a clear `error` naming file, claim, field and fix; never a traceback,
never anything run.  An error in one claim leaves the others to be decided."""

import pytest

import symgrad
from tests.helpers import claims_text

XB = {"x": "vector(n)", "B": "matrix(n, n)"}
GOOD = dict(name="good", kind="gradient", of="x @ B @ x", wrt="x", answer="(B + B.T) @ x")


def errors_of(text):
    return [(r.claim, r.reason) for r in symgrad.check(text) if r.verdict == "error"]


def one_error(claim, symbols=XB):
    """Decide a file with a bad claim and a good one; return the bad one's reason."""
    results = symgrad.check(claims_text(symbols, claim, GOOD))
    verdicts = {r.claim: r.verdict for r in results}
    assert verdicts["good"] == "proved", "the other claims of the file still run"
    bad = [r for r in results if r.claim != "good"]
    assert [r.verdict for r in bad] == ["error"]
    return bad[0].reason


def test_bad_toml_makes_the_file_an_error_with_its_line(write):
    path = write("bad.toml", 'title = "x"\n[symbols\nx = "vector(n)"\n')
    [result] = symgrad.check(path)
    assert result.verdict == "error"
    assert result.reason.startswith(f"{path}:2: not valid TOML")


def test_unknown_symbol_names_claim_field_and_suggests():
    reason = one_error(dict(name="bad", kind="gradient", of="x @ Bb @ x", wrt="x", answer="x"))
    assert "claim 'bad': of: unknown name 'Bb'" in reason
    assert "did you mean 'B'?" in reason


def test_unknown_function_suggests_the_right_one():
    reason = one_error(dict(name="bad", kind="jacobian", of="softmx(x)", wrt="x",
                            answer="x"))
    assert "unknown function 'softmx'" in reason and "did you mean 'softmax'?" in reason
    assert "softmx(x)\n    ^" in reason, "a caret points at the problem"


def test_unknown_field_is_an_error_with_a_suggestion():
    reason = one_error(dict(name="bad", kind="gradient", of="x @ B @ x", wrt="x", answr="x"))
    assert "unknown field 'answr'" in reason and "did you mean 'answer'?" in reason


def test_unknown_top_level_field_is_a_file_error():
    text = claims_text(XB, GOOD).replace('title = "test"', 'title = "test"\ntitel = "x"')
    [(claim, reason)] = errors_of(text)
    assert claim == "good" and "unknown field 'titel'" in reason


def test_missing_field_and_unknown_kind():
    assert "missing field 'wrt'" in one_error(
        dict(name="bad", kind="gradient", of="x @ B @ x", answer="x"))
    assert "missing field 'answer'" in one_error(
        dict(name="bad", kind="expectation", of="x @ B @ x"))
    assert "unknown kind 'gradeint'" in one_error(
        dict(name="bad", kind="gradeint", of="x @ B @ x", wrt="x", answer="x"))


@pytest.mark.parametrize("declaration, message", [
    ("vectr(n)", "unknown declaration 'vectr' (did you mean 'vector'?)"),
    ("matrix(n)", "matrix takes 2 dimension(s), got 1"),
    ("vector(n, pozitive)", "unknown qualifier 'pozitive' (did you mean 'positive'?)"),
    ("matrix(n, m, symmetric)", "symmetric applies to a square matrix"),
    ("scalar(onehot)", "onehot applies to a vector or to the rows of a matrix"),
    ("vector(0)", "a fixed dimension must be from 1 to 16"),
    ("__import__('os')", "unknown declaration '__import__'"),
])
def test_bad_declaration_makes_every_claim_an_error(declaration, message):
    text = claims_text({"x": "vector(n)", "B": "matrix(n, n)", "C": declaration}, GOOD)
    [(claim, reason)] = errors_of(text)
    assert f"symbols.C: {message}" in reason


def test_bad_definition_names_its_field():
    text = claims_text(XB, GOOD, define={"q": "x @ B @ y"})
    [(_, reason)] = errors_of(text)
    assert "define.q: unknown name 'y'" in reason


def test_a_definition_named_like_a_dimension_says_so():
    text = claims_text(XB, GOOD, define={"n": "x @ x"})
    [(_, reason)] = errors_of(text)
    assert "define.n: 'n' is already a dimension (in the declaration of x)" in reason
    assert "give it another name, e.g. n_ or n2" in reason


@pytest.mark.parametrize("expression, message", [
    ("__import__('os').system('touch {marker}')", "only named functions can be called"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.__class__", "attribute access .__class__ is not allowed"),
    ("(lambda: 1)()", "only named functions can be called"),
    ("open('{marker}', 'w')", "is not a number"),
    ("[c for c in x]", "a comprehension is not part of the expression language"),
    ("x if x else x", "a conditional is not part of the expression language"),
    ("'text'", "the literal 'text' is not a number"),
    ("x[0:1]", "slices are not supported"),
    ("exp(*x)", "* and ** arguments are not allowed"),
    ("9" * 20, "the number is too large"),
    ("exp(" * 100 + "x" + ")" * 100, "nested too deeply"),
])
def test_expressions_outside_the_language_are_refused_and_never_run(
        tmp_path, expression, message):
    marker = tmp_path / "pwned"
    claim = dict(name="bad", kind="gradient", of=expression.format(marker=marker), wrt="x",
                 answer="x")
    reason = one_error(claim)
    assert message in reason
    assert not marker.exists()


def test_index_without_range_is_an_error():
    reason = one_error(dict(name="bad", kind="gradient", of="sum(x)", wrt="x",
                            indices=["i"], answer="sum(delta(k, q), k)"))
    assert "index q is neither in `indices` nor summed" in reason


def test_summed_index_whose_range_delta_cannot_fix_is_an_error():
    reason = one_error(dict(name="bad", kind="gradient", of="sum(x)", wrt="x",
                            answer="ones(n) * sum(delta(k, k), k)"))
    assert "cannot tell the range of index k" in reason


def test_gradient_of_a_vector_says_which_kind_to_use():
    reason = one_error(dict(name="bad", kind="gradient", of="B @ x", wrt="x", answer="x"))
    assert "the gradient needs a scalar" in reason and 'kind = "jacobian"' in reason


def test_wrong_shape_answer_is_refuted_not_an_error():
    results = symgrad.check(claims_text(XB, dict(kind="backprop", of="B @ x", wrt="B",
                                                 upstream="G", answer="G @ x")))
    assert results[0].verdict == "refuted"
    assert results[0].reason == "the answer is a scalar but should be a matrix(n, n)"


def test_answer_that_cannot_be_formed_is_refuted():
    symbols = {"X": "matrix(N, d)", "W": "matrix(m, d)"}
    [result] = symgrad.check(claims_text(symbols, dict(
        kind="backprop", of="X @ W.T", wrt="W", upstream="G", answer="W @ G")))
    assert result.verdict == "refuted"
    assert result.reason == ("the answer cannot be formed: a matrix(m, d) @ a matrix(N, m): "
                             "inner dimensions d and N differ")


def test_missing_file_is_an_error(tmp_path):
    [result] = symgrad.check(tmp_path / "nope.toml")
    assert result.verdict == "error" and "cannot read the file" in result.reason


def test_duplicate_claim_names_are_an_error():
    results = symgrad.check(claims_text(XB, GOOD, GOOD))
    assert [r.verdict for r in results] == ["proved", "error"]


@pytest.mark.parametrize("answer, hint, token", [
    ("B.T @ x + B @ x ^ 2", "write ** for a power", "^"),
    ("x' @ B", "write X.T for a transpose", "'"),
    ("np.exp(x)", "drop the np. prefix", "np.exp"),
    ("numpy.dot(B, x)", "drop the numpy. prefix", "numpy.dot"),
    ("B.dot(x)", "write X @ Y instead of X.dot(Y)", "B.dot"),
    ("dot(B, x) + B.T @ x", "write a @ b", "dot"),
    ("transpose(B) @ x", "write X.T for the transpose", "transpose"),
    ("maximum(0, x)", "write relu(x) for max(0, x)", "maximum"),
    ("max(0, x)", "write relu(x) for max(0, x)", "max"),
    ("sum(B, axis=1, keepdims=True)", "outer(sum(X, axis=1), ones(m))", "True"),
])
def test_habits_from_elsewhere_get_a_hint_and_a_caret_under_the_token(answer, hint, token):
    reason = one_error(dict(name="habit", kind="gradient", of="x @ B @ x", wrt="x",
                            answer=answer))
    assert hint in reason, reason
    line, caret = reason.splitlines()[1:3]
    assert caret.index("^") - 4 == answer.index(token), reason  # both indented 4


def test_a_symbol_named_like_a_python_keyword_is_refused_with_a_name_to_use():
    [result] = symgrad.check(claims_text({"lambda": "scalar", "w": "vector(d)"}, dict(
        name="ridge", kind="gradient", of="lambda * w @ w", wrt="w", answer="2 * lambda * w")))
    assert result.verdict == "error" and "symbols.lambda" in result.reason
    assert "name it lam" in result.reason
