from __future__ import annotations

import pytest

from dlint.checks.secrets import looks_secret
from tests.checks.conftest import Lint


@pytest.mark.parametrize(
    "key", ["API_KEY", "DB_PASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "auth", "Credentials", "apikey"]
)
def test_secret_names(key: str) -> None:
    assert looks_secret(key)


@pytest.mark.parametrize("key", ["MONKEY", "PUBLIC_KEY", "PASSWORDLESS", "TOKENIZER", "PATH", "KEYBOARD_LAYOUT"])
def test_not_secret_names(key: str) -> None:
    assert not looks_secret(key)


def test_secret_in_arg_env_points_at_the_key(lint: Lint) -> None:
    text = "FROM debian:12\nARG GITHUB_TOKEN\nENV DB_PASSWORD=hunter2 MODE=prod\nENV LEGACY_SECRET value here\n"
    found = lint("secret-in-arg-env", text)
    spans = [(v.span.start_line, v.span.start_column, v.span.end_column) for v in found]
    assert spans == [(2, 5, 17), (3, 5, 16), (4, 5, 18)]


def test_secret_in_arg_env_passes_ordinary_keys(lint: Lint) -> None:
    assert lint("secret-in-arg-env", "FROM debian:12\nARG VERSION=1\nENV PUBLIC_KEY=abc PATH=/bin\n") == []
