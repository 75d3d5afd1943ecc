"""Registry authentication: WWW-Authenticate challenges and the bearer token flow.

Registries speak one of two schemes (distribution's token spec): ``Basic`` (htpasswd,
most self-hosted registries) or ``Bearer`` with a token service named in the challenge
(Docker Hub, GHCR, Harbor, ...).  Tokens are cached per (realm, service, scope) until just
before they expire, so pinning fifty images of one repository costs one token request.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dlint.pin.credentials import Credential

if TYPE_CHECKING:
    import httpx

_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


@dataclass(frozen=True, slots=True)
class Challenge:
    """One parsed ``WWW-Authenticate`` header."""

    scheme: str  # lower-case: "basic" or "bearer"
    params: dict[str, str]

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")


def parse_challenge(header: str | None) -> Challenge | None:
    """Parse ``Bearer realm="...",service="...",scope="..."`` (one challenge is all we need)."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if match is None or match.end() == pos:
            break
        value = match.group(2) if match.group(2) is not None else match.group(3) or ""
        params[match.group(1).lower()] = re.sub(r"\\(.)", r"\1", value)
        pos = match.end()
    return Challenge(scheme.lower(), params)


class AuthError(Exception):
    """Authentication failed; the message names the cause, never a secret."""


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Bearer tokens by (realm, service, scope), thread-safe, dropped shortly before expiry."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _now(self) -> float:
        return self._clock()

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            token = self._tokens.get(key)
            if token is None:
                return None
            if token.expires_at <= self._now():
                del self._tokens[key]
                return None
            return token.value

    def put(self, key: tuple[str, str, str], value: str, expires_in: float) -> None:
        # a safety margin so a token does not expire between the cache hit and the request
        margin = min(10.0, expires_in * 0.1)
        with self._lock:
            self._tokens[key] = _Token(value, self._now() + max(1.0, expires_in - margin))


def fetch_token(
    client: httpx.Client, challenge: Challenge, scope: str, credential: Credential | None,
) -> tuple[str, float]:
    """Run the token request of distribution's token spec; returns (token, lifetime seconds).

    Credentials go to the realm named by the registry, as the docker CLI does: the realm is
    the registry's own authority on who may pull.
    """
    import httpx

    realm = challenge.realm
    if not realm or not realm.startswith(("https://", "http://")):
        raise AuthError("registry sent a bearer challenge without a usable realm")
    params: dict[str, str] = {}
    if "service" in challenge.params:
        params["service"] = challenge.params["service"]
    params["scope"] = challenge.params.get("scope") or scope
    headers = {}
    if credential is not None:
        headers["Authorization"] = credential.basic_header()
    try:
        response = client.get(realm, params=params, headers=headers, follow_redirects=False)
    except httpx.TimeoutException:
        raise AuthError(f"token service {realm} timed out") from None
    except httpx.TransportError as exc:
        raise AuthError(f"token service {realm} unreachable ({type(exc).__name__})") from None
    if response.status_code in (401, 403):
        what = "rejected the credentials" if credential is not None else "refused anonymous access"
        raise AuthError(f"token service {realm} {what} (HTTP {response.status_code})")
    if response.status_code != 200:
        raise AuthError(f"token service {realm} answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise AuthError(f"token service {realm} returned no JSON") from None
    token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise AuthError(f"token service {realm} returned no token")
    expires_in = data.get("expires_in", 60)
    lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 60.0
    return token, lifetime
