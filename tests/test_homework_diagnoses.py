"""The new user's homework mistakes (issue 11) are named in matrix form, each checked."""

from pathlib import Path

import pytest

import symgrad

HOMEWORK = Path(__file__).parent / "homework" / "mistakes.toml"

SAID = {
    "ridge-without-penalty": ("term", "the answer lacks the term 2 * lam * w"),
    "ridge-half-penalty": ("term",
                           "the answer has the term lam * w where the truth has 2 * lam * w"),
    "hinge-without-indicator": ("missing-factor", "the indicator step(1 - margin) is missing"),
    "attention-without-scale": ("factor", "the scale 1 / sqrt(d) is missing"),
    "mlp-without-relu-mask": ("missing-factor", "the ReLU mask step(z1) is missing"),
    "layer-norm-without-variance-path": (
        "dropped-path", "the path through var (the variance path) is missing: the answer "
        "treats var = mean(xc**2) as a constant; it lacks the term "
        "-mean(G * gamma * xhat) * xc / sd**2"),
}


@pytest.fixture(scope="module")
def results():
    # a generous time limit: the attention claim alone takes ~17 s on a loaded 2-core machine
    return {r.claim: r for r in symgrad.check(HOMEWORK, timeout=120)}


@pytest.mark.parametrize("claim", SAID)
def test_each_mistake_is_named(results, claim):
    result = results[claim]
    code, message = SAID[claim]
    assert result.verdict == "refuted"
    assert result.diagnosis is not None, result.reason
    assert result.diagnosis["code"] == code, result.diagnosis["message"]
    assert result.diagnosis["message"].startswith(message), result.diagnosis["message"]
    assert result.correct, "a refuted gradient comes with its correct answer"


def test_a_diagnosis_is_words_and_expressions(results):
    parts = results["ridge-without-penalty"].diagnosis["parts"]
    assert parts == [["text", "the answer lacks the term "], ["math", "2 * lam * w"]]
    latex = results["ridge-without-penalty"].diagnosis["latex"]
    assert latex.startswith("the answer lacks the term $2 ") and latex.endswith(r"\mathbf{w}$")


def test_entrywise_sympy_only_when_asked(tmp_path, capsys):
    from symgrad.cli import main

    path = tmp_path / "batch.toml"
    path.write_text('title = "t"\n[symbols]\nx = "vector(N)"\n[[claims]]\nname = "dx"\n'
                    'kind = "equal"\nlhs = "x - mean(x)"\nrhs = "x"\n')
    main(["check", str(path)])
    quiet = capsys.readouterr().out
    main(["check", "-v", str(path)])
    verbose = capsys.readouterr().out
    assert "truth - answer = [" not in quiet
    assert "truth - answer = [" in verbose
