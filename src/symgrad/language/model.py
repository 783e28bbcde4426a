"""The validated model of a claim file: symbols, definitions, claims (data only).

:mod:`symgrad.language.build` makes it from a :class:`~symgrad.language.claimfile.ClaimFile`:
declarations parsed (:mod:`symgrad.language.declare`), names resolved and shapes inferred
(:mod:`symgrad.language.resolve`), each claim checked by its kind (:mod:`symgrad.language.claims`).
After that every expression is a resolved tree whose leaves are ``symbol``,
``define``, ``dim``, ``index``, ``num`` or ``pi`` nodes and whose inner nodes are
keys of :data:`symgrad.vocabulary.ops.OPS`; every shape is known in named dimensions.  A
shape problem inside an answer is not an error but a wrong answer: it is kept on
the claim as ``answer_problem`` and the claim is refuted with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ClaimError, ExpressionError
from ..vocabulary import shapes
from ..vocabulary.ops import FUNCTIONS
from ..vocabulary.shapes import Shape
from . import claimfile
from . import expressions as language

QUALIFIERS = {"positive", "nonzero", "probability", "binary", "onehot", "sign", "symmetric",
              "invertible", "spd", "orthogonal"}
RESERVED = set(FUNCTIONS) | {"pi", "diff", "sum", "function", "scalar", "vector", "matrix"}
MAX_FIXED_DIM = 16


@dataclass(frozen=True)
class Symbol:
    name: str
    shape: Shape
    qualifiers: frozenset[str] = frozenset()
    is_function: bool = False
    random: tuple[str, str] | None = None  # normal(mean, variance): their expression texts


@dataclass
class Claim:
    name: str
    kind: str
    line: int | None
    fields: dict
    exprs: dict[str, language.Node] = field(default_factory=dict)
    wrt: str | None = None
    wrt_list: tuple[str, ...] = ()  # a Hessian with respect to a list of scalars
    at: dict[str, language.Node] = field(default_factory=dict)  # a value claim's point
    sizes: dict[str, int] = field(default_factory=dict)  # a value claim's sizes
    real_sizes: dict[str, int] = field(default_factory=dict)  # the numeric path's real sizes
    given: list[tuple[language.Node, language.Node]] = field(default_factory=list)
    upstream: Symbol | None = None
    introduced: dict[str, Symbol] = field(default_factory=dict)  # upstream G, a certificate's v
    indices: tuple[str, ...] | None = None
    index_dims: dict[str, shapes.Dim] = field(default_factory=dict)
    expected_shape: Shape = ()
    answer_problem: str | None = None
    error: ClaimError | None = None
    uses: list[str] = field(default_factory=list)  # the symbols the claim depends on
    dims: list[str] = field(default_factory=list)  # the dimensions those symbols use
    dim_constraints: list = field(default_factory=list)  # dimension expressions (n - k + 1)
    readings: list[tuple[str, str]] = field(default_factory=list)  # a LaTeX * read both ways

    @property
    def answer_field(self) -> str:
        return {"equal": "rhs", "psd": "certificate", "convergence": "constant"}.get(
            self.kind, "answer")

    def variables(self, values: dict) -> list[tuple[str, tuple[int, ...]]]:
        """The entries differentiated with respect to: (symbol name, position) pairs."""
        if self.wrt_list:
            return [(name, ()) for name in self.wrt_list]
        return [(self.wrt, position) for position in np.ndindex(values[self.wrt].shape)]


class ByNode(dict):
    """A table keyed by node identity, ``id(node) -> value`` (a resolved node is not hashable
    by value).  It keeps each node alive, so that no other node can take its id, and it
    survives pickling (a worker process receives models pickled, where ids change)."""

    def __init__(self, pairs=()):
        super().__init__()
        self._nodes: dict[int, language.Node] = {}
        for node, value in pairs:
            self.put(node, value)

    def put(self, node, value) -> None:
        self[id(node)] = value
        self._nodes[id(node)] = node

    def __reduce__(self):
        return ByNode, ([(self._nodes[key], value) for key, value in self.items()],)


@dataclass
class Model:
    path: str
    title: str
    source: str
    symbols: dict[str, Symbol] = field(default_factory=dict)
    defines: dict[str, language.Node] = field(default_factory=dict)
    define_shapes: dict[str, Shape] = field(default_factory=dict)
    dims: list[str] = field(default_factory=list)
    min_sizes: dict[str, int] = field(default_factory=dict)
    sum_ranges: ByNode = field(default_factory=ByNode)  # id(isum node) -> dimension
    node_shapes: ByNode = field(default_factory=ByNode)  # id(resolved node) -> shape
    moments: dict[str, tuple] = field(default_factory=dict)  # random symbol -> (mean, variance)
    claims: list[Claim] = field(default_factory=list)
    error: ClaimError | None = None
    raw: claimfile.ClaimFile | None = None  # what it was built from (to build variants)


def symbols_in(model: Model, node) -> list[str]:
    names, pending, seen = [], [node], set()
    while pending:
        for inner in pending.pop().walk():
            if inner.op in ("symbol", "apply") and inner.name not in names:
                names.append(inner.name)
            elif inner.op == "define" and inner.name not in seen:
                seen.add(inner.name)
                pending.append(model.defines[inner.name])
    return names


def nesting(model: Model, claim: Claim, ops) -> int:
    """How deeply applications of ``ops`` nest in the claim's expressions (through its
    definitions): 2 for tanh(W @ tanh(V @ x)) with ops {"tanh"}."""

    def depth(node, seen) -> int:
        if id(node) not in seen:
            inner = node.args + ((model.defines[node.name],) if node.op == "define" else ())
            seen[id(node)] = max((depth(a, seen) for a in inner), default=0) + (node.op in ops)
        return seen[id(node)]

    seen: dict = {}
    return max((depth(node, seen) for node in claim.exprs.values()), default=0)


def located_error(exc: ExpressionError, text, **where) -> ClaimError:
    """The error of an expression, at its place in the file, with a caret under the column."""
    message, column = exc.message, getattr(exc, "column", None)
    shown = text.strip() if isinstance(text, str) else ""
    if column is not None and shown and column <= len(shown) and \
            not any(ord(char) < 32 for char in shown):
        start = max(0, column - 40)  # a long expression: 40 characters either side
        window = shown[start:column + 40]
        before = "…" if start else ""
        after = "…" if column + 40 < len(shown) else ""
        message += f"\n    {before}{window}{after}\n    {' ' * (column - start + len(before))}^"
    return ClaimError(message, hint=getattr(exc, "hint", None), **where)
