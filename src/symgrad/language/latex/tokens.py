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
from ..names import COMBINING, GREEK, letter
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
           "⁻¹": "^{-1}", "ℓ": r"\ell", "⋆": r"\star", "∗": "*", "′": "'", "″": "''",
           "𝟏": r"\mathbf{1}", "𝟙": r"\mathbb{1}", "⁻": "^{-}", "⊺": r"^{\top}",
           **{s: f"^{{{d}}}" for d, s in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
           **{s: f"_{{{d}}}" for d, s in enumerate("₀₁₂₃₄₅₆₇₈₉")},
           "ᵢ": "_{i}", "ⱼ": "_{j}", "ₖ": "_{k}", "ₙ": "_{n}"}
#: Accents of pasted letters (ŷ, x̄, x̃: a letter and a combining mark) as commands.
ACCENTS = {mark: "\\" + accent for mark, accent in COMBINING.items()}
#: What a backslash becomes inside TOML's double quotes: "A^\top" holds a tab.
ESCAPED = {"\t": r"\t", "\b": r"\b", "\f": r"\f", "\r": r"\r", "\n": r"\n"}
#: ... where a newline is a line break, unless a command's name follows it ("\nabla").
NEWLINE_COMMANDS = ("abla", "eq", "e ", "u", "ot", "eg", "i ")  # \nabla, \neq, \nu, ...
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
    if any(unicodedata.combining(c) for c in text):  # y and a combining hat: ŷ
        text = unicodedata.normalize("NFC", text)
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
        elif char in ESCAPED and (char not in "\t\n" or (
                text[k + 1:k + 2].isalpha() if char == "\t" else
                (text[k + 1:] + " ").startswith(NEWLINE_COMMANDS))):
            raise ExpressionError(f"the LaTeX holds a control character where {ESCAPED[char]}"
                                  "... was meant", k,
                                  hint="inside TOML's double quotes a backslash starts an "
                                       "escape (\\t is a tab): write LaTeX in single quotes, "
                                       "'A^\\top x'")
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
            if text[end:end + 1] in ACCENTS:  # x and a combining hat: \hat{x}
                if end - 1 > k:
                    found.append(Token("word", text[k:end - 1], k, end - 1))
                for inner in tokens(f"{ACCENTS[text[end]]}{{{text[end - 1]}}}")[:-1]:
                    found.append(Token(inner.kind, inner.text, end - 1, end + 1))
                k = end + 1
                continue
            found.append(Token("word", text[k:end], k, end))
            k = end
        elif char in "0123456789":
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
        elif _greek(char):
            found.append(Token("cmd", "\\" + _greek(char), k, k + 1))
            k += 1
        elif _accented(char):  # ŷ: \hat{y}
            for inner in tokens(_accented(char)):
                if inner.kind != "end":
                    found.append(Token(inner.kind, inner.text, k, k + 1))
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


def _greek(char: str) -> str | None:
    """λ -> lambda, Σ -> Sigma (None for anything else, and for capitals LaTeX writes as
    Latin letters)."""
    if char.isascii() or not unicodedata.name(char, "").startswith("GREEK"):
        return None
    name = letter(char)
    return name if name in GREEK else None


def _accented(char: str) -> str | None:
    """ŷ -> \\hat{y} (a Latin letter with one accent LaTeX has a command for)."""
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in ACCENTS:
        return f"{ACCENTS[parts[1]]}{{{parts[0]}}}"
    return None


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
