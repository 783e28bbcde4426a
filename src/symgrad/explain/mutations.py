"""Edits of an answer's expression tree: the mistakes people make, as data.

Each edit takes the parsed (unresolved) tree of an answer and yields
``(description, new tree)`` pairs; :func:`variants` turns them into answer
texts.  The same edits serve two purposes: the mutation test makes wrong
answers with them (every one that is not equivalent must be refuted), and the
diagnosis tries them backwards on a refuted answer (the edit that makes it
right names the mistake).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..language.expressions import Node, unparse

Edit = Callable[[Node], Iterator[tuple[str, Node]]]


def places(node: Node, path=()) -> Iterator[tuple[tuple[int, ...], Node]]:
    """Every subtree with its path (child positions from the root)."""
    yield path, node
    for k, arg in enumerate(node.args):
        yield from places(arg, path + (k,))


def replace(node: Node, path, new: Node) -> Node:
    if not path:
        return new
    args = list(node.args)
    args[path[0]] = replace(args[path[0]], path[1:], new)
    return Node(node.op, tuple(args), node.name, node.kwargs, node.order, node.col)


def _is_operand(node: Node) -> bool:
    """A factor worth transposing: a name, or a product or call (not a number)."""
    return node.op in ("name", "matmul", "call") or node.op == "transpose"


def _num(text: str) -> Node:
    return Node("num", name=text)


def transpose_factor(tree: Node):
    for path, node in places(tree):
        if node.op == "name" or (node.op == "matmul" and path):
            yield f"transpose {unparse(node)}", replace(tree, path, Node("transpose", (node,)))


def drop_transpose(tree: Node):
    for path, node in places(tree):
        if node.op == "transpose":
            yield f"drop the transpose of {unparse(node.args[0])}", replace(tree, path,
                                                                              node.args[0])


def negate(tree: Node):
    yield "negate the answer", Node("neg", (tree,))


def scale(tree: Node):
    yield "double the answer", Node("mul", (_num("2"), tree))
    yield "halve the answer", Node("div", (tree, _num("2")))


def drop_term(tree: Node):
    for path, node in places(tree):
        if node.op in ("add", "sub"):
            yield f"drop {unparse(node.args[1])}", replace(tree, path, node.args[0])
            kept = node.args[1] if node.op == "add" else Node("neg", (node.args[1],))
            yield f"drop {unparse(node.args[0])}", replace(tree, path, kept)


def swap_matmul(tree: Node):
    for path, node in places(tree):
        if node.op == "matmul":
            swapped = Node("matmul", (node.args[1], node.args[0]))
            yield f"swap the factors of {unparse(node)}", replace(tree, path, swapped)


def swap_products(tree: Node):
    for path, node in places(tree):
        if node.op in ("mul", "matmul"):
            other = "matmul" if node.op == "mul" else "mul"
            yield (f"{'@' if other == 'matmul' else '*'} for "
                   f"{'*' if other == 'matmul' else '@'} in {unparse(node)}",
                   replace(tree, path, Node(other, node.args)))


def swap_indices(tree: Node, free=()):
    """Two index names swapped everywhere, or one index of one factor replaced by another
    name: one the tree uses, or one of the claim's free indices it misses."""
    names = sorted({n.name for _, n in places(tree) if n.op == "getitem"
                    for n in n.args[1:] if n.op == "name"} | set(free))
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            yield f"swap the indices {a} and {b}", _rename(tree, {a: b, b: a})
    for path, node in places(tree):
        if node.op == "getitem" and len(node.args) == 3 and \
                unparse(node.args[1]) != unparse(node.args[2]):
            changed = Node("getitem", (node.args[0], node.args[2], node.args[1]))
            yield (f"the indices of {unparse(node)} are the other way round: "
                   f"{unparse(changed)}", replace(tree, path, changed))
    for path, node in places(tree):
        if node.op == "getitem":
            for k, index in enumerate(node.args[1:], start=1):
                for other in names:
                    if index.op == "name" and other != index.name:
                        args = list(node.args)
                        args[k] = Node("name", name=other)
                        changed = Node("getitem", tuple(args))
                        yield (f"in {unparse(node)}, the index {index.name} should be "
                               f"{other}: {unparse(changed)}", replace(tree, path, changed))


def _rename(node: Node, mapping: dict[str, str]) -> Node:
    if node.op == "getitem":
        args = [node.args[0]] + [Node("name", name=mapping.get(a.name, a.name))
                                 if a.op == "name" else a for a in node.args[1:]]
        return Node(node.op, tuple(args), node.name, node.kwargs, node.order, node.col)
    if node.op == "call" and node.name == "delta":
        args = [Node("name", name=mapping.get(a.name, a.name)) if a.op == "name" else a
                for a in node.args]
        return Node(node.op, tuple(args), node.name, node.kwargs, node.order, node.col)
    return Node(node.op, tuple(_rename(a, mapping) for a in node.args), node.name,
                node.kwargs, node.order, node.col)


def transpose_inverse(tree: Node):
    """inv(X) for inv(X).T and back: X^-1 where X^-T is due (the classic slip)."""
    for path, node in places(tree):
        if node.op == "transpose" and node.args[0].op == "call" and node.args[0].name == "inv":
            yield (f"{unparse(node.args[0])} for {unparse(node)}",
                   replace(tree, path, node.args[0]))
        elif node.op == "call" and node.name == "inv" and not _transposed(tree, path):
            changed = Node("transpose", (node,))
            yield f"{unparse(changed)} for {unparse(node)}", replace(tree, path, changed)


def _transposed(tree: Node, path) -> bool:
    """Is the node at path the argument of a transpose?"""
    if not path:
        return False
    parent = tree
    for k in path[:-1]:
        parent = parent.args[k]
    return parent.op == "transpose"


CONVOLUTIONS = ("conv1d", "conv2d")


def _is_convolution(node: Node) -> bool:
    return node.op == "call" and node.name in CONVOLUTIONS and len(node.args) == 2


def flip_kernel(tree: Node):
    """conv(x, w) for conv(x, flip(w)) and back: a cross-correlation where a convolution (the
    kernel flipped) is due."""
    for path, node in places(tree):
        if not _is_convolution(node):
            continue
        kernel = node.args[1]
        if kernel.op == "call" and kernel.name == "flip" and len(kernel.args) == 1:
            changed = kernel.args[0]
        else:
            changed = Node("call", (kernel,), name="flip")
        yield (f"{unparse(changed)} for {unparse(kernel)}",
               replace(tree, path + (1,), changed))


def drop_padding(tree: Node):
    """A valid convolution where a padded (full) one is due."""
    for path, node in places(tree):
        if _is_convolution(node) and node.kwarg("padding") is not None:
            kept = tuple((k, v) for k, v in node.kwargs if k != "padding")
            changed = Node(node.op, node.args, node.name, kept, node.order, node.col)
            yield f"{unparse(changed)} for {unparse(node)}", replace(tree, path, changed)


def with_padding(tree: Node, paddings: list[Node]):
    """Each unpadded convolution given one of the paddings (of the correct answer)."""
    for path, node in places(tree):
        if _is_convolution(node) and node.kwarg("padding") is None:
            for padding in paddings:
                changed = Node(node.op, node.args, node.name,
                               node.kwargs + (("padding", padding),), node.order, node.col)
                yield f"{unparse(node)} for {unparse(changed)}", replace(tree, path, changed)


def change_constant(tree: Node):
    for path, node in places(tree):
        if node.op == "num":
            value = float(node.name)
            changed = str(int(value) + 1) if value.is_integer() else repr(value * 2)
            yield f"{node.name} -> {changed}", replace(tree, path, _num(changed))


#: The mutation operators of the mutation test, by name.
MUTATIONS: dict[str, Edit] = {
    "transpose a factor": transpose_factor,
    "drop a transpose": drop_transpose,
    "negate": negate,
    "scale": scale,
    "drop a term": drop_term,
    "swap the operands of @": swap_matmul,
    "swap * and @": swap_products,
    "swap two indices": swap_indices,
    "transpose an inverse": transpose_inverse,
    "flip a kernel": flip_kernel,
    "drop a padding": drop_padding,
    "change a constant": change_constant,
}


def variants(tree: Node, edits) -> list[tuple[str, str]]:
    """(description, answer text) for every edit of the tree, without repeats."""
    seen, out = {unparse(tree)}, []
    for edit in edits:
        for description, new in edit(tree):
            text = unparse(new)
            if text not in seen:
                seen.add(text)
                out.append((description, text))
    return out


# --- rewritings that keep the meaning (for the completeness test) -------------------------

def _first(tree: Node, ops) -> tuple | None:
    return next(((path, node) for path, node in places(tree) if node.op in ops), None)


def commute(tree: Node):
    found = _first(tree, ("mul", "add"))
    if found:
        path, node = found
        yield "commute", replace(tree, path, Node(node.op, node.args[::-1]))


def transpose_product(tree: Node):
    found = _first(tree, ("matmul",))
    if found:
        path, node = found
        a, b = node.args
        flipped = Node("transpose", (Node("matmul", (Node("transpose", (b,)),
                                                    Node("transpose", (a,)))),))
        yield "(A @ B) as (B.T @ A.T).T", replace(tree, path, flipped)


def subtract_as_add(tree: Node):
    found = _first(tree, ("sub",))
    if found:
        path, node = found
        a, b = node.args
        yield "a - b as a + (-1) * b", replace(
            tree, path, Node("add", (a, Node("mul", (Node("neg", (_num("1"),)), b)))))


def double_transpose(tree: Node):
    yield "transposed twice", Node("transpose", (Node("transpose", (tree,)),))


def double_negation(tree: Node):
    yield "negated twice", Node("neg", (Node("neg", (tree,)),))


def scale_and_back(tree: Node):
    yield "scaled by 3 and back", Node("div", (Node("mul", (_num("3"), tree)), _num("3")))


def scientific(tree: Node):
    """Numbers in exponent notation (the same digits): for answers that are literals."""
    def rewrite(node: Node) -> Node:
        if node.op == "num" and "." in node.name and "e" not in node.name:
            digits = node.name.split(".")[1]
            return _num(f"{float(node.name) * 10:.{max(len(digits) - 1, 0)}f}e-1")
        return Node(node.op, tuple(rewrite(a) for a in node.args), node.name, node.kwargs,
                    node.order, node.col)

    yield "exponent notation", rewrite(tree)


#: Rewritings of an answer that keep its meaning, most telling first.
EQUIVALENCES = [commute, transpose_product, subtract_as_add, double_transpose,
                double_negation, scale_and_back]
