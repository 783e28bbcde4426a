"""`symgrad grade`: a class folder graded against a key into a table, CSV, JSON and feedback
files; a broken or hostile submission costs only its own cells; the same answer in other
spellings is decided once; -j 2, a resumed run and a Dask cluster grade exactly as -j 1."""

import copy
import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from symgrad.cli import main
from symgrad.grading import reports
from symgrad.grading.grade import _resumed, _stamp, grade

HERE = Path(__file__).parent / "grading"
KEY, CLASS = HERE / "key.toml", HERE / "class"


def _grades(**options):
    return grade(KEY, [CLASS], **options)


@pytest.fixture(scope="module")
def graded():
    return _grades(jobs=1)


def _table(grades):
    return {s.student: [c.verdict for c in row] for s, row in
            zip(grades.submissions, grades.cells, strict=True)}


def test_the_class_is_graded_question_by_question(graded):
    assert _table(graded) == {"alice": ["proved", "proved", "proved"],
                              "bob": ["refuted", "refuted", "missing"],
                              "carol": ["proved", "proved", "error"]}
    assert [graded.total(k) for k in range(3)] == [4, 0, 3]
    assert graded.total_points == 4  # q1 is worth 2 points
    assert all(r.ok for r in graded.key_results.values())  # the key's own answers hold


def test_the_table_shows_verdicts_points_and_totals(graded):
    text = reports.table(graded)
    lines = text.splitlines()
    assert lines[0].split() == ["student", "q1", "q2", "q3", "total"]
    assert lines[2].split() == ["bob", "refuted", "0/2", "refuted", "0/1", "missing", "0/1",
                                "0/4"]


def test_the_csv_is_the_same_table(graded):
    rows = list(csv.reader(io.StringIO(reports.to_csv(graded))))
    assert rows[0] == ["student", "q1", "q1 points", "q2", "q2 points", "q3", "q3 points",
                       "total", "out of"]
    assert rows[1] == ["alice", "proved", "2", "proved", "1", "proved", "1", "4", "4"]


def test_the_json_holds_every_result(graded):
    data = reports.to_json(graded)
    assert [q["points"] for q in data["questions"]] == [2, 1, 1]
    bob = data["students"][1]
    assert bob["student"] == "bob" and bob["total"] == 0
    q1 = bob["answers"][0]
    assert q1["verdict"] == "refuted" and q1["answer"] == "2 * B @ x"
    assert q1["result"]["counterexample"] and q1["result"]["correct"] == "B.T @ x + B @ x"
    assert bob["answers"][2]["reason"] == "no answer"
    json.dumps(data)


def test_feedback_is_one_markdown_file_per_student(graded, tmp_path):
    written = reports.feedback(graded, tmp_path / "feedback")
    assert sorted(p.name for p in written) == ["alice.md", "bob.md", "carol.md"]
    bob = (tmp_path / "feedback" / "bob.md").read_text()
    assert "## q1: refuted (0/2)" in bob
    assert "**Diagnosis (symmetric-only):**" in bob
    assert "| expected (the true value) |" in bob
    assert "$$\n\\frac{\\partial \\left(\\mathbf{x}^\\top \\mathbf{B} \\mathbf{x}\\right)}" in bob
    assert "**A correct answer**" in bob and "\\mathbf{B}^\\top \\mathbf{x}" in bob
    assert "## q3: missing (0/1)" in bob
    carol = (tmp_path / "feedback" / "carol.md").read_text()
    assert "This answer could not be read:" in carol and "^" in carol


HOSTILE = {
    "not_toml.toml": "[answers\nq1 = ",
    "no_answers.toml": 'student = "x"\n',
    "bad_latex.toml": "[answers]\nq1 = { latex = '\\input{/etc/passwd}' }\n"
                      "q2 = \"W.T @ G\"\n",
    "python.toml": '[answers]\nq1 = "__import__(\'os\').system(\'true\')"\nq2 = "W.T @ G"\n',
    "huge.toml": '[answers]\nq1 = "' + "x + " * 3000 + 'x"\nq2 = "W.T @ G"\n',
    "deep.toml": '[answers]\nq1 = "' + "(" * 200 + "x" + ")" * 200 + '"\nq2 = "W.T @ G"\n',
    "table.toml": '[answers]\nq1 = { python = "x" }\nq2 = 3\nq3 = "s - y"\n',
    "chain.toml": "[answers]\nq1 = { latex = '" + " + ".join(["x"] * 400) + "' }\n"
                  'q2 = "W.T @ G"\n',
    "names.toml": "[answers]\nq1 = { latex = 'x' }\nq2 = \"W.T @ G\"\n[latex]\n"
                  + "".join(f"'a{k}' = \"x\"\n" for k in range(300)),
    "kron.toml": '[answers]\nq1 = "sum(kron(kron(B, B), kron(B, B))) * 0 * x + B.T @ x '
                 '+ B @ x"\nq2 = "W.T @ G"\n',
}


def test_broken_or_hostile_submissions_cost_only_their_own_cells(tmp_path):
    folder = tmp_path / "class"
    shutil.copytree(CLASS, folder)
    for name, text in HOSTILE.items():
        (folder / name).write_text(text)
    grades = grade(KEY, [folder], jobs=2)
    table = _table(grades)
    assert table["alice"] == ["proved", "proved", "proved"]  # the others are unharmed
    for name in ("not_toml", "no_answers", "names"):
        assert table[name] == ["error"] * 3
    for name in ("bad_latex", "python", "huge", "deep", "chain"):
        assert table[name][0] == "error" and table[name][1] == "proved", name
    assert table["table"] == ["error", "error", "proved"]
    assert table["kron"] == ["error", "proved", "missing"]  # n⁴ × n⁴: beyond the limit
    reasons = {s.student: row[0].reason for s, row in zip(grades.submissions, grades.cells,
                                                          strict=True)}
    assert "not valid TOML" in reasons["not_toml"]
    assert "no [answers] table" in reasons["no_answers"]
    assert "\\input" in reasons["bad_latex"]


def test_the_same_answer_in_other_spellings_is_decided_once(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    spellings = ["B.T @ x + B @ x", "B @ x + B.T @ x", "(B.T @ x) + (B @ x)",
                 "  B.T@x+B@x ", {"latex": "\\mathbf{B}^\\top\\mathbf{x} + \\mathbf{B}\\mathbf{x}"},
                 {"latex": "B x + B^T x"}]
    for k, answer in enumerate(spellings):
        value = json.dumps(answer) if isinstance(answer, str) else \
            "{ latex = '" + answer["latex"] + "' }"
        (folder / f"s{k}.toml").write_text(f"[answers]\nq1 = {value}\n")
    cached = grade(KEY, [folder], jobs=1)
    assert all(row[0].verdict == "proved" for row in cached.cells)
    key_checks = len(cached.key_results)
    assert cached.decisions == key_checks + 1  # one decision for all six spellings of q1
    uncached = grade(KEY, [folder], jobs=1, cache=False)
    assert uncached.decisions == key_checks + len(spellings)
    assert _table(uncached) == _table(cached)


def _comparable(grades):
    """The grades' JSON without times (which differ run to run)."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()
                    if k not in ("seconds", "timings", "decisions", "resumed")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(reports.to_json(grades))


def test_two_workers_grade_exactly_as_one(graded):
    assert _comparable(_grades(jobs=2)) == _comparable(graded)


def test_a_resumed_run_takes_the_decisions_already_made(graded, tmp_path):
    resume = tmp_path / "decisions.jsonl"
    first = _grades(jobs=1, resume=str(resume))
    assert first.decisions > 0 and first.resumed == 0
    lines = resume.read_text().splitlines()
    resume.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # stopped mid-line
    second = _grades(jobs=1, resume=str(resume))
    assert second.resumed == first.decisions - 1 and second.decisions == 1
    assert _comparable(second) == _comparable(first) == _comparable(graded)
    stamp = _stamp(first.key, {"seed": 0, "timeout": 30.0, "explain": True})
    assert len(_resumed(str(resume), stamp)) == first.decisions - 1
    assert _resumed(str(resume), _stamp(first.key, {"seed": 1, "timeout": 30.0,
                                                    "explain": True})) == {}
    edited = copy.copy(first.key)
    edited.raw = copy.copy(first.key.raw)
    edited.raw.text += "\n# edited\n"  # an edited key: its decisions are made again
    assert _resumed(str(resume), _stamp(edited, {"seed": 0, "timeout": 30.0,
                                                 "explain": True})) == {}


def test_a_dask_cluster_grades_exactly_as_one_machine(graded):
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed: pip install 'symgrad[dask]'")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_cluster = _grades(dask=client)
    assert _comparable(on_cluster) == _comparable(graded)


def test_the_command_writes_the_table_csv_json_and_feedback(tmp_path, capsys):
    out = tmp_path / "grades.csv"
    status = main(["grade", str(KEY), str(CLASS), "--csv", str(out), "--feedback",
                   str(tmp_path / "fb"), "-j", "2"])
    printed = capsys.readouterr().out
    assert status == 0
    assert printed.splitlines()[0].split() == ["student", "q1", "q2", "q3", "total"]
    assert "note: carol q3: error" in printed
    assert out.read_text().startswith("student,q1,q1 points")
    assert (tmp_path / "fb" / "alice.md").exists()
    resume = tmp_path / "decisions.jsonl"
    assert main(["grade", str(KEY), str(CLASS), "--json", "--resume", str(resume)]) == 0
    assert json.loads(capsys.readouterr().out)["students"][0]["student"] == "alice"
    assert len(resume.read_text().splitlines()) == 8  # each distinct answer, kept


def test_the_command_says_when_the_key_is_wrong_or_unreadable(tmp_path, capsys):
    wrong = tmp_path / "key.toml"
    wrong.write_text(KEY.read_text().replace('answer = "B.T @ x + B @ x"',
                                             'answer = "2 * B @ x"'))
    assert main(["grade", str(wrong), str(CLASS)]) == 1
    assert "the key's answer to q1 is refuted" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text("title = \n")
    assert main(["grade", str(broken), str(CLASS)]) == 2
    assert "the answer key cannot be read" in capsys.readouterr().err


def test_labels_written_another_way_are_matched_and_unknown_ones_noted(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "dana.toml").write_text('[answers]\nQ1 = "B.T @ x + B @ x"\nq_2 = "W.T @ G"\n'
                                      'q99 = "x"\n')
    (folder / "eve.toml").write_bytes(b"[answers]\nq1 = '\xff'\n")
    grades = grade(KEY, [folder], jobs=1)
    assert _table(grades)["dana"] == ["proved", "proved", "missing"]
    said = reports.notes(grades)
    assert any("'q99' is no question of the key" in note for note in said)
    assert [note for note in said if note.startswith("eve")] == [
        f"eve: error: {folder / 'eve.toml'}: the file is not UTF-8 text (save it as UTF-8)"]
    feedback = reports.student_feedback(grades, 0)
    assert "Your answer labelled `q99` matches no question" in feedback
