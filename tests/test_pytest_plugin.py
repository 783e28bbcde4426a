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
    result.stdout.fnmatch_lines(["*missing title*"])
