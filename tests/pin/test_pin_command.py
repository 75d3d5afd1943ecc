"""``dlint pin`` end to end against the real registry: byte-exact results and exit codes."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from dlint.pin.command import run_pin
from dlint.pin.credentials import CredentialStore
from dlint.pin.registry import RegistryClient
from dlint.pin.resolve import Resolver
from tests.pin.registry_env import PASSWORD, Env, docker_config, free_port, index_image, platform_image


def pin(paths: list[Path], env_hosts: list[str], **overrides: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options: dict[str, Any] = dict(dry_run=False, check=False, update=False, platform=None, offline=False,
                                   cache=None, insecure_registries=env_hosts, allow_latest=False,
                                   concurrency=4, build_args={}, excludes=[])
    options.update(overrides)
    code = run_pin(paths, stdout=out, stderr=err, **options)
    return code, out.getvalue(), err.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_pins_every_kind_of_reference_byte_exactly(plain_env: Env, tmp_path: Path,
                                                   no_docker_config: Path) -> None:
    h = plain_env.host
    i = plain_env.images
    source = (
        f"\ufeff# syntax={h}/library/busybox:1.36\r\n"
        f"ARG BASE={h}/library/alpine:3.14\r\n"
        f"ARG QUOTED=\"{h}/library/debian:12\"\r\n"
        "FROM ${BASE} AS build\r\n"
        "# a comment stays\r\n"
        "RUN --mount=type=cache,target=/c,from=" + h + "/library/alpine:3.15 \\\r\n"
        "    echo hi\r\n"
        "COPY --from=build /a /b\r\n"
        f"COPY --link --from={h}/library/busybox:1.36 /x /y\r\n"
        "FROM ${QUOTED}\r\n"
        "RUN <<EOF\r\nFROM evil/x:1\r\nEOF\r\n"
        "FROM scratch\r\n"
        f"FROM {h}/library/alpine:3.15@{i.rev2.digest} AS already\r\n"
    ).encode()
    path = write(tmp_path / "Dockerfile", source)
    path.chmod(0o640)
    code, _, err = pin([path], [h])
    assert code == 1, err
    expected = (
        source
        .replace(f"syntax={h}/library/busybox:1.36".encode(),
                 f"syntax={h}/library/busybox:1.36@{i.single.digest}".encode())
        .replace(f"ARG BASE={h}/library/alpine:3.14".encode(),
                 f"ARG BASE={h}/library/alpine:3.14@{i.rev1.digest}".encode())
        .replace(f"\"{h}/library/debian:12\"".encode(),
                 f"\"{h}/library/debian:12@{i.docker_list.digest}\"".encode())
        .replace(f"from={h}/library/alpine:3.15 ".encode(),
                 f"from={h}/library/alpine:3.15@{i.rev2.digest} ".encode())
        .replace(f"--from={h}/library/busybox:1.36 ".encode(),
                 f"--from={h}/library/busybox:1.36@{i.single.digest} ".encode())
    )
    assert path.read_bytes() == expected
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir() if p.name != "docker-empty"] == ["Dockerfile"]
    assert "pinned 5 reference(s) in 1 file(s)" in err
    # second run: nothing to do
    assert pin([path], [h])[0] == 0


def test_dry_run_and_check(plain_env: Env, tmp_path: Path, no_docker_config: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    h = plain_env.host
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "app.Dockerfile", f"FROM {h}/library/alpine:3.14\nRUN true\n".encode())
    before = path.read_bytes()
    code, out, err = pin([path], [h], dry_run=True)
    assert code == 1 and path.read_bytes() == before
    assert out.startswith("--- a/app.Dockerfile\n+++ b/app.Dockerfile\n")
    assert f"+FROM {h}/library/alpine:3.14@{plain_env.images.rev1.digest}\n" in out
    code, out, err = pin([path], [h], check=True)
    assert code == 1 and out == "" and ": would pin " in err and path.read_bytes() == before
    assert pin([path], [h])[0] == 1
    assert pin([path], [h], check=True)[0] == 0


def test_directory_walk(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    (tmp_path / "svc").mkdir()
    write(tmp_path / "svc" / "Dockerfile", f"FROM {h}/library/alpine:3.15\n".encode())
    write(tmp_path / "README.md", f"FROM {h}/library/alpine:3.15\n".encode())
    code, _, err = pin([tmp_path], [h])
    assert code == 1, err
    assert plain_env.images.rev2.digest in (tmp_path / "svc" / "Dockerfile").read_text()
    assert "@" not in (tmp_path / "README.md").read_text()


def test_no_tag_is_refused_unless_allowed(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    latest = index_image("latest-test")
    plain_env.registry.push("library/withlatest", "latest", latest)
    path = write(tmp_path / "Dockerfile",
                 f"FROM {h}/library/withlatest\nFROM {h}/library/alpine:3.14\n".encode())
    code, _, err = pin([path], [h])
    assert code == 2
    assert "refusing to pin" in err and "--allow-latest" in err
    # the other reference was still pinned
    assert plain_env.images.rev1.digest in path.read_text()
    code, _, err = pin([path], [h], allow_latest=True)
    assert code == 1, err
    assert f"FROM {h}/library/withlatest@{latest.digest}\n" in path.read_text()


def test_several_variables_are_unpinnable(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    path = write(tmp_path / "Dockerfile",
                 f"ARG REG={h}\nARG TAG=3.14\nFROM ${{REG}}/library/alpine:${{TAG}}\n".encode())
    before = path.read_bytes()
    code, _, err = pin([path], [h])
    assert code == 2 and "cannot pin" in err and "not guessing" in err
    assert path.read_bytes() == before


def test_platform_pins_the_platform_manifest(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    path = write(tmp_path / "Dockerfile", f"FROM {h}/library/alpine:3.14\n".encode())
    code, _, err = pin([path], [h], platform="linux/arm64")
    assert code == 1, err
    assert path.read_text() == f"FROM {h}/library/alpine:3.14@{plain_env.images.rev1.children[1].digest}\n"
    assert pin([tmp_path / "Dockerfile"], [h], platform="linux")[0] == 2


def test_update_refreshes_moved_tags_only(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    i = plain_env.images
    text = (f"FROM {h}/library/alpine:3.14@{i.rev2.digest}\n"           # stale: 3.14 is rev1
            f"FROM {h}/library/alpine:3.15@{i.rev2.children[0].digest}\n"  # a platform of the current index
            f"FROM {h}/library/busybox@{i.single.digest}\n")             # digest only: nothing to refresh
    path = write(tmp_path / "Dockerfile", text.encode())
    assert pin([path], [h])[0] == 0  # without --update pinned refs are left alone
    code, _, err = pin([path], [h], update=True)
    assert code == 1, err
    assert path.read_text() == text.replace(f"3.14@{i.rev2.digest}", f"3.14@{i.rev1.digest}")
    assert pin([path], [h], update=True)[0] == 0


def test_resolution_errors_are_named(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    dead = f"127.0.0.1:{free_port()}"
    path = write(tmp_path / "Dockerfile",
                 f"FROM {h}/library/alpine:0.0\nFROM {dead}/team/app:1\n"
                 f"FROM {h}/library/alpine:3.15\n".encode())
    code, _, err = pin([path], [h, dead])
    assert code == 2
    assert "Dockerfile:1:6: cannot pin" in err
    assert f"cannot pin {h}/library/alpine:0.0: {h}/library/alpine:0.0: tag not found" in err
    assert f"{dead}/team/app:1: cannot connect to {dead} (connection refused)" in err
    assert "Traceback" not in err
    assert plain_env.images.rev2.digest in path.read_text()


def test_wrong_credentials_never_printed(basic_env: Env, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    h = basic_env.host
    docker_config(tmp_path / "docker", h, password="Wr0ng-" + PASSWORD)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    path = write(tmp_path / "Dockerfile", f"FROM {h}/library/alpine:3.14\n".encode())
    code, out, err = pin([path], [h])
    assert code == 2 and f"{h}/library/alpine:3.14: credentials for {h} were rejected" in err
    assert PASSWORD not in out + err
    docker_config(tmp_path / "docker", h)
    code, out, err = pin([path], [h])
    assert code == 1 and PASSWORD not in out + err
    assert basic_env.images.rev1.digest in path.read_text()


def test_token_registry(token_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = token_env.host
    path = write(tmp_path / "Dockerfile", f"FROM {h}/library/alpine:3.15\n".encode())
    code, _, err = pin([path], [h])
    assert code == 1, err
    assert token_env.images.rev2.digest in path.read_text()


def test_offline_cache(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    cache = tmp_path / "pins.json"
    path = write(tmp_path / "Dockerfile", f"FROM {h}/library/alpine:3.14\n".encode())
    assert pin([path], [h], check=True, cache=cache)[0] == 1
    data = json.loads(cache.read_text())
    assert data["digests"][f"{h}/library/alpine:3.14"]["digest"] == plain_env.images.rev1.digest
    # offline: a host nobody listens on, known only from the cache
    dead = f"127.0.0.1:{free_port()}"
    data["digests"][f"{dead}/x/y:1"] = {"digest": plain_env.images.rev2.digest}
    cache.write_text(json.dumps(data))
    write(path, f"FROM {h}/library/alpine:3.14\nFROM {dead}/x/y:1\n".encode())
    code, _, err = pin([path], [], offline=True, cache=cache)
    assert code == 1, err
    assert path.read_text() == (f"FROM {h}/library/alpine:3.14@{plain_env.images.rev1.digest}\n"
                                f"FROM {dead}/x/y:1@{plain_env.images.rev2.digest}\n")
    write(path, f"FROM {dead}/x/y:2\n".encode())
    code, _, err = pin([path], [], offline=True, cache=cache)
    assert code == 2 and "not in the cache" in err and "--offline" in err


def test_identical_refs_are_resolved_once(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    paths = []
    for n in range(12):
        text = f"FROM {h}/library/alpine:3.14\nCOPY --from={h}/library/alpine:3.14 / /\n"
        paths.append(write(tmp_path / f"{n}.Dockerfile", text.encode()))
    client = RegistryClient(credentials=CredentialStore(no_docker_config), insecure_registries=[h])
    resolver = Resolver(insecure_registries=[h], concurrency=8, client=client)
    code, _, err = pin(paths, [h], resolver=resolver)
    client.close()
    assert code == 1, err
    assert client.stats.requests == 1
    assert all(plain_env.images.rev1.digest in p.read_text() for p in paths)


def test_symlink_is_followed_and_kept(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    real = write(tmp_path / "real.Dockerfile", f"FROM {h}/library/alpine:3.14\n".encode())
    link = tmp_path / "Dockerfile"
    os.symlink(real.name, link)
    assert pin([link], [h])[0] == 1
    assert link.is_symlink() and plain_env.images.rev1.digest in real.read_text()


def test_single_manifest_pins_are_stable_with_platform(plain_env: Env, tmp_path: Path,
                                                        no_docker_config: Path) -> None:
    h = plain_env.host
    image = platform_image("only", "amd64")
    plain_env.registry.push("library/onlyamd", "1", image)
    path = write(tmp_path / "Dockerfile", f"FROM {h}/library/onlyamd:1\n".encode())
    assert pin([path], [h], platform="linux/amd64")[0] == 1
    assert image.digest in path.read_text()


def test_update_with_platform_keeps_current_index_pins(plain_env: Env, tmp_path: Path,
                                                      no_docker_config: Path) -> None:
    h = plain_env.host
    i = plain_env.images
    text = (f"FROM {h}/library/alpine:3.14@{i.rev1.digest}\n"              # current index: keep
            f"FROM {h}/library/alpine:3.15@{i.rev1.children[0].digest}\n")  # moved: to rev2's amd64
    path = write(tmp_path / "Dockerfile", text.encode())
    code, _, err = pin([path], [h], update=True, platform="linux/amd64")
    assert code == 1, err
    assert path.read_text() == text.replace(f"3.15@{i.rev1.children[0].digest}",
                                            f"3.15@{i.rev2.children[0].digest}")
