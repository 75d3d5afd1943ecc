from __future__ import annotations

from tests.checks.conftest import Lint


def test_add_remote_without_checksum(lint: Lint) -> None:
    text = "FROM debian:12\nADD https://example.com/a.tgz /opt/\nADD git@github.com:acme/x.git /src\n"
    found = lint("add-remote-without-checksum", text)
    assert [(v.span.start_line, v.span.start_column) for v in found] == [(2, 5), (3, 5)]


def test_add_remote_with_checksum_or_local_passes(lint: Lint) -> None:
    text = (
        "FROM debian:12\n"
        "ADD --checksum=sha256:" + "b" * 64 + " https://example.com/a.tgz /opt/\n"
        "ADD local.tgz /opt/\n"
        "COPY https-not-a-url /x\n"
    )
    assert lint("add-remote-without-checksum", text) == []
