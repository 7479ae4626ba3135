"""Telegram in front of the dialog engine: one thin adapter per framework over what they share.

    base.py     updates as `Incoming`, the engine run in a thread, replies sent, the outbox loop
    aiogram.py  aiogram 3: `Bot` + `Dispatcher` + one `Router`
    ptb.py      python-telegram-bot 22: `Application` with a message and a callback handler
"""

from __future__ import annotations

from bot.telegram.base import CHANNEL, TelegramAdapter


def make_adapter(framework: str, **kw) -> TelegramAdapter:
    """`aiogram` or `ptb`; the framework is imported only when asked for (aiogram costs seconds)."""
    if framework == "aiogram":
        from bot.telegram.aiogram import AiogramAdapter

        return AiogramAdapter(**kw)
    if framework == "ptb":
        from bot.telegram.ptb import PTBAdapter

        return PTBAdapter(**kw)
    raise ValueError(f"unknown framework {framework!r}: use aiogram or ptb")


__all__ = ["CHANNEL", "TelegramAdapter", "make_adapter"]
