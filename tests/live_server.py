"""A real `uvicorn` process serving the app on a free loopback port, for browser and multi-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET = "live-server-test-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(database_url: str, var_dir: Path, ready_path: str = "/healthz",
                secret_key: str = TEST_SECRET, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start the app against `database_url`; yield its base URL once `ready_path` answers. `settings`:
    more environment variables for the app (PUBLIC_RATE_LIMIT, say)."""
    env = {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(var_dir), "ENVIRONMENT": "test",
           "SECRET_KEY": secret_key, "PYTHONPATH": str(ROOT), **(settings or {})}
    env.pop("MODEL_PATH", None)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}{ready_path}", timeout=1)  # noqa: S310 (our own server)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
