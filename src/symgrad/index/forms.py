"""Index expressions: sums of terms, each a coefficient times a product of indexed factors
under sums over bound indices.

A **factor** is an array entry ``X[a, b]`` (:class:`Entry`; ``inv:X``, ``det:X`` and
``logdet:X`` name the entries of inv(X), det(X) and log|det X| of a declared X), a Kronecker
delta (:class:`Delta`), an elementwise function of a scalar index expression
(:class:`Apply`, ``exp(z[a])``), or a sum kept whole under a power that is not a small
positive whole number (:class:`Group`, ``(Σ_k exp(z[k]))⁻¹``).  A **term** is a
coefficient (a SymPy rational function of the dimension symbols) times factors with
rational powers, summed over its bound indices, each with its range (a dimension).
A :class:`Sum` is a sum of terms; :mod:`.normal` keeps sums in normal form.

Index names: a claim's free indices are ``@0, @1, ...`` (or the claim's own index names),
fixed positions ``#0, #1, ...``, indices being built ``_17`` (:func:`fresh`), and bound
indices in normal form ``~L.k``; none of these is an identifier, so none meets a user's name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from ..vocabulary import dims

MAX_TERMS = 4000  # a normal form with more terms gives up (TooLarge)

_fresh = itertools.count()


class NoIndexForm(Exception):
    """The claim uses something the index path cannot write or decide (its reason says
    what); the claim keeps the scope its other paths give it."""


class TooLarge(NoIndexForm):
    """The normal form grew past :data:`MAX_TERMS` terms."""


def fresh() -> str:
    """A new bound index name (never a user's index name, which is an identifier)."""
    return f"_{next(_fresh)}"


def moved(position: str, mapping: dict[str, str]) -> str:
    """A position renamed; ``a|b`` is one position over a product range n·m made of two
    indices, a (over n) and b (over m): the entry a·m + b of a Kronecker product or a vec."""
    if "|" in position:
        return "|".join(mapping.get(part, part) for part in position.split("|"))
    return mapping.get(position, position)


def sp():
    return dims.sympy()


# --- factors -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    name: str
    at: tuple[str, ...] = ()

    @cached_property
    def key(self) -> str:
        return f"{self.name}[{','.join(self.at)}]" if self.at else self.name

    @property
    def indices(self) -> frozenset[str]:
        return frozenset(part for a in self.at for part in a.split("|"))

    def rename(self, mapping: dict[str, str], level: int, rules: Rules) -> Entry:
        at = tuple(moved(a, mapping) for a in self.at)
        if len(at) == 2 and rules.symmetric_entry(self.name):
            at = tuple(sorted(at))
        return Entry(self.name, at)


@dataclass(frozen=True)
class Delta:
    a: str
    b: str

    @cached_property
    def key(self) -> str:
        return f"δ[{self.a},{self.b}]"

    @property
    def indices(self) -> frozenset[str]:
        return frozenset((self.a, self.b))

    def rename(self, mapping: dict[str, str], level: int, rules: Rules) -> Delta:
        return delta(mapping.get(self.a, self.a), mapping.get(self.b, self.b))


def delta(a: str, b: str) -> Delta:
    return Delta(*sorted((a, b)))


@dataclass(frozen=True)
class Apply:
    """An elementwise function of a scalar index expression: ``op`` names the operation of
    the expression language (``exp``, ``tanh``, ``apply`` for a declared function ``name``,
    differentiated ``order`` times)."""

    op: str
    arg: Sum
    name: str = ""
    order: int = 0

    @cached_property
    def key(self) -> str:
        label = f"{self.name}'{self.order}" if self.op == "apply" else self.op
        return f"{label}({self.arg.key})"

    @property
    def indices(self) -> frozenset[str]:
        return self.arg.free

    def rename(self, mapping: dict[str, str], level: int, rules: Rules) -> Apply:
        return Apply(self.op, self.arg.rename(mapping, level + 1, rules), self.name, self.order)


@dataclass(frozen=True)
class Group:
    """A sum kept whole: it is raised to a power (in its term) that is not expanded."""

    body: Sum

    @cached_property
    def key(self) -> str:
        return f"({self.body.key})"

    @property
    def indices(self) -> frozenset[str]:
        return self.body.free

    def rename(self, mapping: dict[str, str], level: int, rules: Rules) -> Group:
        return Group(self.body.rename(mapping, level + 1, rules))


Factor = Entry | Delta | Apply | Group


@lru_cache(maxsize=4096)
def text(value) -> str:
    """str() of a power, a range or a coefficient, remembered (keys are built often)."""
    return str(value)


# --- terms and sums ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    coef: object  # SymPy, in the dimension symbols
    factors: tuple[tuple[Factor, object], ...] = ()  # (factor, power), powers SymPy Rationals
    bound: tuple[tuple[str, object], ...] = ()  # (index, range), ranges SymPy dimensions

    @cached_property
    def key(self) -> str:
        """The term without its coefficient, in its own names (canonical once normal)."""
        body = "*".join(f.key if p == 1 else f"{f.key}^{text(p)}" for f, p in self.factors)
        ranges = ",".join(f"{k}<{text(r)}" for k, r in self.bound)
        return f"Σ[{ranges}]{body}" if ranges else body

    @cached_property
    def free(self) -> frozenset[str]:
        names = frozenset().union(*(f.indices for f, _ in self.factors))
        return names - {k for k, _ in self.bound}

    def renamed_apart(self) -> Term:
        """The same term with fresh bound index names (to be multiplied with another)."""
        if not self.bound:
            return self
        mapping = {k: fresh() for k, _ in self.bound}
        return Term(self.coef, tuple((renamed(f, mapping), p) for f, p in self.factors),
                    tuple((mapping[k], r) for k, r in self.bound))


@dataclass(frozen=True)
class Sum:
    terms: tuple[Term, ...] = ()

    @cached_property
    def key(self) -> str:
        return " + ".join(f"{text(t.coef)}*{t.key}" for t in self.terms) or "0"

    @cached_property
    def free(self) -> frozenset[str]:
        return frozenset().union(*(t.free for t in self.terms))

    @property
    def is_zero(self) -> bool:
        return not self.terms

    def constant(self):
        """The value of a sum without factors (a SymPy number or dimension), else None."""
        if not self.terms:
            return sp().Integer(0)
        if len(self.terms) == 1 and not self.terms[0].factors and not self.terms[0].bound:
            return self.terms[0].coef
        return None

    def rename(self, mapping: dict[str, str], level: int, rules: Rules) -> Sum:
        mapping = {k: v for k, v in mapping.items() if k in self.free and k != v}
        if not mapping:
            return self
        from .normal import normal

        return normal([_renamed_term(t, mapping) for t in self.terms], level, rules)


def _renamed_term(t: Term, mapping: dict[str, str]) -> Term:
    """A nested term with its free indices renamed; its own bound indices are renamed apart
    first where they would capture a new name."""
    names = {k for k, _ in t.bound}
    if names & (set(mapping) | set(mapping.values())):
        t = t.renamed_apart()
    return Term(t.coef, tuple((renamed(f, mapping), p) for f, p in t.factors), t.bound)


def renamed(factor: Factor, mapping: dict[str, str]) -> Factor:
    """Free indices renamed, without normalising."""
    if isinstance(factor, Entry):
        return Entry(factor.name, tuple(moved(a, mapping) for a in factor.at))
    if isinstance(factor, Delta):
        return delta(mapping.get(factor.a, factor.a), mapping.get(factor.b, factor.b))
    inner = {k: v for k, v in mapping.items() if k in factor.indices}
    if not inner:
        return factor
    body = factor.arg if isinstance(factor, Apply) else factor.body
    renamed = Sum(tuple(_renamed_term(t, inner) for t in body.terms))
    if isinstance(factor, Apply):
        return Apply(factor.op, renamed, factor.name, factor.order)
    return Group(renamed)


# --- the qualifiers' rules ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """What the qualifiers let the normal form rewrite: X[a, b] = X[b, a] (symmetric);
    y² = y (binary, onehot); Σ_k y[k] = 1 (onehot; each row of a matrix; a `probability`
    entry is only in (0, 1), its entries need not sum to 1);
    y[a] y[b] = δ(a, b) y[a] (onehot); QᵀQ = QQᵀ = I (orthogonal)."""

    symmetric: frozenset[str] = frozenset()
    idempotent: frozenset[str] = frozenset()
    sums_to_one: frozenset[str] = frozenset()
    onehot: frozenset[str] = frozenset()
    orthogonal: frozenset[str] = frozenset()
    matrices: dict = field(default_factory=dict, compare=False, hash=False)
    """The matrices whose inverse or determinant the claim takes: name -> (its entry
    [$r, $c] as a Sum, its size, whether it is symmetric); shared by every Rules of a claim."""
    made: dict = field(default_factory=dict, compare=False, hash=False)
    """Normal forms of nested sums already made (a deep network's terms share their
    arguments), by the rules, the sum and its level; shared like ``matrices``."""

    def symmetric_entry(self, name: str) -> bool:
        kind, _, of = name.partition(":")
        if kind == "inv":
            return of in self.symmetric or self.matrices.get(of, (None, None, False))[2]
        return name in self.symmetric


# --- construction ---------------------------------------------------------------------------

def constant(value) -> Sum:
    value = sp().Integer(value) if isinstance(value, int) else value
    return Sum(()) if value == 0 else Sum((Term(value),))


def atom(factor: Factor, power=1) -> Sum:
    return Sum((Term(sp().Integer(1), ((factor, sp().Integer(power)),)),))


def scale(s: Sum, c) -> Sum:
    return Sum(()) if c == 0 else Sum(tuple(Term(t.coef * c, t.factors, t.bound)
                                            for t in s.terms))


# --- reading ---------------------------------------------------------------------------------

def show(s: Sum, names: dict[str, str] | None = None) -> str:
    """A sum as people write it: Σ_k exp(z[k]), (Σ_k exp(z[k]))^-1, δ(i,j); bound indices
    named k, l, m, ... in order, free ones as they are (@0 as i, @1 as j)."""
    names = {"@0": "i", "@1": "j", "@2": "p", "@3": "q", **(names or {})}
    if not s.terms:
        return "0"
    parts = []
    for n, t in enumerate(s.terms):
        text = _show_term(t, names)
        if n and text.startswith("-"):
            parts.append("- " + text[1:])
        else:
            parts.append(("+ " if n else "") + text)
    return " ".join(parts)


_LETTERS = "klmabcdefgh"


def _show_term(t: Term, names: dict[str, str]) -> str:
    names = dict(names)
    taken = set(names.values())
    sums = []
    for k, extent in t.bound:
        letter = next(x for x in _LETTERS + "".join(f"k{n}" for n in range(99))
                      if x not in taken)
        taken.add(letter)
        names[k] = letter
        sums.append(f"Σ_{letter}<{extent}")
    factors = [_show_factor(f, names) + ("" if p == 1 else f"^{p}") for f, p in t.factors]
    coef = str(sp().factor(t.coef)).replace("**", "^")
    body = " ".join(sums + factors)
    if not factors:
        return coef if not sums else f"{coef} {body}"
    if coef in ("1", "-1"):
        return ("-" if coef == "-1" else "") + body
    return f"({coef}) {body}" if any(c in coef for c in "+-/ ") and coef[0] != "-" or \
        " " in coef else f"{coef} {body}"


def _show_factor(f: Factor, names: dict[str, str]) -> str:
    if isinstance(f, Entry):
        at = ",".join("|".join(names.get(part, part.lstrip("#")) for part in a.split("|"))
                      for a in f.at)
        kind, _, of = f.name.partition(":")
        base = f"{kind}({of})" if of else f.name
        return f"{base}[{at}]" if at else base
    if isinstance(f, Delta):
        return f"δ({names.get(f.a, f.a.lstrip('#'))},{names.get(f.b, f.b.lstrip('#'))})"
    inner = show(f.arg if isinstance(f, Apply) else f.body, names)
    if isinstance(f, Apply):
        label = f"{f.name}{chr(39) * f.order}" if f.op == "apply" else f.op
        return f"{label}({inner})"
    return f"({inner})"
