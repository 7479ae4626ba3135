"""A worker's category correction is recorded with from/to and the actor, and `needs nlp train` learns it."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from core.models import EventType, ModelVersion, RequestEvent
from intake.service import IntakeIn, submit
from nlp import dataset
from nlp.registry import get_classifier
from tests.admin.conftest import as_user

pytestmark = pytest.mark.slow  # trains a model

# A made-up local service nobody in the seed set asks for: the model cannot know where it belongs.
PHRASES = ["想报名参加蓝莓口琴社的周末排练", "蓝莓口琴社什么时候招新", "请问蓝莓口琴社在哪里活动",
           "我家孩子想学蓝莓口琴社的课程", "蓝莓口琴社能不能多开一个班"]


def test_category_corrections_become_training_data_for_the_next_model(client, session, places, staff, with_model):
    reqs = [submit(session, IntakeIn(text=t, place_id=places["compound_A1"].id)).request for t in PHRASES]
    before = get_classifier(session).predict(["蓝莓口琴社"])[0].category
    target = "culture_sports" if before != "culture_sports" else "participation"
    as_user(client, "wa")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin").text).group(1)
    for req in reqs:
        if req.category_code == target:
            continue
        client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": "category", "value": target})
    session.expire_all()  # the web app changed the requests in its own session
    events = session.exec(select(RequestEvent).where(RequestEvent.type == EventType.category_corrected)).all()
    assert events and all(e.to_value == target and e.actor_id == staff["wa"].id for e in events)

    corrected = {e.text: e.category for e in dataset.corrections(session)}
    assert {t: target for t in PHRASES if t in corrected} == corrected and len(corrected) == len(events)

    result = CliRunner().invoke(__import__("app.cli", fromlist=["app"]).app, ["nlp", "train"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    active = session.exec(select(ModelVersion).where(ModelVersion.active)).one()
    assert active.version != with_model.version
    expected = dataset.merge(dataset.read_jsonl(dataset.SEED_TRAIN), dataset.corrections(session))
    assert active.data_hash == dataset.data_hash(expected)  # trained on the seed set plus the corrections
    assert get_classifier(session).predict(["蓝莓口琴社"])[0].category == target != before
