"""Text of one expression -> a tree of :class:`Node` (no SymPy, nothing run).

Claim files are untrusted input, so an expression is parsed by Python's
``ast`` module and then walked node by node: only the constructs of the
expression language are accepted and everything else (attribute access other
than ``.T``, strings, lambdas, comprehensions, keyword tricks, ...) is refused
with the column where it stands.  Nothing from the file is ever evaluated.

A Node's ``op`` is either a leaf kind (``num``, ``name``) or the key of an
operation in :data:`symgrad.vocabulary.ops.OPS` (``add``, ``matmul``, ``softmax``, ...).
Names are resolved to symbols, definitions, dimensions or indices later, by
the model, which knows the declarations.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..errors import ExpressionError
from ..limits import MAX_EXPONENT, MAX_EXPRESSION_CHARS, MAX_LITERAL, MAX_NESTING
from . import habits

BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
          ast.Pow: "pow", ast.MatMult: "matmul", ast.FloorDiv: "floordiv"}
BINARY_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
                 "floordiv": "//"}


@dataclass(frozen=True, eq=False)
class Node:
    """One node of an expression tree.

    op: ``num`` (name holds the literal text), ``name`` (an identifier),
    ``apply`` (a declared function ``name`` or its derivative of ``order``),
    ``equation`` (``lhs == rhs``), or an operation key of the ops table.
    kwargs: keyword arguments as (key, Node) pairs, e.g. ``axis``.
    col: 0-based column in the expression text, for messages.
    """

    op: str
    args: tuple[Node, ...] = ()
    name: str | None = None
    kwargs: tuple[tuple[str, Node], ...] = ()
    order: int = 0
    col: int = 0

    def __getstate__(self):
        """A node pickled without what the engine caches on it (``_free``, ``_dim``)."""
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}

    def kwarg(self, key: str) -> Node | None:
        return dict(self.kwargs).get(key)

    def walk(self):
        """This node and every node below it, parents first."""
        yield self
        for arg in self.args:
            yield from arg.walk()
        for _, value in self.kwargs:
            yield from value.walk()


def parse(text: str, *, equations: bool = False) -> Node:
    """Parse one expression of the language; raise ExpressionError if it is not one."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression in a string, got {type(text).__name__}",
                              hint='write it in quotes, e.g. "x.T @ B @ x"')
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"the expression is longer than symgrad's limit of "
                              f"{MAX_EXPRESSION_CHARS} characters",
                              hint="split it with named intermediates in [define]")
    text = text.strip()
    deepest = _nesting(text)
    if deepest > MAX_NESTING:
        raise ExpressionError(f"the expression is nested too deeply: brackets {deepest} deep, "
                              f"beyond symgrad's limit of {MAX_NESTING}",
                              hint="name inner parts in [define]")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(exc, text) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is nested too deeply",
                              hint="name inner parts in [define]") from None
    return _Converter(equations, text).convert(tree.body, 0)


def _index_expression(node: Node) -> bool:
    if node.op == "num":
        return "." not in node.name
    if node.op in ("add", "sub", "mul", "neg"):
        return all(_index_expression(a) for a in node.args)
    return node.op == "name"


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _syntax_error(exc: SyntaxError, text: str) -> ExpressionError:
    """Python's complaint, with a hint for the spellings users bring from elsewhere."""
    column = (exc.offset or 1) - 1 if (exc.lineno or 1) == 1 else None
    if "'" in text:
        return ExpressionError("' is not part of the expression language", text.index("'"),
                               hint="write X.T for a transpose and diff(h)(z) for a "
                                    "derivative")
    if "lambda" in text.split():
        return ExpressionError("lambda is a Python keyword and cannot be a name",
                               text.index("lambda"), hint="name the symbol lam")
    return ExpressionError(f"not a valid expression ({exc.msg})", column)


class _Converter:
    def __init__(self, equations: bool, text: str = ""):
        self.equations = equations
        self.text = text

    def convert(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_NESTING:
            raise ExpressionError("the expression is nested too deeply", node.col_offset,
                                  hint="name inner parts in [define]")
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise ExpressionError(f"{_describe(node)} is not part of the expression language",
                                  getattr(node, "col_offset", None),
                                  hint="use + - * / ** @, .T, indexing, numbers, lists and "
                                       "the functions listed in the README")
        return method(node, depth + 1)

    def visit_BinOp(self, node: ast.BinOp, depth: int) -> Node:
        op = BINARY.get(type(node.op))
        if op is None:
            hint = "write ** for a power" if isinstance(node.op, ast.BitXor) else \
                "use + - * / ** or @"
            symbol = {ast.BitXor: "^", ast.BitOr: "|", ast.BitAnd: "&", ast.Mod: "%",
                      ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>"}.get(
                          type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {symbol} is not part of the expression language",
                                  self._operator_column(node, symbol), hint=hint)
        if op == "pow":
            self._check_exponent(node)
        return Node(op, (self.convert(node.left, depth), self.convert(node.right, depth)),
                    col=node.col_offset)

    def _operator_column(self, node: ast.BinOp, symbol: str) -> int:
        """Where the operator stands: between its operands (ast gives no column of its own)."""
        if node.left.end_lineno == node.right.lineno == 1:
            found = self.text.find(symbol, node.left.end_col_offset, node.right.col_offset)
            if found >= 0:
                return found
        return node.col_offset

    def _check_exponent(self, node: ast.BinOp) -> None:
        """A constant exponent beyond the limit is refused before anything expands it."""
        exponent = _constant(node.right)
        if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
            raise ExpressionError(f"the exponent is beyond symgrad's limit of {MAX_EXPONENT}",
                                  node.right.col_offset,
                                  hint="symgrad checks claims with powers up to "
                                       f"x ** {MAX_EXPONENT}")

    def visit_UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        operand = self.convert(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return Node("neg", (operand,), col=node.col_offset)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExpressionError(f"unary {type(node.op).__name__} is not supported", node.col_offset,
                              hint="only unary minus and plus are")

    def visit_Constant(self, node: ast.Constant, depth: int) -> Node:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"the literal {value!r} is not a number", node.col_offset,
                                  hint="numbers are integers or decimals such as 4.52e-6")
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            raise ExpressionError("numbers must be finite", node.col_offset)
        if abs(value) > MAX_LITERAL:
            raise ExpressionError(f"the number is too large: beyond symgrad's limit of "
                                  f"{MAX_LITERAL:g}", node.col_offset,
                                  hint="write it as a named scalar")
        return Node("num", name=repr(value), col=node.col_offset)

    def visit_Name(self, node: ast.Name, depth: int) -> Node:
        if node.id.startswith("_"):
            raise ExpressionError(f"names may not start with an underscore: {node.id!r}",
                                  node.col_offset)
        return Node("name", name=node.id, col=node.col_offset)

    def visit_Attribute(self, node: ast.Attribute, depth: int) -> Node:
        if isinstance(node.value, ast.Name) and node.value.id in habits.PREFIXES:
            raise ExpressionError(f"{node.value.id}.{node.attr} is not part of the expression "
                                  "language", node.col_offset,
                                  hint=f"drop the {node.value.id}. prefix: the functions are "
                                       f"symgrad's own, e.g. {node.attr}(x)")
        if node.attr != "T":
            raise ExpressionError(f"attribute access .{node.attr} is not allowed", node.col_offset,
                                  hint=habits.METHODS.get(node.attr,
                                                          "the only attribute is .T, the "
                                                          "transpose"))
        return Node("transpose", (self.convert(node.value, depth),), col=node.col_offset)

    def visit_Subscript(self, node: ast.Subscript, depth: int) -> Node:
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = []
        for item in items:
            if isinstance(item, ast.Slice):
                raise ExpressionError("slices are not supported", node.col_offset,
                                      hint="index single entries, e.g. A[i, j] or x[0]")
            index = self.convert(item, depth)
            if not _index_expression(index):
                raise ExpressionError("an index is an index name, a whole number, or + - * of "
                                      "them (x[i + a])",
                                      getattr(item, "col_offset", node.col_offset))
            indices.append(index)
        return Node("getitem", (self.convert(node.value, depth), *indices), col=node.col_offset)

    def visit_List(self, node: ast.List, depth: int) -> Node:
        if not node.elts:
            raise ExpressionError("empty list", node.col_offset)
        return Node("list", tuple(self.convert(e, depth) for e in node.elts), col=node.col_offset)

    def visit_Compare(self, node: ast.Compare, depth: int) -> Node:
        if not self.equations or len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq):
            raise ExpressionError("comparisons are not part of expressions", node.col_offset,
                                  hint="only equations in a `given` list use ==")
        return Node("equation", (self.convert(node.left, depth),
                                 self.convert(node.comparators[0], depth)), col=node.col_offset)

    def visit_Call(self, node: ast.Call, depth: int) -> Node:
        if any(kw.arg is None for kw in node.keywords) or any(
                isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError("* and ** arguments are not allowed", node.col_offset)
        func = node.func
        for keyword in node.keywords:
            if keyword.arg in habits.KEYWORDS:
                raise ExpressionError(f"{keyword.arg}= is not a keyword of symgrad's functions",
                                      keyword.value.col_offset, hint=habits.KEYWORDS[keyword.arg])
        if isinstance(func, ast.Attribute):  # np.exp(x), X.dot(Y): refused with a hint
            if isinstance(func.value, ast.Name) and func.value.id in habits.PREFIXES:
                self.visit_Attribute(func, 0)
            raise ExpressionError("only named functions can be called", node.col_offset,
                                  hint=habits.METHODS.get(func.attr,
                                                          "e.g. tr(X), softmax(z), diff(h)(z)"))
        if not isinstance(func, ast.Name | ast.Call):
            raise ExpressionError("only named functions can be called", node.col_offset,
                                  hint="e.g. tr(X), softmax(z), diff(h)(z)")
        if isinstance(func, ast.Name) and func.id.startswith("_"):
            raise ExpressionError(f"unknown function {func.id!r}", node.col_offset,
                                  hint="names starting with _ are not part of the language")
        args = tuple(self.convert(a, depth) for a in node.args)
        kwargs = tuple((kw.arg, self.convert(kw.value, depth)) for kw in node.keywords)
        if isinstance(func, ast.Call):  # diff(h)(z), diff(h, 2)(z)
            return self._derivative_call(func, args, kwargs, node.col_offset)
        return Node("call", args, name=func.id, kwargs=kwargs, col=node.col_offset)

    def _derivative_call(self, func: ast.Call, args, kwargs, col) -> Node:
        inner = func.func
        if not (isinstance(inner, ast.Name) and inner.id == "diff") or func.keywords:
            raise ExpressionError("only diff(h)(z) and diff(h, k)(z) can be called this way", col)
        if not func.args or len(func.args) > 2 or not isinstance(func.args[0], ast.Name):
            raise ExpressionError("diff takes a declared function and an optional order, "
                                  "e.g. diff(h)(z) or diff(h, 2)(z)", col)
        order = 1
        if len(func.args) == 2:
            raw = func.args[1]
            if not (isinstance(raw, ast.Constant) and type(raw.value) is int
                    and 1 <= raw.value <= 4):
                raise ExpressionError("the order of diff(h, k) is a whole number from 1 to 4", col)
            order = raw.value
        if kwargs or len(args) != 1:
            raise ExpressionError(f"diff({func.args[0].id}) takes one argument", col)
        return Node("apply", args, name=func.args[0].id, order=order, col=col)


def _constant(node: ast.AST) -> float | None:
    """The value of a constant exponent written with numbers and + - * / **, computed in
    floats (an overflow is infinite), or None if it depends on a name."""
    try:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and \
                not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = _constant(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            left, right = _constant(node.left), _constant(node.right)
            if left is None or right is None:
                return None
            op = BINARY[type(node.op)]
            if op == "pow":
                if abs(right) > MAX_EXPONENT:
                    return float("inf")
                return float(abs(left) ** right) if left else 0.0
            return {"add": left + right, "sub": left - right, "mul": left * right,
                    "div": left / right if right else float("inf"),
                    "matmul": left * right}[op]
    except (OverflowError, ZeroDivisionError, RecursionError):
        return float("inf")
    return None


def _describe(node: ast.AST) -> str:
    names = {"Lambda": "a lambda", "JoinedStr": "an f-string", "ListComp": "a comprehension",
             "GeneratorExp": "a generator", "IfExp": "a conditional", "BoolOp": "and/or",
             "Dict": "a dict", "Set": "a set", "Tuple": "a bare tuple", "Starred": "*unpacking",
             "NamedExpr": "an assignment", "Await": "await", "Yield": "yield"}
    return names.get(type(node).__name__, type(node).__name__)


# --- trees back to text ----------------------------------------------------------------------

ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1  # how tightly each form binds
ASSOCIATIVE = {"add", "mul", "matmul"}
#: a @ (b @ c) prints as a @ b @ c, and a * (b * c / d) as a * b * c / d; but never
#: a @ (c * B @ x) as a @ c * B @ x, which reads ((a @ c) * B) @ x.
CHAINS = {"mul": {"mul", "div"}, "matmul": {"matmul"}}


def _left_spine(node: Node) -> set[str]:
    """The product operators down the left side of a chain of products."""
    ops = set()
    while node.op in ("mul", "div", "matmul"):
        ops.add(node.op)
        node = node.args[0]
    return ops


def unparse(node: Node, exact: bool = False) -> str:
    """The expression language text of a tree (parsed or resolved), with only the brackets
    it needs: parsing it again gives the same value.  With ``exact``, a product chained on
    the right keeps its brackets (A @ (v @ R) where A @ v alone would not fit): parsing it
    again gives the same tree."""
    return _text(node, exact)[0]


def _wrap(node: Node, needed: int, same: str | None = None, exact: bool = False) -> str:
    written, level = _text(node, exact)
    if level >= needed or (same is not None and node.op == same and same in ASSOCIATIVE):
        return written
    return f"({written})"


def _text(node: Node, exact: bool = False) -> tuple[str, int]:
    op, args = node.op, node.args
    if op in ("num", "symbol", "define", "dim", "index", "name"):
        return node.name, ATOM
    if op == "pi":
        return "pi", ATOM
    if op in ("add", "sub"):
        right = _wrap(args[1], PRODUCT, op, exact=exact)
        return f"{_wrap(args[0], SUM, exact=exact)} {BINARY_SYMBOL[op]} {right}", SUM
    if op in ("mul", "div", "matmul", "floordiv"):
        right = args[1]
        chained = right.op == op and _left_spine(right) <= CHAINS.get(op, set()) and \
            not (exact and op == "matmul")
        right_text = unparse(right, exact) if chained else _wrap(right, UNARY, exact=exact)
        left = _wrap(args[0], PRODUCT, exact=exact)
        return f"{left} {BINARY_SYMBOL[op]} {right_text}", PRODUCT
    if op == "pow":
        base, power = _wrap(args[0], ATOM, exact=exact), _wrap(args[1], UNARY, exact=exact)
        return f"{base}**{power}", POWER
    if op == "neg":  # -B @ x reads (-B) @ x: the same value, but a product, not an atom
        inner, level = _text(args[0], exact)
        if level < PRODUCT:
            inner, level = f"({inner})", ATOM
        return f"-{inner}", min(level, UNARY)
    if op == "transpose":
        return f"{_wrap(args[0], ATOM, exact=exact)}.T", ATOM
    if op == "getitem":
        indices = ", ".join(unparse(a, exact) for a in args[1:])
        return f"{_wrap(args[0], ATOM, exact=exact)}[{indices}]", ATOM
    if op == "list":
        return "[" + ", ".join(unparse(a, exact) for a in args) + "]", ATOM
    if op == "apply":
        head = node.name if node.order == 0 else (
            f"diff({node.name})" if node.order == 1 else f"diff({node.name}, {node.order})")
        return f"{head}({unparse(args[0], exact)})", ATOM
    if op == "equation":
        return f"{unparse(args[0], exact)} == {unparse(args[1], exact)}", 0
    name = {"isum": "sum", "call": node.name}.get(op, op)
    parts = [unparse(a, exact) for a in args]
    parts += [f"{k}={unparse(v, exact)}" for k, v in node.kwargs]
    return f"{name}({', '.join(parts)})", ATOM
