"""The examples of the core issue's contract, exactly as written there."""

import symgrad

QUADRATIC = '''
title = "Gradient of a quadratic form"      # required
source = "Matrix Cookbook (81); DL homework 1 Q1.a"   # optional, free text

[symbols]                  # every name used in expressions, with its shape
x = "vector(n)"
B = "matrix(n, n)"

[define]                   # optional named intermediates, in order
q = "x.T @ B @ x"

[[claims]]
name = "gradient"          # optional; default claim-1, claim-2, ...
kind = "gradient"
of = "q"
wrt = "x"
answer = "B.T @ x + B @ x"
'''

TRACE = '''
title = "Trace of a product"

[symbols]
V = "matrix(n, m)"
X = "matrix(m, p)"
W = "matrix(p, n)"

[[claims]]
kind = "gradient"
of = "tr(V @ X @ W)"
wrt = "X"
answer = "V.T @ W.T"

[[claims]]
kind = "gradient"
of = "tr(V @ X @ W)"
wrt = "X"
indices = ["i", "j"]
answer = "sum(V[k, i] * W[j, k], k)"
'''

SOFTMAX = '''
title = "Softmax Jacobian"

[symbols]
z = "vector(K)"

[define]
s = "softmax(z)"

[[claims]]
kind = "jacobian"
of = "s"
wrt = "z"
answer = "diag(s) - outer(s, s)"

[[claims]]
kind = "jacobian"
of = "s"
wrt = "z"
indices = ["k", "i"]
answer = "s[k] * (delta(k, i) - s[i])"
'''

LINEAR = '''
title = "Linear layer"

[symbols]
X = "matrix(N, d)"
W = "matrix(m, d)"
b = "vector(m)"

[[claims]]
kind = "backprop"
of = "X @ W.T + b"
wrt = "W"
upstream = "G"
answer = "G.T @ X"
'''


def test_quadratic_form_example_is_proved():
    [result] = symgrad.check(QUADRATIC)
    assert (result.claim, result.kind, result.verdict) == ("gradient", "gradient", "proved")


def test_trace_example_claims_get_default_names_and_are_proved():
    results = symgrad.check(TRACE)
    assert [r.claim for r in results] == ["claim-1", "claim-2"]
    assert [r.verdict for r in results] == ["proved", "proved"]


def test_softmax_example_is_proved():
    assert [r.verdict for r in symgrad.check(SOFTMAX)] == ["proved", "proved"]


def test_linear_layer_example_is_proved():
    assert [r.verdict for r in symgrad.check(LINEAR)] == ["proved"]


def test_proof_scope_names_distinct_non_square_sizes():
    matrix_form, index_form = symgrad.check(TRACE)
    assert matrix_form.scope == "all sizes"
    # n, m, p take distinct sizes >= 2, in two different assignments
    assert "explicit entries agree at sizes n=2, m=3, p=4; n=3, m=4, p=2" in matrix_form.reason
    assert index_form.scope == "all sizes"
    assert "explicit entries agree at sizes n=2, m=3, p=4; n=3, m=4, p=2" in index_form.reason
