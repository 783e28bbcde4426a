"""A grammar of claim files for fuzzing: the documented vocabulary mixed with junk.

``claim_files()`` is a hypothesis strategy of TOML texts: declarations, definitions and
claims of every kind built from the expression language, with wrong TOML types, unicode,
huge numbers, deep nesting and towers of powers mixed in.  Used by ``test_fuzz.py`` (a few
hundred files in the suite) and ``benchmarks/fuzz.py`` (thousands, through the command).
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

KINDS = ["gradient", "jacobian", "backprop", "hessian", "equal", "value", "psd",
         "expectation", "convergence"]
DIMS = ["n", "m", "k", "N", "d", "2", "3", "1", "n - k + 1", "n * m", "2 * n", "n // 2", "n - n"]
NAMES = ["x", "y", "w", "b", "A", "B", "X", "W", "z", "s", "a", "c", "h", "lam", "ﬁ", "λ",
         "lambda", "sum", "_x", "x1"]
UNARY = ["sum", "mean", "tr", "softmax", "relu", "exp", "log", "tanh", "sigmoid", "sqrt",
         "abs", "norm", "diag", "step", "softplus", "max", "np.exp", "maximum", "transpose",
         "inv", "det", "logdet", "logsumexp", "vec", "flip"]
BINARY_CALLS = ["kron", "conv1d", "conv2d", "solve", "maxpool2d"]
SETTINGS = ["", ", padding=1", ", stride=2", ", padding=k - 1", ", stride=0", ", padding=[1, 2]",
            ", padding=x"]
JUNK = ["", " ", "(", "[1, (]", "x'", "x ^ 2", "lambda x: x", "__import__('os')", "x.dot(y)",
        "sum(X, keepdims=True)", "'text'", "1e999", "10**10**10", "x**(10**10)",
        "[" * 200 + "]" * 200, "(" * 80 + "x" + ")" * 80, "x" + " + x" * 2000, "\x00",
        "\u202e", "\ufeffx", "x @ @ y", "f(x)(y)", "diff(h, 9)(x)", "x[::2]", "{1: 2}"]


def _number():
    return st.one_of(st.integers(-3, 5).map(str), st.sampled_from(
        ["0.5", "1e-8", "2.0", "1e300", "10**12", "2**2**2**2**2", "-1", "1/3"]))


def expressions(names: list[str]):
    leaves = st.one_of(st.sampled_from(names or ["x"]), _number(),
                       st.sampled_from(["eye(n)", "ones(n)", "ones(m)", "pi", "eye(2)"]))

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "@", "**"]), inner)
            .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(UNARY), inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda e: f"({e}).T"),
            inner.map(lambda e: f"-{e}"),
            st.tuples(inner, inner).map(lambda t: f"outer({t[0]}, {t[1]})"),
            st.tuples(inner, st.sampled_from(["0", "1", "2"])).map(
                lambda t: f"sum({t[0]}, axis={t[1]})"),
            st.tuples(inner, st.sampled_from(["i", "0", "k"])).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(inner, st.integers(1, 400)).map(lambda t: f"({t[0]}) ** {t[1]}"),
            st.tuples(st.sampled_from(BINARY_CALLS), inner, inner, st.sampled_from(SETTINGS))
            .map(lambda t: f"{t[0]}({t[1]}, {t[2]}{t[3]})"),
            st.tuples(inner, st.sampled_from(["i + 1", "2 * i - k", "i - j"])).map(
                lambda t: f"{t[0]}[{t[1]}]"),
        )

    grammar = st.recursive(leaves, extend, max_leaves=8)
    return st.one_of(grammar, grammar, grammar, st.sampled_from(JUNK))


def declarations():
    dims = st.sampled_from(DIMS)
    qualifier = st.sampled_from(["", ", symmetric", ", positive", ", onehot", ", binary",
                                 ", nonzero", ", probability", ", bogus", ", orthogonal",
                                 ", spd", ", invertible"])
    return st.one_of(
        st.just("scalar"), st.just("function"),
        st.tuples(dims, qualifier).map(lambda t: f"vector({t[0]}{t[1]})"),
        st.tuples(dims, dims, qualifier).map(lambda t: f"matrix({t[0]}, {t[1]}{t[2]})"),
        st.sampled_from(["normal(0, s**2)", "normal(0, 1, n)", "normal(1)", "tensor(n)",
                         "vector(" + "n" * 600 + ")", "matrix(n, n, n)", "vector(0)",
                         "vector(100000)", "scalar(", "matrix(n, m, onehot)"]),
    )


def _junk_value():
    return st.one_of(st.integers(), st.floats(allow_nan=True), st.booleans(),
                     st.lists(st.text(max_size=5), max_size=3),
                     st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
                     st.text(max_size=30))


def claim_files():
    """The text of one claim file: mostly well-formed claims that reach the engine (and are
    often wrong), else junk of every kind (sometimes not valid TOML at all)."""
    return st.one_of(typed_files(), typed_files(), junk_files())


# --- well-typed claims: vectors x, y of size n, u of size m, A n x n, B m x n, c a scalar ---

TYPED_SYMBOLS = {"x": "vector(n)", "y": "vector(n)", "u": "vector(m)", "A": "matrix(n, n)",
                 "B": "matrix(m, n)", "c": "scalar", "h": "function"}
ELEMENTWISE = ["exp", "tanh", "sigmoid", "relu", "softplus", "h", "abs", "step"]


def vectors():
    """Expressions of shape (n,)."""
    leaves = st.sampled_from(["x", "y", "c * ones(n)", "A.T @ x", "B.T @ u", "2 * x"])

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner)
            .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(ELEMENTWISE + ["softmax"]), inner)
            .map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda e: f"A @ ({e})"), inner.map(lambda e: f"c * ({e})"),
            inner.map(lambda e: f"({e}) ** 2"), inner.map(lambda e: f"B.T @ (B @ ({e}))"),
            st.tuples(inner, scalars_leaf()).map(lambda t: f"({t[0]}) / (1 + ({t[1]}) ** 2)"),
        )

    return st.recursive(leaves, extend, max_leaves=5)


def scalars_leaf():
    return st.sampled_from(["c", "sum(x)", "x @ y", "tr(A)", "norm(x)", "mean(y)", "u @ u"])


def scalars():
    return st.one_of(
        scalars_leaf(),
        vectors().map(lambda e: f"sum({e})"), vectors().map(lambda e: f"x @ ({e})"),
        vectors().map(lambda e: f"log(sum(exp({e})))"), vectors().map(lambda e: f"norm({e})"),
        st.tuples(vectors(), vectors()).map(lambda t: f"({t[0]}) @ ({t[1]})"),
        vectors().map(lambda e: f"sum(({e}) * ({e})) / 2"),
    )


def matrices():
    """Expressions of shape (n, n)."""
    return st.one_of(matrices_leaf(),
                     vectors().map(lambda e: f"diag({e})"),
                     st.tuples(vectors(), vectors()).map(lambda t: f"outer({t[0]}, {t[1]})"),
                     vectors().map(lambda e: f"A @ diag({e})"),
                     st.tuples(matrices_leaf(), st.sampled_from(["+", "-", "@"]),
                               matrices_leaf()).map(lambda t: f"{t[0]} {t[1]} {t[2]}"))


def matrices_leaf():
    return st.sampled_from(["A", "A.T", "eye(n)", "B.T @ B", "c * A", "diag(x)"])


@st.composite
def typed_files(draw) -> str:
    claims = []
    for position in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["gradient", "gradient", "jacobian", "equal", "hessian",
                                     "value", "backprop", "psd"]))
        claim = {"name": f"c{position}", "kind": kind}
        question = draw(st.booleans())
        if kind == "gradient":
            claim |= {"of": draw(scalars()), "wrt": draw(st.sampled_from(["x", "y", "c"]))}
            if not question:
                claim["answer"] = draw(st.one_of(vectors(), scalars()))
        elif kind == "jacobian":
            claim |= {"of": draw(vectors()), "wrt": "x"}
            if not question:
                claim["answer"] = draw(matrices())
        elif kind == "backprop":
            claim |= {"of": draw(vectors()), "wrt": "x", "upstream": "G"}
            if not question:
                claim["answer"] = draw(vectors()).replace("y", "G")
        elif kind == "hessian":
            claim |= {"of": draw(scalars()), "wrt": "x"}
            if not question:
                claim["answer"] = draw(matrices())
        elif kind == "equal":
            same = draw(st.sampled_from([vectors, scalars, matrices]))
            claim |= {"lhs": draw(same()), "rhs": draw(same())}
        elif kind == "psd":
            claim |= {"of": draw(matrices())}
        else:
            claim |= {"of": draw(scalars()), "answer": draw(st.sampled_from(["0", "1.5", "2"])),
                      "at": {"x": "[1, 2]", "y": "[0, -1]", "u": "[1]", "c": "0.5",
                             "A": "[[1, 0], [2, 1]]", "B": "[[1, 1]]"}}
        claims.append(claim)
    symbols = dict(TYPED_SYMBOLS)
    if any(c["kind"] == "value" for c in claims):
        symbols.pop("h")
        for claim in claims:  # a value claim has no function to evaluate
            for key, value in list(claim.items()):
                if isinstance(value, str) and "h(" in value:
                    claim[key] = value.replace("h(", "tanh(")
    return _toml(draw(st.sampled_from(["typed", "Homework 3"])), symbols, {}, claims)


# --- junk: the documented vocabulary and anything else, in any field ---------------------

@st.composite
def junk_files(draw) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), max_size=5, unique=True))
    symbols = {name: draw(declarations()) for name in names}
    expr = expressions([*names, "r", "q"])
    define = {name: draw(expr) for name in draw(st.lists(st.sampled_from(["r", "q", "x"]),
                                                        max_size=2, unique=True))}
    claims = []
    for position in range(draw(st.integers(1, 3))):
        kind = draw(st.one_of(st.sampled_from(KINDS), st.sampled_from(KINDS),
                              st.sampled_from(["gradiant", "", "Gradient"]), _junk_value()))
        fields = {"name": draw(st.one_of(st.just(f"c{position}"), st.text(max_size=12))),
                  "kind": kind}
        for key in draw(st.lists(st.sampled_from(
                ["of", "wrt", "answer", "lhs", "rhs", "upstream", "indices", "at", "certificate",
                 "iteration", "variable", "root", "order", "given", "constant", "tolerance",
                 "bogus"]), max_size=7, unique=True)):
            fields[key] = draw(_field(key, names, expr))
        for key in _required(kind):
            fields.setdefault(key, draw(_field(key, names, expr)))
        claims.append(fields)
    title = draw(st.one_of(st.just("fuzz"), st.text(max_size=40), _junk_value()))
    text = _toml(title, symbols, define, claims)
    mangle = draw(st.sampled_from(["none"] * 12 + ["truncate", "deep", "bytes", "dup"]))
    if mangle == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif mangle == "deep":
        depth = draw(st.integers(50, 3000))
        text = text.replace('title = ', f'source = {"[" * depth}{"]" * depth}\ntitle = ', 1)
    elif mangle == "bytes":
        text += draw(st.text(max_size=20))
    elif mangle == "dup":
        text += text
    return text


def _field(key: str, names: list[str], expr):
    if key in ("wrt", "variable", "root"):
        return st.one_of(st.sampled_from(names or ["x"]), st.just(["w", "b"]), _junk_value())
    if key == "indices":
        return st.one_of(st.just(["i"]), st.just(["i", "j"]), st.just(["ｉ"]), _junk_value())
    if key == "at":
        return st.one_of(st.dictionaries(st.sampled_from(names or ["x"]), expr, max_size=3),
                         _junk_value())
    if key == "order":
        return st.one_of(st.integers(-1, 8), _junk_value())
    if key == "tolerance":
        return st.one_of(st.floats(0, 2), _junk_value())
    if key == "given":
        return st.one_of(st.lists(expr.map(lambda e: f"{e} == 0"), max_size=2), _junk_value())
    return st.one_of(expr, expr, expr, _junk_value())


def _required(kind) -> list[str]:
    return {"gradient": ["of", "wrt"], "jacobian": ["of", "wrt"],
            "backprop": ["of", "wrt", "upstream"], "hessian": ["of", "wrt"],
            "equal": ["lhs", "rhs"], "value": ["of", "at", "answer"], "psd": ["of"],
            "expectation": ["of", "answer"],
            "convergence": ["iteration", "variable", "root", "order"]}.get(
                kind if isinstance(kind, str) else "", [])


def _toml(title, symbols: dict, define: dict, claims: list[dict]) -> str:
    lines = [f"title = {_value(title)}", "", "[symbols]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in symbols.items()]
    if define:
        lines += ["", "[define]"] + [f"{_key(k)} = {_value(v)}" for k, v in define.items()]
    for claim in claims:
        lines += ["", "[[claims]]"] + [f"{_key(k)} = {_value(v)}" for k, v in claim.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if key.isascii() and key.replace("_", "a").isalnum() else json.dumps(key)


def _value(value) -> str:
    """A TOML value (JSON's string escapes are TOML's, for the characters JSON escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)
