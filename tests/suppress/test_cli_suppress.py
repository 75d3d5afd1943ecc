"""Suppressions through the real CLI: exit codes, JSON/SARIF carrying kind and reason,
waiver expiry by ``--today``/``DLINT_TODAY``, and the baseline round trip."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.cli_helpers import run_dlint, write

DIGEST = "sha256:" + "d" * 64

POLICY = """\
extends: [recommended]
waivers:
  - rules: [image-digest]
    paths: ["legacy/**"]
    reason: vendor image, pinned by the vendor's release process
    owner: team-platform
    expires: 2027-03-31
"""


def dlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_dlint(*args, cwd=cwd, env=env)


def findings_json(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(result.stdout)
    found: list[dict[str, Any]] = data["findings"]
    return found


def test_inline_suppression_does_not_fail_and_shows_with_reason(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile",
          "# dlint ignore=image-digest -- scratch build image, rebuilt nightly\nFROM alpine:3.20\nUSER app\n")
    plain = dlint("check", ".", "--format", "json", cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert findings_json(plain) == []
    shown = dlint("check", ".", "--format", "json", "--show-suppressed", cwd=tmp_path)
    (item,) = findings_json(shown)
    assert item["rule"] == "image-digest"
    assert item["suppression"] == {"kind": "inline", "reason": "scratch build image, rebuilt nightly",
                                   "source": "Dockerfile:1"}
    text = dlint("check", ".", cwd=tmp_path)
    assert text.returncode == 0 and "1 suppressed" in text.stdout


def test_sarif_leaves_suppressed_out_unless_asked(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile",
          "# dlint ignore=image-digest -- scratch build image\nFROM alpine:3.20\nUSER app\n")
    default = json.loads(dlint("check", ".", "--format", "sarif", cwd=tmp_path).stdout)
    assert default["runs"][0]["results"] == []
    included = json.loads(dlint("check", ".", "--format", "sarif", "--sarif-include-suppressed",
                                cwd=tmp_path).stdout)
    (result,) = included["runs"][0]["results"]
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["justification"] == "scratch build image"


def test_unused_and_unknown_suppressions_are_findings(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile",
          f"# dlint ignore=image-digest -- pinned already\nFROM alpine@{DIGEST}\n"
          "# dlint ignore=no-such-rule -- x\nUSER app\n")
    result = dlint("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    rules = sorted((f["rule"], f["line"], f["column"]) for f in findings_json(result))
    assert rules == [("invalid-suppression", 3, 16), ("unused-suppression", 1, 16)]


def test_waiver_applies_until_it_expires(tmp_path: Path) -> None:
    write(tmp_path / ".dlint.yaml", POLICY)
    write(tmp_path / "legacy" / "Dockerfile", "FROM vendor/base:1.2\nUSER app\n")
    live = dlint("check", ".", "--format", "json", "--show-suppressed", "--today", "2027-03-01", cwd=tmp_path)
    assert live.returncode == 0, live.stdout + live.stderr
    (waived,) = findings_json(live)
    assert waived["suppression"]["kind"] == "waiver"
    assert waived["suppression"]["reason"] == "vendor image, pinned by the vendor's release process"

    soon = dlint("check", ".", "--format", "json", "--today", "2027-03-25", cwd=tmp_path)
    (warning,) = findings_json(soon)
    assert warning["rule"] == "expiring-waiver" and warning["severity"] == "warning"

    dead = dlint("check", ".", cwd=tmp_path, env={"DLINT_TODAY": "2027-04-01"})
    assert dead.returncode == 1
    assert ("error[expired-waiver] waiver for image-digest in legacy/** expired on 2027-03-31, "
            "owner team-platform") in dead.stdout
    assert ".dlint.yaml:7:" in dead.stdout
    assert "legacy/Dockerfile:1:6: warning[image-digest]" in dead.stdout  # no longer waived

    bad = dlint("check", ".", "--today", "2027-3-1", cwd=tmp_path)
    assert bad.returncode == 2 and "2027-3-1" in bad.stderr


def test_baseline_round_trip(tmp_path: Path) -> None:
    original = "FROM golang:1.22 AS build\nRUN go build .\nFROM alpine:3.20\nUSER app\n"
    write(tmp_path / "Dockerfile", original)
    wrote = dlint("check", ".", "--write-baseline", "dlint-baseline.json", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    baseline = tmp_path / "dlint-baseline.json"
    assert json.loads(baseline.read_text())["version"] == 1

    # edits above and below: still clean, and the summary says what the baseline hid
    write(tmp_path / "Dockerfile", "# the app\nARG X=1\n\n" + original + "LABEL a=b\n")
    edited = dlint("check", ".", "--baseline", "dlint-baseline.json", "--format", "json", cwd=tmp_path)
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert findings_json(edited) == []
    assert json.loads(edited.stdout)["summary"]["baseline_hidden"] == 2

    # the same violation in another file is new
    write(tmp_path / "svc" / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    dup = dlint("check", ".", "--baseline", "dlint-baseline.json", "--format", "json", cwd=tmp_path)
    assert dup.returncode == 1
    assert [(f["path"], f["rule"]) for f in findings_json(dup)] == [("svc/Dockerfile", "image-digest")]
    (tmp_path / "svc" / "Dockerfile").unlink()

    # fixing one finding leaves a stale entry; --prune-baseline drops it
    write(tmp_path / "Dockerfile", original.replace("alpine:3.20", f"alpine:3.20@{DIGEST}"))
    fixed = dlint("check", ".", "--baseline", "dlint-baseline.json", "--format", "json", cwd=tmp_path)
    assert fixed.returncode == 0
    assert json.loads(fixed.stdout)["summary"]["baseline_hidden"] == 1
    before = baseline.read_text()
    pruned = dlint("check", ".", "--baseline", "dlint-baseline.json", "--prune-baseline", cwd=tmp_path)
    assert pruned.returncode == 0
    after = baseline.read_text()
    assert "FROM alpine:3.20" in before and "FROM alpine:3.20" not in after
    assert "FROM golang:1.22 AS build" in after


def test_corrupt_baseline_exits_2_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    write(tmp_path / "b.json", '{"version": 1, "entries": [{"rule": 3}]}')
    result = dlint("check", ".", "--baseline", "b.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "b.json" in result.stderr and "entry 1" in result.stderr


def test_text_summary_counts_baselined_findings_once(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM golang:1.22 AS build\nFROM alpine:3.20\nUSER app\n")
    assert dlint("check", ".", "--write-baseline", "b.json", cwd=tmp_path).returncode == 0
    result = dlint("check", ".", "--baseline", "b.json", cwd=tmp_path)
    assert "; 2 suppressed" in result.stdout


def test_waiver_paths_mean_the_same_files_from_any_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".dlint.yaml", "waivers:\n  - rules: [image-digest]\n    paths: ['services/api/**']\n"
          "    reason: vendor base image\n")
    write(tmp_path / "services" / "api" / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    write(tmp_path / "services" / "web" / ".dlint.yaml",
          "waivers:\n  - rules: [image-digest]\n    paths: ['Dockerfile']\n    reason: nested waiver, own folder\n")
    write(tmp_path / "services" / "web" / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    for cwd, args in ((tmp_path, ["services"]), (tmp_path / "services", ["."]), (tmp_path / "services" / "api", ["."])):
        result = dlint("check", *args, "--select", "image-digest", cwd=cwd)
        assert result.returncode == 0, (cwd, result.stdout)


def test_waiver_of_another_repository_applies_when_linted_from_outside(tmp_path: Path) -> None:
    """``dlint check ../other`` applies other's own policy chain "as if dlint ran there".
    Its policy files used to be named relative to other's top (``.dlint.yaml``), but waiver
    paths are resolved from the current folder, so ``paths: [legacy]`` matched nothing and
    the waived finding came back (and snippets of policy findings read the wrong file)."""
    write(tmp_path / "other" / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(tmp_path / "other" / ".dlint.yaml",
          "waivers:\n  - rules: [image-digest]\n    paths: [legacy]\n    reason: vendor image\n")
    write(tmp_path / "other" / "legacy" / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    write(tmp_path / "me" / ".git" / "HEAD", "ref: refs/heads/main\n")
    inside = dlint("check", "--select", "image-digest", cwd=tmp_path / "other")
    assert inside.returncode == 0, inside.stdout
    outside = dlint("check", "--select", "image-digest", "--format", "json", "--show-suppressed", "../other",
                    cwd=tmp_path / "me")
    assert outside.returncode == 0, outside.stdout
    (item,) = findings_json(outside)
    assert item["suppression"]["source"] == "../other/.dlint.yaml:2"


def test_unwritable_baseline_path_exits_2_naming_it(tmp_path: Path) -> None:
    """--write-baseline and --prune-baseline into a path that cannot be written (here: a
    file where a folder should be) are the user's mistake: exit 2 with the path, never an
    internal error."""
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    write(tmp_path / "blocker", "not a folder\n")
    written = dlint("check", ".", "--write-baseline", "blocker/baseline.json", cwd=tmp_path)
    assert written.returncode == 2, written.stderr
    assert "internal error" not in written.stderr
    assert "blocker/baseline.json" in written.stderr and "cannot write baseline" in written.stderr


def test_select_and_ignore_keep_the_baseline_entries_of_rules_that_did_not_run(tmp_path: Path) -> None:
    """A run with --select/--ignore evaluates only some rules, so the entries of the others
    cannot match.  They were listed as fixed, and --prune-baseline deleted them: the next
    full run then failed on findings the baseline had accepted."""
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")  # image-digest and root-user
    baseline = tmp_path / "baseline.json"
    assert dlint("check", "--write-baseline", str(baseline), cwd=tmp_path).returncode == 0
    for flags in (["--select", "image-digest"], ["--ignore", "root-user"]):
        partial = dlint("check", "--baseline", str(baseline), "--prune-baseline", *flags, cwd=tmp_path)
        assert partial.returncode == 0 and "no longer matches" not in partial.stdout, partial.stdout
        assert "pruned" not in partial.stderr
    assert {e["rule"] for e in json.loads(baseline.read_text())["entries"]} == {"image-digest", "root-user"}
    assert dlint("check", "--baseline", str(baseline), cwd=tmp_path).returncode == 0


def test_ignore_flag_does_not_make_suppressions_of_that_rule_unused(tmp_path: Path) -> None:
    """``--ignore image-tag`` skips the rule, so nothing can tell whether a comment
    suppressing it is needed; it was reported as unused ("remove `image-tag`")."""
    write(tmp_path / "Dockerfile", "# dlint ignore=image-tag -- vendor pins latest\nFROM alpine:latest\nUSER app\n")
    result = dlint("check", "--ignore", "image-tag", "--ignore", "image-digest", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and findings_json(result) == [], result.stdout
    full = dlint("check", "--ignore", "image-digest", "--format", "json", cwd=tmp_path)
    assert full.returncode == 0 and findings_json(full) == [], full.stdout


def test_a_lower_policy_cannot_waive_a_locked_rule(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".dlint.yaml", "locked: [image-digest]\nwaivers:\n  - rules: [image-digest]\n"
          "    paths: ['vendor/**']\n    reason: the organization's own exception\n")
    write(tmp_path / "svc" / ".dlint.yaml", "waivers:\n  - rules: [image-digest, image-tag]\n"
          "    paths: ['**']\n    reason: we would rather not\n")
    write(tmp_path / "svc" / "Dockerfile", "FROM alpine\nUSER app\n")
    write(tmp_path / "vendor" / "Dockerfile", "FROM alpine:3.20\nUSER app\n")
    result = dlint("check", "--format", "json", cwd=tmp_path)
    findings = {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}
    assert ("svc/Dockerfile", "image-digest") in findings  # not waived below the lock
    assert ("svc/Dockerfile", "image-tag") not in findings  # an unlocked rule may be waived
    assert ("svc/.dlint.yaml", "locked-rule") in findings
    assert ("vendor/Dockerfile", "image-digest") not in findings  # the locking layer's waiver holds
