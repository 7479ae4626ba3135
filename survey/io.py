"""Survey definitions as files: import, export, the ready templates, publishing, token links."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session, col, select

from core.db import row_id
from core.models import Place, ServiceProject, Survey, utcnow
from core.settings import get_settings
from survey.schema import SurveyDefinition, Text
from survey.service import SurveyError

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
TEMPLATES = ("community-needs", "project-satisfaction", "resident-participation")


def template_definition(name: str) -> SurveyDefinition:
    """One of the three ready templates."""
    if name not in TEMPLATES:
        raise SurveyError("not_found")
    return parse_definition((DEFINITIONS / f"{name}.json").read_text(encoding="utf-8"))


def parse_definition(data: str | bytes | dict) -> SurveyDefinition:
    """Read a definition file; a clear SurveyError("bad_definition") for anything wrong in it."""
    try:
        raw = json.loads(data) if isinstance(data, (str, bytes)) else data
        return SurveyDefinition.model_validate(raw)
    except json.JSONDecodeError as exc:
        raise SurveyError("bad_definition", detail=f"not JSON (line {exc.lineno}: {exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise SurveyError("bad_definition", detail="not UTF-8 text") from exc
    except RecursionError as exc:
        raise SurveyError("bad_definition", detail="nested too deeply") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SurveyError("bad_definition", detail=f"{where}: {first['msg']}"[:300]) from exc


def error_text(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"[:300]


def _place_ids(session: Session, codes: list[str]) -> list[int]:
    ids: list[int] = []
    for code in codes:
        place = session.exec(select(Place).where(Place.code == code)).first()
        if place is None:
            raise SurveyError("bad_definition", detail=f"unknown place code {code!r}")
        ids.append(row_id(place))
    return ids


def apply_definition(session: Session, definition: SurveyDefinition, survey: Survey | None = None, *,
                     slug: str | None = None, project_id: int | None = None) -> Survey:
    """Create a survey from a definition, or replace an existing survey's definition (not its status)."""
    slug = slug or definition.slug
    clash = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if clash is not None and (survey is None or clash.id != survey.id):
        raise SurveyError("bad_definition", detail=f"a survey with the address {slug!r} exists already")
    if project_id is None and definition.project:
        project = session.exec(select(ServiceProject).where(ServiceProject.name == definition.project)).first()
        if project is None:
            raise SurveyError("bad_definition", detail=f"unknown service project {definition.project!r}")
        project_id = project.id
    survey = survey or Survey(slug=slug, title="", status="draft")
    survey.slug = slug
    survey.title, survey.title_en = definition.title.zh, definition.title.en
    survey.description = definition.description.zh if definition.description else ""
    survey.description_en = definition.description.en if definition.description else ""
    survey.purpose = definition.purpose
    survey.anonymous = definition.anonymous
    survey.one_response_per_resident = definition.one_response_per_resident
    survey.target_place_ids = _place_ids(session, definition.target_places)
    survey.opens_at, survey.closes_at = definition.opens_at, definition.closes_at
    survey.project_id = project_id
    survey.questions = definition.questions
    return survey


def export_definition(session: Session, survey: Survey) -> dict:
    """The survey as a definition file (place codes and project name, not database ids)."""
    codes = []
    for pid in survey.target_place_ids or []:
        place = session.get(Place, pid)
        if place is not None:
            codes.append(place.code)
    project = session.get(ServiceProject, survey.project_id) if survey.project_id else None
    definition = SurveyDefinition(
        slug=survey.slug, title=Text(zh=survey.title, en=survey.title_en or ""),
        description=Text(zh=survey.description, en=survey.description_en or "") if survey.description else None,
        purpose=survey.purpose, anonymous=survey.anonymous,
        one_response_per_resident=survey.one_response_per_resident, target_places=codes,
        project=project.name if project else None, opens_at=survey.opens_at, closes_at=survey.closes_at,
        questions=survey.questions)
    return definition.model_dump(mode="json", exclude_none=True)


def publish_templates(session: Session, project_id: int | None = None) -> list[Survey]:
    """Publish the three ready templates as open surveys (once; a second call changes nothing)."""
    out = []
    for name in TEMPLATES:
        survey = session.exec(select(Survey).where(Survey.slug == name)).first()
        if survey is None:
            survey = apply_definition(session, template_definition(name),
                                      project_id=project_id if name == "project-satisfaction" else None)
            survey.status = "open"
            survey.opens_at = survey.opens_at or utcnow()
            session.add(survey)
            session.commit()
            session.refresh(survey)
        out.append(survey)
    return out


# --- token links: one response per resident without accounts --------------------------------------

def _token_mac(survey_id: int, number: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"survey-token:{survey_id}:{number}".encode(), hashlib.sha256).hexdigest()[:16]


def make_token(survey_id: int, number: int) -> str:
    """The n-th personal token of a survey: anyone holding it can answer once."""
    return f"{number}-{_token_mac(survey_id, number)}"


def check_token(survey_id: int, token: str | None) -> str | None:
    """The respondent key of a valid token, else None."""
    if not token or len(token) > 40 or "-" not in token:
        return None
    number, mac = token.split("-", 1)
    if not number.isdigit() or not hmac.compare_digest(mac, _token_mac(survey_id, int(number))):
        return None
    return f"token:{int(number)}"


def client_hash(address: str) -> str:
    """A keyed hash of a client address: enough to rate-limit, useless to identify anyone."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def publish_demo(session: Session, wishes: list[str], responses: int = 60, seed: int = 7) -> list[Survey]:
    """`needs demo`: the three templates as open surveys, the satisfaction one for the first project,
    with a few dozen answers so that the results pages have something to show."""
    import random

    from survey.service import SurveyError as _Refused
    from survey.service import submit_response

    project = session.exec(select(ServiceProject).order_by(col(ServiceProject.id))).first()
    surveys = publish_templates(session, project_id=project.id if project else None)
    compounds = session.exec(select(Place).where(Place.kind == "compound")).all()
    if not compounds:
        return surveys
    rnd = random.Random(seed)  # noqa: S311 (demo data, not security)
    needs, satisfaction = surveys[0], surveys[1]
    # residents' own words (`wishes`, from the seed set), plus the blanks and "nothing" answers real surveys get
    wishes = rnd.sample(wishes, min(30, len(wishes))) + ["", "", "", "无"] * 6
    for i in range(responses):
        place = rnd.choice(compounds)
        try:
            submit_response(session, needs, {
                "home": place.id, "age": rnd.choice(["18_44", "45_59", "60_79", "80p"]),
                "household": rnd.randint(1, 5), "services": rnd.sample(
                    ["elderly_meals", "elderly_care", "child_care", "health", "culture", "repairs"], 2),
                "meal_days": rnd.choice(["1_2", "3_5", "7"]), "current": rnd.choice([2, 3, 4, 4, 5]),
                "need": rnd.choice(wishes)}, respondent_key=f"demo:{i}", channel="web")
            if i % 2 == 0:
                used = rnd.random() < 0.8
                submit_response(session, satisfaction, {
                    "used": "yes" if used else "no", "overall": rnd.choices([2, 3, 4, 5], [1, 2, 4, 4])[0],
                    "aspects": {"on_time": rnd.randint(3, 5), "staff": rnd.randint(3, 5), "useful": rnd.randint(2, 5)},
                    "recommend": rnd.randint(5, 10), "why_not": "unaware", "home": place.id},
                    respondent_key=f"demo:{i}", channel="web")
        except _Refused:  # already there from an earlier run
            continue
    return surveys
