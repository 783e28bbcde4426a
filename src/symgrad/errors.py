"""The one exception tree of symgrad.

Every problem with a claim file becomes a :class:`ClaimError` that says where
(file, claim, field, line) and what to do next; the CLI and the pytest plugin
print its message and never a traceback.
"""

from __future__ import annotations


class SymgradError(Exception):
    """Base class of every error symgrad raises on purpose."""


class ClaimError(SymgradError):
    """A claim file, or one claim of it, cannot be understood.

    Cause: bad TOML, an unknown field, name or function, a bad declaration, an
    expression outside the language.  Remedy: the ``hint``, when there is one.
    ``claim`` is None for a problem of the whole file (which makes every claim
    of the file an error).
    """

    def __init__(self, message: str, *, file: str = "<text>", claim: str | None = None,
                 field: str | None = None, line: int | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.claim = claim
        self.field = field
        self.line = line
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.claim:
            parts.append(f"claim {self.claim!r}")
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + ": " + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def located(self, **where) -> ClaimError:
        """The same error with missing location parts filled in."""
        fields = dict(file=self.file, claim=self.claim, field=self.field, line=self.line)
        for key, value in where.items():
            if fields.get(key) in (None, "<text>"):
                fields[key] = value
        return ClaimError(self.message, hint=self.hint, **fields)


class ExpressionError(SymgradError):
    """An expression string is outside the language or ill-shaped.

    Raised while parsing or inferring shapes; ``column`` points into the
    expression text.  The model turns it into a located :class:`ClaimError`.
    """

    def __init__(self, message: str, column: int | None = None, hint: str | None = None):
        self.message = message
        self.column = column
        self.hint = hint
        super().__init__(message)


class ShapeMismatch(ExpressionError):
    """Operands whose shapes cannot combine.  In an answer this refutes the
    claim (a wrong answer); in the question itself it is an error."""


class OutOfTime(SymgradError):
    """A per-claim time limit ran out; the path that hit it is undecided."""
