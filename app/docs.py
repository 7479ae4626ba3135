"""/docs: the API's Swagger UI from files in the installed fastapi-offline package (pinned in
constraints.txt), never from a CDN, so that it works on an intranet and under our own CSP.
Switched off with API_DOCS=false."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER = Path(fastapi_offline.__file__).resolve().parent / "static"
OWN = Path(__file__).resolve().parent / "static" / "docs"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>community-needs API</title>
<link rel="stylesheet" href="/docs-static/swagger-ui.css"><link rel="icon" href="/docs-static/favicon.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs-static/swagger-ui-bundle.js"></script><script src="/docs-own/init.js"></script>
</body></html>"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """The interactive API description."""
    return HTMLResponse(PAGE)


def install(app: FastAPI) -> None:
    app.mount("/docs-static", StaticFiles(directory=SWAGGER), name="docs_static")
    app.mount("/docs-own", StaticFiles(directory=OWN), name="docs_own")
    app.include_router(router)
