"""Soundness: every wrong version of every built-in answer is refuted (mutation testing).

Mutants that are equivalent to the original must be proved by the symbolic path (they
count apart); anything that survives is a hole in the verifier."""

import multiprocessing
import os

from symgrad.cli import main
from symgrad.explain.mutate import mutate_file, rate
from symgrad.language.files import builtin_folder, claim_files
from tests.helpers import claims_text

PER_CLAIM = 3  # mutants of each built-in answer here; `symgrad mutate` decides all of them


def _mutated(path):
    return mutate_file(path, display=f"derivations/{path.name}", per_claim=PER_CLAIM)


def test_non_equivalent_mutants_of_every_builtin_are_refuted():
    files = sorted(claim_files([builtin_folder()]), key=lambda p: -p.stat().st_size)
    with multiprocessing.get_context("fork").Pool(min(2, os.cpu_count() or 1)) as pool:
        reports = pool.map(_mutated, files, chunksize=1)
    survivors = [s for r in reports for s in r.survivors]
    assert survivors == []
    killed = sum(r.killed for r in reports)
    assert killed > 200, "the mutation operators really produce mutants"
    assert sum(r.equivalent for r in reports) > 0, "equivalent mutants are recognised"


def test_a_sample_of_mutants_is_spread_over_the_operators(tmp_path):
    path = tmp_path / "quadratic.toml"
    path.write_text(claims_text({"x": "vector(n)", "B": "matrix(n, n)"}, dict(
        kind="gradient", of="x @ B @ x", wrt="x", answer="B.T @ x + B @ x")))
    full, sample = mutate_file(path), mutate_file(path, per_claim=3)
    assert sample.counted + sample.equivalent + sample.invalid == 3
    assert full.counted + full.equivalent + full.invalid > 3


def test_equivalent_mutants_are_proved_not_skipped(tmp_path):
    path = tmp_path / "symmetric.toml"
    path.write_text(claims_text({"x": "vector(n)", "S": "matrix(n, n, symmetric)"},
                                dict(kind="gradient", of="x @ S @ x", wrt="x",
                                     answer="2 * S @ x")))
    report = mutate_file(path)
    assert report.equivalent >= 1  # S.T @ x: transposing a symmetric matrix changes nothing
    assert report.survivors == [] and report.killed >= 3


def test_a_weak_claim_lets_mutants_survive_and_the_command_says_so(tmp_path, capsys):
    # a claim that cannot be decided symbolically or numerically: its mutants survive
    path = tmp_path / "weak.toml"
    path.write_text(claims_text({"x": "vector(n)"}, dict(
        kind="gradient", of="sum(sqrt(-1 - x * x))", wrt="x",
        answer="-x / sqrt(-1 - x * x)")))
    assert main(["mutate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "survived:" in out
    assert out.strip().splitlines()[-1].startswith("overall kill rate: 0/")


def test_rate_format():
    assert rate(3, 4) == "3/4 (75.0%)"
    assert rate(0, 0) == "0/0 (100.0%)"
