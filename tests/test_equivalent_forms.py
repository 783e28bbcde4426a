"""Completeness: right answers written in other forms are accepted, whatever the seed.

Every built-in claim's answer is rewritten three ways that keep its meaning; each
rewriting is proved, and its numeric path finds no difference for 20 seeds."""

import random

import pytest

from symgrad.decide import decide
from symgrad.engine.deadline import Deadline
from symgrad.explain.mutations import EQUIVALENCES, scientific, variants
from symgrad.language import expressions as language
from symgrad.language.build import variant
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.paths import numeric
from symgrad.verdicts.procedures import procedure
from tests.helpers import decide_one

SEEDS = range(8)  # seeds of the numeric path's fixed points


def rewritings(claim):
    tree = language.parse(claim.fields[claim.answer_field])
    if claim.kind == "value":
        return variants(tree, [scientific, lambda t: iter([("parenthesised", t)])])
    return variants(tree, EQUIVALENCES)[:3]


CASES = [(model, claim, description, text)
         for path in claim_files([builtin_folder()]) for model in [load(path)]
         for claim in model.claims if isinstance(claim.fields.get(claim.answer_field), str)
         for description, text in rewritings(claim)]


def test_every_builtin_claim_has_three_rewritings():
    per_claim = {}
    for model, claim, _, _ in CASES:
        per_claim[(model.path, claim.name)] = per_claim.get((model.path, claim.name), 0) + 1
    assert all(n >= 3 for (path, name), n in per_claim.items()
               if "computational_graph" not in path), per_claim


@pytest.mark.parametrize("model, claim, description, text", CASES,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}::{d}" for m, c, d, _ in CASES])
def test_rewriting_is_proved_and_never_refuted(model, claim, description, text):
    rewritten_model, rewritten = variant(model, claim, {claim.answer_field: text})
    result = decide(rewritten_model, rewritten, explain=False)
    assert result.verdict == "proved", f"{text}: {result.reason}"
    how = procedure(rewritten.kind)
    if rewritten.kind == "value":
        return  # no random points: nothing depends on a seed
    for seed in SEEDS:  # the seed-dependent part: the numeric path's points
        if how.fixed is None:  # the distinct-size points a seed draws
            for point in numeric.fixed_points(rewritten_model, rewritten, random.Random(seed)):
                comparison = numeric.check_point(rewritten_model, rewritten, point,
                                                 how.judge)
                assert comparison is None or not comparison.differs, f"seed {seed}: {point}"
        else:  # kinds that draw their own points: a short hypothesis search
            outcome = numeric.search(rewritten_model, rewritten, seed, Deadline(30), 2,
                                     judge=how.judge, strategy=how.strategy,
                                     fixed=how.fixed, shrink_calls=0)
            assert outcome.status != "failed", f"seed {seed}: {outcome.comparison}"


QUAD = {"x": "vector(n)", "B": "matrix(n, n)"}


@pytest.mark.parametrize("symbols, claim, forms", [
    (QUAD, dict(kind="gradient", of="x @ B @ x", wrt="x"),
     ["(B + B.T) @ x", "B @ x + B.T @ x", "(x @ (B + B.T)).T", "x @ B + x @ B.T"]),
    ({"z": "vector(K)"}, dict(kind="jacobian", of="softmax(z)", wrt="z"),
     ["diag(softmax(z)) - outer(softmax(z), softmax(z))",
      "softmax(z) * eye(K) - outer(softmax(z), softmax(z))",
      "(eye(K) - softmax(z)).T * softmax(z)"]),
    ({"V": "matrix(n, m)", "X": "matrix(m, p)", "W": "matrix(p, n)"},
     dict(kind="gradient", of="tr(V @ X @ W)", wrt="X"),
     ["V.T @ W.T", "(W @ V).T", "(V.T @ W.T).T.T"]),
])
def test_hand_written_forms(symbols, claim, forms):
    for form in forms:
        seed = random.Random(form).randrange(99)
        result = decide_one(symbols, dict(claim, answer=form), seed=seed)
        assert result.verdict == "proved", f"{form}: {result.reason}"
