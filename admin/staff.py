"""Staff accounts for admins (create, role and community scopes, deactivate, reset the password, last
login) and every staff member's own password. The account logic is core/accounts.py; every change
is audited there, and a new password, a deactivation or a change of scope ends the account's sessions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from admin.common import flash, pop_flash
from core import accounts
from core.audit import audit
from core.db import row_id
from core.deps import PASSWORD_PAGE, CurrentUser, FormDataDep, SessionDep, client_ip, require
from core.i18n import gettext
from core.models import Organization, Place, PlaceKind, Role, StaffCommunity, StaffUser
from core.security import csrf_protect, login_session, verify_password
from core.templating import language, render

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffUser, require(Role.admin)]


def _communities(session: Session) -> list[Place]:
    return list(session.exec(select(Place).where(Place.kind == PlaceKind.community, col(Place.retired_at).is_(None))
                             .order_by(col(Place.code))))


def _scopes(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for user_id, place_id in session.exec(select(StaffCommunity.user_id, StaffCommunity.place_id)):
        out.setdefault(user_id, []).append(place_id)
    return out


def _problem(session: Session, lang: str, role: str, communities: list[str], org: str | None,
             username: str | None = None, password: str | None = None) -> str | None:
    """What is wrong with an account form, in the admin's language (None: nothing)."""
    _ = gettext(lang)
    if username is not None:
        if not username:
            return _("A username is needed.")
        if session.exec(select(StaffUser.id).where(StaffUser.username == username)).first() is not None:
            return _("The username {username} is taken.").format(username=username)
    if password is not None and len(password) < 8:
        return _("The password needs at least 8 characters.")
    if role not in {r.value for r in Role}:
        return _("Choose a role.")
    if role == Role.worker and not communities:
        return _("A community worker needs at least one community.")
    if role == Role.org and not session.exec(select(Organization.id).where(Organization.name == (org or ""))).first():
        return _("An organization viewer needs one of the organizations.")
    return None


def _codes(session: Session, form) -> list[str]:
    """The community codes of the ticked boxes (the form sends place ids)."""
    places = {str(p.id): p.code for p in _communities(session)}
    return [places[c] for c in form.getlist("communities") if c in places]


@router.get("/admin/staff")
def staff(request: Request, session: SessionDep, user: Admin):
    """Every account with its role, scope, state and last login; a form for a new one."""
    places = {p.id: p for p in session.exec(select(Place))}
    orgs = {o.id: o.name for o in session.exec(select(Organization))}
    return render(request, "admin/staff.html", user=user, rows=session.exec(select(StaffUser).order_by(
        col(StaffUser.username))).all(), scopes=_scopes(session), places=places, orgs=orgs,
        communities=_communities(session), organizations=sorted(orgs.values()), roles=[r.value for r in Role],
        flashes=pop_flash(request))


@router.post("/admin/staff", dependencies=[Depends(csrf_protect)])
def create(request: Request, session: SessionDep, user: Admin, form: FormDataDep):
    """Create an account with a first password the admin hands over."""
    lang = language(request)
    _ = gettext(lang)
    username, password = str(form.get("username", "")).strip()[:64], str(form.get("password", ""))
    role, org, codes = str(form.get("role", "")), str(form.get("org") or "") or None, _codes(session, form)
    problem = _problem(session, lang, role, codes, org, username, password)
    if problem:
        flash(request, problem, "error")
        return RedirectResponse("/admin/staff", status_code=303)
    new = accounts.create_user(session, username, password, role, communities=codes if role == Role.worker else [],
                               org=org if role == Role.org else None,
                               display_name=str(form.get("display_name", "")).strip()[:80])
    audit(session, user, "staff.create", "staffuser", new.id, ip=client_ip(request), username=new.username,
          role=new.role)
    session.commit()
    flash(request, _("Created {username}.").format(username=new.username))
    return RedirectResponse(f"/admin/staff/{new.id}", status_code=303)


def _load(session: Session, user_id: int) -> StaffUser:
    account = session.get(StaffUser, user_id)
    if account is None:
        raise HTTPException(status_code=404, detail="no such account")
    return account


@router.get("/admin/staff/{user_id:int}")
def account_page(request: Request, user_id: int, session: SessionDep, user: Admin):
    """One account: role, communities, organization; deactivate; reset the password."""
    account = _load(session, user_id)
    org = session.get(Organization, account.organization_id) if account.organization_id else None
    return render(request, "admin/staff_account.html", user=user, account=account, org=org,
                  scope=_scopes(session).get(row_id(account), []), communities=_communities(session),
                  organizations=sorted(o.name for o in session.exec(select(Organization))),
                  roles=[r.value for r in Role], temporary=request.session.pop("temporary_password", None),
                  flashes=pop_flash(request))


@router.post("/admin/staff/{user_id:int}", dependencies=[Depends(csrf_protect)])
def update(request: Request, user_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Change the role, the communities a worker serves, an organization viewer's organization."""
    account = _load(session, user_id)
    lang = language(request)
    _ = gettext(lang)
    if account.id == user.id and str(form.get("role")) != Role.admin:
        flash(request, _("You cannot take away your own administrator role."), "error")
        return RedirectResponse(f"/admin/staff/{user_id}", status_code=303)
    role, org, codes = str(form.get("role", "")), str(form.get("org") or "") or None, _codes(session, form)
    problem = _problem(session, lang, role, codes, org)
    if problem:
        flash(request, problem, "error")
        return RedirectResponse(f"/admin/staff/{user_id}", status_code=303)
    changes = accounts.set_role(session, account, role, codes, org, user,
                                display_name=str(form.get("display_name", "")), ip=client_ip(request))
    flash(request, _("Saved.") if changes else _("Nothing changed."))
    return RedirectResponse(f"/admin/staff/{user_id}", status_code=303)


@router.post("/admin/staff/{user_id:int}/active", dependencies=[Depends(csrf_protect)])
def set_active(request: Request, user_id: int, session: SessionDep, user: Admin, form: FormDataDep):
    """Deactivate an account (its sessions end at once) or activate it again."""
    account = _load(session, user_id)
    lang = language(request)
    _ = gettext(lang)
    active = form.get("active") == "1"
    if account.id == user.id and not active:
        flash(request, _("You cannot deactivate your own account."), "error")
    else:
        accounts.set_active(session, account, active, user)
        flash(request, _("Saved."))
    return RedirectResponse(f"/admin/staff/{user_id}", status_code=303)


@router.post("/admin/staff/{user_id:int}/reset", dependencies=[Depends(csrf_protect)])
def reset(request: Request, user_id: int, session: SessionDep, user: Admin):
    """A temporary password, shown once here; it opens only the page that sets a new one."""
    account = _load(session, user_id)
    request.session["temporary_password"] = accounts.reset_password(session, account, user, ip=client_ip(request))
    return RedirectResponse(f"/admin/staff/{user_id}", status_code=303)


# --- one's own password ---------------------------------------------------------------------------

@router.get(PASSWORD_PAGE)
def password_page(request: Request, user: CurrentUser):
    """Choose a new password (the only page a temporary password opens)."""
    return render(request, "admin/password.html", user=user, error=None, flashes=pop_flash(request))


@router.post(PASSWORD_PAGE, dependencies=[Depends(csrf_protect)])
def change_password(request: Request, session: SessionDep, user: CurrentUser, form: FormDataDep):
    """Check the current password, set the new one (typed twice); every other session of the account ends."""
    lang = language(request)
    _ = gettext(lang)
    current, new, again = (str(form.get(k, "")) for k in ("current", "new", "again"))
    error = None
    if not verify_password(current, user.password_hash):
        error = _("The current password is wrong.")
    elif new != again:
        error = _("The two new passwords differ.")
    elif new == current:
        error = _("Choose a password other than the current one.")
    else:
        try:
            accounts.set_password(session, user, new, user)
        except ValueError:
            error = _("The new password needs at least 8 characters.")
    if error:
        session.rollback()
        return render(request, "admin/password.html", status_code=422, user=user, error=error, flashes=[])
    login_session(request, session, user, client_ip(request))  # this browser stays signed in
    session.commit()
    request.session["lang"] = lang
    flash(request, _("Your password is changed."))
    return RedirectResponse("/admin" if user.role != Role.org else "/org", status_code=303)
