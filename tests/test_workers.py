"""Hard limits: each claim is decided in a worker process that is ended when it overruns its
time limit and cannot take more than its memory limit; no verdict is lost to a later step,
and one claim's trouble costs only its own verdict."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from symgrad.errors import OutOfTime
from symgrad.explain import diagnose
from symgrad.paths import symbolic
from tests.helpers import claims_text

XB = {"x": "vector(n)", "B": "matrix(n, n)"}
RIGHT = dict(name="right", kind="gradient", of="x @ B @ x", wrt="x", answer="B.T @ x + B @ x")
WRONG = dict(name="wrong", kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x")


def stubborn(*args, **kwargs):
    """SymPy stuck where a signal cannot stop it: swallows every time limit for 60 s (the
    whole loop inside the try: a signal between two sleeps must not end it either)."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            while time.monotonic() < end:
                time.sleep(0.02)
        except OutOfTime:
            pass


def test_a_claim_that_ignores_its_time_limit_is_ended_and_the_next_one_runs(monkeypatch):
    monkeypatch.setattr(symbolic, "prove", stubborn)
    started = time.monotonic()
    stuck, = symgrad.check(claims_text(XB, RIGHT), timeout=1)
    assert stuck.verdict == "undecided" and stuck.reason.startswith("time limit")
    assert time.monotonic() - started < 1 + 5  # the limit, the grace, the fork
    monkeypatch.undo()
    assert [r.verdict for r in symgrad.check(claims_text(XB, RIGHT, WRONG))] == \
           ["proved", "refuted"]


def test_a_refutation_keeps_its_verdict_when_the_explanation_overruns(monkeypatch):
    monkeypatch.setattr(diagnose, "diagnose", stubborn)
    wrong, = symgrad.check(claims_text(XB, WRONG), timeout=3)
    assert wrong.verdict == "refuted" and wrong.counterexample
    assert "the explanation could not be made (time limit" in wrong.reason


def test_a_refutation_keeps_its_verdict_when_the_explanation_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in a rule")

    monkeypatch.setattr(diagnose, "diagnose", broken)
    for isolate in (True, False):
        wrong, = symgrad.check(claims_text(XB, WRONG), isolate=isolate)
        assert wrong.verdict == "refuted" and wrong.counterexample
        assert wrong.correct, "the correct answer is made before the diagnosis"
        assert "the diagnosis could not be made (symgrad failed to explain it" in wrong.reason


def test_a_claim_beyond_the_memory_limit_is_undecided_and_the_others_run(monkeypatch):
    def greedy(*args, **kwargs):
        return bytearray(600 * 2**20)

    monkeypatch.setattr(symbolic, "prove", greedy)
    first, second = symgrad.check(claims_text(XB, RIGHT, WRONG), memory=300)
    assert first.verdict == "undecided" and first.reason.startswith("memory limit")
    assert second.verdict == "undecided" and "memory limit" in second.reason


def test_a_worker_that_dies_costs_its_claim_only(monkeypatch):
    import os

    monkeypatch.setattr(symbolic, "prove", lambda *a, **k: os._exit(7))
    results = symgrad.check(claims_text(XB, RIGHT, WRONG), jobs=1)
    assert [r.verdict for r in results] == ["error", "error"]
    assert all("worker stopped" in r.reason and "exit code 7" in r.reason for r in results)


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_in_the_order_of_the_claims_whatever_the_workers(tmp_path, jobs):
    for k in range(3):
        (tmp_path / f"f{k}.toml").write_text(claims_text(XB, WRONG, RIGHT))
    results = symgrad.check(tmp_path, jobs=jobs)
    assert [(r.file[-7:], r.claim) for r in results] == \
           [(f"f{k}.toml", c) for k in range(3) for c in ("wrong", "right")]
    in_process = symgrad.check(tmp_path, isolate=False)
    assert [(r.verdict, r.reason, r.counterexample, r.correct) for r in results] == \
           [(r.verdict, r.reason, r.counterexample, r.correct) for r in in_process]


@settings(max_examples=2, deadline=None, database=None)
@given(st.booleans())
def test_check_inside_a_users_own_hypothesis_test(isolate):
    right, = symgrad.check(claims_text(XB, RIGHT), isolate=isolate)
    assert right.verdict == "proved", right.reason


def test_the_public_api_and_what_a_notebook_shows():
    assert set(symgrad.__all__) <= set(dir(symgrad))
    wrong = symgrad.same("B @ x", "B.T @ x", XB)
    assert wrong.verdict == "refuted"
    markdown = wrong._repr_markdown_()
    assert markdown.startswith("**refuted** `<same>::same`") and "$$" in markdown
    assert "*Diagnosis (symmetric-only):*" in markdown and "| expected (true value) |" in markdown
    assert wrong._repr_latex_().startswith("$$\\begin{gathered}")
    results = symgrad.check(claims_text(XB, RIGHT, dict(WRONG, name="<b>&")))
    assert isinstance(results, symgrad.Results)
    table = results._repr_html_()
    assert table.count("<tr>") == 3 and "&lt;b&gt;&amp;" in table
    derived, = symgrad.derive(claims_text(XB, WRONG))
    assert derived.derived == "B.T @ x + B @ x"
    assert "\\begin{document}" in symgrad.latex(claims_text(XB, RIGHT), document=True)
