r"""An answer written in LaTeX -> a tree of :class:`~symgrad.language.expressions.Node`.

A small recursive-descent grammar over :mod:`symgrad.language.latex.tokens`, as safe as the
expression parser: nothing is evaluated, and anything outside the grammar is an error at
its column with what to write instead.  The tree is the expression language's, plus a few
nodes whose reading depends on shapes, which the resolver settles
(:mod:`symgrad.language.latex.readings`): ``juxt`` (juxtaposition, \cdot), ``star`` (``*``),
``sup`` (a power), ``conv`` (⋆), ``fitones``/``fiteye`` (𝟏 and I of the size that fits),
``column`` (a one-column bmatrix) and ``oneish`` ((1) or [1]).

Names are matched against the claim file's by their parts (:mod:`symgrad.language.names`):
``\mathbf{W}_{1}`` is ``W1``, ``\hat{y}`` is ``yhat`` or ``y_hat`` if one is declared, and
``\lambda`` is ``lam``.  Other subscripts are indices (``V_{ki}`` is ``V[k, i]``, ``x_{0}``
is ``x[0]``).  What the default rules cannot map is looked up in the file's ``[latex]``
table, else it is an error that shows the line to add.
"""

from .grammar import parse
from .naming import Context, written_as_name

__all__ = ["Context", "parse", "written_as_name"]
