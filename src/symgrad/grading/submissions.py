"""A class's submissions: TOML files (or folders of them), each one student's answers.

A submission holds an ``[answers]`` table: ``q1 = "B.T @ x + B @ x"`` (the expression
language) or ``q1 = { latex = '\\mathbf{B}^\\top\\mathbf{x}' }`` (LaTeX), and may add its
own ``[latex]`` table of names.  The student is the file's stem.  A submission that cannot
be read is kept with its error, so that it costs only its own row.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import (
    MAX_CLAIMS,
    MAX_EXPRESSION_CHARS,
    MAX_FILE_BYTES,
    MAX_LATEX_NAMES,
    MAX_NAME_FRAGMENT,
)

TOP_LEVEL = {"answers", "latex", "student"}


@dataclass(frozen=True)
class Answer:
    """One answer as the student wrote it: text in the expression language, or LaTeX."""

    text: str
    latex: bool = False


@dataclass
class Submission:
    student: str  # the file's stem: its row, its feedback file
    path: str
    answers: dict[str, Answer | str] = field(default_factory=dict)  # str: why it is unreadable
    latex: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # the whole file cannot be read
    name: str = ""  # the name the submission gives (shown in its feedback's heading)


def find(paths) -> list[Path]:
    """The submission files: each file given, and the .toml files of each folder (sorted)."""
    found = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix == ".toml" and p.is_file())
        else:
            found.append(path)
    return found


def read(path: Path) -> Submission:
    """One submission; a problem of the file is its ``error``, of one answer that answer's."""
    submission = Submission(student=path.stem, path=str(path))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            submission.error = f"the file is larger than {MAX_FILE_BYTES:,} bytes"
            return submission
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        submission.error = "no such file"
        return submission
    except UnicodeDecodeError:
        submission.error = "the file is not UTF-8 text (save it as UTF-8)"
        return submission
    except OSError as exc:
        submission.error = exc.strerror or str(exc)
        return submission
    except tomllib.TOMLDecodeError as exc:
        submission.error = (f"not valid TOML: {exc} (a LaTeX answer goes in single quotes: "
                            "q1 = { latex = '\\mathbf{x}' }, or ''' quotes if it has a ')")
        return submission
    except (RecursionError, MemoryError):
        submission.error = "the TOML is nested too deeply to read"
        return submission
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        submission.error = (f"unknown field {unknown[0]!r}: a submission holds an [answers] "
                            "table (and may hold a [latex] table)")
        return submission
    answers = data.get("answers")
    if not isinstance(answers, dict):
        submission.error = ("no [answers] table" if answers is None else
                            "answers must be a table: [answers] then q1 = \"...\" lines")
        return submission
    if len(answers) > MAX_CLAIMS:
        submission.error = f"more than {MAX_CLAIMS} answers"
        return submission
    if isinstance(data.get("student"), str) and data["student"].strip():
        submission.name = " ".join(data["student"].split())[:200]
    table = data.get("latex", {})
    if not isinstance(table, dict):
        submission.error = "[latex] maps LaTeX fragments to names: '\\hat{y}' = \"s\""
        return submission
    if len(table) > MAX_LATEX_NAMES or any(len(f) > MAX_NAME_FRAGMENT for f in table):
        submission.error = (f"[latex] holds at most {MAX_LATEX_NAMES} entries of at most "
                            f"{MAX_NAME_FRAGMENT} characters")
        return submission
    for fragment, name in table.items():
        if not isinstance(name, str) or not name.isidentifier():
            submission.error = (f"the [latex] entry {fragment!r} must map to a name in quotes, "
                                "e.g. '\\hat{y}' = \"s\"")
            return submission
    submission.latex = dict(table)
    for question, value in answers.items():
        submission.answers[question] = _answer(value)
    return submission


def _answer(value) -> Answer | str:
    if isinstance(value, dict):
        if set(value) == {"latex"} and isinstance(value["latex"], str):
            value, latex = value["latex"], True
        elif set(value) == {"expression"} and isinstance(value["expression"], str):
            value, latex = value["expression"], False
        else:
            return "an answer is a string, or a table { latex = '...' }"
    elif isinstance(value, str):
        latex = False
    else:
        return "an answer is a string in quotes, or { latex = '...' }"
    if not value.strip():
        return "the answer is empty"
    if len(value) > MAX_EXPRESSION_CHARS:
        return f"the answer is longer than {MAX_EXPRESSION_CHARS} characters"
    return Answer(value, latex)
