"""Names resolved and shapes inferred in one expression (the model's :class:`Resolver`)."""

from __future__ import annotations

from ..errors import ExpressionError, ShapeMismatch
from ..vocabulary import dims, shapes
from ..vocabulary.ops import FUNCTIONS, INTERNAL, OPS
from . import claimfile, habits
from . import expressions as language
from .latex import readings
from .model import MAX_FIXED_DIM, RESERVED, Model, Symbol


class Resolver:
    """Resolves names in one expression and infers its shape (and its index ranges)."""

    def __init__(self, model: Model, extra: dict[str, Symbol] | None = None,
                 free_indices=None):
        self.model = model
        self.extra = extra or {}
        self.free_indices = set(free_indices or ())
        self.bound: list[str] = []
        self.scoped: list[tuple[str, str]] = []  # (a sum's index as written, its own name)
        self.summed: set[str] = set()  # index names a sum has bound so far
        self.written: dict[str, str] = {}  # a sum index's own name -> the name written
        self.uses: list[tuple[str, shapes.Dim, int]] = []  # (index, dimension, column)
        self.links: list[tuple[str, str]] = []  # delta(i, j)
        self.seen_indices: set[str] = set()
        self.sums: list[tuple[language.Node, str]] = []
        self.star: str | None = None  # how a LaTeX * between arrays reads, if both fit
        self.wants: list = [None]  # the shape the enclosing LaTeX asks for (𝟏, I fit it)
        self.latex = False  # does the tree come from LaTeX (with nodes settled by shape)?

    def resolve_text(self, text: str):
        return self.resolve(language.parse(text))

    def resolve(self, node: language.Node):
        """The resolved node and its shape (also kept in the model, for printing)."""
        new, shape = self._resolve(node)
        self.model.node_shapes.put(new, shape)
        return new, shape

    def _resolve(self, node: language.Node):
        if self.latex:
            if readings.settles(node):
                return readings.resolve(self, node)
            self.wants.append(None)  # tr(I + B): what the answer's shape asks is not I's
            try:
                return self._resolve_plain(node)
            finally:
                self.wants.pop()
        return self._resolve_plain(node)

    def _resolve_plain(self, node: language.Node):
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
        if node.op == "floordiv":
            try:
                return self._size_expression(node), ()
            except ExpressionError as exc:
                raise ExpressionError("// takes dimensions and whole numbers, e.g. (n - k)//2",
                                      exc.column, hint=exc.hint) from None
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

    def _index(self, node, whole: bool = True):
        if node.op == "num":
            return node
        if node.op in ("add", "sub", "mul", "neg"):  # x[i + a], x[2*i + a - 1]
            args = tuple(self._index_part(a) for a in node.args)
            resolved = language.Node(node.op, args, col=node.col)
            if whole and not any(inner.op == "index" for inner in resolved.walk()):
                raise ExpressionError("an index expression needs an index name", node.col)
            return resolved
        if node.op != "name":
            raise ExpressionError("an index is an index name, a whole number, or + - * of "
                                  "them (x[i + a])", node.col)
        name = node.name
        if name in self.model.symbols or name in self.model.defines or name in self.extra or \
                name in self.model.dims or name in RESERVED:
            raise ExpressionError(f"{name!r} is declared, so it cannot be an index", node.col,
                                  hint="use an undeclared name such as i, j, k")
        if self.free_indices and name not in self.free_indices and name not in self.bound:
            raise ExpressionError(f"index {name} is neither in `indices` nor summed", node.col,
                                  hint=f"sum over it with sum(..., {name}) or list it in indices")
        if not self.free_indices and name not in self.bound:
            raise ExpressionError(f"index {name} is used outside an index-form answer or a sum",
                                  node.col, hint=f"sum over it with sum(..., {name})")
        name = next((own for written, own in reversed(self.scoped) if written == name), name)
        self.seen_indices.add(name)
        return language.Node("index", name=name, col=node.col)

    def _index_part(self, node):
        if node.op == "name" and node.name in self.model.dims:
            return language.Node("dim", name=node.name, col=node.col)
        return self._index(node, whole=False)

    def _getitem(self, node):
        base, base_shape = self.resolve(node.args[0])
        indices = [self._index(i) for i in node.args[1:]]
        new, shape = self._shaped(OPS["getitem"], node, [base, *indices], [base_shape])
        for dim, index in zip(base_shape, indices, strict=True):
            if index.op == "index":
                self.uses.append((index.name, dim, index.col))
            elif isinstance(dim, str) and index.op == "num":
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
                                  hint=habits.FUNCTIONS.get(node.name) or
                                  claimfile.suggest(node.name, FUNCTIONS) or
                                  "see the README for the functions of the language")
        usage = f"usage: {op.usage}"
        if name == "max" and len(node.args) == 2:
            raise ExpressionError("max takes one argument, the array whose largest entry it is",
                                  node.col, hint=habits.FUNCTIONS["maximum"])
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
                resolved = self._dimension(arg)
                arg_shapes.append(dims.of_node(resolved))
                args.append(resolved)
                continue
            elif kind == "i":
                resolved, shape = self._index(arg), ()
            else:  # "s"
                resolved, shape = self._symbol_arg(arg)
            args.append(resolved)
            arg_shapes.append(shape)
        if name == "delta":
            names = [a.name for a in args if a.op == "index"]
            if len(names) == 2:
                self.links.append((names[0], names[1]))
        kwargs = tuple((key, self._size_expression(value) if key in op.dimension_keywords
                        else value) for key, value in node.kwargs)
        return self._shaped(op, node, args, arg_shapes, kwargs=kwargs, name=name)

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
        # A sum's index is its own: a sum beside another over the same name (which may run
        # over another range) gets a name of its own, k′, k″, ... (never written in a file).
        own = index.name
        while own in self.summed:
            own += "′"
        self.summed.add(own)
        self.written[own] = index.name
        self.bound.append(index.name)
        self.scoped.append((index.name, own))
        try:
            body, shape = self.resolve(node.args[0])
        finally:
            self.bound.pop()
            self.scoped.pop()
        self.seen_indices.add(own)
        new = language.Node("isum", (body, language.Node("index", name=own, col=index.col)),
                            col=node.col)
        self.sums.append((new, own))
        return new, shape

    def _plain_name(self, node, what):
        if node.op != "name":
            raise ExpressionError(f"expected {what}", node.col)
        return node

    def _dimension(self, node):
        """A dimension argument (of ones, eye): >= 1 at every size."""
        if node.op == "num" and "." not in node.name and 1 <= int(node.name) <= MAX_FIXED_DIM:
            return node
        resolved = self._size_expression(node)
        if resolved.op == "num" or not dims.always(dims.of_node(resolved), 1):
            raise ExpressionError(f"the dimension {language.unparse(node)} may be below 1",
                                  node.col, hint="a dimension is a declared name, a whole "
                                  f"number from 1 to {MAX_FIXED_DIM}, or arithmetic of them")
        return resolved

    def _size_expression(self, node):
        """Whole-number arithmetic (+ - * / //) of declared dimensions and numbers, as a
        stride, a padding or a dimension: n - k + 1, (n - k)//2, k - 1."""
        if node.op == "num" and "." not in node.name and int(node.name) <= 10**6:
            return node
        if node.op == "name" and node.name in self.model.dims:
            return language.Node("dim", name=node.name, col=node.col)
        if node.op in ("add", "sub", "mul", "div", "floordiv", "neg", "list"):
            args = tuple(self._size_expression(a) for a in node.args)
            resolved = language.Node(node.op, args, col=node.col)
            try:
                for part in args if node.op == "list" else (resolved,):
                    dims.of_node(part)
            except ShapeMismatch as exc:
                raise ExpressionError(exc.message, node.col) from None
            self.model.node_shapes.put(resolved, ())
            return resolved
        what = "// takes dimensions and whole numbers" if node.op == "floordiv" else \
            "expected a dimension: a declared dimension name, a whole number, or arithmetic " \
            "of them"
        raise ExpressionError(what, node.col, hint=f"declared dimensions: "
                              f"{', '.join(self.model.dims) or 'none'}; e.g. n - k + 1")

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
                raise ShapeMismatch(f"index {self.written.get(index, index)} runs over "
                                    f"{dims[key][0]} ({dims[key][1]}) and over {dim} ({why})")
            dims.setdefault(key, (dim, why))
        for own, written in self.written.items():  # a sum's own index that nothing ranges
            namesakes = [other for other, name in self.written.items()
                         if name == written and root(other) in dims]
            if root(own) not in dims and namesakes:  # runs where a namesake's runs
                dims[root(own)] = dims[root(namesakes[0])]
        result = {}
        for index in sorted(parent):  # (sorted: the same message whatever the hash seed)
            if root(index) not in dims:
                written = self.written.get(index, index)  # (the name in the file, not k′)
                raise ExpressionError(f"cannot tell the range of index {written}",
                                      hint=f"use {written} to index an array, or link it to "
                                           f"another index with delta")
            result[index] = dims[root(index)][0]
        for node, index in self.sums:
            self.model.sum_ranges.put(node, result[index])
        return result
