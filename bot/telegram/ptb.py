"""The python-telegram-bot (v22) adapter: PTB's Application in front of the dialog engine.

Usage:
    needs bot --framework ptb                              # long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL)
    POST /telegram/webhook/ptb                             # webhook mode inside the web app (bot/web.py)
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram.base import TelegramAdapter, incoming_from_callback, incoming_from_message
from bot.types import Reply

logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per Bot API call otherwise


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
                                 for row in reply.buttons])


class PTBAdapter(TelegramAdapter):
    framework = "ptb"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.app: Application = (
            ApplicationBuilder().token(self.token)
            .base_url(f"{self.api_base}/bot").base_file_url(f"{self.api_base}/file/bot")
            .build()
        )
        # only new messages: an edited message is not a new request
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, self._on_message))
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self._initialized = False

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any new private message: text, photo, location, sticker..."""
        message = update.message
        assert message is not None, "the handler's filter takes message updates only"
        await self.handle(incoming_from_message(message, update.update_id,
                                                other="sticker" if message.sticker else "other", bot_id=self.bot_id))

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button."""
        query = update.callback_query
        assert query is not None, "CallbackQueryHandler passes callback queries only"
        await self.handle(incoming_from_callback(query, update.update_id, self.bot_id), callback_id=query.id)

    async def _ensure_initialized(self) -> None:
        if not self._initialized:
            await self.app.initialize()  # getMe
            self._initialized = True

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self._ensure_initialized()
        if reply.photo:
            await self.app.bot.send_photo(chat_id=chat_id, photo=reply.photo, caption=reply.text[:1024],
                                          reply_markup=_markup(reply))
        else:
            await self.app.bot.send_message(chat_id=chat_id, text=reply.text[:4096], reply_markup=_markup(reply))

    async def edit(self, chat_id: str, message_id: int, reply: Reply) -> None:
        await self.app.bot.edit_message_text(text=reply.text[:4096], chat_id=chat_id, message_id=message_id,
                                             reply_markup=_markup(reply))

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        await self.app.bot.answer_callback_query(callback_id, text=text)

    async def run_polling(self, stop: asyncio.Event, poll_timeout: int = 10) -> None:
        # PTB's run_polling owns the event loop and signals; this drives the same parts by hand.
        await self._ensure_initialized()
        updater = self.app.updater
        assert updater is not None, "the application is built with its updater"
        await updater.start_polling(poll_interval=0.0, timeout=poll_timeout,
                                    allowed_updates=["message", "callback_query"])
        await self.app.start()
        try:
            await stop.wait()
        finally:
            await updater.stop()
            await self.app.stop()

    async def process_webhook(self, data: dict) -> None:
        await self._ensure_initialized()
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def set_webhook(self, url: str, secret: str) -> None:
        await self._ensure_initialized()
        await self.app.bot.set_webhook(url, secret_token=secret or None,
                                       allowed_updates=["message", "callback_query"])

    async def close(self) -> None:
        if self._initialized:
            await self.app.shutdown()
            self._initialized = False
