"""Surveys for tests (and benchmarks): one question of every type, with skip logic."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from core.models import Survey

ALL_TYPES = [
    {"id": "age", "type": "single", "required": True, "label": {"zh": "您的年龄段", "en": "Your age group"},
     "options": [{"value": "u35", "label": {"zh": "35岁以下", "en": "Under 35"}},
                 {"value": "o60", "label": {"zh": "60岁及以上", "en": "60 or over"}}]},
    {"id": "elder_help", "type": "multiple", "other": True, "label": {"zh": "需要哪些助老服务", "en": "Which elder services"},
     "show_if": {"question": "age", "equals": "o60"},
     "options": [{"value": "meal", "label": {"zh": "助餐", "en": "Meals"}},
                 {"value": "bath", "label": {"zh": "助浴", "en": "Bathing"}}]},
    {"id": "overall", "type": "rating", "required": True, "label": {"zh": "总体满意度", "en": "Overall satisfaction"}},
    {"id": "recommend", "type": "nps", "label": {"zh": "推荐意愿", "en": "Would you recommend"}},
    {"id": "agree", "type": "likert", "label": {"zh": "您是否同意", "en": "Do you agree"},
     "rows": [{"value": "safe", "label": {"zh": "小区安全", "en": "The compound is safe"}},
              {"value": "clean", "label": {"zh": "环境整洁", "en": "It is clean"}}]},
    {"id": "household", "type": "number", "min": 1, "max": 20, "label": {"zh": "家庭人数", "en": "Household size"}},
    {"id": "since", "type": "date", "label": {"zh": "入住日期", "en": "Moved in on"}},
    {"id": "home", "type": "place", "label": {"zh": "所在小区", "en": "Your compound"}},
    {"id": "need", "type": "text", "label": {"zh": "您最需要什么服务", "en": "What do you need most"}},
]


def make_survey(session: Session, *, questions: list | None = None, status: str = "open", slug: str = "all-types",
                **kw) -> Survey:
    survey = Survey(slug=slug, title=kw.pop("title", "测试问卷"), title_en=kw.pop("title_en", "Test survey"),
                    questions=questions if questions is not None else ALL_TYPES, status=status, **kw)
    session.add(survey)
    session.commit()
    session.refresh(survey)
    return survey


def past(days: int = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def future(days: int = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
