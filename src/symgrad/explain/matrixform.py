"""The rules that compare a wrong answer with a multiple of the truth or with the correct
answer in matrix form: an extra or missing constant factor, a missing factor of the correct
answer (a ReLU mask, an indicator), a path through a definition held constant, a missing
or extra term.  Each statement is decided two ways before it is said."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..language import expressions as language
from ..language.build import variant
from ..language.model import Symbol
from . import terms
from .context import MAX_CANDIDATES, Context, Expr, Said, declaration


def _factors(ctx: Context):
    """Constant multiples that would explain the counterexample's numbers."""
    cex = ctx.result.counterexample
    if not cex or isinstance(cex["expected"], dict) or isinstance(cex["got"], dict):
        return []  # (none, or values at a layer's real size, given by their first entries)
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


def factor_rule(ctx: Context):
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


def missing_factor(ctx: Context):
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


def dropped_path(ctx: Context):
    """The answer is right if one definition is held constant: the path through it (a
    variance, a mean) is missing."""
    from ..engine.backends import Numeric
    from ..engine.evaluate import Evaluator
    from ..errors import SymgradError
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


def term(ctx: Context):
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
