"""The python-telegram-bot (v22) adapter: PTB's Application in front of the dialog engine.

Usage:
    needs bot --framework ptb                              # long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL)
    POST /telegram/webhook/ptb                             # webhook mode inside the web app (bot/web.py)
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapter import CHANNEL, TelegramAdapter
from bot.engine import Incoming, Reply

logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per Bot API call otherwise


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
                                 for row in reply.buttons])


def incoming_from_message(message: Message, update_id: int) -> Incoming:
    """A Telegram message as the engine sees it."""
    other = None
    if message.text is None and message.caption is None and not message.photo and message.location is None:
        other = "sticker" if message.sticker else "other"
    return Incoming(
        channel=CHANNEL, chat_id=str(message.chat.id),
        user_id=str(message.from_user.id if message.from_user else message.chat.id),
        update_key=f"tg:{update_id}", message_id=message.message_id,
        text=message.text if message.text is not None else message.caption,
        photo=message.photo[-1].file_id if message.photo else None,
        location=(message.location.latitude, message.location.longitude) if message.location else None,
        other=other,
    )


class PTBAdapter(TelegramAdapter):
    framework = "ptb"

    def __init__(self, **kw):
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
        await self.handle(incoming_from_message(update.message, update.update_id))

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button."""
        query = update.callback_query
        message = query.message
        inc = Incoming(channel=CHANNEL, chat_id=str(message.chat.id if message else query.from_user.id),
                       user_id=str(query.from_user.id), update_key=f"tg:{update.update_id}",
                       message_id=message.message_id if message else None, callback=query.data or "")
        await self.handle(inc, callback_id=query.id)

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
        await self.app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout,
                                             allowed_updates=["message", "callback_query"])
        await self.app.start()
        try:
            await stop.wait()
        finally:
            await self.app.updater.stop()
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
