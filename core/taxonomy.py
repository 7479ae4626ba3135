"""Service categories: a data file (data/categories.csv) synchronised into the category table."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from core.models import Category, utcnow

CATEGORIES_CSV = Path(__file__).resolve().parent / "data" / "categories.csv"
KINDS = ("need", "complaint", "suggestion", "inquiry", "praise")


@lru_cache
def default_categories() -> tuple[dict[str, str], ...]:
    with CATEGORIES_CSV.open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def category_codes() -> list[str]:
    return [row["code"] for row in default_categories()]


def sync_categories(session: Session) -> int:
    """Insert categories missing from the table; rows edited by admins are left as they are."""
    added = 0
    for order, row in enumerate(default_categories()):
        if session.get(Category, row["code"]) is None:
            session.add(Category(sort_order=order, updated_at=utcnow(), **row))
            added += 1
    session.commit()
    return added


def category_names(session: Session, language: str = "zh") -> dict[str, str]:
    from sqlmodel import select

    rows = session.exec(select(Category)).all()
    return {c.code: (c.name_zh if language == "zh" else c.name_en) for c in rows}
