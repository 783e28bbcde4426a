"""A claim's expression fields: each read from its text or from its LaTeX (FIELD_latex),
resolved, and kept in the expression language too once resolved."""

from __future__ import annotations

from . import expressions as language
from .latex import Context as LatexContext
from .latex import parse as parse_latex
from .latex import readings
from .model import Claim, Model
from .resolve import Resolver


def parsed(model: Model, claim: Claim, field_name: str) -> language.Node:
    """A field's expression as a tree: read from its LaTeX (FIELD_latex) or its text."""
    latex = claim.fields.get(f"{field_name}_latex")
    if latex is None:
        return language.parse(claim.fields[field_name])
    return parse_latex(latex, latex_context(model, claim))


def given(claim: Claim, field_name: str) -> bool:
    """Is the field given, as an expression or in LaTeX?"""
    return field_name in claim.fields or f"{field_name}_latex" in claim.fields


def latex_context(model: Model, claim: Claim | None = None) -> LatexContext:
    """The names a LaTeX field of this claim may use, and the file's [latex] table."""
    introduced = claim.introduced if claim else {}
    functions = [n for n, s in model.symbols.items() if s.is_function]
    names = [n for n, s in model.symbols.items() if not s.is_function]
    names += list(model.defines) + list(model.dims) + list(introduced)
    upstream = (None, None)
    if claim is not None and claim.kind == "backprop" and claim.upstream is not None:
        of = claim.exprs.get("of")
        upstream = (of.name if of is not None and of.op in ("symbol", "define") else None,
                    claim.upstream.name)
    table = model.raw.latex if model.raw is not None else {}
    return LatexContext.of(names, functions, table, upstream)


def resolver_for(model: Model, claim: Claim, field_name: str, extra=None, free_indices=None,
              want=None, star=None) -> Resolver:
    resolver = Resolver(model, extra, free_indices=free_indices)
    resolver.latex = f"{field_name}_latex" in claim.fields
    resolver.star = star or (model.raw.latex_star if model.raw is not None else None)
    resolver.wants = [want]
    return resolver


def translated(claim: Claim, field_name: str, node) -> None:
    """A LaTeX field, once resolved, is kept in the expression language too (what reports,
    diagnoses and variants of the claim show and use)."""
    if f"{field_name}_latex" in claim.fields:
        claim.fields[field_name] = language.unparse(node, exact=True)


def loosely_translated(model: Model, claim: Claim, field_name: str) -> None:
    """A LaTeX answer that cannot be formed, in the expression language as best guessed."""
    if f"{field_name}_latex" not in claim.fields:
        return
    scalars = {n for n, s in {**model.symbols, **claim.introduced}.items() if not s.shape}
    scalars |= {n for n, shape in model.define_shapes.items() if not shape} | set(model.dims)
    guess = readings.loose(parsed(model, claim, field_name), scalars)
    if guess is not None:
        claim.fields[field_name] = language.unparse(guess)
