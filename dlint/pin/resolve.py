"""Resolve many tags to digests: deduplicated, concurrent, optionally cached.

A repository of Dockerfiles names the same few images over and over; asking the registry
once per distinct (registry, repository, tag, platform) is both faster and kinder to rate
limits.  Lookups run on a thread pool (the client bounds concurrency per host), and a JSON
cache file lets CI run ``--offline`` with no network at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dlint.pin.registry import RegistryClient, RegistryError, select_platform

CACHE_VERSION = 1
OutcomeKind = Literal["ok", "not-found", "error"]


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """One distinct thing to look up."""

    registry: str
    repository: str
    tag: str

    def key(self, platform: str | None) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}" + (f"|{platform}" if platform else "")

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The digest to pin, or why there is none.  ``children`` are an index's platform digests."""

    kind: OutcomeKind
    digest: str | None = None
    error: str | None = None
    children: frozenset[str] = field(default_factory=frozenset)

    def accepts(self, pinned: str) -> bool:
        """Is ``pinned`` still what the tag points at (the index or one of its platforms)?"""
        return self.kind == "ok" and (pinned == self.digest or pinned in self.children)


class Resolver:
    """Looks targets up once each; reads and writes the cache file when one is given."""

    def __init__(
        self,
        *,
        platform: str | None = None,
        insecure_registries: Iterable[str] = (),
        cache: Path | None = None,
        offline: bool = False,
        concurrency: int = 8,
        client: RegistryClient | None = None,
    ) -> None:
        self.platform = platform
        self.offline = offline
        self.concurrency = max(1, concurrency)
        self._insecure = list(insecure_registries)
        self._cache_path = cache
        self._cache: dict[str, dict[str, Any]] = self._load_cache(cache)
        self._cache_dirty = False
        self._client = client
        self._own_client = False

    # ------------------------------------------------------------------ cache
    @staticmethod
    def _load_cache(path: Path | None) -> dict[str, dict[str, Any]]:
        if path is None or not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CacheError(f"cannot read cache {path}: {type(exc).__name__}") from None
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            raise CacheError(f"cache {path} is not a dlint pin cache (version {CACHE_VERSION})")
        entries = data.get("digests", {})
        return {k: v for k, v in entries.items() if isinstance(v, dict) and isinstance(v.get("digest"), str)}

    def save_cache(self) -> None:
        """Write the cache (sorted, so it diffs well if committed) when anything new was learnt."""
        if self._cache_path is None or not self._cache_dirty:
            return
        from dlint.pin.rewrite import atomic_write

        body = json.dumps({"version": CACHE_VERSION, "digests": dict(sorted(self._cache.items()))},
                          indent=2, sort_keys=False).encode() + b"\n"
        atomic_write(self._cache_path, body)
        self._cache_dirty = False

    # ------------------------------------------------------------------ lookups
    def client(self) -> RegistryClient:
        if self._client is None:
            self._client = RegistryClient(insecure_registries=self._insecure,
                                          per_host=max(1, min(self.concurrency, 8)))
            self._own_client = True
        return self._client

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()

    def resolve_all(self, targets: Iterable[Target], *, with_children: Iterable[Target] = ()) -> dict[
            Target, Outcome]:
        """Outcomes for the distinct targets; ``with_children`` also learn an index's platforms
        (needed to tell a pin of one platform from a stale pin)."""
        wanted = sorted(set(targets))
        children = set(with_children)
        results: dict[Target, Outcome] = {}
        todo: list[Target] = []
        for target in wanted:
            cached = self._cache.get(target.key(self.platform))
            if cached is not None and (self.offline or target not in children or "children" in cached):
                kids = frozenset(cached.get("children", ()))
                results[target] = Outcome("ok", cached["digest"], children=kids)
            elif self.offline:
                where = f" {self._cache_path}" if self._cache_path else ""
                results[target] = Outcome("error", error=f"{target}: not in the cache{where} and --offline "
                                          "forbids the network (run once online with --cache)")
            else:
                todo.append(target)
        if todo:
            client = self.client()
            workers = min(self.concurrency, len(todo))
            if workers == 1:
                for target in todo:
                    results[target] = self._lookup(client, target, target in children)
            else:
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dlint-pin") as pool:
                    futures = {t: pool.submit(self._lookup, client, t, t in children) for t in todo}
                    for target, future in futures.items():
                        results[target] = future.result()
            for target in todo:
                outcome = results[target]
                if outcome.kind == "ok" and outcome.digest is not None:
                    entry: dict[str, Any] = {"digest": outcome.digest}
                    if target in children:
                        entry["children"] = sorted(outcome.children)
                    self._cache[target.key(self.platform)] = entry
                    self._cache_dirty = True
        return results

    def _lookup(self, client: RegistryClient, target: Target, with_children: bool) -> Outcome:
        try:
            kids: frozenset[str] = frozenset()
            if self.platform is not None and with_children:
                # a pin to the whole index (or another platform of it) is still current, not stale
                top = client.get(target.registry, target.repository, target.tag)
                manifest = select_platform(top, self.platform, target.registry, target.repository, target.tag)
                kids = frozenset({top.digest, *(d for _, d in top.children())})
                return Outcome("ok", manifest.digest, children=kids)
            manifest = client.resolve(target.registry, target.repository, target.tag, self.platform)
            if with_children and self.platform is None and (manifest.is_index or manifest.media_type is None):
                full = client.get(target.registry, target.repository, manifest.digest)
                kids = frozenset(d for _, d in full.children())
            return Outcome("ok", manifest.digest, children=kids)
        except RegistryError as exc:
            kind: OutcomeKind = "not-found" if exc.kind == "not-found" else "error"
            return Outcome(kind, error=str(exc))
        except Exception as exc:  # a bug must not become a traceback with request details
            return Outcome("error", error=f"{target}: internal error ({type(exc).__name__})")


class CacheError(Exception):
    """The --cache file exists but is unusable."""
