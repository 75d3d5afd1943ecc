"""The installed entry points: ``dlint pin`` and ``dlint check --stale`` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.pin.registry_env import Env, index_image

ROOT = Path(__file__).resolve().parents[2]


def dlint(*args: str, cwd: Path, docker_config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_CONFIG": str(docker_config), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dlint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_cli_pin_and_check_stale(plain_env: Env, tmp_path: Path, no_docker_config: Path) -> None:
    h = plain_env.host
    plain_env.registry.push("cli/app", "1", index_image("cli-1"))
    (tmp_path / "Dockerfile").write_text(f"FROM {h}/cli/app:1\nUSER app\n")
    run = dlint("pin", "--check", "--insecure-registry", h, ".", cwd=tmp_path, docker_config=no_docker_config)
    assert run.returncode == 1, run.stderr
    run = dlint("pin", "--insecure-registry", h, ".", cwd=tmp_path, docker_config=no_docker_config)
    assert run.returncode == 1 and "pinned 1 reference(s)" in run.stderr, run.stderr
    run = dlint("pin", "--check", "--insecure-registry", h, ".", cwd=tmp_path, docker_config=no_docker_config)
    assert run.returncode == 0, run.stderr

    plain_env.registry.push("cli/app", "1", index_image("cli-2"))
    plain = dlint("check", ".", "--format", "json", cwd=tmp_path, docker_config=no_docker_config)
    assert "stale-pin" not in plain.stdout  # plain check stays offline
    stale = dlint("check", "--stale", "--insecure-registry", h, ".", "--format", "json", cwd=tmp_path,
                  docker_config=no_docker_config)
    assert '"stale-pin"' in stale.stdout, stale.stdout + stale.stderr
    assert "Traceback" not in stale.stderr


def test_check_stale_exits_2_when_a_registry_cannot_be_asked(tmp_path: Path, no_docker_config: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{probe.getsockname()[1]}"
    digest = "sha256:" + "d" * 64
    (tmp_path / "Dockerfile").write_text(f"FROM {host}/cli/app:1@{digest}\nUSER app\n")
    run = dlint("check", "--stale", "--insecure-registry", host, ".", cwd=tmp_path, docker_config=no_docker_config)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "dlint: error:" in run.stderr and host in run.stderr
    assert "Traceback" not in run.stderr
