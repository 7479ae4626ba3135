"""What goes in and out of the dialog engine, whatever the channel: an update in, replies out.

These are plain dataclasses with no framework and no database in sight, so the engine, the
flows, the outbox, the web chat and both Telegram adapters can share them without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Incoming:
    """One thing a resident did: a message (text, photo, location, other) or a button press."""

    channel: str  # "telegram" | "webchat"
    chat_id: str
    user_id: str
    update_key: str | None = None  # unique per delivery from the channel, for de-duplication
    bot_id: str | None = None  # Telegram: the bot that received it (update and message ids count per bot)
    message_id: int | None = None  # of the message sent, or of the message whose button was pressed
    text: str | None = None
    photo: str | None = None  # Telegram file_id
    location: tuple[float, float] | None = None
    callback: str | None = None  # button data
    other: str | None = None  # "sticker", "voice", ...: content we cannot read
    language: str | None = None  # for a resident's first contact (the web chat page's language)


@dataclass
class Button:
    text: str
    data: str  # the wire form of a bot.callbacks value


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the pressed message's text; its buttons become `buttons`
    photo: str | None = None  # send a photo with `text` as caption


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    callback_answer: str | None = None  # short notice shown on the pressed button
    duplicate: bool = False
    deliver_now: bool = False  # the outbox has rows that should go out at once (urgent alerts)
