"""Claim file text -> :class:`ClaimFile` (TOML read and fields checked; no SymPy).

This is the boundary: every field is checked here against :data:`KINDS` before
anything is built, and each problem becomes a :class:`ClaimError` naming the
file, the claim, the field and the line.  A problem of the file as a whole
(bad TOML, an unknown top-level field, a missing title) is kept on the file;
a problem of one claim is kept on that claim, so the other claims still run.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field

from ..errors import ClaimError
from ..limits import (
    MAX_CLAIMS,
    MAX_FILE_BYTES,
    MAX_LATEX_NAMES,
    MAX_NAME_CHARS,
    MAX_NAME_FRAGMENT,
    MAX_NESTING,
    MAX_REAL_ENTRIES,
)

#: Each claim kind with its required and optional fields (besides name, kind).  A gradient,
#: jacobian, backprop or hessian claim without an answer is a question: symgrad derives it.
KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "gradient": (frozenset({"of", "wrt"}), frozenset({"answer", "indices"})),
    "jacobian": (frozenset({"of", "wrt"}), frozenset({"answer", "indices"})),
    "backprop": (frozenset({"of", "wrt", "upstream"}), frozenset({"answer", "indices"})),
    "equal": (frozenset({"lhs", "rhs"}), frozenset()),
    "hessian": (frozenset({"of", "wrt"}), frozenset({"answer", "indices"})),
    "value": (frozenset({"at", "of", "answer"}), frozenset({"tolerance"})),
    "psd": (frozenset({"of"}), frozenset({"certificate"})),
    "expectation": (frozenset({"of", "answer"}), frozenset()),
    "convergence": (frozenset({"iteration", "variable", "root", "order"}),
                    frozenset({"given", "constant"})),
}
TOP_LEVEL = {"title", "source", "symbols", "define", "claims", "latex", "latex_star"}
#: Fields that hold an expression: each may be given in LaTeX instead, as FIELD_latex.
EXPRESSION_FIELDS = {"of", "answer", "lhs", "rhs", "certificate", "constant", "iteration"}
REAL_SIZES_KINDS = ("gradient", "jacobian", "backprop", "hessian", "equal")  # sizes = {...}
LATEX_STAR = ("matrix", "elementwise")
MAX_POINTS = 1000


@dataclass
class RawClaim:
    name: str
    kind: str
    fields: dict
    line: int | None = None
    error: ClaimError | None = None


@dataclass
class ClaimFile:
    path: str
    title: str = ""
    source: str = ""
    symbols: dict[str, str] = field(default_factory=dict)
    define: dict[str, str] = field(default_factory=dict)
    claims: list[RawClaim] = field(default_factory=list)
    error: ClaimError | None = None
    text: str = ""
    latex: dict[str, str] = field(default_factory=dict)  # LaTeX fragment -> name
    latex_star: str | None = None  # how a LaTeX * between arrays reads when both fit

    def line_of(self, key: str, claim: RawClaim | None = None) -> int | None:
        return _line_of(self.text, key, claim.line if claim else None)


def suggest(word: str, choices) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def read(text: str, path: str = "<text>") -> ClaimFile:
    """Read and check the fields of one claim file."""
    result = ClaimFile(path=path, text=text)
    if len(text) > MAX_FILE_BYTES:
        result.error = ClaimError(f"the file is larger than symgrad's limit of "
                                  f"{MAX_FILE_BYTES:,} characters", file=path,
                                  hint="split it into several claim files")
        return result
    deepest = _nesting(text)
    if deepest > MAX_NESTING:
        result.error = ClaimError(f"brackets are nested {deepest} deep, beyond symgrad's limit "
                                  f"of {MAX_NESTING}", file=path,
                                  hint="a field holds a string in quotes, a list of them, or "
                                       "a small table")
        return result
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        result.error = ClaimError(f"not valid TOML: {exc}", file=path,
                                  line=int(line.group(1)) if line else None,
                                  hint="check quotes, brackets and `key = value` lines")
        return result
    except (RecursionError, MemoryError):
        result.error = ClaimError("the TOML is nested too deeply to read", file=path,
                                  hint="a field holds a string in quotes, a list of them, or "
                                       "a small table")
        return result
    try:
        _read_top_level(data, result)
    except ClaimError as exc:
        result.error = exc  # every claim of the file becomes this error
    claims = data.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        return result
    starts = [m.start() for m in re.finditer(r"(?m)^\s*\[\[\s*claims\s*\]\]", text)]
    seen: set[str] = set()
    for position, raw in enumerate(claims, start=1):
        line = text.count("\n", 0, starts[position - 1]) + 1 if position <= len(starts) else None
        claim = _read_claim(raw, position, line, path, text)
        if claim.name in seen and claim.error is None:
            claim.error = ClaimError("two claims have this name", file=path, claim=claim.name,
                                     field="name", line=line, hint="give each claim its own name")
        seen.add(claim.name)
        result.claims.append(claim)
    return result


def _nesting(text: str) -> int:
    """How deep [ and { brackets nest outside strings and comments (an upper bound: a
    bracket inside a string may count), so that tomllib is never asked to recurse deeply."""
    depth = deepest = 0
    for line in text.splitlines():
        for char in line.split("#", 1)[0]:
            if char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "]}":
                depth = max(0, depth - 1)
    return deepest


def describe_value(value) -> str:
    """What a TOML value is, for a message (never its repr: it may be huge or deep)."""
    kinds = {str: "a string", bool: "true/false", int: "a number", float: "a number",
             list: "a list", dict: "a table"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _read_top_level(data: dict, result: ClaimFile) -> None:
    path = result.path
    for key in data:
        if key not in TOP_LEVEL:
            hint = suggest(key, TOP_LEVEL) or f"the fields are {', '.join(sorted(TOP_LEVEL))}"
            raise ClaimError(f"unknown field {key!r}", file=path, field=key,
                             line=_line_of(result.text, key), hint=hint)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ClaimError("missing title" if title is None else
                         f"the title must be text in quotes, not {describe_value(title)}",
                         file=path, field="title",
                         hint='start the file with title = "What this file derives"')
    if len(title) > MAX_NAME_CHARS:
        raise ClaimError(f"the title is longer than {MAX_NAME_CHARS} characters", file=path,
                         field="title", hint="put the details in source")
    result.title = title
    source = data.get("source", "")
    if not isinstance(source, str):
        raise ClaimError(f"source is free text in quotes, not {describe_value(source)}",
                         file=path, field="source")
    result.source = source
    for table in ("symbols", "define"):
        value = data.get(table, {})
        if not isinstance(value, dict):
            raise ClaimError(f"[{table}] must be a table of name = \"...\" lines", file=path,
                             field=table)
        for name, text in value.items():
            if not isinstance(text, str):
                raise ClaimError(f"the value must be a string in quotes, not "
                                 f"{describe_value(text)}", file=path, field=f"{table}.{name}",
                                 line=_line_of(result.text, name),
                                 hint=f'write {name} = "..."')
        setattr(result, table, dict(value))
    _read_latex_settings(data, result)
    claims = data.get("claims")
    if claims is None or not isinstance(claims, list) or not claims:
        raise ClaimError("no claims", file=path, field="claims",
                         hint="add at least one [[claims]] table")
    for claim in claims:
        if not isinstance(claim, dict):
            raise ClaimError("each claim is a [[claims]] table", file=path, field="claims")
    if len(claims) > MAX_CLAIMS:
        raise ClaimError(f"more than {MAX_CLAIMS} claims in one file", file=path,
                         field="claims", hint="split it into several claim files")


def _read_latex_settings(data: dict, result: ClaimFile) -> None:
    """The [latex] table (fragments as written -> names) and latex_star."""
    path = result.path
    table = data.get("latex", {})
    if not isinstance(table, dict):
        raise ClaimError("[latex] maps LaTeX fragments, as written, to names", file=path,
                         field="latex", hint="""e.g. '\\hat{y}' = "s" under [latex]""")
    if len(table) > MAX_LATEX_NAMES or any(len(f) > MAX_NAME_FRAGMENT for f in table):
        raise ClaimError(f"[latex] holds at most {MAX_LATEX_NAMES} entries of at most "
                         f"{MAX_NAME_FRAGMENT} characters", file=path, field="latex")
    for fragment, name in table.items():
        if not isinstance(name, str) or not name.isidentifier() or not fragment.strip():
            raise ClaimError(f"the [latex] entry {fragment!r} must map to a name in quotes",
                             file=path, field=f"latex.{fragment}",
                             line=_line_of(result.text, fragment),
                             hint="e.g. 'W^{(2)}' = \"W2\"")
    result.latex = dict(table)
    star = data.get("latex_star")
    if star is not None and star not in LATEX_STAR:
        raise ClaimError(f"latex_star is \"matrix\" or \"elementwise\", not {star!r}"
                         if isinstance(star, str) else "latex_star is a string", file=path,
                         field="latex_star", line=_line_of(result.text, "latex_star"),
                         hint="it says how * between two arrays reads when both products fit")
    result.latex_star = star


def _read_claim(raw: dict, position: int, line: int | None, path: str, text: str) -> RawClaim:
    name = raw.get("name", f"claim-{position}")
    kind = raw.get("kind")
    shown = name if isinstance(name, str) and 0 < len(name) <= MAX_NAME_CHARS \
        else f"claim-{position}"
    claim = RawClaim(name=shown, kind=kind if isinstance(kind, str) else "", fields=dict(raw),
                     line=line)

    def fail(message, field=None, hint=None):
        claim.error = ClaimError(message, file=path, claim=claim.name, field=field,
                                 line=_line_of(text, field, line) if field else line, hint=hint)
        return claim

    if not isinstance(name, str) or not name.strip():
        return fail(f"the name must be a non-empty string, not {describe_value(name)}", "name")
    if len(name) > MAX_NAME_CHARS:
        return fail(f"the name is longer than {MAX_NAME_CHARS} characters", "name")
    if kind is None:
        return fail("missing kind", "kind", f"one of {', '.join(KINDS)}")
    if not isinstance(kind, str):
        return fail(f"expected a string, not {describe_value(kind)}", "kind",
                    f'e.g. kind = "gradient"; the kinds are {", ".join(KINDS)}')
    if kind not in KINDS:
        return fail(f"unknown kind {kind!r}", "kind",
                    suggest(str(kind), KINDS) or f"one of {', '.join(KINDS)}")
    required, optional = KINDS[kind]
    allowed = required | optional | {"name", "kind", "points"}
    if kind in REAL_SIZES_KINDS:
        allowed |= {"sizes"}
    allowed |= {f"{key}_latex" for key in allowed & EXPRESSION_FIELDS}
    for key in raw:
        if key not in allowed:
            return fail(f"unknown field {key!r} for a {kind} claim", key,
                        suggest(key, allowed) or f"the fields are {', '.join(sorted(allowed))}")
        if key.endswith("_latex") and key.removesuffix("_latex") in raw:
            return fail(f"both {key.removesuffix('_latex')} and {key} are given", key,
                        "give the expression once: in the expression language, or in LaTeX")
    for key in sorted(required):
        if key not in raw and f"{key}_latex" not in raw:
            return fail(f"missing field {key!r}", None,
                        f"a {kind} claim needs {', '.join(sorted(required))}")
    for key, value in raw.items():
        if key == "points":
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not 0 < value <= MAX_POINTS:
                return fail(f"points is a positive number up to {MAX_POINTS}", key,
                            "e.g. points = 2")
        elif key == "sizes":
            problem = _real_sizes_problem(value)
            if problem:
                return fail(problem, key, "e.g. sizes = { n = 1000, m = 500 }")
        elif key == "indices":
            if not (isinstance(value, list) and value and all(
                    isinstance(v, str) and v.isidentifier() and v.isascii() for v in value)):
                return fail("indices is a list of index names", key, 'e.g. indices = ["i", "j"]')
            if len(set(value)) != len(value):
                return fail("the index names must differ", key)
        elif key == "at":
            if not isinstance(value, dict) or not value or not all(
                    isinstance(v, str) for v in value.values()):
                return fail("at maps each symbol to its value, written in quotes", key,
                            'e.g. at = { W = "[[1, 0], [2, 1]]", x = "[1, -1]" }')
        elif key == "tolerance":
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not 0 < value < 1:
                return fail("tolerance is a relative tolerance, a number between 0 and 1",
                            key, "e.g. tolerance = 1e-3")
        elif key == "given":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return fail("given is a list of equations in quotes", key,
                            'e.g. given = ["f(r) == 0"]')
        elif key == "order":
            if type(value) is not int or not 1 <= value <= 6:
                return fail("order is a whole number from 1 to 6", key, "e.g. order = 2")
        elif key == "wrt" and kind == "hessian" and isinstance(value, list):
            if not value or not all(isinstance(v, str) and v.isidentifier() for v in value):
                return fail("wrt is a name or a list of names", key, 'e.g. wrt = ["w", "b"]')
        elif not isinstance(value, str):
            return fail(f"expected a string in quotes, not {describe_value(value)}", key,
                        f'write {key} = "..."')
    return claim


def _real_sizes_problem(value) -> str | None:
    """What is wrong with a claim's ``sizes`` table (real sizes for the numeric path)."""
    if not isinstance(value, dict) or not value:
        return "sizes maps dimension names to whole numbers"
    for name, size in value.items():
        if type(size) is not int or not 1 <= size <= MAX_REAL_ENTRIES:
            given = f"{size:,}" if type(size) is int else \
                f"{size:g}" if type(size) is float else describe_value(size)
            return (f"the size of {name} must be a whole number from 1 to "
                    f"{MAX_REAL_ENTRIES:,}, not {given}")
    return None


def _line_of(text: str, key: str | None, after: int | None = None) -> int | None:
    """The line where `key = ...` first stands (after line `after`), or None."""
    if not key or not text:
        return after
    lines = text.splitlines()
    start = after or 1
    for number in range(start, len(lines) + 1):
        if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", lines[number - 1]):
            return number
    return after
