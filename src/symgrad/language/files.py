"""Paths -> claim files -> models: where the built-in derivations are, which files a path
names, and a file read into its model without raising for bad input."""

from __future__ import annotations

from pathlib import Path

from ..errors import ClaimError
from ..limits import MAX_FILE_BYTES
from . import claimfile
from .build import build
from .model import Model


def builtin_folder() -> Path:
    """The built-in claim files: installed beside the package (a wheel), or the
    repository's top-level derivations/ folder (an editable install)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "derivations", package.parents[1] / "derivations"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("symgrad's built-in derivations are not installed")


def claim_files(paths) -> list[Path]:
    """The claim files named by paths (folders searched for *.toml), in order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.toml") if p.is_file()))
        else:
            found.append(path)
    return found


def nothing_at(folder) -> Model:
    """The model of a folder that holds no claim file: an error naming it."""
    raw = claimfile.ClaimFile(path=str(folder))
    raw.error = ClaimError("no claim files (*.toml) in this folder", file=str(folder),
                           hint="check the path, or name the files")
    return build(raw)


def load(path: Path | str, text: str | None = None, display: str | None = None) -> Model:
    """A claim file (or its text) -> the model, never raising for bad input.
    ``display`` is the name reports use for the file (default: the path)."""
    name = display or str(path)
    if text is None:
        try:
            text = _read(Path(path))
        except ClaimError as exc:
            exc.file = name
            raw = claimfile.ClaimFile(path=name)
            raw.error = exc
            return build(raw)
    return build(claimfile.read(text, name))


def _read(path: Path) -> str:
    """A claim file's text, or a ClaimError saying why it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ClaimError(f"the file is larger than symgrad's limit of {MAX_FILE_BYTES:,} "
                             "bytes", hint="split it into several claim files")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClaimError(f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at position "
                         f"{exc.start})", hint="save the file as UTF-8") from None
    except OSError as exc:
        raise ClaimError(f"cannot read the file: {exc.strerror or exc}",
                         hint="check the path") from None
