"""The `symgrad` command: check, list, derive, latex, mutate, same, --version."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symgrad",
        description="Check hand-derived matrix-calculus claims: a SymPy proof and an "
                    "independent numeric cross-check.")
    parser.add_argument("--version", action="version", version=f"symgrad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="decide every claim (default: the built-ins)")
    _paths(check)
    _run_options(check)
    check.add_argument("--sizes", metavar="NAME=SIZE,...",
                       help="also check numerically at these real sizes, e.g. "
                            "--sizes n=1000,m=500 (every claim with those dimensions)")
    loud = check.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print the summary only")
    loud.add_argument("-v", "--verbose", action="store_true",
                      help="print each claim's timings and both paths' detail")

    listing = commands.add_parser("list", help="list the claims with their titles and kinds")
    _paths(listing)

    latex = commands.add_parser("latex", help="print every claim as LaTeX, with its verdict")
    _paths(latex)
    latex.add_argument("--document", action="store_true",
                       help="a complete LaTeX document: the answer sheet")
    _run_options(latex)

    derive = commands.add_parser("derive", help="derive the answers of gradient, jacobian, "
                                                "backprop and hessian claims, and check them")
    _paths(derive)
    _run_options(derive)

    mutate = commands.add_parser("mutate", help="mutation test: is every wrong version of "
                                                "each answer refuted?")
    _paths(mutate)
    _run_options(mutate, json=False, timeout=20.0, per="mutant", workers=False)

    grade = commands.add_parser("grade", help="grade a class: every submission's answers "
                                              "against an answer key")
    grade.add_argument("key", metavar="KEY.toml", help="the answer key: a claim file whose "
                                                       "claims are the questions")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSIONS",
                       help="submission files (TOML with an [answers] table), or folders of "
                            "them; the student is the file's stem")
    grade.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    grade.add_argument("--json", action="store_true", help="print every result as JSON")
    grade.add_argument("--feedback", metavar="DIR",
                       help="write one Markdown feedback file per student")
    grade.add_argument("--resume", metavar="FILE",
                       help="keep each decision in FILE (JSON Lines) and reuse those there: a "
                            "stopped run goes on where it stopped")
    grade.add_argument("--dask", metavar="ADDRESS",
                       help="decide on a Dask distributed scheduler (pip install "
                            "'symgrad[dask]')")
    grade.add_argument("--no-cache", action="store_true",
                       help="decide every answer, even one given before in another spelling")
    _run_options(grade, json=False)
    grade.add_argument("-j", dest="jobs", type=int, metavar="N",
                       help="the same as --jobs (for grade, default: one per core)")
    grade.set_defaults(jobs=None)

    same = commands.add_parser("same", help="are two expressions equal for all admissible "
                                            "values?")
    same.add_argument("lhs", metavar="EXPR1")
    same.add_argument("rhs", metavar="EXPR2")
    same.add_argument("--symbols", action="append", default=[], metavar="NAME=DECLARATION",
                      help="a declaration, e.g. --symbols 'B=matrix(n, n)' (repeatable)")
    same.add_argument("--latex", action="store_true",
                      help=r"both expressions are LaTeX, e.g. '\mathbf{B}^\top \mathbf{x}'")
    _run_options(same)
    return parser


def _paths(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="claim files or folders of them, - for standard input "
                             "(default: the built-in derivations)")


def _run_options(parser, *, json: bool = True, timeout: float | None = None,
                 per: str = "claim", workers: bool = True) -> None:
    """--json/--jsonl, --seed, --timeout, --memory and --jobs (None: the defaults of
    symgrad.limits)."""
    from .limits import DEFAULT_JOBS, DEFAULT_MEMORY, DEFAULT_TIMEOUT

    if json:
        parser.add_argument("--json", action="store_true", help="print a JSON array of results")
        parser.add_argument("--jsonl", action="store_true",
                            help="print each result as one line of JSON, as it is decided")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the random checks (default 0: runs are reproducible)")
    parser.add_argument("--timeout", type=float, default=timeout, metavar="S",
                        help=f"time limit per {per} in seconds "
                             f"(default {timeout or DEFAULT_TIMEOUT:g})")
    if workers:
        parser.add_argument("--memory", type=float, default=DEFAULT_MEMORY, metavar="MB",
                            help=f"memory limit per {per} in MB (default {DEFAULT_MEMORY:g})")
        parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                            help=f"claims decided at once (default {DEFAULT_JOBS})")


def _limits(args) -> dict:
    """The options of symgrad.run.results that the command's flags set."""
    return {"seed": args.seed, "timeout": args.timeout, "memory": args.memory,
            "jobs": args.jobs}


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `symgrad list | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("check", "latex", "mutate", "same", "derive", "grade"):
        from .limits import DEFAULT_TIMEOUT
        from .verdicts.combine import DEFAULT_SEED

        args.seed = DEFAULT_SEED if args.seed is None else args.seed
        args.timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
        if not args.timeout > 0:
            return _usage("--timeout must be a positive number of seconds")
        jobs = getattr(args, "jobs", 1)  # None: grade's default, one per core
        if getattr(args, "memory", 1) <= 0 or (jobs is not None and jobs < 1):
            return _usage("--memory must be a positive number of MB and --jobs at least 1")
        if getattr(args, "json", False) and getattr(args, "jsonl", False):
            return _usage("choose one of --json and --jsonl")
        from .workers import hypothesis_files_in_the_cache

        hypothesis_files_in_the_cache()
    if args.command is None:
        _parser().print_help(sys.stderr)
        return 2
    if args.command == "list":
        return _list(args.paths)
    if args.command == "mutate":
        return _mutate(args)
    if args.command == "latex":
        return _latex(args)
    if args.command == "derive":
        return _derive(args)
    if args.command == "same":
        return _same(args)
    if args.command == "grade":
        return _grade(args)
    return _check(args)


def _usage(message: str) -> int:
    print(f"symgrad: {message}", file=sys.stderr)
    return 2


def _check(args) -> int:
    """Each result printed as it is decided; Ctrl-C prints what is finished, and stops."""
    from .language import real_sizes
    from .output import report
    from .run import models, results

    try:
        sizes = real_sizes.parse_option(args.sizes) if args.sizes else {}
    except ValueError as exc:
        return _usage(str(exc))
    start = time.perf_counter()
    found = []
    colour = _colour()
    interrupted = False
    if not args.paths and not sys.stdin.isatty():
        print("symgrad: no PATH given: checking the built-in derivations "
              "(write - to read a claim file from standard input)", file=sys.stderr)
    try:
        used: set[str] = set()
        items = models(args.paths or None)
        if sizes:
            items = real_sizes.with_sizes(items, sizes, used)
        for result in results(items, **_limits(args)):
            found.append(result)
            if args.jsonl:
                print(json.dumps(result.to_json()), flush=True)
            elif not args.json and not args.quiet:
                print(report.describe(result, verbose=args.verbose, colour=colour), flush=True)
    except KeyboardInterrupt:
        interrupted = True
    unused = [d for d in sizes if d not in used]
    if unused and not interrupted:
        print(f"symgrad: --sizes: no claim has a dimension {unused[0]!r}", file=sys.stderr)
    if args.json:
        print(report.to_json(found))
    elif not args.jsonl:
        print(report.summary(found, time.perf_counter() - start, colour=colour)
              + (" — interrupted" if interrupted else ""))
    return 130 if interrupted else report.exit_status(found)


def _colour() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _list(paths) -> int:
    from .run import models

    status = 0
    for model in models(paths or None):
        print(f"{model.path}: {model.title or '(no title)'}")
        if model.error:
            print(f"  error: {model.error.describe()}")
            status = 2
        width = max((len(c.name) for c in model.claims), default=0)
        for claim in model.claims:
            print(f"  {claim.name:<{width}}  {claim.kind}")
            if claim.error and not model.error:
                print(f"    error: {claim.error.describe()}")
                status = 2
    return status


def _latex(args) -> int:
    from .output import report
    from .run import latex, models, results

    if args.document:
        print(latex(args.paths or None, document=True, **_limits(args)), end="")
        return 0
    found = list(results(models(args.paths or None), **_limits(args)))
    if args.json or args.jsonl:
        _print_json(found, args)
    else:
        for result in found:
            print(f"% {result.file}::{result.claim}\n\\[ {result.latex} \\]")
    return report.exit_status(found)


def _print_json(found, args) -> None:
    from .output import report

    if args.jsonl:
        for result in found:
            print(json.dumps(result.to_json()))
    else:
        print(report.to_json(found))


def _derive(args) -> int:
    """Every gradient, jacobian, backprop and hessian claim asked as a question (its answer,
    if any, set aside): the derived answer in the expression language and in LaTeX."""
    from .derivation.reverse import QUESTIONS
    from .output import report
    from .output.latex import without_verdict
    from .run import models, questions, results

    asked = []
    for model in models(args.paths or None):
        if not (model.error and not model.claims) and not args.json and not args.jsonl and \
                not any(c.kind in QUESTIONS for c in model.claims):
            print(f"{model.path}: no gradient, jacobian, backprop or hessian claims")
        asked.append(model)
    found = []
    for result in results(questions(asked), **_limits(args)):
        found.append(result)
        if args.json or args.jsonl:
            continue
        print(f"{result.file}::{result.claim}  {result.verdict}"
              + (f" at {result.scope}" if result.ok and result.scope else ""), flush=True)
        if result.ok:
            print(f"    {result.derived}")
            print(f"    {without_verdict(result.latex)}")
        else:
            print("    " + result.reason.replace("\n", "\n    "))
    if args.json or args.jsonl:
        _print_json(found, args)
    return report.exit_status(found)


def _mutate(args) -> int:
    from .explain.mutate import mutate, rate

    reports = mutate(args.paths, seed=args.seed, timeout=args.timeout)
    killed = counted = 0
    for report in reports:
        print(f"{report.path}: kill rate {rate(report.killed, report.counted)}, "
              f"{report.equivalent} equivalent, {report.invalid} not well-formed")
        for survivor in report.survivors:
            print(f"  survived: {survivor}")
        killed, counted = killed + report.killed, counted + report.counted
    print(f"overall kill rate: {rate(killed, counted)}")
    return 0 if killed == counted else 1


def _grade(args) -> int:
    """The table (or JSON); --csv and --feedback files.  Exit 0 when graded, 1 when the
    key's own answer to a question does not hold, 2 when the key cannot be read."""
    from .grading import reports
    from .grading.cluster import NoDask
    from .grading.grade import UnreadableKey, grade

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rdecided {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    start = time.perf_counter()
    try:
        grades = grade(args.key, args.submissions, cache=not args.no_cache, resume=args.resume,
                       dask=args.dask, progress=progress, **_limits(args))
    except (UnreadableKey, NoDask) as exc:
        return _usage(str(exc))
    if not grades.submissions:
        return _usage("no submissions: give TOML files, or folders that hold them")
    if args.json:
        print(json.dumps(reports.to_json(grades), indent=2))
    else:
        print(reports.table(grades))
        for note in reports.notes(grades):
            print(f"note: {note}")
        print(f"{len(grades.submissions)} submissions, {len(grades.questions)} questions: "
              f"{grades.decisions} distinct answers decided"
              + (f", {grades.resumed} taken from {args.resume}" if grades.resumed else "")
              + f" ({time.perf_counter() - start:.1f}s)")
    if args.csv:
        Path(args.csv).write_text(reports.to_csv(grades), encoding="utf-8")
    if args.feedback:
        reports.feedback(grades, args.feedback)
    key_wrong = any(not r.ok for r in grades.key_results.values())
    return 1 if key_wrong else 0


def _same(args) -> int:
    from .output import report
    from .run import same

    symbols = {}
    for item in args.symbols:
        name, _, declaration = item.partition("=")
        if not declaration:
            return _usage(f"--symbols {item!r}: write NAME=DECLARATION, e.g. 'B=matrix(n, n)'")
        symbols[name.strip()] = declaration.strip()
    result = same(args.lhs, args.rhs, symbols, latex=args.latex, **_limits(args))
    if args.json or args.jsonl:
        _print_json([result], args)
    else:
        print(report.describe(result))
    return report.exit_status([result])


if __name__ == "__main__":
    sys.exit(main())
