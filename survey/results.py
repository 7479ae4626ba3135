"""Results of a survey: responses filtered by community and date, per-question summaries, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from core.db import row_id
from core.i18n import translator
from core.localtime import format_local, start_of_day
from core.models import Place, Rating, ServiceRequest, Survey, SurveyResponse
from core.places import community_of
from core.redact import redact
from survey.schema import OTHER, Question
from survey.service import questions_of

TEXT_SAMPLE = 50  # free-text answers listed on the results page (all of them are in the exports)


@dataclass
class Filters:
    community: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    scope: list[int] | None = None  # the communities a worker may read; None: everything


@dataclass
class Summary:
    question: Question
    label: str
    answered: int = 0
    bars: list[tuple[str, int, float]] = field(default_factory=list)  # label, count, share of answered
    stats: dict[str, float | int | str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)  # likert rows: label, n, mean, bars
    texts: list[tuple[str, str | None]] = field(default_factory=list)  # text, ticket


def community_map(session: Session) -> dict[int, int | None]:
    return {row_id(p): community_of(session, row_id(p)) for p in session.exec(select(Place)).all()}


def responses(session: Session, survey: Survey, filters: Filters) -> list[SurveyResponse]:
    stmt = select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    if filters.date_from:
        stmt = stmt.where(SurveyResponse.created_at >= start_of_day(filters.date_from))  # the street's days
    if filters.date_to:
        end = start_of_day(filters.date_to + dt.timedelta(days=1))
        stmt = stmt.where(SurveyResponse.created_at < end)
    rows = session.exec(stmt.order_by(col(SurveyResponse.created_at), col(SurveyResponse.id))).all()
    if filters.community is None and filters.scope is None:
        return list(rows)
    communities = community_map(session)
    out = []
    for r in rows:
        community = communities.get(r.place_id) if r.place_id else None
        if filters.scope is not None and community not in filters.scope:
            continue  # a worker reads only the responses from their communities
        if filters.community is not None and community != filters.community:
            continue
        out.append(r)
    return out


def _bars(counter: Counter, labels: Sequence[tuple[object, str]], answered: int) -> list[tuple[str, int, float]]:
    return [(label, counter.get(value, 0), counter.get(value, 0) / answered if answered else 0.0)
            for value, label in labels]


def summarize(session: Session, survey: Survey, rows: list[SurveyResponse], lang: str) -> list[Summary]:
    out = []
    places = {p.id: p.name for p in session.exec(select(Place)).all()}
    for q in questions_of(survey):
        values = [r.answers[q.id] for r in rows if q.id in r.answers]
        s = Summary(question=q, label=q.label.get(lang), answered=len(values))
        if q.type in ("single", "multiple"):
            counter = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
            labels = [(o.value, o.label.get(lang)) for o in q.options]
            if q.other:
                labels.append((OTHER, translator(lang).pgettext("results", "Other")))
                others: list[tuple[str, str | None]] = [(redact(r.answers[f"{q.id}_other"]), None) for r in rows
                                                        if f"{q.id}_other" in r.answers]
                s.texts = others[-TEXT_SAMPLE:]
            s.bars = _bars(counter, labels, len(values))
        elif q.type in ("rating", "nps"):
            counter = Counter(values)
            points = range(1, 6) if q.type == "rating" else range(0, 11)
            s.bars = _bars(counter, [(n, str(n)) for n in points], len(values))
            if values:
                s.stats = {"mean": round(statistics.fmean(values), 2), "median": statistics.median(values)}
                if q.type == "nps":
                    promoters = sum(v >= 9 for v in values) / len(values)
                    detractors = sum(v <= 6 for v in values) / len(values)
                    s.stats["nps"] = round(100 * (promoters - detractors))
        elif q.type == "likert":
            scale = [(o.value, o.label.get(lang)) for o in q.scale()]
            for row in q.rows:
                cells = [v[row.value] for v in values if isinstance(v, dict) and row.value in v]
                counter = Counter(str(c) for c in cells)
                numeric = [c for c in cells if isinstance(c, int)]
                s.rows.append({"label": row.label.get(lang), "n": len(cells),
                               "mean": round(statistics.fmean(numeric), 2) if numeric else None,
                               "bars": _bars(counter, scale, len(cells))})
        elif q.type == "number" and values:
            s.stats = {"mean": round(statistics.fmean(values), 2), "median": statistics.median(values),
                       "min": min(values), "max": max(values)}
        elif q.type == "date" and values:
            months = Counter(v[:7] for v in values)
            s.bars = _bars(months, [(m, m) for m in sorted(months)], len(values))
            s.stats = {"earliest": min(values), "latest": max(values)}
        elif q.type == "place":
            counter = Counter(places.get(v, str(v)) for v in values)
            s.bars = [(name, n, n / len(values)) for name, n in counter.most_common(30)]
        elif q.type == "text":
            tickets = {req.external_id: req.ticket for req in session.exec(select(ServiceRequest).where(
                col(ServiceRequest.external_id).in_([f"survey:{r.id}:{q.id}" for r in rows[-TEXT_SAMPLE:]])))}
            s.texts = [(redact(r.answers[q.id]), tickets.get(f"survey:{r.id}:{q.id}"))
                       for r in rows[-TEXT_SAMPLE:] if q.id in r.answers][::-1]
        out.append(s)
    return out


def project_satisfaction(session: Session, project_id: int) -> list[dict]:
    """Mean rating per month of a service project: from surveys, and from all channels."""
    ratings = session.exec(select(Rating).where(Rating.project_id == project_id).order_by(col(Rating.created_at))).all()
    months: dict[str, dict[str, list[int]]] = {}
    for r in ratings:
        month = r.created_at.strftime("%Y-%m")
        bucket = months.setdefault(month, {"survey": [], "all": []})
        bucket["all"].append(r.score)
        if r.channel == "survey":
            bucket["survey"].append(r.score)
    return [{"month": m, "n": len(b["all"]), "mean": round(statistics.fmean(b["all"]), 2),
             "survey_n": len(b["survey"]),
             "survey_mean": round(statistics.fmean(b["survey"]), 2) if b["survey"] else None}
            for m, b in sorted(months.items())]


# --- exports --------------------------------------------------------------------------------------

def _safe_cell(value):
    # a cell starting with = + - @ would run as a formula in a spreadsheet
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table(session: Session, survey: Survey, rows: list[SurveyResponse], lang: str) -> tuple[list[str], list[list]]:
    """Responses as a flat table: one column per question (per row for a Likert matrix)."""
    questions = questions_of(survey)
    places = {p.id: p.name for p in session.exec(select(Place)).all()}
    communities = community_map(session)
    header = ["response_id", "submitted_at", "channel", "community", "place"]
    for q in questions:
        if q.type == "likert":
            header += [f"{q.id}.{row.value}" for row in q.rows]
        else:
            header.append(q.id)
        if q.other:
            header.append(f"{q.id}_other")
    body = []
    for r in rows:
        community = communities.get(r.place_id) if r.place_id else None
        line = [r.id, format_local(r.created_at, "%Y-%m-%d %H:%M:%S"), r.channel, places.get(community, ""),
                places.get(r.place_id, "")]
        for q in questions:
            value = r.answers.get(q.id)
            labels = {o.value: o.label.get(lang) for o in q.options} | {OTHER: translator(lang).pgettext("results", "Other")}
            if q.type == "likert":
                line += [(value or {}).get(row.value, "") if isinstance(value, dict) else "" for row in q.rows]
            elif value is None:
                line.append("")
            elif q.type == "single":
                line.append(labels.get(value, value))
            elif q.type == "multiple":
                line.append("; ".join(labels.get(v, v) for v in value))
            elif q.type == "place":
                line.append(places.get(value, value))
            elif q.type == "text":
                line.append(redact(value))
            else:
                line.append(value)
            if q.other:
                line.append(redact(r.answers.get(f"{q.id}_other", "")))
        body.append([_safe_cell(v) for v in line])
    return header, body


def to_csv(header: list[str], body: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(body)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(header: list[str], body: list[list], title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "responses")[:31].translate(str.maketrans("[]:*?/\\", "_______")))
    ws.append(header)
    for line in body:
        ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
