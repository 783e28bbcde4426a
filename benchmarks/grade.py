"""Grade a generated class: 10 questions x 200 students, with realistic repetition.

Most students give one of a few answers to each question (the right one in several
spellings, in the expression language and in LaTeX; two or three common mistakes); some
give an answer of their own (a wrong coefficient), a few give none or something unreadable.
The run is timed with -j 1 and -j 2, and with the cache of normalised answers off.

    python benchmarks/grade.py [--students 200] [--skip-uncached] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

KEY = '''title = "Benchmark class: ten gradients"

[symbols]
x = "vector(n)"
w = "vector(n)"
B = "matrix(n, n)"
A = "matrix(m, n)"
W = "matrix(m, n)"
X = "matrix(n, p)"
V = "matrix(m, p)"
z = "vector(k)"
y = "vector(k, onehot)"
h = "function"
lam = "scalar"

[define]
s = "softmax(z)"

[latex]
'\\hat{y}' = "s"

[[claims]]
name = "q1"
kind = "gradient"
of = "x.T @ B @ x"
wrt = "x"

[[claims]]
name = "q2"
kind = "backprop"
of = "W @ X"
wrt = "X"
upstream = "G"

[[claims]]
name = "q3"
kind = "backprop"
of = "W @ X"
wrt = "W"
upstream = "G"

[[claims]]
name = "q4"
kind = "gradient"
of = "-sum(y * log(s))"
wrt = "z"

[[claims]]
name = "q5"
kind = "gradient"
of = "tr(W @ X @ V.T)"
wrt = "X"

[[claims]]
name = "q6"
kind = "gradient"
of = "norm(A @ x)**2 / 2 + lam * norm(x)**2 / 2"
wrt = "x"

[[claims]]
name = "q7"
kind = "backprop"
of = "h(X)"
wrt = "X"
upstream = "G"

[[claims]]
name = "q8"
kind = "jacobian"
of = "s"
wrt = "z"

[[claims]]
name = "q9"
kind = "gradient"
of = "sum(log(1 + exp(A @ w)))"
wrt = "w"

[[claims]]
name = "q10"
kind = "gradient"
of = "w @ x + lam * sum(w * w)"
wrt = "w"
'''

#: Per question: right answers (spellings), common mistakes, and a template for a
#: student's own wrong coefficient.
ANSWERS = {
    "q1": (["B.T @ x + B @ x", "(B + B.T) @ x",
            "L:\\mathbf{B}^\\top\\mathbf{x} + \\mathbf{B}\\mathbf{x}", "L:(B + B^T) x"],
           ["2 * B @ x", "B @ x", "L:2 B x"], "{k} * B.T @ x + B @ x"),
    "q2": (["W.T @ G", "L:\\mathbf{W}^\\top \\mathbf{G}", "L:W^T G"], ["G @ W.T", "W @ G"],
           "{k} * W.T @ G"),
    "q3": (["G @ X.T", "L:\\mathbf{G}\\mathbf{X}^\\top", "L:G X^T"], ["X.T @ G", "G @ X"],
           "{k} * G @ X.T"),
    "q4": (["s - y", "L:\\hat{y} - \\mathbf{y}", "-y + s"], ["y - s", "s"], "{k} * s - y"),
    "q5": (["W.T @ V", "L:\\mathbf{W}^T \\mathbf{V}", "(V.T @ W).T"], ["V.T @ W", "W @ V"],
           "{k} * W.T @ V"),
    "q6": (["A.T @ A @ x + lam * x", "L:A^T A x + \\lambda x", "(A.T @ A + lam * eye(n)) @ x"],
           ["A.T @ A @ x", "A @ A.T @ x + lam * x"], "A.T @ A @ x + {k} * lam * x"),
    "q7": (["G * diff(h)(X)", "L:G \\circ h'(X)", "diff(h)(X) * G"], ["diff(h)(X)",
                                                                       "G @ diff(h)(X).T"],
           "{k} * G * diff(h)(X)"),
    "q8": (["diag(s) - outer(s, s)", "L:\\operatorname{diag}(\\hat{y}) - \\hat{y}\\hat{y}^T"],
           ["diag(s) - s @ s", "outer(s, s) - diag(s)"], "diag(s) - {k} * outer(s, s)"),
    "q9": (["A.T @ sigmoid(A @ w)", "L:A^T \\sigma(A w)"], ["sigmoid(A @ w)",
                                                            "A.T @ exp(A @ w)"],
           "{k} * A.T @ sigmoid(A @ w)"),
    "q10": (["x + 2 * lam * w", "L:\\mathbf{x} + 2\\lambda\\mathbf{w}"],
            ["x + lam * w", "2 * lam * w"], "x + {k} * lam * w"),
}


def _value(answer: str) -> str:
    if answer.startswith("L:"):
        quote = "'" * (3 if "'" in answer else 1)  # h'(X) needs TOML's ''' quotes
        return "{ latex = " + quote + answer[2:] + quote + " }"
    return '"' + answer + '"'


def write_class(folder: Path, students: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    (folder / "key.toml").write_text(KEY)
    submissions = folder / "class"
    submissions.mkdir()
    for number in range(students):
        lines = ["[answers]"]
        for question, (right, wrong, own) in ANSWERS.items():
            roll = rng.random()
            if roll < 0.02:
                continue  # no answer
            if roll < 0.03:
                answer = "L:\\mathbf{x} + \\left("  # does not parse
            elif roll < 0.63:
                answer = rng.choice(right)
            elif roll < 0.93:
                answer = rng.choice(wrong)
            else:
                answer = own.format(k=rng.randint(3, 40))
            lines.append(f"{question} = {_value(answer)}")
        (submissions / f"student{number:03d}.toml").write_text("\n".join(lines) + "\n")


def timed(folder: Path, **options) -> tuple[float, object]:
    from symgrad.grading.grade import grade

    start = time.perf_counter()
    grades = grade(folder / "key.toml", [folder / "class"], **options)
    return time.perf_counter() - start, grades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--skip-uncached", action="store_true",
                        help="skip the run with the cache off (it decides every answer)")
    parser.add_argument("--out", help="keep the generated class in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.out or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        write_class(folder, args.students)
        answers = sum(len(p.read_text().splitlines()) - 1
                      for p in (folder / "class").glob("*.toml"))
        print(f"{args.students} students x {len(ANSWERS)} questions: {answers} answers")
        runs = [("-j 1", {"jobs": 1}), ("-j 2", {"jobs": 2})]
        if not args.skip_uncached:
            runs.append(("-j 2, cache off", {"jobs": 2, "cache": False}))
        print(f"{'run':<18} {'seconds':>8} {'decided':>8} {'ms/answer':>10}")
        for label, options in runs:
            seconds, grades = timed(folder, **options)
            print(f"{label:<18} {seconds:8.1f} {grades.decisions:8d} "
                  f"{1000 * seconds / answers:10.1f}", flush=True)


if __name__ == "__main__":
    main()
