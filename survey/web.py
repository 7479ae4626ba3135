"""Routers this package adds to the web app (collected by app.main)."""

from pathlib import Path

from fastapi import APIRouter

from survey.admin import router as admin_router
from survey.api import router as api_router
from survey.public import router as public_router

routers: list[APIRouter] = [public_router, api_router, admin_router]
# served at /survey-static by the application (a StaticFiles mount)
STATIC = Path(__file__).resolve().parent / "static"
