"""A question (a claim without an answer) -> its answer, derived by reverse mode on trees.

The backward pass walks the claim's resolved expression from the top, sending
each node's adjoint to its arguments by the node's rule in
:data:`symgrad.derivation.vjps.VJPS`; adjoints that reach a definition are added up and
sent through its body once, latest definition first, and the ones that reach
the variable are the answer.  :mod:`symgrad.derivation.tidy` then writes it as a textbook
would.  Jacobians come from the backward pass with a symbolic upstream G: the
result is linear in G, M G, and the Jacobian is Mᵀ.  Hessians are Jacobians of
gradients; index forms are the matrix form read entry by entry
(:mod:`symgrad.derivation.indexform`).

A derived answer is only a proposal: :func:`symgrad.decide.decide` checks it by
both paths exactly like a hand-written one.
"""

from __future__ import annotations

from ..language.expressions import Node
from ..language.model import Claim, Model, Symbol
from . import trees
from .tidy import Tidy
from .trees import CannotDerive, Shapes, call, mul, num, ones, text, transpose
from .vjps import VJPS

QUESTIONS = {"gradient", "jacobian", "backprop", "hessian"}
UPSTREAM = "_G"  # a Jacobian's symbolic upstream: no claim file can use this name


def is_question(claim: Claim) -> bool:
    return claim.kind in QUESTIONS and "answer" not in claim.fields and \
        "answer_latex" not in claim.fields


def derive(model: Model, claim: Claim) -> str:
    """The answer to a gradient, jacobian, backprop or hessian claim, as expression text."""
    if claim.kind not in QUESTIONS:
        raise CannotDerive(f"symgrad derives answers to {', '.join(sorted(QUESTIONS))} claims, "
                           f"not {claim.kind} claims")
    d = Derivation(model, claim)
    of = claim.exprs["of"]
    d.tidy.seed(of)
    indices = claim.fields.get("indices")
    try:
        return _matrix_form(d, claim, of, indices)
    except CannotDerive as reason:
        if not indices or claim.kind not in ("gradient", "backprop"):
            raise
        from .indexcalc import derive_entries, tidy_positions

        try:  # what has no matrix form (a transposed convolution) may have an index form
            return text(tidy_positions(d.tidy(derive_entries(d, claim, tuple(indices)))))
        except CannotDerive:
            raise reason from None


def _matrix_form(d: Derivation, claim: Claim, of: Node, indices) -> str:
    if claim.kind == "gradient":
        answer = d.gradient(of, claim.wrt)
    elif claim.kind == "backprop":
        raw = d.vjp(of, claim.wrt, Node("symbol", name=claim.upstream.name))
        answer = d.fit(None if raw is None else d.tidy(raw), claim.wrt)
    elif claim.kind == "jacobian":
        answer = d.jacobian(of, claim.wrt)
    elif claim.wrt_list:
        answer = d.hessian_of_scalars(of, claim.wrt_list)
    else:
        answer = d.jacobian(d.gradient(of, claim.wrt), claim.wrt)
    if indices:
        from .indexform import to_index

        answer = d.tidy(to_index(d, answer, tuple(indices)))
    return text(answer)


class Derivation:
    """The backward passes of one claim, sharing shapes, dependencies and the tidier."""

    def __init__(self, model: Model, claim: Claim):
        self.model = model
        self.shape = Shapes(model, claim.introduced)
        self.tidy = Tidy(self.shape)
        self._bodies: dict[str, Node] = {}
        self._depends: dict[tuple[int, str], bool] = {}
        self._keep: list[Node] = []

    # --- what depends on what ------------------------------------------------------------
    def body(self, name: str) -> Node:
        """A definition's body, with any grad() and hessian() in it expanded."""
        if name not in self._bodies:
            self._bodies[name] = self.expand(self.model.defines[name])
        return self._bodies[name]

    def depends(self, node: Node, wrt: str) -> bool:
        known = self._depends.get((id(node), wrt))
        if known is None:
            if node.op == "symbol":
                known = node.name == wrt
            elif node.op == "define":
                known = self.depends(self.body(node.name), wrt)
            else:
                known = any(self.depends(a, wrt) for a in node.args)
            self._depends[(id(node), wrt)] = known
            self._keep.append(node)
        return known

    def expand(self, node: Node) -> Node:
        """grad(f, x) and hessian(f, x) inside an expression, replaced by their derivation."""
        if node.op == "grad":
            return self.gradient(self.expand(node.args[0]), node.args[1].name)
        if node.op == "hessian":
            body, wrt = self.expand(node.args[0]), node.args[1]
            if wrt.op == "list":
                return self.hessian_of_scalars(body, [a.name for a in wrt.args])
            return self.jacobian(self.gradient(body, wrt.name), wrt.name)
        if not node.args:
            return node
        args = tuple(self.expand(a) for a in node.args)
        if all(new is old for new, old in zip(args, node.args, strict=True)):
            return node
        return Node(node.op, args, name=node.name, kwargs=node.kwargs, order=node.order,
                    col=node.col)

    # --- the backward pass -----------------------------------------------------------------
    def vjp(self, root: Node, wrt: str, upstream: Node) -> Node | None:
        """The adjoint of the variable wrt, given the root's adjoint (untidied)."""
        root = self.expand(root)
        reached: list[Node] = []
        pending: dict[str, list[Node]] = {}

        def visit(node: Node, adjoint: Node, out: Node):
            if not self.depends(node, wrt):
                return
            if node.op == "symbol":
                reached.append(adjoint)
                return
            if node.op == "define":
                pending.setdefault(node.name, []).append(adjoint)
                return
            contributions = VJPS[node.op](self.shape, node, out, adjoint)
            for arg, contribution in reversed(list(zip(node.args, contributions, strict=True))):
                if contribution is not None and self.depends(arg, wrt):  # last first, as a tape
                    if callable(contribution):
                        contribution = contribution()
                    visit(arg, self.unbroadcast(contribution, self.shape(arg)), arg)

        visit(root, upstream, root)
        for name in reversed(list(self.model.defines)):  # a definition uses only earlier ones
            if name in pending:
                visit(self.body(name), trees.total(pending.pop(name)),
                      Node("define", name=name))
        return trees.total(reached) if reached else None

    def unbroadcast(self, adjoint: Node, target) -> Node:
        have = self.shape(adjoint)
        if have == target:
            return adjoint
        if not target:
            return call("sum", adjoint)
        if len(have) == 2 and target == have[1:]:
            return call("sum", adjoint, axis=0)
        if not have:
            return mul(adjoint, ones(target))
        if len(target) == 2 and have == target[1:]:
            return call("outer", ones(target[:1]), adjoint)
        raise CannotDerive(f"an adjoint of shape {have} cannot reach a node of shape {target}")

    def fit(self, node: Node | None, wrt: str) -> Node:
        """The answer in the variable's shape (0 where nothing reached it)."""
        shape = self.shape.symbols[wrt].shape
        if node is None:
            return num(0) if not shape else mul(num(0), ones(shape))
        return self.tidy.fit(node, shape)

    def gradient(self, root: Node, wrt: str) -> Node:
        raw = self.vjp(root, wrt, num(1))
        return self.fit(None if raw is None else self.tidy(raw), wrt)

    def hessian_of_scalars(self, root: Node, names) -> Node:
        first = [self.gradient(root, a) for a in names]
        return Node("list", tuple(Node("list", tuple(self.gradient(g, b) for b in names))
                                  for g in first))

    def jacobian(self, root: Node, wrt: str) -> Node:
        """d root / d wrt for a vector root and a vector wrt: (size of root, size of wrt)."""
        self.shape.symbols[UPSTREAM] = Symbol(UPSTREAM, self.shape(root))
        raw = self.vjp(root, wrt, Node("symbol", name=UPSTREAM))
        if raw is None:
            return mul(num(0), ones(self.shape(root) + self.shape.symbols[wrt].shape))
        from .linear import LinearMap

        upstream = Node("symbol", name=UPSTREAM)
        return self.tidy(transpose(LinearMap(self, upstream).matrix(self.tidy(raw))))
