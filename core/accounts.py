"""Staff accounts: creating them and checking a password with throttling."""

from __future__ import annotations

import datetime as dt
from typing import overload

from sqlmodel import Session, col, func, select

from core.audit import audit
from core.db import row_id
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
from core.security import hash_password, revoke_sessions, verify_password
from core.settings import get_settings

# Growing waits instead of a lockout: after the free failures each try waits twice as long as the
# one before. Failures of one account name from one address, and all failures from one address,
# wait up to LOGIN_LOCK_MINUTES; failures of one account name from anywhere wait at most
# ACCOUNT_MAX_WAIT, so that nobody can keep another person out of their account for longer.
FIRST_WAIT = dt.timedelta(seconds=5)
ACCOUNT_MAX_WAIT = dt.timedelta(minutes=1)
ADDRESS_FREE_FAILURES = 20  # a shared office address mistypes more often than one person
ACCOUNT_MEMORY = dt.timedelta(days=1)  # an account's failures are forgotten after this or its next success
ADDRESS_MEMORY = dt.timedelta(hours=1)


class LoginThrottled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"login throttled: retry after {retry_after} s")


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
        session.add(StaffCommunity(user_id=row_id(user), place_id=row_id(place)))
    session.commit()
    session.refresh(user)
    return user


def _wait(failures: int, free: int, longest: dt.timedelta) -> dt.timedelta:
    if failures < free:
        return dt.timedelta(0)
    return min(longest, FIRST_WAIT * 2 ** min(failures - free, 20))


def _failures(session: Session, conditions: tuple, memory: dt.timedelta,
              reset_on_success: bool) -> tuple[int, dt.datetime | None]:
    """Failures matching `conditions` within `memory` (and after the last matching success, if asked),
    and when the latest was."""
    since = utcnow() - memory
    if reset_on_success:
        last_ok = session.exec(select(func.max(col(LoginAttempt.created_at))).where(
            *conditions, LoginAttempt.success, LoginAttempt.created_at >= since)).one()
        since = max(since, _aware(last_ok)) if last_ok is not None else since
    count, latest = session.exec(select(func.count(), func.max(col(LoginAttempt.created_at))).where(
        *conditions, ~col(LoginAttempt.success), LoginAttempt.created_at > since)).one()
    return count, _aware(latest)


@overload
def _aware(moment: dt.datetime) -> dt.datetime: ...


@overload
def _aware(moment: dt.datetime | None) -> dt.datetime | None: ...


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def login_wait(session: Session, username: str, ip: str) -> int:
    """Seconds this address must wait before trying this account name again (0: try now).

    Only the account's owner can reset the per-account counts (by logging in); the per-address
    count is not reset by a success, or one valid account would let its holder spray the others."""
    settings = get_settings()
    longest = dt.timedelta(minutes=settings.login_lock_minutes)
    now = utcnow()
    wait = dt.timedelta(0)
    rules = (  # conditions, free failures, longest wait, memory, reset by a success
        ((LoginAttempt.username == username, LoginAttempt.ip == ip), settings.login_max_failures, longest,
         ACCOUNT_MEMORY, True),
        ((LoginAttempt.ip == ip,), ADDRESS_FREE_FAILURES, longest, ADDRESS_MEMORY, False),
        ((LoginAttempt.username == username,), settings.login_max_failures, ACCOUNT_MAX_WAIT, ACCOUNT_MEMORY, True),
    )
    for conditions, free, cap, memory, reset in rules:
        count, latest = _failures(session, conditions, memory, reset)
        if latest is not None:
            wait = max(wait, latest + _wait(count, free, cap) - now)
    return max(0, int(wait.total_seconds() + 0.999))


def authenticate(session: Session, username: str, password: str, ip: str = "") -> StaffUser | None:
    """Check a password; after repeated failures each try must wait longer (LoginThrottled).

    A try refused for waiting is not counted and checks no password, so guessing is held to one
    try per wait however fast it is sent."""
    username, ip = username[:64], ip[:64]
    wait = login_wait(session, username, ip)
    if wait:
        raise LoginThrottled(wait)
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    ok = verify_password(password, user.password_hash if user else None)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(username=username, ip=ip, success=ok))
    if ok and user is not None:
        user.last_login_at = utcnow()
        session.add(user)
        audit(session, user, "login", ip=ip)
    session.commit()
    return user if ok else None


def set_password(session: Session, user: StaffUser, password: str, actor: StaffUser | None = None) -> None:
    """A new password ends every session of the account."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    user.password_hash = hash_password(password)
    user.must_change_password, user.password_changed_at = False, utcnow()
    session.add(user)
    revoke_sessions(session, row_id(user))
    audit(session, actor or user, "user.password", "staffuser", user.id)
    session.commit()


def set_active(session: Session, user: StaffUser, active: bool, actor: StaffUser | None = None) -> None:
    """Deactivating an account ends every session of it at once."""
    user.is_active = active
    session.add(user)
    if not active:
        revoke_sessions(session, row_id(user))
    audit(session, actor or user, "user.activate" if active else "user.deactivate", "staffuser", user.id)
    session.commit()


def set_role(session: Session, user: StaffUser, role: Role | str, communities: list[str], org: str | None,
             actor: StaffUser, display_name: str | None = None, ip: str = "") -> dict:
    """Change an account's role, community scopes (codes or names) and organization; returns what
    changed (audited). A worker keeps at least one community; an organization viewer has one."""
    role = Role(role)
    places = []
    for code in communities:
        place = session.exec(select(Place).where(Place.kind == PlaceKind.community, col(Place.retired_at).is_(None),
                                                 (Place.code == code) | (Place.name == code))).first()
        if place is None:
            raise ValueError(f"unknown community {code!r}")
        places.append(place)
    if role == Role.worker and not places:
        raise ValueError("a community worker needs at least one community")
    org_id = None
    if role == Role.org:
        organization = session.exec(select(Organization).where(Organization.name == (org or ""))).first()
        if organization is None:
            raise ValueError("an organization viewer needs an existing organization")
        org_id = organization.id
    user_id = row_id(user)
    new_name = (display_name or "").strip()[:80] or user.display_name
    new_communities = sorted({row_id(p) for p in places} if role == Role.worker else set())
    before = {"role": user.role, "organization_id": user.organization_id, "display_name": user.display_name,
              "communities": sorted(session.exec(select(StaffCommunity.place_id).where(
                  StaffCommunity.user_id == user_id)))}
    after = {"role": role, "organization_id": org_id, "display_name": new_name, "communities": new_communities}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return {}
    user.role, user.organization_id, user.display_name = role, org_id, new_name
    session.add(user)
    for row in session.exec(select(StaffCommunity).where(StaffCommunity.user_id == user.id)):
        session.delete(row)
    session.flush()
    for place_id in new_communities:
        session.add(StaffCommunity(user_id=user_id, place_id=place_id))
    if "role" in changes or "communities" in changes:
        revoke_sessions(session, user_id)  # what the account may see changed: sign in again
    audit(session, actor, "staff.update", "staffuser", user.id, ip=ip, **changes)
    session.commit()
    return changes


def reset_password(session: Session, user: StaffUser, actor: StaffUser, ip: str = "") -> str:
    """A temporary password for an admin to hand over; it lets its holder in only to choose a new one."""
    import secrets

    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    set_password(session, user, temporary, actor)
    user.must_change_password = True
    session.add(user)
    audit(session, actor, "staff.reset_password", "staffuser", user.id, ip=ip)
    session.commit()
    return temporary
