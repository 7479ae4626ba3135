"""`needs survey ...` and `needs demo`'s surveys, run through the real command line app."""

import json

from sqlmodel import select
from typer.testing import CliRunner

from app.cli import app
from core.models import Survey, SurveyResponse


def test_import_publish_export_close_round_trip(engine, session, tmp_path):
    runner = CliRunner()
    source = "survey/definitions/project-satisfaction.json"
    r = runner.invoke(app, ["survey", "import", source, "--publish"])
    assert r.exit_code == 0, r.output
    assert "'project-satisfaction'" in r.output and "open" in r.output
    out = tmp_path / "out.json"
    assert runner.invoke(app, ["survey", "export", "project-satisfaction", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["questions"] == json.load(open(source))["questions"]
    again = runner.invoke(app, ["survey", "import", source])
    assert again.exit_code == 2 and "exists already" in again.output
    assert runner.invoke(app, ["survey", "close", "project-satisfaction"]).exit_code == 0
    session.expire_all()
    assert session.exec(select(Survey.status)).one() == "closed"


def test_publish_templates_opens_the_three_ready_surveys_once(engine, session):
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(app, ["survey", "publish", "--templates"]).exit_code == 0
    rows = session.exec(select(Survey.slug, Survey.status)).all()
    assert sorted(rows) == [("community-needs", "open"), ("project-satisfaction", "open"),
                            ("resident-participation", "open")]


def test_links_prints_one_personal_link_per_line(engine, session):
    runner = CliRunner()
    runner.invoke(app, ["survey", "import", "survey/definitions/community-needs.json"])
    r = runner.invoke(app, ["survey", "links", "community-needs", "--base-url", "https://x.org/", "--count", "3"])
    lines = r.output.strip().splitlines()
    assert lines[0] == "number,url" and len(lines) == 4 and lines[1].startswith("1,https://x.org/s/community-needs?t=1-")


def test_the_demo_publishes_the_three_templates_with_answers(engine, session):
    from app.demo import seed_demo

    seed_demo(n_requests=30, seed=3, echo=lambda _msg: None)
    surveys = session.exec(select(Survey)).all()
    assert sorted((s.slug, s.status) for s in surveys) == [
        ("community-needs", "open"), ("project-satisfaction", "open"), ("resident-participation", "open")]
    satisfaction = next(s for s in surveys if s.slug == "project-satisfaction")
    assert satisfaction.project_id is not None
    assert len(session.exec(select(SurveyResponse)).all()) == 90
