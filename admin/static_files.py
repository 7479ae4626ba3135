"""Serves admin/static (the staff stylesheet) without a mount, so it ships with the routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent / "static"
router = APIRouter(include_in_schema=False)
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".txt": "text/plain"}


@router.get("/admin/static/{name}")
def static_file(name: str):
    """Only plain file names from admin/static: no paths, no directory listing."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(path, media_type=TYPES[path.suffix], headers={"Cache-Control": "public, max-age=3600"})
