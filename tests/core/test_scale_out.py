"""Two web processes side by side on one PostgreSQL database, as behind a load balancer."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from core.models import Request

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers(pg_database_url, tmp_path, trained_model):
    from sqlmodel import Session

    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from nlp.registry import register
    from tests.conftest import reset_postgres

    reset_postgres(pg_database_url)
    engine = make_engine(pg_database_url)
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        register(s, trained_model)
        from admin.auth import create_user

        create_user(s, "admin", "admin-pass-1", "admin")
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": pg_database_url, "VAR_DIR": str(tmp_path / "var"),
           "SECRET_KEY": "shared-secret-of-all-web-processes-0123456789", "ENVIRONMENT": "test"}
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            for _ in range(200):
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail(f"{url} did not start")
        yield urls
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def test_repeated_deliveries_across_processes_store_one_request_each(two_servers, pg_database_url):
    def post(i):
        url = two_servers[i % 2]
        body = {"text": f"第{i // 4}号楼路灯坏了", "external_id": f"key-{i // 4}"}
        return httpx.post(f"{url}/api/v1/requests", json=body, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(40)))  # 10 requests, each delivered 4 times to both processes
    assert all(r.status_code in (200, 201) for r in responses)
    assert sum(r.status_code == 201 for r in responses) == 10
    tickets = {r.json()["ticket"] for r in responses}
    assert len(tickets) == 10
    eng = create_engine(pg_database_url)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Request)).scalar() == 10
    eng.dispose()


def test_a_login_on_one_process_is_valid_on_the_other(two_servers):
    import re

    with httpx.Client(base_url=two_servers[0]) as a:
        page = a.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        a.post("/login", data={"username": "admin", "password": "admin-pass-1", "csrf_token": token})
        cookies = a.cookies
    with httpx.Client(base_url=two_servers[1], cookies=cookies) as b:
        resp = b.get("/admin")
        assert resp.status_code == 200 and 'id="counts"' in resp.text
