"""Symbol declarations ("matrix(n, n, symmetric)", "normal(0, s**2)") and definitions."""

from __future__ import annotations

import ast
import keyword
import unicodedata

from ..errors import ClaimError, ExpressionError, ShapeMismatch
from ..limits import MAX_DECLARATION_CHARS, MAX_NAME_CHARS
from ..vocabulary import dims, shapes
from . import claimfile, habits
from .model import MAX_FIXED_DIM, QUALIFIERS, RESERVED, Model, Symbol, located_error, symbols_in
from .resolve import Resolver


def declare(model: Model, name: str, text: str, raw) -> None:
    where = dict(file=model.path, field=f"symbols.{name}", line=raw.line_of(name))
    check_new_name(model, name, where)
    if len(text) > MAX_DECLARATION_CHARS:
        raise ClaimError(f"the declaration is longer than symgrad's limit of "
                         f"{MAX_DECLARATION_CHARS} characters", **where, hint=_DECLARATION_HINT)
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    if isinstance(tree, ast.Name):
        head, args = tree.id, []
    elif isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.keywords:
        head, args = tree.func.id, tree.args
    else:
        raise ClaimError(f"bad declaration {text.strip()[:60]!r}", **where,
                         hint=_DECLARATION_HINT)
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
        else:
            dims.append(_dimension(model, arg, text, where))
    if len(dims) != arity[head]:
        raise ClaimError(f"{head} takes {arity[head]} dimension(s), got {len(dims)}", **where,
                         hint=_DECLARATION_HINT)
    if head == "function" and qualifiers:
        raise ClaimError("a function takes no qualifiers", **where)
    if "onehot" in qualifiers and head not in ("vector", "matrix"):
        raise ClaimError("onehot applies to a vector or to the rows of a matrix", **where,
                         hint="e.g. vector(K, onehot), matrix(N, K, onehot)")
    exclusive = qualifiers & {"onehot", "sign", "binary", "probability", "positive"}
    if len(exclusive) > 1 and not exclusive <= {"probability", "positive"}:
        raise ClaimError(f"{' and '.join(sorted(exclusive))} cannot hold together", **where,
                         hint="keep the one the values satisfy")
    if "orthogonal" in qualifiers and len(qualifiers) > 1:
        raise ClaimError(f"orthogonal cannot be combined with "
                         f"{', '.join(sorted(qualifiers - {'orthogonal'}))}", **where,
                         hint="declare an orthogonal matrix as matrix(n, n, orthogonal)")
    for square in ("symmetric", "invertible", "spd", "orthogonal"):
        if square in qualifiers and (head != "matrix" or dims[0] != dims[1]):
            raise ClaimError(f"{square} applies to a square matrix", **where,
                             hint=f"e.g. matrix(n, n, {square})")
    if "spd" in qualifiers:  # symmetric positive definite: symmetric, and invertible
        qualifiers = set(qualifiers) | {"symmetric", "invertible"}
    model.symbols[name] = Symbol(name, tuple(dims), frozenset(qualifiers), head == "function")


def _declare_normal(model: Model, name: str, text: str, args, where) -> None:
    """normal(mean, variance[, n[, m]]): independent normal entries; mean and variance are
    scalar expressions of other symbols (resolved once every symbol is declared)."""
    if not 2 <= len(args) <= 4:
        raise ClaimError("normal takes a mean, a variance and up to two dimensions", **where,
                         hint='e.g. "normal(0, sigma**2)" or "normal(1, s**2, n)"')
    mean, variance = (ast.get_source_segment(text.strip(), a) for a in args[:2])
    dims = [_dimension(model, arg, text, where) for arg in args[2:]]
    model.symbols[name] = Symbol(name, tuple(dims), random=(mean, variance))


def resolve_moments(model: Model, raw) -> None:
    for name, symbol in model.symbols.items():
        if symbol.random is None:
            continue
        where = dict(file=model.path, field=f"symbols.{name}", line=raw.line_of(name))
        resolved = []
        for text in symbol.random:
            try:
                node, shape = Resolver(model).resolve_text(text)
            except ExpressionError as exc:
                raise located_error(exc, text, **where) from None
            if shape:
                raise ClaimError(f"the mean and variance of normal(...) are scalars; {text!r} "
                                 f"is {shapes.show(shape)}", **where)
            if any(model.symbols[n].random for n in symbols_in(model, node)):
                raise ClaimError(f"{text!r} uses a random symbol", **where)
            resolved.append(node)
        model.moments[name] = tuple(resolved)


_DECLARATION_HINT = ('declare scalar, vector(n), matrix(n, m) or function, optionally with '
                     'qualifiers: "matrix(n, n, symmetric)", "vector(K, onehot)"')


_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//"}


def _dimension(model: Model, arg, text: str, where) -> shapes.Dim:
    """A dimension: a name, a whole number, or + - * / // of them (``n - k + 1``)."""
    if isinstance(arg, ast.Name):
        return _dimension_name(model, arg.id, where)
    if isinstance(arg, ast.Constant) and type(arg.value) is int:
        if not 1 <= arg.value <= MAX_FIXED_DIM:
            raise ClaimError(f"a fixed dimension must be from 1 to {MAX_FIXED_DIM}, got "
                             f"{arg.value}", **where,
                             hint="name the dimension (e.g. n) so it may take any size")
        return arg.value
    if isinstance(arg, ast.BinOp) and type(arg.op) in _ARITHMETIC:
        left, right = (_operand(model, side, text, where) for side in (arg.left, arg.right))
        try:
            result = dims.combine(_ARITHMETIC[type(arg.op)], left, right)
        except ShapeMismatch as exc:
            raise ClaimError(exc.message, **where) from None
        if isinstance(result, int) and result < 1 or \
                isinstance(result, dims.Expr) and not result.sym.free_symbols:
            raise ClaimError(f"the dimension {ast.unparse(arg)} is not a whole number >= 1",
                             **where)
        return result
    raise ClaimError(f"bad dimension in {text.strip()[:60]!r}", **where,
                     hint="a dimension is a name, a whole number, or arithmetic of them "
                          "(n - k + 1, n*m, H/k, (n - k)//2 + 1)")


def _operand(model: Model, arg, text: str, where) -> shapes.Dim:
    if isinstance(arg, ast.Constant) and type(arg.value) is int and 0 <= arg.value <= 10**6:
        return arg.value  # inside arithmetic a number may be 0 or large: n + 0, H//2
    return _dimension(model, arg, text, where)


def _dimension_name(model: Model, name: str, where) -> str:
    if name in model.symbols or name in RESERVED or name.startswith("_"):
        raise ClaimError(f"{name!r} cannot name a dimension (it is already used)", **where)
    if name not in model.dims:
        model.dims.append(name)
    return name


def check_new_name(model: Model, name: str, where) -> None:
    if len(name) > MAX_NAME_CHARS:
        raise ClaimError(f"the name is longer than {MAX_NAME_CHARS} characters", **where)
    if not name.isidentifier() or name.startswith("_"):
        raise ClaimError(f"{name!r} is not a valid name", **where,
                         hint="use letters, digits and _, starting with a letter")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ClaimError(f"{name!r} is a Python keyword, which expressions cannot use as a "
                         "name", **where, hint=f"name it {habits.keyword_name(name)}")
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:  # Python reads the name in an expression as its NFKC form
        raise ClaimError(f"{name!r} would be read as {folded!r} in expressions (Unicode "
                         "compatibility form)", **where, hint=f"name it {folded}")
    if name in RESERVED:
        raise ClaimError(f"{name!r} is a function or keyword of the language", **where,
                         hint="choose another name")
    if name in model.dims:
        used = next((s.name for s in model.symbols.values() if name in s.shape), None)
        raise ClaimError(f"{name!r} is already a dimension" + (
            f" (in the declaration of {used})" if used else ""), **where,
            hint=f"give it another name, e.g. {name}_ or {name}2")
    if name in model.symbols or name in model.defines:
        raise ClaimError(f"{name!r} is declared twice", **where)


def define(model: Model, name: str, text: str, raw) -> None:
    where = dict(file=model.path, field=f"define.{name}", line=raw.line_of(name))
    check_new_name(model, name, where)
    try:
        resolver = Resolver(model)
        node, shape = resolver.resolve_text(text)
        resolver.index_ranges({})
    except ExpressionError as exc:
        raise located_error(exc, text, **where) from None
    model.defines[name] = node
    model.define_shapes[name] = shape
