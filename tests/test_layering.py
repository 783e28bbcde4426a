"""The engine's folders are the stages of its pipeline, and imports only point down it.

Every module's imports (at the top or inside a function) are read with ``ast``; a
module of one stage may import its own stage and earlier ones, never a later one, so
the tree can be read from the bottom up and no cycle can form between folders.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "symgrad"

#: The stages, earliest first.  Stages on one line are siblings: neither imports the other.
#: The top-level modules (the entry points) come last and may import every stage.
STAGES = [
    ["errors", "limits"],
    ["vocabulary"],
    ["language"],
    ["engine"],
    ["paths"],
    ["kinds", "derivation"],
    ["index"],
    ["verdicts"],
    ["explain"],
    ["output"],
    ["decide"],
    ["workers"],
    ["run"],
    ["grading"],
    ["cli", "pytest_plugin", "__init__", "__main__"],
]
RANK = {stage: rank for rank, line in enumerate(STAGES) for stage in line}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "derivations" not in p.parts)


def _stage(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imported_stages(path: Path, package_root: Path = PACKAGE):
    """(line, stage) of every symgrad module this module imports."""
    package = path.relative_to(package_root.parent).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [[*target, alias.name] for alias in node.names]
            elif node.module and node.module.split(".")[0] == "symgrad":
                target = node.module.split(".")
                names = [[*target, alias.name] for alias in node.names]
            else:
                continue
            for name in names if len(target) == 1 else [target]:
                if len(name) > 1:
                    yield node.lineno, name[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "symgrad" and len(parts) > 1:
                    yield node.lineno, parts[1]


def test_every_module_belongs_to_a_stage():
    stray = [str(p.relative_to(PACKAGE)) for p in _modules() if _stage(p) not in RANK]
    assert not stray, f"modules outside the stages of STAGES: {stray}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_pipeline(path):
    stage = _stage(path)
    upward = [f"line {line}: imports {target}" for line, target in _imported_stages(path)
              if target in RANK and target != "__version__" and RANK[target] > RANK[stage]]
    assert not upward, f"{stage} (stage {RANK[stage]}) imports a later stage: {upward}"


def test_the_check_sees_relative_absolute_and_late_imports(tmp_path):
    fake = tmp_path / "symgrad" / "language" / "model.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..output import latex\nfrom . import claimfile\n"
                    "def f():\n    import symgrad.explain.diagnose\n"
                    "    from symgrad import decide\n")
    found = list(_imported_stages(fake, tmp_path / "symgrad"))
    assert found == [(1, "output"), (2, "language"), (4, "explain"), (5, "decide")]


def test_every_folder_says_what_its_stage_takes_and_gives():
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and p.name in RANK):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        assert doc and len(doc.splitlines()) <= 4, folder.name


def test_every_package_is_installed():
    """`pip install .` (not editable) installs the packages pyproject.toml lists: each
    folder of the engine must be one of them, or the installed command cannot import it."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text())["tool"]
                 ["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(PACKAGE.parent).parts)
               for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"


#: Calls that run or build code from text: a claim file's text must never reach one.
RUNS_TEXT = frozenset({"eval", "exec", "compile", "sympify", "parse_expr", "lambdify",
                       "S", "__import__"})


def _calls_that_run_text(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            owner = getattr(getattr(node.func, "value", None), "id", None)
            if name in RUNS_TEXT and owner != "re":  # (re.compile makes a pattern)
                yield node.lineno, name


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_runs_code_made_from_text(path):
    assert list(_calls_that_run_text(path)) == []


def test_the_code_check_sees_calls_by_name_and_by_attribute(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import re, sympy as sp\nf = sp.lambdify(x, y)\neval('1')\n"
                      "p = re.compile('a')\n")
    assert [name for _, name in _calls_that_run_text(module)] == ["lambdify", "eval"]
