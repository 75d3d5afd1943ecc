"""The `dlint check` command end to end: real files on disk, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.cli_helpers import REPO, run_dlint, write

DIGEST = "sha256:" + "c" * 64


def dlint(*args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return run_dlint(*args, cwd=cwd, stdin=stdin, env=env)


def test_text_output_points_at_the_token_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Dockerfile:1:6: warning[image-digest]" in result.stdout
    assert "FROM alpine:3.20" in result.stdout and "^~~~~~~~~~" in result.stdout
    assert "\x1b[" not in result.stdout


def test_clean_file_exits_0(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", f"FROM alpine:3.20@{DIGEST}\nUSER app\n")
    result = dlint("check", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_json_output_matches_its_schema(tmp_path: Path) -> None:
    write(tmp_path / "svc" / "Dockerfile", "FROM ubuntu\nARG API_TOKEN\n")
    write(tmp_path / "b.Dockerfile", f"FROM alpine@{DIGEST}\nUSER 1000\n")
    result = dlint("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["files"] == ["b.Dockerfile", "svc/Dockerfile"]
    rules = {(f["rule"], f["path"], f["line"]) for f in report["findings"]}
    assert ("image-tag", "svc/Dockerfile", 1) in rules
    assert ("secret-in-arg-env", "svc/Dockerfile", 2) in rules
    keys = [(f["path"], f["line"], f["column"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_discovery_names_gitignore_and_exclude(tmp_path: Path) -> None:
    for name in [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "x.dockerfile",
        "Dockerfile.dev",
        "Dockerfile-prod",
        "Containerfile.ci",
        "ignored/Dockerfile",
        "vendor/Dockerfile",
        "notes.txt",
        ".git/Dockerfile",
    ]:
        write(tmp_path / name, "FROM scratch\n")
    write(tmp_path / ".gitignore", "ignored/\n")
    result = dlint("check", "--format", "json", "--exclude", "vendor/**", cwd=tmp_path)
    files = json.loads(result.stdout)["files"]
    assert files == sorted(
        [
            "Dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "x.dockerfile",
            "Dockerfile.dev",
            "Dockerfile-prod",
            "Containerfile.ci",
        ]
    )
    explicit = dlint("check", "--format", "json", "ignored/Dockerfile", "notes.txt", cwd=tmp_path)
    assert json.loads(explicit.stdout)["files"] == ["ignored/Dockerfile", "notes.txt"]


def test_bad_exclude_glob_exits_2_for_check_and_pin(tmp_path: Path) -> None:
    """``--exclude '[z-a]'`` used to escape as ``internal error``; it is a usage error."""
    write(tmp_path / "Dockerfile", "FROM scratch\n")
    checked = dlint("check", "--exclude", "[z-a]", cwd=tmp_path)
    assert checked.returncode == 2 and "internal error" not in checked.stderr
    assert "--exclude '[z-a]' is not a valid glob" in checked.stderr
    pinned = dlint("pin", "--check", "--offline", "--cache", "pins.json", "--exclude", "[z-a]", cwd=tmp_path)
    assert pinned.returncode == 2 and "--exclude '[z-a]' is not a valid glob" in pinned.stderr


def test_stdin_with_filename(tmp_path: Path) -> None:
    result = dlint(
        "check",
        "-",
        "--stdin-filename",
        "svc/Dockerfile",
        "--format",
        "json",
        cwd=tmp_path,
        stdin=b"FROM ubuntu:latest\n",
    )
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {"svc/Dockerfile"}


def test_select_ignore_fail_on_and_build_arg(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "ARG BASE=alpine:3.20\nFROM ${BASE}\nUSER app\n")
    selected = dlint("check", "--select", "image-tag", cwd=tmp_path)
    assert selected.returncode == 0, selected.stdout
    ignored = dlint("check", "--format", "json", "--ignore", "image-digest", cwd=tmp_path)
    assert "image-digest" not in {f["rule"] for f in json.loads(ignored.stdout)["findings"]}
    assert dlint("check", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert dlint("check", "--fail-on", "never", cwd=tmp_path).returncode == 0
    pinned = dlint("check", "--build-arg", f"BASE=alpine@{DIGEST}", "--select", "image-digest", cwd=tmp_path)
    assert pinned.returncode == 0, pinned.stdout


def test_unknown_rule_in_select_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM scratch\n")
    result = dlint("check", "--select", "no-such-rule", cwd=tmp_path)
    assert result.returncode == 2
    assert "no-such-rule" in result.stderr and "Traceback" not in result.stderr


def test_output_file_and_extra_reports_in_one_run(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM ubuntu\n")
    result = dlint("check", "--report", "json=out/r.json", "--report", "sarif=out/r.sarif", cwd=tmp_path)
    assert result.returncode == 1
    assert "warning[image-tag]" in result.stdout
    assert json.loads((tmp_path / "out/r.json").read_text())["findings"]
    assert json.loads((tmp_path / "out/r.sarif").read_text())["version"] == "2.1.0"
    bad = dlint("check", "--report", "yaml=x", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown format" in bad.stderr


def test_bad_inputs_are_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path / "good" / "Dockerfile", "FROM ubuntu\n")
    write(tmp_path / "binary" / "Dockerfile", bytes(range(256)) * 4)
    write(tmp_path / "latin1" / "Dockerfile", "FROM alpine\nLABEL a=\xe9\n".encode("latin-1"))
    (tmp_path / "dir" / "Dockerfile").mkdir(parents=True)
    write(tmp_path / "big" / "Dockerfile", b"FROM alpine\n" + b"# padding\n" * 2_100_000)
    unreadable = write(tmp_path / "noperm" / "Dockerfile", "FROM alpine\n")
    unreadable.chmod(0)
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "Dockerfile").symlink_to(loop / "Dockerfile")
    (loop / "sub").symlink_to(loop)
    result = dlint("check", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    by_path = {}
    for finding in findings:
        by_path.setdefault(finding["path"], set()).add(finding["rule"])
    assert "image-tag" in by_path["good/Dockerfile"]
    assert "syntax" in by_path["binary/Dockerfile"]
    assert "syntax" in by_path["latin1/Dockerfile"]
    assert "unreadable-file" in by_path["dir/Dockerfile"]
    assert "unreadable-file" in by_path["big/Dockerfile"]
    assert "unreadable-file" in by_path["loop/Dockerfile"]
    if os.geteuid() != 0:  # root reads anything
        assert "unreadable-file" in by_path["noperm/Dockerfile"]


def test_broken_config_exits_2_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine\n")
    write(tmp_path / ".dlint.yaml", "rules:\n  image-digest:\n    severity: [oops\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 2
    assert ".dlint.yaml:" in result.stderr and "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    write(tmp_path / ".dlint.yaml", "rules:\n  image-digest:\n    severity: fatal\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 2 and ".dlint.yaml:3" in result.stderr, result.stderr


def test_config_selects_severity_and_options(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", f"FROM quay.io/x/y:1@{DIGEST}\nUSER app\n")
    write(
        tmp_path / ".dlint.yaml",
        "extends: [recommended]\nrules:\n  allowed-registries:\n    options: {allow: ['docker.io/library/*']}\n",
    )
    result = dlint("check", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "allowed-registries" and finding["severity"] == "error"


def test_inspect_prints_the_model(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "ARG V=3.20\nFROM alpine:${V} AS base\nCOPY --from=nginx /a /b\n")
    result = dlint("inspect", "Dockerfile", cwd=tmp_path)
    model = json.loads(result.stdout)
    assert [i["keyword"] for i in model["instructions"]] == ["ARG", "FROM", "COPY"]
    image = model["images"][0]
    assert image["source"] == "from" and image["written"] == "alpine:${V}"
    assert image["resolved"] == "alpine:3.20" and image["registry"] == "docker.io"
    assert image["repository"] == "library/alpine" and image["tag"] == "3.20" and image["digest"] is None
    assert (image["line"], image["column"]) == (2, 6)
    assert model["images"][1]["source"] == "copy-from"


def test_rules_lists_and_documents(tmp_path: Path) -> None:
    listing = dlint("rules", cwd=tmp_path)
    assert listing.returncode == 0
    assert "image-digest" in listing.stdout and "allowed-registries" in listing.stdout
    page = dlint("rules", "DL3007", cwd=tmp_path)
    assert page.returncode == 0 and page.stdout.startswith("# image-tag")
    assert "## Why is this bad?" in page.stdout
    assert dlint("rules", "nope", cwd=tmp_path).returncode == 2


def test_python_dash_m_and_help(tmp_path: Path) -> None:
    result = dlint("check", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--fail-on" in result.stdout


@pytest.mark.skipif(not (REPO / "examples").is_dir(), reason="examples/ missing")
def test_readme_example_has_findings_and_pinned_example_is_clean() -> None:
    result = dlint("check", "examples/", "--format", "json", cwd=REPO)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {"examples/service/Dockerfile"}
    assert {"image-digest", "allowed-registries", "root-user", "secret-in-arg-env"} <= {f["rule"] for f in findings}


def test_files_outside_the_current_folder_get_their_own_repositorys_policy(tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    write(other / ".dlint.yaml", "rules:\n  image-tag: off\n  image-digest: {severity: error}\n")
    write(other / "svc" / "Dockerfile", "FROM ubuntu\nUSER app\n")
    (tmp_path / "elsewhere").mkdir()
    result = dlint("check", "--format", "json", "../other", cwd=tmp_path / "elsewhere")
    findings = json.loads(result.stdout)["findings"]
    assert {(f["path"], f["rule"], f["severity"]) for f in findings} == {
        ("../other/svc/Dockerfile", "image-digest", "error")
    }


def test_fail_on_is_each_dockerfiles_own_policys(tmp_path: Path) -> None:
    """``fail-on`` is a setting of the effective policy, which is per Dockerfile.  The run
    used the strictest fail-on of every policy met, so a nested ``fail-on: info`` in svc/
    made warnings in the top Dockerfile (whose policy says ``fail-on: error``) fail CI."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".dlint.yaml", "fail-on: error\n")
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")  # warnings only
    write(tmp_path / "svc" / ".dlint.yaml", "fail-on: info\n")
    write(tmp_path / "svc" / "Dockerfile", "FROM alpine:3.20@" + DIGEST + "\nUSER app\n")  # clean
    assert dlint("check", "Dockerfile", cwd=tmp_path).returncode == 0
    assert dlint("check", cwd=tmp_path).returncode == 0
    write(tmp_path / "svc" / "Dockerfile", "FROM alpine:3.20@" + DIGEST + "\n")  # a warning under fail-on: info
    assert dlint("check", cwd=tmp_path).returncode == 1
    assert dlint("check", "--fail-on", "error", cwd=tmp_path).returncode == 0


def test_broken_policy_is_an_error_even_without_dockerfiles(tmp_path: Path) -> None:
    write(tmp_path / ".dlint.yaml", "rules:\n  acme/x:\n    title: X\n    on: image\n    require: 'image.tag =='\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 2 and ".dlint.yaml" in result.stderr, result.stdout + result.stderr


def test_policy_findings_show_the_policy_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".dlint.yaml", "locked: [image-digest]\n")
    write(tmp_path / "svc" / ".dlint.yaml", "rules:\n  image-digest: off\n")
    write(tmp_path / "svc" / "Dockerfile", f"FROM alpine@{DIGEST}\nUSER app\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "svc/.dlint.yaml:2:3: error[locked-rule]" in result.stdout
    assert "2 |   image-digest: off" in result.stdout


def test_baseline_flag_combinations_that_cannot_work_are_usage_errors(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine\n")
    pruned = dlint("check", "--prune-baseline", cwd=tmp_path)
    assert pruned.returncode == 2 and "--prune-baseline needs --baseline" in pruned.stderr
    partial = dlint("check", "--write-baseline", "b.json", "--select", "image-tag", cwd=tmp_path)
    assert partial.returncode == 2 and not (tmp_path / "b.json").exists()


def test_policy_fail_on_never_reports_without_failing(tmp_path: Path) -> None:
    write(tmp_path / ".dlint.yaml", "fail-on: never\n")
    write(tmp_path / "Dockerfile", "FROM ubuntu\n")
    result = dlint("check", cwd=tmp_path)
    assert result.returncode == 0 and "warning[image-tag]" in result.stdout
    assert dlint("check", "--fail-on", "warning", cwd=tmp_path).returncode == 1
