"""Password hashing, the staff session, CSRF tokens and safe links: the pieces every web route builds on.

The session cookie is signed (Starlette's SessionMiddleware) but carries only a random session id;
the session itself is a `StaffSession` row, so that it can end before its cookie does: logging
out, a new password and a deactivated account revoke every session of that account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Form, HTTPException, Request
from pwdlib import PasswordHash
from sqlmodel import Session, col, select, update

from core.db import row_id
from core.models import StaffSession, StaffUser, utcnow
from core.settings import get_settings

_hasher = PasswordHash.recommended()  # argon2id
_DUMMY_HASH = _hasher.hash("timing-equaliser")
SEEN_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often per session


class LoginRequired(Exception):
    """Raised by route dependencies; the app turns it into a redirect to /login."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash (unknown user) do the same work and say no."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    # compared as bytes: compare_digest refuses non-ASCII str, and a forged token may be anything
    if not expected or not token or not hmac.compare_digest(expected.encode(), token.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")


async def csrf_protect(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    """Dependency for every form POST."""
    check_csrf(request, csrf_token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_session(request: Request, session: Session, user: StaffUser, ip: str = "") -> None:
    """Start a new session for `user` (a fresh cookie on login: no fixation). The caller commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(token_hash=_digest(token), user_id=row_id(user), created_at=now, last_seen_at=now,
                             expires_at=now + dt.timedelta(hours=get_settings().session_hours), ip=ip[:64]))
    request.session.clear()
    request.session["sid"] = token
    csrf_token(request)


def session_user(request: Request, session: Session) -> StaffUser | None:
    """The active user of a live (unrevoked, unexpired) session, or None."""
    token = request.session.get("sid")
    if not isinstance(token, str) or not token:
        return None
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == _digest(token))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return user


def revoke_sessions(session: Session, user_id: int) -> int:
    """End every live session of an account; returns how many. The caller commits."""
    result = session.exec(update(StaffSession).where(col(StaffSession.user_id) == user_id,
                                                     col(StaffSession.revoked_at).is_(None)).values(revoked_at=utcnow()))
    return result.rowcount


def end_session(request: Request, session: Session) -> None:
    """Log out: every session of this browser's account ends, on every device."""
    token = request.session.get("sid")
    if isinstance(token, str) and token:
        row = session.exec(select(StaffSession).where(StaffSession.token_hash == _digest(token))).first()
        if row is not None:
            revoke_sessions(session, row.user_id)
            session.commit()
    request.session.clear()


def is_local_path(target: str | None) -> bool:
    """A path on this site: "/x", never "//host" or "/\\host" (browsers read both as another host)."""
    if not target:
        return False
    return target.startswith("/") and not target.startswith(("//", "/\\")) \
        and not any(c in target for c in "\r\n\t\\")


def document_link(reference: str | None) -> str | None:
    """A round document's reference as a link, when it is one: an http(s) URL or a path on this site."""
    reference = (reference or "").strip()
    if reference.lower().startswith(("http://", "https://")) or is_local_path(reference):
        return reference
    return None
