"""A real registry test bed: Debian's docker-registry (distribution 2.8) on 127.0.0.1.

Why a real server: the details that make a pin right (Accept negotiation, which digest a
registry reports for an index, 401 challenges, token scopes) are the registry's behaviour,
and a mocked transport would only encode our own assumptions.  Images are made by hand
(deterministic tar + gzip + JSON), pushed over the plain HTTP API, so the digests are
known before the registry ever answers.  Each server gets a free loopback port and its own
storage directory, and is stopped by its PID.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

USER = "dlint"
PASSWORD = "dlint-pass-s3cr3t"
SERVICE = "dlint-test-registry"
ISSUER = "dlint-test-issuer"


def registry_binary() -> str | None:
    return shutil.which("docker-registry")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


# ---------------------------------------------------------------------- hand-made images
@dataclass
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return digest_of(self.data)

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data), **extra}


@dataclass
class Image:
    """One manifest with its config and layer blobs (or an index with child images)."""

    manifest: Blob
    blobs: list[Blob] = field(default_factory=list)
    children: list[Image] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return self.manifest.digest


def _layer(rev: str, arch: str) -> tuple[bytes, str]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        payload = f"dlint test image rev={rev} arch={arch}\n".encode()
        info = tarfile.TarInfo("etc/dlint-release")
        info.size, info.mtime, info.mode = len(payload), 0, 0o644
        tar.addfile(info, io.BytesIO(payload))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), digest_of(uncompressed)


def platform_image(rev: str, arch: str, variant: str | None = None, *, docker: bool = False) -> Image:
    layer_bytes, diff_id = _layer(rev, arch)
    config: dict[str, Any] = {"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    if variant:
        config["variant"] = variant
    cfg = Blob(DOCKER_CONFIG if docker else OCI_CONFIG, _dumps(config))
    layer = Blob(DOCKER_LAYER if docker else OCI_LAYER, layer_bytes)
    manifest = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
                "config": cfg.descriptor(), "layers": [layer.descriptor()]}
    return Image(Blob(DOCKER_MANIFEST if docker else OCI_MANIFEST, _dumps(manifest)), [cfg, layer])


def index_image(rev: str, *, docker: bool = False) -> Image:
    amd = platform_image(rev, "amd64", docker=docker)
    arm = platform_image(rev, "arm64", "v8", docker=docker)
    media = DOCKER_LIST if docker else OCI_INDEX
    index = {"schemaVersion": 2, "mediaType": media, "manifests": [
        amd.manifest.descriptor(platform={"architecture": "amd64", "os": "linux"}),
        arm.manifest.descriptor(platform={"architecture": "arm64", "os": "linux", "variant": "v8"}),
    ]}
    return Image(Blob(media, _dumps(index)), children=[amd, arm])


# ---------------------------------------------------------------------- token service
class TokenService:
    """distribution's token spec: RS256 JWT with an x5c chain the registry trusts.

    No credentials -> pull only (like Docker Hub anonymous); Basic USER:PASSWORD -> pull and
    push; wrong password -> 401.  Runs in a thread of the test process, on loopback.
    """

    def __init__(self, workdir: Path, *, anonymous_pull: bool = True) -> None:
        import datetime as dt

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dlint-test-token-issuer")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self.key, hashes.SHA256()))
        self.cert_path = workdir / "token-cert.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.anonymous_pull = anonymous_pull
        self.requests = 0
        self.expires_in = 300
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                service.requests += 1
                code, body = service.answer(self.path, self.headers.get("Authorization", ""))
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        url = urlsplit(path)
        if url.path != "/token":
            return 404, {"details": "not found"}
        query = parse_qs(url.query)
        authed = False
        if authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            if (user, password) != (USER, PASSWORD):
                return 401, {"details": "bad credentials"}
            authed = True
        if query.get("service", [SERVICE])[0] != SERVICE:
            return 400, {"details": "unknown service"}
        access = []
        for scope in query.get("scope", []):
            for item in scope.split(" "):
                typ, _, rest = item.partition(":")
                name, _, actions = rest.rpartition(":")
                allowed = [a for a in actions.split(",")
                           if (a == "pull" and (authed or self.anonymous_pull))
                           or (authed and a in ("push", "delete", "*"))]
                access.append({"type": typ, "name": name, "actions": allowed})
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": USER if authed else "", "aud": SERVICE, "exp": now + self.expires_in,
                  "nbf": now - 30, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}

        def b64u(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        signing_input = b64u(_dumps(header)) + "." + b64u(_dumps(claims))
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = signing_input + "." + b64u(signature)
        return 200, {"access_token": token, "expires_in": self.expires_in}


# ---------------------------------------------------------------------- the registry
class Registry:
    """A running docker-registry with seeding helpers; ``host`` is ``127.0.0.1:PORT``."""

    def __init__(self, workdir: Path, *, auth: str = "none", token: TokenService | None = None) -> None:
        binary = registry_binary()
        if binary is None:
            raise RuntimeError("docker-registry is not installed (apt-get install -y docker-registry)")
        self.workdir = workdir
        self.auth = auth
        self.token = token
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        workdir.mkdir(parents=True, exist_ok=True)
        auth_yaml = ""
        if auth == "basic":
            htpasswd = workdir / "htpasswd"
            subprocess.run(["htpasswd", "-Bbc", str(htpasswd), USER, PASSWORD], check=True,
                           capture_output=True)
            auth_yaml = f"auth:\n  htpasswd:\n    realm: dlint-basic-realm\n    path: {htpasswd}\n"
        elif auth == "token":
            assert token is not None
            auth_yaml = (f"auth:\n  token:\n    realm: {token.realm}\n    service: {SERVICE}\n"
                         f"    issuer: {ISSUER}\n    rootcertbundle: {token.cert_path}\n")
        config = workdir / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {workdir / 'data'}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}\n  secret: dlint-local-test-secret\n{auth_yaml}"
        )
        self.log = open(workdir / "registry.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([binary, "serve", str(config)], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir)
        self._http = httpx.Client(timeout=10.0)
        self._tokens: dict[str, str] = {}
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.workdir / "registry.log").read_text()[-2000:]
                raise RuntimeError(f"docker-registry exited: {log}")
            try:
                if self._http.get(f"{self.url}/v2/").status_code in (200, 401):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("docker-registry did not come up within 20 s")

    def stop(self) -> None:
        """Stop exactly the process we started, by its PID."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        self._http.close()
        self.log.close()

    # -------------------------------------------------------------- push over the API
    def _auth(self, repository: str) -> dict[str, str]:
        if self.auth == "basic":
            return {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
        if self.auth == "token":
            assert self.token is not None
            if repository not in self._tokens:
                code, body = self.token.answer(
                    f"/token?service={SERVICE}&scope=repository:{repository}:pull,push,delete",
                    "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
                assert code == 200, body
                self._tokens[repository] = body["access_token"]
            return {"Authorization": f"Bearer {self._tokens[repository]}"}
        return {}

    def push_blob(self, repository: str, blob: Blob) -> None:
        headers = self._auth(repository)
        head = self._http.head(f"{self.url}/v2/{repository}/blobs/{blob.digest}", headers=headers)
        if head.status_code == 200:
            return
        start = self._http.post(f"{self.url}/v2/{repository}/blobs/uploads/", headers=headers)
        assert start.status_code == 202, (start.status_code, start.text)
        location = start.headers["Location"]
        if not location.startswith("http"):
            location = self.url + location
        sep = "&" if "?" in location else "?"
        put = self._http.put(f"{location}{sep}digest={blob.digest}", content=blob.data,
                             headers={**headers, "Content-Type": "application/octet-stream"})
        assert put.status_code == 201, (put.status_code, put.text)

    def push_manifest(self, repository: str, reference: str, manifest: Blob) -> str:
        put = self._http.put(f"{self.url}/v2/{repository}/manifests/{reference}", content=manifest.data,
                             headers={**self._auth(repository), "Content-Type": manifest.media_type})
        assert put.status_code == 201, (put.status_code, put.text)
        digest = put.headers["Docker-Content-Digest"]
        assert digest == manifest.digest
        return digest

    def push(self, repository: str, tag: str, image: Image) -> str:
        for child in image.children:
            for blob in child.blobs:
                self.push_blob(repository, blob)
            self.push_manifest(repository, child.digest, child.manifest)
        for blob in image.blobs:
            self.push_blob(repository, blob)
        return self.push_manifest(repository, tag, image.manifest)

    def delete_manifest(self, repository: str, digest: str) -> None:
        response = self._http.delete(f"{self.url}/v2/{repository}/manifests/{digest}",
                                     headers=self._auth(repository))
        assert response.status_code == 202, (response.status_code, response.text)


@dataclass
class Seed:
    """What every registry holds after seeding, and the digests to expect."""

    rev1: Image
    rev2: Image
    single: Image
    docker_list: Image


def make_seed() -> Seed:
    return Seed(index_image("1"), index_image("2"), platform_image("1", "amd64"),
                index_image("1", docker=True))


def seed(registry: Registry, images: Seed) -> None:
    registry.push("library/alpine", "3.14", images.rev1)
    registry.push("library/alpine", "3.15", images.rev2)
    registry.push("library/busybox", "1.36", images.single)
    registry.push("library/debian", "12", images.docker_list)


@dataclass
class Env:
    """A started registry (plus its token service) and the seeded digests."""

    registry: Registry
    images: Seed
    token: TokenService | None = None

    @property
    def host(self) -> str:
        return self.registry.host


def start_env(workdir: Path, auth: str) -> Iterator[Env]:
    token = TokenService(workdir) if auth == "token" else None
    registry = Registry(workdir / f"registry-{auth}", auth=auth, token=token)
    try:
        images = make_seed()
        seed(registry, images)
        yield Env(registry, images, token)
    finally:
        registry.stop()
        if token is not None:
            token.stop()


def docker_config(directory: Path, host: str, user: str = USER, password: str = PASSWORD) -> Path:
    """Write a config.json with an inline ``auths`` entry, as ``docker login`` would."""
    directory.mkdir(parents=True, exist_ok=True)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    (directory / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    return directory
