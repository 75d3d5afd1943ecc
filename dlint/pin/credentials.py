"""Registry credentials, read the way the docker CLI reads them.

Users already logged in with ``docker login``; asking them to configure dlint separately
would mean a second copy of every secret.  So we read ``$DOCKER_CONFIG/config.json``
(default ``~/.docker/config.json``): inline ``auths`` entries, a per-registry
``credHelpers`` entry or the global ``credsStore``, the latter two through
``docker-credential-<name> get``.

Secrets are wrapped in :class:`Secret`, whose ``repr``/``str`` never show the value, so a
stray f-string, log line or exception message cannot leak it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

DOCKER_HUB_HOSTS = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/"


class CredentialError(Exception):
    """A credential source exists but could not be read (never carries the secret)."""


class Secret:
    """A string that refuses to print itself; call :meth:`reveal` at the point of use."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Credential:
    """A username and password (or token) for one registry."""

    username: str
    password: Secret

    def basic_header(self) -> str:
        raw = f"{self.username}:{self.password.reveal()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


def config_dir() -> Path:
    """Where the docker CLI keeps config.json (``$DOCKER_CONFIG`` wins)."""
    env = os.environ.get("DOCKER_CONFIG")
    if env:
        return Path(env)
    return Path.home() / ".docker"


def _strip_key(key: str) -> str:
    """``https://host:5000/v1/`` -> ``host:5000``: config keys come in several spellings."""
    text = key.strip()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.split("/", 1)[0].lower()


def _canonical_host(host: str) -> str:
    host = host.lower()
    return "docker.io" if host in DOCKER_HUB_HOSTS else host


class CredentialStore:
    """Looks up credentials per registry host, caching answers (helpers are slow processes)."""

    def __init__(self, directory: Path | None = None, *, helper_timeout: float = 30.0) -> None:
        self._directory = directory
        self._helper_timeout = helper_timeout
        self._loaded = False
        self._auths: dict[str, Credential] = {}
        self._helpers: dict[str, str] = {}
        self._store: str | None = None
        self._cache: dict[str, Credential | None] = {}
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        path = (self._directory or config_dir()) / "config.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise CredentialError(f"cannot read {path}: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise CredentialError(f"cannot read {path}: not a JSON object")
        auths = data.get("auths") or {}
        if isinstance(auths, dict):
            for key, entry in auths.items():
                cred = _decode_auth_entry(entry)
                if cred is not None:
                    self._auths.setdefault(_canonical_host(_strip_key(str(key))), cred)
        helpers = data.get("credHelpers") or {}
        if isinstance(helpers, dict):
            for key, name in helpers.items():
                if isinstance(name, str) and name:
                    self._helpers[_canonical_host(_strip_key(str(key)))] = name
        store = data.get("credsStore")
        if isinstance(store, str) and store:
            self._store = store

    def get(self, host: str) -> Credential | None:
        """Credentials for a registry host (``host[:port]``), or None for anonymous access."""
        key = _canonical_host(host)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            self._load()
            cred: Credential | None
            if key in self._helpers:
                cred = self._from_helper(self._helpers[key], key)
            elif key in self._auths:
                cred = self._auths[key]
            elif self._store is not None:
                cred = self._from_helper(self._store, key)
            else:
                cred = None
            self._cache[key] = cred
            return cred

    def _from_helper(self, helper: str, host: str) -> Credential | None:
        program = f"docker-credential-{helper}"
        server = DOCKER_HUB_CONFIG_KEY if host == "docker.io" else host
        try:
            proc = subprocess.run(
                [program, "get"], input=server.encode(), capture_output=True,
                timeout=self._helper_timeout, check=False,
            )
        except FileNotFoundError:
            raise CredentialError(f"credential helper {program} is not on PATH") from None
        except subprocess.TimeoutExpired:
            raise CredentialError(f"credential helper {program} timed out") from None
        if proc.returncode != 0:
            # helpers say "credentials not found" on stdout or stderr; that means anonymous
            text = (proc.stdout + proc.stderr).decode("utf-8", "replace").lower()
            if "not found" in text:
                return None
            # the helper's output is not echoed: we cannot know it holds no secret
            raise CredentialError(f"credential helper {program} failed (exit {proc.returncode})")
        try:
            data = json.loads(proc.stdout)
            username, secret = str(data["Username"]), str(data["Secret"])
        except (ValueError, KeyError, TypeError):
            raise CredentialError(f"credential helper {program} returned unreadable output") from None
        if not secret:
            return None
        return Credential(username, Secret(secret))


def _decode_auth_entry(entry: object) -> Credential | None:
    if not isinstance(entry, dict):
        return None
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            user, sep, password = base64.b64decode(auth, validate=False).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if sep:
            return Credential(user, Secret(password))
    user_field, password_field = entry.get("username"), entry.get("password")
    if isinstance(user_field, str) and isinstance(password_field, str):
        return Credential(user_field, Secret(password_field))
    return None
