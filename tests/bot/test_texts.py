"""Every message the bot's flows ask for by name exists, in both catalogues (bot/texts.py)."""

import re
from pathlib import Path

from bot.texts import MESSAGES
from core.i18n import translator

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_every_name_the_flows_use_is_a_bot_message():
    used = {name for path in BOT.rglob("*.py")
            for name in re.findall(r"""\.tr\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8"))}
    assert used and not used - MESSAGES.keys(), sorted(used - MESSAGES.keys())


def test_bot_messages_read_in_chinese_and_english():
    zh, en = translator("zh"), translator("en")
    assert zh.gettext(MESSAGES["bot_cancelled"]) == "已取消。" and en.gettext(MESSAGES["bot_cancelled"]) == "Cancelled."
    assert zh.gettext(MESSAGES["bot_ticket"]).format(ticket="QF-1") == "受理编号 QF-1。发送 /status 可查看进度。"
    untranslated = [name for name, text in MESSAGES.items()
                    if zh.gettext(text) == text and re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", text))]
    assert not untranslated, untranslated
