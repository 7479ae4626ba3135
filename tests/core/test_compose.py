"""compose.yaml is valid and describes the production stack (checked by docker-compose itself)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose_config():
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("docker-compose is missing: `make system-deps` installs it")
        pytest.skip("docker-compose not installed")
    env = {**os.environ, "POSTGRES_PASSWORD": "pw-for-validation", "SECRET_KEY": "k" * 40}
    out = subprocess.run([exe, "-f", str(ROOT / "compose.yaml"), "config"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_compose_has_every_service_with_health_checks(compose_config):
    services = compose_config["services"]
    assert {"db", "migrate", "web", "bot", "proxy"} <= set(services)
    for name in ("db", "web"):
        assert "healthcheck" in services[name], name
    assert "pgdata" in compose_config["volumes"]


def test_compose_runs_several_stateless_web_processes_on_postgres(compose_config):
    web = compose_config["services"]["web"]
    assert web["deploy"]["replicas"] >= 2
    assert web["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_refuses_to_start_without_secrets():
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose not installed")
    env = {k: v for k, v in os.environ.items() if k not in {"POSTGRES_PASSWORD", "SECRET_KEY"}}
    out = subprocess.run([exe, "-f", str(ROOT / "compose.yaml"), "config"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=60)
    assert out.returncode != 0
