"""Routers this package adds to the web app (collected by app.main)."""

from fastapi import APIRouter

from admin import audit_log, clusters, dashboard, inbox, login, org, planner, projects, static_files, supervision

routers: list[APIRouter] = [
    login.router, static_files.router, inbox.router, dashboard.router, planner.router, projects.router, org.router,
    audit_log.router, clusters.router,  # clusters: demand clusters (nlp/), list, merge, split
    supervision.router,  # 督办: overdue requests and the deadline rules
]
