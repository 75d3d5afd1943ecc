from __future__ import annotations

from pathlib import Path

import pytest

from dlint.discover import ExcludeError, ReadProblem, Target, discover, is_dockerfile_name, read_target


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "x.dockerfile",
        "Dockerfile.dev",
        "Dockerfile-prod",
        "Containerfile.ci",
        "Dockerfile_prod",
        "ubuntu__jammy__Dockerfile",
        "build-Dockerfile",
    ],
)
def test_dockerfile_names(name: str) -> None:
    assert is_dockerfile_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile.dockerignore",
        "README.md",
        "Dockerfile.md",
        "mydockerfile",
        "DockerfileX",
        "docker-compose.yml",
        "Dockerfile.sh",
    ],
)
def test_not_dockerfile_names(name: str) -> None:
    assert not is_dockerfile_name(name)


def test_walk_skips_git_gitignored_and_excluded_and_reports_dirs(tmp_path: Path) -> None:
    for name in ["Dockerfile", "a/Dockerfile", ".git/Dockerfile", "build/Dockerfile", "vendor/x/Dockerfile"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM scratch\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "a" / ".gitignore").write_text("!Dockerfile\n")
    (tmp_path / "odd" / "Dockerfile").mkdir(parents=True)
    targets, problems = discover([tmp_path], ["vendor/"], tmp_path)
    assert [t.display for t in targets] == ["Dockerfile", "a/Dockerfile"]
    assert [(p.display, p.message) for p in problems] == [("odd/Dockerfile", "this is a directory, not a Dockerfile")]


def test_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    targets, problems = discover([tmp_path / "nope"], [], tmp_path)
    assert targets == [] and problems == [ReadProblem("nope", "no such file or directory")]


def test_read_target_limits_size(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM alpine\n" * 100)
    assert read_target(Target(path, "Dockerfile"), max_size=100_000) == b"FROM alpine\n" * 100
    problem = read_target(Target(path, "Dockerfile"), max_size=100)
    assert isinstance(problem, ReadProblem) and "over the 100-byte limit" in problem.message


def test_nested_gitignore_negation_reincludes_what_a_parent_ignores(tmp_path: Path) -> None:
    """git lets a deeper .gitignore re-include a file with ``!``: the last matching pattern
    wins, deeper files after shallower ones.  Each .gitignore used to be asked on its own,
    so any match anywhere ignored the file and ``sub/Dockerfile.prod`` was never linted."""
    (tmp_path / ".git").mkdir()
    for name in ["Dockerfile.prod", "sub/Dockerfile.prod", "sub/Dockerfile.dev"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM scratch\n")
    (tmp_path / ".gitignore").write_text("Dockerfile.*\n")
    (tmp_path / "sub" / ".gitignore").write_text("!Dockerfile.prod\n")
    targets, _ = discover([tmp_path], [], tmp_path)
    assert [t.display for t in targets] == ["sub/Dockerfile.prod"]
    # the same from inside the sub folder, where the top .gitignore is an enclosing one
    targets, _ = discover([tmp_path / "sub"], [], tmp_path)
    assert [t.display for t in targets] == ["sub/Dockerfile.prod"]


def test_gitignore_line_that_cannot_compile_is_skipped(tmp_path: Path) -> None:
    """A .gitignore belongs to the repository, not to dlint: a pattern pathspec rejects
    (``[z-a]``) is skipped as git skips it, and the rest of that file still applies.  It
    used to end the run with an internal error."""
    for name in ["Dockerfile", "build/Dockerfile"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM scratch\n")
    (tmp_path / ".gitignore").write_text("[z-a]\nbuild/\n")
    targets, problems = discover([tmp_path], [], tmp_path)
    assert [t.display for t in targets] == ["Dockerfile"] and problems == []


def test_exclude_glob_that_cannot_compile_is_an_exclude_error(tmp_path: Path) -> None:
    """An ``--exclude`` glob that cannot compile is a usage error (ExcludeError, exit 2 in
    the CLI), not an internal error."""
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(ExcludeError, match=r"\[z-a\]"):
        discover([tmp_path], ["[z-a]"], tmp_path)
