"""Helpers for the tests: claim files as text, and one-claim decisions."""

from __future__ import annotations

import symgrad

#: Symbol tables shared by the tests of wrong answers and of their diagnoses.
QUADRATIC = {"x": "vector(n)", "B": "matrix(n, n)"}
TRACE = {"V": "matrix(n, m)", "X": "matrix(m, p)", "W": "matrix(p, n)"}
LINEAR = {"X": "matrix(N, d)", "W": "matrix(m, d)", "b": "vector(m)"}
SOFTMAX = {"z": "vector(K)"}
ONEHOT = {"z": "vector(K)", "y": "vector(K, onehot)"}
BATCH = {"x": "vector(N)", "gamma": "scalar", "beta": "scalar"}


def claims_text(symbols: dict[str, str], *claims: dict, define: dict[str, str] | None = None,
                title: str = "test", source: str | None = None) -> str:
    """The TOML text of a claim file (values are TOML-quoted, control characters escaped,
    lists kept; keys outside TOML's bare keys quoted)."""
    def value(v):
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, int | float):
            return repr(v)
        text = str(v).replace("\\", "\\\\").replace('"', '\\"')
        return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c
                             for c in text) + '"'

    def key(k):
        return k if k.isascii() and k.replace("_", "a").replace("-", "a").isalnum() else value(k)

    lines = [f"title = {value(title)}"] + ([f"source = {value(source)}"] if source else [])
    lines += ["", "[symbols]"] + [f"{key(k)} = {value(v)}" for k, v in symbols.items()]
    if define:
        lines += ["", "[define]"] + [f"{key(k)} = {value(v)}" for k, v in define.items()]
    for claim in claims:
        lines += ["", "[[claims]]"] + [f"{key(k)} = {value(v)}" for k, v in claim.items()]
    return "\n".join(lines) + "\n"


def decide_one(symbols, claim, define=None, **options):
    """The single Result of a one-claim file."""
    results = symgrad.check(claims_text(symbols, claim, define=define), **options)
    assert len(results) == 1
    return results[0]


def answer_mutants(model, kinds, per_claim: int):
    """(mutant answer, its model, its claim) for the first ``per_claim`` well-formed
    mutants of each answer of a claim of ``kinds`` in ``model`` (a built-in file's)."""
    from symgrad.explain.mutations import MUTATIONS, variants
    from symgrad.language import expressions as language
    from symgrad.language.build import variant

    for claim in model.claims:
        text = claim.fields.get(claim.answer_field)
        if claim.kind not in kinds or not isinstance(text, str):
            continue
        for _, mutant in variants(language.parse(text), MUTATIONS.values())[:per_claim]:
            wrong_model, wrong = variant(model, claim, {claim.answer_field: mutant})
            if not (wrong_model.error or wrong.error or wrong.answer_problem):
                yield mutant, wrong_model, wrong
