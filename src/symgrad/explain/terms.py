"""A wrong answer against the correct one, in matrix form: the term it lacks or has too
many, the factor it misses.

Both answers are parsed trees of the expression language.  :func:`expand` writes one as a
signed sum of terms (products distributed over sums, linear functions over their
argument); a :class:`Probe` evaluates any expression of the claim at the numeric path's
fixed points (two size assignments, distinct sizes), so that terms can be compared by
value whatever their form.  What this module finds is a *candidate*: the diagnosis states
it only after both paths agree that it makes the answer right.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np

from ..language.expressions import Node, unparse
from ..language.model import Claim, Model
from .mutations import places, replace

MAX_TERMS = 32  # an expansion longer than this is not a readable term list
LINEAR = {"sum", "mean", "tr", "diag"}  # calls linear in their (first and only) argument
Signed = tuple[int, Node]


class _TooMany(Exception):
    pass


def expand(tree: Node) -> list[Signed]:
    """The tree as a signed sum of terms, or as one term if that sum would be too long."""
    try:
        return _expand(tree)
    except _TooMany:
        return [(1, tree)]


def _expand(node: Node) -> list[Signed]:
    op, args = node.op, node.args
    if op == "add":
        return _cap(_expand(args[0]) + _expand(args[1]))
    if op == "sub":
        return _cap(_expand(args[0]) + _negated(_expand(args[1])))
    if op == "neg":
        return _negated(_expand(args[0]))
    if op in ("mul", "matmul") or (op == "call" and node.name == "outer" and len(args) == 2):
        return _cap([(s * t, _like(node, (a, b))) for s, a in _expand(args[0])
                     for t, b in _expand(args[1])])
    if op == "div":
        return [(s, _like(node, (a, args[1]))) for s, a in _expand(args[0])]
    if op == "transpose" or (op == "call" and node.name in LINEAR and len(args) == 1):
        return [(s, _like(node, (a,))) for s, a in _expand(args[0])]
    return [(1, node)]


def top_level(tree: Node) -> list[Signed]:
    """The tree's terms as written: split at its sums and differences only, products kept
    whole (``X.T @ (y - p) + lam * w`` is two terms)."""
    if tree.op == "add":
        return top_level(tree.args[0]) + top_level(tree.args[1])
    if tree.op == "sub":
        return top_level(tree.args[0]) + _negated(top_level(tree.args[1]))
    if tree.op == "neg":
        return _negated(top_level(tree.args[0]))
    return [(1, tree)]


def _cap(terms: list[Signed]) -> list[Signed]:
    if len(terms) > MAX_TERMS:
        raise _TooMany
    return terms


def _negated(terms: list[Signed]) -> list[Signed]:
    return [(-s, t) for s, t in terms]


def _like(node: Node, args) -> Node:
    return Node(node.op, tuple(args), node.name, node.kwargs, node.order)


def signed_text(sign: int, term: Node) -> str:
    return unparse(term) if sign > 0 else unparse(Node("neg", (term,)))


def factors(tree: Node):
    """Every way to drop one factor: (the factor as text, the product it is dropped from,
    the tree without it).  A divisor d is the factor 1/d.  In a chain of three or more
    elementwise factors, a run of neighbours is a factor too (the sigmoid slope
    ``H * (1 - H)`` of ``dH * H * (1 - H)``)."""
    for path, node in places(tree):
        if node.op == "mul":
            for keep, drop in ((1, 0), (0, 1)):
                yield unparse(node.args[drop]), node, replace(tree, path, node.args[keep])
            chain = _chain(node)
            for start in range(len(chain)):
                for stop in range(start + 2, len(chain) + 1):
                    kept = chain[:start] + chain[stop:]
                    if kept and len(kept) < len(chain) - 1:
                        yield (unparse(_product(chain[start:stop])), node,
                               replace(tree, path, _product(kept)))
        elif node.op == "div":
            yield f"1 / {_grouped(node.args[1])}", node, replace(tree, path, node.args[0])


def _chain(node: Node) -> list[Node]:
    """The operands of a product a * b * c ..., however it is bracketed."""
    if node.op != "mul":
        return [node]
    return _chain(node.args[0]) + _chain(node.args[1])


def _product(operands: list[Node]) -> Node:
    product = operands[0]
    for operand in operands[1:]:
        product = Node("mul", (product, operand))
    return product


def _grouped(node: Node) -> str:
    return unparse(node) if node.op in ("name", "num", "call") else f"({unparse(node)})"


def inlined(tree: Node, defines: dict[str, Node]) -> Node:
    """The tree with each definition it names replaced by the definition's own tree (one
    level: the definitions inside those stay names)."""
    if tree.op == "name" and tree.name in defines:
        return defines[tree.name]
    if not tree.args:
        return tree
    return _like(tree, [inlined(a, defines) for a in tree.args])


class Probe:
    """Values of expressions of one claim at fixed points (one flat complex array each)."""

    def __init__(self, model: Model, claim: Claim, seed: int):
        from ..paths.numeric import fixed_points

        self.model, self.claim = model, claim
        self.points = fixed_points(model, claim, random.Random(seed))
        self.shapes: list[tuple[int, ...]] | None = None  # the answer's, point by point

    def value(self, tree: Node) -> np.ndarray | None:
        """The expression's values at every point, broadcast to the answer's shape and
        concatenated; None if it cannot be evaluated (a name it does not know, a kink)."""
        from ..engine.backends import Numeric
        from ..engine.evaluate import Evaluator
        from ..errors import SymgradError
        from ..language.resolve import Resolver

        try:
            node, _ = Resolver(self.model, extra=self.claim.introduced).resolve(tree)
            values = []
            for k, point in enumerate(self.points):
                ev = Evaluator(self.model, Numeric(point.functions), point.sizes, point.values)
                with np.errstate(all="ignore"):
                    value = np.asarray(ev.value(node), dtype=complex)
                if self.shapes is not None:
                    value = np.broadcast_to(value, self.shapes[k])
                values.append(value)
        except (SymgradError, KeyError, ValueError, TypeError, IndexError, ArithmeticError):
            return None
        if self.shapes is None:
            self.shapes = [v.shape for v in values]
        flat = np.concatenate([v.ravel() for v in values])
        return flat if np.all(np.isfinite(flat)) else None


def close(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None or a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return bool(np.all(np.abs(a - b) <= 1e-7 * scale))


def ratio(rest: np.ndarray, term: np.ndarray | None) -> Fraction | None:
    """c if rest = c · term for a simple rational c (not 0), else None."""
    if term is None or rest.shape != term.shape or not np.any(np.abs(term) > 1e-9):
        return None
    k = int(np.argmax(np.abs(term)))
    c = Fraction(complex(rest[k] / term[k]).real).limit_denominator(12)
    if c == 0 or not close(rest, float(c) * term):
        return None
    return c


def _scaled(c: Fraction, text: str) -> str:
    """c times the term, written as a person would (2 * lam * w, -(a + b), w / 2)."""
    from ..language.expressions import parse

    term = parse(text)
    if term.op == "neg":
        return _scaled(-c, unparse(term.args[0]))
    if c == 1:
        return text
    if c == -1:
        return unparse(Node("neg", (term,)))
    if c.numerator == 1:
        return unparse(Node("div", (term, Node("num", name=str(c.denominator)))))
    number = Node("num", name=str(abs(c.numerator)))
    if c.denominator != 1:
        number = Node("div", (number, Node("num", name=str(c.denominator))))
    scaled = _left_mul(number, term)
    return unparse(Node("neg", (scaled,)) if c < 0 else scaled)


def _left_mul(number: Node, term: Node) -> Node:
    """number * term, the number joining a leading product (2 * lam * w, not 2 * (lam * w))."""
    if term.op == "mul":
        return Node("mul", (_left_mul(number, term.args[0]), term.args[1]))
    return Node("mul", (number, term))


def term_candidates(probe: Probe, answer: Node, correct: Node):
    """What the answer lacks or has too many, as (kind, term, right term, rest) texts in
    order of plainness, where rest = truth - answer: kind "extra" (a term of the answer
    that should not be there), "coefficient" (a term of the answer with the wrong
    multiple, and the right one), "missing" (a term of the truth, or a multiple of one,
    or two of them)."""
    truth, got = probe.value(correct), probe.value(answer)
    if truth is None or got is None or close(truth, got):
        return
    rest = truth - got
    mine = [(s, t, probe.value(t)) for s, t in expand(answer)]
    theirs = [(s, t, probe.value(t)) for s, t in expand(correct)]
    theirs = [(s, t, v) for s, t, v in theirs if v is not None and not close(v, 0 * v)]
    for s, t, v in mine:
        c = ratio(rest, None if v is None else s * v)
        if c == -1:
            text = signed_text(s, t)
            yield "extra", text, None, f"-({text})"
    written = [(s, t, probe.value(t)) for s, t in top_level(answer)]
    for s, t, v in mine + (written if len(written) > 1 else []):  # a term as written, too:
        c = ratio(rest, None if v is None else s * v)  # X.T @ (y - p) for X.T @ (p - y)
        if c is not None and c != -1:
            text = signed_text(s, t)
            yield "coefficient", text, _scaled(c + 1, text), _scaled(c, text)
    for s, t, v in theirs:
        c = ratio(rest, s * v)
        if c is not None:
            text = _scaled(c, signed_text(s, t))
            yield "missing", text, None, text
    for i, (s, t, v) in enumerate(theirs):
        for s2, t2, v2 in theirs[i + 1:]:
            if close(rest, s * v + s2 * v2):
                text = f"{signed_text(s, t)} + {signed_text(s2, t2)}"
                yield "missing", text, None, text


def factor_candidates(probe: Probe, answer: Node, correct: Node, defines: dict[str, Node]):
    """Factors of the correct answer (its definitions opened up to two levels) whose
    absence gives the answer: (factor, the product it belongs to, the correct answer
    without it), as texts."""
    got = probe.value(answer)
    if got is None:
        return
    seen, tree = set(), correct
    for _ in range(3):
        for factor, product, without in factors(tree):
            text = unparse(without)
            if text not in seen:
                seen.add(text)
                if close(probe.value(without), got):
                    yield factor, unparse(product), text
        tree = inlined(tree, defines)
