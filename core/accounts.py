"""Staff accounts: creating them and checking a password with throttling."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, func, select

from core.audit import audit
from core.models import (
    LoginAttempt,
    Organization,
    Place,
    PlaceKind,
    Role,
    StaffCommunity,
    StaffUser,
    utcnow,
)
from core.security import hash_password, verify_password
from core.settings import get_settings


class LoginThrottled(Exception):
    pass


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
    ok = verify_password(password, user.password_hash if user else None)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(username=username[:64], ip=ip[:64], success=ok))
    if ok:
        user.last_login_at = utcnow()
        session.add(user)
        audit(session, user, "login", ip=ip)
    session.commit()
    return user if ok else None
