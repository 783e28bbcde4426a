"""Is a SymPy expression zero?  Exact proofs, almost everywhere, and a probe.

:func:`is_zero` proves that an expression (one entry of answer - truth) is
zero for all admissible values, or says it could not.  Piecewise functions
(relu as Max(0, u), step as Heaviside(u), abs, sign) are compared almost
everywhere: the expression is split into the cases u > 0 and u < 0 of each
kink argument, innermost first, and every case must be zero; the value on a
kink itself (Heaviside(0), DiracDelta) is ignored.  Smooth cases are tried
with the cheapest normal form first (a fraction of polynomials over opaque atoms,
:mod:`.fraction`), then exp atoms as powers of new symbols, cancel, and SymPy's
simplify.

:func:`value_at` evaluates an expression at an exact point with 30 digits;
a clearly nonzero value there is a concrete disproof.
"""

from __future__ import annotations

from ..vocabulary.ops import as_sympy, sympy
from .fraction import is_zero_over_atoms, subexpressions

MAX_CASES = 256


def is_zero(expr, binary=(), quick: bool = False, signs=()) -> bool:
    """True when expr is proved to be 0 (almost everywhere); False when not proved.
    ``binary`` entries are 0 or 1 (y**k = y), ``signs`` entries -1 or 1 (y**2 = 1).
    ``quick`` tries only the cheapest normal form (before looking for a disproof)."""
    sp = sympy()
    expr = as_sympy(expr)
    if expr == 0:
        return True
    nodes = subexpressions(expr)
    if any(isinstance(node, sp.DiracDelta) for node in nodes):
        expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))
    for odd, y in [(False, y) for y in binary] + [(True, y) for y in signs]:
        if y not in nodes:
            continue
        expr = expr.replace(
            lambda e, y=y, odd=odd: e.is_Pow and e.base == y and e.exp.is_Integer and
            (e.exp > 0 or (odd and e.exp < 0)),
            lambda e, y=y, odd=odd: (y ** (int(e.exp) % 2) if odd else y))
    if _innermost_kink(expr) is not None and _zero_with_indicators(expr):
        return True
    cases = [expr]
    done = 0
    while cases:
        case = cases.pop()
        kink = _innermost_kink(case)
        if kink is None:
            if not _smooth_is_zero(case, quick):
                return False
            continue
        done += 2
        if done > MAX_CASES:
            return False
        cases.extend(on_side(case, kink, side) for side in (1, -1))
    return True


# --- almost everywhere: indicators, then cases of kink arguments ---------------------------

def _zero_with_indicators(expr) -> bool:
    """Every kink written with an indicator symbol h of its argument u (relu(u) = u h,
    step(u) = h, step(-u) = 1 - h, abs(u) = u (2h - 1), sign(u) = 2h - 1), h**k = h: an
    expression that is then 0 whatever the indicators are is 0 (a cheap proof for many
    kinks at once, where the cases would double with each)."""
    sp = sympy()
    indicators: dict = {}

    def indicator(argument):
        kink = canonical(argument)
        if kink not in indicators:
            indicators[kink] = sp.Dummy("h")
        h = indicators[kink]
        ratio = sp.cancel(argument / kink)
        if ratio.is_positive:
            return h
        return 1 - h if ratio.is_negative else None

    def rewrite(node):
        if not is_kink(node):
            return node
        argument = kink_argument(node)
        h = indicator(argument)
        if h is None:
            return node
        if isinstance(node, sp.Heaviside):
            return h
        if isinstance(node, sp.Max):
            return argument * h
        if isinstance(node, sp.Abs):
            return argument * (2 * h - 1)
        return 2 * h - 1  # sign

    try:
        rewritten = expr.replace(is_kink, rewrite)
    except (TypeError, ValueError, RecursionError):
        return False
    return is_zero_over_atoms(rewritten, idempotent=tuple(indicators.values()))


def kink_argument(e):
    sp = sympy()
    if isinstance(e, sp.Max):
        rest = [a for a in e.args if a != 0]
        return rest[0] if len(e.args) == 2 and len(rest) == 1 else None
    if isinstance(e, sp.Heaviside | sp.Abs | sp.sign):
        return e.args[0]
    return None


def is_kink(e) -> bool:
    sp = sympy()
    return isinstance(e, sp.Heaviside | sp.Abs | sp.sign | sp.Max) and \
        kink_argument(e) is not None


def canonical(u):
    if u.could_extract_minus_sign():
        u = -u
    coefficient, rest = u.as_coeff_Mul()
    return rest if coefficient.is_positive else u


def _innermost_kink(e):
    kinks = sorted((node for node in subexpressions(e) if is_kink(node)),
                   key=sympy().default_sort_key)
    for node in kinks:
        argument = kink_argument(node)
        if not any(is_kink(inner) for inner in subexpressions(argument)):
            return canonical(argument)
    return None


def on_side(e, kink, side: int):
    """e with every kink function of argument ±kink resolved for sign(kink) = side."""
    sp = sympy()

    def matches(node):
        return is_kink(node) and canonical(kink_argument(node)) == kink

    def resolve(node):
        argument = kink_argument(node)
        ratio = sp.cancel(argument / kink)
        positive = (ratio.is_positive if side > 0 else ratio.is_negative)
        if isinstance(node, sp.Heaviside):
            return sp.Integer(1 if positive else 0)
        if isinstance(node, sp.Max):
            return argument if positive else sp.Integer(0)
        if isinstance(node, sp.Abs):
            return argument if positive else -argument
        return sp.Integer(1 if positive else -1)  # sign

    return e.replace(matches, resolve)


# --- smooth expressions ------------------------------------------------------------------

def _smooth_is_zero(e, quick: bool = False) -> bool:
    from ..vocabulary.functions import sigmoid

    sp = sympy()
    if e == 0 or is_zero_over_atoms(e):
        return True
    mixed = [f for f in (sp.exp, sp.tanh, sigmoid) if e.has(f)]
    if len(mixed) > 1 or (mixed and not quick):  # in exponentials, to meet each other
        e = e.rewrite(sp.exp)
        if is_zero_over_atoms(e):
            return True
    if quick:  # (the cheap form is the quick proof: the rest can take minutes to fail)
        return False
    e = _exp_as_powers(e)
    if not e.has(sp.log) and not any(p.exp.is_negative for p in e.atoms(sp.Pow)):
        # no fraction: expanding is the normal form (together would only cost)
        return sp.expand(e) == 0 or sp.simplify(e) == 0
    # each normal form from the same start: an expanded form is a poor start for cancel.
    # The numerator of a single fraction expanded to 0 is a proof (and cheaper than cancel).
    attempts = [lambda x: sp.expand(sp.fraction(sp.together(x))[0]),
                lambda x: sp.cancel(sp.together(x)), sp.expand, sp.simplify]
    return any(attempt(e) == 0 for attempt in attempts)


def _exp_as_powers(e):
    """Replace exp(c1*t1 + c2*t2 + k) by exp(k) * E1**c1 * E2**c2 with new positive
    symbols E (exp of the distinct terms), so that rational-function methods apply."""
    sp = sympy()
    exps = [a for a in e.atoms(sp.exp)]
    if not exps:
        return e
    names: dict = {}

    def power_of(term):
        coefficient, rest = term.as_coeff_Mul()
        if rest not in names:
            names[rest] = sp.Dummy("E", positive=True)
        return names[rest] ** coefficient

    replacement = {}
    for atom in exps:
        argument = sp.expand(atom.args[0])
        constant, terms = argument.as_coeff_add()
        value = sp.exp(constant)
        for term in terms:
            if term.has(sp.exp) or term.has(sp.log):
                return e  # nested transcendental terms: leave them to simplify
            value *= power_of(term)
        replacement[atom] = value
    return e.xreplace(replacement)


def value_at(expr, point: dict, digits: int = 30) -> complex | None:
    """The value of expr at an exact point, to `digits` digits; None if it has none."""
    sp = sympy()
    try:
        value = as_sympy(expr).xreplace(point).evalf(digits)
        if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return None
        return complex(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
