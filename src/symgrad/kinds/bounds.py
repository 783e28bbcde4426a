"""Bounds on every entry of an expression, from its form alone (interval arithmetic).

Used to show that a certificate is "nonnegative by its form": a sum of terms,
each a square times factors known nonnegative from the declarations
(positive, probability, binary, onehot) and the definitions (sigmoid and
softmax lie in (0, 1), exp is positive, ...).  Interval arithmetic is sound:
every value of the expression lies in the interval it returns, for every size
and every admissible value of the symbols.  An interval may be wider than the
true range (then nothing is shown), never narrower.
"""

from __future__ import annotations

import math

from ..language.model import Model
from ..vocabulary.ops import ELEMENTWISE

INF = math.inf
ANY = (-INF, INF)


def lower_bound(model: Model, node, symbols=None) -> float:
    return Bounds(model, symbols or {}).of(node)[0]


def _product(a, b):
    corners = [x * y if x and y else 0.0 for x in a for y in b]  # 0 * inf is 0: entries are finite
    return (min(corners), max(corners))


def _sign_of_sum(a):
    """A sum of an unknown number of terms, each within a."""
    return (0.0 if a[0] >= 0 else -INF, 0.0 if a[1] <= 0 else INF)


def _power(base, exponent):
    if exponent[0] != exponent[1] or not math.isfinite(exponent[0]):
        return (0.0, INF) if base[0] > 0 else ANY
    k = exponent[0]
    lo, hi = base
    if float(k).is_integer() and k >= 0:
        k = int(k)
        values = [_pow(lo, k), _pow(hi, k)]
        if k % 2 == 0:
            return (0.0 if lo <= 0 <= hi else min(values), max(values))
        return (values[0], values[1])
    if lo >= 0 and k > 0:
        return (_pow(lo, k), _pow(hi, k))
    return (0.0, INF) if lo > 0 else ANY


def _pow(x, k):
    try:
        return x ** k
    except OverflowError:
        return INF


class Bounds:
    def __init__(self, model: Model, symbols: dict):
        self.model = model
        self.symbols = {**model.symbols, **symbols}

    def of(self, node) -> tuple[float, float]:
        op = node.op
        if op == "num":
            value = float(node.name)
            return (value, value)
        if op == "pi":
            return (math.pi, math.pi)
        if op == "dim":
            return (1.0, INF)
        if op == "symbol":
            return self._symbol(node.name)
        if op == "define":
            return self.of(self.model.defines[node.name])
        if op in ELEMENTWISE:
            return ELEMENTWISE[op].image(*self.of(node.args[0]))
        rule = _RULES.get(op)
        if rule is None:
            return ANY
        return rule(self, node, [self.of(a) if a.op != "index" else (0.0, 0.0)
                                 for a in node.args])

    def _symbol(self, name):
        symbol = self.symbols.get(name)
        q = symbol.qualifiers if symbol else frozenset()
        if q & {"probability"}:
            return (0.0, 1.0)
        if q & {"binary", "onehot"}:
            return (0.0, 1.0)
        if "sign" in q:
            return (-1.0, 1.0)
        if q & {"positive"}:
            return (0.0, INF)
        return ANY


_RULES = {
    "add": lambda b, n, a: (a[0][0] + a[1][0], a[0][1] + a[1][1]),
    "sub": lambda b, n, a: (a[0][0] - a[1][1], a[0][1] - a[1][0]),
    "neg": lambda b, n, a: (-a[0][1], -a[0][0]),
    "mul": lambda b, n, a: _product(a[0], a[1]),
    "div": lambda b, n, a: _product(a[0], (1 / a[1][1], 1 / a[1][0]))
    if a[1][0] > 0 or a[1][1] < 0 else ANY,
    "pow": lambda b, n, a: _power(a[0], a[1]),
    "transpose": lambda b, n, a: a[0],
    "getitem": lambda b, n, a: a[0],
    "list": lambda b, n, a: (min(x[0] for x in a), max(x[1] for x in a)),
    "sum": lambda b, n, a: _sign_of_sum(a[0]),
    "isum": lambda b, n, a: _sign_of_sum(a[0]),
    "tr": lambda b, n, a: _sign_of_sum(a[0]),
    "matmul": lambda b, n, a: _sign_of_sum(_product(a[0], a[1])),
    "mean": lambda b, n, a: a[0],
    "max": lambda b, n, a: a[0],
    "norm": lambda b, n, a: (0.0, INF),
    "softmax": lambda b, n, a: (0.0, 1.0),
    "outer": lambda b, n, a: _product(a[0], a[1]),
    "diag": lambda b, n, a: (min(0.0, a[0][0]), max(0.0, a[0][1])),
    "ones": lambda b, n, a: (1.0, 1.0),
    "eye": lambda b, n, a: (0.0, 1.0),
    "delta": lambda b, n, a: (0.0, 1.0),
    "leaky_relu": lambda b, n, a: ANY,
}
