"""Value claims: numbers at a point, exactly with SymPy and in float64 with numpy.

`at` fixes every symbol (and so every size).  The exact value comes from the
symbolic backend (derivatives by SymPy, the point substituted as exact
rationals, 30 digits); the float value from the numeric backend (derivatives
by differences).  They must agree, or the claim is an error.  A number the
person wrote with k significant digits matches when it is within one unit in
its k-th digit of the exact value (an optional relative `tolerance`
overrides).  A point on a kink (a tie in max, relu at 0) is not
differentiable: undecided.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..engine.backends import Invalid, Numeric
from ..engine.evaluate import Evaluator
from ..engine.exact import Symbolic
from ..engine.jsonable import counterexample
from ..language.model import Claim, Model
from ..paths.symbolic import Instance

AGREEMENT = 1e-6  # relative difference allowed between the exact and the float64 value


def decide(model: Model, claim: Claim) -> dict:
    """The verdict fields (verdict, reason, scope, counterexample) of a value claim."""
    sizes = claim.sizes
    exact_point = {name: Evaluator(model, Symbolic(), sizes, {}).value(node)
                   for name, node in claim.at.items()}
    float_point = {name: np.asarray(Evaluator(model, Numeric(), sizes, {}).value(node),
                                    dtype=complex) for name, node in claim.at.items()}
    inputs = {name: np.real(value) for name, value in float_point.items()}
    try:
        with np.errstate(all="ignore"):
            numeric = np.real(Evaluator(model, Numeric(), sizes, float_point).value(
                claim.exprs["of"]))
    except Invalid as exc:
        return {"verdict": "undecided", "reason": f"the point is not differentiable: it is {exc}"}
    instance = Instance(model, claim, sizes)
    answer, exact = instance.at({}, {}, exact=exact_point)
    answer, exact = np.real(answer), np.real(exact)
    scale = max(1.0, float(np.max(np.abs(exact), initial=0)))
    if np.any(np.abs(exact - numeric) > AGREEMENT * scale):
        return {"verdict": "error", "reason": "the two paths disagree: exact value "
                f"{_list(exact)}, float64 value {_list(numeric)}"}
    allowed = _allowed(claim, exact)
    differs = [tuple(int(i) for i in p) for p in np.argwhere(np.abs(exact - answer) > allowed)] \
        if exact.ndim else ([()] if abs(exact - answer) > allowed else [])
    scope = "the point given"
    if not differs:
        return {"verdict": "proved", "scope": scope,
                "reason": f"exact value {_list(exact, 8)} (float64 agrees)"}
    return {"verdict": "refuted", "scope": scope,
            "reason": f"the value is {_list(exact, 8)}, not {_list(answer, 8)}",
            "counterexample": counterexample(sizes, inputs, {}, exact, answer, differs)}


def _allowed(claim: Claim, exact: np.ndarray) -> np.ndarray:
    """How far each entry of the answer may be from the exact value."""
    tolerance = claim.fields.get("tolerance")
    if tolerance is not None:
        return tolerance * np.maximum(np.abs(exact), 1e-300)
    units = _units(claim.exprs["answer"])
    if units is None or np.shape(units) != np.shape(exact):  # not a literal: compare exactly
        return 1e-12 * np.maximum(np.abs(exact), 1.0)
    written = [u for u in np.ravel(units) if u > 0]
    finest = min(written) if written else 1e-12
    units = np.where(units > 0, units, finest)
    return np.reshape(units, np.shape(exact)) * (1 + 1e-12)


def _units(node) -> np.ndarray | None:
    """One unit in the last written digit of each literal entry; 0 for an exact zero
    (which takes the finest unit of the others); None where the answer is not a literal."""
    if node.op == "list":
        items = [_units(item) for item in node.args]
        return None if any(i is None for i in items) else np.array(items)
    if node.op == "neg":
        return _units(node.args[0])
    if node.op == "num":
        number = Decimal(node.name)
        return np.array(0.0 if number == 0 else float(Decimal(1).scaleb(
            number.as_tuple().exponent)))
    return None


def _list(array, digits: int = 6):
    array = np.asarray(array)
    if array.ndim == 0:
        return f"{float(array):.{digits}g}"
    return "[" + ", ".join(_list(a, digits) for a in array) + "]"
