"""The batched backend (a leading axis of samples) computes what the plain one does,
sample by sample, for every expression of every built-in claim."""

import random

import numpy as np
import pytest

from symgrad.engine.backends import Invalid, Numeric
from symgrad.engine.batched import Batched
from symgrad.engine.evaluate import Evaluator
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.paths.numeric import fixed_points

CASES = [(model, claim, field) for path in claim_files([builtin_folder()])
         for model in [load(path)] for claim in model.claims
         if not claim.indices and claim.kind not in ("expectation", "convergence", "value")
         for field in claim.exprs]


def plain_points(model, claim, node, count=3):
    """Points at one size where the plain backend can evaluate node (off the kinks)."""
    rng, found = random.Random(3), []
    functions = fixed_points(model, claim, rng)[0].functions  # one set for every point
    while len(found) < count:
        point = fixed_points(model, claim, rng)[0]
        point.functions = functions
        try:
            value = Evaluator(model, Numeric(functions), point.sizes, point.values).value(node)
        except Invalid:
            continue
        found.append((point, value))
    return found


@pytest.mark.parametrize("model, claim, field", CASES,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}::{f}" for m, c, f in CASES])
def test_batched_matches_plain(model, claim, field):
    node = claim.exprs[field]
    found = plain_points(model, claim, node)
    points, plain = [p for p, _ in found], [v for _, v in found]
    sizes, functions = points[0].sizes, points[0].functions
    stacked = {name: np.stack([p.values[name] for p in points]) for name in points[0].values}
    batched = Evaluator(model, Batched(functions), sizes, stacked).value(node)
    np.testing.assert_allclose(np.broadcast_to(batched, (3, *plain[0].shape)), np.stack(plain),
                               rtol=1e-7, atol=1e-9)
