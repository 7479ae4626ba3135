"""Routers this package adds to the web app (collected by app.main)."""

from fastapi import APIRouter

from open311 import admin, api

routers: list[APIRouter] = [api.router, admin.router]
