"""LaTeX: every claim in conventional notation, and an answer sheet that compiles."""

import json
import re
import shutil
import subprocess

import pytest

import symgrad
from symgrad.cli import main
from symgrad.output.latex import claim_equation, text
from symgrad.output.sheet import _display, document
from symgrad.run import models
from symgrad.verdicts.results import Result
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


@pytest.fixture(scope="module")
def builtin():
    """The built-in derivations and their results, decided once for the tests below."""
    from symgrad.run import models, results

    files = list(models())
    return files, list(results(files))


def test_every_builtin_claim_prints(builtin):
    files, found = builtin
    assert len(found) == sum(len(model.claims) for model in files) > 50
    assert all(r.latex.endswith(r"\text{(proved)}") for r in found), [
        r.latex for r in found if not r.latex.endswith(r"\text{(proved)}")]
    assert not any("cannot be printed" in r.latex for r in found)


def test_json_carries_the_latex(tmp_path, capsys):
    path = tmp_path / "q.toml"
    path.write_text(claims_text(XB, dict(kind="gradient", of="x @ B @ x", wrt="x",
                                         answer="2 * B @ x")))
    main(["check", "--json", str(path)])
    [result] = json.loads(capsys.readouterr().out)
    assert result["latex"].startswith(r"\begin{gathered}\frac{\partial")
    assert r"= 2 \, \mathbf{B} \mathbf{x} \qquad \text{(refuted)} \\ " \
           r"\text{diagnosis (symmetric-only): it holds only when $\mathbf{B}$ is symmetric" \
           in result["latex"]
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


def test_the_builtin_answer_sheet_compiles(tmp_path, builtin):
    files, found = builtin
    source = compile_source(tmp_path, document(
        [(model, [r for r in found if r.file == model.path]) for model in files]))
    assert r"\section{Gradient of a quadratic form}" in source
    assert source.count(r"\textbf{Proved}") == len(found)


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


# --- the answer sheet reads as a document --------------------------------------------------

#: A homework file (5 claims, decided once): a hostile title, a λ symbol, common names,
#: definitions, a question, refutations with diagnoses and counterexamples, an answer
#: that cannot be formed, and a proved answer.
HOMEWORK = r'''
title = "HW 3 ^ | _ % & # \\ ~ λ-regularised"
source = "Q1 | (a) & (b), 50% ~ done"

[symbols]
x = "vector(n)"
B = "matrix(n, n)"
"λ" = "scalar(positive)"
lam = "scalar"
xhat = "vector(n)"
mu = "vector(n)"
Sigma = "matrix(n, n, symmetric)"
y = "vector(n)"
z = "vector(K)"

[define]
yhat = "B @ xhat + mu"
L = "0.5 * sum((yhat - y)**2) + λ * xhat @ xhat"

[[claims]]
name = "dL/dxhat"
kind = "gradient"
of = "L"
wrt = "xhat"

[[claims]]
name = "symmetric"
kind = "gradient"
of = "x @ B @ x"
wrt = "x"
answer = "2 * B @ x"

[[claims]]
name = "sign"
kind = "gradient"
of = "lam * x @ x"
wrt = "x"
answer = "-2 * lam * x"

[[claims]]
name = "shapes"
kind = "gradient"
of = "x @ B @ x"
wrt = "x"
answer = "B @ z"

[[claims]]
name = "proved"
kind = "gradient"
of = "x @ Sigma @ x"
wrt = "x"
answer = "2 * Sigma @ x"
'''


@pytest.fixture(scope="module")
def homework(tmp_path_factory):
    """The homework's sheet: its LaTeX source, and the text of each claim's part."""
    path = tmp_path_factory.mktemp("homework") / "hw.toml"
    path.write_text(HOMEWORK, encoding="utf-8")
    source = symgrad.latex(str(path), document=True)
    claims = dict(re.findall(r"\\subsection\*\{(.*?) \\textmd.*?\n(.*?)(?=\\subsection|\\end\{doc)",
                             source, re.S))
    return source, claims


def test_the_homework_sheet_compiles(tmp_path, homework):
    compile_source(tmp_path, homework[0])


def test_a_section_opens_with_symbols_in_words_and_math_then_definitions(homework):
    source, _ = homework
    symbols = next(line for line in source.splitlines() if line.startswith(r"\textit{Symbols:}"))
    for piece in (r"$\mathbf{x} \in \mathbb{R}^{n}$", r"$\mathbf{B} \in \mathbb{R}^{n \times n}$",
                  r"$\boldsymbol{\Sigma} \in \mathbb{R}^{n \times n}$ symmetric",
                  r"$\lambda > 0$", r"$\hat{\mathbf{x}} \in \mathbb{R}^{n}$",
                  r"$\boldsymbol{\mu} \in \mathbb{R}^{n}$", r"for all sizes $n, K \ge 1$"):
        assert piece in symbols, (piece, symbols)
    definitions = source.split(r"\textit{Definitions:}", 1)[1].split(r"\subsection", 1)[0]
    assert definitions.startswith(r"\begin{align*}\hat{\mathbf{y}} &= \mathbf{B} \hat{\mathbf{x}}"
                                  r" + \boldsymbol{\mu} \\ L &= 0.5 \, ")
    assert source.index("Definitions") < source.index(r"\subsection")


def test_answers_and_diagnoses_are_mathematics_never_code(homework):
    source, claims = homework
    body = source.split(r"\begin{document}", 1)[1]
    ours = "\n".join(line for line in body.splitlines()  # (a diagnosis's words are its own)
                     if not line.startswith(r"\textit{Diagnosis"))
    for code in ("@", "derived answer", ".T", "None", "mathrm{xhat}", "mathrm{lam}"):
        assert code not in ours, code
    assert claims["dL/dxhat"].startswith(
        r"\textit{Answer derived by symgrad:}\begin{equation*}\frac{\partial L}"
        r"{\partial \hat{\mathbf{x}}} = ")
    sign = next(line for line in claims["sign"].splitlines() if "Diagnosis (sign)" in line)
    assert r"$-\left(-2 \, \lambda \, \mathbf{x}\right)$ is right" in sign
    assert r"= -2 \, \lambda \, \mathbf{x}\end{equation*}" in claims["sign"]
    assert r"\textit{Correct answer (derived by symgrad and checked):}\begin{equation*}" \
           r"\frac{\partial \left(\mathbf{x}^\top \mathbf{B} \mathbf{x}\right)}" \
           r"{\partial \mathbf{x}} = \mathbf{B}^\top \mathbf{x} + \mathbf{B} \mathbf{x}" \
           in claims["symmetric"]


def test_an_answer_that_cannot_be_formed_is_shown_as_written_with_the_shape_message(homework):
    part = homework[1]["shapes"]
    assert r"= \mathbf{B} \mathbf{z}\end{equation*}" in part
    assert r"\textbf{Refuted}: the answer cannot be formed: a matrix of size $n \times n$ " \
           r"times a vector of length $K$: inner dimensions $n$ and $K$ differ." in part
    assert "Counterexample" not in part


def test_each_verdict_states_where_it_holds(homework):
    claims = homework[1]
    assert r"\textbf{Refuted} at $n = 2$: the answer is wrong" in claims["symmetric"]
    assert r"\textbf{Refuted} at $n = 1$: the answer is wrong" in claims["sign"]
    assert r"\textbf{Proved} at " in claims["proved"]
    for line in homework[0].splitlines():
        if "Refuted" in line:
            assert "sizes" not in line, line


def test_a_counterexample_is_one_compact_display(homework):
    part = homework[1]["symmetric"]
    block = part.split(r"\textit{Counterexample:}", 1)[1]
    assert block.count(r"\begin{align*}") == 1 and block.count(r"\\* ") == 1  # two rows
    assert re.search(r"\\text\{at\} \\quad & \\mathbf\{x\} = \\begin\{bmatrix\} [-\d.]+ \\\\ "
                     r"[-\d.]+ \\end\{bmatrix\}, \\quad \\mathbf\{B\} = \\begin\{bmatrix\}", block)
    assert r"\text{true value} \quad & {\begin{bmatrix}" in block


def test_title_and_source_are_escaped_and_typeset(homework):
    source, _ = homework
    assert r"\section{HW 3 \textasciicircum{} \textbar{} \_ \% \& \# \textbackslash{} " \
           r"\textasciitilde{} $\lambda$-regularised}" in source
    assert r"\textit{Source:} Q1 \textbar{} (a) \& (b), 50\% \textasciitilde{} done\par" in source


@pytest.mark.parametrize("name, latex", [
    ("xhat", r"\hat{x}"), ("x_hat", r"\hat{x}"), ("yhat", r"\hat{y}"), ("ŷ", r"\hat{y}"),
    ("lam", r"\lambda"), ("lambda_", r"\lambda"), ("λ", r"\lambda"), ("mu", r"\mu"),
    ("Sigma", r"\Sigma"), ("Sigmabar", r"\bar{\Sigma}"), ("xbar", r"\bar{x}"),
    ("x_tilde", r"\tilde{x}"), ("x1hat", r"\hat{x}_{1}"), ("W_out", r"W_{\mathrm{out}}"),
    ("A12", r"A_{12}"), ("eps", r"\varepsilon"), ("probhat", r"\widehat{\mathrm{prob}}"),
    ("hat", r"\mathrm{hat}"),
])
def test_names_are_typeset(name, latex):
    model = next(models(f'title = "t"\n[symbols]\n"{name}" = "scalar"\n[[claims]]\nkind = '
                        f'"equal"\nlhs = "{name}"\nrhs = "{name}"\n'))
    assert model.error is None, model.error
    assert claim_equation(model, model.claims[0]) == f"{latex} = {latex}"


@pytest.mark.parametrize("raw, latex", [
    ("a ^ b | c ~ d", r"a \textasciicircum{} b \textbar{} c \textasciitilde{} d"),
    ("<x> \\ #1 & 50% $5 {_}", r"\textless{}x\textgreater{} \textbackslash{} \#1 \& 50\% \$5 "
                              r"\{\_\}"),
    ("λ-regularised, σ²", r"$\lambda$-regularised, $\sigma {}^{2}$"),
    ("xᵀᵀ ≤ ∞", r"x${}^{\top} {}^{\top}$ $\le$ $\infty$"),
    ("Café — naïve “x”", r"Caf\'{e} --- na\"{i}ve ``x''"),
    ("日本 Α µ", "?? A $\\mu$"),
])
def test_text_from_a_file_is_escaped_and_typeset(raw, latex):
    assert text(raw) == latex


def test_signs_and_missing_certificates_print_as_a_textbook_would():
    model = next(models('title = "t"\n[symbols]\nx = "vector(n)"\nlam = "scalar"\n'
                        'B = "matrix(n, n)"\n[[claims]]\nkind = "equal"\nlhs = "-2 * lam * x"\n'
                        'rhs = "x + -3 * x - -(2 * x)"\n[[claims]]\nkind = "psd"\n'
                        'of = "[[2, 1], [1, 2]]"\n[[claims]]\nkind = "equal"\n'
                        'lhs = "-B.T @ x"\nrhs = "-(B.T @ x) * lam"\n'))
    equal, psd, product = model.claims
    assert claim_equation(model, equal) == (
        r"-2 \, \lambda \, \mathbf{x} = \mathbf{x} - 3 \, \mathbf{x} - "
        r"\left(-2 \, \mathbf{x}\right)")
    assert claim_equation(model, psd) == r"\begin{bmatrix} 2 & 1 \\ 1 & 2 \end{bmatrix} \succeq 0"
    assert claim_equation(model, product) == (r"-\mathbf{B}^\top \mathbf{x} = "
                                              r"-\mathbf{B}^\top \mathbf{x} \, \lambda")


def test_a_long_equation_puts_its_side_condition_on_a_line_of_its_own():
    short = r"\frac{\partial L}{\partial \mathbf{W}} = \mathbf{G}, \qquad \mathbf{G} = \ldots"
    assert _display(short) == r"\begin{equation*}" + short + r"\end{equation*}"
    long = short.replace(r"\mathbf{G},", r"\mathbf{G} + \mathbf{G}" * 30 + ",")
    assert _display(long).startswith(r"\begin{gather*}\frac{\partial L}")
    assert _display(long).endswith(r" \\ \text{where } \mathbf{G} = \ldots\end{gather*}")


def test_a_refutation_is_placed_by_its_counterexample_not_by_the_proof_sizes():
    model = next(models('title = "t"\n[symbols]\nx = "vector(n)"\nlam = "scalar"\n'
                        'B = "matrix(m, n)"\n[[claims]]\nname = "c"\nkind = "equal"\n'
                        'lhs = "lam * x"\nrhs = "x"\n'))
    cex = {"sizes": {"n": 2, "m": 3}, "inputs": {"x": [1, 2], "lam": 2, "B": [[1] * 2] * 3},
           "functions": {}, "expected": [2, 4], "got": [1, 2], "differs": [[0], [1]]}
    refuted = Result(model.path, "c", "equal", "refuted", scope="all sizes",
                     reason="the answer is wrong", counterexample=cex)
    source = document([(model, [refuted])])
    assert r"\textbf{Refuted} at $n = 2,\ m = 3$: the answer is wrong." in source
    assert r"\text{at} \quad & \mathbf{x} = \begin{bmatrix} 1 \\ 2 \end{bmatrix}, \quad " \
           r"\lambda = 2, \quad \mathbf{B} = \begin{bmatrix}" in source
    assert "at all sizes" not in source
    unformed = Result(model.path, "c", "equal", "refuted", scope="all sizes",
                      reason="the rhs is a vector(n) but should be a matrix(m, n)")
    assert r"\textbf{Refuted}: the rhs is a vector of length $n$ but should be a matrix " \
           r"of size $m \times n$." in document([(model, [unformed])])


def test_a_diagnosis_prints_its_latex_else_its_parts_typeset_else_its_message():
    model = next(models('title = "t"\n[symbols]\nx = "vector(n)"\nB = "matrix(n, n)"\n'
                        '[[claims]]\nname = "c"\nkind = "gradient"\nof = "x @ B @ x"\n'
                        'wrt = "x"\nanswer = "2 * B @ x"\n'))
    parts = [["text", "it holds when "], ["math", "B.T"], ["text", " = B_1 & 50%"]]
    sheets = [document([(model, [Result(model.path, "c", "gradient", "refuted",
                                        reason="wrong", diagnosis=d)])])
              for d in ({"code": "x", "message": "m", "parts": parts, "latex": r"$\Omega$ said"},
                        {"code": "x", "message": "m", "parts": parts},
                        {"code": "x", "message": "B.T & matrix(n, n)"})]
    assert r"\textit{Diagnosis (x):} $\Omega$ said.\par" in sheets[0]
    assert r"\textit{Diagnosis (x):} it holds when $\mathbf{B}^\top$ = B\_1 \& 50\%." in sheets[1]
    assert r"\textit{Diagnosis (x):} B.T \& matrix of size $n \times n$." in sheets[2]


def test_a_layer_size_counterexample_is_typeset_briefly():
    """Inputs, true value and the answer's value of 256 entries: the first 8 of each."""
    from symgrad.language.files import load
    from symgrad.output.sheet import _counterexample

    source = claims_text({"X": "matrix(n, n)"}, dict(
        name="c", kind="gradient", of="sum(X * X)", wrt="X", answer="2 * X + relu(n - 10)",
        sizes={"n": 16}))
    model = load("<t>", source)
    [result] = symgrad.check(source, timeout=20, explain=False)
    assert result.verdict == "refuted" and result.counterexample["sizes"] == {"n": 16}
    typeset = _counterexample(model, model.claims[0], result)
    assert typeset.count(r"\ldots") == 3 and typeset.count("&") < 12
