"""ClaimFile -> :class:`~symgrad.language.model.Model`, and variants of one claim."""

from __future__ import annotations

from ..errors import ClaimError
from . import claimfile, real_sizes
from .claims import build_claim, check_randomness, collect_uses
from .declare import declare, define, resolve_moments
from .model import Claim, Model


def build(raw: claimfile.ClaimFile) -> Model:
    model = Model(path=raw.path, title=raw.title, source=raw.source, raw=raw)
    if raw.error:
        model.error = raw.error
        model.claims = [Claim(c.name, c.kind, c.line, c.fields) for c in raw.claims]
        return model
    try:
        for name, text in raw.symbols.items():
            declare(model, name, text, raw)
        resolve_moments(model, raw)
        for name, text in raw.define.items():
            define(model, name, text, raw)
    except ClaimError as exc:
        model.error = exc
    for raw_claim in raw.claims:
        claim = Claim(raw_claim.name, raw_claim.kind, raw_claim.line, dict(raw_claim.fields))
        claim.error = raw_claim.error
        if claim.error is None and model.error is None:
            try:
                build_claim(model, claim, raw)
                collect_uses(model, claim)
                check_randomness(model, claim)
                if "sizes" in claim.fields:
                    real_sizes.attach(model, claim, claim.fields["sizes"], "sizes")
            except ClaimError as exc:
                claim.error = exc
        model.claims.append(claim)
    return model


def variant(model: Model, claim: Claim, fields: dict | None = None,
            symbols: dict | None = None, drop=(), kind: str | None = None) -> tuple[Model, Claim]:
    """The model of one claim with some fields (or symbol declarations) replaced or dropped:
    how the diagnosis and the mutation test state a corrected or a mutated claim, and how a
    derived answer is checked.  A symbol declared here that the file defines is no longer
    defined (held constant: an input of its own); with ``kind``, the claim is a new one
    of that kind made of ``fields`` alone."""
    import copy

    raw = copy.copy(model.raw)
    raw.symbols = {**raw.symbols, **(symbols or {})}
    raw.define = {k: v for k, v in raw.define.items() if k not in (symbols or {})}
    original = next(c for c in raw.claims if c.name == claim.name)
    replaced = set(drop) | set(fields or {})
    kept = {} if kind else {k: v for k, v in original.fields.items()
                            if k not in replaced and k.removesuffix("_latex") not in replaced}
    raw.claims = [claimfile.RawClaim(original.name, kind or original.kind,
                                     {**kept, **(fields or {})}, original.line)]
    new = build(raw)
    return new, new.claims[0]
