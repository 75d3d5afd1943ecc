"""Shared report fixtures: real findings over real Dockerfile texts, built from the
dataclasses the engine produces, so reporter tests do not depend on the parser or engine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dlint.findings import Finding, Location, Severity, Suppression
from dlint.policy.model import Rule
from dlint.report import ReportInput

DOCKERFILE = (
    "# syntax=docker/dockerfile:1\n"
    "FROM alpine:3.14 AS build\n"
    "RUN apk add --no-cache curl\n"
    "FROM ubuntu\n"
    "USER root\n"
)
# Astral characters (emoji: two UTF-16 code units each) before the span, a CJK label, CRLF endings.
UNICODE_DOCKERFILE = (
    "FROM alpine@sha256:" + "a" * 64 + "\r\n"
    'LABEL note="\U0001f433\U0001f433 日本" maintainer="x"\r\n'
    "RUN echo hi\r\n"
)
SUB_DOCKERFILE = "FROM node:20\nCOPY . /app\n"

RULES = [
    Rule(id="image-digest", title="Base images must be pinned by digest", severity=Severity.ERROR,
         docs="## What it does\nChecks that every image is referenced by digest.\n\n"
              "## Why is this bad?\nTags move; a digest names exact bytes.\n\n"
              "## Example\n```dockerfile\nFROM alpine:3.20\n```\n",
         tags=["images", "supply-chain", "security"], security_severity=7.5, precision="very-high"),
    Rule(id="image-tag-latest", title="Images must not use the latest tag", severity=Severity.WARNING,
         docs="Flags `:latest` and untagged images.", tags=["images"], aliases=["DL3007"],
         help_uri="https://example.com/docs/rules/image-tag-latest"),
    Rule(id="label-unicode", title="Labels should be ASCII", severity=Severity.INFO,
         docs="Informational.", tags=["labels"], precision="medium"),
    Rule(id="user-root", title="Final user must not be root", severity=Severity.ERROR,
         docs="Containers should not run as root.", tags=["users", "security"], security_severity=8.0),
]


def finding(rule: str, sev: Severity, msg: str, path: str, line: int, col: int, end_line: int, end_col: int,
            suppression: Suppression | None = None, context: str = "") -> Finding:
    return Finding(rule=rule, severity=sev, message=msg,
                   location=Location(path=path, line=line, column=col, end_line=end_line, end_column=end_col),
                   context=context, suppression=suppression)


def make_findings() -> list[Finding]:
    fs = [
        finding("image-digest", Severity.ERROR, "alpine:3.14 is not pinned by digest.", "Dockerfile",
                2, 6, 2, 17, context="FROM alpine:3.14 AS build"),
        # a warning under an error rule: the severity must never be dropped to the rule default
        finding("image-digest", Severity.WARNING, "ubuntu is not pinned by digest.", "Dockerfile",
                4, 6, 4, 12, context="FROM ubuntu"),
        finding("image-tag-latest", Severity.WARNING, "ubuntu has no tag, so it means ubuntu:latest.",
                "Dockerfile", 4, 6, 4, 12, context="FROM ubuntu"),
        finding("user-root", Severity.ERROR, "The final stage runs as root.", "Dockerfile", 5, 6, 5, 10,
                context="USER root"),
        # span 日本 after two astral characters: code-point columns 16..18 are UTF-16 columns 18..20
        finding("label-unicode", Severity.INFO, "Label note holds non-ASCII text.", "svc/ü nicode/Dockerfile",
                2, 16, 2, 18, context='LABEL note="…"'),
        finding("image-tag-latest", Severity.WARNING, "node:20 is fine but this one is waived.",
                "sub dir/Dockerfile", 1, 6, 1, 13,
                suppression=Suppression(kind="waiver", reason="vendor image", source=".dlint.yaml:12")),
        finding("user-root", Severity.ERROR, "The final stage runs as root.", "sub dir/Dockerfile",
                2, 1, 2, 5,
                suppression=Suppression(kind="inline", reason=None, source="sub dir/Dockerfile:1")),
    ]
    return sorted(fs, key=Finding.sort_key)


FILES = {
    "Dockerfile": DOCKERFILE,
    "svc/ü nicode/Dockerfile": UNICODE_DOCKERFILE,
    "sub dir/Dockerfile": SUB_DOCKERFILE,
    "clean/Dockerfile": "FROM scratch\n",
}


@pytest.fixture
def make_input() -> Callable[..., ReportInput]:
    def _make(**overrides: object) -> ReportInput:
        kwargs: dict[str, object] = {
            "findings": make_findings(),
            "rules": sorted(RULES, key=lambda r: r.id),
            "files": dict(FILES),
            "scanned": sorted(FILES),
            "tool_version": "0.1.0",
        }
        kwargs.update(overrides)
        return ReportInput(**kwargs)  # type: ignore[arg-type]

    return _make
