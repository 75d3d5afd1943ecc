"""A small OCI distribution client: just enough to turn ``name:tag`` into a digest.

Why not a library: we need exactly two calls (HEAD and GET of a manifest), with the
details that decide whether a pin is right: the Accept header (without the index and list
types, registries answer 404 or hand back a single-platform manifest whose digest differs),
the digest computed from the exact bytes when ``Docker-Content-Digest`` is missing, and a
GET body checked against that header.  Around that: anonymous-first auth with Basic and
Bearer, retries with backoff that honour ``Retry-After``, per-host concurrency bounds, and
no Authorization header ever following a redirect to another host.

httpx is imported lazily so plain ``dlint check`` never pays for it.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from dlint.pin.auth import AuthError, Challenge, TokenCache, fetch_token, parse_challenge
from dlint.pin.credentials import DOCKER_HUB_HOSTS, CredentialError, CredentialStore

if TYPE_CHECKING:
    import httpx

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

ErrorKind = Literal["auth", "not-found", "network", "protocol", "credentials"]


class RegistryError(Exception):
    """Resolution failed; ``str()`` names registry, image and cause (never a secret)."""

    def __init__(self, registry: str, repository: str, reference: str, cause: str, kind: ErrorKind) -> None:
        self.registry = registry
        self.repository = repository
        self.reference = reference
        self.cause = cause
        self.kind = kind
        sep = "@" if reference.startswith("sha256:") else ":"
        super().__init__(f"{registry}/{repository}{sep}{reference}: {cause}")


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest as served: its digest, media type and (after a GET) exact bytes."""

    digest: str
    media_type: str | None
    body: bytes | None = None

    @property
    def is_index(self) -> bool:
        if self.media_type in INDEX_TYPES:
            return True
        if self.body is None:
            return False
        try:
            data = json.loads(self.body)
        except ValueError:
            return False
        return isinstance(data, dict) and isinstance(data.get("manifests"), list)

    def children(self) -> list[tuple[str, str]]:
        """(platform "os/arch[/variant]", digest) of an index's entries, attestations skipped."""
        if self.body is None:
            return []
        try:
            data = json.loads(self.body)
        except ValueError:
            return []
        out: list[tuple[str, str]] = []
        for entry in data.get("manifests", []) if isinstance(data, dict) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("digest"), str):
                continue
            plat = entry.get("platform") or {}
            os_, arch = plat.get("os", "unknown"), plat.get("architecture", "unknown")
            text = f"{os_}/{arch}" + (f"/{plat['variant']}" if plat.get("variant") else "")
            out.append((text, entry["digest"]))
        return out


def platform_matches(wanted: str, offered: str) -> bool:
    """Compare platforms as containerd does for the common cases (arm64 means arm64/v8)."""
    def norm(text: str) -> tuple[str, str, str]:
        parts = text.lower().split("/")
        os_, arch = parts[0], parts[1] if len(parts) > 1 else ""
        variant = parts[2] if len(parts) > 2 else ""
        arch = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm"}.get(arch, arch)
        if arch == "arm64" and variant in ("", "v8"):
            variant = "v8"
        if arch == "amd64" and variant == "v1":
            variant = ""
        return os_, arch, variant

    w, o = norm(wanted), norm(offered)
    if w[:2] != o[:2]:
        return False
    return not w[2] or w[2] == o[2]


def select_platform(top: Manifest, platform: str, registry: str, repository: str, tag: str) -> Manifest:
    """The entry of an index for ``platform``; a single-platform manifest is its own answer."""
    if not top.is_index:
        return top
    offered = top.children()
    for plat, digest in offered:
        if platform_matches(platform, plat):
            return Manifest(digest, None)
    names = ", ".join(sorted({p for p, _ in offered})) or "none"
    raise RegistryError(registry, repository, tag,
                        f"no {platform} manifest in the index (offers: {names})", "not-found")


@dataclass(slots=True)
class _HostState:
    semaphore: threading.BoundedSemaphore
    basic_known: bool = False  # this host asked for Basic once: send it up front from now on
    bearer: Challenge | None = None  # last bearer challenge seen from this host


@dataclass(slots=True)
class ClientStats:
    """Request counters, for tests and the benchmark."""

    requests: int = 0
    retries: int = 0
    token_requests: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


def api_host(registry: str) -> str:
    """The host that serves the v2 API (Docker Hub's API is not at docker.io)."""
    return "registry-1.docker.io" if registry.lower() in DOCKER_HUB_HOSTS else registry


class RegistryClient:
    """Thread-safe; one instance per run so connections, tokens and credentials are shared."""

    def __init__(
        self,
        *,
        credentials: CredentialStore | None = None,
        insecure_registries: Iterable[str] = (),
        timeout: float = 15.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        per_host: int = 8,
        user_agent: str = "dlint-pin",
    ) -> None:
        import httpx

        self._credentials = credentials if credentials is not None else CredentialStore()
        self._insecure = {h.lower() for h in insecure_registries}
        self._retries = retries
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._per_host = max(1, per_host)
        self._tokens = TokenCache()
        self._hosts: dict[str, _HostState] = {}
        self._token_locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._lock = threading.Lock()
        self.stats = ClientStats()
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent},
            limits=httpx.Limits(max_connections=max(16, per_host * 4), max_keepalive_connections=32),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public calls
    def head(self, registry: str, repository: str, reference: str) -> Manifest:
        """Digest and media type of a manifest without its body; GET when the header is missing."""
        try:
            response = self._manifest_request("HEAD", registry, repository, reference)
        except RegistryError as exc:
            if exc.kind == "protocol" and ("HTTP 405" in exc.cause or "HTTP 501" in exc.cause):
                return self.get(registry, repository, reference)  # a registry without HEAD support
            raise
        digest = response.headers.get("Docker-Content-Digest")
        if digest:
            return Manifest(_check_digest_syntax(digest, registry, repository, reference),
                            _media_type(response))
        return self.get(registry, repository, reference)

    def get(self, registry: str, repository: str, reference: str) -> Manifest:
        """The manifest bytes; the digest is sha256 of exactly those bytes, checked against the header."""
        response = self._manifest_request("GET", registry, repository, reference)
        body = response.content
        computed = "sha256:" + hashlib.sha256(body).hexdigest()
        header = response.headers.get("Docker-Content-Digest")
        # a header in another algorithm (sha512) is not comparable: our sha256 of the bytes stands
        if header and header.startswith("sha256:") and header != computed:
            raise RegistryError(registry, repository, reference,
                                f"manifest body does not match its digest (header {header}, "
                                f"body {computed})", "protocol")
        if reference.startswith("sha256:") and reference != computed:
            raise RegistryError(registry, repository, reference,
                                f"manifest body does not match the requested digest (body {computed})",
                                "protocol")
        return Manifest(computed, _media_type(response), body)

    def resolve(self, registry: str, repository: str, tag: str, platform: str | None = None) -> Manifest:
        """What to pin for ``tag``: the index (or single manifest), or one platform's manifest."""
        if platform is None:
            return self.head(registry, repository, tag)
        return select_platform(self.get(registry, repository, tag), platform, registry, repository, tag)

    # ------------------------------------------------------------------ plumbing
    def _host(self, host: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                state = _HostState(threading.BoundedSemaphore(self._per_host))
                self._hosts[host] = state
            return state

    def _base_url(self, registry: str) -> str:
        host = api_host(registry)
        scheme = "http" if registry.lower() in self._insecure or host.lower() in self._insecure else "https"
        return f"{scheme}://{host}"

    def _manifest_request(
        self, method: str, registry: str, repository: str, reference: str
    ) -> httpx.Response:
        url = f"{self._base_url(registry)}/v2/{repository}/manifests/{reference}"
        host = api_host(registry)
        scope = f"repository:{repository}:pull"
        try:
            response = self._authorized(method, url, host, scope)
        except AuthError as exc:
            raise RegistryError(registry, repository, reference, str(exc), "auth") from None
        except CredentialError as exc:
            raise RegistryError(registry, repository, reference, str(exc), "credentials") from None
        except _Transport as exc:
            raise RegistryError(registry, repository, reference, exc.cause, "network") from None
        status = response.status_code
        if status == 200:
            return response
        if status == 404:
            raise RegistryError(registry, repository, reference, _not_found_cause(response), "not-found")
        if status == 429:
            after = response.headers.get("Retry-After")
            raise RegistryError(registry, repository, reference,
                                "rate limited by the registry (HTTP 429" +
                                (f", Retry-After {after}" if after else "") + ")", "network")
        if status in (401, 403):
            raise RegistryError(registry, repository, reference,
                                f"access denied (HTTP {status}){_error_detail(response)}", "auth")
        raise RegistryError(registry, repository, reference,
                            f"unexpected HTTP {status}{_error_detail(response)}", "protocol")

    def _authorized(self, method: str, url: str, host: str, scope: str) -> httpx.Response:
        state = self._host(host)
        auth = self._cached_auth(host, state, scope)
        response = self._send(method, url, host, auth)
        if response.status_code != 401:
            return response
        challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
        if challenge is None:
            raise AuthError("registry requires authentication but sent no usable challenge")
        credential = self._credentials.get(host)
        if challenge.scheme == "basic":
            if credential is None:
                raise AuthError(f"authentication required and no credentials for {host} "
                                "(docker login, or $DOCKER_CONFIG/config.json)")
            state.basic_known = True
            auth = credential.basic_header()
        elif challenge.scheme == "bearer":
            state.bearer = challenge
            auth = self._bearer(challenge, scope, host)
        else:
            raise AuthError(f"unsupported authentication scheme {challenge.scheme!r}")
        response = self._send(method, url, host, auth)
        if response.status_code == 401:
            if credential is None:
                raise AuthError(f"authentication required and no credentials for {host}")
            raise AuthError(f"credentials for {host} were rejected (HTTP 401)")
        return response

    def _cached_auth(self, host: str, state: _HostState, scope: str) -> str | None:
        if state.basic_known:
            credential = self._credentials.get(host)
            return credential.basic_header() if credential else None
        if state.bearer is not None:
            key = (state.bearer.realm or "", state.bearer.params.get("service", ""), scope)
            token = self._tokens.get(key)
            if token is not None:
                return f"Bearer {token}"
        return None

    def _bearer(self, challenge: Challenge, scope: str, host: str) -> str:
        wanted = challenge.params.get("scope") or scope
        key = (challenge.realm or "", challenge.params.get("service", ""), wanted)
        with self._lock:
            key_lock = self._token_locks.setdefault(key, threading.Lock())
        # one token request per key even when eight threads hit the same repository at once
        with key_lock:
            token = self._tokens.get(key)
            if token is None:
                credential = self._credentials.get(host)
                with self._lock:
                    self.stats.token_requests += 1
                token, lifetime = fetch_token(self._http, challenge, wanted, credential)
                self._tokens.put(key, token, lifetime)
                # also file it under our own scope spelling so the next request sends it up front
                self._tokens.put((key[0], key[1], scope), token, lifetime)
        return f"Bearer {token}"

    def _send(self, method: str, url: str, host: str, auth: str | None) -> httpx.Response:
        """One logical request: retries on 429/5xx/transport errors, redirects handled by hand."""
        import httpx

        state = self._host(host)
        attempt = 0
        while True:
            try:
                with state.semaphore:
                    response = self._follow(method, url, auth)
            except httpx.TimeoutException:
                cause = f"timed out after {self._http.timeout.read}s"
                if attempt >= self._retries:
                    raise _Transport(cause) from None
                delay = self._delay(attempt, None)
            except httpx.TransportError as exc:
                cause = f"cannot connect to {host} ({_transport_reason(exc)})"
                if attempt >= self._retries or (isinstance(exc, httpx.ConnectError) and attempt >= 1):
                    # a refused connection rarely heals in seconds: retry once, then report
                    raise _Transport(cause) from None
                delay = self._delay(attempt, None)
            else:
                if response.status_code not in RETRY_STATUS or attempt >= self._retries:
                    return response
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self._max_retry_after:
                    return response
                delay = self._delay(attempt, retry_after)
            with self._lock:
                self.stats.retries += 1
            time.sleep(delay)
            attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        return float(min(self._backoff * (2 ** attempt), 30.0))

    def _follow(self, method: str, url: str, auth: str | None) -> httpx.Response:
        origin = urlsplit(url).netloc.lower()
        current = url
        for _ in range(6):
            headers = {"Accept": ACCEPT}
            same_host = urlsplit(current).netloc.lower() == origin
            if auth and same_host:
                headers["Authorization"] = auth
            with self._lock:
                self.stats.requests += 1
                self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
            response = self._http.request(method, current, headers=headers)
            if response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
                current = urljoin(current, response.headers["Location"])
                response.close()
                continue
            response.read()
            return response
        raise _Transport("too many redirects")


class _Transport(Exception):
    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def _transport_reason(exc: Exception) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    return text.split("\n", 1)[0][:120] or type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.split(";", 1)[0].strip() if value else None


def _check_digest_syntax(digest: str, registry: str, repository: str, reference: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo == "sha256" and len(hexpart) == 64 and all(c in "0123456789abcdef" for c in hexpart):
        return digest
    raise RegistryError(registry, repository, reference, f"registry sent a malformed digest {digest!r}",
                        "protocol")


def _error_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
        errors = data.get("errors") if isinstance(data, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            message = errors[0].get("message")
            return f": {code} {message}" if code else ""
    except ValueError:
        pass
    return ""


def _not_found_cause(response: httpx.Response) -> str:
    detail = _error_detail(response)
    if "NAME_UNKNOWN" in detail:
        return "repository not found (NAME_UNKNOWN)"
    return "tag not found" + (f" ({detail[2:]})" if detail else "")
