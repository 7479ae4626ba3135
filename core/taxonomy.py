"""Service categories: a data file (data/categories.csv) synchronised into the category table."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from core.i18n import translator
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
            session.add(Category(sort_order=order, updated_at=utcnow(), code=row["code"], name_zh=row["name_zh"],
                                 name_en=row["name_en"], description=row["description"],
                                 vulnerable=row.get("vulnerable", "").strip().lower() == "true"))
            added += 1
    session.commit()
    return added


def categories(session: Session) -> list[Category]:
    """Every category, in the order of the taxonomy (retired ones too: old requests keep theirs)."""
    return list(session.exec(select(Category).order_by(col(Category.sort_order), col(Category.code))))


def category_name(category: Category, language: str) -> str:
    return category.name_en if language == "en" else category.name_zh


def category_names(session: Session, language: str = "zh") -> dict[str | None, str]:
    """Code → name in the language, and None → "unclassified", the one lookup every page uses."""
    name = col(Category.name_en) if language == "en" else col(Category.name_zh)
    # plain rows, not Category objects: every page asks, and it is a third of a small page's queries
    names: dict[str | None, str] = dict(session.exec(
        select(col(Category.code), name).order_by(col(Category.sort_order), col(Category.code))).all())
    names[None] = translator(language).gettext("unclassified")
    return names


def vulnerable_categories(session: Session) -> list[str]:
    """Codes of the categories that serve vulnerable groups (an admin's flag on the category)."""
    return list(session.exec(select(Category.code).where(Category.vulnerable)))
