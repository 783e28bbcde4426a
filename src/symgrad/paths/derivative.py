"""SymPy's derivative of an explicit entry, each shared subexpression differentiated once.

A deep network's output entry is a tree with most of its subtrees shared (h₁ appears in
every entry of h₂, h₂ in every entry of h₃, …); ``sympy.diff`` walks it as a tree, so its
cost grows with the tree's size, exponentially in the depth.  :class:`Derivatives`
remembers the derivative of each subexpression (and whether it depends on the variable
at all), so each is taken once: the same sum, product, power and chain rules, and
SymPy's own ``diff`` for anything else.  The result is the same expression up to
arrangement; the zero test (:mod:`.fraction`) walks shared subexpressions once too.
"""

from __future__ import annotations

from ..vocabulary.ops import sympy


class Derivatives:
    """d/d``variable`` of SymPy expressions, remembered across calls (one instance per
    variable)."""

    def __init__(self, variable):
        self.variable = variable
        self.sp = sympy()
        self._done: dict = {}
        self._depends: dict = {}

    def of(self, e):
        if e in self._done:
            return self._done[e]
        result = self._rule(e) if self.depends(e) else self.sp.Integer(0)
        self._done[e] = result
        return result

    def depends(self, e) -> bool:
        known = self._depends.get(e)
        if known is None:
            known = e == self.variable if e.is_Atom else any(self.depends(a) for a in e.args)
            self._depends[e] = known
        return known

    def _rule(self, e):
        sp = self.sp
        if e.is_Atom:
            return sp.Integer(1)  # (it is the variable: it depends)
        if e.is_Add:
            return sp.Add(*(self.of(a) for a in e.args))
        if e.is_Mul:
            args = e.args
            terms = []
            for k, a in enumerate(args):
                if self.depends(a):
                    terms.append(sp.Mul(*args[:k], self.of(a), *args[k + 1:]))
            return sp.Add(*terms)
        if e.is_Pow and not self.depends(e.exp):
            return e.exp * e.base ** (e.exp - 1) * self.of(e.base)
        if isinstance(e, self._smooth()):  # f(u)' = f'(u) u' (their fdiff is diff's rule)
            return e.fdiff(1) * self.of(e.args[0])
        return sp.diff(e, self.variable)  # kinks (Abs, sign, Max), generic functions, ...

    def _smooth(self) -> tuple:
        sp = self.sp
        from ..vocabulary.functions import sigmoid

        return (sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.atan, sp.erf,
                sigmoid)
