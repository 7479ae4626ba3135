"""How heavy and how fast the public survey page is: what a weak phone on a slow network downloads.

    .venv/bin/python bench/survey_page.py [--n 200]

Serves a temp SQLite database with the three ready templates published, then prints for each the
HTML size (raw and gzip), the size of the page's own CSS and JavaScript, and the median and p99
time to render the page over HTTP (one client, after a warm-up).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _support import serve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()

    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from survey.io import publish_templates
    from tests.factories import make_places

    tmp = Path(tempfile.mkdtemp(prefix="needs-survey-page-"))
    url = f"sqlite:///{tmp / 'page.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        sync_categories(s)
        make_places(s)
        slugs = [survey.slug for survey in publish_templates(s)]
    with serve(url, tmp / "var") as base:
        with httpx.Client(base_url=base) as c:
            assets = {name: len(c.get(f"/survey-static/{name}").content) for name in ("survey.css", "survey.js")}
            assets["app.css"] = len(c.get("/static/app.css").content)
            print("assets (bytes, uncompressed): " + ", ".join(f"{k} {v}" for k, v in assets.items()))
            for slug in slugs:
                html = c.get(f"/s/{slug}").content
                lat = []
                for _ in range(args.n):
                    t0 = time.perf_counter()
                    r = c.get(f"/s/{slug}")
                    lat.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200
                lat.sort()
                print(f"/s/{slug:24s} html {len(html):6d} B (gzip {len(gzip.compress(html)):5d} B)  "
                      f"render p50={statistics.median(lat):.1f} ms p99={lat[int(0.99 * len(lat)) - 1]:.1f} ms")
            qr = []
            for _ in range(20):
                t0 = time.perf_counter()
                c.get(f"/s/{slugs[0]}/qr.png")
                qr.append((time.perf_counter() - t0) * 1000)
            print(f"qr.png p50={statistics.median(qr):.1f} ms")


if __name__ == "__main__":
    main()
