"""Workbooks for the street office (openpyxl), with native Excel charts."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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
    en = lang == "en"
    d, names, codes = ctx["d"], ctx["names"], ctx["codes"]
    wb = Workbook()
    ws = _sheet(wb, "By month" if en else "按月需求", ["Category" if en else "类别", *d.months,
                                                     "Total" if en else "合计", "Growth" if en else "增长"],
                [[names.get(c, "—"), *[d.by_month.get((c, m), 0) for m in d.months], d.category_total(c),
                  None if d.growth(c) is None else round(d.growth(c), 3)] for c in codes], first=True)
    if codes:
        chart = LineChart()
        chart.title = "Monthly requests, top categories" if en else "各类别月度需求（前五）"
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
    header = ["Category" if en else "类别"]
    for p in communities:
        header += [p.name, f"{p.name} {'open' if en else '未办结'}", f"{p.name} {'overdue' if en else '超期'}"]
    rows = []
    for c in codes:
        row = [names.get(c, "—")]
        for p in communities:
            o = d.open.get((c, p.id), (0, 0))
            row += [d.by_place.get((c, p.id), 0), o[0], o[1]]
        rows.append(row)
    _sheet(wb, "By community" if en else "按社区", header, rows)

    ws = _sheet(wb, "Satisfaction" if en else "满意度", ["Category" if en else "类别", "Mean" if en else "平均分",
                                                       "Ratings" if en else "评价数"],
                [[names.get(c, "—"), round(avg, 2), n] for c, (avg, n) in sorted(d.satisfaction.items(),
                                                                                 key=lambda kv: kv[1][0])])
    if d.satisfaction:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Satisfaction (1–5)" if en else "满意度（1–5 分）"
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + len(d.satisfaction)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(d.satisfaction)))
        ws.add_chart(chart, "E2")
    _sheet(wb, "Hot clusters" if en else "热点问题", ["Issue" if en else "问题", "Place" if en else "地点",
                                                    "Requests" if en else "诉求数", "Updated" if en else "更新"],
           [[c.title, ctx["places"].get(c.place_id, ""), c.size, c.last_at.strftime("%Y-%m-%d")]
            for c in d.clusters])
    return _save(wb)


def plan_workbook(ctx: dict, lang: str) -> bytes:
    en = lang == "en"
    rnd, items, names = ctx["rnd"], ctx["items"], ctx["names"]
    wb = Workbook()
    header = ["Service" if en else "服务类别", "Score" if en else "得分", "Requests" if en else "需求数",
              "Residents" if en else "居民数", "Last 3 months" if en else "近三月", "3 months before" if en else "前三月",
              "Open" if en else "未解决", "Vulnerable" if en else "困难群体", "Rating" if en else "满意度",
              "Proposed (yuan)" if en else "建议（元）", "Decided (yuan)" if en else "决定（元）", "Why" if en else "理由"]
    header += [f"{ctx['signal_names'][k]} ({'signal' if en else '指标'})" for k in ctx["weights"]]
    rows = []
    for i in items:
        e = i.evidence
        rows.append([names.get(i.category_code, i.category_code), i.score, e.get("requests"), e.get("residents"),
                     e.get("recent_3m"), e.get("previous_3m"), e.get("open"), e.get("vulnerable"), e.get("rating_mean"),
                     i.proposed_cents / 100, None if i.decided_cents is None else i.decided_cents / 100,
                     i.decision_reason, *[e.get("signals", {}).get(k) for k in ctx["weights"]]])
    ws = _sheet(wb, "Plan" if en else "项目方案", header, rows, first=True)
    ws.append([])
    ws.append(["Budget (yuan)" if en else "预算（元）", rnd.budget_cents / 100])
    ws.append(["Weights" if en else "权重", *[f"{ctx['signal_names'][k]}={v}" for k, v in ctx["weights"].items()]])
    ws.append(["Decision" if en else "决定及理由", _safe(rnd.decision_note)])
    if items:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Proposed budget (yuan)" if en else "建议预算（元）"
        chart.add_data(Reference(ws, min_col=10, min_row=1, max_row=1 + len(items)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(items)))
        chart.width, chart.height = 20, 10
        ws.add_chart(chart, f"B{len(items) + 8}")
    stages = _sheet(wb, "Stages" if en else "阶段", ["Stage" if en else "阶段", "From" if en else "开始日期",
                                                   "Documents" if en else "文件"],
                    [[ctx["stage_names"][s], getattr(rnd, ctx["stage_dates"][s]),
                      "; ".join(f"{d.title} {d.reference}".strip() for d in ctx["documents"] if d.stage == s)]
                     for s in ctx["stages"]])
    for row in stages.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    return _save(wb)
