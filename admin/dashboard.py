"""The demand dashboard: category × community × month, trends, hot clusters, open and overdue requests,
satisfaction by category. Every number links to the requests behind it; exported as XLSX and print."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from admin import charts, exports
from core.permissions import staff_only, visible_communities
from core.deps import CurrentUser, SessionDep
from core.i18n import translator
from admin.common import category_names, place_names
from admin.demand import OVERDUE_DAYS, demand
from core.models import Role, StaffUser
from core.templating import language, render

router = APIRouter(tags=["admin"])
Months = Annotated[int, Query(ge=2, le=36)]


def _link(**params) -> str:
    return "/admin?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def context(session: Session, user: StaffUser, lang: str, months: int, community: int | None) -> dict:
    d = demand(session, user, months=months, community=community)
    _, names = category_names(session, lang)
    communities = visible_communities(session, user)
    if community:
        communities = [c for c in communities if c.id == community]
    tr = translator(lang)
    _ = tr.gettext
    since = d.since.date().isoformat()
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
        generated=dt.datetime.now(dt.UTC),
    )


@router.get("/admin/dashboard")
def dashboard(request: Request, session: SessionDep, user: CurrentUser, months: Months = 12,
              community: Annotated[int | None, Query()] = None):
    """Demand by category, community and month, with drill-down links."""
    if user.role == Role.org:
        return RedirectResponse("/org", status_code=303)
    staff_only(user)
    lang = language(request)
    ctx = context(session, user, lang, months, community)
    return render(request, "admin/dashboard.html", user=user, printable=False,
                  all_communities=visible_communities(session, user), **ctx)


@router.get("/admin/dashboard/print")
def dashboard_print(request: Request, session: SessionDep, user: CurrentUser, months: Months = 12,
                    community: Annotated[int | None, Query()] = None):
    """The demand report as a printable page (print it to PDF from the browser)."""
    staff_only(user)
    ctx = context(session, user, language(request), months, community)
    return render(request, "admin/dashboard.html", user=user, printable=True, all_communities=[], **ctx)


@router.get("/admin/dashboard.xlsx")
def dashboard_xlsx(request: Request, session: SessionDep, user: CurrentUser, months: Months = 12,
                   community: Annotated[int | None, Query()] = None):
    """The demand report as a workbook for the street office."""
    staff_only(user)
    lang = language(request)
    ctx = context(session, user, lang, months, community)
    data = exports.demand_workbook(ctx, lang)
    name = f"demand-{dt.date.today().isoformat()}.xlsx"
    return Response(data, media_type=exports.XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
