"""Routers this package adds to the web app (collected by app.main)."""

from pathlib import Path

from fastapi import APIRouter

from admin import (
    audit_log,
    categories,
    clusters,
    dashboard,
    imports,
    inbox,
    jobs,
    login,
    org,
    organizations,
    places,
    planner,
    projects,
    staff,
    street,
    supervision,
)

routers: list[APIRouter] = [
    login.router, inbox.router, dashboard.router, planner.router, projects.router, org.router,
    audit_log.router, clusters.router,  # clusters: demand clusters (nlp/), list, merge, split
    supervision.router,  # 督办: overdue requests and the deadline rules
    # the street's own data (admins): places and their import, staff, organizations, categories, records
    street.router, imports.router, places.router, staff.router, organizations.router, categories.router,
    jobs.router,
]
# served at /admin/static by the application (a StaticFiles mount)
STATIC = Path(__file__).resolve().parent / "static"
