"""Docker's image reference grammar (distribution/reference), reimplemented.

Policies such as registry allow-lists must compare references the way Docker reads them, not
as raw strings: ``alpine``, ``docker.io/library/alpine`` and ``index.docker.io/alpine`` are the
same image, while ``localhost:5000/x`` names another registry entirely.  This module is a
clean-room implementation of that grammar, checked against the vectors in
``shared/conformance/image-references.md``.

Three readings exist, mirroring the Go module:

* ``parse_reference(text)`` -- the normalizing reading Docker uses for ``FROM`` and the CLI
  (default registry ``docker.io``, ``library/`` for single-name Hub images);
* ``parse_reference(text, normalize=False)`` -- the raw grammar, no defaults;
* ``parse_docker_ref(text)`` / ``parse_any_reference(text)`` -- the derived forms.

A reference without tag or digest keeps ``tag=None``: the implicit ``latest`` is a property
(:attr:`Reference.implicit_latest`), so a check can tell "written ``:latest``" from "wrote
nothing".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from dlint.globs import glob_match

__all__ = [
    "DEFAULT_DIGEST_ALGORITHMS",
    "DEFAULT_REGISTRY",
    "InvalidReference",
    "Reference",
    "match_pattern",
    "normalize_pattern",
    "parse_any_reference",
    "parse_docker_ref",
    "parse_reference",
]

DEFAULT_REGISTRY = "docker.io"
LEGACY_REGISTRY = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_MAX_LENGTH = 255

# Hex length per algorithm: what a Docker binary with crypto linked in accepts.
_DIGEST_SIZES = {"sha256": 64, "sha384": 96, "sha512": 128}
DEFAULT_DIGEST_ALGORITHMS: frozenset[str] = frozenset(_DIGEST_SIZES)

# --- the grammar, assembled once -----------------------------------------------------------
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|-+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[[a-fA-F0-9:]+\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_REFERENCE_RE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)
_DIGEST_RE = re.compile(_DIGEST, re.ASCII)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}", re.ASCII)
_LOWER_HEX: dict[int, re.Pattern[str]] = {
    size: re.compile(rf"[a-f0-9]{{{size}}}", re.ASCII) for size in set(_DIGEST_SIZES.values())
}


class InvalidReference(ValueError):
    """Raised when text is not an image reference Docker would accept.

    ``kind`` is a short machine name (``empty``, ``uppercase``, ``format``, ``too-long``,
    ``digest-format``, ``digest-length``, ``digest-unsupported``, ``identifier``) so callers
    can word findings without parsing the message.
    """

    def __init__(self, message: str, kind: str = "format") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed reference.

    ``registry`` is ``""`` only for the raw (non-normalizing) reading when no domain is
    written, and for a digest-only reference from :func:`parse_any_reference`.
    ``repository`` is the path below the registry (``library/alpine``).
    """

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``registry/repository``: what allow-lists match against."""
        if not self.registry:
            return self.repository
        return f"{self.registry}/{self.repository}"

    @property
    def implicit_latest(self) -> bool:
        """True when nothing was written after the name, so Docker pulls ``latest``."""
        return self.tag is None and self.digest is None and bool(self.repository)

    @property
    def effective_tag(self) -> str | None:
        """The tag Docker will resolve: the written one, or ``latest`` when none and no digest."""
        if self.tag is not None:
            return self.tag
        return DEFAULT_TAG if self.implicit_latest else None

    @property
    def pinned(self) -> bool:
        return self.digest is not None

    @property
    def familiar_name(self) -> str:
        """The short name the Docker UI shows (``alpine``, ``user/app``, ``ghcr.io/x/y``)."""
        if self.registry != DEFAULT_REGISTRY:
            return self.name
        if self.repository.startswith(OFFICIAL_PREFIX):
            rest = self.repository[len(OFFICIAL_PREFIX) :]
            if "/" not in rest:
                return rest
        return self.repository

    @property
    def familiar(self) -> str:
        """The familiar string with tag and digest as written (no implicit ``latest``)."""
        return self._with_suffix(self.familiar_name)

    @property
    def normalized(self) -> str:
        """The fully qualified string with tag and digest as written (no implicit ``latest``)."""
        return self._with_suffix(self.name)

    def _with_suffix(self, name: str) -> str:
        if not name and self.digest:
            return self.digest
        text = name
        if self.tag is not None:
            text += ":" + self.tag
        if self.digest is not None:
            text += "@" + self.digest
        return text

    def __str__(self) -> str:
        return self.normalized


def _validate_digest(digest: str, algorithms: Collection[str]) -> None:
    algorithm, _, encoded = digest.partition(":")
    if not algorithm or not encoded:
        raise InvalidReference(f"invalid digest {digest!r}: expected <algorithm>:<hex>", "digest-format")
    size = _DIGEST_SIZES.get(algorithm)
    if size is None or algorithm not in algorithms:
        if _DIGEST_RE.fullmatch(digest) is None:
            raise InvalidReference(f"invalid digest {digest!r}", "digest-format")
        raise InvalidReference(f"unsupported digest algorithm {algorithm!r}", "digest-unsupported")
    if len(encoded) != size:
        raise InvalidReference(
            f"invalid checksum digest length: {algorithm} needs {size} hex characters, got {len(encoded)}",
            "digest-length",
        )
    if _LOWER_HEX[size].fullmatch(encoded) is None:
        raise InvalidReference(
            f"invalid checksum digest format: {algorithm} digest must be lower-case hex", "digest-format"
        )


def _parse_raw(text: str, algorithms: Collection[str]) -> Reference:
    match = _REFERENCE_RE.fullmatch(text)
    if match is None:
        if not text:
            raise InvalidReference("repository name must have at least one component", "empty")
        if _REFERENCE_RE.fullmatch(text.lower()) is not None:
            raise InvalidReference(f"repository name must be lowercase: {text!r}", "uppercase")
        raise InvalidReference(f"invalid reference format: {text!r}", "format")
    domain = match.group("domain") or ""
    path = match.group("path")
    if len(path) > NAME_MAX_LENGTH:
        raise InvalidReference(
            f"repository name must not be more than {NAME_MAX_LENGTH} characters", "too-long"
        )
    digest = match.group("digest")
    if digest is not None:
        _validate_digest(digest, algorithms)
    return Reference(registry=domain, repository=path, tag=match.group("tag"), digest=digest)


def _split_domain(name: str) -> tuple[str, str]:
    """Decide whether the first component is a registry, the way Docker's CLI does."""
    first, slash, rest = name.partition("/")
    if not slash:
        return DEFAULT_REGISTRY, OFFICIAL_PREFIX + name
    if first == "localhost" or ("." in first or ":" in first) or first.lower() != first:
        domain, remainder = first, rest
    else:
        domain, remainder = DEFAULT_REGISTRY, name
    if domain == LEGACY_REGISTRY:
        domain = DEFAULT_REGISTRY
    if domain == DEFAULT_REGISTRY and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse_reference(
    text: str,
    *,
    normalize: bool = True,
    algorithms: Collection[str] = DEFAULT_DIGEST_ALGORITHMS,
) -> Reference:
    """Parse ``text`` as Docker does (``normalize=True``) or by the bare grammar.

    ``algorithms`` limits which digest algorithms count as supported; Docker builds accept
    sha256, sha384 and sha512, while the Go module's own test binary only registers sha256.
    """
    if not normalize:
        return _parse_raw(text, algorithms)
    if _IDENTIFIER_RE.fullmatch(text) is not None:
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings", "identifier"
        )
    domain, remainder = _split_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(
            f"invalid reference format: repository name ({remote}) must be lowercase", "uppercase"
        )
    ref = _parse_raw(f"{domain}/{remainder}", algorithms)
    # The raw grammar re-splits the joined string; with a normalized domain in front it
    # always finds that domain again, but be explicit rather than trust the regex.
    if ref.registry != domain:
        raise InvalidReference(f"invalid reference format: {text!r}", "format")
    return ref


def parse_docker_ref(text: str, *, algorithms: Collection[str] = DEFAULT_DIGEST_ALGORITHMS) -> Reference:
    """The reference a daemon pulls: a digest wins over a tag; no tag or digest means ``latest``."""
    ref = parse_reference(text, algorithms=algorithms)
    if ref.digest is not None:
        return Reference(ref.registry, ref.repository, None, ref.digest)
    if ref.tag is None:
        return Reference(ref.registry, ref.repository, DEFAULT_TAG, None)
    return ref


def parse_any_reference(text: str, *, algorithms: Collection[str] = DEFAULT_DIGEST_ALGORITHMS) -> Reference:
    """A bare identifier (64 hex) or a digest is a digest-only reference; else a normalized name."""
    if _IDENTIFIER_RE.fullmatch(text) is not None:
        return Reference(registry="", repository="", digest="sha256:" + text)
    if ":" in text and "/" not in text and "@" not in text and _DIGEST_RE.fullmatch(text) is not None:
        try:
            _validate_digest(text, algorithms)
        except InvalidReference:
            pass
        else:
            return Reference(registry="", repository="", digest=text)
    return parse_reference(text, algorithms=algorithms)


# --- allow-list patterns -------------------------------------------------------------------


def normalize_pattern(pattern: str) -> str:
    """Bring a familiar pattern to the normalized form names are matched in.

    ``alpine`` becomes ``docker.io/library/alpine`` and ``user/*`` becomes
    ``docker.io/user/*``, by the same first-component rule Docker applies to names; a
    pattern starting with ``**`` is already registry-agnostic and is left alone, and
    ``docker.io/**`` stays all of Docker Hub (``docker.io/*`` is its official images).  Tags or
    digests are not part of a name, so a trailing ``@digest`` or ``:tag`` on the last
    component is dropped.
    """
    text = pattern.strip()
    if "@" in text:
        text = text.split("@", 1)[0]
    last_slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > last_slash:
        # ``name:tag``; a ``host:port`` is always followed by a path, so never last.
        text = text[:colon]
    if text.startswith("**") or not text:
        return text
    domain, remainder = _split_domain(text)
    if domain == DEFAULT_REGISTRY and remainder == OFFICIAL_PREFIX + "**":
        # ``docker.io/**`` means every repository on Docker Hub, not only the official
        # ``library/`` ones that a one-component name would be
        remainder = "**"
    return f"{domain}/{remainder}".lower()


def match_pattern(pattern: str, name: str) -> bool:
    """Whether ``name`` falls under an allow-list ``pattern``.

    Both sides are compared normalized (``alpine`` is ``docker.io/library/alpine``) and
    case-insensitively (registry host names are DNS names; paths are lower-case anyway).
    ``*`` and ``?`` stay within one path component, ``**`` crosses components.  ``name`` may
    carry a tag or digest; only its ``registry/repository`` part is matched.
    """
    try:
        target = parse_reference(name).name
    except InvalidReference:
        target = name
    return glob_match(normalize_pattern(pattern), target.lower())
