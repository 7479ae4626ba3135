"""The three rates a hotline is judged by (响应率、解决率、满意率), by month and by community, worker,
category or service project; always scoped to what the user may read.

    response rate   = requests responded to by their response deadline
                      ÷ requests whose response was due (responded to, or the deadline passed)
    resolution rate = requests resolved by their resolution deadline
                      ÷ requests whose resolution was due (closed, or the deadline passed);
                      a request closed as not actionable counts as not resolved
    satisfaction    = ratings of 4 or 5 ÷ all ratings given to the month's requests

A request belongs to the month it was received in (as on the dashboard); a duplicate is not counted
(the ticket it follows is), while every resident's rating counts. A response is the first status
change, reply or call by staff. Each figure links to the requests behind it: the inbox filters
`rate=…` (the denominator) and `missed=1` (those that fell short), with the group and month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from admin.demand import _month_label, add_months, month_key, month_start
from core.i18n import N_, translator
from core.localtime import local_date, start_of_day
from core.models import Place, Rating, ServiceProject, StaffUser, Status
from core.models import Request as Req
from core.permissions import requests_visible
from core.taxonomy import category_names

RATES = ("response", "resolution", "satisfaction")
SATISFIED = 4  # a rating of 4 or 5 of 5 is a satisfied resident
CLOSED = (Status.resolved, Status.not_actionable)
GROUPS = {"community": Req.community_id, "worker": Req.assignee_id, "category": Req.category_code,
          "project": Req.project_id}
# the inbox filter that selects a group's requests
GROUP_FILTER = {"community": "community", "worker": "assignee", "category": "category", "project": "project"}
TITLES = {"response": N_("Response rate"), "resolution": N_("Resolution rate"), "satisfaction": N_("Satisfaction rate")}
DEFINITIONS = {
    "response": N_("Requests responded to (a status change, a reply or a call) by their response deadline, "
                   "out of the requests whose response was due: responded to, or past the deadline."),
    "resolution": N_("Requests resolved by their resolution deadline, out of the requests whose resolution "
                     "was due: closed, or past the deadline. Closed as not actionable counts as not resolved."),
    "satisfaction": N_("Ratings of 4 or 5 out of all residents' ratings of the month's requests "
                       "(in their channel, on the ticket page or by a follow-up call)."),
}
GROUP_NAMES = {"community": N_("by community"), "worker": N_("by worker"), "category": N_("by category"),
               "project": N_("by service project")}


def _flag(condition):
    return case((condition, 1), else_=0)


def _due(rate: str, now: dt.datetime):
    if rate == "response":
        return or_(col(Req.responded_at).is_not(None), col(Req.respond_by) <= now)
    return or_(col(Req.status).in_(CLOSED), col(Req.resolve_by) <= now)


def _met(rate: str):
    if rate == "response":
        return and_(col(Req.responded_at).is_not(None), col(Req.responded_at) <= col(Req.respond_by))
    return and_(col(Req.status) == Status.resolved, col(Req.resolved_at) <= col(Req.resolve_by))


def drill_condition(rate: str, missed: bool, now: dt.datetime):
    """The requests behind a rate (its denominator), or those that fell short of it."""
    if rate == "satisfaction":
        rated = select(Rating.request_id).where(col(Rating.request_id).is_not(None))
        return col(Req.id).in_(rated.where(Rating.score < SATISFIED) if missed else rated)
    base = and_(col(Req.duplicate_of_id).is_(None), _due(rate, now))
    return and_(base, _flag(_met(rate)) == 0) if missed else base


@dataclass
class Rates:
    by: str
    months: list[str]
    since: dt.datetime
    groups: list = field(default_factory=list)  # group keys, in display order
    names: dict = field(default_factory=dict)  # key → display name
    cells: dict = field(default_factory=dict)  # (rate, key, month) → [met, due]

    def cell(self, rate: str, key, month: str | None = None) -> tuple[int, int]:
        """(met, due) of a group in a month, or over the window (month None)."""
        if month is not None:
            return tuple(self.cells.get((rate, key, month), (0, 0)))
        met = sum(v[0] for (r, k, _m), v in self.cells.items() if r == rate and k == key)
        due = sum(v[1] for (r, k, _m), v in self.cells.items() if r == rate and k == key)
        return met, due

    def overall(self, rate: str, month: str | None = None) -> tuple[int, int]:
        met = sum(v[0] for (r, _k, m), v in self.cells.items() if r == rate and month in (None, m))
        due = sum(v[1] for (r, _k, m), v in self.cells.items() if r == rate and month in (None, m))
        return met, due

    def link(self, rate: str, key, month: str | None = None, missed: bool = False, **extra) -> str:
        params = {"rate": rate, GROUP_FILTER[self.by]: "none" if key is None else key, "missed": 1 if missed else None}
        if month:
            params["month"] = month
        else:
            params["since"] = self.since.date().isoformat()
        for k, v in extra.items():  # a narrower view (the dashboard's community), never replacing the group
            params.setdefault(k, v)
        return "/admin?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def percent(met: int, due: int) -> str:
    return f"{100 * met / due:.0f}%" if due else "—"


def compute(session: Session, user: StaffUser, by: str = "community", months: int = 12,
            community: int | None = None, lang: str = "zh", today: dt.date | None = None,
            now: dt.datetime | None = None) -> Rates:
    """The rates of the last `months` months, grouped `by` community, worker, category or project."""
    now = now or dt.datetime.now(dt.UTC)
    today = today or local_date(now)  # the street's months (core/localtime.py)
    first = add_months(month_start(today), -(months - 1))
    out = Rates(by=by, months=[add_months(first, i).strftime("%Y-%m") for i in range(months)],
                since=start_of_day(first))
    group, month = GROUPS[by], month_key(session)

    def narrow(stmt):
        stmt = requests_visible(stmt.where(Req.created_at >= out.since), session, user)
        return stmt.where(Req.community_id == community) if community else stmt

    rows = session.exec(narrow(
        select(month, group, *[func.sum(_flag(c)) for rate in ("response", "resolution")
                               for c in (_met(rate) & _due(rate, now), _due(rate, now))])
        .where(col(Req.duplicate_of_id).is_(None))).group_by(month, group)).all()
    for m, key, resp_met, resp_due, res_met, res_due in rows:
        m = _month_label(m)
        out.cells[("response", key, m)] = [int(resp_met or 0), int(resp_due or 0)]
        out.cells[("resolution", key, m)] = [int(res_met or 0), int(res_due or 0)]
    rows = session.exec(narrow(
        select(month, group, func.sum(_flag(Rating.score >= SATISFIED)), func.count(col(Rating.id)))
        .join(Req, col(Req.id) == col(Rating.request_id))).group_by(month, group)).all()
    for m, key, met, due in rows:
        out.cells[("satisfaction", key, _month_label(m))] = [int(met or 0), int(due)]
    keys = {k for (_r, k, _m), (_met_, due) in out.cells.items() if due}
    out.names = _names(session, by, keys, lang)
    out.groups = sorted(keys, key=lambda k: (k is None, out.names.get(k, "")))
    return out


def _names(session: Session, by: str, keys: set, lang: str) -> dict:
    _ = translator(lang).gettext
    ids = [k for k in keys if k is not None]
    if by == "community":
        names = {p.id: p.name for p in session.exec(select(Place).where(col(Place.id).in_(ids or [-1])))}
        names[None] = _("no place yet")
    elif by == "worker":
        names = {u.id: u.display_name or u.username
                 for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids or [-1])))}
        names[None] = _("unassigned")
    elif by == "category":
        cats = category_names(session, lang)
        names = {k: cats.get(k, k) for k in keys}
    else:
        names = {p.id: p.name for p in session.exec(select(ServiceProject).where(col(ServiceProject.id).in_(ids or [-1])))}
        names[None] = _("no service project")
    return names
