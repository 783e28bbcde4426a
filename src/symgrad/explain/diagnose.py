"""Why an answer is wrong: a catalogue of common mistakes, one small rule each.

When a claim is refuted, :func:`diagnose` tries the rules of :data:`RULES` in
order and returns the first that explains the refutation, as
``{"code": ..., "message": ...}`` (or None).  A rule either proposes
corrected claims (the answer transposed, negated, scaled; a symbol declared
symmetric; ...) that must then hold when decided like any claim — so a
diagnosis is itself checked two ways — or reads the refutation's numbers
(a diagonal that matches, a rest that is simpler than the truth).  A new
mistake is one new rule with a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..engine.deadline import Deadline
from ..language import expressions as language
from ..language.build import variant
from ..language.model import Claim, Model
from ..vocabulary import shapes
from . import mutations, terms

CANDIDATE_SECONDS = 8.0  # time limit for deciding one corrected claim
MAX_CANDIDATES = 3  # term candidates a rule decides in full, at most


class Expr(str):
    """An expression of the language inside a message: typeset as math on the sheet."""


@dataclass
class Said:
    """What a rule found: the message as parts (text and :class:`Expr`), and the detail
    shown only on request (``-v``)."""

    parts: list
    detail: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    applies: Callable  # (context) -> a message (str or Said) or None


@dataclass
class Context:
    model: Model
    claim: Claim
    result: object  # the refuted Result
    seed: int
    deadline: Deadline
    correct: str | None = None  # the correct answer, derived and checked (or None)

    @property
    def field(self) -> str:
        return self.claim.answer_field

    @property
    def text(self) -> str | None:
        return self.claim.fields.get(self.field)

    def tree(self):
        return language.parse(self.text) if self.text else None

    def holds(self, fields=None, symbols=None) -> bool:
        """Is the claim right with these fields or declarations?  Decided two ways."""
        from ..verdicts.combine import decide_claim

        model, claim = variant(self.model, self.claim, fields, symbols)
        if model.error or claim.error or claim.answer_problem:
            return False
        if not (self._screen_at_fixed_points(model, claim) if symbols else
                self._screen(model, claim)):
            return False
        self.deadline.check()
        seconds = min(CANDIDATE_SECONDS, self.deadline.remaining())
        return decide_claim(model, claim, seed=self.seed, timeout=seconds, shrink=False).ok

    def _screen(self, model, claim) -> bool:
        """A quick look at the counterexample point before deciding in full."""
        from ..paths.numeric import Point, check_point
        from ..verdicts.procedures import procedure

        cex = self.result.counterexample
        if not cex or claim.kind in ("expectation", "convergence", "value"):
            return True
        try:
            point = Point(cex["sizes"], {k: np.asarray(v, dtype=complex)
                                         for k, v in cex["inputs"].items()}, {})
        except (TypeError, ValueError):
            return True
        if cex.get("functions"):
            return True
        comparison = check_point(model, claim, point, procedure(claim.kind).judge)
        return comparison is None or not comparison.differs

    def _screen_at_fixed_points(self, model, claim) -> bool:
        """New assumptions need new points: a quick look at the numeric path's fixed ones."""
        import random

        from ..paths.numeric import check_point, fixed_points
        from ..verdicts.procedures import procedure

        if claim.kind in ("expectation", "convergence", "value"):
            return True
        judge = procedure(claim.kind).judge
        for point in fixed_points(model, claim, random.Random(self.seed)):
            comparison = check_point(model, claim, point, judge)
            if comparison is not None and comparison.differs:
                return False
        return True

    def with_answer(self, text: str) -> bool:
        return self.holds({self.field: text})

    def equal(self, lhs: str, rhs: str) -> bool:
        """Are two expressions of this claim equal?  Decided two ways, as a claim."""
        from ..verdicts.combine import decide_claim

        introduced = {name: declaration(symbol)
                      for name, symbol in self.claim.introduced.items()}
        model, claim = variant(self.model, self.claim, {"kind": "equal", "lhs": lhs,
                                                        "rhs": rhs}, introduced, kind="equal")
        if model.error or claim.error or claim.answer_problem:
            return False
        self.deadline.check()
        seconds = min(CANDIDATE_SECONDS, self.deadline.remaining())
        return decide_claim(model, claim, seed=self.seed, timeout=seconds, shrink=False).ok

    def probe(self) -> terms.Probe:
        if not hasattr(self, "_probe"):
            self._probe = terms.Probe(self.model, self.claim, self.seed)
        return self._probe

    def matrix_form(self) -> bool:
        """Can this answer be compared with the correct one term by term?"""
        return bool(self.correct and self.text and not self.claim.indices
                    and not self.claim.answer_problem)


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


def declaration(symbol, extra: str = "") -> str:
    """A symbol's declaration as a file writes it (with one more qualifier)."""
    head = {0: "scalar", 1: "vector", 2: "matrix"}[len(symbol.shape)]
    parts = [str(d) for d in symbol.shape] + sorted(symbol.qualifiers) + ([extra] if extra
                                                                           else [])
    return f"{head}({', '.join(parts)})" if parts else head


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


def _factors(ctx: Context):
    """Constant multiples that would explain the counterexample's numbers."""
    cex = ctx.result.counterexample
    if not cex:
        return []
    expected, got = np.ravel(np.asarray(cex["expected"], float)), np.ravel(
        np.asarray(cex["got"], float))
    if ctx.claim.kind == "convergence":
        expected, got = expected[1:], got[1:]  # the constant, not the order
    usable = np.abs(got) > 1e-9
    if not np.any(usable):
        return []
    ratios = expected[usable] / got[usable]
    if not np.allclose(ratios, ratios[0], rtol=1e-3):
        return []
    ratio = float(ratios[0])
    close = 0.05 if ctx.claim.kind == "expectation" else 2e-3  # a Monte-Carlo estimate is rough
    candidates = []
    simple = Fraction(ratio).limit_denominator(12)
    if abs(float(simple) - ratio) <= close * max(1.0, abs(ratio)) and simple not in (0, 1, -1):
        candidates.append(str(simple))
    for dim, size in cex["sizes"].items():
        for power, text in ((size, "{c} / {d}"), (size ** 0.5, "{c} / sqrt({d})"),
                            (size ** -0.5, "{c} * sqrt({d})")):
            scaled = Fraction(ratio * power).limit_denominator(12)
            if size > 1 and scaled != 0 and abs(float(scaled) / power - ratio) <= \
                    close * abs(ratio):
                candidates.append(text.format(c=_number(scaled), d=dim))
    return candidates


def _number(c: Fraction) -> str:
    return str(c) if c.denominator == 1 else f"({c})"


def _factor(ctx: Context):
    if not ctx.text or ctx.claim.kind == "value":
        return None
    for factor in _factors(ctx):
        if ctx.with_answer(f"{factor} * ({ctx.text})"):
            return _factor_message(factor)
    return None


def _factor_message(factor: str) -> Said:
    """Truth = factor * answer, said as what the answer lacks or has too many."""
    try:
        c = Fraction(factor.strip("()"))
    except ValueError:  # a factor with a dimension in it
        if "sqrt" in factor and factor.startswith("1 /"):
            return Said(["the scale ", Expr(factor), " is missing"])
        return Said(["the answer lacks the factor ", Expr(factor)])
    if c < 0:
        return Said(["the answer has the wrong sign and is off by a factor: ",
                     Expr(str(-c)), " times minus the answer is right"])
    if c.numerator == 1:
        return Said(["the answer has an extra factor ", Expr(str(c.denominator))])
    if c.denominator == 1:
        return Said(["the answer lacks a factor ", Expr(str(c.numerator))])
    return Said(["the answer is off by a factor: ", Expr(str(c)), " times it is right"])


def _defines(ctx: Context) -> dict:
    return {name: language.parse(text) for name, text in ctx.model.raw.define.items()}


def _missing_factor(ctx: Context):
    """The correct answer with one factor dropped is the answer: a missing mask, scale or
    indicator.  The equality is decided two ways before it is said."""
    if not ctx.matrix_form():
        return None
    defines = _defines(ctx)
    found = terms.factor_candidates(ctx.probe(), ctx.tree(), language.parse(ctx.correct),
                                    defines)
    for factor, product, without in found:
        if ctx.equal(ctx.text, without):
            said = _missing_factor_message(factor, defines)
            if said.parts[0] == "the answer lacks the factor " and product != ctx.correct:
                said.parts += [" in ", Expr(product)]
            return said
        return None  # the first numeric match was not an identity: no guessing further
    return None


def _missing_factor_message(factor: str, defines: dict) -> Said:
    tree = language.parse(factor)
    while tree.op == "transpose":  # step(Z).T in a transposed product is the mask step(Z)
        tree = tree.args[0]
        factor = language.unparse(tree)
    named = tree.op == "name" and tree.name in defines
    meaning = defines[tree.name] if named else tree
    if meaning.op == "call" and meaning.name == "step":
        what = "the ReLU mask " if meaning.args[0].op == "name" else "the indicator "
        shown = [Expr(factor), " = ", Expr(language.unparse(meaning))] if named else \
            [Expr(factor)]
        return Said([what, *shown, " is missing (relu's derivative)"])
    if factor.startswith("1 / sqrt("):
        return Said(["the scale ", Expr(factor), " is missing"])
    return Said(["the answer lacks the factor ", Expr(factor)])


def _path_defines(ctx: Context) -> list[str]:
    """The definitions between the variable and `of`, in file order (not `of` itself)."""
    defines = {name: {n.name for n in tree.walk() if n.op == "name"}
               for name, tree in _defines(ctx).items()}

    def reaches(names: set, target: str, seen=()) -> bool:
        return target in names or any(reaches(defines[n], target, seen + (n,))
                                      for n in names if n in defines and n not in seen)

    of = language.parse(ctx.claim.fields["of"])
    used = {n.name for n in of.walk() if n.op == "name"}
    wrt = ctx.claim.wrt
    return [name for name in defines if reaches(defines[name], wrt)
            and (name in used or reaches(used, name)) and ctx.claim.fields["of"] != name]


def _frozen_path(ctx: Context):
    """The answer is right if one definition is held constant: the path through it (a
    variance, a mean) is missing."""
    from ..engine.backends import Numeric
    from ..engine.evaluate import Evaluator
    from ..errors import SymgradError
    from ..language.model import Symbol
    from ..paths.numeric import Point, check_point
    from ..verdicts.procedures import procedure

    if not ctx.text or ctx.claim.kind not in ("gradient", "jacobian", "backprop") or \
            ctx.claim.indices or ctx.claim.answer_problem or not ctx.claim.wrt:
        return None
    probe = ctx.probe()
    for name in _path_defines(ctx):
        shape = ctx.model.define_shapes.get(name, ())
        values = []
        try:
            for point in probe.points:
                ev = Evaluator(ctx.model, Numeric(point.functions), point.sizes, point.values)
                values.append(np.asarray(ev.value(ctx.model.defines[name]), dtype=complex))
        except (SymgradError, KeyError, ValueError, ArithmeticError):
            continue
        positive = all(np.all(value.real > 0) for value in values)
        frozen = declaration(Symbol(name, shape), "positive" if positive else "")
        model, claim = variant(ctx.model, ctx.claim, symbols={name: frozen})
        if model.error or claim.error or claim.answer_problem:
            continue
        judge = procedure(claim.kind).judge
        screened = [check_point(model, claim, Point(p.sizes, {**p.values, name: v},
                                                    p.functions), judge)
                    for p, v in zip(probe.points, values, strict=True)]
        if any(c is None or c.differs for c in screened):
            continue
        if ctx.holds(symbols={name: frozen}):
            variance = name.lower() in ("var", "variance", "sigma2") or \
                "**2" in ctx.model.raw.define[name].replace(" ", "")
            what = " (the variance path)" if variance else ""
            said = ["the path through ", Expr(name), f"{what} is missing: the answer treats ",
                    Expr(name), " = ", Expr(ctx.model.raw.define[name]), " as a constant"]
            term = _verified_term(ctx, kinds=("missing",))
            if term:
                said += ["; it lacks the term ", Expr(term)]
            return Said(said)
    return None


def _verified_term(ctx: Context, kinds=("extra", "coefficient", "missing")):
    """The first term candidate of these kinds that makes the answer right (two paths)."""
    if not ctx.matrix_form():
        return None
    tried = 0
    for kind, term, right, rest in terms.term_candidates(
            ctx.probe(), ctx.tree(), language.parse(ctx.correct)):
        if kind not in kinds:
            continue
        if tried == MAX_CANDIDATES:
            return None
        tried += 1
        if ctx.with_answer(f"{ctx.text} + ({rest})"):
            return (kind, term, right) if len(kinds) > 1 else term
    return None


def _term(ctx: Context):
    """The answer lacks a term of the truth, has one too many, or has one with the wrong
    multiple — named in matrix form."""
    found = _verified_term(ctx)
    if not found:
        return None
    kind, term, right = found
    if kind == "extra":
        return Said(["the answer has an extra term ", Expr(term)])
    if kind == "coefficient":
        return Said(["the answer has the term ", Expr(term), " where the truth has ",
                     Expr(right)])
    return Said(["the answer lacks the term ", Expr(term)])


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
    rest = np.vectorize(lambda t, a: sp.simplify(t - a), otypes=[object])(truth, answer)
    whole = np.vectorize(sp.simplify, otypes=[object])(truth)
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
    from ..engine.backends import Symbolic
    from ..engine.evaluate import Evaluator
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
    Rule("factor", _factor),
    Rule("elementwise-vs-matrix", _elementwise_vs_matrix),
    Rule("index", _index),
    Rule("assumption", _assumption),
    Rule("dropped-path", _frozen_path),
    Rule("term", _term),
    Rule("missing-factor", _missing_factor),
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
