"""The symbolic backend: numpy object arrays of SymPy expressions over explicit entry
symbols at concrete sizes (the symbolic path's explicit entries, exact evaluation at a
numeric counterexample).  Guards do nothing here; kinks are handled when proving
(compared almost everywhere).
"""

from __future__ import annotations

import numpy as np

from ..vocabulary.ops import ELEMENTWISE, as_sympy, sympy
from .backends import Arrays


class Symbolic(Arrays):
    dtype = object

    def __init__(self):
        self.sp = sympy()
        self._families: dict[str, list] = {}

    def asarray(self, x):
        if isinstance(x, np.ndarray) and x.dtype == object:
            return x
        if isinstance(x, np.ndarray):
            return np.vectorize(as_sympy, otypes=[object])(x) if x.size else \
                x.astype(object)
        out = np.empty((), dtype=object)
        out[()] = as_sympy(x) if isinstance(x, int | float) else x
        return out

    def number(self, text: str):
        return self.asarray(self.sp.Rational(text))

    def pi(self):
        return self.asarray(self.sp.pi)

    def zeros(self, shape):
        return np.full(shape, self.sp.Integer(0), dtype=object)

    def ones(self, shape):
        return np.full(shape, self.sp.Integer(1), dtype=object)

    def elementwise(self, spec, x):
        return self._map(spec.symbolic, x)

    def _map(self, fn, x):
        x = self.asarray(x)
        out = np.empty(x.shape, dtype=object)
        for position in np.ndindex(x.shape):
            out[position] = fn(x[position])
        return out

    def guard(self, kind, x):
        pass

    def real_constant(self, x):
        x = self.asarray(x)
        if x.ndim == 0 and x[()].is_number:
            return float(x[()])
        return None

    def inv(self, x):
        """The adjugate over the determinant: rational functions of the entries (not
        simplified on the way: the zero test's fractions do that far faster)."""
        from sympy.matrices.utilities import dotprodsimp

        with dotprodsimp(False):
            m = self.sp.Matrix(x)
            inverse = m.adjugate(method="berkowitz") / m.det(method="berkowitz")
        return np.array(inverse.tolist(), dtype=object).reshape(x.shape)

    def det(self, x):
        from sympy.matrices.utilities import dotprodsimp

        with dotprodsimp(False):
            return self.asarray(self.sp.Matrix(x).det(method="berkowitz"))

    def logabsdet(self, x):
        return self.asarray(self.sp.log(self.sp.Abs(self.det(x)[()])))

    def stop_max(self, x, axis):
        return self.sp.Integer(0)

    def max_entry(self, v):
        relu = ELEMENTWISE["relu"].symbolic
        flat = list(np.ravel(v))
        best = flat[0]
        for entry in flat[1:]:
            best = best + relu(entry - best)  # max(a, b) = a + relu(b - a)
        return best

    def family(self, name: str):
        """SymPy functions h, h', h'', ... for a declared function, each the
        derivative of the one before."""
        if name not in self._families:
            sp = self.sp
            names = [name] + [f"{name}{chr(39) * k}" for k in range(1, 7)]
            classes = [type(n, (sp.Function,), {"nargs": 1, "is_real": True}) for n in names]
            for k in range(len(classes) - 1):
                classes[k].fdiff = (lambda nxt: lambda self, argindex=1: nxt(self.args[0]))(
                    classes[k + 1])
            self._families[name] = classes
        return self._families[name]

    def function(self, name, order, x):
        return self._map(self.family(name)[order], x)

    def hessian(self, ev, body, variables):
        value = ev.value(body)[()]
        entries = [ev.values[name][position] for name, position in variables]
        out = np.empty((len(entries), len(entries)), dtype=object)
        for i, a in enumerate(entries):
            first = self.sp.diff(value, a)
            for j, b in enumerate(entries):
                out[i, j] = self.sp.diff(first, b)
        return out

    def grad(self, ev, body, name):
        value = ev.value(body)[()]
        wrt = ev.values[name]
        out = np.empty(wrt.shape, dtype=object)
        for position in np.ndindex(wrt.shape):
            out[position] = self.sp.diff(value, wrt[position])
        return out
