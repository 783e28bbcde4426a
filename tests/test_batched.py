"""The batched backend (a leading axis of samples) computes what the plain one does,
sample by sample, for every expression of every built-in claim."""

import random

import numpy as np
import pytest

from symgrad.backends import Batched, Numeric
from symgrad.decide import builtin_folder, claim_files, load
from symgrad.evaluate import Evaluator
from symgrad.numeric import fixed_points

CASES = [(model, claim, field) for path in claim_files([builtin_folder()])
         for model in [load(path)] for claim in model.claims if not claim.indices
         for field in claim.exprs]


@pytest.mark.parametrize("model, claim, field", CASES,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}::{f}" for m, c, f in CASES])
def test_batched_matches_plain(model, claim, field):
    rng = random.Random(3)
    points = [p for _ in range(3) for p in fixed_points(model, claim, rng)[:1]]
    sizes, functions = points[0].sizes, points[0].functions
    node = claim.exprs[field]
    plain = [Evaluator(model, Numeric(functions), sizes, p.values).value(node) for p in points]
    stacked = {name: np.stack([p.values[name] for p in points]) for name in points[0].values}
    batched = Evaluator(model, Batched(functions), sizes, stacked).value(node)
    np.testing.assert_allclose(np.broadcast_to(batched, (3, *plain[0].shape)), np.stack(plain),
                               rtol=1e-7, atol=1e-9)
