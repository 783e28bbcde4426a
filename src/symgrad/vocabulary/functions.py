"""SymPy functions of the vocabulary that SymPy does not have.

``sigmoid(u)`` stays whole in exact entries, where 1/(1 + exp(−u)) would not: its
derivative is σ(1 − σ), a polynomial in the same atom, so a network's gradient and its
hand-written backward pass (``H * (1 - H)``) meet in the cheap zero test without bringing
every unit's 1 + exp(−u) over one common denominator; σ(−u) is 1 − σ(u).  Its value at a
number, its rewriting in exponentials (to meet ``exp`` and ``tanh``) and its numerical
evaluation are the textbook 1/(1 + exp(−u)).  Imported only where SymPy is (:func:`.ops.sympy`).
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 (printed as users write it: sigmoid(x))
    """σ(u) = 1 / (1 + exp(−u))."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_Number:
            return 1 / (1 + sp.exp(-u))
        if u.could_extract_minus_sign():  # σ(−u) = 1 − σ(u): one atom for both
            return 1 - cls(-u)
        return None

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None
