"""Routers this package adds to the web app (collected by core.app)."""

from fastapi import APIRouter

from admin.routes import router

routers: list[APIRouter] = [router]
