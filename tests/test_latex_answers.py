"""Answers written in LaTeX: each style the issue lists is read as the expression it means,
decided right and wrong, the ambiguous * decided both ways, unmapped names and bad LaTeX
are errors at their column, and nothing a student writes can crash the reader."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symgrad import check
from symgrad.errors import ExpressionError
from symgrad.language import expressions as language
from symgrad.language.build import variant
from symgrad.language.files import load
from symgrad.language.latex import Context, parse
from symgrad.run import models, same

SYMBOLS = """
[symbols]
x = "vector(n)"
y = "vector(n)"
B = "matrix(n, n)"
A = "matrix(n, n)"
W = "matrix(m, n)"
V = "matrix(n, p)"
X = "matrix(n, p)"
W1 = "matrix(n, n)"
x_out = "vector(n)"
gamma = "scalar"
lam = "scalar"
h = "function"
f = "function"
z = "vector(k)"
t = "scalar"
yhat = "vector(n)"
"""


def read(latex: str, kind: str = "equal", **fields) -> str:
    """The expression a LaTeX right-hand side reads as (in the file above)."""
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())
    lhs = "" if kind != "equal" else 'lhs = "x"\n'
    text = (f'title = "t"\n{SYMBOLS}\n[[claims]]\nname = "c"\nkind = "{kind}"\n{lhs}{extra}'
            f"{'rhs' if kind == 'equal' else 'answer'}_latex = '''{latex}'''\n")
    claim = load("<t>", text).claims[0]
    assert claim.error is None, claim.error
    assert claim.answer_problem is None, claim.answer_problem
    return claim.fields["rhs" if kind == "equal" else "answer"]


STYLES = [  # (LaTeX, what it reads as): every style the issue lists
    (r"\mathbf{B}^T \mathbf{x} + \mathbf{B}\mathbf{x}", "B.T @ x + B @ x"),
    (r"\boldsymbol{B}^\top \bm{x}", "B.T @ x"),
    (r"\mathrm{B}^{\mathsf{T}} x", "B.T @ x"),
    (r"B^{\mathbf{T}} x", "B.T @ x"),
    (r"B^{-1} x", "inv(B) @ x"),
    (r"B^{-\top} x", "inv(B).T @ x"),
    (r"\gamma \mathbf{x}", "gamma * x"),
    (r"\lambda x", "lam * x"),
    (r"2 \cdot x", "2 * x"),
    (r"x \circ y", "x * y"),
    (r"x \odot y", "x * y"),
    (r"x \oslash y", "x / y"),
    (r"\frac{x}{2}", "x / 2"),
    (r"\sqrt{t} x", "sqrt(t) * x"),
    (r"\|x\| y", "norm(x) * y"),
    (r"||x||^2 y", "norm(x)**2 * y"),
    (r"\lVert x \rVert_2 y", "norm(x) * y"),
    (r"\left\lvert\, t \,\right\rvert x", "abs(t) * x"),
    (r"\operatorname{tr}(A) x", "tr(A) * x"),
    (r"\mathrm{tr}(A) x", "tr(A) * x"),
    (r"\text{tr}(A) x", "tr(A) * x"),
    (r"tr(A) x", "tr(A) * x"),
    (r"\operatorname{diag}(B) + y", "diag(B) + y"),
    (r"\det(A) x", "det(A) * x"),
    (r"\log(t) x", "log(t) * x"),
    (r"\exp(x)", "exp(x)"),
    (r"e^{x}", "exp(x)"),
    (r"\tanh(x)", "tanh(x)"),
    (r"\sigma(x)", "sigmoid(x)"),
    (r"\operatorname{softmax}(x)", "softmax(x)"),
    (r"softmax(x)", "softmax(x)"),
    (r"\text{ReLU}(x)", "relu(x)"),
    (r"B \mathbb{1}", "B @ ones(n)"),
    (r"B \mathbf{1}", "B @ ones(n)"),
    (r"B (1)", "B @ ones(n)"),
    (r"B [1]", "B @ ones(n)"),
    (r"(I - B) x", "(eye(n) - B) @ x"),
    (r"(\mathbf{I} + B) x", "(eye(n) + B) @ x"),
    (r"h'(x)", "diff(h)(x)"),
    (r"f''(x)", "diff(f, 2)(x)"),
    (r"(x > 0)", "step(x)"),
    (r"\left( x + y \right)", "x + y"),
    (r"[x + y] \circ y", "(x + y) * y"),
    (r"\{ x + y \} \circ y", "(x + y) * y"),
    (r"\mathbf{W}_{1} x", "W1 @ x"),
    (r"\mathbf{x}_{\mathrm{out}}", "x_out"),
    (r"\hat{y}", "yhat"),
    (r"x \, + \; y\!", "x + y"),
    (r"$x + y$", "x + y"),
    (r"\frac{1}{2} \mathbf{x}", "1 / 2 * x"),
    # as students write them (a user's first homework)
    (r"e^ty", "exp(t) * y"),  # TeX takes one letter into a superscript
    (r"x^TBy y", "x.T @ B @ y * y"),
    (r"\tanh^2(t) x", "tanh(t)**2 * x"),
    (r"\sigma'(x)", "sigmoid(x) * (1 - sigmoid(x))"),
    (r"\sigma^{\prime}(x)", "sigmoid(x) * (1 - sigmoid(x))"),
    (r"\text{ReLU}'(x)", "step(x)"),
    (r"\max(0, x)", "relu(x)"),
    (r"x + y.", "x + y"),
    (r"\frac{\partial L}{\partial \mathbf{x}} = \mathbf{B}^T \mathbf{x}", "B.T @ x"),
    ("Bᵀx ⊙ y", "B.T @ x * y"),
    ("λ x − γ y", "lam * x - gamma * y"),
    ("t² x", "t**2 * x"),
    ("h′(x)", "diff(h)(x)"),
    ("ŷ", "yhat"),
    ("y\u0302", "yhat"),
    ("B 𝟏", "B @ ones(n)"),
    (r"x - \frac{1}{n} \mathbf{1} \mathbf{1}^\top x", "x - 1 / n * ones(n) * (ones(n).T @ x)"),
]


@pytest.mark.parametrize("latex, expected", STYLES, ids=[s for s, _ in STYLES])
def test_each_latex_style_reads_as_the_expression_it_means(latex, expected):
    assert read(latex) == expected


def test_matrices_and_index_forms_read_as_lists_entries_and_sums():
    value = ('title = "t"\n[symbols]\nB = "matrix(n, n)"\nx = "vector(n)"\n[[claims]]\n'
             'name = "c"\nkind = "value"\nof = "B @ x"\n'
             'at = { B = "[[1, 2], [3, 4]]", x = "[1, 1]" }\n'
             "answer_latex = '\\begin{pmatrix} 3 \\\\ 7 \\end{pmatrix}'\n")
    [result] = check(value, isolate=False, explain=False)
    assert result.verdict == "proved", result.reason
    matrix = value.replace("B @ x", "B.T").replace(
        "\\begin{pmatrix} 3 \\\\ 7 \\end{pmatrix}",
        "\\begin{bmatrix} 1 & 3 \\\\ 2 & 4 \\end{bmatrix}")
    [result] = check(matrix, isolate=False, explain=False)
    assert result.verdict == "proved", result.reason
    jac = read(r"\hat{y}_j (\delta_{ij} - \hat{y}_i)", kind="jacobian", of="softmax(x)",
               wrt="x", indices=["i", "j"])
    assert jac == "yhat[j] * (delta(i, j) - yhat[i])"
    summed = read(r"\sum_{l} B_{il} \delta_{lj}", kind="jacobian", of="B @ x", wrt="x",
                  indices=["i", "j"])
    assert summed == "sum(B[i, l] * delta(l, j), l)"


def test_a_backprop_upstream_written_as_a_derivative_is_the_upstream():
    text = ('title = "t"\n[symbols]\nW = "matrix(m, n)"\nX = "matrix(n, p)"\n[define]\nY = "W @ X"'
            '\n[[claims]]\nname = "c"\nkind = "backprop"\nof = "Y"\nwrt = "X"\nupstream = "G"\n'
            "answer_latex = '\\mathbf{W}^\\top \\frac{\\partial \\mathcal{L}}"
            "{\\partial \\mathbf{Y}}'\n")
    claim = load("<t>", text).claims[0]
    assert claim.error is None and claim.fields["answer"] == "W.T @ G"


LATEX_HOMEWORK = '''
title = "Homework answers in LaTeX, right and wrong"
[symbols]
x = "vector(n)"
B = "matrix(n, n)"
W = "matrix(m, n)"
X = "matrix(n, p)"
h = "function"
z = "vector(K)"
y = "vector(K, onehot)"
lam = "scalar"
[define]
s = "softmax(z)"
[latex]
'\\hat{y}' = "s"
[[claims]]
name = "quadratic-right"
kind = "gradient"
of = "x.T @ B @ x"
wrt = "x"
answer_latex = '(\\mathbf{B} + \\mathbf{B}^{\\top}) \\mathbf{x}'
[[claims]]
name = "quadratic-wrong"
kind = "gradient"
of = "x.T @ B @ x"
wrt = "x"
answer_latex = '2 \\mathbf{B} \\mathbf{x}'
[[claims]]
name = "linear-right"
kind = "backprop"
of = "W @ X"
wrt = "W"
upstream = "G"
answer_latex = '\\mathbf{G} \\mathbf{X}^T'
[[claims]]
name = "linear-wrong-shape"
kind = "backprop"
of = "W @ X"
wrt = "W"
upstream = "G"
answer_latex = '\\mathbf{X}^T \\mathbf{G}'
[[claims]]
name = "elementwise-right"
kind = "backprop"
of = "h(X)"
wrt = "X"
upstream = "G"
answer_latex = \'\'\'\\mathbf{G} \\circ h'(\\mathbf{X})\'\'\'
[[claims]]
name = "softmax-index-right"
kind = "jacobian"
of = "s"
wrt = "z"
indices = ["i", "k"]
answer_latex = '\\hat{y}_i (\\delta_{ik} - \\hat{y}_k)'
[[claims]]
name = "softmax-index-wrong"
kind = "jacobian"
of = "s"
wrt = "z"
indices = ["i", "k"]
answer_latex = '\\hat{y}_k (\\delta_{ik} - \\hat{y}_i)'
[[claims]]
name = "softmax-index-no-delta"
kind = "jacobian"
of = "s"
wrt = "z"
indices = ["i", "k"]
answer_latex = '\\hat{y}_i (1 - \\hat{y}_k)'
[[claims]]
name = "cross-entropy-right"
kind = "gradient"
of = "-sum(y * log(s))"
wrt = "z"
answer_latex = '\\hat{y} - \\mathbf{y}'
[[claims]]
name = "ridge-right"
kind = "gradient"
of = "norm(x)**2 * lam / 2"
wrt = "x"
answer_latex = '\\lambda \\mathbf{x}'
[[claims]]
name = "ridge-wrong"
kind = "gradient"
of = "norm(x)**2 * lam / 2"
wrt = "x"
answer_latex = '\\frac{\\lambda}{2} \\mathbf{x}'
'''


@pytest.fixture(scope="module")
def homework():
    return {r.claim: r for r in check(LATEX_HOMEWORK, explain=False)}


@pytest.mark.parametrize("name, verdict", [
    ("quadratic-right", "proved"), ("quadratic-wrong", "refuted"),
    ("linear-right", "proved"), ("linear-wrong-shape", "refuted"),
    ("elementwise-right", "proved"), ("softmax-index-right", "proved"),
    ("softmax-index-wrong", "proved"),  # symmetric: ŷ_k(δ_ik − ŷ_i) = ŷ_i(δ_ik − ŷ_k)
    ("cross-entropy-right", "proved"), ("ridge-right", "proved"), ("ridge-wrong", "refuted")])
def test_latex_answers_are_decided_like_any(homework, name, verdict):
    assert homework[name].verdict == verdict, homework[name].reason


STAR = '''
title = "star"
{setting}
[symbols]
A = "matrix(n, n)"
B = "matrix(n, n)"
x = "vector(n)"
W = "matrix(n, m)"
[[claims]]
name = "c"
kind = "equal"
lhs = "{lhs}"
rhs_latex = '{rhs}'
'''


def _star(lhs, rhs, setting=""):
    [result] = check(STAR.format(lhs=lhs, rhs=rhs, setting=setting), explain=False)
    return result


def test_a_star_both_products_fit_is_decided_both_ways_and_undecided_if_they_disagree():
    result = _star("A @ B", "A * B")
    assert result.verdict == "undecided"
    assert "A @ B is proved" in result.reason and "A * B is refuted" in result.reason
    assert 'latex_star = "matrix" or "elementwise"' in result.reason


def test_a_star_whose_readings_agree_keeps_its_verdict():
    result = _star("A @ A", "A * A + A A - A * A")  # both readings are right
    assert result.verdict == "proved", result.reason
    assert "both readings agree" in result.reason


def test_latex_star_decides_a_star_both_products_fit():
    assert _star("A @ B", "A * B", 'latex_star = "matrix"').verdict == "proved"
    assert _star("A @ B", "A * B", 'latex_star = "elementwise"').verdict == "refuted"


def test_a_star_only_one_product_fits_reads_as_that_one():
    assert _star("W.T @ A", "W^T * A").verdict == "proved"  # elementwise cannot fit
    assert _star("x * x", "x * x").verdict == "proved"  # the wanted shape: a vector


def test_a_latex_table_entry_covers_the_other_spellings_of_its_name():
    context = Context.of(["s", "y"], table={r"\hat{y}": "s"})
    for written in (r"\hat{y}", r"\hat{\mathbf{y}}", r"\widehat{y}", r"\mathbf{\hat{y}}"):
        assert language.unparse(parse(written, context)) == "s"


def test_an_unmapped_name_is_an_error_that_shows_the_line_to_add():
    text = (f'title = "t"\n{SYMBOLS}\n[[claims]]\nname = "c"\nkind = "equal"\nlhs = "x"\n'
            "rhs_latex = 'W^{(2)} x'\n")
    claim = load("<t>", text).claims[0]
    assert claim.error is not None
    said = claim.error.describe()
    assert "W^{(2)}" in said and "[latex]" in said and "= \"NAME\"" in said
    mapped = text.replace("[[claims]]", "[latex]\n'W^{(2)}' = \"W1\"\n[[claims]]")
    assert load("<t>", mapped).claims[0].fields["rhs"] == "W1 @ x"


@pytest.mark.parametrize("latex, column, words", [
    (r"x + \foo{y}", 4, r"\foo"),
    (r"x + (y", 6, "close"),
    (r"x + y)", 5, "never opened"),
    (r"x + @", 4, "'@'"),
    (r"\frac{x}", 8, "ends"),
    (r"x_{}", 1, "empty"),
    ("x^\top", 2, "single quotes"),  # "x^\top" in TOML's double quotes: a tab
    (r"x^{2^{2^{2^{2^{2}}}}}", 4, "limit"),  # 2^{2^{2^2}}: the first beyond it
    (r"\max(x, y)", 0, "ReLU"),
    (r"\sum_{i=2}^{n} x_i", 6, "whole range"),
    ("1" * 40, 0, "too large"),
    ("x\nabla", 1, "single quotes"),  # "\nabla" in TOML's double quotes: a line break
])

def test_bad_latex_is_an_error_at_its_column_with_what_to_write(latex, column, words):
    with pytest.raises(ExpressionError) as caught:
        parse(latex, Context.of(["x", "y"]))
    assert caught.value.column == column, caught.value.message
    assert words in caught.value.message + (caught.value.hint or "")


def test_a_field_and_its_latex_together_are_an_error():
    text = (f'title = "t"\n{SYMBOLS}\n[[claims]]\nname = "c"\nkind = "equal"\nlhs = "x"\n'
            "rhs = \"x\"\nrhs_latex = 'x'\n")
    claim = load("<t>", text).claims[0]
    assert "both rhs and rhs_latex" in claim.error.describe()


HOSTILE = [r"\input{/etc/passwd}", r"\write18{rm -rf /}", r"\def\x{y}", "{" * 5000,
           r"\left(" * 300 + "x", "x" * 6000, r"\begin{verbatim}x\end{verbatim}",
           "\\", "$$", r"\mathbf{", "^^5c", "x^{" * 100]


@pytest.mark.parametrize("latex", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_latex_is_refused_with_a_message(latex):
    with pytest.raises(ExpressionError):
        parse(latex, Context.of(["x", "y"]))


PIECES = [r"\mathbf{x}", "y", "+", "-", "^", "_", "{", "}", "(", ")", "[", "]", r"\frac",
          r"\sum", r"\hat", r"\left(", r"\right)", "|", r"\|", "1", "2", "'", r"\top", "T",
          r"\cdot", "*", r"\begin{bmatrix}", r"\end{bmatrix}", "&", r"\\", r"\delta", "i", ","]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_no_latex_crashes_the_reader(pieces):
    try:
        parse(" ".join(pieces), Context.of(["x", "y"], ["h"]))
    except ExpressionError:
        pass


def test_same_reads_latex():
    assert same(r"\mathbf{B}^\top \mathbf{x} + \mathbf{B}\mathbf{x}", r"(B + B^T) x",
                {"B": "matrix(n, n)", "x": "vector(n)"}, latex=True,
                isolate=False).verdict == "proved"


# --- round trip: what `symgrad latex` prints reads back as the same claim -----------------

def _fields():
    for model in models(None):
        for claim in model.claims:
            for field, node in claim.exprs.items():
                if field in ("of", "answer", "lhs", "rhs", "certificate", "constant",
                             "iteration"):
                    yield model, claim, field, node


def test_every_built_in_claim_printed_in_latex_reads_back_as_the_same_claim():
    """Read back as the same tree, or else proved equal (an equal claim in the same file)."""
    from symgrad.output.latex import Printer
    from symgrad.run import results

    checked, proved = 0, 0
    for model, claim, field, node in _fields():
        latex = Printer(model, claim)(node)
        read_model, read_claim = variant(model, claim, {f"{field}_latex": latex},
                                         drop=(field,))
        assert read_claim.error is None, (claim.name, field, latex, read_claim.error)
        assert read_claim.answer_problem is None, (claim.name, latex)
        back, written = read_claim.fields[field], language.unparse(node)
        checked += 1
        if back == written:
            continue
        introduced = {n: _declaration(s.shape) for n, s in claim.introduced.items()}
        pair = variant(model, claim, {"lhs": written, "rhs": back}, symbols=introduced,
                       kind="equal")
        [result] = results([pair], isolate=False, explain=False)
        assert result.verdict == "proved", (claim.name, field, back, result.reason)
        proved += 1
    assert checked > 200 and proved < checked / 5


def _declaration(shape):
    return "scalar" if not shape else f"vector({shape[0]})" if len(shape) == 1 else \
        f"matrix({shape[0]}, {shape[1]})"


CLAIM_PIECES = PIECES + [r"\mathbf{1}", "I", r"\mathbb{1}", "(1)", r"\circ", r"\odot", "/",
                         r"\otimes", r"\star_{s = 2}", r"\sigma", r"\operatorname{tr}", "h'",
                         r"\nabla_{x}", r"\mathbf{I}_n", r"^{\circ 2}", r"^{-\top}", "-1", "B",
                         "W", r"\hat{y}", ">", "0"]
KINDS = {"gradient": 'of = "x.T @ B @ x"\nwrt = "x"', "equal": 'lhs = "B"',
         "backprop": 'of = "W @ x"\nwrt = "W"\nupstream = "G"',
         "jacobian": 'of = "B @ x"\nwrt = "x"\nindices = ["i", "j"]'}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(KINDS)), st.lists(st.sampled_from(CLAIM_PIECES), min_size=1,
                                                max_size=9))
def test_no_latex_answer_crashes_reading_a_claim(kind, pieces):
    """Whatever the LaTeX, the claim is read: an error, an answer problem, or an answer."""
    field = "rhs_latex" if kind == "equal" else "answer_latex"
    text = ('title = "t"\n[symbols]\nx = "vector(n)"\ny = "vector(n)"\nB = "matrix(n, n)"\n'
            'W = "matrix(m, n)"\nh = "function"\n[[claims]]\nname = "c"\n'
            f'kind = "{kind}"\n{KINDS[kind]}\n{field} = \'\'\'{" ".join(pieces)} \'\'\'\n')
    claim = load("<t>", text).claims[0]
    assert claim.error is not None or claim.answer_problem is not None or \
        claim.exprs.get("rhs" if kind == "equal" else "answer") is not None


def test_long_chains_are_refused_like_deep_ones_not_crashed_on():
    with pytest.raises(ExpressionError, match="limit"):
        parse(" + ".join(["x"] * 400), Context.of(["x"]))
