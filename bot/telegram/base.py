"""What both Telegram adapters share: updates as `Incoming`, running the engine, performing its
outcome, delivering the outbox.

A framework adapter only wires its library to `handle` and implements the calls that differ
(send, edit, answer a button press, poll, webhook); everything else lives here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from bot import outbox
from bot.engine import Dialog
from bot.types import Incoming, Outcome, Reply
from core.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def bot_id_of(token: str) -> str:
    """The bot's id, the part of its token before the colon: update ids are counted per bot."""
    return token.split(":", 1)[0]


def incoming_from_message(message: Any, update_id: int, other: str | None, bot_id: str) -> Incoming:
    """A Telegram message as the engine sees it (aiogram's and PTB's `Message` have these fields).

    `other` names content we cannot read (a sticker, a voice message) when there is no text,
    caption, photo or location.
    """
    readable = (message.text is not None or message.caption is not None or bool(message.photo)
                or message.location is not None)
    return Incoming(
        channel=CHANNEL, chat_id=str(message.chat.id),
        user_id=str(message.from_user.id if message.from_user else message.chat.id),
        update_key=f"tg:{bot_id}:{update_id}", bot_id=bot_id, message_id=message.message_id,
        text=message.text if message.text is not None else message.caption,
        photo=message.photo[-1].file_id if message.photo else None,
        location=(message.location.latitude, message.location.longitude) if message.location else None,
        other=None if readable else other,
    )


def incoming_from_callback(query: Any, update_id: int, bot_id: str) -> Incoming:
    """A button press as the engine sees it (aiogram's and PTB's `CallbackQuery` have these fields)."""
    message = query.message  # None (or inaccessible) when the message is too old
    chat_id = message.chat.id if message is not None else query.from_user.id
    return Incoming(channel=CHANNEL, chat_id=str(chat_id), user_id=str(query.from_user.id),
                    update_key=f"tg:{bot_id}:{update_id}", bot_id=bot_id,
                    message_id=message.message_id if message is not None else None,
                    callback=query.data or "")


class TelegramAdapter:
    framework = ""

    def __init__(self, token: str | None = None, api_base: str | None = None, dialog: Dialog | None = None):
        settings = get_settings()
        self.token = token or settings.telegram_bot_token
        self.api_base = (api_base or settings.telegram_api_base_url).rstrip("/")
        if not self.token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.bot_id = bot_id_of(self.token)
        self.dialog = dialog or Dialog()
        self.handled = 0
        self.latencies: list[float] = []  # seconds per update, for benchmarks
        self._delivering = asyncio.Lock()

    # -- implemented by each framework --

    async def send(self, chat_id: str, reply: Reply) -> None:
        raise NotImplementedError

    async def edit(self, chat_id: str, message_id: int, reply: Reply) -> None:
        raise NotImplementedError

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        raise NotImplementedError

    async def run_polling(self, stop: asyncio.Event, poll_timeout: int = 10) -> None:
        raise NotImplementedError

    async def process_webhook(self, data: dict) -> None:
        raise NotImplementedError

    async def set_webhook(self, url: str, secret: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    # -- shared --

    async def handle(self, inc: Incoming, callback_id: str | None = None) -> Outcome:
        """Run one update through the engine (in a thread: it blocks on the database) and reply."""
        started = time.perf_counter()
        try:
            outcome = await asyncio.to_thread(self.dialog.handle, inc)
        except Exception:
            log.exception("update %s failed", inc.update_key)
            if callback_id:
                await self._safe(self.answer_callback(callback_id, None))
            raise
        if callback_id:
            await self._safe(self.answer_callback(callback_id, outcome.callback_answer))
        for reply in outcome.replies:
            if reply.edit and inc.message_id is not None:
                await self._safe(self.edit(inc.chat_id, inc.message_id, reply))
            else:
                await self.send(inc.chat_id, reply)
        if outcome.deliver_now:
            await self.deliver_outbox()
        self.handled += 1
        self.latencies.append(time.perf_counter() - started)
        return outcome

    async def _safe(self, call) -> None:
        """Edits and button answers are cosmetic: a failure (message too old) must not stop the turn."""
        try:
            await call
        except Exception:
            log.warning("cosmetic Bot API call failed", exc_info=True)

    async def deliver_outbox(self) -> int:
        async with self._delivering:
            return await outbox.deliver(self.dialog.engine, CHANNEL, self.send)

    async def outbox_loop(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        """Send status changes, worker replies, rating prompts and staff alerts as they are queued."""
        while not stop.is_set():
            try:
                await self.deliver_outbox()
            except Exception:
                log.exception("outbox delivery failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass

    async def run(self, stop: asyncio.Event, poll_timeout: int = 10, outbox_interval: float = 2.0,
                  polling: bool = True) -> None:
        """Long polling and outbox delivery side by side until `stop` is set."""
        tasks = [asyncio.create_task(self.outbox_loop(stop, outbox_interval))]
        if polling:
            tasks.append(asyncio.create_task(self.run_polling(stop, poll_timeout)))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await self.close()
