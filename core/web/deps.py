"""Typed dependencies shared by every router."""

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from core.db import get_session

SessionDep = Annotated[Session, Depends(get_session)]
