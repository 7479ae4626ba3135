"""The FastAPI application: public pages, the JSON API, the admin side, surveys and bot webhooks.

Processes keep no state of their own (sessions are signed cookies, everything else is in the
database), so several can run side by side behind a load balancer.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import admin.web
import bot.web
import core
import open311.web
import survey.web
from app import docs, errors, health
from core.db import session_scope
from core.deps import PASSWORD_PAGE, PasswordChangeRequired
from core.security import LoginRequired
from core.settings import get_settings
from intake import api, form, lookup
from nlp.registry import get_classifier

# every package's own assets, served as files (no CDN); cached for an hour by browsers and proxies
STATIC_MOUNTS = {"/static": Path(core.__file__).resolve().parent / "static", "/admin/static": admin.web.STATIC,
                 "/survey-static": survey.web.STATIC}
log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(_app: FastAPI):
    """Load the active model before the first request, not during it (it takes a second or more)."""
    try:
        with session_scope() as session:
            clf = get_classifier(session)
        if clf is not None:
            clf.predict(["小区路灯坏了"])  # loads the tokenizer's dictionary and keyword tables too
        log.info("model %s loaded", clf.version if clf else "(none: requests are queued for review)")
    except Exception:  # a missing or broken model must not stop the web app: intake still accepts requests
        log.exception("could not load the active model at start-up")
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    app = FastAPI(title="community-needs", version="0.1.0", lifespan=lifespan,
                  description="Residents' needs in, community services out.", docs_url=None, redoc_url=None)
    errors.install(app)  # error answers, body size limit, unstorable input: inside the session middleware
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="needs_session",
                       same_site="lax", https_only=settings.session_cookie_secure,
                       max_age=settings.session_hours * 3600)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith(tuple(f"{prefix}/" for prefix in STATIC_MOUNTS)) and response.status_code == 200:
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(_request: Request, _exc: PasswordChangeRequired):
        return RedirectResponse(PASSWORD_PAGE, status_code=303)

    for prefix, directory in STATIC_MOUNTS.items():
        app.mount(prefix, StaticFiles(directory=directory), name=prefix.strip("/").replace("/", "_"))
    if settings.api_docs:
        docs.install(app)
    for router in [form.router, lookup.router, api.router, health.router, *admin.web.routers, *survey.web.routers,
                   *bot.web.routers, *open311.web.routers]:
        app.include_router(router)
    return app
