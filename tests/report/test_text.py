"""Text reporter: header shape, underline placement, colour only on request, summary."""

from __future__ import annotations

from collections.abc import Callable

from dlint.findings import Finding, Location, Severity, Suppression
from dlint.report import ReportInput, render

Make = Callable[..., ReportInput]


def test_header_snippet_and_summary(make_input: Make) -> None:
    out = render("text", make_input())
    assert "Dockerfile:2:6: error[image-digest] alpine:3.14 is not pinned by digest." in out
    lines = out.splitlines()
    i = lines.index("Dockerfile:2:6: error[image-digest] alpine:3.14 is not pinned by digest.")
    assert lines[i + 1] == "2 | FROM alpine:3.14 AS build"
    assert lines[i + 2] == "  |      ^" + "~" * 10  # alpine:3.14 is 11 characters
    assert "\x1b[" not in out
    assert out.endswith("Found 5 findings (2 errors, 2 warnings, 1 info) in 4 files; 2 suppressed\n")
    # suppressed findings are not listed by default
    assert "sub dir/Dockerfile" not in out


def test_wide_and_astral_characters_underline_under_the_span(make_input: Make) -> None:
    out = render("text", make_input())
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("svc/ü nicode/Dockerfile:2:16:"))
    assert lines[i + 1] == '2 | LABEL note="\U0001f433\U0001f433 日本" maintainer="x"'
    # emoji and CJK occupy two terminal cells each: 12 narrow + 2*2 + 1 = 17 cells before the span
    assert lines[i + 2] == "  | " + " " * 17 + "^~~~"


def test_colour_only_when_asked(make_input: Make) -> None:
    out = render("text", make_input(color=True))
    assert "\x1b[1;31merror\x1b[0m[image-digest]" in out


def test_show_suppressed_lists_them_with_reason(make_input: Make) -> None:
    out = render("text", make_input(show_suppressed=True))
    assert ("sub dir/Dockerfile:1:6: warning[image-tag-latest] node:20 is fine but this one is waived. "
            "(suppressed, waiver: vendor image (.dlint.yaml:12))") in out
    assert "(suppressed, inline (sub dir/Dockerfile:1))" in out


def test_no_findings(make_input: Make) -> None:
    assert render("text", make_input(findings=[])) == "No findings in 4 files.\n"
    # baselined findings stay in the list, marked; baseline_hidden says how many of them
    hidden = [Finding("image-tag", Severity.WARNING, "m", Location("Dockerfile", n, 1, n, 2),
                      suppression=Suppression("baseline")) for n in (1, 2, 3)]
    assert render("text", make_input(findings=hidden, baseline_hidden=3, scanned=["Dockerfile"])) == (
        "No findings in 1 file; 3 suppressed.\n")


def test_singulars_and_stale_baseline(make_input: Make) -> None:
    data = make_input()
    data.findings = [f for f in data.findings if f.rule == "user-root" and not f.suppressed]
    data.baseline_fixed = [f"Dockerfile: rule-{n}" for n in range(7)]
    out = render("text", data)
    assert "Found 1 finding (1 error) in 4 files\n" in out
    assert "7 baseline entries no longer match any finding" in out
    assert "  - Dockerfile: rule-4\n  … and 2 more\n" in out


def test_control_characters_do_not_reach_the_terminal(make_input: Make) -> None:
    data = make_input()
    data.files["Dockerfile"] = data.files["Dockerfile"].replace("FROM ubuntu", "FROM \x1b[2Jubuntu")
    out = render("text", data)
    assert "\x1b[2J" not in out


def test_missing_text_or_line_does_not_fail(make_input: Make) -> None:
    out = render("text", make_input(files={}))
    assert "Dockerfile:5:6: error[user-root] The final stage runs as root." in out


def test_lone_carriage_return_does_not_shift_snippet_lines(make_input: Make) -> None:
    # BuildKit (and dlint's parser) split lines on \n only: a lone \r is part of line 1, so
    # the MAINTAINER the parser reports on line 2 must be the line the snippet shows.
    text = "FROM alpine\rRUN echo\nMAINTAINER me\n"
    f = Finding(rule="user-root", severity=Severity.WARNING, message="deprecated",
                location=Location(path="Dockerfile", line=2, column=1, end_line=2, end_column=11))
    out = render("text", make_input(findings=[f], files={"Dockerfile": text}, scanned=["Dockerfile"]))
    lines = out.splitlines()
    assert lines[1] == "2 | MAINTAINER me"
    assert lines[2] == "  | ^~~~~~~~~~"
