"""A resolved expression tree -> its entry at given indices, as an index expression in
normal form (:mod:`.forms`).

(A B)[i, j] = Σ_k A[i, k] B[k, j], Aᵀ[i, j] = A[j, i], eye(n)[i, j] = δ(i, j), diag(v)[i, j] =
v[i] δ(i, j), tr(A) = Σ_k A[k, k], sum and mean sum over bound indices (mean divides by the
dimension symbol), softmax(z)[i] = exp(z[i]) (Σ_k exp(z[k]))⁻¹, norm(x) = (Σ_k x[k]²)^½;
elementwise operations act entry by entry (a broadcast argument takes the trailing indices);
inv(X), det(X) and log|det X| of a declared X are entries of their own; grad(f, X) inside an
expression is differentiated here (:mod:`.differentiate`).  An operation with no index form
here (max, a convolution, a Kronecker product, ...) raises :class:`~.forms.NoIndexForm`
naming it.
"""

from __future__ import annotations

from ..derivation.trees import Shapes, axis_of
from ..derivation.vjps import VJPS
from ..language.expressions import Node
from ..language.model import Claim, Model
from ..vocabulary import dims
from ..vocabulary.ops import ELEMENTWISE
from . import forms, normal
from .forms import Apply, Entry, NoIndexForm, Rules, Sum
from .pairs import PairedIndices

PLACEHOLDER = "_u"  # the argument of an elementwise function, in its derivative's tree

def rules_of(model: Model, claim: Claim, differentiated: bool, matrices=None) -> Rules:
    """The qualifiers' rules; before differentiation (``differentiated`` False) none for the
    variable itself, whose entries are independent until the truth is built.  ``matrices``
    shares the inverses and determinants met so far (see :meth:`Translate.matrix`)."""
    symbols = {**model.symbols, **claim.introduced}

    def having(*qualifiers):
        return frozenset(name for name, s in symbols.items() if s.qualifiers & set(qualifiers)
                         and (differentiated or name != claim.wrt))

    return Rules(symmetric=having("symmetric"), idempotent=having("binary", "onehot"),
                 sums_to_one=having("onehot"), onehot=having("onehot"),
                 orthogonal=having("orthogonal"),
                 matrices={} if matrices is None else matrices)


class Translate(PairedIndices):
    """Entries of the claim's trees, in one model and claim, under one set of rules."""

    def __init__(self, model: Model, claim: Claim, rules: Rules, keep: bool = False):
        self.model, self.claim, self.rules = model, claim, rules
        self.keep = keep  # sigmoid slopes kept whole (normal.kept_whole): a first, fast try
        self.shape = Shapes(model, claim.introduced)
        self.names: dict[str, str] = {}  # a claim's index name -> the index it stands for
        self.placeholder: Sum | None = None
        self.ranges: dict[str, object] = {}  # the parts of indices over n·m -> their ranges

    def extent(self, d):
        return dims.as_sympy(d)

    # --- the algebra, at level 0 ------------------------------------------------------------
    def add(self, *sums):
        return normal.add(*sums, level=0, rules=self.rules)

    def mul(self, a, b):
        return normal.multiply(a, b, 0, self.rules)

    def power(self, a, r):
        return normal.power(a, r, 0, self.rules)

    def total(self, body, index, extent):
        if "|" in index:  # Σ over n·m positions: over both parts
            major, minor = index.split("|")
            body = normal.summed(body, minor, self.ranges[minor], 0, self.rules)
            return normal.summed(body, major, self.ranges[major], 0, self.rules)
        return normal.summed(body, index, self.extent(extent), 0, self.rules)

    # --- trees ----------------------------------------------------------------------------
    def __call__(self, node: Node, idx: tuple[str, ...]) -> Sum:
        op = node.op
        rule = getattr(self, "op_" + op, None)
        if rule is not None:
            made = rule(node, idx)
        elif op in ELEMENTWISE:
            made = forms.atom(Apply(op, self(node.args[0], idx)))
        else:
            raise NoIndexForm(f"no index form for {op}")
        return normal.kept_whole(made, 0, self.rules) if self.keep else made

    def arg(self, node: Node, k: int, idx: tuple[str, ...]) -> Sum:
        """Argument k of an elementwise node at the node's indices (broadcast: trailing)."""
        a = node.args[k]
        mine, theirs = self.shape(node), self.shape(a)
        at = []
        for n, d in enumerate(theirs):
            outer = len(mine) - len(theirs) + n
            if d == mine[outer]:
                at.append(idx[outer])
            elif d == 1:
                at.append("#0")
            else:
                raise NoIndexForm("no index form for this broadcast")
        return self(a, tuple(at))

    def op_num(self, node, idx):
        return forms.constant(dims.sympy().Rational(node.name))

    def op_pi(self, node, idx):
        return forms.constant(dims.sympy().pi)

    def op_dim(self, node, idx):
        return forms.constant(self.extent(node.name))

    def op_symbol(self, node, idx):
        if node.name == PLACEHOLDER and self.placeholder is not None:
            return self.placeholder
        return forms.atom(Entry(node.name, idx))

    def op_define(self, node, idx):
        return self(self.model.defines[node.name], idx)

    def op_add(self, node, idx):
        return self.add(self.arg(node, 0, idx), self.arg(node, 1, idx))

    def op_sub(self, node, idx):
        return self.add(self.arg(node, 0, idx), forms.scale(self.arg(node, 1, idx), -1))

    def op_neg(self, node, idx):
        return forms.scale(self(node.args[0], idx), -1)

    def op_mul(self, node, idx):
        return self.mul(self.arg(node, 0, idx), self.arg(node, 1, idx))

    def op_div(self, node, idx):
        return self.mul(self.arg(node, 0, idx), self.power(self.arg(node, 1, idx), -1))

    def op_pow(self, node, idx):
        exponent = self.arg(node, 1, idx).constant()
        if exponent is None or not exponent.is_Rational:
            raise NoIndexForm("no index form for a power with a variable exponent")
        return self.power(self.arg(node, 0, idx), exponent)

    def op_transpose(self, node, idx):
        return self(node.args[0], idx[::-1])

    def op_kron(self, node, idx):
        a, b = node.args
        parts = [self.split(i, da, db) for i, da, db in zip(idx, self.shape(a), self.shape(b),
                                                            strict=True)]
        return self.mul(self(a, tuple(p[0] for p in parts)), self(b, tuple(p[1] for p in parts)))

    def op_vec(self, node, idx):  # vec(X)[j·n + i] = X[i, j]: columns stacked
        rows, cols = self.shape(node.args[0])
        j, i = self.split(idx[0], cols, rows)
        return self(node.args[0], (i, j))

    def op_matmul(self, node, idx):
        a, b = node.args
        ka, kb = self.shape.ndim(a), self.shape.ndim(b)
        k = self.index_over(self.shape(a)[-1], self.order(a, ka - 1) or self.order(b, 0))
        left = (idx[0], k) if ka == 2 else (k,)
        right = (k,) if kb == 1 else (k, idx[-1])
        extent = self.shape(a)[-1]
        return self.total(self.mul(self(a, left), self(b, right)), k, extent)

    def op_outer(self, node, idx):
        return self.mul(self(node.args[0], idx[:1]), self(node.args[1], idx[1:]))

    def op_eye(self, node, idx):
        return self.delta(*idx)

    def op_ones(self, node, idx):
        return forms.constant(1)

    def op_diag(self, node, idx):
        a = node.args[0]
        if self.shape.ndim(a) == 1:
            return self.mul(self(a, idx[:1]), self.delta(*idx))
        return self(a, (idx[0], idx[0]))

    def op_tr(self, node, idx):
        a = node.args[0]
        k = self.index_over(self.shape(a)[0], self.order(a, 0) or self.order(a, 1))
        return self.total(self(a, (k, k)), k, self.shape(a)[0])

    def op_sum(self, node, idx, mean=False):
        a = node.args[0]
        shape = self.shape(a)
        axis = axis_of(node)
        axes = range(len(shape)) if axis is None else [axis]
        at, bound = list(idx), []
        if axis is not None:
            at.insert(axis, None)
        else:
            at = [None] * len(shape)
        for n in axes:
            at[n] = self.index_over(shape[n], self.order(a, n))
            bound.append((at[n], shape[n]))
        result = self(a, tuple(at))
        for k, extent in bound:
            result = self.total(result, k, extent)
            if mean:
                result = forms.scale(result, 1 / self.extent(extent))
        return result

    def op_mean(self, node, idx):
        return self.op_sum(node, idx, mean=True)

    def op_softmax(self, node, idx):
        z = node.args[0]
        k = forms.fresh()
        others = (idx[0], k) if axis_of(node) == 1 else (k, idx[1]) if len(idx) == 2 else (k,)
        extent = self.shape(z)[1 if axis_of(node) == 1 else 0]
        total = self.total(forms.atom(Apply("exp", self(z, others))), k, extent)
        return self.mul(forms.atom(Apply("exp", self(z, idx))), self.power(total, -1))

    def op_logsumexp(self, node, idx):
        z = node.args[0]
        axis = axis_of(node)
        if axis is None and self.shape.ndim(z) != 1:
            raise NoIndexForm("no index form for logsumexp of a whole matrix")
        k = forms.fresh()
        at = (k,) if axis is None else (k, idx[0]) if axis == 0 else (idx[0], k)
        extent = self.shape(z)[0 if axis is None else axis]
        total = self.total(forms.atom(Apply("exp", self(z, at))), k, extent)
        return forms.atom(Apply("log", total))

    def op_norm(self, node, idx):
        square = Node("mul", (node.args[0], node.args[0]))
        return self.power(self.op_sum(Node("sum", (square,)), ()), dims.sympy().Rational(1, 2))

    def op_tanh(self, node, idx):
        """tanh(u) = 2 σ(2u) - 1: one atom for both, so that identities between them hold."""
        inner = forms.scale(self(node.args[0], idx), 2)
        return self.add(forms.scale(forms.atom(Apply("sigmoid", inner)), 2), forms.constant(-1))

    def op_leaky_relu(self, node, idx):
        """leaky_relu(x, a) = relu(x) - a relu(-x), at every x."""
        x = node.args[0]
        negative = Node("relu", (Node("neg", (x,)),))
        return self.add(self(Node("relu", (x,)), idx),
                        forms.scale(self.mul(self.arg(node, 1, idx), self(negative, idx)), -1))

    def op_list(self, node, idx):
        if not idx or not idx[0].startswith("#"):
            raise NoIndexForm("no index form for a list read at a variable position")
        position = int(idx[0][1:])
        return self(node.args[position], idx[1:])

    def op_sqrt(self, node, idx):
        return self.power(self(node.args[0], idx), dims.sympy().Rational(1, 2))

    def op_inv(self, node, idx):
        name, swapped, inverse = self.matrix(node.args[0])
        at = idx[::-1] if swapped else idx
        if inverse:  # inv(inv(X)) = X
            return forms.atom(Entry(name, at))
        return forms.atom(Entry("inv:" + name, at))

    def op_solve(self, node, idx):
        a, b = node.args
        k = forms.fresh()
        right = (k,) if self.shape.ndim(b) == 1 else (k, idx[-1])
        inverse = self.op_inv(Node("inv", (a,)), (idx[0], k))
        return self.total(self.mul(inverse, self(b, right)), k, self.shape(a)[0])

    def op_det(self, node, idx):
        name, _, inverse = self.matrix(node.args[0])  # det(Mᵀ) = det(M)
        return forms.atom(Entry("det:" + name), -1 if inverse else 1)

    def op_logdet(self, node, idx):
        name, _, inverse = self.matrix(node.args[0])
        return forms.scale(forms.atom(Entry("logdet:" + name)), -1 if inverse else 1)

    def matrix(self, node) -> tuple[str, bool, bool]:
        """The name the inverse and determinant of a square matrix expression go by, whether
        it is read transposed, and whether it is itself an inverse: a declared X (or Xᵀ) by
        its own name, inv(X) by X's, any other M by its normal form (or its transpose's,
        whichever sorts first: inv(Mᵀ) = inv(M)ᵀ).  M is kept for differentiation."""
        size = self.shape(node)[0]
        entry = self(node, ("$r", "$c"))
        flipped = entry.rename({"$r": "$c", "$c": "$r"}, 0, self.rules)
        if entry.free - {"$r", "$c"}:
            raise NoIndexForm("no index form for the inverse of a matrix that depends on "
                              "an index")
        single = _single_entry(entry)
        if single is not None and single.at in (("$r", "$c"), ("$c", "$r")):
            kind, _, of = single.name.partition(":")
            swapped = single.at == ("$c", "$r")
            if kind == "inv":
                return of, swapped, True
            if not of:
                self.rules.matrices.setdefault(kind, (self(Node("symbol", name=kind),
                                                          ("$r", "$c")), self.extent(size),
                                                     False))
                return kind, swapped, False
        swapped = flipped.key < entry.key
        if swapped:
            entry, flipped = flipped, entry
        name = "{" + entry.key + "}"
        self.rules.matrices.setdefault(name, (entry, self.extent(size),
                                              entry.key == flipped.key))
        return name, swapped, False

    def entry_of(self, matrix: Sum, row: str, col: str) -> Sum:
        """M[row, col] from M's entry at [$r, $c]."""
        return matrix.rename({"$r": row, "$c": col}, 0, self.rules)

    def op_matpow(self, node, idx):
        times = node.args[1]
        if times.op != "num" or int(times.name) < 1:
            raise NoIndexForm("no index form for matpow with a variable power")
        product = node.args[0]
        for _ in range(int(times.name) - 1):
            product = Node("matmul", (product, node.args[0]))
        return self(product, idx)

    def op_apply(self, node, idx):
        return forms.atom(Apply("apply", self(node.args[0], idx), node.name, node.order))

    def op_index(self, node, idx):  # an index used as a number (rare): not an index form
        raise NoIndexForm("no index form for an index used as a number")

    def op_getitem(self, node, idx):
        positions = []
        for p in node.args[1:]:
            if p.op == "index":
                positions.append(self.names.get(p.name, p.name))
            elif p.op == "num" and int(p.name) >= 0:
                positions.append(f"#{int(p.name)}")
            else:
                positions.append(self.pair_position(p))
        return self(node.args[0], tuple(positions))

    def op_delta(self, node, idx):
        names = []
        for p in node.args:
            if p.op == "index":
                names.append(self.names.get(p.name, p.name))
            elif p.op == "num":
                names.append(f"#{int(p.name)}")
            else:
                raise NoIndexForm("no index form for delta of an index expression")
        return forms.atom(forms.delta(*names))

    def op_isum(self, node, idx):
        body, index = node.args
        k = forms.fresh()
        outer = self.names.get(index.name)
        self.names[index.name] = k
        extent = self.model.sum_ranges.get(id(node))
        if extent is not None:
            self.ranges[k] = self.extent(extent)
        try:
            inner = self(body, idx)
        finally:
            if outer is None:
                del self.names[index.name]
            else:
                self.names[index.name] = outer
        if extent is None:
            raise NoIndexForm("no index form for a sum whose range is not known")
        return self.total(inner, k, extent)

    def op_grad(self, node, idx):
        from .differentiate import derivative

        body, wrt = node.args
        return derivative(self, self(body, ()), wrt.name, idx)

    def op_hessian(self, node, idx):
        from .differentiate import derivative

        body, wrt = node.args
        f = self(body, ())
        if wrt.op == "list":  # in a list of scalars: entry [a, b] at fixed positions only
            if not all(i.startswith("#") for i in idx):
                raise NoIndexForm("no index form for a Hessian in a list of scalars read at a "
                                  "variable position")
            first, second = (wrt.args[int(i[1:])].name for i in idx)
            return derivative(self, derivative(self, f, first, ()), second, ())
        return derivative(self, derivative(self, f, wrt.name, idx[:1]), wrt.name, idx[1:])

    # --- what the derivative of an elementwise function is --------------------------------
    def slope(self, apply: Apply) -> Sum:
        """f'(u) at u = the Apply's argument, from the backward rule of f
        (:data:`symgrad.derivation.vjps.VJPS`)."""
        u = Node("symbol", name=PLACEHOLDER)
        node = Node(apply.op, (u,), name=apply.name or None, order=apply.order) \
            if apply.op == "apply" else Node(apply.op, (u,))
        (rate,) = VJPS[apply.op](self.shape, node, node, Node("num", name="1"))
        if rate is None:  # zero almost everywhere (step)
            return Sum(())
        self.shape.symbols.setdefault(PLACEHOLDER, _scalar())
        before, self.placeholder = self.placeholder, apply.arg
        try:
            return self(rate, ())
        finally:
            self.placeholder = before


def _single_entry(s: Sum) -> Entry | None:
    if len(s.terms) == 1 and s.terms[0].coef == 1 and not s.terms[0].bound and \
            len(s.terms[0].factors) == 1 and s.terms[0].factors[0][1] == 1 and \
            isinstance(s.terms[0].factors[0][0], Entry):
        return s.terms[0].factors[0][0]
    return None


def _scalar():
    from ..language.model import Symbol

    return Symbol(PLACEHOLDER, ())
