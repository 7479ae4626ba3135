"""A bounded schemathesis run over the OpenAPI description: the public API anonymously, the staff
routes with an admin's session and CSRF token; positive and negative (invalid) inputs. It must
find no 5xx and nothing that breaks the description (status codes, content types, response schemas).

FUZZ_EXAMPLES sets the examples per operation and mode (default 8: about 600 requests and under two
minutes per database on a busy 2-core machine; docs/security.md has the counts of a larger run)."""

from __future__ import annotations

import collections
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SKIP = ("/login", "/logout")  # they would end or throttle the session the run works with


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_app(request, tmp_path_factory):
    """A database with the security tests' two communities, and the app; module-wide for speed."""
    from sqlmodel import Session

    from core.db import get_engine
    from core.migrate import upgrade
    from core.settings import get_settings
    from core.taxonomy import sync_categories
    from tests.conftest import reset_postgres
    from tests.security.conftest import build_world

    tmp = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database_url")
        reset_postgres(url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"VAR_DIR": str(tmp / "var"), "DATABASE_URL": url, "ENVIRONMENT": "test",
                           "PUBLIC_RATE_LIMIT": "0"}.items():
            mp.setenv(key, value)
        mp.delenv("MODEL_PATH", raising=False)
        get_settings.cache_clear()
        get_engine.cache_clear()
        engine = get_engine()
        upgrade(engine)
        with Session(engine) as session:
            sync_categories(session)
            build_world(session)
        from app.main import create_app

        yield request.param, create_app()
        engine.dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()


def test_no_server_error_and_no_schema_violation(fuzz_app):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    from tests.security.conftest import login

    backend, app = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    admin = login(app, "admin")
    cookie = admin.cookies.get("needs_session")
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/login").text).group(1)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    counts: collections.Counter = collections.Counter()
    statuses: collections.Counter = collections.Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if operation.path in SKIP:
            continue
        staff = operation.path.startswith(("/admin", "/org"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _runner(operation, mode, staff, cookie, token, checks, counts, statuses, failures)()
            except Unsatisfiable:
                pass  # nothing invalid can be made for it (no parameters, or free-text ones): nothing to test
    total = sum(counts.values())
    print(f"\nschemathesis on {backend}: {total} requests over {len({op for op, _ in counts})} operations "
          f"({sum(n for (_, m), n in counts.items() if m == 'positive')} positive, "
          f"{sum(n for (_, m), n in counts.items() if m == 'negative')} negative); "
          f"responses by class: {dict(sorted((f'{k}xx', v) for k, v in statuses.items()))}; failures: {len(failures)}")
    assert len({op for op, _ in counts}) >= 50  # the run reached the API and the staff routes
    assert statuses[5] == 0 and not failures, "\n".join(failures[:30])


def _runner(operation, mode, staff, cookie, token, checks, counts, statuses, failures):
    """One operation in one mode: a hypothesis run that records every answer and failure."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if staff and case.method == "POST" and isinstance(case.body, dict):
            case.body["csrf_token"] = token  # a logged-in admin's form
        response = case.call(cookies={"needs_session": cookie} if staff else None)
        counts[(operation.label, mode.value)] += 1
        statuses[response.status_code // 100] += 1
        try:
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: B036  schemathesis reports a FailureGroup
            failures.append(f"{operation.label} [{mode.value}] {response.status_code}: {str(exc)[:600]}")

    return run
