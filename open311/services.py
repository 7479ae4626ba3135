"""Our categories as Open311 services: one service per active category, its questions (the
category's `attributes`) as the service definition, and the check of a client's answers.

A category's attributes are a list of objects like
  {"code": "building", "datatype": "string", "required": false, "order": 1,
   "description_zh": "楼号", "description_en": "Building",
   "values": [{"key": "1", "name_zh": "一号楼", "name_en": "Building 1"}]}
with the datatypes of the specification (string, number, datetime, text, singlevaluelist,
multivaluelist). docs/open311.md shows how to set them.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlmodel import Session, col, select

from core.i18n import N_, gettext
from core.models import Category

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAX_ANSWER = 500
# A two-level menu for clients that show one: groups of the shared taxonomy's codes. A category
# added later falls in "other" until it is placed here.
GROUPS = {
    N_("Services for people"): ("elderly_care", "child_youth", "disability", "health", "social_assistance",
                                "employment", "legal_mediation"),
    N_("Living environment"): ("facility_repair", "environment", "parking_traffic", "safety", "property_management"),
    N_("Community life"): ("culture_sports", "convenience", "participation"),
}
OTHER_GROUP = N_("Other services")
_GROUP_OF = {code: group for group, codes in GROUPS.items() for code in codes}


def active_categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).where(Category.active).order_by(col(Category.sort_order), col(Category.code))))


def category(session: Session, code: str | None) -> Category | None:
    found = session.get(Category, code) if code else None
    return found if found is not None and found.active else None


def name_of(c: Category, lang: str) -> str:
    return c.name_en if lang == "en" else c.name_zh


def keywords_of(c: Category) -> str:
    words = [w.strip() for w in re.split(r"[、/，,（）()]", c.description) if w.strip()]
    return ",".join(words)


def service(c: Category, lang: str) -> dict:
    return {
        "service_code": c.code,
        "service_name": name_of(c, lang),
        "description": c.description or None,
        "metadata": bool(c.attributes),
        "type": "realtime",
        "keywords": keywords_of(c) or None,
        "group": gettext(lang)(_GROUP_OF.get(c.code, OTHER_GROUP)),
    }


def _attribute(a: dict, lang: str, position: int) -> dict:
    datatype = a.get("datatype") if a.get("datatype") in DATATYPES else "string"
    out = {
        "variable": bool(a.get("variable", True)),
        "code": str(a.get("code", "")),
        "datatype": datatype,
        "required": bool(a.get("required", False)),
        "datatype_description": a.get(f"datatype_description_{lang}") or None,
        "order": int(a.get("order") or position),
        "description": a.get(f"description_{lang}") or a.get("description_zh") or None,
    }
    if datatype in LISTS:
        out["values"] = [{"key": str(v.get("key", "")), "name": str(v.get(f"name_{lang}") or v.get("name_zh") or "")}
                         for v in a.get("values", [])]
    return out


def definition(c: Category, lang: str) -> dict:
    return {"service_code": c.code,
            "attributes": [_attribute(a, lang, i) for i, a in enumerate(c.attributes or [], start=1)]}


class AnswerError(ValueError):
    """A client's answers refused: `message` is a catalogue message with an {attribute} field."""

    def __init__(self, message: str, attribute: str):
        self.message, self.attribute = message, attribute
        super().__init__(message.format(attribute=attribute))


_REQUIRED = N_("required attribute missing: {attribute}")
_INVALID = N_("invalid attribute value: {attribute}")


def check_answers(c: Category | None, answers: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The client's answers to the category's questions, as (question, answer) lines in the
    order asked; unknown questions are ignored, a missing required one or a bad value refused."""
    if c is None:
        return []
    lines = []
    for a in sorted(c.attributes or [], key=lambda a: a.get("order") or 0):
        code = str(a.get("code", ""))
        if not a.get("variable", True):
            continue
        given = [v.strip() for v in answers.get(code, []) if v.strip()]
        if not given:
            if a.get("required"):
                raise AnswerError(_REQUIRED, code)
            continue
        datatype = a.get("datatype", "string")
        if datatype != "multivaluelist":
            given = given[:1]
        if any(len(v) > MAX_ANSWER for v in given):
            raise AnswerError(_INVALID, code)
        if datatype == "number" and not all(_is_number(v) for v in given):
            raise AnswerError(_INVALID, code)
        if datatype == "datetime" and not all(_is_datetime(v) for v in given):
            raise AnswerError(_INVALID, code)
        if datatype in LISTS:
            names = {str(v.get("key")): str(v.get("name_zh") or v.get("key")) for v in a.get("values", [])}
            if any(v not in names for v in given):
                raise AnswerError(_INVALID, code)
            given = [names[v] for v in given]
        lines.append((str(a.get("description_zh") or code), "、".join(given)))
    return lines


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
