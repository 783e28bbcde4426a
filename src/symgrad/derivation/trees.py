"""Making resolved expression trees: constructors, shapes of new nodes, readable text.

The derivation (:mod:`.reverse`, :mod:`.vjps`, :mod:`.tidy`, :mod:`.indexform`) builds new
trees of the kind the resolver makes: leaves
``symbol``, ``define``, ``dim``, ``index``, ``num``, ``pi``; inner nodes keyed by
:data:`symgrad.vocabulary.ops.OPS`.  The constructors fold the trivial cases (0 + x, 1 * x,
--x) so that a backward pass does not drown in them; :func:`text` writes a tree
back in the expression language with only the brackets it needs, and that text
is what a derived answer is (it is parsed and checked like a hand-written one).
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import ShapeMismatch
from ..language.expressions import Node, unparse
from ..language.model import Model, Symbol
from ..vocabulary import dims
from ..vocabulary.ops import OPS
from ..vocabulary.shapes import Shape


class CannotDerive(Exception):  # noqa: N818 - a reason, not a crash
    """The expression has no closed matrix form that symgrad can derive (the reason says
    which operation and what to do instead)."""


# --- constructors ------------------------------------------------------------------------

def num(value) -> Node:
    value = Fraction(value)
    if value < 0:
        return neg(num(-value))
    if value.denominator != 1:
        return Node("div", (num(value.numerator), num(value.denominator)))
    return Node("num", name=str(value.numerator))


def number(node: Node) -> Fraction | None:
    """The value of a constant number node (n, -n, n / m), else None."""
    if node.op == "num":
        return Fraction(node.name)
    if node.op == "neg":
        inner = number(node.args[0])
        return None if inner is None else -inner
    if node.op == "div":
        a, b = (number(x) for x in node.args)
        return None if a is None or b is None or b == 0 else a / b
    return None


def is_num(node: Node, value) -> bool:
    return number(node) == value


def add(a: Node, b: Node) -> Node:
    if is_num(a, 0):
        return b
    if is_num(b, 0):
        return a
    if b.op == "neg":
        return Node("sub", (a, b.args[0]))
    return Node("add", (a, b))


def sub(a: Node, b: Node) -> Node:
    if is_num(b, 0):
        return a
    if is_num(a, 0):
        return neg(b)
    return Node("sub", (a, b))


def neg(a: Node) -> Node:
    if a.op == "neg":
        return a.args[0]
    if is_num(a, 0):
        return a
    return Node("neg", (a,))


def mul(a: Node, b: Node) -> Node:
    if is_num(a, 1):
        return b
    if is_num(b, 1):
        return a
    if a.op == "neg":
        return neg(mul(a.args[0], b))
    if b.op == "neg":
        return neg(mul(a, b.args[0]))
    return Node("mul", (a, b))


def div(a: Node, b: Node) -> Node:
    if is_num(b, 1):
        return a
    if a.op == "neg":
        return neg(div(a.args[0], b))
    return Node("div", (a, b))


def power(a: Node, exponent: Node) -> Node:
    if is_num(exponent, 1):
        return a
    return Node("pow", (a, exponent))


def matmul(a: Node, b: Node) -> Node:
    if a.op == "neg":
        return neg(matmul(a.args[0], b))
    if b.op == "neg":
        return neg(matmul(a, b.args[0]))
    return Node("matmul", (a, b))


def transpose(a: Node) -> Node:
    return Node("transpose", (a,))


def call(op: str, *args: Node, axis: int | None = None) -> Node:
    kwargs = (("axis", num(axis)),) if axis is not None else ()
    return Node(op, tuple(args), kwargs=kwargs)


def dim(d) -> Node:
    """A dimension as a tree: n, 3, or arithmetic of them (n - k + 1)."""
    if isinstance(d, int):
        return num(d)
    if isinstance(d, str):
        return Node("dim", name=d)
    return _dim_tree(d.sym)


def _dim_tree(expr) -> Node:
    sp = dims.sympy()
    if isinstance(expr, sp.Symbol):
        return Node("dim", name=expr.name)
    if isinstance(expr, sp.Integer):
        return num(int(expr))
    if isinstance(expr, sp.floor):
        top, bottom = sp.fraction(sp.together(expr.args[0]))
        return Node("floordiv", (_dim_tree(top), _dim_tree(bottom)))
    if isinstance(expr, sp.Add):
        terms = sorted(sp.Add.make_args(expr), key=lambda t: (t.is_number,
                                                               t.could_extract_minus_sign()))
        total = _dim_tree(terms[0])
        for term in terms[1:]:
            total = sub(total, _dim_tree(-term)) if term.could_extract_minus_sign() else \
                add(total, _dim_tree(term))
        return total
    top, bottom = sp.fraction(expr)
    if bottom != 1:
        return div(_dim_tree(top), _dim_tree(bottom))
    if isinstance(expr, sp.Pow):  # n**2, from kron(X, X)
        factors = [expr.base] * int(expr.exp)
    else:
        factors = sp.Mul.make_args(expr)
    total = _dim_tree(factors[0])
    for factor in factors[1:]:
        total = mul(total, _dim_tree(factor))
    return total


def ones(shape: Shape) -> Node:
    return call("ones", *(dim(d) for d in shape))


def count(shape: Shape) -> Node:
    """The number of entries of an array of this shape, as an expression."""
    nodes = [dim(d) for d in shape]
    total = nodes[0] if nodes else num(1)
    for node in nodes[1:]:
        total = mul(total, node)
    return total


def total(terms) -> Node:
    result = num(0)
    for term in terms:
        result = add(result, term)
    return result


def axis_of(node: Node) -> int | None:
    axis = node.kwarg("axis")
    return None if axis is None else int(axis.name)


def factors(node: Node) -> list[Node]:
    """The factors of a product chain a * b * c (just [node] for anything else)."""
    if node.op == "mul":
        return factors(node.args[0]) + factors(node.args[1])
    return [node]


def size(node: Node) -> int:
    """How many nodes a tree has: the measure of simplicity."""
    return 1 + sum(size(a) for a in node.args) + sum(size(v) for _, v in node.kwargs)


def names(node: Node) -> int:
    """How many names a tree mentions (with repetitions): G (1 - t²) beats G - G t²."""
    return sum(inner.op in ("symbol", "define", "dim", "index") for inner in node.walk())


def product(nodes) -> Node:
    result = num(1)
    for node in nodes:
        result = mul(result, node)
    return result


# --- shapes of new trees -----------------------------------------------------------------

class Shapes:
    """The shape of any resolved tree (new ones included), from the model's declarations."""

    def __init__(self, model: Model, extra: dict[str, Symbol] | None = None):
        self.model = model
        self.symbols = {**model.symbols, **(extra or {})}
        self._known: dict[int, Shape] = {}
        self._keep: list[Node] = []  # keeps id()s valid while they are cached

    def __call__(self, node: Node) -> Shape:
        known = self._known.get(id(node))
        if known is None:
            known = self._compute(node)
            self._known[id(node)] = known
            self._keep.append(node)
        return known

    def ndim(self, node: Node) -> int:
        return len(self(node))

    def _compute(self, node: Node) -> Shape:
        op = node.op
        if op in ("num", "pi", "dim", "index", "getitem", "delta"):
            return ()
        if op == "symbol":
            return self.symbols[node.name].shape
        if op == "define":
            return self.model.define_shapes[node.name]
        if op in ("ones", "eye"):
            sides = tuple(dims.of_node(a) for a in node.args)
            return sides if op == "ones" else sides * 2
        if op == "maxpool2d":
            return OPS[op].shape([self(node.args[0]), dims.of_node(node.args[1])], node)
        if op == "grad":
            return self(node.args[1])
        if op == "hessian":
            wrt = node.args[1]
            size = len(wrt.args) if wrt.op == "list" else self(wrt)[0]
            return (size, size)
        if op in ("isum", "apply"):
            return self(node.args[0])
        try:
            return OPS[op].shape([self(a) for a in node.args], node)
        except ShapeMismatch as exc:
            raise CannotDerive(f"a derived expression is ill-shaped ({exc.message})") from None


# --- text ---------------------------------------------------------------------------------

text = unparse  # a tree in the expression language, with only the brackets it needs


def key(node: Node) -> str:
    """A tree's identity for comparisons: its text."""
    return text(node)
