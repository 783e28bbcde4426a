"""E[g(U)] for U ~ N(0, 1) and g piecewise polynomial, exactly, without SymPy's integrate.

relu, step, abs and sign of arguments linear in u split the real line at their kinks; on
each piece g is a polynomial, and ∫ u^k φ(u) du over an interval has a closed form (by
parts): M_0 = Φ(b) − Φ(a), M_1 = φ(a) − φ(b), M_k = (k − 1) M_{k−2} + a^{k−1} φ(a) −
b^{k−1} φ(b).  E[relu(σU)²] = σ²/2 is two such pieces, where SymPy's integral of the
Piecewise takes over a second.  Anything else (a kink whose side or order cannot be
decided, a smooth function of u) returns None, and SymPy integrates.
"""

from __future__ import annotations

from ..paths import zero
from ..vocabulary.ops import sympy


def expectation(expr, u):
    """E[expr] with u standard normal, or None when expr is not piecewise polynomial in u
    with kinks this can order."""
    sp = sympy()
    kinks = {}  # canonical kink argument -> (its slope in u, where it is 0)
    for node in zero.subexpressions(expr):
        if not zero.is_kink(node):
            continue
        argument = zero.canonical(zero.kink_argument(node))
        if argument in kinks:
            continue
        try:
            line = sp.Poly(argument, u)
        except sp.PolynomialError:
            return None
        if line.degree() != 1:
            return None
        slope, offset = line.all_coeffs()
        if not (slope.is_positive or slope.is_negative):
            return None
        kinks[argument] = (slope, -offset / slope)
    roots = _ordered({root for _, root in kinks.values()})
    if roots is None:
        return None
    edges = [-sp.oo, *roots, sp.oo]
    total = sp.Integer(0)
    for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        piece = expr
        for argument, (slope, root) in kinks.items():
            above = edges.index(root) <= i  # u > root on this piece
            piece = zero.on_side(piece, argument, 1 if above == bool(slope.is_positive) else -1)
        try:
            polynomial = sp.Poly(sp.expand(piece), u)
        except sp.PolynomialError:
            return None
        if polynomial.is_zero:
            continue
        moments = _moments(polynomial.degree(), low, high)
        total += sp.Add(*[c * moments[k] for (k,), c in polynomial.terms()])
    return total


def _ordered(roots: set):
    """The roots in increasing order, or None where SymPy cannot tell which is smaller."""
    roots = list(roots)
    for i in range(len(roots)):
        for j in range(len(roots) - 1 - i):
            difference = roots[j] - roots[j + 1]
            if difference.is_positive:
                roots[j], roots[j + 1] = roots[j + 1], roots[j]
            elif not difference.is_negative:
                return None
    return roots


def _moments(degree: int, low, high) -> list:
    """∫_low^high u^k φ(u) du for k = 0..degree (φ the standard normal density)."""
    sp = sympy()

    def density(x):
        return sp.Integer(0) if x in (sp.oo, -sp.oo) else sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)

    def cumulative(x):
        if x == sp.oo:
            return sp.Integer(1)
        if x == -sp.oo:
            return sp.Integer(0)
        return (1 + sp.erf(x / sp.sqrt(2))) / 2

    def boundary(x, k):  # x^k φ(x), 0 at ±∞
        return sp.Integer(0) if x in (sp.oo, -sp.oo) else x**k * density(x)

    moments = [cumulative(high) - cumulative(low), density(low) - density(high)]
    for k in range(2, degree + 1):
        moments.append((k - 1) * moments[k - 2] + boundary(low, k - 1) - boundary(high, k - 1))
    return moments[:degree + 1]
