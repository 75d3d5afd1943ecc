from __future__ import annotations

from pathlib import Path

import pytest

from dlint.discover import ReadProblem, Target, discover, is_dockerfile_name, read_target


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
