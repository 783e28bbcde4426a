"""Hessians, psd, expectations, convergence and values (the second-order issue):
the built-in wrong claims it lists are refuted with a concrete point, and the kinds'
own rules hold."""

import random
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from symgrad.engine.backends import Invalid, Numeric
from symgrad.engine.evaluate import Evaluator
from symgrad.language.files import builtin_folder, claim_files, load
from symgrad.paths import hessian, numeric
from symgrad.paths.points import Point, fixed_points
from tests.helpers import claims_text, decide_one

LOGISTIC = {"w": "scalar", "b": "scalar", "x": "vector(N)", "y": "vector(N, binary)"}
LOGISTIC_DEFINE = {"p": "sigmoid(w * x + b)", "E": "-sum(y * log(p) + (1 - y) * log(1 - p))"}


def builtin(name: str) -> str:
    return (builtin_folder() / name).read_text()


def replaced(name: str, old: str, new: str) -> str:
    text = builtin(name)
    assert old in text
    return text.replace(old, new)


def verdicts(text: str) -> dict:
    return {r.claim: r for r in symgrad.check(text)}


def test_hessian_without_off_diagonal_entries_is_refuted():
    result = decide_one(LOGISTIC, dict(
        kind="hessian", of="E", wrt=["w", "b"],
        answer="[[sum(p * (1 - p) * x**2), 0], [0, sum(p * (1 - p))]]"), define=LOGISTIC_DEFINE)
    assert result.verdict == "refuted"
    assert result.counterexample["differs"] == [[0, 1], [1, 0]]


def test_psd_of_an_indefinite_constant_matrix_is_refuted_with_its_eigenvalue():
    result = decide_one({}, dict(kind="psd", of="[[1, 2], [2, 1]]"))
    assert result.verdict == "refuted"
    assert result.counterexample["got"] == -1
    assert "negative eigenvalue -1" in result.reason


def test_psd_without_certificate_is_verified_not_proved():
    result = decide_one(LOGISTIC, dict(kind="psd", of="hessian(E, [w, b])"),
                        define=LOGISTIC_DEFINE)
    assert result.verdict == "verified"
    assert "no certificate" in result.reason


def test_certificate_that_is_not_nonnegative_by_form_is_not_proved():
    result = decide_one(LOGISTIC, dict(kind="psd", of="hessian(E, [w, b])",
                                       certificate="sum(p * (1 - p) * (v[0] * x + v[1]) * "
                                                   "(v[0] * x + v[1]))"),
                        define=LOGISTIC_DEFINE)
    assert result.verdict == "verified"
    assert "not nonnegative by its form" in result.reason


def test_wrong_certificate_is_refuted():
    result = decide_one({"z": "vector(K)"}, dict(
        kind="psd", of="diag(softmax(z)) - outer(softmax(z), softmax(z))",
        certificate="sum(softmax(z) * v**2)"))
    assert result.verdict == "refuted" and "certificate is not" in result.reason


def test_relu_second_moment_sigma_squared_is_refuted():
    results = verdicts(replaced("relu_moments.toml", 'answer = "sigma**2 / 2"',
                                'answer = "sigma**2"'))
    assert results["second-moment"].verdict == "refuted"
    assert results["mean"].verdict == "proved"


def test_dropout_gradient_without_the_variance_term_is_refuted():
    results = verdicts(replaced("gaussian_dropout.toml",
                                'answer = "(sum(W * x) - t) * x + s**2 * x**2 * W"',
                                'answer = "(sum(W * x) - t) * x"'))
    result = results["expected-gradient"]
    assert result.verdict == "refuted"
    assert "standard errors" in result.reason
    assert all(size <= 3 for size in result.counterexample["sizes"].values())


def test_newton_constant_without_the_factor_two_is_refuted():
    results = verdicts(replaced("newton.toml",
                                'constant = "diff(f, 2)(r) / (2 * diff(f)(r))"',
                                'constant = "diff(f, 2)(r) / diff(f)(r)"'))
    result = results["newton-root"]
    assert result.verdict == "refuted"
    estimated_order, estimated_constant = result.counterexample["expected"]
    assert abs(estimated_order - 2) < 0.1
    assert "f" in result.counterexample["functions"]


def test_shrinking_draws_no_constants_from_the_code_loaded(monkeypatch):
    # hypothesis draws constants from the code of "local" modules now and then: a user's
    # project (or symgrad's own code, installed editable) would change the counterexamples
    from hypothesis.internal.conjecture import providers

    asked = []
    monkeypatch.setattr(providers, "_get_local_constants",
                        lambda: asked.append(True) or providers.Constants())
    text = replaced("newton.toml", 'constant = "diff(f, 2)(r) / (2 * diff(f)(r))"',
                    'constant = "diff(f, 2)(r) / diff(f)(r)"')
    results = {r.claim: r for r in symgrad.check(text, isolate=False)}  # (in this process)
    assert results["newton-root"].verdict == "refuted"
    assert not asked


def test_searches_in_two_threads_leave_hypothesis_as_it_was():
    from hypothesis.internal.conjecture import providers

    from symgrad.paths.hypothesis_search import _without_local_constants

    own = providers._get_local_constants
    first, second = _without_local_constants(), _without_local_constants()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # (the first to start ends first)
    assert providers._get_local_constants is not own  # the second still runs without
    second.__exit__(None, None, None)
    assert providers._get_local_constants is own


def test_steffensens_method_a_function_of_a_function_is_quadratic():
    # f(x + f(x)): the series and the iterations stay small (each point builds its step)
    text = textwrap.dedent("""\
        title = "Steffensen"
        [symbols]
        f = "function"
        x = "scalar"
        r = "scalar"
        [[claims]]
        name = "steffensen"
        kind = "convergence"
        iteration = "x - f(x)**2 / (f(x + f(x)) - f(x))"
        variable = "x"
        root = "r"
        given = ["f(r) == 0"]
        order = 2
        [[claims]]
        name = "steffensen-cubic"
        kind = "convergence"
        iteration = "x - f(x)**2 / (f(x + f(x)) - f(x))"
        variable = "x"
        root = "r"
        given = ["f(r) == 0"]
        order = 3
        """)
    results = verdicts(text)
    assert results["steffensen"].verdict == "proved", results["steffensen"].reason
    assert results["steffensen-cubic"].verdict == "refuted"


def test_gradient_descent_is_not_quadratic():
    text = builtin("newton.toml").replace(
        'order = 1\nconstant = "1 - eta * diff(g, 2)(r)"', "order = 2")
    result = verdicts(text)["gradient-descent"]
    assert result.verdict == "refuted"
    assert abs(result.counterexample["expected"][0] - 1) < 0.1


@pytest.mark.parametrize("old, new, claim", [
    ('answer = "[0.83995, 0.41997, 0]"', 'answer = "[0.83995, -0.41997, 0]"', "gradient-x"),
    ('answer = "0.76159"', 'answer = "-0.76159"', "forward"),
])
def test_value_with_a_wrong_number_is_refuted(old, new, claim):
    result = verdicts(replaced("computational_graph.toml", old, new))[claim]
    assert result.verdict == "refuted"
    assert result.counterexample["inputs"]["x"] == [1, -1, 2]


def test_value_digits_are_matched_to_the_last_digit_written():
    symbols = {"x": "scalar"}

    def value(answer):
        return decide_one(symbols, dict(kind="value", at={"x": "1"}, of="tanh(x)",
                                        answer=answer)).verdict

    assert value("0.76159") == "proved"  # tanh(1) = 0.761594...
    assert value("0.7616") == "proved"
    assert value("0.76158") == "refuted"
    assert value("0.8") == "proved"
    assert value("0.7") == "proved"  # within one unit of the only digit written
    assert value("0.6") == "refuted"


def test_value_at_a_tie_of_max_is_undecided():
    text = builtin("computational_graph.toml").replace(
        'W = "[[1, 0, -1], [2, 1, 0]]"', 'W = "[[1, 0, 0], [1, 0, 0]]"')
    result = verdicts(text)["gradient-x"]
    assert result.verdict == "undecided" and "tie in max" in result.reason


def test_random_symbols_only_in_expectations():
    text = claims_text({"f": "normal(0, 1)"}, dict(kind="equal", lhs="f", rhs="f"))
    [result] = symgrad.check(text)
    assert result.verdict == "error"
    assert "random symbol f may appear only in expectation claims" in result.reason


def test_convergence_errors_name_the_field():
    text = textwrap.dedent('''
        title = "t"
        [symbols]
        f = "function"
        x = "scalar"
        r = "scalar"
        [[claims]]
        kind = "convergence"
        iteration = "x - f(x)"
        variable = "x"
        root = "r"
        given = ["f(r) = 0"]
        order = 1
    ''')
    [result] = symgrad.check(text)
    assert result.verdict == "error" and "given[0]" in result.reason


def test_value_needs_every_symbol_at_the_point():
    [result] = symgrad.check(claims_text({"x": "scalar", "y": "scalar"}, dict(
        kind="value", at={"x": "1"}, of="x * y", answer="1")))
    assert result.verdict == "error" and "no value for y" in result.reason


def test_hessian_answer_with_a_wrong_shape_is_refuted():
    result = decide_one({"x": "vector(n)", "A": "matrix(n, n)"},
                        dict(kind="hessian", of="x @ A @ x", wrt="x", answer="A @ x"))
    assert result.verdict == "refuted" and "should be a matrix(n, n)" in result.reason


def test_expectation_estimates_are_reproducible():
    text = replaced("relu_moments.toml", 'answer = "sigma**2 / 2"', 'answer = "sigma**2"')
    first = verdicts(text)["second-moment"].counterexample
    assert verdicts(text)["second-moment"].counterexample == first
    assert np.isfinite(first["expected"])


@pytest.mark.parametrize("name", ["newton-root", "newton-optimum", "gradient-descent"])
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_a_convergence_step_built_once_is_the_step_built_at_each_point(name, data):
    # the step x -> x_next, built once with the functions' coefficients as symbols (and
    # evaluated as numerator over denominator), against the step built at the point itself
    import mpmath

    from symgrad.kinds import convergence
    from symgrad.kinds import iteration as iteration_module
    from symgrad.language.files import load

    model = load(builtin_folder() / "newton.toml")
    claim = next(c for c in model.claims if c.name == name)
    iteration = iteration_module.Iteration(model, claim)
    assert iteration.fraction is not None  # polynomial test functions: a rational step
    point = data.draw(convergence.strategy(model, claim))
    fast = iteration.stepper(point)
    slow = iteration_module._stepper(*iteration_module._step_at(model, claim, point))
    with mpmath.workdps(iteration_module.DIGITS):
        for x in (mpmath.mpf("0.3"), mpmath.mpf("-1.25"), mpmath.mpf(2)):
            a, b = fast(x), slow(x)
            assert (a is None) == (b is None)
            assert a is None or abs(a - b) <= mpmath.mpf(10) ** -60 * (1 + abs(b))


def test_a_failure_drawn_by_numpy_is_kept_when_time_runs_out_making_it_small():
    from symgrad.errors import OutOfTime
    from symgrad.language.files import load
    from symgrad.paths import numeric
    from symgrad.paths.numeric import Comparison, Point

    class Deadline:  # runs out three checks after the first failure
        checks, armed = 0, None

        def check(self):
            Deadline.checks += 1
            if Deadline.armed is not None and Deadline.checks > Deadline.armed:
                raise OutOfTime("time limit reached")

        def remaining(self):
            return 1.0

    def judge(model, claim, point):
        wrong = float(np.real(point.values["x"])) > 0.5
        if wrong and Deadline.armed is None:
            Deadline.armed = Deadline.checks + 3
        return Comparison(np.array(0.0), np.array(1.0), [()] if wrong else [])

    def draw(model, claim, seed, count):
        return (Point({}, {"x": np.asarray(-1 + 2 * k / count + 0j)}) for k in range(count))

    def strategy(model, claim, sizes=None):
        return st.floats(-1, 1).map(lambda x: Point({}, {"x": np.asarray(x + 0j)}))

    model = load(builtin_folder() / "newton.toml")
    outcome = numeric.search(model, model.claims[0], 0, Deadline(), 40, judge=judge,
                             strategy=strategy, fixed=lambda *_: [], draw=draw,
                             shrink_calls=40)
    assert outcome.status == "failed"
    assert float(np.real(outcome.point.values["x"])) > 0.5


HESSIANS = [(model, claim) for path in claim_files([builtin_folder()])
            for model in [load(path)] for claim in model.claims if claim.kind == "hessian"]


@pytest.mark.parametrize("model, claim", HESSIANS,
                         ids=[f"{m.path.split('/')[-1]}::{c.name}" for m, c in HESSIANS])
def test_the_batched_hessian_truth_is_the_one_evaluated_entry_by_entry(model, claim):
    for point in fixed_points(model, claim, random.Random(3)):
        def evaluator(values, point=point):
            return Evaluator(model, Numeric(point.functions), point.sizes, values,
                             claim.index_dims)

        variables = claim.variables(point.values)
        batched = hessian._batched(model, claim, point, variables)
        assert batched is not None
        for at_once, one_by_one in zip(batched, hessian._one_at_a_time(
                claim, point, evaluator, variables), strict=True):
            np.testing.assert_allclose(at_once, one_by_one, rtol=1e-9, atol=1e-9)


def test_a_hessian_point_a_guard_flags_is_refused_with_the_reason_of_the_walk():
    model = load("<test>", claims_text({"x": "vector(n)"}, dict(
        name="c", kind="hessian", of="sum(log(x))", wrt="x", answer="diag(x)")))
    claim = model.claims[0]
    point = Point({"n": 2}, {"x": np.array([1.0, 1e-12], dtype=complex)})
    assert hessian._batched(model, claim, point, claim.variables(point.values)) is None
    with pytest.raises(Invalid, match="outside the domain"):
        numeric.compare(model, claim, point)
