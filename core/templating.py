"""One Jinja2 environment for every module's templates; autoescaping is always on.

Templates translate with `jinja2.ext.i18n` (`{% trans %}`, `_()`, `ngettext`, `pgettext`) in the
request's language, and show codes through `label(kind, code)` (core/labels.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup

from core.i18n import HTML_LANG, LANGUAGE_NAMES, normalize_language, translator
from core.labels import label
from core.localtime import format_local
from core.security import csrf_token

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / pkg / "templates" for pkg in ("core", "admin", "survey", "bot", "open311")]

templates = Jinja2Templates(directory=str(ROOT / "core" / "templates"))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()])
templates.env.autoescape = select_autoescape(default=True, default_for_string=True)
# `{{ r.created_at|local }}`: stored UTC shown in the street's time zone (core/localtime.py)
templates.env.filters["local"] = format_local
templates.env.add_extension("jinja2.ext.i18n")
# "New style": `_("%(n)s requests", n=n)` formats and escapes its arguments itself.
templates.env.newstyle_gettext = True  # type: ignore[attr-defined]  # an attribute jinja2.ext.i18n adds


def language(request: Request) -> str:
    """?lang= wins and is remembered in the session; else the session; else Chinese."""
    lang = request.query_params.get("lang")
    if lang:
        lang = normalize_language(lang)
        request.session["lang"] = lang
        return lang
    return normalize_language(request.session.get("lang"))


def _newstyle(func, count_arg: int | None = None):
    """A translation function as new-style templates call it (what jinja2.ext.i18n installs)."""

    @pass_context
    def call(context, *args, **variables):
        if count_arg is not None:
            variables.setdefault("num", args[count_arg])
        text = func(*args)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  catalogue text is ours; the variables are escaped by %
        return text % variables

    return call


@cache
def _i18n_context(lang: str) -> dict:
    """What every page gets for its language. Passed per request, not installed in the shared
    environment, so that concurrent requests in different languages do not race."""
    tr = translator(lang)
    return {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "other_languages": [(code, name) for code, name in LANGUAGE_NAMES.items() if code != lang],
        "gettext": _newstyle(tr.gettext),
        "ngettext": _newstyle(tr.ngettext, count_arg=2),
        "pgettext": _newstyle(tr.pgettext),
        "npgettext": _newstyle(tr.npgettext, count_arg=3),
        "label": lambda kind, code: label(lang, kind, code),
    }


def render(request: Request, name: str, status_code: int = 200, **context):
    context = {**_i18n_context(language(request)), **context}
    context["csrf_token"] = csrf_token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
