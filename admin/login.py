"""Staff login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from core.accounts import LoginThrottled, authenticate
from core.deps import SessionDep, client_ip
from core.i18n import gettext
from core.models import Role
from core.security import csrf_protect, end_session, is_local_path, login_session
from core.templating import language, render

router = APIRouter(tags=["admin"])


def _safe_next(target: str | None) -> str:
    # only local paths: no open redirect to another site
    if target is not None and is_local_path(target):
        return target
    return "/admin"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    """The staff login form."""
    return render(request, "admin/login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form()] = "/admin"):
    """Check the password, start a fresh session, go where the user was heading."""
    lang = language(request)
    _ = gettext(lang)
    ip = client_ip(request)
    try:
        user = authenticate(session, username.strip(), password, ip)
    except LoginThrottled as exc:
        msg = _("Too many attempts: try again later.")
        response = render(request, "admin/login.html", status_code=429, next=_safe_next(next), error=msg)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user is None:
        msg = _("Wrong username or password.")
        return render(request, "admin/login.html", status_code=401, next=_safe_next(next), error=msg)
    login_session(request, session, user, ip)
    session.commit()
    request.session["lang"] = lang
    return RedirectResponse(_safe_next(next) if user.role != Role.org else "/org", status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request, session: SessionDep):
    """End the session, and every other session of this account."""
    end_session(request, session)
    return RedirectResponse("/login", status_code=303)
