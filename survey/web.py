"""Routers this package adds to the web app (collected by core.app)."""

from fastapi import APIRouter

routers: list[APIRouter] = []
