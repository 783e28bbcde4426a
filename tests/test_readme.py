"""The README is executed: every shell example that shows its output is run from the
project's root, and its output must be what the README shows (times masked)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
TIME = re.compile(r"\d+\.\d+s\b")


def shell_examples(text: str):
    """(line, command, shown output) of every `$ symgrad ...` in a fenced block."""
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        fence = re.match(r"^(\s*)```", lines[k])
        if not fence:
            k += 1
            continue
        indent, body, k = len(fence.group(1)), [], k + 1
        while k < len(lines) and not lines[k].strip().startswith("```"):
            body.append((k + 1, lines[k][indent:]))
            k += 1
        k += 1
        current = None
        for number, line in body:
            if line.startswith("$ "):
                if current:
                    yield current
                current = (number, line[2:].split("  #")[0].strip(), [])
            elif current:
                current[2].append(line)
        if current:
            yield current


EXAMPLES = list(shell_examples(README.read_text(encoding="utf-8")))


def mask(text: str) -> str:
    return TIME.sub("0.00s", text).rstrip()


def test_the_readme_has_examples_to_run():
    commands = [command for _, command, _ in EXAMPLES]
    assert any(c.startswith("symgrad check") for c in commands), commands
    assert any(c.startswith("symgrad latex") for c in commands), commands


@pytest.mark.parametrize("line, command, shown", EXAMPLES,
                         ids=[f"README:{line}" for line, _, _ in EXAMPLES])
def test_each_example_prints_what_the_readme_shows(line, command, shown):
    argv = shlex.split(command)
    assert argv[0] == "symgrad", f"README line {line}: only symgrad commands are run"
    env = {**os.environ, "NO_COLOR": "1"}
    ran = subprocess.run([sys.executable, "-m", "symgrad", *argv[1:]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert mask(ran.stdout) == mask("\n".join(shown)), (
        f"README line {line}: `{command}` printed\n{ran.stdout}{ran.stderr}")
