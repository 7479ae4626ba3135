"""Button data as typed values: what every button of the bot carries, read back in one place.

Each value knows its wire form (`.data`, at most Telegram's 64 bytes) and `parse` turns a wire
form back into a value, or None for data no button of ours carries (the engine then answers
"this button has expired"). The wire forms must not change: buttons sent by earlier versions stay
in residents' chats and may be pressed after an upgrade.

| value                      | wire form             | sent by                 |
|----------------------------|-----------------------|-------------------------|
| `CategoryChoice("ok")`     | `c:ok`, `c:pick`, `c:<code>` | flows/intake      |
| `PlaceChoice(7)`           | `p:7`, `p:skip`       | flows/intake            |
| `CommunityChoice(3)`       | `pc:3`                | flows/intake            |
| `ConsentAnswer("yes")`     | `k:yes`, `k:no`, `k:skip` | flows/intake        |
| `Rate(12, 4)`              | `r:12:4`              | bot/outbox (rating prompt) |
| `SkipComment()`            | `r:skip`              | flows/rating            |
| `DeleteAnswer(True)`       | `d:yes`, `d:no`       | flows/privacy           |
| `PickSurvey(5)`            | `s:5`                 | flows/survey            |
| `Answer(2, "meal")`        | `a:2:meal`            | flows/survey            |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: int() must not fail on "²"


@dataclass(frozen=True)
class CategoryChoice:
    """The category shown is right ("ok"), show me the list ("pick"), or this category's code."""

    choice: str
    OK: ClassVar[str] = "ok"
    PICK: ClassVar[str] = "pick"

    @property
    def data(self) -> str:
        return f"c:{self.choice}"


@dataclass(frozen=True)
class PlaceChoice:
    """The compound (or grid) it happened in; None is "not sure"."""

    place_id: int | None

    @property
    def data(self) -> str:
        return f"p:{'skip' if self.place_id is None else self.place_id}"


@dataclass(frozen=True)
class CommunityChoice:
    """Narrow the compound buttons to one community (when there are too many to show)."""

    community_id: int

    @property
    def data(self) -> str:
        return f"pc:{self.community_id}"


@dataclass(frozen=True)
class ConsentAnswer:
    """Leave a phone number ("yes"), do not ("no"), or skip typing it ("skip")."""

    answer: Literal["yes", "no", "skip"]

    @property
    def data(self) -> str:
        return f"k:{self.answer}"


@dataclass(frozen=True)
class Rate:
    """A 1–5 score for one of the resident's requests."""

    request_id: int
    score: int

    @property
    def data(self) -> str:
        return f"r:{self.request_id}:{self.score}"


@dataclass(frozen=True)
class SkipComment:
    """No comment to go with the score just given."""

    @property
    def data(self) -> str:
        return "r:skip"


@dataclass(frozen=True)
class DeleteAnswer:
    """Erase my personal data (confirmed) or keep it."""

    confirmed: bool

    @property
    def data(self) -> str:
        return f"d:{'yes' if self.confirmed else 'no'}"


@dataclass(frozen=True)
class PickSurvey:
    """Start answering this survey."""

    survey_id: int

    @property
    def data(self) -> str:
        return f"s:{self.survey_id}"


@dataclass(frozen=True)
class Answer:
    """A button of the survey question at this position: an option, a number, skip or done."""

    question: int  # position in the survey, so a press on an earlier question's button is recognised
    value: str

    @property
    def data(self) -> str:
        return f"a:{self.question}:{self.value}"


Press = (CategoryChoice | PlaceChoice | CommunityChoice | ConsentAnswer | Rate | SkipComment | DeleteAnswer
         | PickSurvey | Answer)


def parse(data: str) -> Press | None:
    """The typed value of a button's data, or None for data none of our buttons carries."""
    prefix, _, value = data.partition(":")
    if prefix == "c":
        return CategoryChoice(value)  # checked against the categories by the flow
    if prefix == "p":
        if value == "skip":
            return PlaceChoice(None)
        return PlaceChoice(int(value)) if _ID.fullmatch(value) else None
    if prefix == "pc":
        return CommunityChoice(int(value)) if _ID.fullmatch(value) else None
    if prefix == "k":
        return ConsentAnswer(value) if value in ("yes", "no", "skip") else None  # type: ignore[arg-type]
    if prefix == "r":
        if value == "skip":
            return SkipComment()
        request_id, _, score = value.partition(":")
        if _ID.fullmatch(request_id) and _ID.fullmatch(score) and 1 <= int(score) <= 5:
            return Rate(int(request_id), int(score))
        return None
    if prefix == "d":
        return DeleteAnswer(value == "yes")  # anything but "yes" keeps the data
    if prefix == "s":
        return PickSurvey(int(value)) if _ID.fullmatch(value) else None
    if prefix == "a":
        question, _, answer = value.partition(":")
        return Answer(int(question), answer) if _ID.fullmatch(question) else None
    return None
