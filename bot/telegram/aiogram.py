"""The aiogram 3 adapter: aiogram's Bot and Dispatcher in front of the dialog engine.

Usage:
    needs bot --framework aiogram                         # long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL)
    POST /telegram/webhook/aiogram                         # webhook mode inside the web app (bot/web.py)
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.telegram.base import TelegramAdapter, incoming_from_callback, incoming_from_message
from bot.types import Reply

logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one INFO line per update otherwise


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row] for row in reply.buttons])


class AiogramAdapter(TelegramAdapter):
    framework = "aiogram"

    def __init__(self, **kw):
        super().__init__(**kw)
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.api_base))
        self.bot = Bot(self.token, session=session)
        self.dp = Dispatcher()
        self.dp.include_router(self._router())  # a fresh router per dispatcher: routers attach once

    def _router(self) -> Router:
        router = Router(name="residents")

        @router.message()
        async def on_message(message: Message, event_update: Update) -> None:
            """Any new message in a private chat: text, photo, location, sticker..."""
            if message.chat.type != "private":
                return
            await self.handle(incoming_from_message(message, event_update.update_id, other=message.content_type,
                                                    bot_id=self.bot_id))

        @router.callback_query()
        async def on_callback(query: CallbackQuery, event_update: Update) -> None:
            """A pressed inline button."""
            await self.handle(incoming_from_callback(query, event_update.update_id, self.bot_id), callback_id=query.id)

        return router

    async def send(self, chat_id: str, reply: Reply) -> None:
        if reply.photo:
            await self.bot.send_photo(chat_id, photo=reply.photo, caption=reply.text[:1024],
                                      reply_markup=_markup(reply))
        else:
            await self.bot.send_message(chat_id, reply.text[:4096], reply_markup=_markup(reply))

    async def edit(self, chat_id: str, message_id: int, reply: Reply) -> None:
        await self.bot.edit_message_text(text=reply.text[:4096], chat_id=chat_id, message_id=message_id,
                                         reply_markup=_markup(reply))

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        await self.bot.answer_callback_query(callback_id, text=text)

    async def run_polling(self, stop: asyncio.Event, poll_timeout: int = 10) -> None:
        # handle_as_tasks=False: one chat's messages are handled in the order they were sent
        polling = asyncio.create_task(self.dp.start_polling(
            self.bot, polling_timeout=poll_timeout, handle_as_tasks=False, handle_signals=False,
            close_bot_session=False, allowed_updates=["message", "callback_query"]))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            try:
                await self.dp.stop_polling()
            except RuntimeError:  # polling had not started yet
                polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
        else:
            stopper.cancel()
            polling.result()

    async def process_webhook(self, data: dict) -> None:
        update = Update.model_validate(data, context={"bot": self.bot})
        await self.dp.feed_update(self.bot, update)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret or None,
                                   allowed_updates=["message", "callback_query"])

    async def close(self) -> None:
        await self.bot.session.close()
