"""Labels as users declare them: one-hot rows (matrix(N, K, onehot)) and ±1 (sign)."""

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

import symgrad
from symgrad.language import build, claimfile
from symgrad.paths.numeric import fixed_points, point_strategy

LABELS = Path(__file__).parent / "homework" / "labels.toml"


@pytest.fixture(scope="module")
def results():
    return {r.claim: r for r in symgrad.check(LABELS, timeout=120)}  # generous: a loaded machine


def test_every_label_claim_is_decided_right(results):
    assert {name: r.verdict for name, r in results.items()} == {
        "ce-onehot-rows": "proved", "ce-question": "proved", "ce-wrong": "refuted",
        "rows-sum-to-one": "proved", "y-squared": "proved", "hinge-grad": "proved",
        "logistic-pm1": "proved", "uses-y-squared": "proved", "needs-sign": "refuted"}


def test_the_simplifier_knows_the_rows_sum_to_one(results):
    assert results["ce-question"].derived == "(P - Y) / N"


def test_an_undeclared_sign_is_diagnosed(results):
    diagnosis = results["needs-sign"].diagnosis
    assert diagnosis["code"] == "assumption"
    assert 'declare yb = "vector(N, sign)"' in diagnosis["message"]


def _model(symbols):
    raw = claimfile.read("title = 't'\n[symbols]\n" + "\n".join(
        f'{k} = "{v}"' for k, v in symbols.items()) + '\n[[claims]]\nname = "c"\nkind = '
        '"equal"\nlhs = "' + " + ".join(f"sum({k})" for k in symbols) + '"\nrhs = "0"\n', "t")
    model = build.build(raw)
    return model, model.claims[0]


@settings(max_examples=30, deadline=None)
@given(data=__import__("hypothesis").strategies.data())
def test_drawn_labels_respect_their_qualifiers(data):
    model, claim = _model({"Y": "matrix(N, K, onehot)", "y": "vector(N, sign)"})
    point = data.draw(point_strategy(model, claim))
    Y, y = point.values["Y"].real, point.values["y"].real
    assert Y.shape == (point.sizes["N"], point.sizes["K"])
    assert np.all(Y.sum(axis=1) == 1) and set(np.unique(Y)) <= {0.0, 1.0}
    assert set(np.unique(y)) <= {-1.0, 1.0}


def test_fixed_points_respect_the_qualifiers_too():
    model, claim = _model({"Y": "matrix(N, K, onehot)", "y": "vector(N, sign)"})
    for point in fixed_points(model, claim, random.Random(0)):
        assert np.all(point.values["Y"].real.sum(axis=1) == 1)
        assert set(np.unique(point.values["y"].real)) <= {-1.0, 1.0}


@pytest.mark.parametrize("declaration, says", [
    ("scalar(onehot)", "onehot applies to a vector or to the rows of a matrix"),
    ("vector(N, onehot, sign)", "onehot and sign cannot hold together"),
    ("vector(N, sign, positive)", "positive and sign cannot hold together"),
])
def test_impossible_label_declarations_are_errors(declaration, says):
    model, _ = _model({"y": declaration})
    assert model.error is not None and says in model.error.describe()
