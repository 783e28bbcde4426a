"""Each claim checked by its kind: its fields resolved, its shapes and introduced symbols."""

from __future__ import annotations

from ..errors import ClaimError, ExpressionError, ShapeMismatch
from ..limits import ENTRIES_AT, MAX_ENTRIES
from ..vocabulary import dims as dims_
from ..vocabulary import shapes
from ..vocabulary.shapes import Shape
from . import claimfile
from . import expressions as language
from .fields import given, loosely_translated, parsed, resolver_for, translated
from .latex import readings
from .model import RESERVED, Claim, Model, Symbol, located_error, symbols_in
from .resolve import Resolver


def build_claim(model: Model, claim: Claim, raw) -> None:
    f = claim.fields
    where = dict(file=model.path, claim=claim.name, line=claim.line)

    def at_field(field_name, exc):
        written = f.get(f"{field_name}_latex", f.get(field_name, ""))
        if f"{field_name}_latex" in f:
            field_name = f"{field_name}_latex"
        return located_error(exc, written, field=field_name,
                        **{**where, "line": raw.line_of(field_name, _raw(raw, claim))})

    def expression(field_name):
        try:
            resolver = resolver_for(model, claim, field_name)
            node, shape = resolver.resolve(parsed(model, claim, field_name))
            resolver.index_ranges({})
        except ExpressionError as exc:
            raise at_field(field_name, exc) from None
        claim.exprs[field_name] = node
        translated(claim, field_name, node)
        return shape

    if claim.kind == "convergence":
        _convergence(model, claim, where, expression, at_field)
        return
    if claim.kind == "equal":
        lhs_shape = expression("lhs")
        _answer(model, claim, lhs_shape, at_field)
        return
    of_shape = expression("of")
    if claim.kind == "expectation":
        _answer(model, claim, of_shape, at_field)
        return
    if claim.kind == "psd":
        _psd(model, claim, of_shape, where, at_field)
        return
    if claim.kind == "value":
        _value_point(model, claim, of_shape, where, at_field)
        return
    if claim.kind == "hessian":
        _answer(model, claim, _hessian_wrt(model, claim, of_shape, where), at_field)
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
    _answer(model, claim, expected, at_field)


def _convergence(model: Model, claim: Claim, where, expression, at_field) -> None:
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
        if given(claim, key) and expression(key):
            raise ClaimError(f"the {key} must be a scalar", field=key, **where,
                             hint="a convergence claim is about a scalar iteration")
    for key in ("iteration", "constant"):
        for name in symbols_in(model, claim.exprs[key]) if key in f else ():
            symbol = model.symbols.get(name)
            if symbol is not None and (symbol.shape or symbol.random):
                raise ClaimError(f"the {key} must be a scalar expression in the variable, but "
                                 f"{name} is {shapes.show(symbol.shape)}", field=key, **where,
                                 hint="a convergence claim is about a scalar iteration; "
                                      "declare the symbols it uses as scalars")
    if "constant" in f and f["variable"] in symbols_in(model, claim.exprs["constant"]):
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


def _psd(model: Model, claim: Claim, of_shape: Shape, where, at_field) -> None:
    """A psd claim: `of` square; the certificate a scalar in a new vector v."""
    if len(of_shape) != 2 or of_shape[0] != of_shape[1]:
        raise ClaimError(f"psd needs a square matrix, but `of` is {shapes.show(of_shape)}",
                         field="of", **where)
    claim.expected_shape = of_shape
    if not given(claim, "certificate"):
        return
    v = Symbol("v", (of_shape[0],))
    declared = model.symbols.get("v")
    if declared is not None and declared.shape != v.shape:
        raise ClaimError(f"a certificate's v is the vector({of_shape[0]}) of the quadratic form, "
                         f"but v is declared {shapes.show(declared.shape)}", field="certificate",
                         **where, hint="rename the declared v")
    claim.introduced["v"] = v
    _answer(model, claim, (), at_field)


def _constant(model: Model, tree: language.Node, want=None):
    """A constant expression (numbers, lists, pi, functions of them) and its shape."""
    resolver = Resolver(model)
    resolver.latex, resolver.wants = True, [want]  # a value's answer may be LaTeX
    node, shape = resolver.resolve(tree)
    for inner in node.walk():
        if inner.op in ("symbol", "define", "dim", "index", "apply"):
            raise ExpressionError("a value must be a constant (numbers and lists)", inner.col)
    return node, shape


def _value_point(model: Model, claim: Claim, of_shape: Shape, where, at_field) -> None:
    """A value claim: its point (`at`), the sizes the point fixes, the answer's shape."""
    for name, text in claim.fields["at"].items():
        symbol = model.symbols.get(name)
        if symbol is None or symbol.is_function:
            raise ClaimError(f"{name!r} is not a declared symbol", field=f"at.{name}", **where,
                             hint=claimfile.suggest(name, model.symbols))
        try:
            node, shape = _constant(model, language.parse(text))
        except ExpressionError as exc:
            raise located_error(exc, text, field=f"at.{name}", **where) from None
        if len(shape) != len(symbol.shape):
            raise ClaimError(f"{name} is {shapes.show(symbol.shape)} but its value is "
                             f"{shapes.show(shape)}", field=f"at.{name}", **where)
        for declared, size in zip(symbol.shape, shape, strict=True):
            bound = claim.sizes.setdefault(declared, size) if isinstance(declared, str) \
                else declared
            if bound != size:
                raise ClaimError(f"the value of {name} makes {declared} = {size}, but another "
                                 f"value made it {bound}", field=f"at.{name}", **where)
        claim.at[name] = node
    missing = [n for n in symbols_in(model, claim.exprs["of"]) if n not in claim.at]
    if missing:
        raise ClaimError(f"no value for {', '.join(missing)}", field="at", **where,
                         hint=f"add {missing[0]} = \"...\" to at")
    expected = tuple(claim.sizes.get(d, d) for d in of_shape)
    try:
        node, shape = _constant(model, parsed(model, claim, "answer"), expected)
    except ShapeMismatch as exc:
        claim.answer_problem = f"the answer cannot be formed: {exc.message}"
        return
    except ExpressionError as exc:
        raise at_field("answer", exc) from None
    claim.exprs["answer"] = node
    translated(claim, "answer", node)
    claim.expected_shape = expected
    if shape != expected:
        claim.answer_problem = (f"the answer is {shapes.show(shape)} but the value is "
                                f"{shapes.show(expected)}")


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


def check_randomness(model: Model, claim: Claim) -> None:
    """Random symbols appear only in expectation claims, and never in their answers."""
    where = dict(file=model.path, claim=claim.name, line=claim.line)
    if claim.kind != "expectation":
        random = [n for n in claim.uses if model.symbols.get(n, Symbol(n, ())).random]
        if random:
            raise ClaimError(f"the random symbol {random[0]} may appear only in expectation "
                             "claims", **where, hint='use kind = "expectation"')
        return
    answer = claim.exprs.get("answer")
    random = [n for n in symbols_in(model, answer) if model.symbols[n].random] if answer else []
    if random:
        raise ClaimError(f"the answer of an expectation uses the random symbol {random[0]}",
                         field="answer", **where, hint="the answer is E[of], free of them")
    if not any(model.symbols.get(n, Symbol(n, ())).random for n in claim.uses):
        raise ClaimError("the expectation is of an expression without random symbols",
                         field="of", **where, hint='declare one, e.g. f = "normal(0, 1)"')


def collect_uses(model: Model, claim: Claim) -> None:
    """The symbols and dimensions a claim depends on (through its definitions too)."""
    names, dims, shapes_seen = [], [], []
    claim.dim_constraints = []
    pending = list(claim.exprs.values()) + [side for pair in claim.given for side in pair]
    seen_defines = set()

    def add_dim(dim):
        if isinstance(dim, dims_.Expr):
            if dim not in claim.dim_constraints:
                claim.dim_constraints.append(dim)
            for name in dim.names:
                add_dim(name)
        elif isinstance(dim, str) and dim not in dims:
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
            shape = model.node_shapes.get(id(node), ())
            shapes_seen.append(shape)
            for dim in shape:
                add_dim(dim)
    symbols = {**model.symbols, **claim.introduced}
    claim.uses = [n for n in names if n in symbols]
    claim.uses += [n for n in claim.introduced if n not in claim.uses]
    for name in claim.uses:
        shapes_seen.append(symbols[name].shape)
        for dim in symbols[name].shape:
            add_dim(dim)
    for dim in claim.index_dims.values():
        add_dim(dim)
    claim.dims = [d for d in model.dims if d in dims]
    _check_entries(model, claim, shapes_seen)


def _check_entries(model: Model, claim: Claim, shapes_seen) -> None:
    """No array of the claim may be huge (kron(kron(X, X), X) of a matrix(16, 16)): counted
    with every named dimension at ENTRIES_AT, before any work."""
    sizes = {d: ENTRIES_AT for d in claim.dims}
    for shape in shapes_seen:
        count = dims_.entries(shape, sizes)
        if count > MAX_ENTRIES:
            raise ClaimError(f"an array of shape {shapes.show(shape)} has {count:,} entries at "
                             f"size {ENTRIES_AT}, beyond symgrad's limit of {MAX_ENTRIES:,}",
                             file=model.path, claim=claim.name, line=claim.line,
                             hint="check it with smaller (or named) dimensions")


def _read_answer(model: Model, claim: Claim, field_name: str, want, at_field):
    """The answer resolved; a LaTeX * that reads both ways makes two readings of the claim
    (``claim.readings``, each decided), and the first is the claim's own."""
    indices = claim.fields.get("indices")

    def attempt(star=None):
        resolver = resolver_for(model, claim, field_name, claim.introduced, indices, want, star)
        return (resolver, *resolver.resolve(parsed(model, claim, field_name)))

    try:
        return attempt()
    except readings.Ambiguous:
        pass
    except ShapeMismatch:
        raise
    except ExpressionError as exc:
        raise at_field(field_name, exc) from None
    found, problem = [], None
    for star in readings.STAR_READINGS:
        try:
            found.append((star, attempt(star)))
        except ShapeMismatch as exc:
            problem = exc
    if not found:
        raise problem
    if len(found) == 2:  # else only one reading can be formed: it is the answer
        claim.readings = [(star, language.unparse(node, exact=True))
                          for star, (_, node, _) in found]
    return found[0][1]


def _raw(raw, claim):
    return next((c for c in raw.claims if c.name == claim.name), None)


def _answer(model: Model, claim: Claim, expected: Shape, at_field) -> None:
    """Resolve the answer (rhs); a shape problem in it refutes the claim."""
    field_name = claim.answer_field
    indices = claim.fields.get("indices")
    claim.expected_shape = expected
    if not given(claim, field_name):  # a question: the answer is derived (derivation.reverse)
        if indices is not None and len(indices) != len(expected):
            raise ClaimError(f"indices names {len(indices)} axes but the answer has "
                             f"{len(expected)} ({shapes.show(expected)})", file=model.path,
                             claim=claim.name, field="indices", line=claim.line)
        return
    want = None if indices else expected
    try:
        resolver, node, shape = _read_answer(model, claim, field_name, want, at_field)
    except ShapeMismatch as exc:
        claim.answer_problem = f"the {field_name} cannot be formed: {exc.message}"
        loosely_translated(model, claim, field_name)
        return
    claim.exprs[field_name] = node
    translated(claim, field_name, node)
    if indices is None:
        try:
            resolver.index_ranges({})
        except ShapeMismatch as exc:
            claim.answer_problem = exc.message
            return
        except ExpressionError as exc:
            raise at_field(field_name, exc) from None
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
        raise at_field(field_name, exc) from None
