"""The symbolic path: a claim at concrete sizes, differentiated exactly by SymPy.

For each size assignment (distinct dimension names get distinct sizes >= 2,
so a transposed or non-square mix-up cannot pass), every symbol becomes an
array of entry symbols, the truth is built by exact differentiation of the
claim's expression (never by SymPy's matrix calculus alone), and each entry of
answer - truth is proved zero (:func:`symgrad.paths.zero.is_zero`) or, at a random
exact point, shown nonzero.  :class:`Instance` is also how a numeric
counterexample is confirmed: the same exact difference, evaluated at that point.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..engine.evaluate import Evaluator
from ..engine.exact import Symbolic
from ..engine.testfunction import TestFunction
from ..language.model import Claim, Model, Symbol
from ..vocabulary.ops import as_sympy, sympy
from ..vocabulary.shapes import concrete
from . import polynomial, zero
from .derivative import Derivatives
from .sizes import exact_assignments

MAX_SIGN_CASES = 64  # sign entries are tried at +1 and -1 while the cases stay this few


@dataclass
class SymbolicOutcome:
    status: str  # "proved", "disproved" or "unknown"
    scope: str = ""
    reason: str = ""
    point: dict | None = None  # for "disproved": sizes, values, functions (numeric-path form)
    sizes: list[dict[str, int]] = field(default_factory=list)


#: Entries of an array beyond which no exact evaluation is tried (SymPy takes seconds at a
#: few thousand; central differences recheck a difference there).
MAX_EXACT_ENTRIES = 400


def size_assignments(model: Model, claim: Claim) -> list[dict[str, int]]:
    """Two assignments, distinct dimensions at distinct sizes >= 2 (rotated between them)."""
    dims = claim.dims
    if not dims:
        return [{}]
    if claim.dim_constraints:
        return exact_assignments(model, claim)
    result = []
    for shift in (0, 1):
        sizes = {d: 2 + (k + shift) % len(dims) for k, d in enumerate(dims)}
        if len(dims) == 1:
            sizes = {dims[0]: 2 + shift}
        result.append({d: max(s, model.min_sizes.get(d, 1)) for d, s in sizes.items()})
    return result


def describe_sizes(sizes: dict[str, int]) -> str:
    return ", ".join(f"{d}={s}" for d, s in sizes.items()) or "fixed sizes"


def claim_symbols(model: Model, claim: Claim) -> dict[str, Symbol]:
    """The symbols the claim depends on (those it introduces, like an upstream G, too)."""
    symbols = {**model.symbols, **claim.introduced}
    return {name: symbols[name] for name in claim.uses}


class Instance:
    """One claim at one size assignment: exact truth and answer arrays."""

    def __init__(self, model: Model, claim: Claim, sizes: dict[str, int]):
        self.model, self.claim, self.sizes = model, claim, sizes
        self.sp = sympy()
        self.backend = Symbolic()
        self.symbols = claim_symbols(model, claim)
        self.values = {name: self._entries(symbol) for name, symbol in self.symbols.items()
                       if not symbol.is_function}
        self.truth, self.answer = self._build()

    def _entries(self, symbol: Symbol):
        sp = self.sp
        shape = concrete(symbol.shape, self.sizes)
        q = symbol.qualifiers
        assumptions = {"real": True}
        if q & {"positive", "probability"}:
            assumptions["positive"] = True
        if "nonzero" in q:
            assumptions["nonzero"] = True
        if q & {"binary", "onehot"}:
            assumptions["nonnegative"] = True
        if "sign" in q:
            assumptions["nonzero"] = True
        out = np.empty(shape, dtype=object)
        shared = "symmetric" in q and symbol.name != self.claim.wrt
        for position in np.ndindex(shape):
            key = tuple(sorted(position)) if shared else position
            label = symbol.name + ("[" + ",".join(map(str, key)) + "]" if key else "")
            out[position] = sp.Symbol(label, **assumptions)
        return out

    def _build(self):
        claim, sp = self.claim, self.sp
        ev = Evaluator(self.model, self.backend, self.sizes, self.values, claim.index_dims)
        answer_node = claim.exprs.get(claim.answer_field)
        if answer_node is None:  # a psd claim without a certificate
            answer = None
        else:
            answer = ev.entries(answer_node) if claim.indices else ev.value(answer_node)
        if claim.kind == "psd":
            return ev.value(claim.exprs["of"]), answer
        if claim.kind == "equal":
            return ev.value(claim.exprs["lhs"]), answer
        if claim.kind in ("value", "expectation"):
            return ev.value(claim.exprs["of"]), answer
        of = ev.value(claim.exprs["of"])
        wrt = self.values[claim.wrt] if claim.wrt else None
        if claim.kind == "jacobian":
            truth = np.empty(of.shape + wrt.shape, dtype=object)
            for i in range(wrt.shape[0]):
                along = Derivatives(wrt[i])
                for k in range(of.shape[0]):
                    truth[k, i] = along.of(of[k])
            return truth, answer
        if claim.kind == "hessian":
            entries = [self.values[n][at] for n, at in claim.variables(self.values)]
            truth = np.empty((len(entries), len(entries)), dtype=object)
            second = [Derivatives(b) for b in entries]
            for i, a in enumerate(entries):
                first = Derivatives(a).of(of[()])
                for j in range(len(entries)):
                    truth[i, j] = second[j].of(first)
            return truth, answer
        if claim.kind == "backprop":
            scalar = sp.Add(*(np.ravel(self.values[claim.upstream.name] * of)))
        else:
            scalar = of[()]
        truth = np.empty(wrt.shape, dtype=object)
        for position in np.ndindex(wrt.shape):
            truth[position] = Derivatives(wrt[position]).of(scalar)
        return truth, answer

    # --- constraints of the qualifiers -----------------------------------------------------
    def cases(self):
        """Substitutions that put the qualifiers in force: a symmetric wrt mirrored, and
        each position of the 1 of every onehot vector or row (one case each), every sign
        entry +1 and -1 while the cases stay few (then y**2 = 1 rewrites the rest)."""
        base = {}
        for name, symbol in self.symbols.items():
            if "symmetric" in symbol.qualifiers and name == self.claim.wrt:
                entries = self.values[name]
                for i, j in np.ndindex(entries.shape):
                    if i > j:
                        base[entries[i, j]] = entries[j, i]
        cases = [base]
        for name, symbol in self.symbols.items():
            if "onehot" in symbol.qualifiers:
                for row in np.atleast_2d(self.values[name]):
                    cases = [{**case, **{e: int(k == hot) for k, e in enumerate(row)}}
                             for case in cases for hot in range(len(row))]
        for name, symbol in self.symbols.items():
            if "orthogonal" in symbol.qualifiers:
                cases = [{**case, **self._orthogonal(name, sign)} for case in cases
                         for sign in (1, -1)]
        for entry in self.signs():
            if len(cases) * 2 > MAX_SIGN_CASES:
                break
            cases = [{**case, entry: value} for case in cases for value in (1, -1)]
        return cases

    def _orthogonal(self, name: str, sign: int) -> dict:
        """The entries of an orthogonal Q as rational functions that satisfy QᵀQ = I
        identically: the Cayley transform (I - A)(I + A)⁻¹ of a skew-symmetric A, its last
        column times ±1 (so both determinants, +1 and -1, are covered)."""
        sp = self.sp
        entries = self.values[name]
        n = entries.shape[0]
        skew = sp.zeros(n, n)
        for i, j in np.ndindex(n, n):
            if i < j:
                skew[i, j] = sp.Symbol(f"{name}_skew[{i},{j}]", real=True)
                skew[j, i] = -skew[i, j]
        eye = sp.eye(n)
        q = (eye - skew) * (eye + skew).inv(method="LU")
        q[:, n - 1] *= sign
        return {entries[i, j]: sp.cancel(q[i, j]) for i, j in np.ndindex(n, n)}

    def signs(self):
        return [e for name, s in self.symbols.items() if "sign" in s.qualifiers
                for e in np.ravel(self.values[name])]

    def binary(self):
        return [e for name, s in self.symbols.items() if "binary" in s.qualifiers
                for e in np.ravel(self.values[name])]

    # --- exact evaluation at a point ------------------------------------------------------------
    def random_values(self, rng: random.Random, case: dict) -> dict[str, np.ndarray]:
        """Admissible values for every symbol, exact in binary floating point (k/8)."""
        values = {}
        for name, entries in self.values.items():
            q = self.symbols[name].qualifiers
            array = np.zeros(entries.shape, dtype=complex)
            for position in np.ndindex(entries.shape):
                symbol = entries[position]
                if symbol in case and isinstance(case[symbol], int | self.sp.Number):
                    array[position] = case[symbol]
                    continue
                if "probability" in q:
                    value = rng.randint(1, 7) / 8
                elif "binary" in q:
                    value = rng.randint(0, 1)
                elif "sign" in q:
                    value = rng.choice((-1, 1))
                elif q & {"positive", "nonzero"}:
                    value = rng.randint(1, 24) / 8 * (1 if "positive" in q or rng.random() < .5
                                                      else -1)
                else:
                    value = rng.randint(-24, 24) / 8
                array[position] = value
            if "orthogonal" in q:  # a signed permutation: orthogonal, and exact
                n = array.shape[0]
                array = np.eye(n)[rng.sample(range(n), n)] * \
                    np.array([rng.choice((-1, 1)) for _ in range(n)])
            if "symmetric" in q:
                array = np.triu(array) + np.triu(array, 1).T
            if "spd" in q:  # exact k/8 entries: A Aᵀ + I
                array = array @ array.T + np.eye(array.shape[0])
            elif "invertible" in q and abs(np.linalg.det(np.real(array))) < 1e-9:
                array = array + (np.abs(array).sum() + 1) * np.eye(array.shape[0])
            values[name] = array
        return values

    def exact_point(self, values: dict[str, np.ndarray]) -> dict:
        """Entry symbol -> exact rational value (floats are converted exactly)."""
        point = {}
        for name, entries in self.values.items():
            if name not in values:  # random symbols: integrated out before evaluation
                continue
            for position in np.ndindex(entries.shape):
                number = float(np.real(values[name][position]))
                point[entries[position]] = self.sp.Rational(Fraction(number))
        return point

    def at(self, values: dict[str, np.ndarray], functions: dict[str, TestFunction],
           exact: dict | None = None):
        """(answer, truth) as complex arrays, computed exactly at the point, then to 30 digits.
        ``exact`` gives exact values (SymPy numbers) by symbol name, instead of ``values``."""
        sp = self.sp
        point = self.exact_point(values) if exact is None else {
            entry: exact[name][position] for name, entries in self.values.items()
            for position, entry in np.ndenumerate(entries)}
        replace = {}
        u = sp.Dummy("u")
        for name, test in functions.items():
            expression = test.symbolic(u)
            for order, cls in enumerate(self.backend.family(name)):
                replace[cls] = sp.Lambda(u, sp.diff(expression, u, order))

        def exact(array):
            out = np.empty(array.shape, dtype=complex)
            for position in np.ndindex(array.shape):
                entry = as_sympy(array[position])
                for cls, fn in replace.items():
                    entry = entry.replace(cls, fn)
                out[position] = complex(entry.xreplace(point).evalf(30))
            return out

        return (None if self.answer is None else exact(self.answer)), exact(self.truth)


def prove(model: Model, claim: Claim, rng: random.Random) -> SymbolicOutcome:
    """Prove answer == truth entry by entry at each size assignment, or find a point
    where they differ.  Runs until done; the caller bounds it with a deadline."""
    assignments = size_assignments(model, claim)
    scope = "sizes " + "; ".join(describe_sizes(s) for s in assignments)
    for sizes in assignments:
        if polynomial.is_zero_at(model, claim, sizes):
            continue  # proved here in a polynomial ring, no SymPy expression built
        instance = Instance(model, claim, sizes)
        difference = instance.backend.asarray(instance.answer - instance.truth)
        binary = instance.binary()
        for case in instance.cases():
            for position in np.ndindex(difference.shape):
                entry = as_sympy(difference[position]).xreplace(case)
                status, point = settle(instance, entry, case, rng, binary)
                if status == "nonzero":
                    return SymbolicOutcome("disproved", scope, f"entry {list(position)} of "
                                           f"answer - truth is not 0 at {describe_sizes(sizes)}",
                                           point=point, sizes=assignments)
                if status == "unknown":
                    return SymbolicOutcome("unknown", scope, "SymPy could not simplify entry "
                                           f"{list(position)} of answer - truth to 0 at "
                                           f"{describe_sizes(sizes)}", sizes=assignments)
    if not claim.dims:
        return SymbolicOutcome("proved", "all sizes", "every size is fixed", sizes=assignments)
    return SymbolicOutcome("proved", scope, sizes=assignments)


def settle(instance: Instance, entry, case: dict, rng, binary=()):
    """One entry of a difference: ("zero", None) when proved 0, ("nonzero", point) with a
    point where it is clearly not, or ("unknown", None).  The cheap proof first, then a
    look for a disproof, then the thorough proof (slow on a nonzero expression)."""
    signs = instance.signs()
    if zero.is_zero(entry, binary, quick=True, signs=signs):
        return "zero", None
    point = _nonzero_at(instance, entry, case, rng)
    if point is not None:
        return "nonzero", point
    return ("zero" if zero.is_zero(entry, binary, signs=signs) else "unknown"), None


def _nonzero_at(instance: Instance, entry, case, rng):
    """A point (numeric-path form) where entry is clearly nonzero, or None."""
    if entry.atoms(instance.sp.core.function.AppliedUndef):
        return None  # a generic function: no value to probe with
    for _ in range(2):
        values = instance.random_values(rng, case)
        value = zero.value_at(entry, instance.exact_point(values))
        if value is None:
            return None
        if abs(value) > 1e-12:
            return {"sizes": instance.sizes, "values": values, "functions": {}}
    return None


def confirm(model: Model, claim: Claim, point) -> bool | None:
    """Exact evaluation at a numeric counterexample: does the answer really differ?  (None
    at a point too large to evaluate exactly: a layer's real size.)"""
    if any(np.size(v) > MAX_EXACT_ENTRIES for v in point.values.values()):
        return None
    instance = Instance(model, claim, point.sizes)
    got, expected = instance.at(point.values, point.functions)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0)))
    return bool(np.any(np.abs(got - expected) > 1e-9 * scale))
