"""One Jinja2 environment for every module's templates; autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, select_autoescape

from core.i18n import normalize_language, t
from core.localtime import format_local
from core.security import csrf_token

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / pkg / "templates" for pkg in ("core", "admin", "survey", "bot", "open311")]

templates = Jinja2Templates(directory=str(ROOT / "core" / "templates"))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()])
templates.env.autoescape = select_autoescape(default=True, default_for_string=True)
# `{{ r.created_at|local }}`: stored UTC shown in the street's time zone (core/localtime.py)
templates.env.filters["local"] = format_local


def language(request: Request) -> str:
    """?lang= wins and is remembered in the session; else the session; else Chinese."""
    lang = request.query_params.get("lang")
    if lang:
        lang = normalize_language(lang)
        request.session["lang"] = lang
        return lang
    return normalize_language(request.session.get("lang"))


def render(request: Request, name: str, status_code: int = 200, **context):
    lang = language(request)
    context.setdefault("lang", lang)
    context["_"] = lambda key, **kw: t(lang, key, **kw)
    context["csrf_token"] = csrf_token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
