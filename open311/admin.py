"""The admin page of Open311 API keys: create (the key is shown once), list, revoke. Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from core.deps import SessionDep, require
from core.i18n import gettext
from core.models import ApiKey, Role, StaffUser
from core.security import csrf_protect
from core.templating import language, render
from open311 import keys

router = APIRouter(prefix="/admin/api-keys", tags=["admin"], include_in_schema=False)
Admin = Annotated[StaffUser, require(Role.admin)]


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _error(request: Request, exc: keys.ApiKeyError) -> str:
    _ = gettext(language(request))
    messages = {
        "bad_name": _("The name must be 1 to 80 characters, without control characters."),
        "name_taken": _("A key named “{name}” exists already (a revoked key's name stays taken)."),
        "no_such_key": _("No such key."),
        "already_revoked": _("The key “{name}” is revoked already."),
    }
    return messages[exc.code].format(**exc.params)


def _page(request: Request, session, user: StaffUser, status_code: int = 200, **context):
    flashes = request.session.pop("flash", [])
    return render(request, "open311/api_keys.html", status_code=status_code, user=user, keys=keys.list_keys(session),
                  flashes=flashes, **context)


@router.get("")
def key_list(request: Request, session: SessionDep, user: Admin):
    """Every key with its prefix, creator, last use and state."""
    return _page(request, session, user)


@router.post("", dependencies=[Depends(csrf_protect)])
def key_create(request: Request, session: SessionDep, user: Admin, name: Annotated[str, Form(max_length=200)]):
    """Create a key; the page that answers shows it this once (it is not stored, nor put in a cookie)."""
    try:
        key, raw = keys.create_key(session, name, created_by=user, ip=_ip(request))
    except keys.ApiKeyError as exc:
        session.rollback()
        return _page(request, session, user, status_code=422, error=_error(request, exc), typed=name)
    return _page(request, session, user, created=key, raw_key=raw)


@router.post("/{key_id}/revoke", dependencies=[Depends(csrf_protect)])
def key_revoke(request: Request, key_id: int, session: SessionDep, user: Admin):
    """Revoke a key at once: its client gets 403 from then on."""
    _ = gettext(language(request))
    try:
        key = keys.revoke_key(session, session.get(ApiKey, key_id), by=user, ip=_ip(request))
    except keys.ApiKeyError as exc:
        session.rollback()
        request.session.setdefault("flash", []).append(["error", _error(request, exc)])
    else:
        request.session.setdefault("flash", []).append(["notice", _("Key “{name}” revoked.").format(name=key.name)])
    return RedirectResponse("/admin/api-keys", status_code=303)
