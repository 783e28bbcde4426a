"""Mutation testing: is every wrong answer caught?

For every claim of the given files, :data:`symgrad.explain.mutations.MUTATIONS` make
wrong versions of the answer (transpose a factor, drop a transpose, negate,
scale, drop a term, swap the operands of @, swap * and @, swap two indices,
change a constant).  Each mutant is decided like any claim: refuted means
killed; proved means the mutant is equivalent to the original (recognised by
the symbolic path, e.g. transposing a symmetric matrix); anything else
(verified, undecided, error) is a survivor — a hole in the verifier.  A
mutant that is not a well-formed claim (an unknown index, say) is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..language import expressions as language
from ..language.build import variant
from ..language.files import builtin_folder, claim_files, load
from ..verdicts.combine import decide_claim
from .mutations import MUTATIONS, variants


@dataclass
class FileReport:
    path: str
    killed: int = 0
    equivalent: int = 0
    invalid: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.killed + len(self.survivors)


def mutate_file(path, seed: int = 0, timeout: float = 20.0, display: str | None = None,
                progress=None, per_claim: int | None = None) -> FileReport:
    """Every mutant of every answer of the file decided; ``per_claim`` keeps that many of
    each claim's mutants, spread evenly over the list (a sample, for a quick run)."""
    model = load(path, display=display)
    report = FileReport(model.path)
    for claim in model.claims:
        text = claim.fields.get(claim.answer_field)
        if claim.error or model.error or claim.answer_problem or not isinstance(text, str):
            continue
        mutants = variants(language.parse(text), MUTATIONS.values())
        if per_claim is not None and len(mutants) > per_claim:
            mutants = [mutants[k * len(mutants) // per_claim] for k in range(per_claim)]
        for description, mutant in mutants:
            mutant_model, mutant_claim = variant(model, claim, {claim.answer_field: mutant})
            if mutant_model.error or mutant_claim.error:
                report.invalid += 1
                continue
            result = decide_claim(mutant_model, mutant_claim, seed=seed, timeout=timeout,
                                  shrink=False)
            if result.verdict == "refuted":
                report.killed += 1
            elif result.verdict == "proved":
                report.equivalent += 1
            else:
                report.survivors.append(f"{claim.name}: {description}: {mutant} "
                                        f"({result.verdict}: {result.reason})")
            if progress:
                progress(claim, description, mutant, result)
    return report


def mutate(paths=None, seed: int = 0, timeout: float = 20.0) -> list[FileReport]:
    if not paths:
        return [mutate_file(p, seed, timeout, display=f"derivations/{p.name}")
                for p in claim_files([builtin_folder()])]
    return [mutate_file(p, seed, timeout) for p in claim_files(paths)]


def rate(killed: int, counted: int) -> str:
    percent = 100.0 * killed / counted if counted else 100.0
    return f"{killed}/{counted} ({percent:.1f}%)"
