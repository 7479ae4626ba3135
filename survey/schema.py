"""The question schema of a survey (Survey.questions) and of a definition file, checked with pydantic.

Survey.questions is a list of plain dicts, so that the bot, the API and the pages read it without
this module; these models are the one place that says which dicts are valid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

QUESTION_TYPES = ("single", "multiple", "rating", "nps", "likert", "number", "date", "place", "text")
QuestionType = Literal["single", "multiple", "rating", "nps", "likert", "number", "date", "place", "text"]
PURPOSES = ("needs", "satisfaction", "participation")
OTHER = "_other"  # the option value that stands for "other, please specify"

# the default Likert scale: 1 = strongly disagree … 5 = strongly agree
LIKERT_SCALE: list[dict[str, Any]] = [
    {"value": "1", "label": {"zh": "很不同意", "en": "Strongly disagree"}},
    {"value": "2", "label": {"zh": "不同意", "en": "Disagree"}},
    {"value": "3", "label": {"zh": "一般", "en": "Neutral"}},
    {"value": "4", "label": {"zh": "同意", "en": "Agree"}},
    {"value": "5", "label": {"zh": "很同意", "en": "Strongly agree"}},
]


class Text(BaseModel):
    """A text in Chinese and English; English falls back to Chinese where missing."""

    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1, max_length=1000)
    en: str = Field(default="", max_length=1000)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
    label: Text


class ShowIf(BaseModel):
    """Show a question only when an earlier answer equals a value (or is one of several)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    question: str
    equals: str | int | float | None = None
    in_: list[str | int | float] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_condition(self):
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("show_if needs exactly one of 'equals' or 'in'")
        return self


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    type: QuestionType
    label: Text
    help: Text | None = None
    required: bool = False
    options: list[Option] = Field(default_factory=list)  # single/multiple; likert: the scale columns
    other: bool = False  # single/multiple: "other, please specify"
    rows: list[Option] = Field(default_factory=list)  # likert statements
    min: float | None = None  # number
    max: float | None = None
    show_if: ShowIf | None = None
    # optional keys
    max_length: int = Field(default=1000, ge=1, le=2000)  # text
    intake: bool = True  # text: a need expressed here becomes a request
    feeds_project: bool | None = None  # rating: counts as satisfaction with the survey's project
    max_choices: int | None = Field(default=None, ge=1)  # multiple

    @model_validator(mode="after")
    def _fits_type(self):
        if self.type in ("single", "multiple") and len(self.options) < 2 and not (self.options and self.other):
            raise ValueError(f"question {self.id}: a choice question needs at least two options")
        if self.type == "likert" and not self.rows:
            raise ValueError(f"question {self.id}: a Likert matrix needs rows")
        if self.other and self.type not in ("single", "multiple"):
            raise ValueError(f"question {self.id}: 'other' applies to choice questions only")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values) or OTHER in values:
            raise ValueError(f"question {self.id}: option values must be unique (and not {OTHER})")
        rows = [r.value for r in self.rows]
        if len(set(rows)) != len(rows):
            raise ValueError(f"question {self.id}: row values must be unique")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"question {self.id}: min is above max")
        return self

    def scale(self) -> list[Option]:
        """Likert columns: the question's own options, else the five-point agreement scale."""
        return self.options or [Option.model_validate(o) for o in LIKERT_SCALE]


def check_questions(questions: list) -> list[Question]:
    """Validate a whole question list: each question, unique ids, skip logic pointing backwards."""
    parsed = [Question.model_validate(q) for q in questions]
    seen: dict[str, Question] = {}
    for q in parsed:
        if q.id in seen:
            raise ValueError(f"question id {q.id!r} is used twice")
        if q.show_if is not None:
            target = seen.get(q.show_if.question)
            if target is None:
                raise ValueError(f"question {q.id}: show_if must refer to an earlier question")
            if target.type in ("single", "multiple"):
                allowed = {o.value for o in target.options} | ({OTHER} if target.other else set())
                wanted = [q.show_if.equals] if q.show_if.in_ is None else q.show_if.in_
                if any(str(v) not in allowed for v in wanted):
                    raise ValueError(f"question {q.id}: show_if names an option {target.id} does not have")
        seen[q.id] = q
    return parsed


class SurveyDefinition(BaseModel):
    """A survey as a file: what `needs survey import|export` and the admin pages read and write."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["community-needs-survey/1"] = "community-needs-survey/1"
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")
    title: Text
    description: Text | None = None
    purpose: Literal["needs", "satisfaction", "participation"] = "needs"
    anonymous: bool = True
    one_response_per_resident: bool = False
    target_places: list[str] = Field(default_factory=list, description="place codes; empty: everyone")
    project: str | None = Field(default=None, description="service project name (satisfaction surveys)")
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    questions: list[dict] = Field(min_length=1, max_length=100)

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[dict]) -> list[dict]:
        return [q.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True) | {"id": q.id, "type": q.type}
                for q in check_questions(value)]

    @model_validator(mode="after")
    def _dates(self):
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValueError("closes_at must be after opens_at")
        return self
