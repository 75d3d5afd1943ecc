"""Fixtures: real registries on loopback (plain, Basic, token) and a fault-injecting proxy.

In CI ``DLINT_REQUIRE_REGISTRY=1`` turns "docker-registry is not installed" from a skip
into a failure, so the registry tests can never silently stop running.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pin.registry_env import Env, registry_binary, start_env


def _need_registry() -> None:
    if registry_binary() is None:
        message = "docker-registry not installed (apt-get install -y docker-registry apache2-utils)"
        if os.environ.get("DLINT_REQUIRE_REGISTRY") == "1":
            pytest.fail(message + " and DLINT_REQUIRE_REGISTRY=1")
        pytest.skip(message)


@pytest.fixture(scope="session")
def plain_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    _need_registry()
    yield from start_env(tmp_path_factory.mktemp("reg-plain"), "none")


@pytest.fixture(scope="session")
def basic_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    _need_registry()
    yield from start_env(tmp_path_factory.mktemp("reg-basic"), "basic")


@pytest.fixture(scope="session")
def token_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    _need_registry()
    yield from start_env(tmp_path_factory.mktemp("reg-token"), "token")


@pytest.fixture()
def no_docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read the developer's real ~/.docker during tests."""
    directory = tmp_path / "docker-empty"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    return directory


class FaultProxy:
    """A real HTTP server on 127.0.0.1 that forwards to a registry, misbehaving on request.

    The first path segment after ``/v2/`` names the fault, so a client asking for image
    ``127.0.0.1:P/r429/library/alpine:3.14`` gets the registry's ``library/alpine:3.14``
    behind a 429.  Faults: ``ok``, ``r429`` (first answer 429 + Retry-After: 1), ``e500``
    (first answer 500), ``r429long`` (429 + Retry-After: 3600, always), ``always503``,
    ``nohead`` (HEAD answers 405), ``nodigest`` (no Docker-Content-Digest header),
    ``badbody`` (GET body altered, header kept; HEAD without the header), ``slow`` (sleeps
    3 s), ``redirect`` (asks for Basic auth, then 307s to ``localhost`` -- another host --
    where the Authorization header seen is recorded).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.counts: dict[tuple[str, str, str], int] = {}
        self.lock = threading.Lock()
        self.seen_auth_after_redirect: list[str | None] = []
        self.hits: list[tuple[str, str, float]] = []
        self.client = httpx.Client(timeout=10.0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                proxy.handle(self, "HEAD")

            def do_GET(self) -> None:
                proxy.handle(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.client.close()

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.seen_auth_after_redirect.clear()
            self.hits.clear()

    def _count(self, fault: str, method: str, path: str) -> int:
        with self.lock:
            key = (fault, method, path)
            self.counts[key] = self.counts.get(key, 0) + 1
            self.hits.append((fault, method, time.monotonic()))
            return self.counts[key]

    def _reply(self, h: BaseHTTPRequestHandler, method: str, status: int, headers: dict[str, str],
               body: bytes = b"") -> None:
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        if "Content-Length" not in headers:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if method != "HEAD" and body:
            h.wfile.write(body)

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = h.path
        if path.startswith("/record/"):
            self.seen_auth_after_redirect.append(h.headers.get("Authorization"))
            self._forward(h, method, "/v2/" + path[len("/record/"):], strip_digest=False)
            return
        if path in ("/v2/", "/v2"):
            self._reply(h, method, 200, {"Content-Type": "application/json"}, b"{}")
            return
        parts = path.split("/", 3)  # '', 'v2', fault, rest
        if len(parts) < 4:
            self._reply(h, method, 404, {})
            return
        fault, rest = parts[2], parts[3]
        n = self._count(fault, method, rest)
        upstream_path = "/v2/" + rest
        if fault == "r429" and n == 1:
            self._reply(h, method, 429, {"Retry-After": "1"})
        elif fault == "e500" and n == 1:
            self._reply(h, method, 500, {"Content-Type": "text/plain"}, b"boom")
        elif fault == "nohead" and method == "HEAD":
            self._reply(h, method, 405, {})
        elif fault == "r429long":
            self._reply(h, method, 429, {"Retry-After": "3600"})
        elif fault == "always503":
            self._reply(h, method, 503, {"Retry-After": "0"})
        elif fault == "slow":
            time.sleep(3)
            self._forward(h, method, upstream_path, strip_digest=False)
        elif fault == "nodigest":
            self._forward(h, method, upstream_path, strip_digest=True)
        elif fault == "badbody":
            self._forward(h, method, upstream_path, strip_digest=method == "HEAD", tamper=method == "GET")
        elif fault == "redirect":
            if not h.headers.get("Authorization", "").startswith("Basic "):
                self._reply(h, method, 401, {"WWW-Authenticate": 'Basic realm="fault-proxy"'})
                return
            self._reply(h, method, 307, {"Location": f"http://localhost:{self.port}/record/{rest}"})
        else:
            self._forward(h, method, upstream_path, strip_digest=False)

    def _forward(self, h: BaseHTTPRequestHandler, method: str, path: str, *, strip_digest: bool,
                 tamper: bool = False) -> None:
        upstream = self.client.request(method, self.upstream + path,
                                       headers={"Accept": h.headers.get("Accept", "")})
        headers = {k.title(): v for k, v in upstream.headers.items()
                   if k.lower() in ("content-type", "docker-content-digest", "content-length")}
        body = upstream.content
        if strip_digest:
            headers = {k: v for k, v in headers.items() if k.lower() != "docker-content-digest"}
        if tamper:
            body = body.replace(b"amd64", b"AMD64", 1) if b"amd64" in body else body + b" "
            headers["Content-Length"] = str(len(body))
        self._reply(h, method, upstream.status_code, headers, body)


@pytest.fixture(scope="session")
def fault_proxy(plain_env: Env) -> Iterator[FaultProxy]:
    proxy = FaultProxy(plain_env.registry.url)
    yield proxy
    proxy.stop()


@pytest.fixture()
def proxy(fault_proxy: FaultProxy) -> FaultProxy:
    fault_proxy.reset()
    return fault_proxy


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
