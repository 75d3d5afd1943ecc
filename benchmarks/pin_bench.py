"""Benchmark ``dlint pin``: 50 distinct references, concurrent vs sequential.

Starts Debian's docker-registry on a free 127.0.0.1 port (its own temp storage, stopped
by PID), pushes one hand-made OCI index under 50 tags, writes 10 Dockerfiles that name
those 50 references (plus duplicates, which must cost nothing), and times
``run_pin(check=True)`` with concurrency 1 and N.  A loopback registry answers a HEAD in
about a millisecond, which hides what concurrency buys against a real registry across a
network, so the same run is repeated through a small loopback proxy that adds a fixed
delay per request (``--latency-ms``, default 30) to model one.

    python benchmarks/pin_bench.py [--repeat 5] [--concurrency 8] [--latency-ms 30]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from dlint.pin.command import run_pin
from dlint.pin.credentials import CredentialStore
from dlint.pin.registry import RegistryClient
from dlint.pin.resolve import Resolver
from tests.pin.registry_env import Registry, index_image

REFS = 50


class DelayProxy:
    """Forwards HEAD/GET to the registry after sleeping ``delay`` seconds (a WAN round trip)."""

    def __init__(self, upstream: str, delay: float) -> None:
        client = httpx.Client(timeout=10.0)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _go(self, method: str) -> None:
                time.sleep(delay)
                up = client.request(method, upstream + self.path, headers={"Accept": self.headers["Accept"]})
                body = up.content
                self.send_response(up.status_code)
                for key in ("Content-Type", "Docker-Content-Digest"):
                    if key in up.headers:
                        self.send_header(key, up.headers[key])
                self.send_header("Content-Length", up.headers.get("Content-Length", str(len(body))))
                self.end_headers()
                if method == "GET":
                    self.wfile.write(body)

            def do_HEAD(self) -> None:
                self._go("HEAD")

            def do_GET(self) -> None:
                self._go("GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_files(directory: Path, host: str) -> list[Path]:
    paths = []
    for n in range(10):
        lines = []
        for k in range(5):
            tag = n * 5 + k
            lines.append(f"FROM {host}/bench/app:v{tag} AS s{k}")
            lines.append(f"COPY --from={host}/bench/app:v{(tag + 7) % REFS} /a /b")  # a duplicate elsewhere
        path = directory / f"svc{n}.Dockerfile"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def time_run(paths: list[Path], host: str, concurrency: int, config: Path) -> tuple[float, int]:
    client = RegistryClient(credentials=CredentialStore(config), insecure_registries=[host],
                            per_host=concurrency)
    resolver = Resolver(insecure_registries=[host], concurrency=concurrency, client=client)
    start = time.perf_counter()
    code = run_pin(paths, dry_run=False, check=True, update=False, platform=None, offline=False, cache=None,
                   insecure_registries=[host], allow_latest=False, concurrency=concurrency, build_args={},
                   excludes=[], stdout=io.StringIO(), stderr=io.StringIO(), resolver=resolver)
    elapsed = time.perf_counter() - start
    client.close()
    assert code == 1, code
    return elapsed, client.stats.requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlint-pin-bench-") as tmp:
        work = Path(tmp)
        config = work / "docker"
        config.mkdir()
        registry = Registry(work / "registry")
        proxy: DelayProxy | None = None
        try:
            image = index_image("bench")
            registry.push("bench/app", "v0", image)
            for tag in range(1, REFS):
                registry.push_manifest("bench/app", f"v{tag}", image.manifest)
            proxy = DelayProxy(registry.url, args.latency_ms / 1000)
            files = work / "files"
            for label, host in (("loopback registry", registry.host),
                                (f"+{args.latency_ms:g} ms per request", proxy.host)):
                files.mkdir(exist_ok=True)
                paths = write_files(files, host)
                print(f"== {label}: {len(paths)} files, 100 references, {REFS} distinct")
                for concurrency in (1, args.concurrency):
                    runs = [time_run(paths, host, concurrency, config) for _ in range(args.repeat)]
                    times = [t for t, _ in runs]
                    print(f"  concurrency {concurrency:>2}: median {statistics.median(times) * 1000:7.1f} ms  "
                          f"min {min(times) * 1000:7.1f} ms  requests/run {runs[0][1]}")
        finally:
            if proxy is not None:
                proxy.stop()
            registry.stop()


if __name__ == "__main__":
    main()
