"""The command line: output, JSON, exit status, seeds, list, --version."""

import json
import subprocess
import sys

import pytest

from symgrad import __version__
from symgrad.cli import main
from tests.helpers import claims_text

XB = {"x": "vector(n)", "B": "matrix(n, n)"}
RIGHT = dict(name="right", kind="gradient", of="x @ B @ x", wrt="x", answer="B.T @ x + B @ x")
WRONG = dict(name="wrong", kind="gradient", of="x @ B @ x", wrt="x", answer="2 * B @ x")
BROKEN = dict(name="broken", kind="gradient", of="x @ C @ x", wrt="x", answer="x")


@pytest.fixture
def files(tmp_path):
    def make(*claims, name="claims.toml"):
        path = tmp_path / name
        path.write_text(claims_text(XB, *claims))
        return path

    return make


def test_exit_status_0_when_all_proved(files, capsys):
    assert main(["check", str(files(RIGHT))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("proved     ") and "claims.toml::right" in out
    assert "1 claim: 1 proved, 0 verified, 0 refuted, 0 undecided, 0 error" in out


def test_exit_status_1_on_refutation_with_counterexample(files, capsys):
    assert main(["check", str(files(RIGHT, WRONG))]) == 1
    out = capsys.readouterr().out
    assert "refuted    " in out and "counterexample at n=2:" in out
    assert "expected (true value):" in out and "got (the answer):" in out


def test_exit_status_2_on_error_even_with_refutations(files, capsys):
    assert main(["check", str(files(WRONG, BROKEN))]) == 2
    assert "unknown name 'C'" in capsys.readouterr().out


def test_json_fields(files, capsys):
    main(["check", "--json", str(files(RIGHT, WRONG))])
    right, wrong = json.loads(capsys.readouterr().out)
    for item in (right, wrong):
        for key in ("file", "claim", "kind", "verdict", "scope", "seconds", "reason"):
            assert key in item
    assert right["verdict"] == "proved" and right["scope"] == "all sizes"
    assert wrong["verdict"] == "refuted"
    assert set(wrong["counterexample"]) >= {"sizes", "inputs", "expected", "got", "differs"}


def test_seed_makes_runs_reproducible(files, capsys):
    path = str(files(WRONG))
    outputs = []
    for _ in range(2):
        main(["check", "--json", "--seed", "5", path])
        outputs.append(json.loads(capsys.readouterr().out)[0]["counterexample"])
    assert outputs[0] == outputs[1]


def test_folders_are_searched_for_claim_files(files, tmp_path, capsys):
    files(RIGHT, name="sub/a.toml") if (tmp_path / "sub").mkdir() is None else None
    files(RIGHT, name="b.toml")
    assert main(["check", "--json", str(tmp_path)]) == 0
    names = [r["file"].split("/")[-1] for r in json.loads(capsys.readouterr().out)]
    assert names == ["b.toml", "a.toml"]


def test_list_shows_titles_kinds_and_errors(files, capsys):
    assert main(["list", str(files(RIGHT, BROKEN))]) == 2
    out = capsys.readouterr().out
    assert ": test" in out and "right" in out and "gradient" in out
    assert "error:" in out and "unknown name 'C'" in out


def test_list_of_builtins(capsys):
    assert main(["list"]) == 0
    assert "derivations/softmax.toml: Softmax" in capsys.readouterr().out


def test_bad_timeout_is_refused(capsys):
    assert main(["check", "--timeout", "0"]) == 2


def test_version_and_no_traceback_from_the_real_command(files):
    version = subprocess.run([sys.executable, "-m", "symgrad", "--version"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == f"symgrad {__version__}"
    bad = files(BROKEN, name="bad.toml")
    bad.write_text(bad.read_text() + "\n[[[oops")
    run = subprocess.run([sys.executable, "-m", "symgrad", "check", str(bad)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "not valid TOML" in run.stdout


def test_same_proves_equal_forms_and_refutes_different_ones(capsys):
    symbols = ["--symbols", "x=vector(n)", "--symbols", "B=matrix(n, n)"]
    assert main(["same", "(B + B.T) @ x", "B @ x + B.T @ x", *symbols]) == 0
    assert capsys.readouterr().out.startswith("proved")
    assert main(["same", "B @ x", "B.T @ x", "--json", *symbols]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "refuted"
    assert result["diagnosis"]["code"] == "symmetric-only"


def test_same_with_a_bad_declaration_is_an_error(capsys):
    assert main(["same", "x", "x", "--symbols", "x=vectr(n)"]) == 2
    assert "unknown declaration 'vectr'" in capsys.readouterr().out
    assert main(["same", "x", "x", "--symbols", "x"]) == 2


def test_checking_leaves_the_working_directory_alone(files, tmp_path):
    path = files(WRONG)
    work = tmp_path / "work"
    work.mkdir()
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-m", "symgrad", "check", str(path)], cwd=work, env=env,
                   capture_output=True, check=False)
    assert list(work.iterdir()) == []  # (hypothesis, when it writes, writes under the cache)


def test_jsonl_prints_one_result_a_line(files, capsys):
    assert main(["check", "--jsonl", str(files(RIGHT, WRONG))]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["verdict"] for line in lines] == ["proved", "refuted"]


@pytest.mark.parametrize("flags", [["--json", "--jsonl"], ["--memory", "0"], ["--jobs", "0"]])
def test_contradictory_or_impossible_flags_are_refused(files, capsys, flags):
    assert main(["check", *flags, str(files(RIGHT))]) == 2
    assert capsys.readouterr().err.startswith("symgrad: ")


def test_ctrl_c_prints_what_is_finished_and_exits_130(files, tmp_path):
    import signal
    import time

    folder = tmp_path / "class"
    folder.mkdir()
    for k in range(30):
        (folder / f"s{k:02d}.toml").write_text(claims_text(XB, WRONG, RIGHT))
    def as_from_a_terminal():
        """The command starts with Ctrl-C's default meaning, whatever this test process
        inherited or set (a process started with SIGINT ignored or blocked keeps it so)."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    run = subprocess.Popen([sys.executable, "-m", "symgrad", "check", str(folder)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=as_from_a_terminal)
    first = run.stdout.readline()  # a result is printed as soon as it is decided
    time.sleep(0.3)
    run.send_signal(signal.SIGINT)
    rest, errors = run.communicate(timeout=30)
    assert first.startswith("refuted ")
    assert run.returncode == 130, (rest[-2000:], errors[-2000:])
    assert "interrupted" in rest.splitlines()[-1] and "Traceback" not in errors + rest
    finished = int(rest.splitlines()[-1].split()[0])
    assert 1 <= finished < 60


def test_the_api_leaves_the_working_directory_alone(files, tmp_path):
    path = files(WRONG)
    work = tmp_path / "work"
    work.mkdir()
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", f"import symgrad; symgrad.check({str(path)!r})"],
                   cwd=work, env=env, capture_output=True, check=True)
    assert list(work.iterdir()) == []


def test_a_check_that_finds_nothing_wrong_never_imports_hypothesis(files):
    # hypothesis (a fifth of the import time) is for shrinking what fails, not for drawing
    script = ("import sys, symgrad; r = symgrad.check({!r}, isolate=False); "
              "print(r[0].verdict, 'hypothesis' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", script.format(str(files(RIGHT)))],
                         capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["proved", "False"]
    run = subprocess.run([sys.executable, "-c", script.format(str(files(WRONG)))],
                         capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["refuted", "True"]


def test_quiet_prints_the_summary_only_and_verbose_the_timings(files, capsys):
    path = str(files(RIGHT, WRONG))
    assert main(["check", "-q", path]) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert len(quiet) == 1 and quiet[0].startswith("2 claims: 1 proved")
    main(["check", "-v", path])
    verbose = capsys.readouterr().out
    assert "    time: symbolic" in verbose and "numeric examples agree" in verbose


def test_a_dash_reads_standard_input(files):
    run = subprocess.run([sys.executable, "-m", "symgrad", "check", "-"], text=True,
                         input=files(WRONG).read_text(), capture_output=True)
    assert run.returncode == 1 and run.stdout.startswith("refuted    <stdin>::wrong")


def test_a_path_without_claim_files_is_an_error_naming_it(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 2
    assert "no claim files (*.toml) in this folder" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().out


def test_bare_symgrad_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: symgrad" in capsys.readouterr().err


def test_colour_on_a_terminal_only_and_never_with_no_color(files, capsys, monkeypatch):
    path = str(files(RIGHT))
    main(["check", path])
    assert "\033[" not in capsys.readouterr().out  # captured: not a terminal
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    main(["check", path])
    assert "\033[32mproved" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", path])
    assert "\033[" not in capsys.readouterr().out


def test_list_aligns_the_kinds(files, capsys):
    main(["list", str(files(RIGHT, dict(WRONG, name="a-much-longer-claim-name")))])
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len({row.index("gradient") for row in rows}) == 1
