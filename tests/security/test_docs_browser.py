"""/docs renders in a real browser with the network cut off: every script and style comes from this
site (the fastapi-offline package's Swagger UI), none from a CDN, and the page's CSP allows it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlmodel import Session

from tests.conftest import CHROMIUM
from tests.live_server import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


def test_docs_render_from_local_files_alone(browser, tmp_path):
    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories

    url = f"sqlite:///{tmp_path / 'docs.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_categories(session)
    engine.dispose()
    with live_server(url, tmp_path / "var") as base:
        ours = urlparse(base).netloc
        context = browser.new_context()
        elsewhere: list[str] = []

        def cut_off(route):  # the network beyond this server does not exist
            if urlparse(route.request.url).netloc == ours:
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", cut_off)
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(base + "/docs")
        page.wait_for_selector(".opblock-tag", timeout=30_000)  # operations grouped by tag: the spec was read
        assert page.locator(".title").first.inner_text().startswith("community-needs")
        assert page.locator(".opblock").count() >= 5
        assert "/api/v1/requests" in page.content()
        assert elsewhere == [] and refused == []
        context.close()
