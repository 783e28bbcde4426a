"""Making resolved expression trees: constructors, shapes of new nodes, readable text.

The derivation (:mod:`symgrad.derive`, :mod:`symgrad.vjps`, :mod:`symgrad.tidy`,
:mod:`symgrad.indexform`) builds new trees of the kind the resolver makes: leaves
``symbol``, ``define``, ``dim``, ``index``, ``num``, ``pi``; inner nodes keyed by
:data:`symgrad.ops.OPS`.  The constructors fold the trivial cases (0 + x, 1 * x,
--x) so that a backward pass does not drown in them; :func:`text` writes a tree
back in the expression language with only the brackets it needs, and that text
is what a derived answer is (it is parsed and checked like a hand-written one).
"""

from __future__ import annotations

from fractions import Fraction

from .errors import ShapeMismatch
from .language import BINARY_SYMBOL, Node
from .model import Model, Symbol
from .ops import OPS
from .shapes import Shape


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
    return num(d) if isinstance(d, int) else Node("dim", name=d)


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
            dims = tuple(a.name if a.op == "dim" else int(a.name) for a in node.args)
            return dims if op == "ones" else dims * 2
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

ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1
LEVEL = {"add": SUM, "sub": SUM, "mul": PRODUCT, "div": PRODUCT, "matmul": PRODUCT,
         "pow": POWER, "neg": UNARY}
ASSOCIATIVE = {"add", "mul", "matmul"}
#: a @ (b @ c) prints as a @ b @ c, and a * (b * c / d) as a * b * c / d; but never
#: a @ (c * B @ x) as a @ c * B @ x, which reads ((a @ c) * B) @ x.
CHAINS = {"mul": {"mul", "div"}, "matmul": {"matmul"}}


def _left_spine(node: Node) -> set[str]:
    """The product operators down the left side of a chain of products."""
    ops = set()
    while node.op in ("mul", "div", "matmul"):
        ops.add(node.op)
        node = node.args[0]
    return ops


def key(node: Node) -> str:
    """A tree's identity for comparisons: its text."""
    return text(node)


def text(node: Node) -> str:
    """The tree in the expression language, with only the brackets it needs."""
    return _text(node)[0]


def _wrap(node: Node, needed: int, same: str | None = None) -> str:
    written, level = _text(node)
    if level >= needed or (same is not None and node.op == same and same in ASSOCIATIVE):
        return written
    return f"({written})"


def _text(node: Node) -> tuple[str, int]:
    op, args = node.op, node.args
    if op in ("num", "symbol", "define", "dim", "index", "name"):
        return node.name, ATOM
    if op == "pi":
        return "pi", ATOM
    if op in ("add", "sub"):
        right = _wrap(args[1], PRODUCT, op)
        return f"{_wrap(args[0], SUM)} {BINARY_SYMBOL[op]} {right}", SUM
    if op in ("mul", "div", "matmul"):
        right = args[1]
        chained = right.op == op and _left_spine(right) <= CHAINS.get(op, set())
        right_text = text(right) if chained else _wrap(right, UNARY)
        return f"{_wrap(args[0], PRODUCT)} {BINARY_SYMBOL[op]} {right_text}", PRODUCT
    if op == "pow":
        return f"{_wrap(args[0], ATOM)}**{_wrap(args[1], UNARY)}", POWER
    if op == "neg":
        return f"-{_wrap(args[0], PRODUCT)}", UNARY  # -a * b is (-a) * b: the same
    if op == "transpose":
        return f"{_wrap(args[0], ATOM)}.T", ATOM
    if op == "getitem":
        return f"{_wrap(args[0], ATOM)}[{', '.join(text(a) for a in args[1:])}]", ATOM
    if op == "list":
        return "[" + ", ".join(text(a) for a in args) + "]", ATOM
    if op == "apply":
        head = node.name if node.order == 0 else (
            f"diff({node.name})" if node.order == 1 else f"diff({node.name}, {node.order})")
        return f"{head}({text(args[0])})", ATOM
    name = "sum" if op == "isum" else op
    parts = [text(a) for a in args] + [f"{k}={text(v)}" for k, v in node.kwargs]
    return f"{name}({', '.join(parts)})", ATOM
