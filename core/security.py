"""Password hashing, the staff session and CSRF tokens: the pieces every web route builds on."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Form, HTTPException, Request
from pwdlib import PasswordHash

from core.models import StaffUser

_hasher = PasswordHash.recommended()  # argon2id
_DUMMY_HASH = _hasher.hash("timing-equaliser")


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
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")


async def csrf_protect(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    """Dependency for every form POST."""
    check_csrf(request, csrf_token)


def login_session(request: Request, user: StaffUser) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session["uid"] = user.id
    csrf_token(request)
