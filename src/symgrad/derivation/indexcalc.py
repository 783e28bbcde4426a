"""Index-form questions the matrix form cannot answer: differentiate entry by entry.

The backward pass of a strided convolution is a transposed convolution, which the
expression language cannot write in matrix form; in index form it is a plain sum.  The
claim's expression is written entry by entry (:mod:`.indexform`), differentiated with
∂x[e]/∂x[i] = δ(e, i) (and ∂vec(X)[t]/∂X[i, j] = δ(t, i + n j)), and each δ is summed
away: Σ_b f(b) δ(b + c, j) = f(j − c) (a position outside an array reads 0, so this holds
at every j).  Sums, products, constant divisors, entries and elementwise functions (the
chain rule, with the derivative of the backward-rule table) are differentiated here;
anything else raises :class:`CannotDerive` and the matrix form's reason stands.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..vocabulary import dims
from ..vocabulary.ops import ELEMENTWISE
from .indexform import IndexForm, entry, index
from .trees import CannotDerive, add, call, mul, neg, num, sub
from .vjps import VJPS

OUTPUTS = "ijtuvrsopq"  # names of the output's indices, summed against the upstream G


def derive_entries(derivation, claim, indices: tuple[str, ...]) -> Node:
    """The answer's entry at ``indices``, for a gradient or backprop claim."""
    of = derivation.expand(claim.exprs["of"])
    form = IndexForm(derivation, indices)
    if claim.kind == "backprop":
        rank = derivation.shape.ndim(of)
        outputs = [name for name in OUTPUTS if name not in form.taken][:rank]
        form.taken |= set(outputs)
        body = mul(entry(Node("symbol", name=claim.upstream.name), *outputs),
                   form(of, tuple(outputs)))
        for name in reversed(outputs):
            body = Node("isum", (body, index(name)))
    elif claim.kind == "gradient" and of.op == "matmul":
        body = form.matmul(of, ())
    else:
        raise CannotDerive("only the backward pass, or the gradient of a product, is derived "
                           "entry by entry")
    wrt = derivation.shape.symbols[claim.wrt]
    rate = _Differentiate(derivation, claim.wrt, wrt.shape, [index(i) for i in indices])
    return _eliminate(rate(body) or num(0))


class _Differentiate:
    def __init__(self, derivation, wrt: str, shape, at: list[Node]):
        self.derivation, self.wrt, self.shape, self.at = derivation, wrt, shape, at

    def __call__(self, node: Node) -> Node | None:
        """∂node/∂wrt[at], or None where it is 0."""
        if not self.derivation.depends(node, self.wrt):
            return None
        op, args = node.op, node.args
        if op == "getitem":
            return self.entry(args[0], args[1:])
        if op in ("add", "sub"):
            a, b = self(args[0]), self(args[1])
            if b is None:
                return a
            return (add if op == "add" else sub)(a or num(0), b)
        if op == "neg":
            inner = self(args[0])
            return None if inner is None else neg(inner)
        if op == "mul":
            a, b = self(args[0]), self(args[1])
            left = None if a is None else mul(a, args[1])
            right = None if b is None else mul(args[0], b)
            return right if left is None else left if right is None else add(left, right)
        if op == "div" and not self.derivation.depends(args[1], self.wrt):
            inner = self(args[0])
            return None if inner is None else Node("div", (inner, args[1]))
        if op == "isum":
            inner = self(args[0])
            return None if inner is None else Node("isum", (inner, args[1]))
        if op in ELEMENTWISE or op == "apply":  # the chain rule, with the table's f'
            inner = self(args[0])
            if inner is None:
                return None
            (slope,) = VJPS[op](self.derivation.shape, node, node, num(1))
            return mul(slope, inner)
        raise CannotDerive(f"{op} is not differentiated entry by entry")

    def entry(self, base: Node, positions) -> Node:
        if base.op == "symbol" and base.name == self.wrt:
            factors = [call("delta", e, i) for e, i in zip(positions, self.at, strict=True)]
        elif base.op == "vec" and base.args[0].op == "symbol" and \
                base.args[0].name == self.wrt:  # vec(X)[t] = X[t mod n, t // n]
            rows = _dim_node(self.shape[0])
            factors = [call("delta", positions[0], add(self.at[0], mul(rows, self.at[1])))]
        else:
            raise CannotDerive(f"an entry of {base.op} is not differentiated entry by entry")
        total = factors[0]
        for factor in factors[1:]:
            total = mul(total, factor)
        return total


def _dim_node(d) -> Node:
    from .trees import dim

    return dim(d)


# --- summing deltas away -------------------------------------------------------------------

def _eliminate(node: Node) -> Node:
    """Every sum over an index that a δ fixes, summed away (innermost first)."""
    if node.op != "isum":
        if not node.args or node.op in ("getitem", "delta"):
            return node
        return Node(node.op, tuple(_eliminate(a) for a in node.args), name=node.name,
                    kwargs=node.kwargs, order=node.order)
    body, k = _eliminate(node.args[0]), node.args[1].name
    if body.op in ("add", "sub"):  # Σ (a ± b) = Σ a ± Σ b
        return Node(body.op, tuple(_eliminate(Node("isum", (part, node.args[1])))
                                   for part in body.args))
    factors = _factors(body)
    for position, factor in enumerate(factors):
        if factor.op != "delta":
            continue
        solution = _solve(factor.args[0], factor.args[1], k)
        if solution is None:
            continue
        rest = [_substitute(f, k, solution) for j, f in enumerate(factors) if j != position]
        total = rest[0] if rest else num(1)
        for f in rest[1:]:
            total = mul(total, f)
        return total
    return Node("isum", (body, node.args[1]))


def tidy_positions(node: Node) -> Node:
    """Each index expression in one order: names, then negative terms, then the constant
    (x[a + 2 * i - k + 1])."""
    if not node.args:
        return node
    args = tuple(tidy_positions(a) for a in node.args)
    if node.op in ("getitem", "delta"):
        start = 1 if node.op == "getitem" else 0
        args = args[:start] + tuple(_canonical(a) for a in args[start:])
    return Node(node.op, args, name=node.name, kwargs=node.kwargs, order=node.order)


def _canonical(position: Node) -> Node:
    if position.op in ("index", "num", "dim"):
        return position
    names: dict[str, Node] = {}
    try:
        return _from_sympy(dims.sympy().expand(_to_sympy(position, names)), names)
    except CannotDerive:
        return position


def _factors(node: Node) -> list[Node]:
    if node.op == "mul":
        return _factors(node.args[0]) + _factors(node.args[1])
    return [node]


def _substitute(node: Node, k: str, value: Node) -> Node:
    if node.op == "index" and node.name == k:
        return value
    if not node.args:
        return node
    return Node(node.op, tuple(_substitute(a, k, value) for a in node.args), name=node.name,
                kwargs=node.kwargs, order=node.order)


def _solve(left: Node, right: Node, k: str) -> Node | None:
    """k from left = right when k enters with coefficient ±1 (an integer solution)."""
    sp = dims.sympy()
    names: dict[str, Node] = {}
    try:
        equation = _to_sympy(left, names) - _to_sympy(right, names)
    except CannotDerive:
        return None
    unknown = sp.Symbol(k, integer=True)
    if unknown not in equation.free_symbols or not equation.is_polynomial(unknown) or \
            sp.degree(equation, unknown) != 1 or abs(equation.coeff(unknown)) != 1:
        return None
    return _from_sympy(sp.solve(equation, unknown)[0], names)


def _to_sympy(node: Node, names: dict[str, Node]):
    sp = dims.sympy()
    if node.op == "num":
        return sp.Integer(int(node.name))
    if node.op in ("index", "dim"):
        names[node.name] = node
        return sp.Symbol(node.name, integer=True)
    values = [_to_sympy(a, names) for a in node.args]
    if node.op == "add":
        return values[0] + values[1]
    if node.op == "sub":
        return values[0] - values[1]
    if node.op == "mul":
        return values[0] * values[1]
    if node.op == "neg":
        return -values[0]
    raise CannotDerive("not an index expression")


def _from_sympy(expr, names: dict[str, Node]) -> Node:
    sp = dims.sympy()
    if isinstance(expr, sp.Symbol):
        return names[expr.name]
    if isinstance(expr, sp.Integer):
        return num(int(expr))
    if isinstance(expr, sp.Add):
        terms = sorted(sp.Add.make_args(expr), key=lambda t: (
            t.is_number, t.could_extract_minus_sign(), sp.default_sort_key(t)))
        total = _from_sympy(terms[0], names)
        for term in terms[1:]:
            total = sub(total, _from_sympy(-term, names)) if term.could_extract_minus_sign() \
                else add(total, _from_sympy(term, names))
        return total
    factors = sp.Mul.make_args(expr)
    total = _from_sympy(factors[0], names)
    for factor in factors[1:]:
        total = mul(total, _from_sympy(factor, names))
    return total
