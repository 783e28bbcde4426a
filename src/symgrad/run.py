"""Claim files -> results, as they are decided: ``symgrad.check``, the command and the plugin.

Each claim is decided by :func:`symgrad.decide.decide` in a worker process
(:mod:`symgrad.workers`), so that its time and memory limits are hard ones and one claim
cannot take the run down; ``isolate=False`` decides in this process instead (soft time
limits only, no memory limit).  Results come in the order of the files and claims, each
as soon as it and the ones before it are done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .language.files import builtin_folder, claim_files, load, nothing_at
from .language.model import Claim, Model
from .limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from .verdicts.combine import DEFAULT_SEED, result
from .verdicts.results import Result, Results


def check(target=None, *, seed: int = DEFAULT_SEED, timeout: float = DEFAULT_TIMEOUT,
          memory: float = DEFAULT_MEMORY, jobs: int | None = None, explain: bool = True,
          isolate: bool = True, sizes: dict[str, int] | None = None) -> list[Result]:
    """Check claim files: a path, a list of paths, or the text of one claim file.

    With no target, the built-in derivations.  Returns one Result per claim.  Each claim
    is decided within ``timeout`` seconds and ``memory`` MB, ``jobs`` at a time (default:
    one per core, at most two); ``isolate=False`` decides in this process instead.
    ``sizes`` are real sizes (``{"n": 1000}``) the numeric path checks every claim with
    those dimensions at, as ``--sizes`` does.
    """
    items = models(target)
    if sizes:
        from .language.real_sizes import with_sizes

        items = with_sizes(items, sizes)
    return Results(results(items, seed=seed, timeout=timeout, memory=memory,
                           jobs=jobs, explain=explain, isolate=isolate))


def same(lhs: str, rhs: str, symbols: dict[str, str] | None = None, *, latex: bool = False,
         **options) -> Result:
    """Are two expressions equal for all admissible values?  An ``equal`` claim, decided
    like any (options as :func:`check`); ``symbols`` maps names to declarations; with
    ``latex``, both expressions are written in LaTeX."""
    from .language import build, claimfile

    suffix = "_latex" if latex else ""
    fields = {"kind": "equal", f"lhs{suffix}": lhs, f"rhs{suffix}": rhs}
    raw = claimfile.ClaimFile(path="<same>", title="same", symbols=dict(symbols or {}),
                              claims=[claimfile.RawClaim("same", "equal", fields)])
    [found] = results([build.build(raw)], **options)
    return found


def derive(target=None, **options) -> Results:
    """Every gradient, jacobian, backprop and hessian claim of the target asked as a
    question (its answer set aside), derived and checked: ``r.derived`` is the answer."""
    return Results(results(questions(models(target)), **options))


def latex(target=None, *, document: bool = False, **options) -> str:
    """Every claim as LaTeX with its verdict; with ``document``, the whole answer sheet."""
    from .output.sheet import document as sheet

    files = list(models(target))
    found = Results(results(files, **options))
    if not document:
        return "\n".join(f"% {r.file}::{r.claim}\n\\[ {r.latex} \\]" for r in found)
    by_file: dict[str, list[Result]] = {}
    for one in found:
        by_file.setdefault(one.file, []).append(one)
    return sheet([(model, by_file.get(model.path, [])) for model in files])


def questions(items: Iterable[Model]) -> Iterator[Model | tuple[Model, Claim]]:
    """Each model's derivable claims with their answers set aside (a model that cannot be
    read passes through, to be reported; an erroneous claim stays as it is)."""
    from .derivation.reverse import QUESTIONS
    from .language.build import variant

    for model in items:
        if model.error and not model.claims:
            yield model
            continue
        for claim in model.claims:
            if claim.kind in QUESTIONS:
                yield variant(model, claim, drop=("answer",)) \
                    if not (model.error or claim.error) else (model, claim)


def models(target=None) -> Iterator[Model]:
    """The models of a check's target: a path, a list of paths, a claim file's text, or
    None for the built-in derivations (named derivations/FILE).  The path ``-`` is standard
    input; a folder without claim files is an error model naming it."""
    if target is None:
        for path in claim_files([builtin_folder()]):
            yield load(path, display=f"derivations/{path.name}")
    elif isinstance(target, str) and ("\n" in target or "[[claims]]" in target):
        yield load("<text>", target)
    else:
        for item in [target] if isinstance(target, str | Path) else list(target):
            if str(item) == "-":
                yield load("<stdin>", sys.stdin.read())
                continue
            found = claim_files([item])
            if not found:
                yield nothing_at(item)
            for path in found:
                yield load(path)


def results(items: Iterable[Model | tuple[Model, Claim]], *, seed: int = DEFAULT_SEED,
            timeout: float = DEFAULT_TIMEOUT, memory: float = DEFAULT_MEMORY,
            jobs: int | None = None, explain: bool = True,
            isolate: bool = True) -> Iterator[Result]:
    """The result of every claim of each model (or of each (model, claim) pair), in order,
    as each is decided.  A file that cannot be read is one ``error`` result."""
    options = {"seed": seed, "timeout": timeout, "explain": explain}
    tasks = _tasks(items, options)
    if not isolate:
        from .decide import decide

        for task in tasks:
            yield task if isinstance(task, Result) else decide(task.model, task.claim,
                                                               **task.options)
        return
    from .workers import Pool

    with Pool(jobs, memory) as pool:
        yield from pool.results(tasks)


def check_model(model: Model, **options) -> list[Result]:
    """Every claim of one model (options as :func:`check`)."""
    return list(results([model], **options))


def _tasks(items, options: dict):
    from .workers import Task

    for item in items:
        model, claims = (item[0], [item[1]]) if isinstance(item, tuple) else (item, None)
        if claims is None and model.error and not model.claims:
            yield result(model, None, "error", reason=model.error.describe())
            continue
        for claim in claims or model.claims:
            yield Task(model, claim, options)
