"""A street sets itself up in a real browser, from an empty database: `needs setup`, the geography
sheet, a worker for one community, a records sheet with a few bad rows, and then the dashboard and
the worker's inbox show exactly the imported requests of that worker's community."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import live_server
from tests.setup.conftest import GEOGRAPHY, PLACE_HEADER, write_csv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.slow]
COMPOUNDS = {"XH": ["星湖苑", "xhy", "湖畔新村", "观澜"], "FL": ["枫林一村", "二村", "枫林二村"]}  # names and aliases
TEXTS = ["3号楼楼道灯坏了一个星期", "电梯又坏了，老人上不了楼", "垃圾桶满了没人清运", "希望社区开办四点半课堂",
         "独居老人希望有人上门送餐", "晚上停车太难了", "广场舞音乐太吵", "想报名当社区志愿者"]


def records(path: Path, n: int = 300) -> tuple[Path, int]:
    """n good rows over the last ten months in both communities, and four bad ones; returns the rows of XH."""
    now = dt.datetime.now()
    rows, in_xh = [], 0
    for i in range(n):
        community = "XH" if i % 5 < 3 else "FL"
        in_xh += community == "XH"
        place = COMPOUNDS[community][i % len(COMPOUNDS[community])]
        when = now - dt.timedelta(days=(i * 7) % 300, hours=i % 9)
        rows.append([f"GD{i:05d}", when.strftime("%Y-%m-%d %H:%M"), f"{TEXTS[i % len(TEXTS)]}（{i}）", place,
                     ["已办结", "办理中", "已受理"][i % 3], "已处理" if i % 4 == 0 else ""])
    rows += [["B1", "2026-02-30 10:00", "路灯坏了", "星湖苑", "", ""], ["B2", "2026-03-01", "", "星湖苑", "", ""],
             ["B3", "2026-03-01", "路灯坏了", "火星小区", "", ""], ["B4", "2026-03-01", "路灯坏了", "星湖苑", "搞定了", ""]]
    return write_csv(path, ["工单编号", "来电时间", "诉求内容", "地址", "状态", "答复"], rows), in_xh


def test_a_street_sets_itself_up_from_an_empty_database(db_url, tmp_path, browser, trained_model):
    var = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": db_url, "VAR_DIR": str(var), "ENVIRONMENT": "test",
           "MODEL_PATH": str(trained_model), "PYTHONPATH": str(ROOT)}
    (tmp_path / "pw").write_text("chief-pass-2026")
    setup = subprocess.run([sys.executable, "-m", "app.cli", "setup", "--admin", "chief", "--password-file",
                            str(tmp_path / "pw"), "--street", "青枫街道", "--street-code", "ST", "--yes"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stderr
    # the server runs without MODEL_PATH: the model setup found becomes the active version in the database
    from sqlmodel import Session

    from nlp.registry import register

    engine = create_engine(db_url)
    with Session(engine) as s:
        register(s, trained_model)
    geography = write_csv(tmp_path / "places.csv", PLACE_HEADER, GEOGRAPHY)
    sheet, in_xh = records(tmp_path / "台账.csv")

    with live_server(db_url, var) as base:
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "chief")
        page.fill("input[name=password]", "chief-pass-2026")
        page.click("button[type=submit]")
        page.goto(f"{base}/admin/places/import")
        page.set_input_files("#upload input[name=file]", str(geography))
        page.click("#upload button[type=submit]")
        assert page.inner_text("#created") == "7" and page.inner_text("#refused") == "0"
        page.click("#apply button[type=submit]")
        assert "7" == page.inner_text("#created")

        page.goto(f"{base}/admin/staff")
        page.fill("#new-account input[name=username]", "xh_worker")
        page.fill("#new-account input[name=password]", "worker-pass-2026")
        page.select_option("#new-account select[name=role]", "worker")
        page.check("#new-account label:has-text('星湖社区') input")
        page.click("#new-account button[type=submit]")
        assert "xh_worker" in page.inner_text("h1")

        page.goto(f"{base}/admin/imports/requests")
        page.set_input_files("#upload input[name=file]", str(sheet))
        page.click("#upload button[type=submit]")
        assert page.inner_text("#to-create") == "300" and page.inner_text("#refused") == "4"
        refused = page.inner_text("#refusals")
        for row, words in ((302, "2026-02-30"), (303, ""), (304, "火星小区"), (305, "搞定了")):
            assert re.search(rf"^{row}\t.*{words}", refused, re.M), refused
        page.click("#start button[type=submit]")
        page.wait_for_selector("#job[data-status=done]", timeout=300_000)
        assert page.inner_text("#created") == "300" and page.inner_text("#refused") == "4"
        page.goto(f"{base}/admin/dashboard")
        assert page.inner_text("#tile-total") == "300"
        page.click("form[action='/logout'] button")

        page.goto(f"{base}/login")
        page.fill("input[name=username]", "xh_worker")
        page.fill("input[name=password]", "worker-pass-2026")
        page.click("button[type=submit]")
        page.goto(f"{base}/admin/dashboard")
        assert page.inner_text("#tile-total") == str(in_xh)
        shown, url = set(), f"{base}/admin"
        while url:
            page.goto(url)
            shown |= set(page.locator("#requests tbody tr td:nth-child(2) code").all_inner_texts())
            nxt = page.locator("#pages a[rel=next]")
            url = nxt.get_attribute("href") if nxt.count() else None
            url = f"{base}/admin{url}" if url and url.startswith("?") else url
    with engine.connect() as conn:
        expected = set(conn.execute(text(
            "SELECT r.ticket FROM request r JOIN place p ON p.id = r.community_id WHERE p.code = 'XH'")).scalars())
    engine.dispose()
    assert len(expected) == in_xh and shown == expected
