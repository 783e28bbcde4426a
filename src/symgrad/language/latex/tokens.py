"""LaTeX text -> tokens (the first half of reading an answer written in LaTeX).

A token is a command (``\\mathbf``), a word of letters, a number, one character of
punctuation, or a fragment that the file's ``[latex]`` table maps to a name.  Spacing
commands, ``\\left``/``\\right`` and the size commands are dropped here, and the
mathematical characters that students paste (ᵀ, ∘, ⊙, λ, −) become their commands.
Nothing is evaluated; a character outside the reader's alphabet is an error at its column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...errors import ExpressionError
from ...limits import MAX_EXPRESSION_CHARS
from .words import FONTS

#: Commands that carry no meaning for an expression: spacing, delimiter sizes, styles.
IGNORED = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr",
           r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\middle",
           r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad", r"\textstyle",
           r"\displaystyle", r"\limits", r"\nolimits",
           r"\scriptstyle", r"\hspace", r"\enspace", r"\thinspace", r"\medspace",
           r"\thickspace", r"\negthinspace"}
#: Characters pasted from Unicode, as the LaTeX they stand for.
UNICODE = {"ᵀ": r"^{\top}", "⊤": r"\top", "−": "-", "·": r"\cdot", "⋅": r"\cdot",
           "×": r"\times", "∘": r"\circ", "⊙": r"\odot", "⊘": r"\oslash", "⊗": r"\otimes",
           "∂": r"\partial", "∇": r"\nabla", "∑": r"\sum", "√": r"\sqrt", "‖": r"\|",
           "δ": r"\delta", "σ": r"\sigma", "⁻¹": "^{-1}", "²": "^{2}", "ℓ": r"\ell",
           "⋆": r"\star", "∗": "*"}
PUNCTUATION = set("+-*/^_()[]{}|,=&<>.!'")


@dataclass(frozen=True)
class Token:
    kind: str  # "cmd", "word", "num", "sym", "mapped", "end"
    text: str
    col: int
    end: int  # the column after it
    name: str = ""  # for "mapped": the name the [latex] table gives


def tokens(text: str, table: dict[str, str] | None = None) -> list[Token]:
    """The tokens of ``text`` (math delimiters $...$, \\[...\\] removed), then an end token."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"the LaTeX is longer than symgrad's limit of "
                              f"{MAX_EXPRESSION_CHARS} characters",
                              hint="split it with named intermediates in [define]")
    text = _unwrap(text)
    keys = sorted((table or {}).items(), key=lambda item: -len(item[0]))
    found: list[Token] = []
    k = 0
    while k < len(text):
        char = text[k]
        mapped = next(((key, name) for key, name in keys if key and text.startswith(key, k)),
                      None)
        if mapped:
            found.append(Token("mapped", mapped[0], k, k + len(mapped[0]), mapped[1]))
            k += len(mapped[0])
        elif char.isspace() or char == "~":
            k += 1
        elif char == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", text[k:], re.S)
            if match is None:
                raise ExpressionError("a backslash ends the LaTeX", k)
            command = match.group(0)
            if command == r"\operatorname" and text.startswith("*", k + len(command)):
                command_end = k + len(command) + 1
            else:
                command_end = k + len(command)
            if command not in IGNORED:
                found.append(Token("cmd", command, k, command_end))
            elif command == r"\hspace":  # \hspace{2mm}: its argument goes too
                closing = text.find("}", command_end)
                command_end = closing + 1 if closing >= 0 else command_end
            k = command_end
        elif char.isascii() and char.isalpha():
            end = k
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            found.append(Token("word", text[k:end], k, end))
            k = end
        elif char.isdigit():
            match = re.match(r"\d+(\.\d+)?", text[k:])
            found.append(Token("num", match.group(0), k, k + len(match.group(0))))
            k += len(match.group(0))
        elif text.startswith("||", k):
            found.append(Token("cmd", r"\|", k, k + 2))
            k += 2
        elif char in PUNCTUATION:
            found.append(Token("sym", char, k, k + 1))
            k += 1
        elif char in UNICODE or text[k:k + 2] in UNICODE:
            pasted = text[k:k + 2] if text[k:k + 2] in UNICODE else char
            for inner in tokens(UNICODE[pasted]):
                if inner.kind != "end":
                    found.append(Token(inner.kind, inner.text, k, k + len(pasted)))
            k += len(pasted)
        elif unicodedata.name(char, "").startswith("GREEK SMALL LETTER"):
            name = unicodedata.name(char).split()[-1].lower().replace("lamda", "lambda")
            found.append(Token("cmd", "\\" + name, k, k + 1))
            k += 1
        else:
            raise ExpressionError(f"the character {char!r} is not part of the LaTeX symgrad "
                                  "reads", k, hint=_hint_for(char))
    found.append(Token("end", "", len(text), len(text)))
    return _unwrap_classes(found)


#: \mathbin{\star}, \mathop{...}: the command and its braces go, the inside stays.
CLASSES = {r"\mathbin", r"\mathop", r"\mathord", r"\mathrel"}


def _unwrap_classes(found: list[Token]) -> list[Token]:
    dropped, k = set(), 0
    while k < len(found):
        if found[k].kind == "cmd" and found[k].text in CLASSES:
            dropped.add(k)
            if k + 1 < len(found) and found[k + 1].text == "{":
                depth, j = 0, k + 1
                while j < len(found):
                    depth += found[j].text == "{"
                    depth -= found[j].text == "}"
                    if depth == 0:
                        dropped |= {k + 1, j}
                        break
                    j += 1
        k += 1
    return [t for i, t in enumerate(found) if i not in dropped]


def _unwrap(text: str) -> str:
    """The mathematics inside $...$, $$...$$, \\[...\\] or \\(...\\), blanked to keep columns."""
    stripped = text.strip()
    for opening, closing in (("$$", "$$"), ("$", "$"), (r"\[", r"\]"), (r"\(", r"\)")):
        if stripped.startswith(opening) and stripped.endswith(closing) and \
                len(stripped) >= len(opening) + len(closing):
            start = text.index(opening)
            end = text.rindex(closing)
            return " " * (start + len(opening)) + text[start + len(opening):end]
    return text


def _hint_for(char: str) -> str:
    if char == "$":
        return "write the mathematics alone, or wrapped in one pair of $...$"
    if char == "%":
        return "a % starts a LaTeX comment: leave comments out of an answer"
    if char in "#@;:?\"":
        return "write the answer as a formula, e.g. \\mathbf{B}^\\top \\mathbf{x}"
    return "use LaTeX commands for symbols, e.g. \\odot, \\top, \\lambda"


def compact(found: list[Token]) -> str:
    """A subscript as the names' parts write it: braces, spaces and fonts dropped."""
    kept = [t.text for t in found if t.text not in ("{", "}") and t.text not in FONTS]
    return "".join(kept)


def split_commas(found: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas outside brackets."""
    groups, current, depth = [], [], 0
    for token in found:
        depth += token.text in ("(", "[", "{")
        depth -= token.text in (")", "]", "}")
        if token.kind == "sym" and token.text == "," and depth == 0:
            groups.append(current)
            current = []
        else:
            current.append(token)
    return groups + [current]
