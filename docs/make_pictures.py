"""Remake the pictures of the README from docs/example.toml.

    python docs/make_pictures.py          (from the repository root)

1. The answer sheet: ``docs/example.tex`` (what ``symgrad latex --document
   docs/example.toml`` prints), compiled with pdflatex, each page drawn with
   ``pdftoppm -png -r 80`` as ``docs/example.png``, ``docs/example-2.png``, ...
2. The notebook: a page styled like a JupyterLab cell whose input is
   ``symgrad.check("docs/example.toml")`` and whose output is the real
   ``Results._repr_html_()``, screenshot by headless Chromium as ``docs/notebook.png``
   (Debian: ``apt-get install chromium poppler-utils texlive-latex-recommended``).

Chromium cannot report a page's height to a screenshot, so the page is loaded twice:
once to measure it (``--dump-dom`` after a script writes the height into the page),
once to draw it in a window of that height.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import symgrad

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLE = "docs/example.toml"  # as the reader types it, from the repository root
WIDTH = 900  # pixels: the notebook's window


def main() -> int:
    missing = [t for t in ("pdflatex", "pdftoppm", "chromium") if shutil.which(t) is None]
    if missing:
        print(f"missing: {', '.join(missing)} (apt-get install texlive-latex-recommended "
              "poppler-utils chromium)", file=sys.stderr)
        return 2
    os.chdir(ROOT)  # so that the sheet and the results name the file as a reader types it
    with tempfile.TemporaryDirectory() as work:
        sheet(Path(work))
        notebook(Path(work))
    return 0


def sheet(work: Path) -> None:
    source = symgrad.latex(EXAMPLE, document=True)
    (DOCS / "example.tex").write_text(source, encoding="utf-8")
    (work / "example.tex").write_text(source, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "example.tex"],
                   cwd=work, check=True, capture_output=True)
    for old in DOCS.glob("example*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", "example.pdf", "page"], cwd=work,
                   check=True)
    for page in sorted(work.glob("page-*.png")):
        number = int(page.stem.rsplit("-", 1)[1])
        shutil.copy(page, DOCS / ("example.png" if number == 1 else f"example-{number}.png"))
        print(f"docs/{'example.png' if number == 1 else f'example-{number}.png'}")


def notebook(work: Path) -> None:
    results = symgrad.check(EXAMPLE)
    page = work / "notebook.html"
    page.write_text(PAGE.format(code=html.escape(f'import symgrad\n\nsymgrad.check("{EXAMPLE}")'),
                                output=results._repr_html_(), width=WIDTH), encoding="utf-8")
    chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--force-device-scale-factor=1"]
    dom = subprocess.run([*chromium, "--dump-dom", f"--window-size={WIDTH},600", page.as_uri()],
                         check=True, capture_output=True, text=True).stdout
    height = int(re.search(r'data-height="(\d+)"', dom).group(1))
    subprocess.run([*chromium, f"--screenshot={DOCS / 'notebook.png'}",
                    f"--window-size={WIDTH},{height}", page.as_uri()], check=True,
                   capture_output=True)
    print(f"docs/notebook.png ({WIDTH}x{height})")


#: A JupyterLab cell, near enough: its prompts, the input's box and code colours, and the
#: table rules JupyterLab applies to HTML output (alternate rows, a rule under the header).
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
body {{ margin: 0; padding: 14px 18px 10px 6px; width: {width}px; box-sizing: border-box;
       font: 13px/1.4 "DejaVu Sans", sans-serif; color: #212121; background: #fff; }}
.cell {{ display: flex; margin: 4px 0; }}
.prompt {{ flex: 0 0 64px; font: 13px/1.4 "DejaVu Sans Mono", monospace; text-align: right;
          padding: 5px 8px 0 0; }}
.in .prompt {{ color: #307fc1; }} .out .prompt {{ color: #bf5b3d; }}
.area {{ flex: 1; min-width: 0; }}
.in .area {{ background: #f5f5f5; border: 1px solid #e0e0e0; border-radius: 2px; }}
pre {{ margin: 0; padding: 5px 8px; font: 13px/1.4 "DejaVu Sans Mono", monospace; }}
.kw {{ color: #008000; font-weight: bold; }} .str {{ color: #ba2121; }}
.out .area {{ padding: 5px 0 0 4px; font-size: 12px; }}
.out table {{ font-size: 12px; margin: 0; }}
.out thead {{ border-bottom: 1px solid #616161; vertical-align: bottom; }}
.out tbody tr:nth-child(odd) {{ background: #f5f5f5; }}
.out code {{ font: 11.5px "DejaVu Sans Mono", monospace; }}
</style></head>
<body>
<div class="cell in"><div class="prompt">[1]:</div><div class="area"><pre>{code}</pre></div></div>
<div class="cell out"><div class="prompt">[1]:</div><div class="area">{output}</div></div>
<script>
for (const pre of document.querySelectorAll("pre")) {{
  pre.innerHTML = pre.innerHTML
    .replace(/\\b(import)\\b/g, '<span class="kw">$1</span>')
    .replace(/(&quot;[^&]*&quot;)/g, '<span class="str">$1</span>');
}}
document.body.setAttribute("data-height", document.documentElement.scrollHeight);
</script>
</body></html>
"""


if __name__ == "__main__":
    sys.exit(main())
