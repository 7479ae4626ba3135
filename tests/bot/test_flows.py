"""The flow map and the stored conversation format: what an upgrade must not break.

Conversations live in the database between updates, so a conversation a resident left half-way
under the previous version must continue under this one: the stored state strings, the shape of
`Conversation.data` and the data of buttons already sent are a contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import select

from bot import callbacks, flows
from bot.engine import Dialog
from bot.turn import ANY
from bot.types import Incoming
from core.models import Conversation, Rating, Resident, ResidentIdentity, ServiceRequest

# every state value a Conversation row has ever stored
STORED_STATES = {"idle", "confirm_category", "pick_category", "ask_place", "ask_consent", "ask_phone",
                 "rating_comment", "confirm_delete", "survey"}


def test_the_flows_store_the_same_state_strings_as_before():
    assert flows.STATES == STORED_STATES


def test_every_state_of_every_flow_has_a_way_on():
    keyed = {state for state, _kind in flows.TRANSITIONS}
    for flow in flows.FLOWS:
        for state in getattr(flow, "State", ()):
            assert state in keyed, f"{flow.__name__}: nothing leads out of {state}"
    assert ANY in keyed


@pytest.mark.parametrize("data, value", [
    ("c:ok", callbacks.CategoryChoice("ok")), ("c:pick", callbacks.CategoryChoice("pick")),
    ("c:safety", callbacks.CategoryChoice("safety")),
    ("p:12", callbacks.PlaceChoice(12)), ("p:skip", callbacks.PlaceChoice(None)),
    ("pc:3", callbacks.CommunityChoice(3)),
    ("k:yes", callbacks.ConsentAnswer("yes")), ("k:no", callbacks.ConsentAnswer("no")),
    ("k:skip", callbacks.ConsentAnswer("skip")),
    ("r:9:4", callbacks.Rate(9, 4)), ("r:skip", callbacks.SkipComment()),
    ("d:yes", callbacks.DeleteAnswer(True)), ("d:no", callbacks.DeleteAnswer(False)),
    ("s:5", callbacks.PickSurvey(5)),
    ("a:1:meal", callbacks.Answer(1, "meal")), ("a:1:_other", callbacks.Answer(1, "_other")),
    ("a:0:-", callbacks.Answer(0, "-")), ("a:7:12", callbacks.Answer(7, "12")),
])
def test_buttons_sent_before_read_back_as_typed_values_and_keep_their_wire_form(data, value):
    assert callbacks.parse(data) == value
    assert value.data == data


@pytest.mark.parametrize("data", ["", "x", "zz:1", "p:abc", "p:²", "pc:", "k:maybe", "r:9:6", "r:9:0", "r:x:3",
                                  "r:9", "r:9:4:1", "s:one", "a:x:1", "a:", "p:" + "9" * 30])
def test_data_no_button_of_ours_carries_reads_as_nothing(data):
    assert callbacks.parse(data) is None


def _stored(session, chat: str, state: str, data: dict) -> Resident:
    """A conversation as an earlier version left it in the database."""
    resident = Resident(language="zh")
    session.add(resident)
    session.flush()
    session.add(ResidentIdentity(resident_id=resident.id, channel="telegram", external_user_id=chat, chat_id=chat))
    session.add(Conversation(channel="telegram", chat_id=chat, resident_id=resident.id, state=state, data=data,
                             version=3))
    session.commit()
    return resident


def _press(dialog: Dialog, chat: str, n: int, data: str):
    return dialog.handle(Incoming(channel="telegram", chat_id=chat, user_id=chat, update_key=f"tg:{n}",
                                  message_id=n, callback=data))


def test_a_request_left_at_the_consent_question_is_filed_after_an_upgrade(engine, session, places, with_model):
    draft = {"text": "楼道灯坏了一个星期，晚上黑漆漆的", "key": "tg:4242:5", "photos": ["PHOTO-1"], "location": None,
             "model_category": "facility_repair", "category": "safety", "place_id": places["compound_B1"].id}
    _stored(session, "4242", "ask_consent", {"draft": draft, "rl": []})
    outcome = _press(Dialog(engine), "4242", 6, "k:no")
    session.expire_all()
    request = session.exec(select(ServiceRequest)).one()
    assert any(request.ticket in r.text for r in outcome.replies)
    assert (request.external_id, request.place_id, request.category_code) == (
        "tg:4242:5", places["compound_B1"].id, "safety")
    conv = session.exec(select(Conversation).where(Conversation.chat_id == "4242")).one()
    assert (conv.state, conv.version, "draft" in conv.data) == ("idle", 4, False)


def test_a_score_left_waiting_for_its_comment_is_stored_with_it_after_an_upgrade(engine, session, places,
                                                                                 with_model):
    dialog = Dialog(engine)
    resident = _stored(session, "4343", "idle", {})
    dialog.handle(Incoming(channel="telegram", chat_id="4343", user_id="4343", update_key="tg:1", message_id=1,
                           text="A小区1 健身器材坏了，螺丝都松了"))
    _press(dialog, "4343", 2, "c:ok")
    _press(dialog, "4343", 3, "k:no")
    session.expire_all()
    request = session.exec(select(ServiceRequest).where(ServiceRequest.resident_id == resident.id)).one()
    conv = session.exec(select(Conversation).where(Conversation.chat_id == "4343")).one()
    conv.state, conv.data = "rating_comment", {"rating": {"request_id": request.id, "score": 3}}
    session.add(conv)
    session.commit()

    outcome = dialog.handle(Incoming(channel="telegram", chat_id="4343", user_id="4343", update_key="tg:4",
                                     message_id=4, text="还行"))
    assert "感谢" in outcome.replies[0].text
    session.expire_all()
    rating = session.exec(select(Rating)).one()
    assert (rating.request_id, rating.score, rating.comment) == (request.id, 3, "还行")


def test_a_deletion_left_unconfirmed_can_still_be_declined_after_an_upgrade(engine, session):
    resident = _stored(session, "4444", "confirm_delete", {})
    outcome = _press(Dialog(engine), "4444", 1, "d:no")
    assert outcome.replies[0].edit and "没有删除" in outcome.replies[0].text
    session.expire_all()
    assert session.get(Resident, resident.id).anonymised_at is None


def _imports(path: Path, root: Path) -> set[str]:
    """The bot.* modules a file imports, inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("bot.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot":
                found |= {f"bot.{a.name}" for a in node.names}
            elif node.module.startswith("bot."):
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if (root / (m.replace(".", "/") + ".py")).exists()
            or (root / m.replace(".", "/") / "__init__.py").exists()}


def test_no_module_of_the_bot_imports_one_that_imports_it_back():
    root = Path(__file__).resolve().parents[2]
    graph = {}
    for path in (root / "bot").rglob("*.py"):
        module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = _imports(path, root) - {module}
    assert graph["bot.flows"] >= {"bot.flows.intake", "bot.flows.survey"}  # the check sees imports

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            module, path = stack.pop()
            for nxt in graph.get(module, ()):
                if nxt == start:
                    return [*path, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for m in sorted(graph) if (c := cycle_from(m))]
    assert cycles == []
