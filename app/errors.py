"""Every error answered in its route's own form: `{code, message}` on the JSON API (as the OpenAPI
schema says), Open311's error list on /open311, a page in the person's language everywhere else.

Also the guard in front of every route: a request body size limit, and input that the databases
cannot store (NUL characters, which PostgreSQL refuses in text; NaN and Infinity, which are not
JSON; JSON nested too deeply to parse) is refused with a 4xx before any route sees it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import escape
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import N_, gettext, normalize_language
from core.ratelimit import RateLimited
from core.settings import get_settings

log = logging.getLogger(__name__)

# code and message of each answer, by status; a route's own {code, message} detail wins on the API
STATUS = {
    400: ("bad_request", N_("The request could not be read.")),
    401: ("unauthorized", N_("Please log in.")),
    403: ("forbidden", N_("You may not do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This address does not accept that method.")),
    409: ("conflict", N_("This cannot be done in the current state.")),
    413: ("too_large", N_("What was sent is too large.")),
    422: ("invalid_input", N_("Some of what was sent is not valid.")),
    429: ("rate_limited", N_("Too many submissions from your connection: please try again in {seconds} seconds. "
                            "Everything sent before was received.")),
    500: ("internal_error", N_("Something went wrong on our side. Please try again later.")),
}
UNSTORABLE = N_("What was sent contains characters or numbers that cannot be stored.")
CSRF = N_("This form has expired: reload the page and send it again.")


def _kind(path: str) -> str:
    if path.startswith("/open311/"):
        return "open311"
    if path.startswith(("/api/", "/telegram/")) or path in ("/openapi.json", "/healthz"):
        return "api"
    return "html"


def _lang(scope: Scope) -> str:
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[0]
    return normalize_language(query or (scope.get("session") or {}).get("lang"))


def error_response(scope: Scope, status: int, code: str | None = None, *, msgid: str | None = None,
                   text: str | None = None, headers: Mapping[str, str] | None = None, extra: dict | None = None) -> Response:
    """The answer for an error at `scope`'s path, in the right form and language. `msgid` is a
    catalogue message (translated here); `text`, a route's own message for the API, already translated."""
    default_code, default_msgid = STATUS.get(status, STATUS[500 if status >= 500 else 400])
    code = code or default_code
    seconds = (headers or {}).get("Retry-After", "60")
    translated = gettext(_lang(scope))(msgid or default_msgid).format(seconds=seconds)
    kind = _kind(scope.get("path", ""))
    if kind == "api":
        return JSONResponse({"code": code, "message": text or translated, **(extra or {})}, status_code=status,
                            headers=headers)
    if kind == "open311":
        body = json.dumps([{"code": status, "description": text or translated}], ensure_ascii=False)
        return Response(body, status_code=status, media_type="application/json; charset=utf-8", headers=headers)
    if "session" not in scope:  # an error outside the session middleware: a page without the site's frame
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{escape(translated)}</p>",
                            status_code=status, headers=headers)
    from core.templating import render  # pages only: the API answers without templates

    response = render(Request(scope), "error.html", status_code=status, message=translated, code=code)
    response.headers.update(headers or {})
    return response


def _detail(exc: StarletteHTTPException) -> tuple[str | None, str | None, dict]:
    """A route's detail: {code, message, ...} as given, or a plain (English, developer) string."""
    detail = exc.detail
    if isinstance(detail, dict) and "code" in detail:
        extra = {k: v for k, v in detail.items() if k not in ("code", "message")}
        return str(detail["code"]), str(detail.get("message", "")) or None, extra
    if isinstance(detail, str) and detail.startswith("CSRF"):
        return "csrf", None, {}
    return None, detail if isinstance(detail, str) and detail != _phrase(exc.status_code) else None, {}


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def install(app: FastAPI) -> None:
    """Register the exception handlers and the input guard on `app`."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code, text, extra = _detail(exc)
        return error_response(request.scope, exc.status_code, code, msgid=CSRF if code == "csrf" else None,
                              text=text, headers=exc.headers, extra=extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # no input is echoed back: it may be huge, or NaN, which JSON cannot carry
        errors: dict[str, str] = {}  # field → what is wrong with it, like the survey API's answers
        for e in exc.errors()[:20]:
            errors.setdefault(".".join(str(part) for part in e.get("loc", ()) if part != "body"), str(e.get("msg", "")))
        text = "; ".join(f"{name}: {message}" for name, message in errors.items())[:500] or None
        return error_response(request.scope, 422, "invalid_input", text=text, extra={"errors": errors})

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited):
        return error_response(request.scope, 429, headers={"Retry-After": str(exc.retry_after)})

    async def unstorable(request: Request, exc: Exception):
        # a value the database cannot hold (an id past its integer type, NUL in text): the input is wrong
        log.info("refused unstorable input on %s: %s", request.url.path, type(exc).__name__)
        return error_response(request.scope, 422, "invalid_input", msgid=UNSTORABLE)

    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(OverflowError, unstorable)

    @app.exception_handler(StatementError)
    async def statement_error(request: Request, exc: StatementError):
        if isinstance(exc.orig, (OverflowError, ValueError)) or isinstance(exc, DataError):
            return await unstorable(request, exc)
        raise exc

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request.scope, 500)

    app.add_middleware(InputGuard)
    app.openapi = openapi_of(app)  # type: ignore[method-assign]  # how FastAPI documents a custom schema


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _no_nul(value) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise _Refused(422, UNSTORABLE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)


def _not_json_number(constant: str):
    raise _Refused(422, N_("NaN and Infinity are not JSON numbers."))


class InputGuard:
    """Refuse oversized bodies (413) and input no database can store (422), for every route.

    JSON and urlencoded bodies are read here whole (they are small: MAX_BODY_BYTES) and handed on
    unchanged; other bodies (file uploads) are counted as they stream, up to MAX_UPLOAD_BYTES on
    staff pages."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        settings = get_settings()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        limit = settings.max_body_bytes
        if content_type == "multipart/form-data" and scope.get("path", "").startswith("/admin/"):
            limit = max(limit, settings.max_upload_bytes)
        try:
            if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"") \
                    or b"\x00" in scope.get("query_string", b""):
                raise _Refused(422, UNSTORABLE)
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise _Refused(413, STATUS[413][1])
            if content_type in ("application/json", "application/x-www-form-urlencoded") \
                    or content_type.endswith("+json"):
                body = await _read(receive, limit)
                _check(body, content_type)
                receive = _replay(body)
            else:
                receive = _counted(receive, limit)
        except _Refused as refused:
            await _drain_and_answer(scope, send, refused)
            return
        await self.app(scope, receive, send)


async def _drain_and_answer(scope: Scope, send: Send, refused: _Refused) -> None:
    code = {413: "too_large", 422: "invalid_input"}.get(refused.status)
    await error_response(scope, refused.status, code, msgid=refused.message)(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _read(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Refused(413, STATUS[413][1])
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


# JSON nested less deeply than this (counted as opening brackets) cannot exhaust Python's recursion limit
_NESTING_SAFE = 200


def _check(body: bytes, content_type: str) -> None:
    if content_type == "application/x-www-form-urlencoded":
        if b"%00" in body or b"\x00" in body:
            raise _Refused(422, UNSTORABLE)
        return
    if not body or (b"\\u0000" not in body and b"NaN" not in body and b"Infinity" not in body
                    and body.count(b"[") + body.count(b"{") < _NESTING_SAFE):
        return  # nothing the checks below could find: parsing it here too was 2 % of an API call's time
    try:
        value = json.loads(body, parse_constant=_not_json_number)
    except _Refused:
        raise
    except RecursionError:
        raise _Refused(422, N_("The JSON is nested too deeply.")) from None
    except ValueError:
        return  # not JSON at all: the route's own validation says so, in its own words
    _no_nul(value)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _counted(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise StarletteHTTPException(413)
        return message

    return counted


# --- the OpenAPI description says what the handlers above answer --------------------------------

ERROR_SCHEMA = {"type": "object", "required": ["code", "message"], "additionalProperties": True,
                "properties": {"code": {"type": "string", "description": "what went wrong, for programs"},
                               "message": {"type": "string", "description": "the same, for people, in the request's language"}}}
PAGE = {"text/html": {"schema": {"type": "string"}}}
DOWNLOADS = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv",
             ".json": "application/json", ".png": "image/png"}


FORMATS_311 = {"json": "application/json", "xml": "text/xml"}
OPEN311_ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                             "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}


def _page_content(path: str, content: dict) -> dict:
    """What a page route really answers: HTML, or the file its address names."""
    if content and "application/json" not in content:
        return content  # declared by the route itself (an image, say)
    if path.endswith(".{fmt}"):
        return {DOWNLOADS[".csv"]: {}, DOWNLOADS[".xlsx"]: {}}
    for suffix, media in DOWNLOADS.items():
        if path.endswith(suffix):
            return {media: {}}
    return PAGE


def describe(spec: dict) -> dict:
    """Rewrite FastAPI's generated description: API errors are `{code, message}` (not FastAPI's
    `{detail}`), pages answer HTML (or their file), redirect with 303 and refuse with a page."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_json = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in spec.get("paths", {}).items():
        kind = _kind(path)
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if kind == "api":
                for status, response in responses.items():  # a route's own error model stays
                    if status[0] in "45" and "HTTPValidationError" in str(response.get("content", "HTTPValidationError")):
                        response["content"] = error_json
                responses.setdefault("4XX", {"description": "refused, with the reason", "content": error_json})
            elif kind == "html":
                for status, response in list(responses.items()):
                    if status.startswith("2"):
                        response["content"] = _page_content(path, response.get("content", {}))
                    elif status[0] in "45":
                        del responses[status]
                responses["303"] = {"description": "the next page (post/redirect/get), or the login page"}
                responses["4XX"] = {"description": "refused: a page saying why, in the reader's language",
                                    "content": PAGE}
            elif kind == "open311":  # GeoReport v2: JSON or XML as the address's .json / .xml says
                for status, response in list(responses.items()):
                    if status.startswith("2"):
                        response["content"] = {FORMATS_311["json"]: {}, FORMATS_311["xml"]: {}}
                    elif status[0] in "45":
                        del responses[status]
                responses["4XX"] = {"description": "refused: a list of {code, description}",
                                    "content": {FORMATS_311["json"]: {"schema": OPEN311_ERRORS}, FORMATS_311["xml"]: {}}}
    used = str(spec.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in used:
            spec["components"]["schemas"].pop(name, None)
    return spec


def openapi_of(app: FastAPI):
    def openapi() -> dict:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            app.openapi_schema = describe(get_openapi(title=app.title, version=app.version,
                                                      description=app.description, routes=app.routes))
        return app.openapi_schema

    return openapi
