"""Typed dependencies shared by every router: the database session and the signed-in staff user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from core.db import get_session
from core.models import Role, StaffUser
from core.security import LoginRequired

SessionDep = Annotated[Session, Depends(get_session)]


def current_user(request: Request, session: SessionDep) -> StaffUser:
    uid = request.session.get("uid")
    user = session.get(StaffUser, uid) if uid else None
    if user is None or not user.is_active:
        raise LoginRequired()
    return user


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
