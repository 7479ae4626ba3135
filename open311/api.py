"""The GeoReport v2 routes under /open311/v2, each in .json and .xml.

Discovery and the service list are public; filing and reading requests need an API key, and a
client reads back only the requests it filed (residents' requests are not public here). Errors
are the specification's list of {code, description}, in the language of `locale` or
Accept-Language. Routes parse and answer; the work is in service_requests.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from collections.abc import Callable, Iterable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from core.deps import SessionDep
from core.i18n import N_, gettext, normalize_language
from core.models import ApiKey, Place, PlaceKind
from core.settings import get_settings
from core.text import IntakeError
from open311 import keys, places, service_requests, services
from open311.formats import FORMATS, Open311Error, answer, error

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"  # when this API last changed in a way clients should notice
TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,64})\](\[\])?$")
MAX_ADDRESS = 400

Params = Mapping[str, str]


def _lang(request: Request, params: Params) -> str:
    wanted = params.get("locale") or request.headers.get("accept-language", "").split(",")[0]
    return normalize_language(wanted.replace("_", "-"))


def _run(fmt: str, lang: str, work: Callable[[str], Response], values: Iterable[str] = ()) -> Response:
    """Answer with what `work` returns for the format, or with the specification's error list.
    `values` are the client's parameters: a NUL byte in one is refused before any query (PostgreSQL
    cannot compare with it)."""
    try:
        if fmt not in FORMATS:
            raise Open311Error(404, N_("only the .json and .xml formats are served"))
        if any("\x00" in value for value in values):
            raise Open311Error(400, N_("parameters may not contain NUL characters"))
        return work(fmt)
    except Open311Error as exc:
        return error(fmt, exc, lang)


def _jurisdiction(session: Session, params: Params) -> None:
    """Where given, jurisdiction_id must be the configured one, by default a street's code."""
    given = params.get("jurisdiction_id")
    if not given:
        return
    configured = get_settings().open311_jurisdiction_id
    known = {configured} if configured else set(session.exec(select(Place.code).where(Place.kind == PlaceKind.street)))
    if given not in known:
        raise Open311Error(404, N_("jurisdiction_id not found: {value}"), value=given[:100])


def _key(session: Session, params: Params) -> ApiKey:
    key = keys.verify_key(session, params.get("api_key"))
    if key is None:
        raise Open311Error(403, N_("api_key missing or invalid"))
    return key


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request):
    """Where the endpoints are, what they speak and whom to ask for a key."""
    lang = _lang(request, request.query_params)
    settings = get_settings()
    ask = gettext(lang)(N_("Ask the street office's administrator for an API key."))
    body = {
        "changeset": CHANGESET,
        "contact": ask,
        "key_service": ask,
        "endpoints": [{"specification": SPECIFICATION, "url": settings.public_base_url.rstrip("/") + router.prefix,
                       "changeset": CHANGESET, "type": "production" if settings.environment == "production" else "test",
                       "formats": ["application/json", "text/xml"]}],
    }
    return _run(fmt, lang, lambda f: answer(f, "discovery", body))


@router.get("/services.{fmt}")
def service_list(fmt: str, request: Request, session: SessionDep):
    """One service per active category, named in the request's language."""
    lang = _lang(request, request.query_params)

    def work(f: str) -> Response:
        _jurisdiction(session, request.query_params)
        return answer(f, "services", [services.service(c, lang) for c in services.active_categories(session)])

    return _run(fmt, lang, work, request.query_params.values())


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request, session: SessionDep):
    """The questions a service asks (its attributes); none for most."""
    lang = _lang(request, request.query_params)

    def work(f: str) -> Response:
        _jurisdiction(session, request.query_params)
        category = services.category(session, service_code)
        if category is None:
            raise Open311Error(404, N_("no such service: {code}"), code=service_code[:64])
        return answer(f, "service_definition", services.definition(category, lang))

    return _run(fmt, lang, work, [service_code, *request.query_params.values()])


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, session: SessionDep):
    """File a service request (form-encoded, as the specification says); answers its id, token and notice."""
    form = await request.form()
    params: dict[str, str] = dict(request.query_params)
    answers: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue  # files are not part of GeoReport v2
        match = ATTRIBUTE.match(name)
        if match:
            answers.setdefault(match.group(1), []).append(value)
        else:
            params[name] = value
    lang = _lang(request, params)
    # the database work runs in the thread pool: blocking calls here would stall the event loop
    values = [*params.values(), *(v for given in answers.values() for v in given)]
    return await run_in_threadpool(_run, fmt, lang, lambda f: _file(f, lang, request, session, params, answers),
                                   values)


def _file(fmt: str, lang: str, request: Request, session: Session, params: dict[str, str],
          answers: dict[str, list[str]]) -> Response:
    key = _key(session, params)
    _jurisdiction(session, params)
    wait = keys.retry_after(session, key)
    if wait is not None:
        raise Open311Error(429, N_("too many requests: try again in {seconds} seconds"),
                           {"Retry-After": str(wait)}, seconds=wait)
    report = service_requests.Report(
        description=params.get("description", ""), token=_token(params), language=lang,
        service_code=params.get("service_code") or None, place_id=_place(session, params),
        contact=_contact(params), answers=answers, media_url=_media_url(params))
    try:
        filed = service_requests.file_report(session, key, report, ip=request.client.host if request.client else "")
    except IntakeError as exc:
        raise Open311Error(400, N_("description: {error}"), error=exc.message(lang)) from exc
    except services.AnswerError as exc:
        raise Open311Error(400, exc.message, attribute=exc.attribute) from exc
    body = [{"service_request_id": filed.request.ticket, "token": report.token,
             "service_notice": service_requests.notice(session, filed.request, lang)}]
    return answer(fmt, "service_requests", body)


def _token(params: Params) -> str:
    """The client's own id for this request (a re-delivery with it is stored once), or a new one."""
    token = params.get("token", "").strip()
    if not token:
        return secrets.token_urlsafe(16)
    if not TOKEN.match(token):
        raise Open311Error(400, N_("token: letters, digits and . _ : - only, at most 64 characters"))
    return token


def _coordinate(value: str | None, limit: float) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and -limit <= number <= limit):
        raise Open311Error(400, N_("lat and long must be given together, as valid WGS-84 coordinates"))
    return number


def _place(session: Session, params: Params) -> int | None:
    """address_id, else address_string, else lat/long; at least one is required. What matches no
    place is kept without one: the "no place yet" queue."""
    lat, lon = _coordinate(params.get("lat"), 90), _coordinate(params.get("long"), 180)
    address_id, address = params.get("address_id", "").strip(), params.get("address_string", "").strip()
    if (lat is None) != (lon is None):
        raise Open311Error(400, N_("lat and long must be given together, as valid WGS-84 coordinates"))
    if lat is None and not address_id and not address:
        raise Open311Error(400, N_("one of lat and long, address_string or address_id is required"))
    if len(address) > MAX_ADDRESS:
        raise Open311Error(400, N_("{field} is too long (at most {limit} characters)"), field="address_string",
                           limit=MAX_ADDRESS)
    if address_id:
        place = places.by_code(session, address_id[:40])
        if place is None:
            raise Open311Error(400, N_("unknown address_id: {value}"), value=address_id[:40])
        return place.id
    place = places.by_address(session, address) if address else None
    if place is None and lat is not None and lon is not None:
        place = places.by_point(session, lat, lon)
    return place.id if place else None


def _contact(params: Params) -> str | None:
    """How workers can reach the resident: kept for workers, never returned by this API."""
    parts = []
    for name in ("first_name", "last_name", "phone", "email"):
        value = " ".join(params.get(name, "").split())
        if len(value) > 120:
            raise Open311Error(400, N_("{field} is too long (at most {limit} characters)"), field=name, limit=120)
        if value:
            parts.append(value)
    return " ".join(parts)[:120] or None


def _media_url(params: Params) -> str | None:
    url = params.get("media_url", "").strip()
    if not url:
        return None
    if len(url) > 400 or not re.match(r"^https?://\S+$", url):
        raise Open311Error(400, N_("media_url must be an http(s) URL of at most 400 characters"))
    return url


def _date(params: Params, name: str) -> dt.datetime | None:
    """A W3C date-time; one without a zone is taken as UTC."""
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace(" ", "+"))  # an unescaped "+" in a query arrives as a space
    except ValueError:
        when = None
    if when is None or not dt.datetime(1900, 1, 1) <= when.replace(tzinfo=None) <= dt.datetime(9000, 1, 1):
        raise Open311Error(400, N_("{field} is not a valid date-time (for example 2026-05-31T08:00:00Z)"), field=name)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _query(params: Params) -> service_requests.Query:
    q = service_requests.Query(service_code=params.get("service_code") or None)
    ids = [i.strip().upper() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        if len(ids) > service_requests.MAX_RESULTS:
            raise Open311Error(400, N_("at most {limit} service_request_id values"), limit=service_requests.MAX_RESULTS)
        q.ids = ids
        return q
    span = service_requests.window(_date(params, "start_date"), _date(params, "end_date"))
    if span is None:
        raise Open311Error(400, N_("start_date and end_date may not span more than 90 days"))
    q.start, q.end = span
    q.statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if not q.statuses <= {"open", "closed"}:
        raise Open311Error(400, N_("status must be open or closed"))
    return q


@router.get("/requests.{fmt}")
def request_list(fmt: str, request: Request, session: SessionDep):
    """The key's requests: by ids, or by service, status and a window of at most 90 days (default:
    the last 90 days), newest first, at most 1,000."""
    params = request.query_params
    lang = _lang(request, params)

    def work(f: str) -> Response:
        key = _key(session, params)
        _jurisdiction(session, params)
        found = service_requests.find(session, key, _query(params))
        return answer(f, "service_requests", service_requests.as_open311(session, found, lang))

    return _run(fmt, lang, work, params.values())


@router.get("/requests/{service_request_id}.{fmt}")
def request_one(service_request_id: str, fmt: str, request: Request, session: SessionDep):
    """One request the key filed, by its id (our ticket number)."""
    params = request.query_params
    lang = _lang(request, params)

    def work(f: str) -> Response:
        key = _key(session, params)
        _jurisdiction(session, params)
        req = service_requests.by_ticket(session, key, service_request_id[:20])
        if req is None:
            raise Open311Error(404, N_("no such service request: {id}"), id=service_request_id[:20])
        return answer(f, "service_requests", service_requests.as_open311(session, [req], lang))

    return _run(fmt, lang, work, [service_request_id, *params.values()])


@router.get("/tokens/{token}.{fmt}")
def token_lookup(token: str, fmt: str, request: Request, session: SessionDep):
    """The request id behind a token the key filed with."""
    params = request.query_params
    lang = _lang(request, params)

    def work(f: str) -> Response:
        key = _key(session, params)
        _jurisdiction(session, params)
        req = service_requests.by_token(session, key, token) if TOKEN.match(token) else None
        if req is None:
            raise Open311Error(404, N_("no such token: {token}"), token=token[:64])
        return answer(f, "service_requests", [{"service_request_id": req.ticket, "token": token}])

    return _run(fmt, lang, work, [token, *params.values()])


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def not_found(rest: str, request: Request):
    """Anything else under /open311/v2: the specification's 404, in the format the path asks for."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, Open311Error(404, N_("no such resource")), _lang(request, request.query_params))
