"""The pytest plugin collects claim files under derivations/, one item per claim."""

import textwrap

pytest_plugins = ["pytester"]

FILE = textwrap.dedent('''
    title = "Plugin test"

    [symbols]
    x = "vector(n)"
    B = "matrix(n, n)"

    [[claims]]
    name = "right"
    kind = "gradient"
    of = "x @ B @ x"
    wrt = "x"
    answer = "(B + B.T) @ x"

    [[claims]]
    name = "wrong"
    kind = "gradient"
    of = "x @ B @ x"
    wrt = "x"
    answer = "2 * B @ x"

    [[claims]]
    name = "question"
    kind = "gradient"
    of = "x @ B @ x"
    wrt = "x"
''')


def test_claims_become_items_that_pass_or_fail(pytester):
    (pytester.path / "derivations").mkdir()
    (pytester.path / "derivations" / "quad.toml").write_text(FILE)
    (pytester.path / "elsewhere.toml").write_text(FILE)  # not under derivations/: ignored
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*derivations/quad.toml::right PASSED*",
                                 "*derivations/quad.toml::wrong FAILED*",
                                 "*derivations/quad.toml::question PASSED*",
                                 "*correct answer (derived and checked): B.T @ x + B @ x*",
                                 "*counterexample at n=2:*"])
    assert "Traceback" not in result.stdout.str()


def test_broken_file_fails_with_the_message(pytester):
    (pytester.path / "derivations").mkdir()
    (pytester.path / "derivations" / "bad.toml").write_text("title = 1\n[[claims]]\nkind = 2\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*title must be text in quotes, not a number*"])


SLOW = textwrap.dedent('''
    title = "Slow claims"

    [symbols]
    X = "matrix(N, d)"
    W1 = "matrix(h, d)"
    W2 = "matrix(k, h)"
    Y = "matrix(N, k)"

    [define]
    H = "tanh(X @ W1.T)"
    Z = "tanh(H @ W2.T)"
    L = "sum((Z - Y) ** 2) / N"
''') + "".join(textwrap.dedent(f'''
    [[claims]]
    name = "slow-{k}"
    kind = "gradient"
    of = "L"
    wrt = "W1"
    answer = "W1 * {k}"
''') for k in range(3))


def test_time_limits_never_reach_pytest_itself(pytester):
    (pytester.path / "derivations").mkdir()
    (pytester.path / "derivations" / "slow.toml").write_text(SLOW)
    result = pytester.runpytest_subprocess("--symgrad-timeout", "1", "-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    result.assert_outcomes(failed=3)
    assert "OutOfTime" not in output and "Traceback" not in output
    assert "error" not in output.splitlines()[-1]
