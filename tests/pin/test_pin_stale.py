"""Stale pins: a tag moved between two runs, a tag deleted, a platform pin that is fine."""

from __future__ import annotations

import io
from pathlib import Path

from dlint.dockerfile.document import load_document
from dlint.pin.command import run_pin
from dlint.pin.stale import find_stale
from tests.pin.registry_env import Env, free_port, index_image


def test_tag_moved_between_runs(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    reg = plain_env.registry
    first, second = index_image("stale-a"), index_image("stale-b")
    reg.push("team/moving", "1.0", first)
    reg.push("team/gone", "2.0", index_image("gone"))
    path = tmp_path / "Dockerfile"
    path.write_bytes(f"ARG BASE={h}/team/moving:1.0\nFROM ${{BASE}}\nFROM {h}/team/gone:2.0\n".encode())
    out, err = io.StringIO(), io.StringIO()
    options = dict(dry_run=False, check=False, update=False, platform=None, offline=False, cache=None,
                   insecure_registries=[h], allow_latest=False, concurrency=4, build_args={}, excludes=[])
    assert run_pin([path], stdout=out, stderr=err, **options) == 1  # type: ignore[arg-type]

    doc = load_document(path.read_bytes(), "Dockerfile")
    found, errors = find_stale([doc], platform=None, insecure_registries=[h], cache=None, offline=False)
    assert found == {} and errors == []

    reg.push("team/moving", "1.0", second)  # upstream re-tag
    gone = load_document(path.read_bytes(), "Dockerfile").images[1].digest
    assert gone is not None
    reg.delete_manifest("team/gone", gone)
    found, errors = find_stale([doc], platform=None, insecure_registries=[h], cache=None, offline=False)
    assert errors == []
    rules = sorted((rule, v.span.start_line) for rule, v in found["Dockerfile"])
    assert rules == [("stale-pin", 2), ("tag-gone", 3)]
    stale = next(v for rule, v in found["Dockerfile"] if rule == "stale-pin")
    assert second.digest in stale.message and first.digest in stale.message
    assert stale.instruction == doc.images[0].instruction
    assert doc.images[0].span == stale.span

    # --update moves the ARG default to the new digest; the gone tag is an error (exit 2)
    err = io.StringIO()
    code = run_pin([path], stdout=io.StringIO(), stderr=err, **{**options, "update": True})  # type: ignore[arg-type]
    assert code == 2 and "tag not found" in err.getvalue()
    assert f"ARG BASE={h}/team/moving:1.0@{second.digest}\n" in path.read_text()


def test_platform_pin_is_not_stale(plain_env: Env) -> None:
    h = plain_env.host
    child = plain_env.images.rev1.children[1].digest
    doc = load_document(f"FROM {h}/library/alpine:3.14@{child}\n".encode(), "Dockerfile")
    found, errors = find_stale([doc], platform=None, insecure_registries=[h], cache=None, offline=False)
    assert found == {} and errors == []


def test_unreachable_registry_is_an_error_not_a_finding(tmp_path: Path) -> None:
    dead = f"127.0.0.1:{free_port()}"
    doc = load_document(f"FROM {dead}/a/b:1@sha256:{'0' * 64}\n".encode(), "Dockerfile")
    found, errors = find_stale([doc], platform=None, insecure_registries=[dead], cache=None, offline=False)
    assert found == {}
    assert len(errors) == 1 and "connection refused" in errors[0] and f"{dead}/a/b:1" in errors[0]
    found, errors = find_stale([doc], platform=None, insecure_registries=[], cache=tmp_path / "none.json",
                               offline=True)
    assert found == {} and "not in the cache" in errors[0]
