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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
           (b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")]
STATIC_PREFIXES = tuple(f"{prefix}/" for prefix in STATIC_MOUNTS)


class SecurityHeaders:
    """Security headers on every answer (a route's own take precedence), and an hour's caching of static
    files. Plain ASGI: Starlette's @app.middleware("http") runs every request through extra tasks and
    streams, a millisecond and more of each API call (bench/intake_throughput.py)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(b"cache-control", b"public, max-age=3600")] if static and message["status"] == 200 else []
                headers += [(n, v) for n, v in extra + HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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

    app.add_middleware(SecurityHeaders)

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
