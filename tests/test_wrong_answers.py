"""Wrong answers the core issue lists: each must be refuted, with a small counterexample
(hypothesis shrinking) that really shows the difference."""

import numpy as np
import pytest

import symgrad
from symgrad.language.files import builtin_folder
from tests.helpers import BATCH, LINEAR, ONEHOT, QUADRATIC, SOFTMAX, TRACE, claims_text

WRONG = [
    ("2Bx for a general B", QUADRATIC,
     dict(kind="gradient", of="x.T @ B @ x", wrt="x", answer="2 * B @ x")),
    ("W @ V for the trace product", TRACE,
     dict(kind="gradient", of="tr(V @ X @ W)", wrt="X", answer="W @ V")),
    ("w for the norm", {"w": "vector(n, nonzero)"},
     dict(kind="gradient", of="norm(w)", wrt="w", answer="w")),
    ("X.T @ G for the linear layer", LINEAR,
     dict(kind="backprop", of="X @ W.T + b", wrt="W", upstream="G", answer="X.T @ G")),
    ("G * relu(X) for ReLU", {"X": "matrix(N, d)"},
     dict(kind="backprop", of="relu(X)", wrt="X", upstream="G", answer="G * relu(X)")),
    ("diag(s) for the softmax Jacobian", SOFTMAX,
     dict(kind="jacobian", of="softmax(z)", wrt="z", answer="diag(softmax(z))")),
    ("outer(s, s) - diag(s)", SOFTMAX,
     dict(kind="jacobian", of="softmax(z)", wrt="z",
          answer="outer(softmax(z), softmax(z)) - diag(softmax(z))")),
    ("y - softmax(z) for cross-entropy", ONEHOT,
     dict(kind="gradient", of="-sum(y * log(softmax(z)))", wrt="z", answer="y - softmax(z)")),
    ("gamma * G for mean-only batch norm", BATCH,
     dict(kind="backprop", of="gamma * (x - mean(x)) + beta", wrt="x", upstream="G",
          answer="gamma * G")),
]


@pytest.mark.parametrize("what, symbols, claim", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_answer_is_refuted(what, symbols, claim):
    [result] = symgrad.check(claims_text(symbols, claim))
    assert result.verdict == "refuted", result.reason
    cex = result.counterexample
    if cex is None:  # refuted by shape: the reason says which shapes
        assert "should be" in result.reason
        return
    assert all(size <= 3 for size in cex["sizes"].values()), cex["sizes"]
    expected, got = np.array(cex["expected"], float), np.array(cex["got"], float)
    assert expected.shape == got.shape
    assert cex["differs"], "a counterexample names the entries that differ"
    for position in cex["differs"]:
        assert abs(expected[tuple(position)] - got[tuple(position)]) > 1e-6


def test_transposed_trace_answer_is_refuted_for_its_shape():
    [result] = symgrad.check(claims_text(TRACE, WRONG[1][2]))
    assert result.reason == "the answer is a matrix(p, m) but should be a matrix(m, p)"


def test_quadratic_form_counterexample_is_the_small_one():
    [result] = symgrad.check(claims_text(QUADRATIC, WRONG[0][2]))
    cex = result.counterexample
    assert cex["sizes"] == {"n": 2}
    B = np.array(cex["inputs"]["B"], float)
    assert not np.allclose(B, B.T), "only a non-symmetric B can refute 2Bx"
    assert set(np.ravel(B)) <= {-1.0, 0.0, 1.0}, "values shrink to small integers"


def test_2Bx_is_proved_when_B_is_declared_symmetric():
    symbols = {"x": "vector(n)", "B": "matrix(n, n, symmetric)"}
    [result] = symgrad.check(claims_text(symbols, WRONG[0][2]))
    assert result.verdict == "proved"


def test_counterexample_is_deterministic_for_a_seed():
    text = claims_text(QUADRATIC, WRONG[0][2])
    first = symgrad.check(text, seed=7)[0].counterexample
    assert symgrad.check(text, seed=7)[0].counterexample == first


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_refutation_does_not_depend_on_the_seed(seed):
    text = claims_text(ONEHOT, WRONG[7][2])
    assert symgrad.check(text, seed=seed)[0].verdict == "refuted"


def test_wrong_answer_in_a_builtin_file_is_refuted(tmp_path):
    # the built-in batch-norm file with its answer replaced by the wrong one
    text = (builtin_folder() / "batch_norm.toml").read_text()
    text = text.replace('answer = "gamma * (g - mean(g))"', 'answer = "gamma * g"')
    path = tmp_path / "batch_norm.toml"
    path.write_text(text)
    verdicts = {r.claim: r.verdict for r in symgrad.check(path)}
    assert verdicts == {"mean-only": "refuted", "full": "proved"}

