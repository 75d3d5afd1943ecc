"""GitHub workflow commands: shape, levels and GitHub's escaping."""

from __future__ import annotations

from collections.abc import Callable

from dlint.findings import Finding, Location, Severity
from dlint.report import ReportInput, render
from dlint.report.github import escape_data, escape_property

Make = Callable[..., ReportInput]


def test_commands(make_input: Make) -> None:
    lines = render("github", make_input()).splitlines()
    assert lines[0] == ("::error file=Dockerfile,line=2,col=6,endLine=2,endColumn=17,"
                        "title=image-digest%3A Base images must be pinned by digest"
                        "::alpine:3.14 is not pinned by digest.")
    assert lines[1].startswith("::warning file=Dockerfile,line=4,")
    notice = next(line for line in lines if line.startswith("::notice "))
    # UTF-16 columns, like the SARIF upload; path with a space kept, comma/colon escaped only
    assert "file=svc/ü nicode/Dockerfile,line=2,col=18,endLine=2,endColumn=20," in notice
    assert lines[-1].startswith("Found 5 findings")
    assert not any("waived" in line for line in lines)


def test_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_hostile_message_cannot_inject_a_command(make_input: Make) -> None:
    f = Finding(rule="x,y:z", severity=Severity.ERROR, message="bad\n::error file=evil::pwned",
                location=Location("a,b:c", 1, 1, 3, 1))
    out = render("github", make_input(findings=[f], files={}))
    first = out.splitlines()[0]
    assert first == "::error file=a%2Cb%3Ac,line=1,endLine=3,title=x%2Cy%3Az::bad%0A::error file=evil::pwned"
    assert len([line for line in out.splitlines() if line.startswith("::")]) == 1


def test_show_suppressed_marks_them(make_input: Make) -> None:
    out = render("github", make_input(show_suppressed=True))
    assert "::warning file=sub dir/Dockerfile,line=1" in out
    assert "::(suppressed: waiver) node:20" in out
