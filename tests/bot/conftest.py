"""Bot fixtures: one fake Bot API server per test run, a bot polling it in a thread, chat helpers.

The adapters are the real aiogram and python-telegram-bot code talking HTTP to the fake server;
each framework is imported once per test session (aiogram alone costs seconds of CPU).
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.engine import Dialog
from tests.bot.fake_telegram import Call, FakeTelegram

FRAMEWORKS = ["aiogram", "ptb"]


@pytest.fixture(scope="session")
def fake_server():
    fake = FakeTelegram(max_hold=0.5).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    return fake_server


class Runner:
    """A bot process stand-in: an adapter polling the fake server on its own thread and event loop."""

    def __init__(self, framework: str, fake: FakeTelegram, **dialog_kw):
        self.framework, self.fake, self.dialog_kw = framework, fake, dialog_kw
        self.adapter = None
        self._thread: threading.Thread | None = None

    def start(self) -> Runner:
        ready = threading.Event()
        self.error: BaseException | None = None

        def main() -> None:
            from bot.telegram import make_adapter

            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stop = asyncio.Event()
            try:
                self.adapter = make_adapter(self.framework, token=self.fake.token, api_base=self.fake.base_url,
                                            dialog=Dialog(**self.dialog_kw))
                ready.set()
                loop.run_until_complete(self.adapter.run(self._stop, poll_timeout=1, outbox_interval=0.1))
            except BaseException as exc:  # surfaced by stop()
                self.error = exc
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, daemon=True, name=f"bot-{self.framework}")
        self._thread.start()
        ready.wait(30)
        return self

    def stop(self) -> None:
        if self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(20)
            assert not self._thread.is_alive(), "bot did not stop"
        if self.error:
            raise self.error

    def handled(self) -> int:
        return self.adapter.handled if self.adapter else 0

    def wait_handled(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.handled() < count:
            if self.error:
                raise self.error
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.framework} handled {self.handled()} updates, expected {count}")
            time.sleep(0.01)


class Chat:
    """One resident talking to the bot; each step returns what the bot sent back for it."""

    def __init__(self, harness: Harness, user_id: int):
        self.h, self.user_id = harness, user_id

    def _step(self, push) -> list[Call]:
        runner = self.h.runner
        before_calls = len(self.h.fake.sent_to(self.user_id))
        before = runner.handled()
        self.last_update = push()
        runner.wait_handled(before + 1)
        return self.h.fake.sent_to(self.user_id)[before_calls:]

    def say(self, text: str) -> list[Call]:
        return self._step(lambda: self.h.fake.message(self.user_id, text))

    def photo(self, file_id: str, caption: str | None = None) -> list[Call]:
        return self._step(lambda: self.h.fake.photo(self.user_id, file_id, caption))

    def location(self, lat: float, lon: float) -> list[Call]:
        return self._step(lambda: self.h.fake.location(self.user_id, lat, lon))

    def sticker(self) -> list[Call]:
        return self._step(lambda: self.h.fake.sticker(self.user_id))

    def press(self, message: Call, data: str) -> list[Call]:
        return self._step(lambda: self.h.fake.press(self.user_id, message, data))

    def redeliver(self, update: dict) -> list[Call]:
        return self._step(lambda: self.h.fake.push(update, redeliver=True))

    @property
    def sent(self) -> list[Call]:
        return self.h.fake.sent_to(self.user_id)


class Harness:
    def __init__(self, framework: str, fake: FakeTelegram):
        self.framework, self.fake = framework, fake
        self.runner: Runner | None = None

    def start(self, framework: str | None = None, **dialog_kw) -> Runner:
        self.runner = Runner(framework or self.framework, self.fake, **dialog_kw).start()
        return self.runner

    def restart(self, framework: str | None = None, **dialog_kw) -> Runner:
        """Stop this bot process and start a new one: nothing survives but the database."""
        self.runner.stop()
        return self.start(framework, **dialog_kw)

    def chat(self, user_id: int) -> Chat:
        return Chat(self, user_id)


@pytest.fixture(params=FRAMEWORKS)
def bot(request, engine, fake):
    """A running bot on each framework, against the test database (SQLite and PostgreSQL)."""
    harness = Harness(request.param, fake)
    harness.start(rate_limit=1000)
    yield harness
    harness.runner.stop()
