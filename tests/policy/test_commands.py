"""dlint policy validate | show | init."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlint.policy import load_policy_file
from dlint.policy.commands import init, show, validate
from tests.policy.conftest import write


def test_init_writes_valid_starter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(tmp_path, force=False) == 0
    policy = load_policy_file(tmp_path / ".dlint.yaml")
    assert policy.locked == {"image-digest", "allowed-registries"}
    assert policy.rules["allowed-registries"].options["allow"] == ["docker.io/library/*"]
    text = (tmp_path / ".dlint.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert init(tmp_path, force=False) == 2
    assert "already exists" in capsys.readouterr().err
    assert init(tmp_path, force=True) == 0
    assert not list(tmp_path.glob(".dlint.*.tmp"))


def test_validate_ok_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    good = write(tmp_path / "good.yaml", "rules:\n  image-digest: error\n")
    bad = write(tmp_path / "bad.yaml", "rules:\n  image-digest:\n    severity: nope\n  x:\n    title: T\n"
                                       "    on: file\n    require: 'file.'\n")
    assert validate([good]) == 0
    assert "good.yaml: ok" in capsys.readouterr().out
    assert validate([good, bad]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:3: rules.image-digest.severity:" in err
    cel_bad = write(tmp_path / "cel.yaml", "rules:\n  x:\n    title: T\n    on: file\n    require: 'file.'\n")
    assert validate([cel_bad]) == 2
    assert "cel.yaml:5: rules.x.require: rule 'x': CEL require 1:" in capsys.readouterr().err
    assert validate([]) == 2  # no .dlint.yaml here
    write(tmp_path / ".dlint.yaml", "rules: {}\n")
    assert validate([]) == 0


def test_validate_reports_locked_weakening(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "org.yaml", "extends: [recommended]\nlocked: [image-digest]\n")
    file = write(tmp_path / "team.yaml", "extends: [org.yaml]\nrules:\n  image-digest: off\n")
    assert validate([file]) == 2
    assert "locked-rule" in capsys.readouterr().err


def test_show_prints_origins(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / ".dlint.yaml", "fail-on: error\nrules:\n  image-digest: error\nlocked: [image-digest]\n")
    write(repo / "svc" / ".dlint.yaml", "rules:\n  image-tag: off\n")
    (repo / "svc" / "Dockerfile").write_text("FROM alpine\n")
    monkeypatch.chdir(repo)
    assert show(Path("svc/Dockerfile"), None) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "# layers, in order: builtin:recommended, .dlint.yaml, svc/.dlint.yaml" in lines
    assert any(line.startswith(".dlint.yaml:1 ") and line.endswith("fail-on: error") for line in lines)
    assert any(line.startswith(".dlint.yaml:3 ") and "rules.image-digest.severity: error" in line for line in lines)
    assert any(line.startswith("svc/.dlint.yaml:2 ") and "rules.image-tag.enabled: false" in line for line in lines)
    assert any(line.startswith(".dlint.yaml:4 ") and "rules.image-digest.locked: true" in line for line in lines)
    assert any(line.startswith("builtin:recommended:") and "rules.syntax.severity" in line for line in lines)
    assert show(Path("nope"), None) == 2
    write(repo / "svc" / ".dlint.yaml", "rules:\n  image-tag: [\n")
    assert show(Path("svc"), None) == 2
    assert "svc/.dlint.yaml:" in capsys.readouterr().err
