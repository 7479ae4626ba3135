"""The dialog engine and the outbox deliverer without any framework: concurrency, leases, retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

from sqlmodel import Session, select

from bot import outbox
from bot.engine import Dialog
from bot.types import Incoming
from core.models import Conversation, Outbox, ProcessedUpdate, utcnow


def _msg(n: int, text: str = "/status", chat: str = "42") -> Incoming:
    return Incoming(channel="telegram", chat_id=chat, user_id=chat, update_key=f"tg:{n}", message_id=n, text=text)


def test_two_processes_writing_one_conversation_lose_no_turn(engine):
    dialogs = [Dialog(engine, rate_limit=1000), Dialog(engine, rate_limit=1000)]
    dialogs[0].handle(_msg(0))  # the conversation and resident exist before the race
    errors = []

    def worker(dialog: Dialog, start: int) -> None:
        try:
            for n in range(start, start + 12):
                assert dialog.handle(_msg(n)).replies
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d, 1 + i * 100)) for i, d in enumerate(dialogs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Session(engine) as s:
        conv = s.exec(select(Conversation)).one()
        # every turn bumped the version once and every turn's timestamp survived (no lost update)
        assert conv.version == 25
        assert len(conv.data["rl"]) == 25
        assert len(s.exec(select(ProcessedUpdate)).all()) == 25


def test_an_update_seen_by_one_process_is_a_duplicate_for_another(engine):
    first, second = Dialog(engine), Dialog(engine)
    assert first.handle(_msg(7)).replies
    again = second.handle(_msg(7))
    assert again.duplicate and again.replies == []


def test_a_sending_row_is_claimed_once_and_taken_over_when_its_lease_expires(session):
    row = Outbox(channel="telegram", address="42", text="hello")
    session.add(row)
    session.commit()
    assert [d.row_id for d in outbox.claim(session, "telegram")] == [row.id]
    assert outbox.claim(session, "telegram") == []  # another process finds nothing to send
    session.refresh(row)
    row.sent_at = utcnow() - dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)  # that process died
    session.add(row)
    session.commit()
    assert [d.row_id for d in outbox.claim(session, "telegram")] == [row.id]


def test_a_row_that_keeps_failing_is_marked_failed_after_the_last_attempt(engine):
    with Session(engine) as s:
        s.add(Outbox(channel="telegram", address="42", text="hello"))
        s.commit()

    async def refuse(address, reply):
        raise ConnectionError("Bot API unreachable")

    for _ in range(outbox.MAX_ATTEMPTS):
        assert asyncio.run(outbox.deliver(engine, "telegram", refuse)) == 0
    with Session(engine) as s:
        row = s.exec(select(Outbox)).one()
        assert (row.status, row.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert asyncio.run(outbox.deliver(engine, "telegram", refuse)) == 0


def test_a_rating_row_offers_five_buttons():
    reply = outbox.reply_for(Outbox(channel="telegram", address="1", purpose="rating", text="rate",
                                    payload={"request_id": 9}))
    assert [b.data for b in reply.buttons[0]] == [f"r:9:{n}" for n in range(1, 6)]
