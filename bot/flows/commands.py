"""Commands that work in any state: /start, /help, /cancel, /status (or "我的需求"), /lang.

Also the answers to what fits no flow: an unknown command, a sticker or a voice message. These
have no state of their own; /privacy and /delete live in privacy.py, /survey in survey.py.
"""

from __future__ import annotations

import re

from sqlmodel import col, select

from bot.turn import ANY, IDLE, Kind, Transitions, Turn
from core.labels import label
from core.localtime import format_local
from core.models import ServiceRequest
from core.taxonomy import category_names

STATUS_LIMIT = 10
# typed instead of /status; in states that expect an answer (a phone number, a comment) they are that answer
MY_REQUESTS = {"我的需求", "我的诉求", "查进度", "进度", "my requests", "status"}
# how residents ask for their progress in a message of its own: 查询进度, 我的诉求怎么样了, 办理进度查询 ...
STATUS_WORDS = re.compile(r"(帮我|请)?(查询?|查看|看看|问问)?(一下)?(我的)?(需求|诉求|工单|反映|请求|问题)?的?"
                          r"(办理|处理)?(进度|进展|状态)(查询)?(怎么样了?|如何了?)?"
                          r"|(我的)(需求|诉求|工单|反映|请求|问题)(怎么样了?|办得怎么样了?)?"
                          r"|(check )?(my )?(request|requests|ticket|tickets)( status)?|(check )?(status|progress)")
# typed instead of /help
HELP_WORDS = {"帮助", "菜单", "命令", "怎么用", "help", "menu", "?", "？"}
_TRAILING = " \t。.！!？?~～"


def _plain(words: str) -> str:
    text = words.strip().lower()
    return text.rstrip(_TRAILING) if text not in HELP_WORDS else text


def asks_for_status(words: str) -> bool:
    """A message that only asks where the resident's requests stand (not a new need that mentions it)."""
    text = _plain(words)
    return text in MY_REQUESTS or (len(text) <= 24 and STATUS_WORDS.fullmatch(text) is not None)


def asks_for_help(words: str) -> bool:
    return _plain(words) in HELP_WORDS


def start(turn: Turn, _arg: str) -> None:
    """/start: whatever was under way is dropped; the welcome and the commands."""
    turn.reset()
    turn.say(turn.tr("bot_welcome"))


def show_help(turn: Turn, _arg: str) -> None:
    """/help: how to use the bot."""
    turn.say(turn.tr("bot_help"))


def cancel(turn: Turn, _arg: str) -> None:
    """/cancel: drop whatever was under way, and say whether there was anything."""
    busy = turn.state != IDLE
    turn.reset()
    turn.say(turn.tr("bot_cancelled" if busy else "bot_nothing_to_cancel"))


def status(turn: Turn, _arg: object) -> None:
    """/status or "我的需求": the resident's own last requests with their state (the flow under way goes on)."""
    rows = turn.session.exec(
        select(ServiceRequest).where(ServiceRequest.resident_id == turn.resident.id)
        .order_by(col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc()).limit(STATUS_LIMIT)
    ).all()
    if not rows:
        turn.say(turn.tr("bot_status_none"))
        return
    names = category_names(turn.session, turn.lang)
    lines = [turn.tr("bot_status_title")]
    for r in rows:
        snippet = r.text.replace("\n", " ")
        snippet = snippet[:30] + ("…" if len(snippet) > 30 else "")
        category = names.get(r.category_code or "", turn.tr("ticket_unclassified"))
        lines.append(f"{r.ticket} · {label(turn.lang, 'status', r.status)} · {category} · "
                     f"{format_local(r.created_at, '%Y-%m-%d')}\n  {snippet}")
    turn.say("\n".join(lines))


def switch_language(turn: Turn, arg: str) -> None:
    """/lang toggles 中文/English; /lang en and /lang zh choose. Stored on the resident."""
    wanted = arg.lower()[:2] if arg else ("en" if turn.lang == "zh" else "zh")
    turn.lang = wanted if wanted in ("zh", "en") else "zh"
    turn.resident.language = turn.lang
    turn.session.add(turn.resident)
    turn.say(turn.tr("bot_lang_set"))


def unknown_command(turn: Turn, _arg: str) -> None:
    """A /command nobody handles."""
    turn.say(turn.tr("bot_unknown_command"))


def unreadable(turn: Turn, _value: None) -> None:
    """A sticker, a voice message, ...: say what we can read."""
    turn.say(turn.tr("bot_unsupported"))


TRANSITIONS: Transitions = {
    (ANY, "/start"): start,
    (ANY, "/help"): show_help,
    (ANY, "/cancel"): cancel,
    (ANY, "/status"): status,
    (ANY, Kind.MY_REQUESTS): status,
    (ANY, "/lang"): switch_language,
    (ANY, "/language"): switch_language,
    (ANY, Kind.COMMAND): unknown_command,
    (ANY, Kind.UNREADABLE): unreadable,
}
