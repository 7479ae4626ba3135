"""Two web processes side by side on one PostgreSQL database, as behind a load balancer."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from core.models import ServiceRequest
from tests.live_server import live_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


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
        from core.accounts import create_user

        create_user(s, "admin", "admin-pass-1", "admin")
    engine.dispose()
    # the same secret in both, as behind a load balancer; nothing else is shared but the database. Forty
    # posts from one address are more than its public rate limit allows (tests/security covers that limit)
    off = {"PUBLIC_RATE_LIMIT": "0"}
    with (live_server(pg_database_url, tmp_path / "var1", settings=off) as a,
          live_server(pg_database_url, tmp_path / "var2", settings=off) as b):
        yield [a, b]


def test_repeated_deliveries_across_processes_store_one_request_each(two_servers, pg_database_url):
    def post(i):
        url = two_servers[i % 2]
        body = {"text": f"第{i // 4}号楼路灯坏了", "external_id": f"key-{i // 4}"}
        return httpx.post(f"{url}/api/v1/requests", json=body, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(40)))  # 10 requests, each delivered 4 times to both processes
    assert all(r.status_code in (200, 201) for r in responses), [(r.status_code, r.text[:300]) for r in responses if r.status_code not in (200, 201)]
    assert sum(r.status_code == 201 for r in responses) == 10
    tickets = {r.json()["ticket"] for r in responses}
    assert len(tickets) == 10
    eng = create_engine(pg_database_url)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ServiceRequest)).scalar() == 10
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
