"""Routers this package adds to the web app (collected by app.main): Telegram webhooks and the web chat.

Webhook mode: `needs bot --framework aiogram|ptb --set-webhook https://host/telegram/webhook/aiogram`
registers the URL with TELEGRAM_WEBHOOK_SECRET; Telegram then posts updates here with the secret in
the X-Telegram-Bot-Api-Secret-Token header, and anything without it is refused.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse

from bot import webchat
from bot.engine import Dialog
from bot.telegram import make_adapter
from bot.types import Incoming
from core.ratelimit import public_write
from core.security import check_csrf
from core.settings import get_settings
from core.templating import language, render

log = logging.getLogger(__name__)

webhook_router = APIRouter(tags=["telegram"])
chat_router = APIRouter(tags=["web chat"])
FRAMEWORKS = ("aiogram", "ptb")


def _dialog(request: Request) -> Dialog:
    state = request.app.state
    if getattr(state, "bot_dialog", None) is None:
        state.bot_dialog = Dialog()
    return state.bot_dialog


async def _adapter(request: Request, framework: str):
    """One adapter per app and framework, built on first use (in the app's event loop)."""
    state = request.app.state
    if getattr(state, "bot_adapters", None) is None:
        state.bot_adapters = {}
        state.bot_adapters_lock = asyncio.Lock()
    async with state.bot_adapters_lock:
        if framework not in state.bot_adapters:
            state.bot_adapters[framework] = await asyncio.to_thread(make_adapter, framework, dialog=_dialog(request))
    return state.bot_adapters[framework]


@webhook_router.post("/telegram/webhook/{framework}", include_in_schema=False)
async def telegram_webhook(framework: str, request: Request):
    """An update from Telegram; refused unless it carries our secret token."""
    settings = get_settings()
    if framework not in FRAMEWORKS:
        raise HTTPException(status_code=404)
    expected = settings.telegram_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="bad or missing secret token")
    if not settings.telegram_bot_token:
        raise HTTPException(status_code=503, detail="TELEGRAM_BOT_TOKEN is not set")
    try:
        data = await request.json()
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(status_code=400, detail="not a Telegram update")
    adapter = await _adapter(request, framework)
    await adapter.process_webhook(data)
    return JSONResponse({"ok": True})


# --- web chat ---------------------------------------------------------------------------------------

def _chat_id(request: Request) -> str:
    chat_id = request.session.get("chat")
    if not chat_id:
        chat_id = secrets.token_urlsafe(18)
        request.session["chat"] = chat_id
    return chat_id


@chat_router.get("/chat")
async def chat_page(request: Request):
    """The same conversation as in Telegram, in a browser, without JavaScript."""
    chat_id = _chat_id(request)
    engine = _dialog(request).engine
    # one language choice: the page's switch sets the chat's, and /lang in the chat sets the pages'
    asked = language(request) if request.query_params.get("lang") else None
    chosen = await asyncio.to_thread(webchat.language_of, engine, chat_id, asked)
    if chosen:
        request.session["lang"] = chosen
    entries, _lang = await asyncio.to_thread(webchat.transcript, engine, chat_id)
    return render(request, "chat.html", entries=entries, nonce=secrets.token_urlsafe(12),
                  max_length=get_settings().max_text_length)


@chat_router.post("/chat", dependencies=[Depends(public_write("chat"))])
async def chat_send(
    request: Request,
    text: Annotated[str, Form(max_length=20000)] = "",
    data: Annotated[str, Form(max_length=64)] = "",
    message_id: Annotated[str, Form(max_length=12)] = "",
    nonce: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    """A message typed or a button pressed on the chat page."""
    check_csrf(request, csrf_token)
    chat_id = _chat_id(request)
    inc = Incoming(channel=webchat.CHANNEL, chat_id=chat_id, user_id=chat_id, language=language(request),
                   update_key=f"wc:{chat_id[:16]}:{nonce}" if nonce else None,
                   message_id=int(message_id) if message_id.isdigit() else None)
    if data:
        inc.callback = data
    else:
        inc.text = text
    await asyncio.to_thread(_dialog(request).handle, inc)
    return RedirectResponse("/chat#end", status_code=303)


routers: list[APIRouter] = [webhook_router, chat_router]
