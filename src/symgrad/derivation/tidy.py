"""A derived tree -> the same value written as a textbook would (modest simplification).

Two layers, applied bottom-up:

* matrix structure, on trees (:mod:`symgrad.derivation.rewrites`, one rewrite per operation): fold
  transposes ((Xᵀ G)ᵀ → Gᵀ X, Bᵀᵀ → B, a symmetric Bᵀ → B), drop identities
  (I A → A), pull scalars out of products, sums and traces, write x B as Bᵀ x,
  sum(y) → 1 for a one-hot or probability vector;
* elementwise algebra, in SymPy: a maximal subtree of + - * / ** and elementwise
  functions is a commutative expression in its "atoms" (symbols, definitions and
  the tidied structural subtrees), because ⊙ with broadcasting is commutative.
  SymPy collects like terms and cancels (−(y/p − (1−y)/(1−p)) p (1−p) → p − y);
  of its forms (as is, factored, cancelled, expanded, together) the shortest text
  wins, and sum(x)/N is written mean(x).

Nothing here decides anything: a tidied answer is checked by both paths like a
hand-written one.
"""

from __future__ import annotations

from fractions import Fraction

from ..language.expressions import Node
from ..vocabulary.ops import ELEMENTWISE, sympy
from .rewrites import RULES
from .trees import (
    CannotDerive,
    Shapes,
    axis_of,
    call,
    count,
    div,
    factors,
    key,
    matmul,
    mul,
    names,
    neg,
    num,
    ones,
    product,
    size,
    text,
)

ALGEBRA = {"add", "sub", "mul", "div", "pow", "neg", "apply", "leaky_relu", *ELEMENTWISE}
LEAVES = {"num", "symbol", "define", "dim", "index", "pi"}
POSITIVE_OPS = {"softmax", "exp", "sigmoid", "sqrt", "norm", "softplus"}
MAX_OPS_TO_FACTOR = 400


def scale_left(scalar: Node, chain: Node) -> Node:
    """c (A @ B @ x) written c * A @ B @ x: the scalar on the chain's first factor."""
    if chain.op == "matmul":
        return matmul(scale_left(scalar, chain.args[0]), chain.args[1])
    return mul(scalar, chain)


class Tidy:
    def __init__(self, shapes: Shapes):
        self.shape = shapes
        self.model = shapes.model
        self._symbols: dict[str, object] = {}  # SymPy symbol name -> SymPy symbol
        self._nodes: dict[str, Node] = {}  # SymPy symbol name -> tree
        self._functions: dict[str, Node] = {}  # SymPy function name -> a template call
        self._done: dict[str, Node] = {}
        self._bodies: dict[str, str] | None = None
        self._inverses: list[dict] | None = None
        self._depth = 0  # how many structural nodes the tidier is inside

    def __call__(self, node: Node) -> Node:
        if node.op in LEAVES:
            return node
        if node.op in ALGEBRA:
            return self.best(self.to_sympy(node), self.shape(node))
        return self.structural(node)

    # --- the matrix layer ------------------------------------------------------------------
    def structural(self, node: Node, rounds: int = 0) -> Node:
        """A structural node with tidy arguments, rewritten by its rule (at most 20 rounds)."""
        done = self._done.get(key(node))
        if done is not None:
            return done
        self._depth += 1
        try:
            new = Node(node.op, tuple(self(a) for a in node.args), name=node.name,
                       kwargs=node.kwargs, order=node.order)
        finally:
            self._depth -= 1
        rule = RULES.get(new.op)
        rewritten = rule(self, new) if rule else None
        if rewritten is not None and rounds < 20:
            new = self.structural(rewritten, rounds + 1) if rewritten.op not in ALGEBRA | LEAVES \
                else self(rewritten)
        self._done[key(node)] = new
        return new

    def scalar_split(self, node: Node) -> tuple[list[Node], list[Node]]:
        """A product's scalar factors and its array factors."""
        parts = factors(node)
        scalars = [f for f in parts if not self.shape(f)]
        return scalars, [f for f in parts if self.shape(f)]

    # --- the algebra layer -----------------------------------------------------------------
    def symbol(self, name: str, node: Node, **assumptions):
        if name not in self._symbols:
            self._symbols[name] = sympy().Symbol(name, real=True, **assumptions)
            self._nodes[name] = node
        return self._symbols[name]

    def upstream_in(self, expr, depends) -> bool:
        """Does a SymPy expression contain a symbol or atom whose tree depends(...)?"""
        return any(depends(self._nodes[s.name]) for s in expr.free_symbols
                   if s.name in self._nodes)

    def to_sympy(self, node: Node):
        sp = sympy()
        op, args = node.op, node.args
        if op == "num":
            return sp.Rational(Fraction(node.name))
        if op == "pi":
            return sp.pi
        if op == "dim":
            return self.symbol(node.name, node, positive=True, integer=True)
        if op == "index":  # in an index expression, x[i + a - 1]
            return self.symbol(node.name, node, integer=True)
        if op == "symbol":
            declared = self.shape.symbols[node.name]
            return self.symbol(node.name, node, positive=True) \
                if "positive" in declared.qualifiers else self.symbol(node.name, node)
        if op == "define":
            body = self.model.defines[node.name]
            if body.op in ("mean", "sum") and not body.kwargs and body.args[0].op == "symbol":
                self.symbol(node.name, node)  # its place in the order of appearance
                return self.to_sympy(body)  # mu = mean(x): sum(x - mu) can cancel
            return self.symbol(node.name, node, positive=True) if body.op in POSITIVE_OPS \
                else self.symbol(node.name, node)
        if op not in ALGEBRA:
            tidied = self.structural(node)
            if tidied.op in ALGEBRA | LEAVES:
                return self.to_sympy(tidied)
            if tidied.op == "ones" or (tidied.op == "outer" and
                                       all(a.op == "ones" for a in tidied.args)):
                return sp.Integer(1)  # the shape comes back in fit()
            if tidied.op == "mean" and axis_of(tidied) is None:
                inner = tidied.args[0]
                return self.to_sympy(call("sum", inner)) / self.to_sympy(
                    count(self.shape(inner)))
            positive = tidied.op in POSITIVE_OPS
            return self.symbol(text(tidied), tidied, **({"positive": True} if positive else {}))
        a = [self.to_sympy(x) for x in args]
        if op == "add":
            return a[0] + a[1]
        if op == "sub":
            return a[0] - a[1]
        if op == "neg":
            return -a[0]
        if op == "mul":
            return a[0] * a[1]
        if op == "div":
            return a[0] / a[1]
        if op == "pow":
            base = args[0]
            if base.op == "symbol" and "sign" in self.shape.symbols[base.name].qualifiers \
                    and a[1].is_Integer:  # entries ±1: y**2 = 1
                return a[0] ** (int(a[1]) % 2)
            return a[0] ** a[1]
        if op == "exp":
            return sp.exp(a[0])
        if op == "log":
            return sp.log(a[0])
        if op == "sqrt":
            return sp.sqrt(a[0])
        label = node.name + "'" * node.order if op == "apply" else op
        self._functions[label] = node
        return sp.Function(label)(*a)

    def best(self, expr, shape) -> Node:
        """The simplest of SymPy's forms of expr (fewest nodes and names; then a product
        rather than a sum; then the shortest text), as a tree of this shape."""
        sp = sympy()
        forms = []
        starts = [expr, self.with_means(expr)]
        if not self._depth:  # the whole answer (inside a sum, x - mu must stay: it sums to 0)
            starts += [self.with_means(expr.xreplace(swap)) for swap in self.inverses()
                       if set(swap) <= expr.free_symbols]
        for start in starts:
            forms.append(start)
            if sp.count_ops(start) > MAX_OPS_TO_FACTOR:
                continue
            for method in (sp.factor, sp.cancel, sp.together, sp.expand):
                try:
                    forms.append(method(start))
                except (sp.PolynomialError, ValueError, TypeError, RecursionError):
                    continue
        best, score = None, None
        for form in forms:
            try:
                node = self.refold(self.fit(self.from_sympy(form), shape))
            except CannotDerive:
                continue
            mine = (names(node) + size(node), node.op in ("add", "sub"), len(text(node)))
            if best is None or mine < score:
                best, score = node, mine
        if best is None:
            raise CannotDerive("a derived expression could not be written back")
        return best

    def inverses(self) -> list[dict]:
        """For each elementwise definition linear in one of its symbols, that symbol written
        through the definition: xhat = (x - mu) / sqrt(var + eps) gives
        x = mu + xhat sqrt(var + eps), so that an answer can be written in xhat."""
        if self._inverses is None:
            sp = sympy()
            self._inverses = []
            for name, body in self.model.defines.items():
                if body.op not in ALGEBRA or not self.shape(body):
                    continue
                value = sp.together(self.to_sympy(body))
                numerator, denominator = sp.fraction(value)
                defined = self.symbol(name, Node("define", name=name))
                for leaf in sorted({n.name for n in body.walk() if n.op == "symbol"}):
                    atom = self._symbols.get(leaf)
                    if atom is None or atom not in value.free_symbols:
                        continue  # only inside an atom (X in X @ w): not elementwise-linear
                    try:
                        if atom in denominator.free_symbols or \
                                sp.Poly(numerator, atom).degree() != 1:
                            continue
                    except sp.PolynomialError:  # the symbol inside a function: not solvable
                        continue
                    solved = sp.solve(defined - value, atom)
                    if len(solved) == 1:
                        self._inverses.append({atom: solved[0]})
        return self._inverses

    def with_means(self, expr):
        """expr with every full sum(x) written N * mean(x) (so γ g − γ sum(g)/N factors)."""
        replace = {}
        for atom in expr.free_symbols:
            node = self._nodes.get(atom.name)
            if node is not None and node.op == "sum" and not node.kwargs:
                mean = call("mean", node.args[0])
                replace[atom] = self.to_sympy(count(self.shape(node.args[0]))) * \
                    self.symbol(text(mean), mean)
        return expr.xreplace(replace) if replace else expr

    def refold(self, node: Node) -> Node:
        """Subtrees that are a definition's body, written as its name (mean(x) -> mu)."""
        bodies = self.bodies()
        if not node.args:
            return node
        name = bodies.get(key(node))
        if name is not None:
            return Node("define", name=name)
        return Node(node.op, tuple(self.refold(a) for a in node.args), name=node.name,
                    kwargs=node.kwargs, order=node.order)

    def bodies(self) -> dict[str, str]:
        if self._bodies is None:
            self._bodies = {key(body): name for name, body in self.model.defines.items()}
        return self._bodies

    def seed(self, node: Node) -> None:
        """Meet the symbols of the question first: terms come out in the order they appear."""
        for inner in node.walk():
            if inner.op in ("symbol", "define", "dim"):
                self.to_sympy(inner)

    def fit(self, node: Node, shape) -> Node:
        """Broadcast node to shape (ones dropped in the algebra come back here)."""
        have = self.shape(node)
        if have == shape:
            return node
        if not have:
            return mul(node, ones(shape))
        if len(shape) == 2 and have == shape[1:]:
            return call("outer", ones(shape[:1]), node)
        raise CannotDerive(f"a derived term has the wrong shape ({have} for {shape})")

    def from_sympy(self, expr) -> Node:
        sp = sympy()
        if expr.is_Symbol:
            return self._nodes[expr.name]
        if expr is sp.pi:
            return Node("pi")
        if expr.is_Rational:
            return num(Fraction(int(expr.p), int(expr.q)))
        if expr.is_Number:
            return num(Fraction(str(expr)).limit_denominator(10**12))
        if expr.is_Add:
            return self._sum(expr)
        if expr.is_Mul:
            return self._product(expr)
        if expr.is_Pow:
            base, exponent = expr.as_base_exp()
            if exponent.is_negative:
                return div(num(1), self.from_sympy(base ** -exponent))
            if exponent == sp.Rational(1, 2):
                return call("sqrt", self.from_sympy(base))
            return Node("pow", (self.from_sympy(base), self.from_sympy(exponent)))
        args = [self.from_sympy(a) for a in expr.args]
        if isinstance(expr, sp.exp):
            return call("exp", *args)
        if isinstance(expr, sp.log):
            return call("log", *args)
        if isinstance(expr, sp.Abs):
            return call("abs", *args)
        template = self._functions.get(type(expr).__name__)
        if template is None:
            raise CannotDerive(f"SymPy wrote {expr.func} back, which the language lacks")
        return Node(template.op, tuple(args), name=template.name, order=template.order)

    def _sum(self, expr) -> Node:
        """Positive terms first; simpler terms first; then in the order their atoms first
        appeared (the question's order, then the backward pass's)."""
        birth = list(self._symbols)

        def order(term):
            names = [s.name for s in term.free_symbols if s.name in self._symbols]
            simple = sympy().count_ops(-term if term.could_extract_minus_sign() else term)
            return simple, min((birth.index(n) for n in names), default=len(birth))

        nodes = [self.from_sympy(t) for t in sorted(expr.args, key=order)]
        nodes.sort(key=lambda n: n.op == "neg")
        result = nodes[0]
        for node in nodes[1:]:
            result = Node("sub", (result, node.args[0])) if node.op == "neg" else \
                Node("add", (result, node))
        return result

    def _product(self, expr) -> Node:
        coefficient, parts = expr.as_coeff_mul()
        top, bottom = [], []
        flipped = False
        for part in parts:
            if part.is_Add and not flipped and coefficient < 0:
                part, coefficient = -part, -coefficient  # p (1 - p), not -p (p - 1)
                flipped = True
            base, exponent = part.as_base_exp()
            if exponent.is_negative:
                bottom.append(self.from_sympy(base ** -exponent))
            else:
                top.append(self.from_sympy(part))
        if coefficient.q != 1:
            bottom.insert(0, num(int(coefficient.q)))
        magnitude = abs(int(coefficient.p))
        top, bottom = self._means(top, bottom)
        def order(nodes):  # scalars, then arrays; within each: names, sums, powers
            kinds = {"add": 1, "sub": 1, "pow": 2}
            return sorted(nodes, key=lambda n: (bool(self.shape(n)), kinds.get(n.op, 0)))

        top, bottom = order(top), order(bottom)
        scalars = [num(magnitude)] * (magnitude != 1) + [n for n in top if not self.shape(n)]
        arrays = [n for n in top if self.shape(n)]
        if len(arrays) == 1 and arrays[0].op == "matmul" and scalars:  # 2 * B @ x
            numerator = scale_left(product(scalars), arrays[0])
        else:
            numerator = product(scalars + arrays)
        result = numerator if not bottom else div(numerator, product(bottom))
        return neg(result) if coefficient < 0 else result

    def _means(self, top, bottom):
        """sum(x) / N -> mean(x) where N is the number of entries of x."""
        for k, node in enumerate(top):
            if node.op != "sum" or node.kwargs:
                continue
            dims = [dim for dim in self.shape(node.args[0])]
            names = [key(b) for b in bottom]
            if dims and all(isinstance(d, str) and d in names for d in dims):
                for d in dims:
                    bottom.pop([key(b) for b in bottom].index(d))
                top = top[:k] + [call("mean", node.args[0])] + top[k + 1:]
                break
        return top, bottom
