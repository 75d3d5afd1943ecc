"""The registry client against a real docker-registry 2.8, and against a faulty proxy."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from dlint.pin.credentials import CredentialStore, Secret
from dlint.pin.registry import RegistryClient, RegistryError, platform_matches
from tests.pin.conftest import FaultProxy
from tests.pin.registry_env import PASSWORD, USER, Env, docker_config


def client_for(hosts: list[str], config: Path, **kwargs: object) -> RegistryClient:
    return RegistryClient(credentials=CredentialStore(config), insecure_registries=hosts,
                          **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- happy paths, no auth
def test_index_digest_matches_what_we_pushed(plain_env: Env, tmp_path: Path) -> None:
    with client_for([plain_env.host], tmp_path) as client:
        got = client.resolve(plain_env.host, "library/alpine", "3.14")
        assert got.digest == plain_env.images.rev1.digest
        assert client.resolve(plain_env.host, "library/alpine", "3.15").digest == plain_env.images.rev2.digest
        # HEAD was enough: the registry sent Docker-Content-Digest
        assert client.stats.by_method == {"HEAD": 2}


def test_single_manifest_and_docker_list(plain_env: Env, tmp_path: Path) -> None:
    with client_for([plain_env.host], tmp_path) as client:
        single = client.resolve(plain_env.host, "library/busybox", "1.36")
        assert single.digest == plain_env.images.single.digest
        debian = client.resolve(plain_env.host, "library/debian", "12")
        assert debian.digest == plain_env.images.docker_list.digest
        assert debian.media_type == "application/vnd.docker.distribution.manifest.list.v2+json"


@pytest.mark.parametrize(("platform", "child"),
                         [("linux/amd64", 0), ("linux/arm64", 1), ("linux/arm64/v8", 1)])
def test_platform_manifest(plain_env: Env, tmp_path: Path, platform: str, child: int) -> None:
    with client_for([plain_env.host], tmp_path) as client:
        got = client.resolve(plain_env.host, "library/alpine", "3.14", platform)
        assert got.digest == plain_env.images.rev1.children[child].digest
        listed = client.resolve(plain_env.host, "library/debian", "12", platform)
        assert listed.digest == plain_env.images.docker_list.children[child].digest


def test_platform_missing_from_index(plain_env: Env, tmp_path: Path) -> None:
    with client_for([plain_env.host], tmp_path) as client, pytest.raises(RegistryError) as info:
        client.resolve(plain_env.host, "library/alpine", "3.14", "linux/s390x")
    assert "no linux/s390x manifest" in str(info.value) and "linux/amd64" in str(info.value)


def test_unknown_tag_and_repository(plain_env: Env, tmp_path: Path) -> None:
    with client_for([plain_env.host], tmp_path) as client:
        with pytest.raises(RegistryError) as info:
            client.resolve(plain_env.host, "library/alpine", "9.99")
        assert info.value.kind == "not-found"
        assert str(info.value).startswith(f"{plain_env.host}/library/alpine:9.99: ")
        with pytest.raises(RegistryError) as info:
            client.resolve(plain_env.host, "library/nope", "1")
        assert info.value.kind == "not-found"


def test_platform_matching_rules() -> None:
    assert platform_matches("linux/arm64", "linux/arm64/v8")
    assert platform_matches("linux/arm64/v8", "linux/arm64")
    assert not platform_matches("linux/arm/v7", "linux/arm/v6")
    assert platform_matches("linux/arm", "linux/arm/v7")
    assert not platform_matches("linux/amd64", "windows/amd64")


# ---------------------------------------------------------------- Basic auth
def test_basic_auth_with_config_json(basic_env: Env, tmp_path: Path) -> None:
    config = docker_config(tmp_path / "docker", basic_env.host)
    with client_for([basic_env.host], config) as client:
        assert client.resolve(basic_env.host, "library/alpine", "3.14").digest == basic_env.images.rev1.digest
        first = client.stats.requests
        client.resolve(basic_env.host, "library/alpine", "3.15")
        # the host is known to want Basic: the second lookup goes straight through
        assert client.stats.requests - first == 1


def test_basic_auth_anonymous_is_refused(basic_env: Env, tmp_path: Path) -> None:
    with client_for([basic_env.host], tmp_path) as client, pytest.raises(RegistryError) as info:
        client.resolve(basic_env.host, "library/alpine", "3.14")
    assert info.value.kind == "auth"
    assert "no credentials" in str(info.value)


def test_basic_auth_wrong_password_never_leaks(basic_env: Env, tmp_path: Path) -> None:
    wrong = "wrong-Pa55word-xyz"
    config = docker_config(tmp_path / "docker", basic_env.host, password=wrong)
    with client_for([basic_env.host], config) as client, pytest.raises(RegistryError) as info:
        client.resolve(basic_env.host, "library/alpine", "3.14")
    assert info.value.kind == "auth"
    assert "rejected" in str(info.value)
    for text in (str(info.value), repr(info.value), repr(info.value.__dict__)):
        assert wrong not in text
    assert info.value.__cause__ is None
    assert wrong not in str(info.value.__context__)


def test_secret_does_not_print() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    assert secret.reveal() == "hunter2"


def test_credential_helper(basic_env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helper = bindir / "docker-credential-dlinttest"
    helper.write_text(
        "#!/bin/sh\nread server\n"
        f"if [ \"$server\" = \"{basic_env.host}\" ]; then\n"
        f"  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n"
        "else echo 'credentials not found in native keychain'; exit 1; fi\n")
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for key in ("credHelpers", "credsStore"):
        config = tmp_path / key
        config.mkdir()
        value: object = {basic_env.host: "dlinttest"} if key == "credHelpers" else "dlinttest"
        (config / "config.json").write_text(json.dumps({key: value}))
        with client_for([basic_env.host], config) as client:
            got = client.resolve(basic_env.host, "library/alpine", "3.14")
            assert got.digest == basic_env.images.rev1.digest
        assert CredentialStore(config).get("other.example:5000") is None


# ---------------------------------------------------------------- token auth
def test_token_auth_anonymous(token_env: Env, tmp_path: Path) -> None:
    assert token_env.token is not None
    with client_for([token_env.host], tmp_path) as client:
        before = token_env.token.requests
        assert client.resolve(token_env.host, "library/alpine", "3.14").digest == token_env.images.rev1.digest
        assert client.resolve(token_env.host, "library/alpine", "3.15").digest == token_env.images.rev2.digest
        assert client.resolve(token_env.host, "library/alpine", "3.14", "linux/amd64").digest == \
            token_env.images.rev1.children[0].digest
        # one token for the repository, cached across the three lookups
        assert token_env.token.requests - before == 1
        client.resolve(token_env.host, "library/busybox", "1.36")
        assert token_env.token.requests - before == 2


def test_token_auth_with_credentials(token_env: Env, tmp_path: Path) -> None:
    config = docker_config(tmp_path / "docker", token_env.host)
    with client_for([token_env.host], config) as client:
        assert client.resolve(token_env.host, "library/debian", "12").digest == \
            token_env.images.docker_list.digest


def test_token_auth_wrong_credentials(token_env: Env, tmp_path: Path) -> None:
    config = docker_config(tmp_path / "docker", token_env.host, password="nope-Secret-77")
    with client_for([token_env.host], config) as client, pytest.raises(RegistryError) as info:
        client.resolve(token_env.host, "library/alpine", "3.14")
    assert info.value.kind == "auth" and "rejected the credentials" in str(info.value)
    assert "nope-Secret-77" not in str(info.value)


def test_token_without_pull_right(token_env: Env, tmp_path: Path) -> None:
    assert token_env.token is not None
    token_env.token.anonymous_pull = False
    try:
        with client_for([token_env.host], tmp_path) as client, pytest.raises(RegistryError) as info:
            client.resolve(token_env.host, "library/alpine", "3.14")
        assert info.value.kind == "auth"
    finally:
        token_env.token.anonymous_pull = True


# ---------------------------------------------------------------- faults (real proxy server)
def test_429_with_retry_after(proxy: FaultProxy, plain_env: Env, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path, backoff=0.01) as client:
        start = time.monotonic()
        got = client.resolve(proxy.host, "r429/library/alpine", "3.14")
        assert got.digest == plain_env.images.rev1.digest
        assert time.monotonic() - start >= 0.95  # Retry-After: 1 was honoured, not the 10 ms backoff
        assert client.stats.retries == 1


def test_500_then_success(proxy: FaultProxy, plain_env: Env, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path, backoff=0.01) as client:
        got = client.resolve(proxy.host, "e500/library/alpine", "3.15")
        assert got.digest == plain_env.images.rev2.digest
        assert client.stats.retries == 1


def test_persistent_503_gives_up(proxy: FaultProxy, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path, backoff=0.01, retries=2) as client, \
            pytest.raises(RegistryError) as info:
        client.resolve(proxy.host, "always503/library/alpine", "3.15")
    assert "HTTP 503" in str(info.value) and client.stats.retries == 2


def test_missing_digest_header_uses_body(proxy: FaultProxy, plain_env: Env, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path) as client:
        got = client.resolve(proxy.host, "nodigest/library/alpine", "3.14")
        assert got.digest == plain_env.images.rev1.digest
        assert client.stats.by_method == {"HEAD": 1, "GET": 1}


def test_body_that_does_not_match_digest(proxy: FaultProxy, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path) as client:
        with pytest.raises(RegistryError) as info:
            client.resolve(proxy.host, "badbody/library/alpine", "3.14")
        assert "does not match its digest" in str(info.value) and info.value.kind == "protocol"
        with pytest.raises(RegistryError):
            client.resolve(proxy.host, "badbody/library/alpine", "3.14", "linux/amd64")


def test_timeout(proxy: FaultProxy, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path, timeout=0.3, retries=1, backoff=0.01) as client, \
            pytest.raises(RegistryError) as info:
        client.resolve(proxy.host, "slow/library/alpine", "3.14")
    assert info.value.kind == "network" and "timed out" in str(info.value)


def test_connection_refused(tmp_path: Path) -> None:
    from tests.pin.registry_env import free_port

    host = f"127.0.0.1:{free_port()}"
    with client_for([host], tmp_path, backoff=0.01) as client, pytest.raises(RegistryError) as info:
        client.resolve(host, "library/alpine", "3.14")
    assert info.value.kind == "network" and "connection refused" in str(info.value)
    assert str(info.value).startswith(f"{host}/library/alpine:3.14: ")


def test_authorization_not_sent_across_redirect(proxy: FaultProxy, plain_env: Env, tmp_path: Path) -> None:
    config = docker_config(tmp_path / "docker", proxy.host)
    with client_for([proxy.host, f"localhost:{proxy.port}"], config) as client:
        got = client.resolve(proxy.host, "redirect/library/alpine", "3.14")
    assert got.digest == plain_env.images.rev1.digest
    assert proxy.seen_auth_after_redirect == [None]


def test_429_with_absurd_retry_after_gives_up(proxy: FaultProxy, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path, max_retry_after=5.0) as client, pytest.raises(RegistryError) as info:
        client.resolve(proxy.host, "r429long/library/alpine", "3.14")
    assert "rate limited" in str(info.value) and "3600" in str(info.value)
    assert client.stats.retries == 0


def test_concurrent_lookups_share_one_token(token_env: Env, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    assert token_env.token is not None
    with client_for([token_env.host], tmp_path) as client, ThreadPoolExecutor(8) as pool:
        tags = ["3.14", "3.15"] * 8
        digests = list(pool.map(lambda t: client.resolve(token_env.host, "library/alpine", t).digest, tags))
    assert set(digests) == {token_env.images.rev1.digest, token_env.images.rev2.digest}
    assert client.stats.token_requests == 1


def test_registry_without_head_support(proxy: FaultProxy, plain_env: Env, tmp_path: Path) -> None:
    with client_for([proxy.host], tmp_path) as client:
        got = client.resolve(proxy.host, "nohead/library/alpine", "3.15")
    assert got.digest == plain_env.images.rev2.digest
    assert client.stats.by_method == {"HEAD": 1, "GET": 1}
