"""The demand dashboard: category × community × month, trends, hot clusters, open and overdue requests,
satisfaction by category, and the response, resolution and satisfaction rates (admin/rates.py). Every
number links to the requests behind it; exported as XLSX and print."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, func, select

from admin import charts, exports, rates
from admin.common import place_names
from admin.demand import OVERDUE_DAYS, demand
from core import deadlines
from core.deps import CurrentUser, SessionDep
from core.i18n import translator
from core.localtime import local_date, today
from core.models import Role, ServiceRequest, StaffUser, utcnow
from core.permissions import scoped, staff_only, visible_communities
from core.taxonomy import category_names
from core.templating import language, render

router = APIRouter(tags=["admin"])


def _link(**params) -> str:
    return "/admin?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _choice(request: Request) -> tuple[int, int | None, str]:
    """(months, community, rates grouping) from the query string; an empty or unreadable field is the default."""
    q = request.query_params
    months_text, community_text = q.get("months", ""), q.get("community", "")
    months = int(months_text) if months_text.isdigit() and 2 <= int(months_text) <= 36 else 12
    community = int(community_text) if community_text.isdigit() and len(community_text) < 10 else None
    by = q.get("rates_by", "")
    return months, community, by if by in rates.GROUPS else "community"


def past_deadline(session: Session, user: StaffUser, community: int | None) -> int:
    """Open requests past a deadline they still have to meet (the supervision list), counted along the
    two partial indexes of core.deadlines.waiting."""
    total = 0
    for condition, _deadline in deadlines.waiting(None, utcnow()):
        stmt = scoped(select(func.count()).select_from(ServiceRequest).where(condition), session, user, deadlines.COMMUNITY)
        total += session.exec(stmt.where(deadlines.COMMUNITY == community) if community else stmt).one()
    return total


def context(session: Session, user: StaffUser, lang: str, months: int, community: int | None,
            rates_by: str = "community") -> dict:
    d = demand(session, user, months=months, community=community)
    names = category_names(session, lang)
    communities = visible_communities(session, user)
    if community:
        communities = [c for c in communities if c.id == community]
    tr = translator(lang)
    _ = tr.gettext
    since = local_date(d.since).isoformat()  # the window's first local day
    codes = d.categories()
    by_category = [(names.get(c, c or "—"), d.category_total(c),
                    _link(category=c or "none", since=since, community=community)) for c in codes]
    top = [c for c in codes[:5]]
    trend = charts.line_chart(d.months, [(names.get(c, "—"), [d.by_month.get((c, m), 0) for m in d.months])
                                         for c in top],
                              _("Monthly requests, top categories"))
    sat_items = [(names.get(c, "—"), round(avg, 2), _link(category=c or "none", status="resolved"))
                 for c, (avg, _n) in sorted(d.satisfaction.items(), key=lambda kv: kv[1][0])]
    return dict(
        d=d, names=names, communities=communities, codes=codes, community=community, months=months,
        since=since, overdue_days=OVERDUE_DAYS, link=_link, places=place_names(session),
        bar=charts.bar_chart(by_category, tr.pgettext("chart", "Requests by category")),
        trend=trend,
        satisfaction_chart=charts.bar_chart(sat_items, _("Satisfaction (1–5)"),
                                            max_value=5, fmt=lambda v: f"{v:.2f}"),
        generated=dt.datetime.now(dt.UTC), past_deadline=past_deadline(session, user, community),
        rates=rates.compute(session, user, rates_by, months=months, community=community, lang=lang),
        rate_names=rates.RATES, rate_titles=rates.TITLES, rate_definitions=rates.DEFINITIONS,
        rate_groups=rates.GROUP_NAMES, percent=rates.percent, rates_by=rates_by,
    )


@router.get("/admin/dashboard")
def dashboard(request: Request, session: SessionDep, user: CurrentUser):
    """Demand by category, community and month, and the three rates, with drill-down links."""
    if user.role == Role.org:
        return RedirectResponse("/org", status_code=303)
    staff_only(user)
    months, community, by = _choice(request)
    ctx = context(session, user, language(request), months, community, by)
    return render(request, "admin/dashboard.html", user=user, printable=False,
                  all_communities=visible_communities(session, user), **ctx)


@router.get("/admin/dashboard/print")
def dashboard_print(request: Request, session: SessionDep, user: CurrentUser):
    """The demand report as a printable page (print it to PDF from the browser)."""
    staff_only(user)
    months, community, by = _choice(request)
    ctx = context(session, user, language(request), months, community, by)
    return render(request, "admin/dashboard.html", user=user, printable=True, all_communities=[], **ctx)


def _xlsx(data: bytes, stem: str) -> Response:
    name = f"{stem}-{today().isoformat()}.xlsx"
    return Response(data, media_type=exports.XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/admin/dashboard.xlsx")
def dashboard_xlsx(request: Request, session: SessionDep, user: CurrentUser):
    """The demand report as a workbook for the street office."""
    staff_only(user)
    lang = language(request)
    months, community, by = _choice(request)
    return _xlsx(exports.demand_workbook(context(session, user, lang, months, community, by), lang), "demand")


@router.get("/admin/rates.xlsx")
def rates_xlsx(request: Request, session: SessionDep, user: CurrentUser):
    """The three rates by month, per community, worker, category and project, with their definitions."""
    staff_only(user)
    lang = language(request)
    months, community, _by = _choice(request)
    report = {by: rates.compute(session, user, by, months=months, community=community, lang=lang)
              for by in rates.GROUPS}
    return _xlsx(exports.rates_workbook(report, lang), "rates")
