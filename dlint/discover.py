"""Find the Dockerfiles to lint and read them, turning every I/O problem into data.

Discovery happens before parsing and knows nothing of Dockerfile syntax; a file that
cannot be read becomes a ``ReadProblem`` that the run reports as an ``unreadable-file``
finding, so one bad file never stops the others from being checked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

# The documented names (`Dockerfile`, `Containerfile`, `*.Dockerfile`, `*.dockerfile`,
# `Dockerfile.*`, `Dockerfile-*`, `Containerfile.*`) plus the same words joined by `_` or
# `-` (`api_Dockerfile`, `Dockerfile_prod`), which real repositories use as much.
_NAME = re.compile(r"(?:^|[._-])(?:Dockerfile|Containerfile|dockerfile)(?:[._-].*)?$")
# ...but not the files that sit beside Dockerfiles and share their name
_NOT_DOCKERFILE = re.compile(
    r"\.(?:dockerignore|md|rst|txt|json|ya?ml|sh|ps1|py|orig|rej|swp|bak|lock|sum)$", re.IGNORECASE
)
MAX_FILE_SIZE = 10 * 1024 * 1024  # a Dockerfile this big is generated or not a Dockerfile


def is_dockerfile_name(name: str) -> bool:
    return bool(_NAME.search(name)) and not _NOT_DOCKERFILE.search(name)


@dataclass(frozen=True, slots=True)
class Target:
    """A file to lint: where it is, and how reports name it (relative, forward slashes)."""

    path: Path
    display: str
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class ReadProblem:
    display: str
    message: str


def display_path(path: Path, root: Path) -> str:
    """Relative to ``root`` (the current folder), so reports are the same on every
    machine; a file outside it keeps a relative path such as ``../shared/x``."""
    absolute = os.path.abspath(path)
    try:
        text = Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(absolute).as_posix()
    return text if text != "." else Path(absolute).name


def _spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class _Ignores:
    """The .gitignore files met on the way down, each applied relative to its own folder."""

    def __init__(self, top: Path) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec] = {}
        self._top = top

    def load(self, directory: Path) -> None:
        gitignore = directory / ".gitignore"
        try:
            text = gitignore.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        self._specs[directory] = _spec(text.splitlines())

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for directory, spec in self._specs.items():
            try:
                relative = path.relative_to(directory).as_posix()
            except ValueError:
                continue
            if spec.match_file(relative + ("/" if is_dir else "")):
                return True
        return False


def discover(paths: list[Path], excludes: list[str], root: Path) -> tuple[list[Target], list[ReadProblem]]:
    """Expand the command-line paths into Dockerfiles to lint.

    Explicit files are always linted (whatever their name, even if ignored). Directories
    are walked without following symlinks (so a symlink loop cannot trap the walk),
    skipping ``.git`` and whatever ``.gitignore`` files or ``--exclude`` globs say.
    """
    exclude_spec = _spec(excludes) if excludes else None
    targets: dict[str, Target] = {}
    problems: list[ReadProblem] = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            problems.append(ReadProblem(display_path(given, root), "no such file or directory"))
            continue
        if not given.is_dir():
            shown = display_path(given, root)
            targets.setdefault(shown, Target(given, shown, explicit=True))
            continue
        for target in _walk(given, exclude_spec, root, problems):
            targets.setdefault(target.display, target)
    return sorted(targets.values(), key=lambda t: t.display), problems


def _walk(
    top: Path, exclude_spec: pathspec.GitIgnoreSpec | None, root: Path, problems: list[ReadProblem]
) -> Iterable[Target]:
    top = Path(os.path.abspath(top))
    ignores = _Ignores(top)
    for parent in _enclosing_repository_dirs(top):
        ignores.load(parent)
    for directory, dirnames, filenames in os.walk(top, onerror=None):
        here = Path(directory)
        ignores.load(here)
        kept = []
        for name in sorted(dirnames):
            child = here / name
            relative = child.relative_to(top).as_posix()
            if name == ".git" or ignores.ignored(child, True):
                continue
            if exclude_spec is not None and exclude_spec.match_file(relative + "/"):
                continue
            if is_dockerfile_name(name) and not child.is_symlink():
                problems.append(ReadProblem(display_path(child, root), "this is a directory, not a Dockerfile"))
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not is_dockerfile_name(name):
                continue
            child = here / name
            relative = child.relative_to(top).as_posix()
            if ignores.ignored(child, False):
                continue
            if exclude_spec is not None and exclude_spec.match_file(relative):
                continue
            yield Target(child, display_path(child, root))


def _enclosing_repository_dirs(top: Path) -> list[Path]:
    """Folders above ``top`` up to its Git root, whose .gitignore files also apply to it."""
    chain: list[Path] = []
    for parent in top.parents:
        chain.append(parent)
        if (parent / ".git").exists():
            return list(reversed(chain))
    return []


def read_target(target: Target, max_size: int = MAX_FILE_SIZE) -> bytes | ReadProblem:
    """The file's bytes, or why they could not be had (never raises)."""
    try:
        info = os.stat(target.path)
        if stat.S_ISDIR(info.st_mode):
            return ReadProblem(target.display, "this is a directory, not a Dockerfile")
        if not stat.S_ISREG(info.st_mode):
            return ReadProblem(target.display, "this is not a regular file")
        if info.st_size > max_size:
            return ReadProblem(
                target.display, f"the file is {info.st_size:,} bytes, over the {max_size:,}-byte limit for a Dockerfile"
            )
        with open(target.path, "rb") as handle:
            return handle.read(max_size + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        return ReadProblem(target.display, f"cannot be read: {reason}")
