"""An answer's normal form: the same answer in another spelling gets the same key.

Two answers with the same key are decided once per question.  The key is the resolved tree
(so whitespace, redundant brackets and the choice between LaTeX and the expression language
are gone) with the operands of sums and of elementwise products in a fixed order; the
order changes no value, so different answers never share a key.  An answer whose shapes do
not fit is keyed by its text as written and by how it was read.
"""

from __future__ import annotations

from ..language import expressions as language
from ..language.model import Claim

COMMUTATIVE = {"add": "terms", "mul": "factors"}


def key(claim: Claim) -> str:
    """The normal form of the claim's answer (its readings too, if a * reads two ways)."""
    field = claim.answer_field
    node = claim.exprs.get(field)
    if node is None:  # cannot be formed: as written (spaces collapsed), with how it was read
        latex = f"{field}_latex" in claim.fields
        written = claim.fields[f"{field}_latex"] if latex else claim.fields.get(field, "")
        return f"as written{' in LaTeX' if latex else ''}: {' '.join(str(written).split())}" \
            + (f" | {claim.fields[field]}" if latex and field in claim.fields else "")
    normal = language.unparse(ordered(node))
    return normal + "".join(f" | {reading}: {text}" for reading, text in claim.readings)


def ordered(node):
    """The tree with the operands of + and of elementwise * sorted (a - b as a + (-b))."""
    args = tuple(ordered(a) for a in node.args)
    kwargs = tuple((k, ordered(v)) for k, v in node.kwargs)
    op = node.op
    if op == "sub":
        op, args = "add", (args[0], language.Node("neg", (args[1],), col=node.col))
    if op in COMMUTATIVE:
        operands = sorted(_flatten(op, args), key=language.unparse)
        tree = operands[0]
        for operand in operands[1:]:
            tree = language.Node(op, (tree, operand), col=node.col)
        return tree
    return language.Node(op, args, name=node.name, kwargs=kwargs, order=node.order,
                         col=node.col)


def _flatten(op: str, args):
    for arg in args:
        if arg.op == op:
            yield from _flatten(op, arg.args)
        else:
            yield arg
