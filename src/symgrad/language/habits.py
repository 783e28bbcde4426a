"""Spellings users bring from numpy, MATLAB and paper, and what symgrad writes instead.

Each was seen on a new user's first claim file.  The parser and the resolver look a
refused word up here, so the message says what to write rather than only what is wrong.
"""

from __future__ import annotations

#: A function name symgrad does not know -> what to write instead.
FUNCTIONS = {
    "dot": "write a @ b for a dot or matrix product",
    "matmul": "write A @ B",
    "transpose": "write X.T for the transpose",
    "maximum": "write relu(x) for max(0, x)",
    "minimum": "write -relu(-x) for min(0, x)",
    "trace": "write tr(X)",
    "power": "write x ** k",
    "square": "write x ** 2",
    "multiply": "write a * b for the elementwise product",
    "hadamard": "write a * b for the elementwise product",
    "transp": "write X.T",
    "ln": "write log(x) (the natural logarithm)",
    "sigma": "write sigmoid(x)",
    "ReLU": "write relu(x)",
    "Relu": "write relu(x)",
    "identity": "write eye(n)",
    "eye_like": "write eye(n)",
    "ones_like": "write ones(n) with the dimension's name",
    "sum_": "write sum(x)",
}

#: A module prefix (np.exp) -> the hint.
PREFIXES = {"np", "numpy", "torch", "jnp", "math", "F", "tf"}

#: A method call (X.dot(Y)) -> what to write instead.
METHODS = {
    "dot": "write X @ Y instead of X.dot(Y)",
    "transpose": "write X.T instead of X.transpose()",
    "sum": "write sum(X) or sum(X, axis=0) instead of X.sum()",
    "mean": "write mean(X) instead of X.mean()",
    "T": "write X.T without brackets",
}

#: Keyword arguments numpy users write -> the hint.
KEYWORDS = {
    "keepdims": "symgrad's sum(X, axis=1) is a vector; to keep the summed axis write "
                "outer(sum(X, axis=1), ones(m))",
    "dim": "write axis=0 or axis=1 (numpy's name)",
}

#: Python keywords a user may want as a symbol name -> the name to use.
KEYWORD_NAMES = {"lambda": "lam", "in": "x_in", "is": "is_", "def": "d", "if": "cond",
                 "del": "delta", "pass": "p", "for": "f", "class": "c", "global": "g"}


def keyword_name(name: str) -> str:
    return KEYWORD_NAMES.get(name, name + "_")
