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
from typing import TYPE_CHECKING, Any

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


class ExcludeError(ValueError):
    """An ``--exclude`` glob that cannot be compiled (a usage error, exit 2)."""


def _spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _exclude_spec(excludes: list[str]) -> pathspec.GitIgnoreSpec | None:
    """The ``--exclude`` globs; one that cannot be compiled (``[z-a]``) is the user's
    mistake to hear about, not an internal error."""
    if not excludes:
        return None
    for glob in excludes:
        try:
            _spec([glob])
        except Exception as error:  # pathspec raises re.error or its own GitWildMatchPatternError
            raise ExcludeError(f"--exclude {glob!r} is not a valid glob: {error}") from None
    return _spec(excludes)


def _gitignore_patterns(lines: Iterable[str]) -> list[Any]:
    """A .gitignore's patterns in order.  A line pathspec cannot compile is skipped, as git
    skips what it cannot use: someone else's .gitignore must not stop the lint."""
    patterns: list[Any] = []
    for line in lines:
        try:
            patterns.extend(_spec([line]).patterns)
        except Exception:  # re.error, GitWildMatchPatternError
            continue
    return patterns


class _Ignores:
    """The .gitignore files met on the way down, each applied relative to its own folder."""

    def __init__(self, top: Path) -> None:
        # loaded top down (enclosing folders first, then as the walk descends), so for any
        # path its ancestors' files come in order from shallowest to deepest
        self._specs: dict[Path, list[Any]] = {}
        self._top = top

    def load(self, directory: Path) -> None:
        gitignore = directory / ".gitignore"
        try:
            text = gitignore.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        self._specs[directory] = _gitignore_patterns(text.splitlines())

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """As git decides: the last matching pattern wins, and a deeper .gitignore comes
        after a shallower one, so ``!Dockerfile.prod`` in ``sub/.gitignore`` re-includes a
        file that the top ``.gitignore`` ignores with ``Dockerfile.*``."""
        verdict = False
        for directory, patterns in self._specs.items():
            try:
                relative = path.relative_to(directory).as_posix()
            except ValueError:
                continue
            candidate = relative + ("/" if is_dir else "")
            for pattern in patterns:
                if pattern.include is not None and pattern.match_file(candidate) is not None:
                    verdict = bool(pattern.include)
        return verdict


def discover(paths: list[Path], excludes: list[str], root: Path) -> tuple[list[Target], list[ReadProblem]]:
    """Expand the command-line paths into Dockerfiles to lint.

    Explicit files are always linted (whatever their name, even if ignored). Directories
    are walked without following symlinks (so a symlink loop cannot trap the walk),
    skipping ``.git`` and whatever ``.gitignore`` files or ``--exclude`` globs say.
    """
    exclude_spec = _exclude_spec(excludes)
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
