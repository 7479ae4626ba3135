"""Workbooks for the street office (openpyxl), with native Excel charts."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from admin import rates
from core.i18n import translator
from core.labels import label
from core.localtime import format_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(wb: Workbook, title: str, header: list, rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(v) for v in row])
    for i, _ in enumerate(header, 1):
        ws.column_dimensions[get_column_letter(i)].width = 14 if i > 1 else 22
    ws.freeze_panes = "B2"
    return ws


def _safe(value):
    # text starting with = + - @ would run as a formula in a spreadsheet: keep it text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def demand_workbook(ctx: dict, lang: str) -> bytes:
    tr = translator(lang)
    _ = tr.gettext
    d, names, codes = ctx["d"], ctx["names"], ctx["codes"]
    wb = Workbook()
    ws = _sheet(wb, _("By month"), [_("Category"), *d.months, _("Total"), _("Growth")],
                [[names.get(c, "—"), *[d.by_month.get((c, m), 0) for m in d.months], d.category_total(c),
                  None if d.growth(c) is None else round(d.growth(c), 3)] for c in codes], first=True)
    if codes:
        chart = LineChart()
        chart.title = _("Monthly requests, top categories")
        top = min(5, len(codes))
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(d.months), min_row=2, max_row=1 + top),
                       from_rows=True, titles_from_data=False)
        for s, c in zip(chart.series, codes[:top], strict=False):
            from openpyxl.chart.series import SeriesLabel

            s.tx = SeriesLabel(v=names.get(c, "—"))
        chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(d.months), min_row=1))
        chart.width, chart.height = 24, 10
        ws.add_chart(chart, f"A{len(codes) + 4}")

    communities = ctx["communities"]
    header = [_("Category")]
    open_, overdue = _("open"), _("overdue")  # (gettext calls inside f-strings are not extracted)
    for p in communities:
        header += [p.name, f"{p.name} {open_}", f"{p.name} {overdue}"]
    rows = []
    for c in codes:
        row = [names.get(c, "—")]
        for p in communities:
            o = d.open.get((c, p.id), (0, 0))
            row += [d.by_place.get((c, p.id), 0), o[0], o[1]]
        rows.append(row)
    _sheet(wb, _("By community"), header, rows)

    ws = _sheet(wb, _("Satisfaction"), [_("Category"), _("Mean"), _("Ratings")],
                [[names.get(c, "—"), round(avg, 2), n] for c, (avg, n) in sorted(d.satisfaction.items(),
                                                                                 key=lambda kv: kv[1][0])])
    if d.satisfaction:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Satisfaction (1–5)")
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + len(d.satisfaction)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(d.satisfaction)))
        ws.add_chart(chart, "E2")
    _sheet(wb, _("Hot clusters"), [_("Issue"), _("Place"), tr.pgettext("cluster size", "Requests"), _("Updated")],
           [[c.title, ctx["places"].get(c.place_id, ""), c.size, format_local(c.last_at, "%Y-%m-%d")]
            for c in d.clusters])
    return _save(wb)


def plan_workbook(ctx: dict, lang: str) -> bytes:
    tr = translator(lang)
    _ = tr.gettext
    rnd, items, names = ctx["rnd"], ctx["items"], ctx["names"]
    wb = Workbook()
    header = [_("Service"), _("Score"), tr.pgettext("count", "Requests"),
              _("Residents"), _("Last 3 months"), _("3 months before"),
              tr.pgettext("plan evidence", "Open"), _("Vulnerable"), tr.pgettext("plan evidence", "Rating"),
              _("Proposed (yuan)"), _("Decided (yuan)"), _("Why")]
    signal = _("signal")
    header += [f"{label(lang, 'signal', k)} ({signal})" for k in ctx["weights"]]
    rows = []
    for i in items:
        e = i.evidence
        rows.append([names.get(i.category_code, i.category_code), i.score, e.get("requests"), e.get("residents"),
                     e.get("recent_3m"), e.get("previous_3m"), e.get("open"), e.get("vulnerable"), e.get("rating_mean"),
                     i.proposed_cents / 100, None if i.decided_cents is None else i.decided_cents / 100,
                     i.decision_reason, *[e.get("signals", {}).get(k) for k in ctx["weights"]]])
    ws = _sheet(wb, _("Plan"), header, rows, first=True)
    ws.append([])
    ws.append([_("Budget (yuan)"), rnd.budget_cents / 100])
    ws.append([_("Weights"), *[f"{label(lang, 'signal', k)}={v}" for k, v in ctx["weights"].items()]])
    ws.append([_("Decision"), _safe(rnd.decision_note)])
    if items:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Proposed budget (yuan)")
        chart.add_data(Reference(ws, min_col=10, min_row=1, max_row=1 + len(items)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(items)))
        chart.width, chart.height = 20, 10
        ws.add_chart(chart, f"B{len(items) + 8}")
    stages = _sheet(wb, tr.pgettext("sheet", "Stages"), [_("Stage"), tr.pgettext("stage table", "From"), _("Documents")],
                    [[label(lang, "stage", s), getattr(rnd, ctx["stage_dates"][s]),
                      "; ".join(f"{d.title} {d.reference}".strip() for d in ctx["documents"] if d.stage == s)]
                     for s in ctx["stages"]])
    for row in stages.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    return _save(wb)


def rates_workbook(report: dict, lang: str) -> bytes:
    """The three rates (admin/rates.py) by month: one sheet per grouping, and their definitions."""
    tr = translator(lang)
    _ = tr.gettext
    wb = Workbook()
    first = True
    for by, r in report.items():
        header = [_("Group"), _("Rate"), *r.months, _("Total"), _("Met"), _("Due")]
        rows = []
        for key in r.groups:
            for rate in rates.RATES:
                met, due = r.cell(rate, key)
                if not due:
                    continue
                cells = []
                for m in r.months:
                    m_met, m_due = r.cell(rate, key, m)
                    cells.append(round(m_met / m_due, 4) if m_due else None)
                rows.append([r.names.get(key, key), _(rates.TITLES[rate]), *cells, round(met / due, 4), met, due])
        for rate in rates.RATES:
            met, due = r.overall(rate)
            if due:
                rows.append([_("All"), _(rates.TITLES[rate]),
                             *[(lambda md: round(md[0] / md[1], 4) if md[1] else None)(r.overall(rate, m))
                               for m in r.months], round(met / due, 4), met, due])
        ws = _sheet(wb, _(rates.GROUP_NAMES[by]), header, rows, first=first)
        first = False
        for row in ws.iter_rows(min_row=2, min_col=3, max_col=3 + len(r.months)):
            for cell in row:
                cell.number_format = "0%"
    _sheet(wb, _("Definitions"), [_("Rate"), _("Definition")],
           [[_(rates.TITLES[rate]), _(rates.DEFINITIONS[rate])] for rate in rates.RATES])
    return _save(wb)
