"""A small fake of the Telegram Bot API on 127.0.0.1, for tests and benchmarks.

It speaks what both frameworks send (form-encoded, JSON or multipart bodies at
/bot<token>/<method>), queues updates for getUpdates with Telegram's offset semantics (updates
below the offset are confirmed and dropped for good), holds a long poll until an update arrives
or the poll's timeout ends, and records every call the bot makes.

Usage:
    fake = FakeTelegram(token="123456:TEST").start()
    fake.message(user_id=7, text="你好")
    fake.wait_for(lambda calls: any(c.method == "sendMessage" for c in calls))
    fake.stop()
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = {"id": 900000001, "is_bot": True, "first_name": "社区需求", "username": "needs_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
MESSAGE_METHODS = {"sendMessage", "sendPhoto", "editMessageText"}


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def buttons(self) -> list[list[dict]]:
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return (markup or {}).get("inline_keyboard", [])

    @property
    def button_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row]


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token", max_hold: float = 1.0):
        self.token = token
        self.max_hold = max_hold  # longest a getUpdates call is held open, whatever its timeout
        self.calls: list[Call] = []
        self.webhook: dict | None = None
        self._updates: list[dict] = []
        self._confirmed = 0  # highest offset seen: updates below it are gone
        self._next_update = itertools.count(1000)
        self._next_message = itertools.count(1)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                fake._serve(self)

            do_GET = do_POST  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-telegram").start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self._updates.clear()
            self.webhook = None

    # -- updates the "residents" send --

    def push(self, update: dict, *, redeliver: bool = False) -> dict:
        """Queue an update; `redeliver` queues one already confirmed, as Telegram does after a crash."""
        with self._cond:
            update = dict(update)
            update.setdefault("update_id", next(self._next_update))
            if redeliver:
                update["_redeliver"] = True
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def message(self, user_id: int, text: str | None = None, **extra) -> dict:
        msg = {"message_id": next(self._next_message), "date": int(time.time()),
               "chat": {"id": user_id, "type": "private", "first_name": "居民"},
               "from": {"id": user_id, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        msg.update(extra)
        return self.push({"message": msg})

    def photo(self, user_id: int, file_id: str, caption: str | None = None) -> dict:
        extra = {"photo": [{"file_id": file_id + "-s", "file_unique_id": file_id + "s", "width": 90, "height": 90},
                           {"file_id": file_id, "file_unique_id": file_id + "u", "width": 800, "height": 600}]}
        if caption:
            extra["caption"] = caption
        return self.message(user_id, None, **extra)

    def location(self, user_id: int, lat: float, lon: float) -> dict:
        return self.message(user_id, None, location={"latitude": lat, "longitude": lon})

    def sticker(self, user_id: int) -> dict:
        return self.message(user_id, None, sticker={
            "file_id": "stk", "file_unique_id": "stku", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False})

    def press(self, user_id: int, message: Call, data: str) -> dict:
        """Press an inline button of a message the bot sent (or edited)."""
        assert data in message.button_data, f"{data!r} is not a button of {message.text!r}: {message.button_data}"
        message_id = message.params["message_id"]
        cb = {"id": str(next(self._next_update)), "chat_instance": "ci", "data": data,
              "from": {"id": user_id, "is_bot": False, "first_name": "居民"},
              "message": {"message_id": int(message_id), "date": int(time.time()),
                          "chat": {"id": user_id, "type": "private", "first_name": "居民"},
                          "from": BOT_USER, "text": "…"}}
        return self.push({"callback_query": cb})

    # -- what the bot did --

    def sent_to(self, chat_id: int | str, methods: set[str] = MESSAGE_METHODS) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method in methods and c.chat_id == str(chat_id)]

    def wait_for(self, predicate, timeout: float = 15.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"bot did not do the expected; last calls: "
                                       f"{[(c.method, c.text[:40]) for c in self.calls[-8:]]}")
                self._cond.wait(min(left, 0.1))
            return list(self.calls)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # -- the HTTP side --

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        params = _parse(handler.headers.get("Content-Type", ""), body)
        if "?" in handler.path:
            params.update({k: v[-1] for k, v in parse_qs(handler.path.split("?", 1)[1]).items()})
        if len(parts) != 2 or parts[0] != f"bot{self.token}":
            return _respond(handler, 401 if parts and parts[0].startswith("bot") else 404,
                            {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = parts[1]
        call = Call(method, params)
        try:
            result = self._method(method, params, call)
        except KeyError as exc:
            return _respond(handler, 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
        if result is None:
            return _respond(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if method != "getUpdates":
            with self._cond:
                self.calls.append(call)
                self._cond.notify_all()
        _respond(handler, 200, {"ok": True, "result": result})

    def _method(self, method: str, p: dict, call: Call):
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._get_updates(int(p.get("offset") or 0), float(p.get("timeout") or 0),
                                     int(p.get("limit") or 100))
        if method in ("deleteWebhook", "close", "logOut"):
            self.webhook = None
            return True
        if method == "setWebhook":
            self.webhook = {"url": p["url"], "secret_token": p.get("secret_token")}
            return True
        if method == "answerCallbackQuery":
            p["callback_query_id"]  # noqa: B018  (required)
            return True
        if method in ("sendMessage", "sendPhoto"):
            message_id = next(self._next_message)
            call.params["message_id"] = message_id
            msg = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": int(p["chat_id"]), "type": "private", "first_name": "居民"}}
            if method == "sendMessage":
                msg["text"] = p["text"]
            else:
                msg["photo"] = [{"file_id": str(p["photo"]), "file_unique_id": "u", "width": 1, "height": 1}]
                if p.get("caption"):
                    msg["caption"] = p["caption"]
            return msg
        if method == "editMessageText":
            return {"message_id": int(p["message_id"]), "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": int(p["chat_id"]), "type": "private", "first_name": "居民"}, "text": p["text"]}
        return None

    def _get_updates(self, offset: int, timeout: float, limit: int) -> list[dict]:
        deadline = time.monotonic() + min(timeout, self.max_hold)
        with self._cond:
            while True:
                if offset:
                    self._confirmed = max(self._confirmed, offset)
                    # confirmed updates are gone for good (a redelivered one survives one fetch)
                    self._updates = [u for u in self._updates if u["update_id"] >= offset or u.get("_redeliver")]
                ready = [u for u in self._updates if u["update_id"] >= offset or u.get("_redeliver")][:limit]
                if ready:
                    for u in ready:
                        if u.pop("_redeliver", None):
                            self._updates.remove(u)
                    return ready
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)


def _parse(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if content_type.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        out = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            out[name] = part.get_content() if part.get_content_maintype() == "text" else part.get_payload(decode=True)
        return out
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def _respond(handler: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    try:
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the poller gave up on a long poll (stopping)
        pass
