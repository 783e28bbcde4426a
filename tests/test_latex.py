"""LaTeX: every claim in conventional notation, and an answer sheet that compiles."""

import json
import shutil
import subprocess

import pytest

import symgrad
from symgrad.cli import main
from tests.helpers import claims_text, decide_one

XB = {"x": "vector(n)", "B": "matrix(n, n)"}


def latex_of(symbols, claim, define=None):
    return decide_one(symbols, claim, define=define).latex


def test_quadratic_form_reads_as_a_textbook_equation():
    text = latex_of(XB, dict(kind="gradient", of="x.T @ B @ x", wrt="x",
                             answer="B.T @ x + B @ x"))
    assert text == (r"\frac{\partial \left(\mathbf{x}^\top \mathbf{B} \mathbf{x}\right)}"
                    r"{\partial \mathbf{x}}"
                    r" = \mathbf{B}^\top \mathbf{x} + \mathbf{B} \mathbf{x} \qquad "
                    r"\text{(proved)}")


@pytest.mark.parametrize("symbols, claim, pieces", [
    ({"V": "matrix(n, m)", "X": "matrix(m, p)", "W": "matrix(p, n)"},
     dict(kind="gradient", of="tr(V @ X @ W)", wrt="X", indices=["i", "j"],
          answer="sum(V[k, i] * W[j, k], k)"),
     [r"\operatorname{tr}", r"\left[\frac{\partial", r"\right]_{ij}", r"\sum_{k}"]),
    ({"w": "vector(n, nonzero)"}, dict(kind="gradient", of="norm(w)", wrt="w",
                                       answer="w / norm(w)"),
     [r"\left\lVert \mathbf{w} \right\rVert"]),
    ({"x": "vector(N)", "gamma": "scalar", "beta": "scalar"},
     dict(kind="backprop", of="gamma * (x - mean(x)) + beta", wrt="x", upstream="g",
          answer="gamma * (g - mean(g))"), [r"\gamma", r"\beta", r"\frac{\partial L}"]),
    ({"X": "matrix(N, d)", "h": "function"},
     dict(kind="backprop", of="h(X)", wrt="X", upstream="G", answer="G * diff(h)(X)"),
     [r"\odot", r"h'\left(\mathbf{X}\right)"]),
    ({"P": "matrix(N, K, positive)", "T": "matrix(N, K)"},
     dict(kind="gradient", of="-(1 / N) * sum(T * log(P))", wrt="P",
          answer="-(1 / N) * T / P"), [r"\oslash", r"\log"]),
    ({"z": "vector(K)"}, dict(kind="jacobian", of="softmax(z)", wrt="z", indices=["k", "i"],
                              answer="softmax(z)[k] * (delta(k, i) - softmax(z)[i])"),
     [r"\operatorname{softmax}", r"\delta_{ki}"]),
    ({"sigma": "scalar(positive)", "f": "normal(0, sigma**2)"},
     dict(kind="expectation", of="relu(f)**2", answer="sigma**2 / 2"),
     [r"\mathbb{E}\left[", r"\operatorname{ReLU}", r"\sigma^{2}"]),
    ({}, dict(kind="psd", of="[[2, 1], [1, 2]]"), [r"\succeq 0", r"\begin{bmatrix}"]),
    ({"S": "matrix(n, n)"}, dict(kind="gradient", of="tr(S)", wrt="S", answer="eye(n)"),
     [r"\mathbf{I}"]),
])
def test_notation(symbols, claim, pieces):
    text = latex_of(symbols, claim)
    for piece in pieces:
        assert piece in text, text


def test_every_builtin_claim_prints(capsys):
    assert main(["latex"]) == 0
    out = capsys.readouterr().out
    assert out.count(r"\[") == 50 and "cannot be printed" not in out
    assert out.count(r"\text{(proved)}") == 50


def test_json_carries_the_latex(tmp_path, capsys):
    path = tmp_path / "q.toml"
    path.write_text(claims_text(XB, dict(kind="gradient", of="x @ B @ x", wrt="x",
                                         answer="2 * B @ x")))
    main(["check", "--json", str(path)])
    [result] = json.loads(capsys.readouterr().out)
    assert result["latex"].startswith(r"\begin{gathered}\frac{\partial")
    assert r"= 2 \, \mathbf{B} \mathbf{x} \qquad \text{(refuted)} \\ " \
           r"\text{diagnosis (symmetric-only): it holds only when B is symmetric" in result["latex"]
    assert result["latex"].endswith(r"\text{correct answer: } " + result["correct_latex"] +
                                    r"\end{gathered}")


def compile_sheet(tmp_path, paths, capsys):
    main(["latex", "--document", *map(str, paths)])
    source = capsys.readouterr().out
    assert source.startswith(r"\documentclass{article}")
    assert r"\usepackage{amsmath,amssymb}" in source
    return compile_source(tmp_path, source)


def compile_source(tmp_path, source):
    (tmp_path / "answers.tex").write_text(source)
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed here (.ci/run installs it, so CI compiles)")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "answers.tex"], cwd=tmp_path, capture_output=True, text=True)
    log = (tmp_path / "answers.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Undefined control sequence" not in log
    assert (tmp_path / "answers.pdf").exists()
    return source


def test_the_builtin_answer_sheet_compiles(tmp_path, capsys):
    source = compile_sheet(tmp_path, [], capsys)
    assert r"\section{Gradient of a quadratic form}" in source


def test_a_sheet_with_refutations_compiles(tmp_path, capsys):
    path = tmp_path / "wrong.toml"
    path.write_text(claims_text(
        {"x": "vector(n)", "B": "matrix(n, n)", "z": "vector(K)", "y": "vector(K, onehot)"},
        dict(name="2Bx", kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x"),
        dict(name="sign", kind="gradient", of="-sum(y * log(softmax(z)))", wrt="z",
             answer="y - softmax(z)"),
        dict(name="broken & 50% {odd} #name", kind="gradient", of="x @ C @ x", wrt="x",
             answer="x"),
        dict(name="question", kind="jacobian", of="softmax(z)", wrt="z"),
        dict(name="no closed form", kind="gradient", of="max(z)", wrt="z"),
        title="Wrong answers: 100% & {braces} $x_1$ ^ ~"))
    source = compile_sheet(tmp_path, [path], capsys)
    assert "Diagnosis (symmetric-only)" in source and "Counterexample" in source
    assert r"Correct answer (derived by symgrad and checked):}\begin{equation*}" \
           r"\frac{\partial \left(\mathbf{x}^\top \mathbf{B} \mathbf{x}\right)}" in source
    assert r"= \operatorname{diag}\left(\operatorname{softmax}\left(\mathbf{z}\right)" \
           r"\right) - " in source  # the question's derived answer


def test_each_printed_claim_compiles_refutations_with_their_correct_answer(tmp_path, capsys):
    path = tmp_path / "wrong.toml"
    path.write_text(claims_text(XB, dict(name="w", kind="gradient", of="x @ B @ x", wrt="x",
                                         answer="2 * B @ x")))
    main(["latex", str(path)])
    equations = capsys.readouterr().out
    assert r"\text{correct answer: }" in equations
    compile_source(tmp_path, "\\documentclass{article}\\usepackage{amsmath,amssymb}"
                   "\\begin{document}\n" + equations + "\\end{document}\n")


def test_results_know_their_latex():
    [result] = symgrad.check(claims_text({"z": "scalar"}, dict(
        kind="equal", lhs="tanh(z)", rhs="2 * sigmoid(2 * z) - 1")))
    assert result.latex.startswith(r"\tanh\left(z\right) = 2 \, \sigma\left(2 \, z\right)")


HOSTILE = ["\\input{/etc/passwd}", "\\include{x}", "\\write18{touch pwned}", "\\openout1",
           "\\catcode`\\%=12", "\\def\\x{y}", "\\immediate\\write18{rm -rf ~}"]


def test_hostile_names_and_titles_cannot_break_or_enter_the_sheet(tmp_path, capsys):
    path = tmp_path / "hostile.toml"
    title = "Homework ^ | % # & $ _ ~ {\n\nblank line above " + " ".join(HOSTILE) + "\f\x01"
    path.write_text(claims_text(
        {"x": "vector(n)", "B": "matrix(n, n)", "λ": "scalar"},
        dict(name="grad " + HOSTILE[0], kind="gradient", of="x @ B @ x", wrt="x",
             answer="B.T @ x + B @ x"),
        dict(name="line one\n\nline two}\\end{document}" + HOSTILE[2], kind="gradient",
             of="x @ B @ x", wrt="x", answer="2 * B @ x"),
        dict(name="greek", kind="gradient", of="λ * x @ x", wrt="x", answer="2 * λ * x"),
        title=title, source="50% \\section{Injected} " + " ".join(HOSTILE)))
    source = compile_sheet(tmp_path, [path], capsys)
    body = source.split(r"\begin{document}", 1)[1]
    for command in ("\\input", "\\include", "\\write18", "\\openout", "\\catcode", "\\def",
                    "\\immediate", "\\section{Injected}", "\\end{document}\\"):
        assert command not in body.replace("\\textbackslash{}", "?"), command
    assert "\f" not in source and "\x01" not in source and "\n\n" not in body
    assert r"\lambda" in source
