"""The domain model of the whole product.

Tables are created only by Alembic migrations (core/migrations); this module is their source.
Enumerations are stored as short strings so that adding a value needs no schema change.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    MetaData,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# A naming convention makes constraint names stable across SQLite (batch mode) and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# JSON columns start empty through plain functions: pydantic inspects a default factory's signature
# on every construction, and for the builtins list and dict that means parsing their text signature
# (about 1 ms per object for a request, whose constructor then cost more than its INSERT).
def _empty_list() -> list:
    return []


def _empty_dict() -> dict:
    return {}


def _ts(**kw):
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


def _opt_ts(**kw):
    return Field(default=None, sa_type=UTCDateTime, **kw)


# --- enumerations -------------------------------------------------------------------------------

class PlaceKind(StrEnum):
    street = "street"  # 街道
    community = "community"  # 社区
    compound = "compound"  # 小区
    grid = "grid"  # 网格


class Channel(StrEnum):
    web = "web"
    telegram = "telegram"
    webchat = "webchat"
    survey = "survey"
    import_ = "import"
    staff = "staff"  # entered by a worker on a resident's behalf (phone call, visit)
    open311 = "open311"  # another system, through the Open311 GeoReport v2 API (open311/)
    phone = "phone"  # a worker's call to a resident who left only a phone number (CallTask)


class Kind(StrEnum):
    need = "need"
    complaint = "complaint"
    suggestion = "suggestion"
    inquiry = "inquiry"
    praise = "praise"


class Status(StrEnum):
    received = "received"
    accepted = "accepted"
    in_progress = "in_progress"
    resolved = "resolved"
    not_actionable = "not_actionable"


OPEN_STATUSES = (Status.received, Status.accepted, Status.in_progress)
# the conditions of two partial indexes on request (migration 0008_workday), as literals so that both
# databases can match them in a query
UNANSWERED = "responded_at IS NULL AND duplicate_of_id IS NULL"
OPEN_UNIQUE = "status IN ('received', 'accepted', 'in_progress') AND duplicate_of_id IS NULL"


class EventType(StrEnum):
    created = "created"
    classified = "classified"
    classification_failed = "classification_failed"
    status_changed = "status_changed"
    category_corrected = "category_corrected"
    kind_corrected = "kind_corrected"
    urgent_changed = "urgent_changed"
    assigned = "assigned"
    reply = "reply"
    note = "note"
    cluster_linked = "cluster_linked"
    project_linked = "project_linked"
    rated = "rated"
    duplicate_delivery = "duplicate_delivery"
    anonymised = "anonymised"
    # the worker's day (admin/actions.py, admin/supervision.py)
    transferred = "transferred"  # handed to another community
    duplicate_marked = "duplicate_marked"  # the same issue as another ticket (to_value: its id)
    response_extended = "response_extended"  # the response deadline moved later; message: the reason
    resolution_extended = "resolution_extended"  # the same for the resolution deadline
    escalated = "escalated"  # 督办: a deadline passed and the on-duty staff were told
    call_task = "call_task"  # a call to make: the resident can be reached only by phone
    call_made = "call_made"  # its result
    category_imported = "category_imported"  # the category a records file gave: training data (nlp/dataset.py)


class Role(StrEnum):
    admin = "admin"
    worker = "worker"
    org = "org"


class RoundStage(StrEnum):
    application = "application"  # 项目申报
    review = "review"  # 评审
    implementation = "implementation"  # 实施
    evaluation = "evaluation"  # 监督评估
    closed = "closed"


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


# --- places and categories ----------------------------------------------------------------------

class Place(SQLModel, table=True):
    """Street (街道) → community (社区) → compound (小区) or grid (网格)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)
    name: str = Field(max_length=120)
    code: str = Field(max_length=40, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    # Households served, for "per 1,000 households" figures in planning.
    households: int | None = None
    # WGS-84, where known: Open311 clients report by coordinates (open311/places.py)
    latitude: float | None = None
    longitude: float | None = None
    # other names residents and files use (星湖苑 / xhy / Xinghuyuan), found in text by core.places.find_place
    aliases: list = Field(default_factory=_empty_list, sa_type=JSON)
    # a retired place leaves the pick lists and is no longer recognised in text; its requests keep it
    retired_at: dt.datetime | None = _opt_ts()
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts(sa_column_kwargs={"onupdate": utcnow})  # what core.places' cache watches


class Category(SQLModel, table=True):
    """Service categories are data (core/data/categories.csv), editable by admins."""

    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=80)
    description: str = ""
    sort_order: int = 0
    active: bool = True
    # services for older people, children, people with disabilities, families in difficulty: the
    # planner weighs demand for these (admin/plan.py)
    vulnerable: bool = False
    updated_at: dt.datetime = _ts()
    updated_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    # questions asked with this category, as Open311 service attributes (open311/services.py)
    attributes: list = Field(default_factory=_empty_list, sa_type=JSON)


# --- residents ----------------------------------------------------------------------------------

class Resident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(default="zh", max_length=8)
    display_name: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    home_place_id: int | None = Field(default=None, foreign_key="place.id")
    consent_contact: bool = False  # may we store and use contact details
    consent_at: dt.datetime | None = _opt_ts()
    created_at: dt.datetime = _ts()
    anonymised_at: dt.datetime | None = _opt_ts()


class ResidentIdentity(SQLModel, table=True):
    """How a resident reaches us: a Telegram user id, a web token, a survey token."""

    __table_args__ = (UniqueConstraint("channel", "external_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    channel: str = Field(max_length=16)
    external_user_id: str = Field(max_length=128)
    chat_id: str | None = Field(default=None, max_length=64)  # where to deliver replies
    created_at: dt.datetime = _ts()


# --- staff, organizations, projects, rounds -----------------------------------------------------

class Organization(SQLModel, table=True):
    """A social organization (社会组织) that provides purchased services."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    contact: str | None = Field(default=None, max_length=120)
    description: str = ""
    created_at: dt.datetime = _ts()


class StaffUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    is_active: bool = True
    on_duty: bool = False  # receives urgent requests at once
    telegram_chat_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = _ts()
    last_login_at: dt.datetime | None = _opt_ts()
    # set by a password reset: the temporary password lets its holder in only to choose a new one
    must_change_password: bool = False
    password_changed_at: dt.datetime | None = _opt_ts()


class StaffCommunity(SQLModel, table=True):
    """The communities a worker is scoped to."""

    user_id: int = Field(foreign_key="staffuser.id", primary_key=True)
    place_id: int = Field(foreign_key="place.id", primary_key=True)


class PurchaseRound(SQLModel, table=True):
    """One round of government purchasing of services (政府购买服务)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    place_id: int = Field(foreign_key="place.id")  # the street or community buying
    budget_cents: int = 0  # e.g. the 为民服务专项经费 for the year
    stage: str = Field(default=RoundStage.application, max_length=16)
    application_start: dt.date | None = None
    review_start: dt.date | None = None
    implementation_start: dt.date | None = None
    evaluation_start: dt.date | None = None
    end_date: dt.date | None = None
    decision_note: str = ""
    created_at: dt.datetime = _ts()


class ServiceProject(SQLModel, table=True):
    """A service bought from an organization in a purchase round."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=160)
    description: str = ""
    organization_id: int = Field(foreign_key="organization.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="purchaseround.id", index=True)
    category_code: str | None = Field(default=None, foreign_key="category.code")
    budget_cents: int = 0
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    stage: str = Field(default=RoundStage.application, max_length=16)
    targets: dict = Field(default_factory=_empty_dict, sa_type=JSON)  # {"meal deliveries / week": 120}
    created_at: dt.datetime = _ts()


class RoundDocument(SQLModel, table=True):
    """A document of a purchase round stage: notice, application, review minutes, evaluation report."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="purchaseround.id", index=True)
    stage: str = Field(max_length=16)
    title: str = Field(max_length=200)
    reference: str = Field(default="", max_length=400)  # file number (文号) or a link to the file
    added_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts()


class ProjectAssessment(SQLModel, table=True):
    """A worker's assessment of a service project: a 1–5 score and the targets achieved so far."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="serviceproject.id", index=True)
    assessor_id: int | None = Field(default=None, foreign_key="staffuser.id")
    score: int  # 1..5
    achieved: dict = Field(default_factory=_empty_dict, sa_type=JSON)  # {"每周送餐份数": 96}
    note: str = ""
    created_at: dt.datetime = _ts()


class ProjectPlace(SQLModel, table=True):
    project_id: int = Field(foreign_key="serviceproject.id", primary_key=True)
    place_id: int = Field(foreign_key="place.id", primary_key=True)


class RoundItem(SQLModel, table=True):
    """A line of a round plan: a candidate service, its score and its share of the budget."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="purchaseround.id", index=True)
    category_code: str = Field(foreign_key="category.code")
    place_id: int | None = Field(default=None, foreign_key="place.id")
    score: float = 0.0
    evidence: dict = Field(default_factory=_empty_dict, sa_type=JSON)  # the numbers behind the score
    proposed_cents: int = 0
    decided_cents: int | None = None
    decision_reason: str = ""
    decided_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    decided_at: dt.datetime | None = _opt_ts()


# --- requests -----------------------------------------------------------------------------------

class Cluster(SQLModel, table=True):
    """Requests about the same concrete issue in the same place."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=200)
    keywords: list = Field(default_factory=_empty_list, sa_type=JSON)
    category_code: str | None = Field(default=None, foreign_key="category.code")
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    size: int = 0
    is_open: bool = True
    merged_into_id: int | None = Field(default=None, foreign_key="cluster.id")
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class ClusterTerm(SQLModel, table=True):
    """The strongest terms of an open cluster's centroid: an inverted index for intake (nlp/cluster.py)."""

    __table_args__ = (Index("ix_clusterterm_scope_term", "scope_id", "term"),)
    cluster_id: int = Field(foreign_key="cluster.id", primary_key=True)
    term: str = Field(max_length=40, primary_key=True)
    scope_id: int = 0  # the community (or place) id; 0 when the request named none
    weight: float = 0.0


class ServiceRequest(SQLModel, table=True):
    """What a resident asked for, through any channel (a service request, as Open311 calls it; the web
    framework's Request is another thing)."""

    __tablename__ = "request"

    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_request_community_created", "community_id", "created_at"),
        Index("ix_request_category_created", "category_code", "created_at"),
        Index("ix_request_status_created", "status", "created_at"),
        # admin dashboard (migration 0002_admin): demand per month, open and overdue per place × category
        Index("ix_request_created_community_category", "created_at", "community_id", "category_code"),
        Index("ix_request_open_community_category", "community_id", "category_code", "created_at",
              sqlite_where=text("status IN ('received', 'accepted', 'in_progress')"),
              postgresql_where=text("status IN ('received', 'accepted', 'in_progress')")),
        # migration 0004_rollup: distinct residents per category for the planner, from the index alone
        Index("ix_request_category_resident", "category_code", "resident_id", "community_id", "created_at"),
        # nlp.heat.rank: the clustered requests of a window, from the index alone
        Index("ix_request_cluster_heat", "cluster_id", "created_at", "community_id", "resident_id", "id",
              "urgent", "status", sqlite_where=text("cluster_id IS NOT NULL"),
              postgresql_where=text("cluster_id IS NOT NULL")),
        # migration 0008_workday: requests not yet responded to, and open requests, with their deadlines:
        # the part of the rates that depends on the clock (admin/rates.py), what is late or due today in the
        # inbox and on the supervision page, and the escalation: from the index alone
        Index("ix_request_unanswered", "respond_by", "created_at", "community_id", "category_code", "assignee_id",
              "project_id", "status", "urgent", "escalated_at",
              sqlite_where=text(UNANSWERED), postgresql_where=text(UNANSWERED)),
        Index("ix_request_open_deadline", "resolve_by", "created_at", "community_id", "category_code",
              "assignee_id", "project_id", "responded_at", "urgent", "escalated_at",
              sqlite_where=text(OPEN_UNIQUE), postgresql_where=text(OPEN_UNIQUE)),
        # the duplicates of a ticket; only they are indexed (an index of every NULL leads SQLite astray)
        Index("ix_request_duplicate_of_id", "duplicate_of_id", sqlite_where=text("duplicate_of_id IS NOT NULL"),
              postgresql_where=text("duplicate_of_id IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket: str = Field(max_length=20, unique=True)
    text: str
    language: str = Field(default="zh", max_length=8)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)  # the channel's own id: idempotency key
    resident_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    contact: str | None = Field(default=None, max_length=120)
    place_id: int | None = Field(default=None, foreign_key="place.id")
    community_id: int | None = Field(default=None, foreign_key="place.id")
    category_code: str | None = Field(default=None, foreign_key="category.code")
    kind: str | None = Field(default=None, max_length=16)
    urgent: bool = False
    confidence: float | None = None
    model_version: str | None = Field(default=None, max_length=40)
    keywords: list = Field(default_factory=_empty_list, sa_type=JSON)
    needs_review: bool = Field(default=False, index=True)
    status: str = Field(default=Status.received, max_length=16)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="serviceproject.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts(index=True)
    updated_at: dt.datetime = _ts()
    resolved_at: dt.datetime | None = _opt_ts()
    # deadlines from the rules (core/deadlines.py), set at intake, moved later only with a recorded reason
    respond_by: dt.datetime | None = _opt_ts()
    resolve_by: dt.datetime | None = _opt_ts()
    responded_at: dt.datetime | None = _opt_ts()  # the first status change, reply or call by staff
    escalated_at: dt.datetime | None = _opt_ts()  # 督办: when a passed deadline was escalated (once per deadline)
    # the ticket this one repeats; no foreign key: adding one rebuilds the table on SQLite, which drops
    # the rollup's triggers (migration 0008_workday)
    duplicate_of_id: int | None = None


class DeadlineRule(SQLModel, table=True):
    """How long requests may wait for a response and for their resolution (core/deadlines.py).

    A rule covers urgent or ordinary requests (urgent None: both) of one category (None: every one);
    for each duration the most specific rule that sets it wins."""

    id: int | None = Field(default=None, primary_key=True)
    urgent: bool | None = None
    category_code: str | None = Field(default=None, max_length=40)
    respond_hours: int | None = None
    resolve_hours: int | None = None
    updated_at: dt.datetime = _ts()
    updated_by_id: int | None = Field(default=None, foreign_key="staffuser.id")


class CallTask(SQLModel, table=True):
    """A call a worker must make to a resident reachable only by phone: a reply, or the follow-up
    (回访) after resolution whose answer is recorded as the rating."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    purpose: str = Field(max_length=16)  # reply | followup
    message: str = ""  # what to tell the resident
    assignee_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)  # who must call
    created_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts()
    attempts: int = 0
    done_at: dt.datetime | None = _opt_ts()
    done_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    outcome: str | None = Field(default=None, max_length=16)  # reached | unreachable
    note: str = ""


class RequestEvent(SQLModel, table=True):
    """Append-only history of a request: never updated, never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    type: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="staffuser.id")
    from_value: str | None = Field(default=None, max_length=80)
    to_value: str | None = Field(default=None, max_length=80)
    message: str = ""
    created_at: dt.datetime = _ts()


class Rating(SQLModel, table=True):
    """A resident's satisfaction with how a request was handled or with a service project."""

    # satisfaction by category over a window, read from the index (migration 0002_admin)
    __table_args__ = (Index("ix_rating_created_request", "created_at", "request_id", "score"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="serviceproject.id", index=True)
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    score: int  # 1..5
    comment: str = ""
    channel: str = Field(default=Channel.web, max_length=16)
    created_at: dt.datetime = _ts()


class DemandDay(SQLModel, table=True):
    """Rollup for the dashboard and the planner (admin/rollup.py): per UTC day × community × category,
    the requests created that day and the ratings given that day. Rebuilt from the rows, never edited."""

    day: dt.date = Field(primary_key=True)
    community_id: int = Field(default=0, primary_key=True)  # 0: no community
    category_code: str = Field(default="", max_length=40, primary_key=True)  # "": unclassified
    requests: int = 0
    open: int = 0  # of those, still open
    mentions: int = 0  # of those, whose text mentions a vulnerable group (admin.plan.VULNERABLE_WORDS)
    ratings: int = 0
    score_sum: int = 0


class RateDay(SQLModel, table=True):
    """Rollup for the response, resolution and satisfaction rates (admin/rates.py): per UTC day of receipt
    × community × category × assignee × project, what of those requests no longer depends on the clock.
    Kept exact like DemandDay (the same stale-day marks); duplicates count only in the ratings."""

    day: dt.date = Field(primary_key=True)
    community_id: int = Field(default=0, primary_key=True)  # 0: none
    category_code: str = Field(default="", max_length=40, primary_key=True)  # "": unclassified
    assignee_id: int = Field(default=0, primary_key=True)  # 0: unassigned
    project_id: int = Field(default=0, primary_key=True)  # 0: no project
    responded: int = 0
    responded_in_time: int = 0
    closed: int = 0
    resolved_in_time: int = 0
    ratings: int = 0
    satisfied: int = 0  # ratings of 4 or 5
    # not responded to yet / still open, with the earliest and latest of their deadlines: a row whose
    # latest deadline has passed is all due, one whose earliest has not is not due yet; only the
    # days in between are counted from the rows (admin/rates.py)
    unanswered: int = 0
    unanswered_first: dt.datetime | None = _opt_ts()
    unanswered_last: dt.datetime | None = _opt_ts()
    open: int = 0
    open_first: dt.datetime | None = _opt_ts()
    open_last: dt.datetime | None = _opt_ts()


class DemandDirty(SQLModel, table=True):
    """Days whose DemandDay rows are stale: written by database triggers on request and rating."""

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date


# --- surveys ------------------------------------------------------------------------------------

class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    title: str = Field(max_length=200)
    description: str = ""
    title_en: str = Field(default="", max_length=200)  # English title (survey/, migration 0002_survey)
    description_en: str = ""
    purpose: str = Field(default="needs", max_length=20)  # needs | satisfaction | participation
    questions: list = Field(default_factory=_empty_list, sa_type=JSON)  # see survey/ for the schema
    target_place_ids: list = Field(default_factory=_empty_list, sa_type=JSON)
    opens_at: dt.datetime | None = _opt_ts()
    closes_at: dt.datetime | None = _opt_ts()
    anonymous: bool = True
    one_response_per_resident: bool = False
    project_id: int | None = Field(default=None, foreign_key="serviceproject.id")
    status: str = Field(default="draft", max_length=16)  # draft | open | closed
    created_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts()


class SurveyResponse(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("survey_id", "respondent_key"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    # one response per resident where asked (token, channel identity), else a per-submit nonce
    respondent_key: str = Field(max_length=128)
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    place_id: int | None = Field(default=None, foreign_key="place.id")
    channel: str = Field(default=Channel.web, max_length=16)
    answers: dict = Field(default_factory=_empty_dict, sa_type=JSON)
    created_at: dt.datetime = _ts(index=True)
    # keyed hash of the submitting client's address, for rate limiting (never the address itself)
    client_hash: str | None = Field(default=None, max_length=32, index=True)


# --- conversations, delivery, models, audit -----------------------------------------------------

class Conversation(SQLModel, table=True):
    """Dialog state per chat, in the database so any bot process can continue it."""

    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    state: str = Field(default="idle", max_length=40)
    data: dict = Field(default_factory=_empty_dict, sa_type=JSON)
    version: int = 0  # optimistic locking between bot processes
    updated_at: dt.datetime = _ts()


class ProcessedUpdate(SQLModel, table=True):
    """Updates already handled, so a retried delivery is processed once."""

    __table_args__ = (UniqueConstraint("channel", "update_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_key: str = Field(max_length=128)
    created_at: dt.datetime = _ts()


class Outbox(SQLModel, table=True):
    """Messages to deliver to residents or staff; any process may deliver them."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16, index=True)
    address: str = Field(max_length=64)  # chat id, or web token
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    staff_id: int | None = Field(default=None, foreign_key="staffuser.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
    purpose: str = Field(default="message", max_length=32)  # ack | status | reply | urgent | rating
    text: str
    payload: dict = Field(default_factory=_empty_dict, sa_type=JSON)
    status: str = Field(default=OutboxStatus.pending, max_length=16, index=True)
    attempts: int = 0
    created_at: dt.datetime = _ts()
    sent_at: dt.datetime | None = _opt_ts()


class ModelVersion(SQLModel, table=True):
    """Trained classifier artefacts; exactly one is active."""

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, unique=True)
    path: str = Field(max_length=400)
    data_hash: str = Field(default="", max_length=64)
    metrics: dict = Field(default_factory=_empty_dict, sa_type=JSON)
    active: bool = False
    created_at: dt.datetime = _ts()


class Job(SQLModel, table=True):
    """A long task started from the admin view (a file import, a retraining): its progress and outcome,
    in the database so that whichever web process serves the page can show it."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # places_import | requests_import | train
    status: str = Field(default="queued", max_length=16)  # queued | running | done | failed
    title: str = Field(default="", max_length=200)  # the file's name
    total: int = 0
    done: int = 0
    counts: dict = Field(default_factory=_empty_dict, sa_type=JSON)  # {"created": 3, "unchanged": 1, "refused": 2}
    errors: list = Field(default_factory=_empty_list, sa_type=JSON)  # [[row number, reason], ...], the first ones
    message: str = ""
    created_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()
    finished_at: dt.datetime | None = _opt_ts()


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    action: str = Field(max_length=60)
    target_type: str = Field(default="", max_length=40)
    target_id: str = Field(default="", max_length=40)
    detail: dict = Field(default_factory=_empty_dict, sa_type=JSON)
    ip: str = Field(default="", max_length=64)
    created_at: dt.datetime = _ts(index=True)


class LoginAttempt(SQLModel, table=True):
    """Recent login attempts, for throttling across all web processes."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    success: bool = False
    created_at: dt.datetime = _ts(index=True)


class StaffSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries only a random id whose SHA-256 is kept here, so that
    logging out, a new password or a deactivated account ends the session everywhere (core/accounts.py)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="staffuser.id", index=True)
    created_at: dt.datetime = _ts()
    last_seen_at: dt.datetime = _ts()
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = _opt_ts()
    ip: str = Field(default="", max_length=64)


class RateCounter(SQLModel, table=True):
    """Hits per bucket, key (a client address) and fixed window, shared by every process (core/ratelimit.py)."""

    bucket: str = Field(max_length=32, primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    window_start: int = Field(primary_key=True, sa_type=BigInteger)  # epoch seconds, a multiple of the window
    hits: int = 0


class ApiKey(SQLModel, table=True):
    """A client application's key for the Open311 API (open311/keys.py); only its SHA-256 is kept."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the key's first characters, to tell keys apart on screen
    created_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: dt.datetime = _ts()
    revoked_at: dt.datetime | None = _opt_ts()
    last_used_at: dt.datetime | None = _opt_ts()
