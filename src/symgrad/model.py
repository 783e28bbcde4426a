"""ClaimFile -> :class:`Model`: declarations parsed, names resolved, shapes inferred.

After this stage every expression is a resolved tree whose leaves are
``symbol``, ``define``, ``dim``, ``index``, ``num`` or ``pi`` nodes and whose
inner nodes are keys of :data:`symgrad.ops.OPS`; every shape is known in named
dimensions.  Nothing here computes a value; problems become ClaimErrors.  A
shape problem inside an answer is not an error but a wrong answer: it is kept
on the claim as ``answer_problem`` and the claim is refuted with it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from . import claimfile, language, shapes
from .errors import ClaimError, ExpressionError, ShapeMismatch
from .ops import FUNCTIONS, INTERNAL, OPS
from .shapes import Shape

QUALIFIERS = {"positive", "nonzero", "probability", "binary", "onehot", "symmetric"}
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

    @property
    def answer_field(self) -> str:
        return {"equal": "rhs", "psd": "certificate", "convergence": "constant"}.get(
            self.kind, "answer")

    def variables(self, values: dict) -> list[tuple[str, tuple[int, ...]]]:
        """The entries differentiated with respect to: (symbol name, position) pairs."""
        if self.wrt_list:
            return [(name, ()) for name in self.wrt_list]
        return [(self.wrt, position) for position in np.ndindex(values[self.wrt].shape)]


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
    sum_ranges: dict[int, shapes.Dim] = field(default_factory=dict)  # id(isum node) -> dimension
    moments: dict[str, tuple] = field(default_factory=dict)  # random symbol -> (mean, variance)
    claims: list[Claim] = field(default_factory=list)
    error: ClaimError | None = None
    raw: claimfile.ClaimFile | None = None  # what it was built from (to build variants)


def build(raw: claimfile.ClaimFile) -> Model:
    model = Model(path=raw.path, title=raw.title, source=raw.source, raw=raw)
    if raw.error:
        model.error = raw.error
        model.claims = [Claim(c.name, c.kind, c.line, c.fields) for c in raw.claims]
        return model
    try:
        for name, text in raw.symbols.items():
            _declare(model, name, text, raw)
        _resolve_moments(model, raw)
        for name, text in raw.define.items():
            _define(model, name, text, raw)
    except ClaimError as exc:
        model.error = exc
    for raw_claim in raw.claims:
        claim = Claim(raw_claim.name, raw_claim.kind, raw_claim.line, raw_claim.fields)
        claim.error = raw_claim.error
        if claim.error is None and model.error is None:
            try:
                _build_claim(model, claim, raw)
                _collect_uses(model, claim)
                _check_randomness(model, claim)
            except ClaimError as exc:
                claim.error = exc
        model.claims.append(claim)
    return model


# --- declarations ---------------------------------------------------------------

def _declare(model: Model, name: str, text: str, raw) -> None:
    where = dict(file=model.path, field=f"symbols.{name}", line=raw.line_of(name))
    _check_new_name(model, name, where)
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        tree = None
    if isinstance(tree, ast.Name):
        head, args = tree.id, []
    elif isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.keywords:
        head, args = tree.func.id, tree.args
    else:
        raise ClaimError(f"bad declaration {text!r}", **where, hint=_DECLARATION_HINT)
    if head == "normal":
        _declare_normal(model, name, text, args, where)
        return
    arity = {"scalar": 0, "vector": 1, "matrix": 2, "function": 0}
    if head not in arity:
        hint = claimfile.suggest(head, arity)
        raise ClaimError(f"unknown declaration {head!r}", **where,
                         hint=hint or _DECLARATION_HINT)
    dims: list[shapes.Dim] = []
    qualifiers: set[str] = set()
    for arg in args:
        if isinstance(arg, ast.Name) and arg.id in QUALIFIERS:
            qualifiers.add(arg.id)
        elif qualifiers:
            raise ClaimError("dimensions come before qualifiers", **where,
                             hint="e.g. matrix(n, n, symmetric)")
        elif isinstance(arg, ast.Name) and len(dims) == arity[head]:
            raise ClaimError(f"unknown qualifier {arg.id!r}", **where,
                             hint=claimfile.suggest(arg.id, QUALIFIERS) or
                             f"qualifiers: {', '.join(sorted(QUALIFIERS))}")
        elif isinstance(arg, ast.Name):
            dims.append(_dimension_name(model, arg.id, where))
        elif isinstance(arg, ast.Constant) and type(arg.value) is int:
            if not 1 <= arg.value <= MAX_FIXED_DIM:
                raise ClaimError(f"a fixed dimension must be from 1 to {MAX_FIXED_DIM}, got "
                                 f"{arg.value}", **where,
                                 hint="name the dimension (e.g. n) so it may take any size")
            dims.append(arg.value)
        else:
            raise ClaimError(f"bad dimension in {text!r}", **where,
                             hint="a dimension is a name or a whole number")
    if len(dims) != arity[head]:
        raise ClaimError(f"{head} takes {arity[head]} dimension(s), got {len(dims)}", **where,
                         hint=_DECLARATION_HINT)
    if head == "function" and qualifiers:
        raise ClaimError("a function takes no qualifiers", **where)
    if "onehot" in qualifiers and head != "vector":
        raise ClaimError("onehot applies to a vector", **where, hint="e.g. vector(K, onehot)")
    if "symmetric" in qualifiers and (head != "matrix" or dims[0] != dims[1]):
        raise ClaimError("symmetric applies to a square matrix", **where,
                         hint="e.g. matrix(n, n, symmetric)")
    model.symbols[name] = Symbol(name, tuple(dims), frozenset(qualifiers), head == "function")


def _declare_normal(model: Model, name: str, text: str, args, where) -> None:
    """normal(mean, variance[, n[, m]]): independent normal entries; mean and variance are
    scalar expressions of other symbols (resolved once every symbol is declared)."""
    if not 2 <= len(args) <= 4:
        raise ClaimError("normal takes a mean, a variance and up to two dimensions", **where,
                         hint='e.g. "normal(0, sigma**2)" or "normal(1, s**2, n)"')
    mean, variance = (ast.get_source_segment(text.strip(), a) for a in args[:2])
    dims = []
    for arg in args[2:]:
        if isinstance(arg, ast.Name):
            dims.append(_dimension_name(model, arg.id, where))
        elif isinstance(arg, ast.Constant) and type(arg.value) is int and \
                1 <= arg.value <= MAX_FIXED_DIM:
            dims.append(arg.value)
        else:
            raise ClaimError("bad dimension of normal(...)", **where,
                             hint="a dimension is a name or a whole number")
    model.symbols[name] = Symbol(name, tuple(dims), random=(mean, variance))


def _resolve_moments(model: Model, raw) -> None:
    for name, symbol in model.symbols.items():
        if symbol.random is None:
            continue
        where = dict(file=model.path, field=f"symbols.{name}", line=raw.line_of(name))
        resolved = []
        for text in symbol.random:
            try:
                node, shape = Resolver(model).resolve_text(text)
            except ExpressionError as exc:
                raise _located(exc, text, **where) from None
            if shape:
                raise ClaimError(f"the mean and variance of normal(...) are scalars; {text!r} "
                                 f"is {shapes.show(shape)}", **where)
            if any(model.symbols[n].random for n in _symbols_in(model, node)):
                raise ClaimError(f"{text!r} uses a random symbol", **where)
            resolved.append(node)
        model.moments[name] = tuple(resolved)


_DECLARATION_HINT = ('declare scalar, vector(n), matrix(n, m) or function, optionally with '
                     'qualifiers: "matrix(n, n, symmetric)", "vector(K, onehot)"')


def _dimension_name(model: Model, name: str, where) -> str:
    if name in model.symbols or name in RESERVED or name.startswith("_"):
        raise ClaimError(f"{name!r} cannot name a dimension (it is already used)", **where)
    if name not in model.dims:
        model.dims.append(name)
    return name


def _check_new_name(model: Model, name: str, where) -> None:
    if not name.isidentifier() or name.startswith("_"):
        raise ClaimError(f"{name!r} is not a valid name", **where,
                         hint="use letters, digits and _, starting with a letter")
    if name in RESERVED:
        raise ClaimError(f"{name!r} is a function or keyword of the language", **where,
                         hint="choose another name")
    if name in model.symbols or name in model.defines or name in model.dims:
        raise ClaimError(f"{name!r} is declared twice", **where)


def _define(model: Model, name: str, text: str, raw) -> None:
    where = dict(file=model.path, field=f"define.{name}", line=raw.line_of(name))
    _check_new_name(model, name, where)
    try:
        resolver = Resolver(model)
        node, shape = resolver.resolve_text(text)
        resolver.index_ranges({})
    except ExpressionError as exc:
        raise _located(exc, text, **where) from None
    model.defines[name] = node
    model.define_shapes[name] = shape


# --- claims -------------------------------------------------------------------------

def _build_claim(model: Model, claim: Claim, raw) -> None:
    f = claim.fields
    where = dict(file=model.path, claim=claim.name, line=claim.line)

    def located(field_name, exc):
        return _located(exc, f.get(field_name, ""), field=field_name,
                        **{**where, "line": raw.line_of(field_name, _raw(raw, claim))})

    def expression(field_name):
        try:
            resolver = Resolver(model)
            node, shape = resolver.resolve_text(f[field_name])
            resolver.index_ranges({})
        except ExpressionError as exc:
            raise located(field_name, exc) from None
        claim.exprs[field_name] = node
        return shape

    if claim.kind == "convergence":
        _convergence(model, claim, where, expression, located)
        return
    if claim.kind == "equal":
        lhs_shape = expression("lhs")
        _answer(model, claim, lhs_shape, located)
        return
    of_shape = expression("of")
    if claim.kind == "expectation":
        _answer(model, claim, of_shape, located)
        return
    if claim.kind == "psd":
        _psd(model, claim, of_shape, where, located)
        return
    if claim.kind == "value":
        _value_point(model, claim, of_shape, where, located)
        return
    if claim.kind == "hessian":
        _answer(model, claim, _hessian_wrt(model, claim, of_shape, where), located)
        return
    wrt = f["wrt"]
    symbol = model.symbols.get(wrt)
    if symbol is None or symbol.is_function:
        hint = claimfile.suggest(wrt, model.symbols) or "wrt names a symbol from [symbols]"
        raise ClaimError(f"wrt {wrt!r} is not a declared symbol", field="wrt", **where, hint=hint)
    claim.wrt = wrt
    if claim.kind == "gradient":
        if of_shape:
            raise ClaimError(f"the gradient needs a scalar, but `of` is {shapes.show(of_shape)}",
                             field="of", **where, hint="use kind = \"jacobian\" or \"backprop\"")
        expected = symbol.shape
    elif claim.kind == "jacobian":
        if len(of_shape) != 1 or len(symbol.shape) != 1:
            raise ClaimError(f"a Jacobian is of a vector with respect to a vector; here `of` is "
                             f"{shapes.show(of_shape)} and wrt is {shapes.show(symbol.shape)}",
                             field="of", **where,
                             hint="use gradient for a scalar, backprop for matrices")
        expected = of_shape + symbol.shape
    else:  # backprop
        upstream = f["upstream"]
        if not upstream.isidentifier() or upstream in model.symbols or upstream in \
                model.defines or upstream in model.dims or upstream in RESERVED:
            raise ClaimError(f"upstream {upstream!r} must be a new name", field="upstream",
                             **where, hint="e.g. upstream = \"G\"")
        claim.upstream = Symbol(upstream, of_shape)
        claim.introduced[upstream] = claim.upstream
        expected = symbol.shape
    _answer(model, claim, expected, located)


def _convergence(model: Model, claim: Claim, where, expression, located) -> None:
    """A convergence claim: scalar variable and root, scalar iteration, constant, givens."""
    f = claim.fields
    for key in ("variable", "root"):
        symbol = model.symbols.get(f[key])
        if symbol is None or symbol.is_function or symbol.shape or symbol.random:
            raise ClaimError(f"{key} {f[key]!r} must be a declared scalar", field=key, **where,
                             hint=claimfile.suggest(f[key], model.symbols) or
                             f'declare it: {f[key]} = "scalar"')
    if f["variable"] == f["root"]:
        raise ClaimError("the variable and the root must be different symbols", field="root",
                         **where)
    for key in ("iteration", "constant"):
        if key in f and expression(key):
            raise ClaimError(f"the {key} must be a scalar", field=key, **where)
    if "constant" in f and f["variable"] in _symbols_in(model, claim.exprs["constant"]):
        raise ClaimError(f"the constant is a limit: it cannot depend on {f['variable']}",
                         field="constant", **where, hint="write it at the root")
    for k, text in enumerate(f.get("given", [])):
        try:
            equation = language.parse(text, equations=True)
            if equation.op != "equation":
                raise ExpressionError("a given is an equation, e.g. f(r) == 0")
            sides = [Resolver(model).resolve(side) for side in equation.args]
        except ExpressionError as exc:
            raise ClaimError(exc.message, field=f"given[{k}]", **where, hint=exc.hint) from None
        if any(shape for _, shape in sides):
            raise ClaimError("both sides of a given equation are scalars", field=f"given[{k}]",
                             **where)
        claim.given.append((sides[0][0], sides[1][0]))


def _psd(model: Model, claim: Claim, of_shape: Shape, where, located) -> None:
    """A psd claim: `of` square; the certificate a scalar in a new vector v."""
    if len(of_shape) != 2 or of_shape[0] != of_shape[1]:
        raise ClaimError(f"psd needs a square matrix, but `of` is {shapes.show(of_shape)}",
                         field="of", **where)
    claim.expected_shape = of_shape
    if "certificate" not in claim.fields:
        return
    v = Symbol("v", (of_shape[0],))
    declared = model.symbols.get("v")
    if declared is not None and declared.shape != v.shape:
        raise ClaimError(f"a certificate's v is the vector({of_shape[0]}) of the quadratic form, "
                         f"but v is declared {shapes.show(declared.shape)}", field="certificate",
                         **where, hint="rename the declared v")
    claim.introduced["v"] = v
    _answer(model, claim, (), located)


def _constant(model: Model, text: str):
    """A constant expression (numbers, lists, pi, functions of them) and its shape."""
    node, shape = Resolver(model).resolve_text(text)
    for inner in node.walk():
        if inner.op in ("symbol", "define", "dim", "index", "apply"):
            raise ExpressionError("a value must be a constant (numbers and lists)", inner.col)
    return node, shape


def _value_point(model: Model, claim: Claim, of_shape: Shape, where, located) -> None:
    """A value claim: its point (`at`), the sizes the point fixes, the answer's shape."""
    for name, text in claim.fields["at"].items():
        symbol = model.symbols.get(name)
        if symbol is None or symbol.is_function:
            raise ClaimError(f"{name!r} is not a declared symbol", field=f"at.{name}", **where,
                             hint=claimfile.suggest(name, model.symbols))
        try:
            node, shape = _constant(model, text)
        except ExpressionError as exc:
            raise located("at", exc) from None
        if len(shape) != len(symbol.shape):
            raise ClaimError(f"{name} is {shapes.show(symbol.shape)} but its value is "
                             f"{shapes.show(shape)}", field=f"at.{name}", **where)
        for declared, given in zip(symbol.shape, shape, strict=True):
            bound = claim.sizes.setdefault(declared, given) if isinstance(declared, str) \
                else declared
            if bound != given:
                raise ClaimError(f"the value of {name} makes {declared} = {given}, but another "
                                 f"value made it {bound}", field=f"at.{name}", **where)
        claim.at[name] = node
    missing = [n for n in _symbols_in(model, claim.exprs["of"]) if n not in claim.at]
    if missing:
        raise ClaimError(f"no value for {', '.join(missing)}", field="at", **where,
                         hint=f"add {missing[0]} = \"...\" to at")
    try:
        node, shape = _constant(model, claim.fields["answer"])
    except ShapeMismatch as exc:
        claim.answer_problem = f"the answer cannot be formed: {exc.message}"
        return
    except ExpressionError as exc:
        raise located("answer", exc) from None
    claim.exprs["answer"] = node
    expected = tuple(claim.sizes.get(d, d) for d in of_shape)
    claim.expected_shape = expected
    if shape != expected:
        claim.answer_problem = (f"the answer is {shapes.show(shape)} but the value is "
                                f"{shapes.show(expected)}")


def _symbols_in(model: Model, node) -> list[str]:
    names, pending, seen = [], [node], set()
    while pending:
        for inner in pending.pop().walk():
            if inner.op in ("symbol", "apply") and inner.name not in names:
                names.append(inner.name)
            elif inner.op == "define" and inner.name not in seen:
                seen.add(inner.name)
                pending.append(model.defines[inner.name])
    return names


def _hessian_wrt(model: Model, claim: Claim, of_shape: Shape, where) -> Shape:
    """Check a Hessian's `of` and `wrt` (a vector, or a list of scalars); its shape."""
    if of_shape:
        raise ClaimError(f"the Hessian needs a scalar, but `of` is {shapes.show(of_shape)}",
                         field="of", **where)
    wrt = claim.fields["wrt"]
    names = wrt if isinstance(wrt, list) else [wrt]
    for name in names:
        symbol = model.symbols.get(name)
        if symbol is None or symbol.is_function:
            raise ClaimError(f"wrt {name!r} is not a declared symbol", field="wrt", **where,
                             hint=claimfile.suggest(name, model.symbols) or
                             "wrt names a vector, or a list of scalars, from [symbols]")
        if isinstance(wrt, list) and symbol.shape:
            raise ClaimError(f"{name} is {shapes.show(symbol.shape)}; a list in wrt names "
                             "scalars", field="wrt", **where,
                             hint=f'write wrt = "{name}" for the Hessian in a vector')
    if isinstance(wrt, list):
        claim.wrt_list = tuple(wrt)
        return (len(wrt), len(wrt))
    shape = model.symbols[wrt].shape
    if len(shape) != 1:
        raise ClaimError(f"a Hessian is with respect to a vector or a list of scalars; {wrt} "
                         f"is {shapes.show(shape)}", field="wrt", **where,
                         hint='e.g. wrt = "x" or wrt = ["w", "b"]')
    claim.wrt = wrt
    return (shape[0], shape[0])


def _check_randomness(model: Model, claim: Claim) -> None:
    """Random symbols appear only in expectation claims, and never in their answers."""
    where = dict(file=model.path, claim=claim.name, line=claim.line)
    if claim.kind != "expectation":
        random = [n for n in claim.uses if model.symbols.get(n, Symbol(n, ())).random]
        if random:
            raise ClaimError(f"the random symbol {random[0]} may appear only in expectation "
                             "claims", **where, hint='use kind = "expectation"')
        return
    answer = claim.exprs.get("answer")
    random = [n for n in _symbols_in(model, answer) if model.symbols[n].random] if answer else []
    if random:
        raise ClaimError(f"the answer of an expectation uses the random symbol {random[0]}",
                         field="answer", **where, hint="the answer is E[of], free of them")
    if not any(model.symbols.get(n, Symbol(n, ())).random for n in claim.uses):
        raise ClaimError("the expectation is of an expression without random symbols",
                         field="of", **where, hint='declare one, e.g. f = "normal(0, 1)"')


def _collect_uses(model: Model, claim: Claim) -> None:
    """The symbols and dimensions a claim depends on (through its definitions too)."""
    names, dims = [], []
    pending = list(claim.exprs.values()) + [side for pair in claim.given for side in pair]
    seen_defines = set()

    def add_dim(dim):
        if isinstance(dim, str) and dim not in dims:
            dims.append(dim)

    names.extend(filter(None, [claim.wrt, *claim.wrt_list]))
    while pending:
        for node in pending.pop().walk():
            if node.op in ("symbol", "apply") and node.name not in names:
                names.append(node.name)
                pending.extend(model.moments.get(node.name, ()))  # a normal's mean, variance
            elif node.op == "define" and node.name not in seen_defines:
                seen_defines.add(node.name)
                pending.append(model.defines[node.name])
            elif node.op == "dim":
                add_dim(node.name)
            elif node.op == "isum":
                add_dim(model.sum_ranges.get(id(node)))
    symbols = {**model.symbols, **claim.introduced}
    claim.uses = [n for n in names if n in symbols]
    claim.uses += [n for n in claim.introduced if n not in claim.uses]
    for name in claim.uses:
        for dim in symbols[name].shape:
            add_dim(dim)
    for dim in claim.index_dims.values():
        add_dim(dim)
    claim.dims = [d for d in model.dims if d in dims]


def _raw(raw, claim):
    return next((c for c in raw.claims if c.name == claim.name), None)


def _answer(model: Model, claim: Claim, expected: Shape, located) -> None:
    """Resolve the answer (rhs); a shape problem in it refutes the claim."""
    field_name = claim.answer_field
    extra = claim.introduced
    indices = claim.fields.get("indices")
    claim.expected_shape = expected
    resolver = Resolver(model, extra, free_indices=indices)
    try:
        node, shape = resolver.resolve_text(claim.fields[field_name])
    except ShapeMismatch as exc:
        claim.answer_problem = f"the {field_name} cannot be formed: {exc.message}"
        return
    except ExpressionError as exc:
        raise located(field_name, exc) from None
    claim.exprs[field_name] = node
    if indices is None:
        try:
            resolver.index_ranges({})
        except ShapeMismatch as exc:
            claim.answer_problem = exc.message
            return
        except ExpressionError as exc:
            raise located(field_name, exc) from None
        if shape != expected:
            claim.answer_problem = (f"the {field_name} is {shapes.show(shape)} but should be "
                                    f"{shapes.show(expected)}")
        return
    if len(indices) != len(expected):
        raise ClaimError(f"indices names {len(indices)} axes but the answer has "
                         f"{len(expected)} ({shapes.show(expected)})", file=model.path,
                         claim=claim.name, field="indices", line=claim.line)
    if shape:
        claim.answer_problem = (f"an index-form answer is one entry (a scalar), but this one is "
                                f"{shapes.show(shape)}")
        return
    claim.indices = tuple(indices)
    try:
        ranges = resolver.index_ranges(dict(zip(indices, expected, strict=True)))
        claim.index_dims = {index: ranges[index] for index in indices}
    except ShapeMismatch as exc:
        claim.answer_problem = exc.message
    except ExpressionError as exc:
        raise located(field_name, exc) from None


def _located(exc: ExpressionError, text: str, **where) -> ClaimError:
    message = exc.message
    if exc.column is not None and text:
        message += f"\n    {text.strip()}\n    {' ' * exc.column}^"
    return ClaimError(message, hint=exc.hint, **where)


# --- name resolution and shapes ------------------------------------------------------------

class Resolver:
    """Resolves names in one expression and infers its shape (and its index ranges)."""

    def __init__(self, model: Model, extra: dict[str, Symbol] | None = None,
                 free_indices=None):
        self.model = model
        self.extra = extra or {}
        self.free_indices = set(free_indices or ())
        self.bound: list[str] = []
        self.uses: list[tuple[str, shapes.Dim, int]] = []  # (index, dimension, column)
        self.links: list[tuple[str, str]] = []  # delta(i, j)
        self.seen_indices: set[str] = set()
        self.sums: list[tuple[language.Node, str]] = []

    def resolve_text(self, text: str):
        return self.resolve(language.parse(text))

    def resolve(self, node: language.Node):
        if node.op == "num":
            return node, ()
        if node.op == "name":
            return self._name(node)
        if node.op == "apply":
            return self._apply(node)
        if node.op == "call":
            return self._call(node)
        if node.op == "getitem":
            return self._getitem(node)
        op = OPS[node.op]
        args, arg_shapes = self._resolve_all(node.args)
        return self._shaped(op, node, args, arg_shapes)

    def _shaped(self, op, node, args, arg_shapes, kwargs=(), name=None):
        new = language.Node(name or node.op, tuple(args), kwargs=kwargs, col=node.col)
        try:
            shape = op.shape(arg_shapes, new)
        except ExpressionError as exc:
            if exc.column is None:
                exc.column = node.col
            raise
        return new, shape

    def _resolve_all(self, nodes):
        pairs = [self.resolve(n) for n in nodes]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def _name(self, node):
        name = node.name
        symbol = self.extra.get(name) or self.model.symbols.get(name)
        if symbol is not None:
            if symbol.is_function:
                raise ExpressionError(f"{name} is a function; apply it, e.g. {name}(z)", node.col)
            return language.Node("symbol", name=name, col=node.col), symbol.shape
        if name in self.model.defines:
            return language.Node("define", name=name, col=node.col), self.model.define_shapes[name]
        if name in self.model.dims:
            return language.Node("dim", name=name, col=node.col), ()
        if name == "pi":
            return language.Node("pi", col=node.col), ()
        if name in self.free_indices or name in self.bound:
            raise ExpressionError(f"the index {name} can only be used inside [...], delta or sum",
                                  node.col)
        if name in OPS or name == "diff":
            raise ExpressionError(f"{name} is a function; call it, e.g. {name}(...)", node.col)
        known = list(self.model.symbols) + list(self.model.defines) + list(self.extra)
        raise ExpressionError(f"unknown name {name!r}", node.col,
                              hint=claimfile.suggest(name, known) or "declare it in [symbols]")

    def _index(self, node):
        if node.op == "num":
            return node
        name = node.name
        if name in self.model.symbols or name in self.model.defines or name in self.extra or \
                name in self.model.dims or name in RESERVED:
            raise ExpressionError(f"{name!r} is declared, so it cannot be an index", node.col,
                                  hint="use an undeclared name such as i, j, k")
        self.seen_indices.add(name)
        if self.free_indices and name not in self.free_indices and name not in self.bound:
            raise ExpressionError(f"index {name} is neither in `indices` nor summed", node.col,
                                  hint=f"sum over it with sum(..., {name}) or list it in indices")
        if not self.free_indices and name not in self.bound:
            raise ExpressionError(f"index {name} is used outside an index-form answer or a sum",
                                  node.col, hint=f"sum over it with sum(..., {name})")
        return language.Node("index", name=name, col=node.col)

    def _getitem(self, node):
        base, base_shape = self.resolve(node.args[0])
        indices = [self._index(i) for i in node.args[1:]]
        new, shape = self._shaped(OPS["getitem"], node, [base, *indices], [base_shape])
        for dim, index in zip(base_shape, indices, strict=True):
            if index.op == "index":
                self.uses.append((index.name, dim, index.col))
            elif isinstance(dim, str):
                needed = int(index.name) + 1
                self.model.min_sizes[dim] = max(self.model.min_sizes.get(dim, 1), needed)
        return new, shape

    def _apply(self, node):
        symbol = self.model.symbols.get(node.name)
        if symbol is None or not symbol.is_function:
            raise ExpressionError(f"{node.name!r} is not a declared function", node.col,
                                  hint=f'declare it in [symbols]: {node.name} = "function"')
        arg, shape = self.resolve(node.args[0])
        return language.Node("apply", (arg,), name=node.name, order=node.order, col=node.col), shape

    def _call(self, node):
        name = node.name
        symbol = self.model.symbols.get(name)
        if symbol is not None and symbol.is_function:
            if len(node.args) != 1 or node.kwargs:
                raise ExpressionError(f"{name} takes one argument", node.col)
            return self._apply(language.Node("apply", node.args, name=name, col=node.col))
        if name == "sum" and len(node.args) == 2:
            name = "isum"
        if name == "diff":
            raise ExpressionError("diff(h) is a function: apply it, e.g. diff(h)(z) or "
                                  "diff(h, 2)(z)", node.col)
        op = OPS.get(name)
        if op is None or (name in INTERNAL and name != "isum"):
            raise ExpressionError(f"unknown function {node.name!r}", node.col,
                                  hint=claimfile.suggest(node.name, FUNCTIONS) or
                                  "see the README for the functions of the language")
        usage = f"usage: {op.usage}"
        if len(node.args) not in op.arity:
            raise ExpressionError(f"{node.name} takes {' or '.join(map(str, op.arity))} "
                                  f"argument(s), got {len(node.args)}", node.col, hint=usage)
        for key, _ in node.kwargs:
            if key not in op.keywords:
                raise ExpressionError(f"{node.name} has no keyword {key!r}", node.col, hint=usage)
        if name == "isum":
            return self._index_sum(node, op)
        if name == "hessian":
            return self._hessian(node, op)
        args, arg_shapes = [], []
        for position, arg in enumerate(node.args):
            kind = op.kinds[min(position, len(op.kinds) - 1)]
            if kind == "e":
                resolved, shape = self.resolve(arg)
            elif kind == "d":
                resolved, shape = self._dimension(arg), None
                arg_shapes.append(resolved.name if resolved.op == "dim" else int(resolved.name))
                args.append(resolved)
                continue
            elif kind == "i":
                resolved, shape = self._index(self._plain_name(arg, "an index name")), ()
            else:  # "s"
                resolved, shape = self._symbol_arg(arg)
            args.append(resolved)
            arg_shapes.append(shape)
        if name == "delta":
            names = [a.name for a in args if a.op == "index"]
            if len(names) == 2:
                self.links.append((names[0], names[1]))
        return self._shaped(op, node, args, arg_shapes, kwargs=node.kwargs, name=name)

    def _hessian(self, node, op):
        """hessian(expr, x) with a vector x, or hessian(expr, [a, b]) with scalars."""
        body, shape = self.resolve(node.args[0])
        target = node.args[1]
        items = target.args if target.op == "list" else (target,)
        symbols = [self._symbol_arg(item) for item in items]
        if target.op == "list":
            if any(s for _, s in symbols):
                raise ExpressionError("hessian(expr, [a, b]) takes a list of scalars",
                                      target.col)
            wrt = language.Node("list", tuple(s for s, _ in symbols), col=target.col)
            size = len(symbols)
        else:
            wrt, wrt_shape = symbols[0]
            if len(wrt_shape) != 1:
                raise ExpressionError("hessian(expr, x) takes a vector x (or a list of "
                                      "scalars)", target.col)
            size = wrt_shape[0]
        if shape:
            raise ExpressionError(f"hessian needs a scalar expression, got {shapes.show(shape)}",
                                  node.col)
        return language.Node("hessian", (body, wrt), col=node.col), (size, size)

    def _index_sum(self, node, op):
        index = self._plain_name(node.args[1], "an index name")
        if index.name in self.bound or index.name in self.free_indices:
            raise ExpressionError(f"index {index.name} is already in use", index.col)
        self.bound.append(index.name)
        try:
            body, shape = self.resolve(node.args[0])
        finally:
            self.bound.pop()
        self.seen_indices.add(index.name)
        new = language.Node("isum", (body, language.Node("index", name=index.name, col=index.col)),
                            col=node.col)
        self.sums.append((new, index.name))
        return new, shape

    def _plain_name(self, node, what):
        if node.op != "name":
            raise ExpressionError(f"expected {what}", node.col)
        return node

    def _dimension(self, node):
        if node.op == "num" and "." not in node.name and 1 <= int(node.name) <= MAX_FIXED_DIM:
            return node
        if node.op == "name" and node.name in self.model.dims:
            return language.Node("dim", name=node.name, col=node.col)
        raise ExpressionError("expected a dimension name (from a declaration) or a whole "
                              "number", node.col, hint=f"declared dimensions: "
                              f"{', '.join(self.model.dims) or 'none'}")

    def _symbol_arg(self, node):
        if node.op != "name" or node.name not in self.model.symbols or \
                self.model.symbols[node.name].is_function:
            raise ExpressionError("expected a declared symbol", node.col,
                                  hint="grad(expr, X) differentiates with respect to a symbol")
        return language.Node("symbol", name=node.name, col=node.col), \
            self.model.symbols[node.name].shape

    def index_ranges(self, free: dict[str, shapes.Dim]) -> dict[str, shapes.Dim]:
        """The dimension each index runs over; conflicting uses are a ShapeMismatch."""
        parent = {name: name for name in self.seen_indices | set(free)}

        def root(name):
            while parent[name] != name:
                name = parent[name]
            return name

        for a, b in self.links:
            parent[root(a)] = root(b)
        dims: dict[str, tuple[shapes.Dim, str]] = {}
        facts = [(i, d, f"axis {list(free).index(i)} of the answer") for i, d in free.items()]
        facts += [(i, d, "an indexed array") for i, d, _ in self.uses]
        for index, dim, why in facts:
            key = root(index)
            if key in dims and dims[key][0] != dim:
                raise ShapeMismatch(f"index {index} runs over {dims[key][0]} ({dims[key][1]}) "
                                    f"and over {dim} ({why})")
            dims.setdefault(key, (dim, why))
        result = {}
        for index in parent:
            if root(index) not in dims:
                raise ExpressionError(f"cannot tell the range of index {index}",
                                      hint=f"use {index} to index an array, or link it to "
                                           f"another index with delta")
            result[index] = dims[root(index)][0]
        for node, index in self.sums:
            self.model.sum_ranges[id(node)] = result[index]
        return result


def variant(model: Model, claim: Claim, fields: dict | None = None,
            symbols: dict | None = None) -> tuple[Model, Claim]:
    """The model of one claim with some fields (or symbol declarations) replaced: how the
    diagnosis and the mutation test state a corrected or a mutated claim."""
    import copy

    raw = copy.copy(model.raw)
    raw.symbols = {**raw.symbols, **(symbols or {})}
    original = next(c for c in raw.claims if c.name == claim.name)
    raw.claims = [claimfile.RawClaim(original.name, original.kind,
                                     {**original.fields, **(fields or {})}, original.line)]
    new = build(raw)
    return new, new.claims[0]
