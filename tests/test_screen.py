"""The numeric search's batch screen (symgrad.paths.screen): many points at one size in one
evaluation.  It passes a point only where the one-point judgement passes it, so it changes
how long the search takes, never what it finds; and it passes every such point of a right
answer, so the search really is batched."""

import zlib

import numpy as np
import pytest

from symgrad.engine.backends import Invalid, Numeric
from symgrad.engine.batched import Batched, Screened
from symgrad.engine.deadline import Deadline
from symgrad.engine.evaluate import Evaluator
from symgrad.kinds import psd
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.language.indexing import entrywise
from symgrad.paths import numeric
from symgrad.paths.points import POINTS_PER_SIZE, Point, random_batches
from symgrad.paths.screen import KINDS, screen
from tests.helpers import answer_mutants, claims_text

CASES = [(model, claim) for path in claim_files([builtin_folder()])
         for model in [load(path)] for claim in model.claims
         if claim.kind in KINDS and not claim.error]


def _judged(model, claim, point, judge=numeric.judge):
    """The one-point judgement: True (passes), False (differs) or None (not judged)."""
    try:
        with np.errstate(all="ignore"):
            return not judge(model, claim, point).differs
    except Invalid:
        return None


def _screened_and_judged(model, claim, seed, count=16):
    kind = numeric.tolerance_kind(model, claim)
    pairs = []
    for batch in random_batches(model, claim, seed, count):
        passes = screen(model, claim, batch, numeric.TOLERANCE[kind], kind)
        pairs += [(passed, _judged(model, claim, point))
                  for point, passed in zip(batch, passes, strict=True)]
    return kind, pairs


@pytest.mark.parametrize("model, claim", CASES,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}" for m, c in CASES])
def test_the_screen_passes_exactly_the_points_the_judgement_passes(model, claim):
    kind, pairs = _screened_and_judged(model, claim, zlib.crc32(claim.name.encode()))
    assert all(judged is True for passed, judged in pairs if passed)
    if kind == "complex step":  # (grad() inside: judged one point at a time)
        assert [passed for passed, _ in pairs] == [judged is True for _, judged in pairs]


MUTATED = ["cookbook_traces.toml", "softmax.toml", "linear_layer.toml", "convolution.toml",
           "activations.toml", "cookbook_inverses.toml", "cookbook_kronecker.toml"]


@pytest.mark.parametrize("name", MUTATED)
def test_the_screen_never_passes_a_point_where_a_wrong_answer_differs(name):
    model = load(builtin_folder() / name)
    differing = 0
    for mutant, mutant_model, mutant_claim in answer_mutants(model, KINDS, 6):
        _, pairs = _screened_and_judged(mutant_model, mutant_claim, 3, count=8)
        assert not any(passed and judged is not True for passed, judged in pairs), mutant
        differing += sum(judged is False for _, judged in pairs)
    assert differing > 0  # the mutants are wrong somewhere: the test could fail


def _one_claim(symbols, **claim):
    return load("<test>", claims_text(symbols, {"name": "c", **claim}))


def test_a_sample_on_a_kink_is_left_to_the_judgement_and_the_others_pass():
    model = _one_claim({"x": "vector(n)"}, kind="gradient", of="sum(relu(x))", wrt="x",
                       answer="step(x)")
    claim = model.claims[0]
    points = [Point({"n": 2}, {"x": np.array(v, dtype=complex)})
              for v in ([1.0, -2.0], [0.0, 3.0], [0.5, 0.25])]
    assert screen(model, claim, points, numeric.TOLERANCE["complex step"],
                  "complex step") == [True, False, True]
    assert _judged(model, claim, points[1]) is None  # on relu's kink: not judged at all


def test_the_screened_backend_marks_each_sample_where_the_plain_one_raises():
    backend = Screened(3)
    backend.guard("positive", np.array([[1.0, 2.0], [1.0, -1.0], [3.0, 1e-9]], dtype=complex))
    backend.guard("invertible", np.stack([np.eye(2), np.eye(2), np.eye(2)]).astype(complex))
    assert backend.invalid.tolist() == [False, True, True]
    backend = Screened(2)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]], dtype=complex)
    backend.guard("invertible", np.stack([np.eye(2), singular]))
    assert backend.invalid.tolist() == [False, True]
    with pytest.raises(Invalid):
        Numeric().guard("invertible", singular)


def test_an_exponent_shared_by_every_sample_is_a_constant_as_on_the_plain_backend():
    # x**2 of a negative x: no domain guard, and the complex step survives the square
    model = _one_claim({"x": "vector(n)"}, kind="gradient", of="sum(x**3)", wrt="x",
                       answer="3 * x**2")
    claim = model.claims[0]
    points = [Point({"n": 3}, {"x": np.array(v, dtype=complex)})
              for v in ([-1.0, -2.0, 0.5], [-0.3, 2.0, -1.5])]
    assert screen(model, claim, points, numeric.TOLERANCE["complex step"],
                  "complex step") == [True, True]
    values = {"x": np.stack([p.values["x"] for p in points])}
    cubed = Evaluator(model, Screened(2), {"n": 3}, values).value(claim.exprs["of"])
    plain = [Evaluator(model, Numeric(), {"n": 3}, p.values).value(claim.exprs["of"])
             for p in points]
    np.testing.assert_allclose(cubed, plain)


def test_index_form_answers_are_screened_entry_by_entry():
    model = _one_claim({"A": "matrix(n, m)", "x": "vector(m)"}, kind="jacobian", of="A @ x",
                       wrt="x", indices=["i", "j"], answer="A[i, j]")
    claim = model.claims[0]
    batch = next(random_batches(model, claim, 0, 4))
    assert screen(model, claim, batch, numeric.TOLERANCE["complex step"],
                  "complex step") == [True] * 4
    wrong = _one_claim({"A": "matrix(n, m)", "x": "vector(m)"}, kind="jacobian", of="A @ x",
                       wrt="x", indices=["i", "j"], answer="A[i, j] * (1 + delta(i, 0))")
    batch = next(random_batches(wrong, wrong.claims[0], 0, 4))
    assert screen(wrong, wrong.claims[0], batch, numeric.TOLERANCE["complex step"],
                  "complex step") == [False] * 4


def _search(model, claim, judge):
    return numeric.search(model, claim, 11, Deadline(60), judge=judge)


@pytest.mark.parametrize("answer", ["(B + B.T) @ x", "2 * B @ x", "B.T @ x"])
def test_the_search_finds_the_same_with_and_without_the_screen(answer):
    model = _one_claim({"x": "vector(n)", "B": "matrix(n, n)"}, kind="gradient",
                       of="x @ B @ x + sum(tanh(x))", wrt="x",
                       answer=f"{answer} + 1 - tanh(x)**2")
    claim = model.claims[0]
    fast = _search(model, claim, numeric.judge)
    slow = _search(model, claim, lambda *args: numeric.judge(*args))  # not screened
    assert (fast.status, fast.examples, fast.rejected) == \
        (slow.status, slow.examples, slow.rejected)
    if fast.point is not None:
        assert fast.point.sizes == slow.point.sizes
        assert all(np.array_equal(fast.point.values[k], slow.point.values[k])
                   for k in fast.point.values)


def test_random_batches_share_their_sizes_and_are_seeded():
    model = _one_claim({"X": "matrix(n, m)", "y": "vector(m, probability)"}, kind="gradient",
                       of="sum(X @ y)", wrt="X", answer="outer(ones(n), y)")
    claim = model.claims[0]
    batches = list(random_batches(model, claim, 5, 40))
    assert sum(len(b) for b in batches) == 40
    assert all(len({tuple(p.sizes.items()) for p in b}) == 1 for b in batches)
    # points drawn at the same sizes are one batch: one evaluation, not one per four
    sizes = [tuple(b[0].sizes.items()) for b in batches]
    assert len(set(sizes)) == len(sizes) < 10
    again = list(random_batches(model, claim, 5, 40))
    assert all(np.array_equal(p.values["X"], q.values["X"])
               for b, c in zip(batches, again, strict=True) for p, q in zip(b, c, strict=True))
    assert all(0 < np.real(p.values["y"]).min() and np.real(p.values["y"]).max() < 1
               for b in batches for p in b)
    assert not np.array_equal(batches[0][0].values["X"], batches[0][1].values["X"])


def test_random_batches_keep_test_functions_apart_and_scalars_as_arrays():
    model = _one_claim({"x": "scalar", "f": "function"}, kind="gradient", of="f(x)",
                       wrt="x", answer="diff(f)(x)")
    batches = list(random_batches(model, model.claims[0], 5, 40))
    # sizes are all fixed, the functions not: a batch for each draw of them
    assert [len(b) for b in batches] == [POINTS_PER_SIZE] * (40 // POINTS_PER_SIZE)
    assert len({b[0].functions["f"] for b in batches}) > 1
    assert all(p.values["x"].shape == () for b in batches for p in b)


@pytest.mark.parametrize("answer, right", [("[[6 * w, 6 * w], [6 * w, 6 * w]]", True),
                                           ("[[0, 0], [0, 6 * w]]", False)])
def test_a_hessian_wrt_a_repeated_scalar_moves_it_once_for_each(answer, right):
    model = _one_claim({"w": "scalar"}, kind="hessian", of="w * w * w", wrt=["w", "w"],
                       answer=answer)
    claim = model.claims[0]
    batch = next(random_batches(model, claim, 0, 4))
    passes = screen(model, claim, batch, numeric.TOLERANCE["second order"], "second order")
    judged = [_judged(model, claim, point) for point in batch]
    assert passes == [j is True for j in judged]
    assert any(passes) == right


def test_the_plain_batched_backend_leaves_a_singular_matrix_to_numpy():
    # (a Monte-Carlo estimate has no samples to set aside: numpy's error, as before)
    with pytest.raises(np.linalg.LinAlgError):
        Batched().inv(np.zeros((3, 2, 2), dtype=complex))


def test_a_singular_sample_costs_the_batch_only_that_sample():
    # edge values (0, ±1, ±2) make singular matrices common: one must not send the whole
    # batch to the one-point judgement
    model = _one_claim({"A": "matrix(n, n)", "x": "vector(n)"}, kind="gradient",
                       of="sum(inv(A) @ x)", wrt="x", answer="inv(A).T @ ones(n)")
    claim = model.claims[0]
    matrices = ([[2.0, 1.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]])
    points = [Point({"n": 2}, {"A": np.array(a, dtype=complex),
                               "x": np.array([1.0, -2.0], dtype=complex)}) for a in matrices]
    assert screen(model, claim, points, numeric.TOLERANCE["complex step"],
                  "complex step") == [True, False, True]
    assert _judged(model, claim, points[1]) is None  # singular: not judged at all


INDEX_FORMS = [(model, claim) for model, claim in CASES if claim.indices]


@pytest.mark.parametrize("model, claim", INDEX_FORMS,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}" for m, c in INDEX_FORMS])
def test_an_index_form_answer_walked_once_has_the_entries_walked_one_by_one(model, claim):
    class OneByOne(Screened):
        entries_at_once = False

    class AtOnceOnly(Screened):
        def assemble(self, results, core):
            raise AssertionError("walked one entry at a time")

    node = claim.exprs[claim.answer_field]
    assert entrywise(node)
    for batch in random_batches(model, claim, 7, 16, edge=4):
        fast, slow = AtOnceOnly(len(batch)), OneByOne(len(batch))
        at_once = Evaluator(model, fast, batch[0].sizes, batch.values,
                            claim.index_dims).entries(node)
        one_by_one = Evaluator(model, slow, batch[0].sizes, batch.values,
                               claim.index_dims).entries(node)
        np.testing.assert_allclose(at_once, np.broadcast_to(one_by_one, at_once.shape))
        assert fast.invalid.tolist() == slow.invalid.tolist()


def test_an_answer_not_made_entry_by_entry_is_walked_one_entry_at_a_time():
    model = _one_claim({"x": "vector(n)"}, kind="gradient", of="norm(x)**2", wrt="x",
                       indices=["i"], answer="norm(x[i] * x) / norm(x) * 2 * x[i] / abs(x[i])")
    assert not entrywise(model.claims[0].exprs["answer"])
    assert INDEX_FORMS  # (the built-ins have index-form answers to walk at once)


@pytest.mark.parametrize("answer", [
    "sum(x[j - a] * w[a], a)",  # a read outside x is 0 (zero padding)
    "sum(sum(x[p] * w[q], p), q) * delta(j, 0) + x[j]",  # sums with no free index
    "sum(x[j] * 2, a) + sum(sum(x[a] * delta(a, b), b) ** 2, a)",  # a body without its index
    "sum(tanh(x[j + a]) / (1 + w[a] ** 2), a)",
    "sum([sum(w[p], p), x[0]]) + x[j]",  # a sum inside what is not made entry by entry
])
def test_sums_walked_at_once_have_the_entries_walked_one_by_one(answer):
    model = _one_claim({"x": "vector(n)", "w": "vector(k)"}, kind="jacobian", of="x",
                       wrt="x", indices=["j", "i"], answer=f"({answer}) * delta(i, j)")
    claim = model.claims[0]
    assert claim.error is None, claim.error
    values = {"x": np.random.default_rng(1).standard_normal((5, 4)).astype(complex),
              "w": np.random.default_rng(2).standard_normal((5, 3)).astype(complex)}

    class OneByOne(Screened):
        entries_at_once = False

    node = claim.exprs["answer"]
    at_once = Evaluator(model, Screened(5), {"n": 4, "k": 3}, values,
                        claim.index_dims).entries(node)
    one_by_one = Evaluator(model, OneByOne(5), {"n": 4, "k": 3}, values,
                           claim.index_dims).entries(node)
    np.testing.assert_allclose(at_once, np.broadcast_to(one_by_one, at_once.shape))


PSD = [(model, claim) for path in claim_files([builtin_folder()])
       for model in [load(path)] for claim in model.claims
       if claim.kind == "psd" and not claim.error]


def _psd_judged(model, claim, point):
    return _judged(model, claim, point, psd.judge)


@pytest.mark.parametrize("model, claim", PSD, ids=[f"{m.path.split('/')[-1]}::{c.name}"
                                                   for m, c in PSD])
def test_the_psd_screen_passes_the_points_the_judgement_passes(model, claim):
    pairs = [(passed, _psd_judged(model, claim, point))
             for batch in random_batches(model, claim, 3, 24)
             for point, passed in zip(batch, psd.screen(model, claim, batch), strict=True)]
    assert [passed for passed, _ in pairs] == [judged is True for _, judged in pairs]
    assert any(passed for passed, _ in pairs)


@pytest.mark.parametrize("claim", [
    dict(kind="psd", of="X @ X.T - lam * eye(n)"),  # negative eigenvalues at most points
    dict(kind="psd", of="X @ X.T", certificate="sum((X.T @ v)**2) + sum(v)"),  # wrong certificate
    dict(kind="psd", of="diag(x)"),  # psd only where x >= 0
])
def test_the_psd_screen_never_passes_a_point_the_judgement_fails(claim):
    model = _one_claim({"X": "matrix(n, m)", "x": "vector(n)", "lam": "scalar(positive)"},
                       **claim)
    claim = model.claims[0]
    pairs = [(passed, _psd_judged(model, claim, point))
             for batch in random_batches(model, claim, 5, 40, edge=8)
             for point, passed in zip(batch, psd.screen(model, claim, batch), strict=True)]
    assert all(judged is True for passed, judged in pairs if passed)
    assert any(judged is False for _, judged in pairs)  # (the claim is wrong at some point)


def test_a_hessian_inside_takes_each_sample_s_own_step_in_the_batch():
    """hessian() inside a psd claim: the step of its differences is each point's own, so a
    point beside a much larger one is screened as it is judged (the review's find)."""
    model = _one_claim({"a": "scalar"}, kind="psd", of="hessian(tanh(1000 * a), [a])")
    claim = model.claims[0]
    points = [Point({}, {"a": np.array(v, dtype=complex)}) for v in (0.01, 3.0)]
    assert psd.screen(model, claim, points) == [_psd_judged(model, claim, p) is True
                                                  for p in points] == [False, True]
