"""A concrete smooth function standing in for a declared ``function`` at a numeric point.

The numeric path evaluates ``f(u)`` and its derivatives with it (``numeric``); exact
confirmation and convergence claims use the same function in SymPy (``symbolic``, its
derivatives written out); a counterexample shows it (``describe``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..vocabulary.ops import sympy


@dataclass(frozen=True)
class TestFunction:
    """A concrete smooth function standing in for a declared `function`:
    c0 + c1 u + c2 u^2 / 2 + c3 sin(u) + c4 exp(u / 2)."""

    coefficients: tuple[float, ...]

    def numeric(self, order: int, u):
        c0, c1, c2, c3, c4 = self.coefficients
        poly = [c0 + c1 * u + c2 * u * u / 2, c1 + c2 * u, c2 + 0 * u][order] if order < 3 \
            else 0 * u
        return poly + c3 * np.sin(u + order * np.pi / 2) + c4 * 0.5 ** order * np.exp(u / 2)

    def symbolic(self, u, order: int = 0):
        """The function (or its derivative of ``order``, written out: no SymPy diff)."""
        sp = sympy()
        c0, c1, c2, c3, c4 = (sp.Rational(Fraction(c).limit_denominator(10**6))
                              for c in self.coefficients)
        poly = [c0 + c1 * u + c2 * u**2 / 2, c1 + c2 * u, c2][order] if order < 3 else 0
        return poly + c3 * sp.sin(u + order * sp.pi / 2) + c4 * sp.exp(u / 2) / 2**order

    def describe(self, variable: str = "u") -> str:
        c0, c1, c2, c3, c4 = (_short(c) for c in self.coefficients)
        terms = [c0, f"{c1}*{variable}", f"{c2}*{variable}**2/2", f"{c3}*sin({variable})",
                 f"{c4}*exp({variable}/2)"]
        kept = [t for t, c in zip(terms, self.coefficients, strict=True) if c != 0]
        return " + ".join(kept) or "0"


def _short(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
