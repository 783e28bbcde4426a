"""The names of a claim file in mathematics: each name's base letter, accent and subscript.

``gamma`` and ``λ`` are γ, ``lam`` is λ, ``xhat``/``x_hat``/``ŷ`` carry a hat, ``W1`` is W
with subscript 1, ``x_out`` is x with subscript out.  The LaTeX printer
(:mod:`symgrad.output.latex`) writes names from these parts, and the LaTeX reader
(:mod:`symgrad.language.latex`) matches what a student wrote against them, so that
``\\mathbf{W}_{1}`` reads back as ``W1``.
"""

from __future__ import annotations

import unicodedata

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi",
         "chi", "psi", "omega", "varepsilon", "vartheta", "varphi", "varrho", "varsigma",
         "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
         "Omega"}
#: Common spellings of names that cannot be written as they are (``lambda`` is a keyword).
ALIASES = {"eps": r"\varepsilon", "epsilon": r"\varepsilon", "lam": r"\lambda",
           "lamda": r"\lambda", "lmbda": r"\lambda", "ell": r"\ell"}
#: Accents a name asks for: ``xhat`` or ``x_hat`` is x̂ (and so is ``ŷ``, written with one).
ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde"}
WIDE = {r"\hat": r"\widehat", r"\bar": r"\overline", r"\tilde": r"\widetilde"}
COMBINING = {"\u0302": "hat", "\u0304": "bar", "\u0305": "bar", "\u0303": "tilde"}

def parts(name: str) -> tuple[str, str, str]:
    """A name's base, accent and subscript: lam -> (\\lambda, '', ''), xhat, x_hat and ŷ
    -> (x, hat, ''), W1 -> (W, '', 1), x_out -> (x, '', \\mathrm{out})."""
    accent, letters = "", []
    for char in unicodedata.normalize("NFKD", name):
        if char in COMBINING:
            accent = COMBINING[char]
        elif not unicodedata.combining(char):
            letters.append(letter(char))
    stem = "".join(letters).strip("_") or "x"
    base = stem.rstrip("0123456789_") or stem
    digits = stem[len(base):].replace("_", "")
    base, _, sub = base.partition("_")
    if sub in ACCENTS:
        accent, sub = sub, ""
    elif not accent:
        for suffix in ACCENTS:
            if base.endswith(suffix) and len(base) > len(suffix):
                accent, base = suffix, base[:-len(suffix)]
                break
    core = base.rstrip("0123456789") or base
    sub = base[len(core):] + sub.replace("_", ",") + digits
    return symbol(core), accent, symbol(sub) if len(sub) > 2 and sub.isalpha() else sub


def symbol(word: str) -> str:
    if word in ALIASES:
        return ALIASES[word]
    if word in GREEK:
        return "\\" + word
    return word


#: Capital Greek letters that LaTeX writes with a command of their own (the others are Latin).
CAPITAL_GREEK = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
                 "Psi", "Omega"}


def letter(char: str) -> str:
    """A character of a name as ASCII: Greek letters by their names (λ -> lambda, which
    math_name then writes \\lambda), anything else outside ASCII as x."""
    if char.isascii():
        return char
    words = unicodedata.name(char, "").split()
    if words[:2] == ["GREEK", "SMALL"] and len(words) == 4:
        name = words[3].lower().replace("lamda", "lambda")
        return name if name in GREEK else "x"
    if words[:2] == ["GREEK", "CAPITAL"] and len(words) == 4:
        name = words[3].capitalize().replace("Lamda", "Lambda")
        return name if name in CAPITAL_GREEK else name[0]
    return "x"
