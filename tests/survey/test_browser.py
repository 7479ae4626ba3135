"""Surveys in a real browser: headless Chromium on a phone-sized screen against a real uvicorn server.

With SURVEY_SCREENSHOTS=1 it also refreshes docs/screenshots/survey-*.png from what the browser shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "docs" / "screenshots" if os.environ.get("SURVEY_SCREENSHOTS") == "1" else None


def _shot(page, name: str, **kw) -> None:
    if SCREENSHOTS is not None:
        page.screenshot(path=str(SCREENSHOTS / f"survey-{name}.png"), **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A migrated temp SQLite database with places, staff and surveys, served by uvicorn."""
    from core.accounts import create_user
    from core.db import make_engine
    from core.migrate import upgrade
    from core.taxonomy import sync_categories
    from tests.factories import make_places
    from tests.survey.factories import make_survey, past

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_categories(session)
        places = {k: v.id for k, v in make_places(session).items()}
        make_survey(session)
        make_survey(session, slug="over", title="已结束的问卷", closes_at=past())
        create_user(session, "boss", "password-1", "admin")
    with live_server(url, tmp / "var", ready_path="/s") as base:
        yield {"base": base, "engine": engine, "places": places}
    engine.dispose()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def _responses(server):
    from core.models import SurveyResponse

    with Session(server["engine"]) as s:
        return s.exec(select(SurveyResponse).order_by(SurveyResponse.id)).all()


def test_a_resident_fills_every_question_type_on_a_phone_and_submits(server, page):
    before = len(_responses(server))
    page.goto(f"{server['base']}/s/all-types")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.get_by_label("60岁及以上").check()
    page.get_by_label("助餐").check()
    page.locator("#q-elder_help").get_by_label("其他（请注明）").check()
    page.get_by_label("其他内容").fill("理发")
    page.locator("#q-overall label.point", has_text="4").click()
    page.locator("#q-recommend label.point", has_text="9").click()
    page.locator("#q-agree fieldset.row", has_text="小区安全").get_by_label("很同意").check()
    page.locator("#q-agree fieldset.row", has_text="环境整洁").get_by_label("同意", exact=True).check()
    page.get_by_label("家庭人数").fill("3")
    page.get_by_label("入住日期").fill("2021-09-01")
    page.get_by_label("所在小区").select_option(label="B小区1")
    page.get_by_label("您最需要什么服务").fill("希望小区里有老年食堂，老人吃饭不方便")
    page.locator("#q-agree").scroll_into_view_if_needed()
    _shot(page, "phone-form")
    page.get_by_role("button", name="提交问卷").click()
    page.wait_for_url("**/thanks/**")
    assert page.get_by_role("heading", name="提交成功，谢谢您！").is_visible()
    assert page.locator("li.ticket").count() == 1  # the written need became a request with a ticket
    rows = _responses(server)
    assert len(rows) == before + 1
    assert rows[-1].answers == {
        "age": "o60", "elder_help": ["meal", "_other"], "elder_help_other": "理发", "overall": 4, "recommend": 9,
        "agree": {"safe": 5, "clean": 4}, "household": 3, "since": "2021-09-01",
        "home": server["places"]["compound_B1"], "need": "希望小区里有老年食堂，老人吃饭不方便"}


def test_skip_logic_shows_a_question_only_when_its_condition_holds(server, page):
    page.goto(f"{server['base']}/s/all-types")
    follow_up = page.locator("#q-elder_help")
    assert follow_up.is_hidden()
    page.get_by_label("60岁及以上").check()
    assert follow_up.is_visible()
    page.get_by_label("35岁以下").check()
    assert follow_up.is_hidden()


def test_validation_errors_are_shown_and_fixed_without_losing_answers(server, page):
    before = len(_responses(server))
    page.goto(f"{server['base']}/s/all-types")
    page.get_by_label("家庭人数").fill("50")
    page.get_by_label("您最需要什么服务").fill("路灯")
    page.get_by_role("button", name="提交问卷").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "请修改以下问题" in summary.inner_text()
    _shot(page, "phone-errors")
    assert page.evaluate("document.activeElement.id") == "error-summary"  # read out first by screen readers
    assert page.locator("#age-error").inner_text() == "这道题必须回答。"
    assert page.locator("#household-error").inner_text() == "数字太大了。"
    assert page.get_by_label("您最需要什么服务").input_value() == "路灯"
    assert len(_responses(server)) == before
    page.get_by_label("35岁以下").check()
    page.locator("#q-overall label.point", has_text="2").click()
    page.get_by_label("家庭人数").fill("2")
    page.get_by_role("button", name="提交问卷").click()
    page.wait_for_url("**/thanks/**")
    assert len(_responses(server)) == before + 1


def test_the_form_works_with_the_keyboard_alone(server, page):
    before = len(_responses(server))
    page.goto(f"{server['base']}/s/all-types?lang=en")
    page.get_by_label("Under 35").focus()
    page.keyboard.press("Space")
    page.locator('#q-overall input[value="3"]').focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Submit").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/**")
    assert page.get_by_role("heading", name="Thank you!").is_visible()
    assert _responses(server)[-1].answers == {"age": "u35", "overall": 3}
    assert len(_responses(server)) == before + 1


def test_a_closed_survey_says_so_clearly(server, page):
    page.goto(f"{server['base']}/s/over")
    assert page.get_by_role("heading", name="问卷已结束").is_visible()
    assert page.locator("form.survey").count() == 0
    page.goto(f"{server['base']}/s/over?lang=en")
    assert page.get_by_role("heading", name="This survey has closed").is_visible()


def test_a_submitted_answer_appears_in_the_admin_summary(server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server['base']}/s/all-types")
    page.get_by_label("35岁以下").check()
    page.locator("#q-overall label.point", has_text="1").click()
    page.get_by_role("button", name="提交问卷").click()
    page.wait_for_url("**/thanks/**")
    total = len(_responses(server))
    ones = sum(1 for r in _responses(server) if r.answers.get("overall") == 1)
    page.goto(f"{server['base']}/login")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill("password-1")
    page.locator("form button[type=submit]").click()
    page.goto(f"{server['base']}/admin/surveys")
    page.locator('tr[data-slug="all-types"] a', has_text="结果").first.click()
    assert page.locator("#total").inner_text() == str(total)
    row = page.locator("#summary-overall table.bars tr", has_text="1").first
    assert row.locator("td.num").inner_text() == str(ones)
    page.set_viewport_size({"width": 1000, "height": 1400})
    _shot(page, "results")
    context.close()


def test_every_field_has_an_accessible_name(server, page):
    page.goto(f"{server['base']}/s/all-types")
    unnamed = page.evaluate("""() => [...document.querySelectorAll('form.survey input:not([type=hidden]), form.survey select, form.survey textarea')]
        .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unnamed == []
    groups = page.evaluate("[...document.querySelectorAll('form.survey fieldset')].every(f => f.querySelector('legend'))")
    assert groups is True


def test_the_survey_works_without_javascript(server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    before = len(_responses(server))
    page.goto(f"{server['base']}/s/all-types?lang=en")
    assert page.locator("#q-elder_help").is_visible()  # without the script every question shows, with its condition
    assert "Answer only if you chose" in page.locator("#q-elder_help").inner_text()
    page.get_by_label("Under 35").check()
    page.get_by_label("Meals").check()  # answered although the condition does not hold: dropped by the server
    page.locator("#q-overall label.point", has_text="5").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/thanks/**")
    assert len(_responses(server)) == before + 1
    assert _responses(server)[-1].answers == {"age": "u35", "overall": 5}
    context.close()
