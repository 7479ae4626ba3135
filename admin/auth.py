"""Staff accounts, login with throttling, sessions, CSRF tokens, roles and scopes, audit log."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from pwdlib import PasswordHash
from sqlmodel import Session, func, select

from core.db import get_session
from core.models import (
    AuditLog,
    LoginAttempt,
    Organization,
    Place,
    PlaceKind,
    Role,
    StaffCommunity,
    StaffUser,
    utcnow,
)
from core.settings import get_settings

SessionDep = Annotated[Session, Depends(get_session)]
_hasher = PasswordHash.recommended()  # argon2id
_DUMMY_HASH = _hasher.hash("timing-equaliser")


class LoginRequired(Exception):
    """Raised by route dependencies; the app turns it into a redirect to /login."""


class LoginThrottled(Exception):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: Role | str,
                communities: list[str] | None = None, org: str | None = None,
                display_name: str = "") -> StaffUser:
    """Create a staff account; communities and organisation are given by code and name."""
    role = Role(role)
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    if session.exec(select(StaffUser).where(StaffUser.username == username)).first():
        raise ValueError(f"user {username!r} exists already")
    org_id = None
    if role == Role.org:
        if not org:
            raise ValueError("an organization viewer needs --org")
        organization = session.exec(select(Organization).where(Organization.name == org)).first()
        if organization is None:
            organization = Organization(name=org)
            session.add(organization)
            session.flush()
        org_id = organization.id
    if role == Role.worker and not communities:
        raise ValueError("a community worker needs at least one --community")
    user = StaffUser(username=username, password_hash=hash_password(password), role=role,
                     organization_id=org_id, display_name=display_name or username)
    session.add(user)
    session.flush()
    for code in communities or []:
        place = session.exec(select(Place).where(Place.code == code, Place.kind == PlaceKind.community)).first()
        if place is None:
            place = session.exec(select(Place).where(Place.name == code, Place.kind == PlaceKind.community)).first()
        if place is None:
            raise ValueError(f"unknown community {code!r}")
        session.add(StaffCommunity(user_id=user.id, place_id=place.id))
    session.commit()
    session.refresh(user)
    return user


def authenticate(session: Session, username: str, password: str, ip: str = "") -> StaffUser | None:
    """Check a password; too many recent failures lock the account name for a while."""
    settings = get_settings()
    since = utcnow() - dt.timedelta(minutes=settings.login_lock_minutes)
    failures = session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.created_at >= since, ~LoginAttempt.success)
    ).one()
    if failures >= settings.login_max_failures:
        raise LoginThrottled()
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    ok = False
    if user is None:
        _hasher.verify(password, _DUMMY_HASH)  # same work whether or not the name exists
    else:
        ok = user.is_active and _hasher.verify(password, user.password_hash)
    session.add(LoginAttempt(username=username[:64], ip=ip[:64], success=ok))
    if ok:
        user.last_login_at = utcnow()
        session.add(user)
        audit(session, user, "login", ip=ip)
    session.commit()
    return user if ok else None


# --- sessions and CSRF ----------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")


async def csrf_protect(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    """Dependency for every form POST."""
    check_csrf(request, csrf_token)


def login_session(request: Request, user: StaffUser) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session["uid"] = user.id
    csrf_token(request)


def current_user(request: Request, session: SessionDep) -> StaffUser:
    uid = request.session.get("uid")
    user = session.get(StaffUser, uid) if uid else None
    if user is None or not user.is_active:
        raise LoginRequired()
    return user


CurrentUser = Annotated[StaffUser, Depends(current_user)]


def require(*roles: Role):
    def dependency(user: CurrentUser) -> StaffUser:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="not allowed for your role")
        return user

    return Depends(dependency)


def community_scope(session: Session, user: StaffUser) -> list[int] | None:
    """Communities a user may read: None means all (admin); org viewers see no raw requests."""
    if user.role == Role.admin:
        return None
    if user.role == Role.worker:
        return list(session.exec(select(StaffCommunity.place_id).where(StaffCommunity.user_id == user.id)))
    return []


def audit(session: Session, user: StaffUser | None, action: str, target_type: str = "",
          target_id: object = "", ip: str = "", **detail) -> None:
    session.add(AuditLog(actor_id=user.id if user else None, action=action, target_type=target_type,
                         target_id=str(target_id), ip=ip[:64], detail=detail))
