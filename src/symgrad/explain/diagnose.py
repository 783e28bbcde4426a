"""Why an answer is wrong: a catalogue of common mistakes, one small rule each.

When a claim is refuted, :func:`diagnose` tries the rules of :data:`RULES` in
order and returns the first that explains the refutation, as
``{"code": ..., "message": ...}`` (or None).  A rule either proposes
corrected claims (the answer transposed, negated, scaled; a symbol declared
symmetric; ...) that must then hold when decided like any claim — so a
diagnosis is itself checked two ways — or reads the refutation's numbers
(a diagonal that matches, a rest that is simpler than the truth).  A new
mistake is one new rule with a test.  What a rule works with is
:class:`~symgrad.explain.context.Context`; the rules that compare the answer with
the correct one term by term are in :mod:`symgrad.explain.matrixform`.
"""

from __future__ import annotations

import numpy as np

from ..engine.deadline import Deadline
from ..language.build import variant
from ..language.model import Claim, Model
from ..vocabulary import shapes
from . import mutations
from .context import Context, Expr, Rule, Said, declaration
from .matrixform import dropped_path, factor_rule, missing_factor, term

# --- the rules ---------------------------------------------------------------------

def _transpose(ctx: Context):
    if ctx.claim.kind not in ("gradient", "jacobian", "backprop", "hessian", "equal") or \
            not ctx.text or ctx.claim.indices:
        return None
    candidate = f"({ctx.text}).T"
    if ctx.with_answer(candidate):
        return Said(["the answer transposed is right: ", Expr(candidate), " (numerator vs "
                     "denominator layout, or the order of a product reversed?)"])
    return None


def _inverse_transpose(ctx: Context):
    """X^-1 where X^-T is due (or the other way round)."""
    if not ctx.text or ctx.claim.indices:
        return None
    for description, text in mutations.variants(ctx.tree(), [mutations.transpose_inverse]):
        if ctx.with_answer(text):
            wrote, due = description.split(" for ")[::-1]
            return Said(["the answer has ", Expr(wrote), " where ", Expr(due), " is due (",
                         Expr(due), " is right: the inverse's transpose matters unless the "
                         "matrix is symmetric)"])
    return None


def _symmetric_convention(ctx: Context):
    """With respect to a symmetric matrix, the answer in the other convention: the gradient
    on the space of symmetric matrices, 2G − diag(G), where symgrad (and the Matrix Cookbook)
    take G, the unconstrained gradient at a symmetric point."""
    wrt = ctx.model.symbols.get(ctx.claim.wrt or "")
    if ctx.claim.kind != "gradient" or not ctx.text or ctx.claim.indices or wrt is None or \
            "symmetric" not in wrt.qualifiers:
        return None
    candidate = f"(({ctx.text}) + diag(diag({ctx.text}))) / 2"
    if not ctx.with_answer(candidate):
        return None
    due = ctx.correct or candidate
    return Said(["the answer is in the other convention for a symmetric ", Expr(wrt.name),
                 ": 2 G - diag(G), the gradient on symmetric matrices; symgrad, like the Matrix "
                 "Cookbook, takes G, the unconstrained gradient at a symmetric point: ",
                 Expr(due)])


def _kernel_flip(ctx: Context):
    """A cross-correlation where a convolution is due (the kernel not flipped), or back."""
    if not ctx.text or ctx.claim.indices:
        return None
    for description, text in mutations.variants(ctx.tree(), [mutations.flip_kernel]):
        if ctx.with_answer(text):
            due, wrote = description.split(" for ")
            if due.startswith("flip("):
                why = ("the input's gradient of a cross-correlation is a true convolution: "
                       "the kernel flipped")
            else:
                why = "the kernel's gradient and the forward pass correlate without a flip"
            return Said(["the kernel is ", "not flipped" if due.startswith("flip(") else
                         "flipped", ": ", Expr(due), " is due where the answer has ",
                         Expr(wrote), f" ({why})"])
    return None


def _padding(ctx: Context):
    """A valid convolution where the full one (padding = kernel size - 1) is due."""
    if not ctx.text or ctx.claim.indices or not ctx.correct:
        return None
    from ..language.expressions import parse

    paddings = [node.kwarg("padding") for _, node in mutations.places(parse(ctx.correct))
                if node.op == "call" and node.name in mutations.CONVOLUTIONS and
                node.kwarg("padding") is not None]
    for description, text in mutations.variants(
            ctx.tree(), [lambda tree: mutations.with_padding(tree, paddings)]):
        if ctx.with_answer(text):
            wrote, due = description.split(" for ")
            return Said(["the answer's convolution ", Expr(wrote), " is valid where the full "
                         "one is due: ", Expr(due), " (the input's gradient reaches every "
                         "input entry: G is padded by the kernel's size less one)"])
    return None


def _sign(ctx: Context):
    cex = ctx.result.counterexample
    if ctx.claim.kind == "value" and cex:
        expected, got = np.asarray(cex["expected"], float), np.asarray(cex["got"], float)
        wrong = [tuple(p) for p in cex["differs"]]
        flipped = all(abs(expected[p] + got[p]) <= 1e-4 * max(1.0, abs(expected[p]))
                      for p in wrong)
        if wrong and flipped:
            where = "the value" if wrong == [()] else \
                "entries " + ", ".join(str(list(p)) for p in wrong)
            return f"{where} has the wrong sign"
        return None
    if not ctx.text:
        return None
    candidate = f"-({ctx.text})"
    if ctx.with_answer(candidate):
        said = ["the answer has the wrong sign: ", Expr(candidate), " is right"]
        if _uses(ctx, "inv") or _uses(ctx, "solve"):
            said.append(" (the derivative of an inverse carries a minus sign: "
                        "d inv(X) = -inv(X) dX inv(X))")
        return Said(said)
    return None


def _square_symbols(ctx: Context):
    for name in ctx.claim.uses:
        symbol = ctx.model.symbols.get(name)
        if symbol is not None and len(symbol.shape) == 2 and symbol.shape[0] == \
                symbol.shape[1] and "symmetric" not in symbol.qualifiers:
            yield name, symbol


def _symmetric_only(ctx: Context):
    for name, symbol in _square_symbols(ctx):
        if ctx.holds(symbols={name: declaration(symbol, "symmetric")}):
            b, bt = Expr(name), Expr(f"{name}.T")
            return Said(["it holds only when ", b, " is symmetric (", b, " = ", bt, "); for a "
                         "general ", b, " the answer must keep ", b, " and ", bt, " apart"])
    return None


ASSUMPTIONS = {1: ("onehot", "sign", "positive"), 0: ("positive",), 2: ("onehot", "positive")}
MEANING = {("onehot", 1): "a one-hot vector, so that its entries sum to 1",
           ("onehot", 2): "a matrix of one-hot rows, so that each row sums to 1",
           ("sign", 1): "a vector of labels -1 and +1 (whose squares are 1)"}
EXCLUSIVE = {"onehot", "sign", "binary", "probability", "positive", "nonzero"}


def _assumption(ctx: Context):
    for name in ctx.claim.uses:
        symbol = ctx.model.symbols.get(name)
        if symbol is None or symbol.is_function or symbol.random:
            continue
        for qualifier in ASSUMPTIONS[len(symbol.shape)]:
            if qualifier in symbol.qualifiers or (qualifier == "positive" and
                                                  "probability" in symbol.qualifiers):
                continue
            if qualifier != "positive" and symbol.qualifiers & EXCLUSIVE:
                continue  # declared as data of another kind, not as a label
            if ctx.holds(symbols={name: declaration(symbol, qualifier)}):
                meaning = MEANING.get((qualifier, len(symbol.shape)), qualifier)
                return (f"it holds if {name} is {meaning}: declare "
                        f'{name} = "{declaration(symbol, qualifier)}"')
    return None


def _diagonal_only(ctx: Context):
    """At points of sizes >= 2: the answer is diagonal, the truth is not."""
    import random

    from ..paths.numeric import check_point, fixed_points

    if ctx.claim.kind not in ("jacobian", "hessian") or ctx.claim.answer_problem:
        return None
    missed, diagonal_right = None, True
    for point in fixed_points(ctx.model, ctx.claim, random.Random(ctx.seed)):
        comparison = check_point(ctx.model, ctx.claim, point)
        if comparison is None:
            continue
        expected, got = np.asarray(comparison.expected), np.asarray(comparison.got)
        if expected.ndim != 2 or expected.shape[0] != expected.shape[1] or \
                expected.shape[0] < 2:
            return None
        scale = max(1.0, float(np.max(np.abs(expected))))
        off = ~np.eye(expected.shape[0], dtype=bool)
        if not np.allclose(got[off], 0, atol=1e-9 * scale):
            return None
        diagonal_right &= np.allclose(np.diag(expected), np.diag(got), atol=1e-6 * scale)
        if not np.allclose(expected[off], 0, atol=1e-6 * scale):
            missed = np.round(expected[off], 6).tolist()
    if missed is None:
        return None
    return ("the answer is diagonal: it misses the off-diagonal entries (at one point they "
            f"are {missed})" + ("; its diagonal is right" if diagonal_right else ""))


def _diagonal_backprop(ctx: Context):
    """A backward pass that keeps only each entry's own derivative (dy_i/dx_i) and drops the
    cross terms (dy_i/dx_j, i != j): each entry of the answer depends on the same entry of
    the upstream only, while the truth mixes entries (the softmax's -s_i s_j)."""
    from ..vocabulary.ops import as_sympy, sympy

    if ctx.claim.kind != "backprop" or ctx.claim.answer_problem:
        return None
    sp = sympy()
    truth, answer, _ = _exact_arrays(ctx)
    upstream = _instance(ctx).values.get(ctx.claim.fields["upstream"])
    if truth is None or upstream is None or np.shape(truth) != np.shape(upstream):
        return None
    g = [as_sympy(e) for e in np.ravel(upstream)]
    own = [[sp.diff(as_sympy(a), gj) for gj in g] for a in np.ravel(answer)]
    true = [[sp.diff(as_sympy(t), gj) for gj in g] for t in np.ravel(truth)]
    n = len(g)
    if any(own[i][j] != 0 for i in range(n) for j in range(n) if i != j):
        return None  # the answer mixes entries: it is not diagonal
    if all(sp.simplify(true[i][j]) == 0 for i in range(n) for j in range(n) if i != j):
        return None  # nor is the truth: the mistake is elsewhere
    if not all(sp.simplify(own[i][i] - true[i][i]) == 0 for i in range(n)):
        return None
    what = " (for a softmax, the -s_i s_j terms)" if _uses(ctx, "softmax") else ""
    return ("the answer keeps only each entry's own derivative (dy_i/dx_i, the diagonal of "
            f"the Jacobian) and drops the cross terms dy_i/dx_j for i != j{what}: each entry of "
            "the answer uses only the same entry of the upstream")


def _uses(ctx: Context, op: str) -> bool:
    """Does the claim's `of`, definitions included, apply this operation?"""
    if "of" not in ctx.claim.exprs:
        return False
    pending, seen = [ctx.claim.exprs["of"]], set()
    while pending:
        for node in pending.pop().walk():
            if node.op == op:
                return True
            if node.op == "define" and node.name not in seen:
                seen.add(node.name)
                pending.append(ctx.model.defines[node.name])
    return False


def _instance(ctx: Context):
    from ..paths.symbolic import Instance

    return Instance(ctx.model, ctx.claim, sizes_of(ctx))


def _first_edit_that_holds(ctx: Context, edit) -> str | None:
    for description, text in mutations.variants(ctx.tree(), [edit]):
        if ctx.with_answer(text):
            return f"{description} makes it right: {text}"
    return None


def _elementwise_vs_matrix(ctx: Context):
    return _first_edit_that_holds(ctx, mutations.swap_products) if ctx.text else None


def _index(ctx: Context):
    """A wrong index: two names swapped, or one factor carrying the wrong name (the claim's
    free indices are candidates too: an answer may miss one altogether)."""
    if not ctx.claim.indices:
        return None
    for description, text in mutations.variants(
            ctx.tree(), [lambda tree: mutations.swap_indices(tree, ctx.claim.indices)]):
        if ctx.with_answer(text):
            return f"a wrong index: {description}; with it the answer {text} is right"
    return None


def _tidied(e):
    """A short form of an entry, cheaply: cancel (a rational function of its atoms, each
    tanh or exp one symbol), where SymPy's simplify would take seconds on a network's
    entries; both sides of a comparison of sizes are tidied the same way."""
    from ..vocabulary.ops import sympy

    sp = sympy()
    try:
        return sp.cancel(sp.expand(e))
    except (sp.PolynomialError, TypeError, ValueError):
        return sp.simplify(e)


MAX_TRUTH_OPS = 2000  # operations in the truth's entries past which no rest is shown


def _missing_term(ctx: Context):
    """The answer is one part of the truth: the rest (truth - answer) is no more complex
    than the truth itself.  The rest is shown entry by entry at the first sizes of the
    symbolic path, with the definitions' entries named (s[0], ...)."""
    from ..vocabulary.ops import as_sympy, sympy

    if ctx.claim.kind not in ("gradient", "jacobian", "backprop", "hessian", "equal",
                              "expectation") or ctx.claim.answer_problem:
        return None
    sp = sympy()
    truth, answer, names = _exact_arrays(ctx)
    if truth is None or all(as_sympy(a) == 0 for a in np.ravel(answer)):
        return None
    if sum(sp.count_ops(t) for t in np.ravel(truth)) > MAX_TRUTH_OPS:
        return None  # no rest of it would be short to show (and tidying it takes seconds)
    rest = np.vectorize(lambda t, a: _tidied(t - a), otypes=[object])(truth, answer)
    whole = np.vectorize(_tidied, otypes=[object])(truth)
    broadcast = len({sp.srepr(r) for r in np.ravel(rest)}) == 1 and rest.size > 1
    simpler = sum(sp.count_ops(r) for r in np.ravel(rest)) <= sum(
        sp.count_ops(w) for w in np.ravel(whole))
    if not (broadcast or simpler):  # a term added to every entry (a mean), or a simple rest
        return None
    shown = np.vectorize(lambda r: str(sp.factor(r.subs(names))), otypes=[object])(rest)
    sizes = ", ".join(f"{d}={s}" for d, s in sizes_of(ctx).items())
    return Said(["the answer differs from the truth by a rest simpler than the truth itself: "
                 "a term is missing, extra, or has the wrong multiple (symgrad check -v "
                 "shows truth - answer entry by entry)"],
                detail=f"truth - answer = {shown.tolist()}" + (f" at {sizes}" if sizes else ""))


def sizes_of(ctx: Context) -> dict:
    from ..paths.symbolic import size_assignments

    return size_assignments(ctx.model, ctx.claim)[0]


def _exact_arrays(ctx: Context):
    """Truth and answer with explicit entries at the counterexample's sizes, and the
    definitions' entries named back (s[0] for softmax(z)[0], ...)."""
    from ..engine.evaluate import Evaluator
    from ..engine.exact import Symbolic
    from ..paths.symbolic import Instance
    from ..vocabulary.ops import as_sympy, sympy

    sp = sympy()
    instance = Instance(ctx.model, ctx.claim, sizes_of(ctx))
    truth = instance.truth
    if ctx.claim.kind == "expectation":
        from ..kinds.expectation import _randoms, expect

        randoms = _randoms(ctx.model, ctx.claim, instance)
        truth = np.vectorize(lambda e: expect(e, randoms), otypes=[object])(truth)
    if instance.answer is None:
        return None, None, {}
    ev = Evaluator(ctx.model, Symbolic(), instance.sizes, instance.values)
    names = {}
    for name, node in ctx.model.defines.items():
        try:
            value = ev.value(node)
        except KeyError:  # a definition this claim does not use
            continue
        for position in np.ndindex(value.shape):
            entry = as_sympy(value[position])
            if not entry.is_Symbol and not entry.is_number:
                label = name + (f"[{', '.join(map(str, position))}]" if position else "")
                names[entry] = sp.Symbol(label)
    return truth, instance.answer, names


def _shape(ctx: Context):
    problem = ctx.claim.answer_problem
    if not problem or not ctx.text:
        return None
    hints = []
    for description, text in mutations.variants(ctx.tree(), [mutations.swap_matmul]):
        _, claim = variant(ctx.model, ctx.claim, {ctx.field: text})
        if not claim.answer_problem and not claim.error:
            hints.append(f"{description} would fit")
    expected = shapes.show(ctx.claim.expected_shape)
    return f"{problem}; the answer must be {expected}" + (
        f" ({'; '.join(hints)})" if hints else "")


#: The catalogue, tried in this order (the first that explains the refutation wins).
RULES: list[Rule] = [
    Rule("inverse-transpose", _inverse_transpose),
    Rule("transpose", _transpose),
    Rule("symmetric-convention", _symmetric_convention),
    Rule("kernel-flip", _kernel_flip),
    Rule("padding", _padding),
    Rule("sign", _sign),
    Rule("symmetric-only", _symmetric_only),
    Rule("diagonal-only", _diagonal_only),
    Rule("diagonal-only", _diagonal_backprop),
    Rule("factor", factor_rule),
    Rule("elementwise-vs-matrix", _elementwise_vs_matrix),
    Rule("index", _index),
    Rule("assumption", _assumption),
    Rule("dropped-path", dropped_path),
    Rule("term", term),
    Rule("missing-factor", missing_factor),
    Rule("missing-term", _missing_term),
    Rule("shape", _shape),
]


def diagnose(model: Model, claim: Claim, result, seed: int = 0,
             deadline: Deadline | None = None, correct: str | None = None) -> dict | None:
    """The first rule of the catalogue that explains a refuted claim, or None (also when the
    claim's time runs out first).  ``correct`` is the correct answer, derived and checked,
    when there is one: the rules in matrix form compare the answer with it.

    A diagnosis is ``{"code", "message", "parts", "detail"}``: the message as text, the
    same as parts (``["text", ...]`` or ``["math", expression]``) for the sheet to typeset,
    and what only ``-v`` shows."""
    ctx = Context(model, claim, result, seed, deadline or Deadline(60.0), correct)
    for rule in RULES:
        if ctx.deadline.remaining() <= 0:
            return None
        try:
            said = rule.applies(ctx)
        except Exception:  # a rule that cannot apply here explains nothing; the verdict stands
            said = None
        if said:
            said = said if isinstance(said, Said) else Said([said])
            return {"code": rule.code, "message": "".join(said.parts),
                    "parts": [["math" if isinstance(p, Expr) else "text", str(p)]
                              for p in said.parts], "detail": said.detail}
    return None
