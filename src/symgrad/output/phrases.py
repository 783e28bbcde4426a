"""A diagnosis's words and expressions -> one line of LaTeX (text with inline math)."""

from __future__ import annotations

from ..language.model import Claim, Model
from .latex import Printer, text


def phrase(model: Model, claim: Claim, parts: list) -> str:
    """``[["text", ...], ["math", expression], ...]`` as LaTeX: the words escaped, each
    expression resolved in the claim's model and typeset like the claim itself (an
    expression that cannot be resolved is shown as written, in typewriter)."""
    from ..errors import SymgradError
    from ..language.resolve import Resolver

    printer = Printer(model, claim)
    out = []
    for kind, value in parts:
        if kind != "math":
            out.append(text(value))
            continue
        try:
            node, _ = Resolver(model, extra=claim.introduced).resolve_text(value)
            out.append(f"${printer(node)}$")
        except (SymgradError, KeyError, ValueError, TypeError):
            out.append(rf"\texttt{{{text(value)}}}")
    return "".join(out)
