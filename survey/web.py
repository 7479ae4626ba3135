"""Routers this package adds to the web app (collected by core.app)."""

from fastapi import APIRouter

from survey.api import router as api_router
from survey.public import router as public_router

routers: list[APIRouter] = [public_router, api_router]
