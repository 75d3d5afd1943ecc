"""Small offline units: Docker Hub naming, config.json spellings, challenges, token expiry."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from dlint.pin.auth import TokenCache, parse_challenge
from dlint.pin.credentials import CredentialStore
from dlint.pin.registry import api_host


def test_docker_hub_api_host() -> None:
    assert api_host("docker.io") == "registry-1.docker.io"
    assert api_host("index.docker.io") == "registry-1.docker.io"
    assert api_host("ghcr.io") == "ghcr.io"


def test_config_json_spellings(tmp_path: Path) -> None:
    def auth(user: str, password: str) -> str:
        return base64.b64encode(f"{user}:{password}".encode()).decode()

    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": auth("hub", "p1")},
        "https://ghcr.io": {"auth": auth("gh", "p:2")},
        "registry.example:5000": {"username": "u", "password": "p3"},
        "broken.example": {"auth": "!!!"},
    }}))
    store = CredentialStore(tmp_path)
    hub = store.get("registry-1.docker.io")
    assert hub is not None and hub.username == "hub" and hub.password.reveal() == "p1"
    gh = store.get("ghcr.io")
    assert gh is not None and gh.password.reveal() == "p:2"
    assert store.get("registry.example:5000") is not None
    assert store.get("broken.example") is None
    assert store.get("other.example") is None
    assert "p1" not in repr(hub)


def test_parse_challenge() -> None:
    c = parse_challenge('Bearer realm="https://auth.example/token",service="reg",'
                        'scope="repository:a/b:pull,push"')
    assert c is not None and c.scheme == "bearer"
    assert c.params == {"realm": "https://auth.example/token", "service": "reg",
                        "scope": "repository:a/b:pull,push"}
    basic = parse_challenge('Basic realm="x"')
    assert basic is not None and basic.scheme == "basic"
    assert parse_challenge(None) is None


def test_token_cache_expiry() -> None:
    now = [1000.0]
    cache = TokenCache(clock=lambda: now[0])
    key = ("realm", "svc", "repository:a:pull")
    cache.put(key, "tok", 300)
    assert cache.get(key) == "tok"
    now[0] += 289
    assert cache.get(key) == "tok"
    now[0] += 2  # inside the safety margin: refetch rather than risk a 401 mid-request
    assert cache.get(key) is None
