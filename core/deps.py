"""Typed dependencies shared by every router: the database session, the signed-in staff user and
the client's address."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from core.db import get_session
from core.models import Role, StaffUser
from core.security import LoginRequired, session_user
from core.settings import get_settings

SessionDep = Annotated[Session, Depends(get_session)]


def current_user(request: Request, session: SessionDep) -> StaffUser:
    """The staff user of this browser's session; its server-side row must be live (core/security.py)."""
    user = session_user(request, session)
    if user is None:
        raise LoginRequired()
    if user.must_change_password and request.url.path not in (PASSWORD_PAGE, "/logout"):
        raise PasswordChangeRequired()  # a temporary password opens this one page only
    return user


PASSWORD_PAGE = "/account/password"  # noqa: S105 (a page address, not a secret)


class PasswordChangeRequired(Exception):
    """Raised for a user signed in with a temporary password; the app sends them to PASSWORD_PAGE."""


CurrentUser = Annotated[StaffUser, Depends(current_user)]


async def form_data(request: Request) -> FormData:
    """The whole submitted form, for pages whose fields are named by data (one per plan line...).

    Parsing is awaited here so that the route itself can be a plain `def` that runs in the
    thread pool: database work in an `async def` route would stall every other request."""
    return await request.form()


FormDataDep = Annotated[FormData, Depends(form_data)]


def require(*roles: Role):
    """A route dependency that admits only the given roles."""

    def dependency(user: CurrentUser) -> StaffUser:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="not allowed for your role")
        return user

    return Depends(dependency)


@lru_cache(maxsize=8)
def _trusted(setting: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: Request) -> str:
    """The client's address, for audit rows and rate limits: the peer, unless the peer is one of
    TRUSTED_PROXIES; then X-Forwarded-For is read from the right, past every trusted proxy, and the
    first other address is the client. Anything a client writes into the header itself lies to the
    left of what our proxies appended, so it is never reached."""
    peer = request.client.host if request.client else ""
    trusted = _trusted(get_settings().trusted_proxies)
    address = _address(peer)
    if not trusted or address is None or not any(address in net for net in trusted):
        return peer
    hops = [h for value in request.headers.getlist("x-forwarded-for") for h in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed entry: go no further than the last proxy we trust
        if not any(address in net for net in trusted):
            return str(address)
        peer = str(address)
    return peer
