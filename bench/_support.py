"""What the benchmarks share: a real `needs serve` process and a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def pct(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(command: list[str], ready_path: str, env: dict[str, str], cwd: Path | None = None) -> Iterator[str]:
    """Start a web server `command` (its port given by {port}); yield its base URL once `ready_path`
    answers; stop it afterwards."""
    port = _free_port()
    proc = subprocess.Popen([part.format(port=port) for part in command], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base + ready_path, timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} exited before answering") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def serve(database_url: str, var_dir: Path, **env: str) -> Iterator[str]:
    """Run `needs serve` on a free loopback port; yield its base URL once /healthz answers."""
    full_env = {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING", **env}
    with running([sys.executable, "-m", "app.cli", "serve", "--port", "{port}"], "/healthz", full_env) as base:
        yield base


@contextmanager
def throwaway_postgres(admin_url: str | None, prefix: str) -> Iterator[str | None]:
    """A fresh database on the server of `admin_url`, dropped afterwards; None if unreachable."""
    if not admin_url:
        yield None
        return
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"postgres skipped: {exc.__class__.__name__}")
        yield None
        return
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
